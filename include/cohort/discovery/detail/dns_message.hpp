// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DISCOVERY_DETAIL_DNS_MESSAGE_HPP
#define COHORT_DISCOVERY_DETAIL_DNS_MESSAGE_HPP

// The answer to one DNS question, decoded: its SRV (RFC 2782), A and AAAA
// records, from the answer and additional sections (servers put the SRV
// targets' addresses in the additional one). Pure, and written for hostile
// bytes: every read is bounds-checked, a compression pointer must point
// before the name that uses it (so no loop), names are at most 255 bytes and
// the records kept at most max_records; anything else is a specific error.
// Other record types (CNAME, TXT, OPT, ...) are skipped by their length.
//
// glibc's res_nquery only hands back the raw message (the ns_* parsers are in
// libresolv, which nothing else here needs), hence this decoder.

#include <cohort/detail/host_syntax.hpp>
#include <cohort/error.hpp>

#include <boost/system/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::detail {

inline constexpr std::uint16_t dns_type_a = 1;
inline constexpr std::uint16_t dns_type_aaaa = 28;
inline constexpr std::uint16_t dns_type_srv = 33;
inline constexpr std::uint16_t dns_class_in = 1;

struct dns_srv_record {
    std::uint16_t priority = 0;
    std::uint16_t weight = 0;
    std::uint16_t port = 0;
    std::string target;  ///< lower case, no trailing dot
    friend bool operator==(dns_srv_record const&, dns_srv_record const&) = default;
};

struct dns_address_record {
    std::string name;    ///< lower case, no trailing dot
    std::string address; ///< numeric text (IPv6 canonical, RFC 5952)
    friend bool operator==(dns_address_record const&, dns_address_record const&) = default;
};

struct dns_answer {
    std::string question;  ///< the question's name, lower case, no trailing dot
    std::uint16_t question_type = 0;
    std::vector<dns_srv_record> srv;
    std::vector<dns_address_record> addresses;
};

class dns_reader {
public:
    explicit dns_reader(std::span<std::byte const> msg) noexcept : msg_(msg) {}

    std::size_t offset() const noexcept { return at_; }
    void seek(std::size_t at) noexcept { at_ = at; }

    bool u16(std::uint16_t& v) noexcept {
        if (msg_.size() - at_ < 2) return false;
        v = static_cast<std::uint16_t>((byte(at_) << 8) | byte(at_ + 1));
        at_ += 2;
        return true;
    }
    bool u32(std::uint32_t& v) noexcept {
        std::uint16_t hi = 0, lo = 0;
        if (!u16(hi) || !u16(lo)) return false;
        v = (std::uint32_t{hi} << 16) | lo;
        return true;
    }
    bool skip(std::size_t n) noexcept {
        if (msg_.size() - at_ < n) return false;
        at_ += n;
        return true;
    }

    /// Reads the name at the current offset (following compression
    /// pointers) into `out`, lower case, dot-separated, without the root.
    boost::system::error_code name(std::string& out) {
        out.clear();
        std::size_t pos = at_;
        std::size_t end = 0;        // where reading resumes: after the first pointer
        std::size_t floor = at_;    // a pointer must point below this
        std::size_t wire_length = 1;
        for (int labels = 0; labels < 128; ++labels) {
            if (pos >= msg_.size()) return error::dns_truncated;
            unsigned const len = byte(pos);
            if ((len & 0xc0) == 0xc0) {
                if (pos + 1 >= msg_.size()) return error::dns_truncated;
                std::size_t const target = ((len & 0x3f) << 8) | byte(pos + 1);
                if (target >= floor) return error::dns_bad_name;  // forward or loop
                if (end == 0) end = pos + 2;
                floor = target;
                pos = target;
                continue;
            }
            if ((len & 0xc0) != 0) return error::dns_bad_name;  // 0x40, 0x80: not labels
            if (len == 0) {
                at_ = end != 0 ? end : pos + 1;
                return {};
            }
            wire_length += len + 1;
            if (wire_length > 255) return error::dns_bad_name;
            if (msg_.size() - pos - 1 < len) return error::dns_truncated;
            if (!out.empty()) out.push_back('.');
            for (std::size_t i = 0; i < len; ++i) {
                char const c = static_cast<char>(byte(pos + 1 + i));
                // A hostname's characters, and '_' of SRV owner names; a name
                // that is to be resolved again or printed holds nothing else.
                if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '-' && c != '_')
                    return error::dns_bad_name;
                out.push_back(ascii_lower(c));
            }
            pos += 1 + len;
        }
        return error::dns_bad_name;
    }

private:
    unsigned byte(std::size_t i) const noexcept { return std::to_integer<unsigned>(msg_[i]); }

    std::span<std::byte const> msg_;
    std::size_t at_ = 0;
};

/// Decodes a response to one question. `max_records` bounds what is kept
/// (SRV plus address records). Errors: see error.hpp's discovery group.
inline boost::system::result<dns_answer> parse_dns_answer(std::span<std::byte const> msg,
                                                          std::size_t max_records = 256) {
    dns_reader r(msg);
    std::uint16_t id = 0, flags = 0, qd = 0, an = 0, ns = 0, ar = 0;
    if (!r.u16(id) || !r.u16(flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar))
        return error::dns_truncated;
    if ((flags & 0x8000) == 0 || qd != 1) return error::dns_not_a_response;
    switch (flags & 0x000f) {
        case 0: break;
        case 3: return error::dns_name_not_found;
        default: return error::dns_server_failure;
    }
    dns_answer out;
    if (auto ec = r.name(out.question)) return ec;
    std::uint16_t qclass = 0;
    if (!r.u16(out.question_type) || !r.u16(qclass)) return error::dns_truncated;

    std::size_t const records = std::size_t{an} + ns + ar;
    std::string name;
    for (std::size_t i = 0; i < records; ++i) {
        if (auto ec = r.name(name)) return ec;
        std::uint16_t type = 0, cls = 0, rdlength = 0;
        std::uint32_t ttl = 0;
        if (!r.u16(type) || !r.u16(cls) || !r.u32(ttl) || !r.u16(rdlength))
            return error::dns_truncated;
        std::size_t const rdata = r.offset();
        if (!r.skip(rdlength)) return error::dns_truncated;
        bool const authority = i >= an && i < std::size_t{an} + ns;
        if (cls != dns_class_in || authority) continue;
        if (type == dns_type_a || type == dns_type_aaaa) {
            std::size_t const want = type == dns_type_a ? 4 : 16;
            if (rdlength != want) return error::dns_bad_record;
            dns_address_record a{name, {}};
            std::span<std::byte const> raw = msg.subspan(rdata, want);
            if (type == dns_type_a) {
                for (std::size_t k = 0; k < 4; ++k) {
                    if (k) a.address.push_back('.');
                    a.address += std::to_string(std::to_integer<unsigned>(raw[k]));
                }
            } else {
                std::array<std::uint8_t, 16> v6{};
                for (std::size_t k = 0; k < 16; ++k) v6[k] = std::to_integer<std::uint8_t>(raw[k]);
                a.address = format_ipv6(v6);
            }
            if (out.srv.size() + out.addresses.size() >= max_records)
                return error::dns_too_many_records;
            out.addresses.push_back(std::move(a));
        } else if (type == dns_type_srv) {
            if (rdlength < 7) return error::dns_bad_record;
            std::size_t const after = r.offset();
            r.seek(rdata);
            dns_srv_record s;
            if (!r.u16(s.priority) || !r.u16(s.weight) || !r.u16(s.port)) return error::dns_truncated;
            if (auto ec = r.name(s.target)) return ec;
            if (r.offset() != after) return error::dns_bad_record;  // name overran or fell short
            // "." means the service is not offered there (RFC 2782)
            if (s.target.empty()) continue;
            if (out.srv.size() + out.addresses.size() >= max_records)
                return error::dns_too_many_records;
            out.srv.push_back(std::move(s));
        }
    }
    return out;
}

/// Builds a query for `name` of `type` (tests and the fuzz corpus; the
/// resolver lets glibc build its own). Empty when `name` is not a DNS name.
inline std::vector<std::byte> make_dns_query(std::string_view name, std::uint16_t type,
                                             std::uint16_t id = 0x1234) {
    std::vector<std::byte> q;
    auto put16 = [&](unsigned v) {
        q.push_back(static_cast<std::byte>(v >> 8));
        q.push_back(static_cast<std::byte>(v & 0xff));
    };
    put16(id);
    put16(0x0100);  // recursion desired
    put16(1);
    put16(0);
    put16(0);
    put16(0);
    while (!name.empty()) {
        auto const dot = name.find('.');
        auto const label = name.substr(0, dot);
        if (label.empty() || label.size() > 63) return {};
        q.push_back(static_cast<std::byte>(label.size()));
        for (char c : label) q.push_back(static_cast<std::byte>(c));
        name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    }
    q.push_back(std::byte{0});
    put16(type);
    put16(dns_class_in);
    return q;
}

} // namespace cohort::detail

#endif // COHORT_DISCOVERY_DETAIL_DNS_MESSAGE_HPP
