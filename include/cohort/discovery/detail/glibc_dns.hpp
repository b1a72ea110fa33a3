// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DISCOVERY_DETAIL_GLIBC_DNS_HPP
#define COHORT_DISCOVERY_DETAIL_GLIBC_DNS_HPP

// The blocking DNS backend of dns_seed_resolver (seed_resolution.hpp's
// Backend), on the C library's resolver. One per lookup: res_ninit reads
// /etc/resolv.conf anew each time, so a changed file is followed.
//   srv(NAME)        res_nquery(NAME, SRV), decoded by parse_dns_answer;
//   addresses(HOST)  getaddrinfo (the system's way: /etc/hosts, nsswitch,
//                    /etc/resolv.conf), every A and AAAA; with a nameserver
//                    override, res_nquery A and AAAA to that server instead,
//                    since getaddrinfo cannot be pointed at one.
// The override replaces resolv.conf's servers in the res_state. An IPv6
// server is set through glibc's _u._ext.nsaddrs, as res_ninit itself does
// for the IPv6 servers of resolv.conf; on other C libraries an IPv6
// override fails with dns_lookup_failed.
//
// res_nquery's outcomes (its h_errno): HOST_NOT_FOUND (NXDOMAIN) ->
// dns_name_not_found; NO_DATA (the name has no record of that type) -> no
// records; NO_RECOVERY (FORMERR, NOTIMP) -> dns_server_failure; TRY_AGAIN
// (no answer in time, SERVFAIL and REFUSED, which glibc cannot tell apart)
// and anything else -> dns_lookup_failed.
//
// glibc 2.34 and later have res_n* in libc; earlier ones in libresolv, which
// the cohort CMake target links on Linux.

#include <cohort/detail/host_syntax.hpp>
#include <cohort/discovery/detail/dns_message.hpp>
#include <cohort/error.hpp>

#include <boost/asio/ip/udp.hpp>
#include <boost/system/result.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cohort::detail {

class glibc_dns {
public:
    /// `nameserver`: ask it instead of resolv.conf's servers. `timeout` per
    /// try (whole seconds, at least 1: the resolver's own unit) and
    /// `attempts` tries per server.
    glibc_dns(std::optional<boost::asio::ip::udp::endpoint> nameserver,
              std::chrono::milliseconds timeout, int attempts, std::size_t max_records)
        : override_(nameserver.has_value()), max_records_(max_records) {
        std::memset(&state_, 0, sizeof state_);
        if (res_ninit(&state_) != 0) return;
        ready_ = true;
        if (nameserver) set_server(*nameserver);
        auto const secs = std::chrono::duration_cast<std::chrono::seconds>(timeout + std::chrono::milliseconds(999));
        state_.retrans = static_cast<int>(std::clamp<std::chrono::seconds::rep>(secs.count(), 1, 30));
        state_.retry = std::clamp(attempts, 1, 5);
    }
    glibc_dns(glibc_dns const&) = delete;
    glibc_dns& operator=(glibc_dns const&) = delete;
    ~glibc_dns() {
        if (ready_) res_nclose(&state_);
    }

    boost::system::result<dns_answer> srv(std::string const& name) {
        return query(name, dns_type_srv);
    }

    boost::system::result<std::vector<std::string>> addresses(std::string const& host) {
        if (override_) return addresses_by_query(host);
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_DGRAM;  // one entry per address, not one per socket type
        addrinfo* list = nullptr;
        int const rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
        std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(list, &::freeaddrinfo);
        switch (rc) {
            case 0: break;
            case EAI_NONAME: return error::dns_name_not_found;
#ifdef EAI_NODATA
            case EAI_NODATA: return std::vector<std::string>{};
#endif
            case EAI_FAIL: return error::dns_server_failure;
            default: return error::dns_lookup_failed;
        }
        std::vector<std::string> out;
        for (auto const* ai = list; ai && out.size() < max_records_; ai = ai->ai_next) {
            if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(sockaddr_in)) {
                sockaddr_in sa;
                std::memcpy(&sa, ai->ai_addr, sizeof sa);
                std::array<std::uint8_t, 4> b;
                std::memcpy(b.data(), &sa.sin_addr, 4);
                out.push_back(std::to_string(b[0]) + '.' + std::to_string(b[1]) + '.' +
                              std::to_string(b[2]) + '.' + std::to_string(b[3]));
            } else if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(sockaddr_in6)) {
                sockaddr_in6 sa;
                std::memcpy(&sa, ai->ai_addr, sizeof sa);
                std::array<std::uint8_t, 16> b;
                std::memcpy(b.data(), &sa.sin6_addr, 16);
                out.push_back(format_ipv6(b));  // the scope of a link-local one is dropped
            }
        }
        return out;
    }

private:
    void set_server(boost::asio::ip::udp::endpoint const& ns) {
        // Free the copies res_ninit made for resolv.conf's IPv6 servers.
        for (int i = 0; i < MAXNS; ++i) {
            if (state_._u._ext.nsaddrs[i]) {
                std::free(state_._u._ext.nsaddrs[i]);
                state_._u._ext.nsaddrs[i] = nullptr;
            }
        }
        state_._u._ext.nscount = 0;
        state_.nscount = 1;
        std::memset(&state_.nsaddr_list[0], 0, sizeof state_.nsaddr_list[0]);
        if (ns.address().is_v4()) {
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_port = htons(ns.port());
            auto const b = ns.address().to_v4().to_bytes();
            std::memcpy(&sa.sin_addr, b.data(), 4);
            state_.nsaddr_list[0] = sa;
            return;
        }
#ifdef __GLIBC__
        // sin_family 0 in nsaddr_list: glibc reads the server from nsaddrs
        // (and frees it in res_nclose).
        auto* sa6 = static_cast<sockaddr_in6*>(std::calloc(1, sizeof(sockaddr_in6)));
        if (!sa6) {
            broken_ = true;
            return;
        }
        sa6->sin6_family = AF_INET6;
        sa6->sin6_port = htons(ns.port());
        auto const b = ns.address().to_v6().to_bytes();
        std::memcpy(&sa6->sin6_addr, b.data(), 16);
        state_._u._ext.nsaddrs[0] = sa6;
#else
        broken_ = true;
#endif
    }

    boost::system::result<dns_answer> query(std::string const& name, std::uint16_t type) {
        if (!ready_ || broken_) return error::dns_lookup_failed;
        answer_.resize(65535);  // the largest DNS message
        int const n = res_nquery(&state_, name.c_str(), dns_class_in, type,
                                 reinterpret_cast<unsigned char*>(answer_.data()),
                                 static_cast<int>(answer_.size()));
        if (n < 0) {
            switch (state_.res_h_errno) {
                case HOST_NOT_FOUND: return error::dns_name_not_found;
                case NO_DATA: {
                    dns_answer empty;
                    empty.question = name;
                    empty.question_type = type;
                    return empty;
                }
                case NO_RECOVERY: return error::dns_server_failure;
                default: return error::dns_lookup_failed;
            }
        }
        auto const size = std::min(static_cast<std::size_t>(n), answer_.size());
        auto a = parse_dns_answer(std::span<std::byte const>(answer_.data(), size), max_records_);
        if (!a) return a.error();
        // glibc matched the reply to the query; check the question anyway,
        // as the decoder promises nothing about it.
        std::string asked;
        for (char c : name) asked.push_back(ascii_lower(c));
        if (!asked.empty() && asked.back() == '.') asked.pop_back();
        if (a->question != asked || a->question_type != type) return error::dns_not_a_response;
        return a;
    }

    boost::system::result<std::vector<std::string>> addresses_by_query(std::string const& host) {
        std::vector<std::string> out;
        for (auto type : {dns_type_a, dns_type_aaaa}) {
            auto a = query(host, type);
            // Some servers (dnsmasq's --address) answer NXDOMAIN for the
            // type they have no record of: the A records found stand.
            if (!a && type == dns_type_aaaa && !out.empty() &&
                a.error() == error::dns_name_not_found)
                break;
            if (!a) return a.error();
            // Every address of the asked family: those of a CNAME's target
            // carry the target's name, not the question's.
            bool const v6 = type == dns_type_aaaa;
            for (auto& r : a->addresses)
                if ((r.address.find(':') != std::string::npos) == v6 && out.size() < max_records_)
                    out.push_back(std::move(r.address));
        }
        return out;
    }

    struct __res_state state_;
    bool ready_ = false;
    bool broken_ = false;  // the override could not be set
    bool override_ = false;
    std::size_t max_records_;
    std::vector<std::byte> answer_;
};

} // namespace cohort::detail

#endif // COHORT_DISCOVERY_DETAIL_GLIBC_DNS_HPP
