// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_DETAIL_RING_HPP
#define COHORT_MEMBERSHIP_DETAIL_RING_HPP

// The monitoring ring (Akka Cluster's HeartbeatNodeRing): live members sorted
// by a 64-bit hash of their name; each member watches the next K members
// clockwise, so every member is watched by (at most) K observers and the
// per-member load does not grow with the cluster.
//
// The hash is FNV-1a 64 over the name's bytes. Every node must compute the
// same ring, so the hash is part of the protocol: never change it within one
// protocol_version. Ties (equal hashes) are broken by the name.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort::detail {

/// FNV-1a, 64 bits: the ring position of a member name.
constexpr std::uint64_t fnv1a_64(std::string_view s) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : s) {
        h ^= static_cast<std::uint8_t>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

/// Names on a hash ring. Stores string_views: the caller keeps the names
/// alive (membership_protocol points into its member table). O(log N)
/// insert and erase, O(K) walks.
class monitoring_ring {
public:
    using entry = std::pair<std::uint64_t, std::string_view>;

    bool insert(std::string_view name) {
        bool const added = set_.insert(key(name)).second;
        version_ += added;
        return added;
    }
    bool erase(std::string_view name) {
        bool const removed = set_.erase(key(name)) != 0;
        version_ += removed;
        return removed;
    }
    /// Changes with every insert or erase that changed the ring, so that a
    /// caller can skip recomputing successors of an unchanged ring.
    std::uint64_t version() const noexcept { return version_; }
    bool contains(std::string_view name) const { return set_.count(key(name)) != 0; }
    std::size_t size() const noexcept { return set_.size(); }

    /// Up to `k` members following `from` clockwise, `from` excluded (it need
    /// not be on the ring). Clears `out` first.
    void successors(std::string_view from, std::size_t k,
                    std::vector<std::string_view>& out) const {
        out.clear();
        if (set_.empty()) return;
        auto const start = key(from);
        auto it = set_.upper_bound(start);
        for (std::size_t steps = 0; steps < set_.size() && out.size() < k; ++steps) {
            if (it == set_.end()) it = set_.begin();
            if (*it != start) out.push_back(it->second);
            ++it;
        }
    }

    /// Up to `k` members preceding `to` counter-clockwise: its observers.
    void predecessors(std::string_view to, std::size_t k,
                      std::vector<std::string_view>& out) const {
        out.clear();
        if (set_.empty()) return;
        auto const start = key(to);
        auto it = set_.lower_bound(start);
        for (std::size_t steps = 0; steps < set_.size() && out.size() < k; ++steps) {
            if (it == set_.begin()) it = set_.end();
            --it;
            if (*it != start) out.push_back(it->second);
        }
    }

private:
    static entry key(std::string_view name) noexcept { return {fnv1a_64(name), name}; }

    std::set<entry> set_;
    std::uint64_t version_ = 0;
};

} // namespace cohort::detail

#endif // COHORT_MEMBERSHIP_DETAIL_RING_HPP
