// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DISCOVERY_SEED_HPP
#define COHORT_DISCOVERY_SEED_HPP

// A seed as an operator writes it:
//   host:port   a numeric address, or a hostname standing for all its A and
//               AAAA records (a Kubernetes headless service: one per pod);
//   srv:NAME    the targets and ports of NAME's SRV records, each target
//               standing for all its addresses (_cohort._udp.svc.cluster.local).
// Pure: resolving is dns_seed_resolver's work.

#include <cohort/detail/host_syntax.hpp>
#include <cohort/error.hpp>
#include <cohort/membership/member.hpp>

#include <boost/system/result.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace cohort {

enum class seed_kind : std::uint8_t {
    address,  ///< host:port (numeric, or a hostname for all its addresses)
    srv,      ///< srv:NAME (the SRV records' targets and ports)
};

struct seed {
    seed_kind kind = seed_kind::address;
    /// The address or hostname; for srv, the SRV name (no trailing dot).
    std::string host;
    /// The port; 0 for srv (each record names its own).
    std::uint16_t port = 0;

    /// A numeric address or a hostname with a port.
    static seed address(peer_address a) { return {seed_kind::address, std::move(a.host), a.port}; }

    /// Parses "host:port", "[v6]:port" or "srv:NAME". Errors: seed_invalid
    /// for an empty SRV name; node_id's host and port errors otherwise
    /// (hostname_invalid, host_too_long, ...).
    static boost::system::result<seed> parse(std::string_view text) {
        if (text.starts_with("srv:")) {
            auto name = text.substr(4);
            if (name.ends_with('.')) name.remove_suffix(1);
            if (name.empty()) return error::seed_invalid;
            // SRV owner names start with _service._proto labels: '_' is
            // allowed in them, which RFC 1123 hostnames do not allow.
            std::string probe(name);
            for (auto& c : probe)
                if (c == '_') c = 'x';
            if (auto ec = detail::check_hostname(probe)) return ec;
            return seed{seed_kind::srv, std::string(name), 0};
        }
        auto a = peer_address::parse(text);
        if (!a) return a.error();
        return address(std::move(*a));
    }

    /// Whether the host is a numeric address (nothing to resolve).
    bool is_numeric() const {
        return kind == seed_kind::address &&
               (detail::parse_ipv4(host) || detail::parse_ipv6(host));
    }

    friend bool operator==(seed const&, seed const&) = default;
    friend std::ostream& operator<<(std::ostream& os, seed const& s) {
        if (s.kind == seed_kind::srv) return os << "srv:" << s.host;
        return os << peer_address{s.host, s.port};
    }
};

} // namespace cohort

#endif // COHORT_DISCOVERY_SEED_HPP
