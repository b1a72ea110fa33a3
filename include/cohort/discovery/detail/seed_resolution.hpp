// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DISCOVERY_DETAIL_SEED_RESOLUTION_HPP
#define COHORT_DISCOVERY_DETAIL_SEED_RESOLUTION_HPP

// How a list of seeds becomes addresses, over any DNS backend (glibc's in
// glibc_dns.hpp, a scripted one in tests):
//   host:port, numeric  the address itself;
//   host:port, a name   backend.addresses(host), each with the port;
//   srv:NAME            backend.srv(NAME); each record's target with the
//                       record's port, its addresses taken from the answer's
//                       A/AAAA records for that target when there are any
//                       (servers add them), else from backend.addresses().
// Bounded: at most max_names names looked up (SRV names and hostnames) and
// max_addresses addresses kept; past either, the seed fails with
// dns_too_many_records. Blocking: dns_seed_resolver runs it on its thread.
//
//   Backend::srv(std::string const&)        -> result<dns_answer>
//   Backend::addresses(std::string const&)  -> result<std::vector<std::string>>
//     (numeric text; an empty vector: the name has no address records)

#include <cohort/discovery/bootstrap.hpp>
#include <cohort/discovery/detail/dns_message.hpp>
#include <cohort/discovery/seed.hpp>
#include <cohort/discovery/seed_lookup.hpp>
#include <cohort/error.hpp>

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace cohort::detail {

template <class Backend>
seed_lookup resolve_seeds(std::span<seed const> seeds, Backend& dns, std::size_t max_names,
                          std::size_t max_addresses) {
    seed_lookup out;
    std::size_t names = 0;
    bool full = false;
    // false once a bound is reached: the seed fails, and so does every later one
    auto const add = [&](std::string const& host, std::uint16_t port) {
        if (out.addresses.size() >= max_addresses) {
            full = true;
            return false;
        }
        out.addresses.push_back({host, port});
        return true;
    };
    auto const budget = [&] {
        if (names >= max_names) return false;
        ++names;
        return true;
    };
    for (auto const& s : seeds) {
        boost::system::error_code ec;
        if (full) {
            ec = error::dns_too_many_records;
        } else if (s.kind == seed_kind::address && s.is_numeric()) {
            add(s.host, s.port);
        } else if (s.kind == seed_kind::address) {
            if (!budget()) {
                ec = error::dns_too_many_records;
            } else if (auto a = dns.addresses(s.host); !a) {
                ec = a.error();
            } else {
                for (auto const& host : *a)
                    if (!add(host, s.port)) break;
            }
        } else if (!budget()) {
            ec = error::dns_too_many_records;
        } else if (auto answer = dns.srv(s.host); !answer) {
            ec = answer.error();
        } else {
            for (auto const& r : answer->srv) {
                if (full) break;
                bool glued = false;
                for (auto const& a : answer->addresses) {
                    if (a.name != r.target) continue;
                    glued = true;
                    if (!add(a.address, r.port)) break;
                }
                if (glued) continue;
                if (!budget()) {
                    ec = error::dns_too_many_records;
                    break;
                }
                auto target = dns.addresses(r.target);
                if (!target) {
                    ec = target.error();
                    break;
                }
                for (auto const& host : *target)
                    if (!add(host, r.port)) break;
            }
        }
        if (full && !ec) ec = error::dns_too_many_records;
        if (ec) out.failures.push_back({s, ec});
    }
    std::sort(out.addresses.begin(), out.addresses.end(), address_less);
    out.addresses.erase(std::unique(out.addresses.begin(), out.addresses.end()),
                        out.addresses.end());
    return out;
}

} // namespace cohort::detail

#endif // COHORT_DISCOVERY_DETAIL_SEED_RESOLUTION_HPP
