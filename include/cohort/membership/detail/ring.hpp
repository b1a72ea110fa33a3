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

#include <algorithm>
#include <cstddef>
#include <cstdint>
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

/// Names on a hash ring, as sorted (hash, key) entries: `Key` names a member
/// through `NameOf` (monitoring_ring: the key is the name itself, a
/// string_view the caller keeps alive; membership_protocol: a 4-byte index
/// into its member table). An entry holds the hash's upper 32 bits; the full
/// hash is recomputed from the name only when those are equal. O(log N)
/// lookups, O(N) insert and erase (a memmove: they are rare next to
/// messages), O(K) walks; begin_batch() ... end_batch() inserts many in O(N)
/// (a radix sort).
template <class Key, class NameOf>
class basic_monitoring_ring {
public:
    explicit basic_monitoring_ring(NameOf name_of = {}) : name_of_(std::move(name_of)) {}

    bool insert(Key key) {
        std::string_view const name = name_of_(key);
        std::uint64_t const h = fnv1a_64(name);
        if (batch_) {
            v_.push_back({static_cast<std::uint32_t>(h >> 32), key});
            ++version_;
            return true;
        }
        auto it = lower_bound(h, name);
        if (it != v_.end() && equals(*it, h, name)) return false;
        v_.insert(it, entry{static_cast<std::uint32_t>(h >> 32), key});
        ++version_;
        return true;
    }
    bool erase(Key key) {
        std::string_view const name = name_of_(key);
        std::uint64_t const h = fnv1a_64(name);
        auto it = lower_bound(h, name);
        if (it == v_.end() || !equals(*it, h, name)) return false;
        v_.erase(it);
        ++version_;
        return true;
    }

    /// From here to end_batch(), insert() appends (the caller inserts no key
    /// twice, and calls nothing but insert() and size()); end_batch() sorts once.
    void begin_batch() noexcept { batch_ = true; }
    void end_batch() {
        if (!batch_) return;
        batch_ = false;
        // LSD radix sort by the upper hash half (a core of a 10,000-node
        // simulation sorts 10,000 entries, and there are 10,000 cores), then
        // the rare runs of equal halves by the full order.
        std::vector<entry> tmp(v_.size());
        for (unsigned shift = 0; shift < 32; shift += 8) {
            std::size_t count[257] = {};
            for (auto const& e : v_) ++count[((e.hi >> shift) & 0xffU) + 1];
            for (std::size_t b = 0; b < 256; ++b) count[b + 1] += count[b];
            for (auto const& e : v_) tmp[count[(e.hi >> shift) & 0xffU]++] = e;
            v_.swap(tmp);
        }
        auto const by_order = [&](entry const& a, entry const& b) { return less(a, b); };
        for (auto run = v_.begin(); run != v_.end();) {
            auto end = std::find_if(run, v_.end(), [&](entry const& e) { return e.hi != run->hi; });
            if (end - run > 1) std::sort(run, end, by_order);
            run = end;
        }
        auto dup = std::unique(v_.begin(), v_.end(), [&](entry const& a, entry const& b) {
            return a.hi == b.hi && name_of_(a.key) == name_of_(b.key);
        });
        v_.erase(dup, v_.end());
    }

    /// Changes with every insert or erase that changed the ring, so that a
    /// caller can skip recomputing successors of an unchanged ring.
    std::uint64_t version() const noexcept { return version_; }
    bool contains(Key key) const {
        std::string_view const name = name_of_(key);
        std::uint64_t const h = fnv1a_64(name);
        auto it = lower_bound(h, name);
        return it != v_.end() && equals(*it, h, name);
    }
    std::size_t size() const noexcept { return v_.size(); }

    /// The names of up to `k` members following `from` clockwise, `from`
    /// excluded (it need not be on the ring). Clears `out` first. The views
    /// are the NameOf's: valid while those names are.
    void successors(std::string_view from, std::size_t k,
                    std::vector<std::string_view>& out) const {
        out.clear();
        if (k == 0) return;
        walk_after(from, [&](Key key) {
            out.push_back(name_of_(key));
            return out.size() < k;
        });
    }

    /// Calls `f(key)` for each member following `from` clockwise, `from`
    /// excluded, once round the ring at most, until `f` returns false.
    template <class F>
    void walk_after(std::string_view from, F&& f) const {
        if (v_.empty()) return;
        std::uint64_t const h = fnv1a_64(from);
        auto it = upper_bound(h, from);
        for (std::size_t steps = 0; steps < v_.size(); ++steps, ++it) {
            if (it == v_.end()) it = v_.begin();
            if (!equals(*it, h, from) && !f(it->key)) return;
        }
    }

    /// Up to `k` members preceding `to` counter-clockwise: its observers.
    void predecessors(std::string_view to, std::size_t k,
                      std::vector<std::string_view>& out) const {
        out.clear();
        if (v_.empty()) return;
        std::uint64_t const h = fnv1a_64(to);
        auto it = lower_bound(h, to);
        for (std::size_t steps = 0; steps < v_.size() && out.size() < k; ++steps) {
            if (it == v_.begin()) it = v_.end();
            --it;
            if (!equals(*it, h, to)) out.push_back(name_of_(it->key));
        }
    }

private:
    struct entry {
        std::uint32_t hi;  // fnv1a_64(name) >> 32
        Key key;
    };
    using iterator = typename std::vector<entry>::const_iterator;

    // (hash, name) order; the full hash only when the upper halves tie.
    int compare(entry const& e, std::uint64_t h, std::string_view name) const {
        auto const hi = static_cast<std::uint32_t>(h >> 32);
        if (e.hi != hi) return e.hi < hi ? -1 : 1;
        std::string_view const en = name_of_(e.key);
        std::uint64_t const eh = fnv1a_64(en);
        if (eh != h) return eh < h ? -1 : 1;
        int const c = en.compare(name);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    bool less(entry const& a, entry const& b) const {
        if (a.hi != b.hi) return a.hi < b.hi;
        std::string_view const bn = name_of_(b.key);
        return compare(a, fnv1a_64(bn), bn) < 0;
    }
    bool equals(entry const& e, std::uint64_t h, std::string_view name) const {
        return e.hi == static_cast<std::uint32_t>(h >> 32) && name_of_(e.key) == name;
    }
    iterator lower_bound(std::uint64_t h, std::string_view name) const {
        return std::partition_point(v_.begin(), v_.end(),
                                    [&](entry const& e) { return compare(e, h, name) < 0; });
    }
    iterator upper_bound(std::uint64_t h, std::string_view name) const {
        return std::partition_point(v_.begin(), v_.end(),
                                    [&](entry const& e) { return compare(e, h, name) <= 0; });
    }

    NameOf name_of_;
    std::vector<entry> v_;
    std::uint64_t version_ = 0;
    bool batch_ = false;
};

/// The key of monitoring_ring: the name itself.
struct name_is_key {
    std::string_view operator()(std::string_view name) const noexcept { return name; }
};

/// A ring of names (string_views the caller keeps alive).
using monitoring_ring = basic_monitoring_ring<std::string_view, name_is_key>;

} // namespace cohort::detail

#endif // COHORT_MEMBERSHIP_DETAIL_RING_HPP
