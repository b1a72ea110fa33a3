// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_OWNERSHIP_DIFF_HPP
#define COHORT_ROUTING_OWNERSHIP_DIFF_HPP

// What changed owner between two tables of one strategy, for handoff.
//
//   diff(old, next)          every strategy but rendezvous: the hash ranges
//                            whose owner changed, each with its old and new
//                            owner (vnode_ring arcs, Maglev slots and
//                            partitions as ranges; works across table sizes)
//   diff_slots(old, next)    maglev_table, bounded_partitions: the slots /
//                            partitions whose owner changed, when both tables
//                            have the same number of them
//   diff(old, next, keys)    every strategy: which of the given key hashes
//                            changed owner (rendezvous has no ranges: a
//                            member's keys are scattered over the whole space)
//
// An owner absent from a table (an empty one) is the empty node_id.

#include <cohort/node_id.hpp>
#include <cohort/routing/key_hash.hpp>
#include <cohort/routing/ownership.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace cohort {

/// Key hashes in [first, last] (inclusive) moved from `from` to `to`.
struct range_change {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    node_id from;
    node_id to;
    friend bool operator==(range_change const&, range_change const&) = default;
};

/// Slot or partition `slot` moved from `from` to `to`.
struct slot_change {
    std::size_t slot = 0;
    node_id from;
    node_id to;
    friend bool operator==(slot_change const&, slot_change const&) = default;
};

/// Key `key` moved from `from` to `to`.
struct key_change {
    hashed_key key;
    node_id from;
    node_id to;
    friend bool operator==(key_change const&, key_change const&) = default;
};

namespace detail {

inline node_id const& empty_node_id() noexcept {
    static node_id const empty;
    return empty;
}

template <class S>
std::vector<std::pair<std::uint64_t, node_id const*>> ranges_of(basic_ownership<S> const& o) {
    std::vector<std::pair<std::uint64_t, node_id const*>> out;
    auto const members = o.members();
    o.table().for_each_range([&](std::uint64_t first, std::uint32_t who) {
        node_id const* id = &members[who].id;
        if (out.empty() || *out.back().second != *id) out.emplace_back(first, id);
    });
    if (out.empty()) out.emplace_back(0, &empty_node_id());
    return out;
}

} // namespace detail

/// The hash ranges whose owner differs between `old` and `next`, ascending,
/// adjacent ranges with the same (from, to) merged.
template <class S>
    requires detail::range_table<typename S::table>
std::vector<range_change> diff(basic_ownership<S> const& old, basic_ownership<S> const& next) {
    auto const a = detail::ranges_of(old);
    auto const b = detail::ranges_of(next);
    std::vector<range_change> out;
    std::size_t i = 0;
    std::size_t j = 0;
    std::uint64_t pos = 0;
    for (;;) {
        bool const a_last = i + 1 == a.size();
        bool const b_last = j + 1 == b.size();
        std::uint64_t const a_end = a_last ? 0 : a[i + 1].first;  // 0: runs to the end
        std::uint64_t const b_end = b_last ? 0 : b[j + 1].first;
        bool const at_end = a_last && b_last;
        std::uint64_t const end = at_end   ? 0
                                  : a_last ? b_end
                                  : b_last ? a_end
                                           : std::min(a_end, b_end);
        std::uint64_t const last = end - 1;  // 0 - 1 wraps to 2^64 - 1
        node_id const& from = *a[i].second;
        node_id const& to = *b[j].second;
        if (from != to) {
            if (!out.empty() && out.back().last + 1 == pos && out.back().from == from &&
                out.back().to == to)
                out.back().last = last;
            else
                out.push_back({pos, last, from, to});
        }
        if (at_end) break;
        pos = end;
        if (!a_last && a_end == end) ++i;
        if (!b_last && b_end == end) ++j;
    }
    return out;
}

/// The slots (Maglev entries, partitions) whose owner differs, or nothing
/// when the tables have different slot counts (then use diff()).
template <class S>
    requires detail::slot_table<typename S::table>
std::optional<std::vector<slot_change>> diff_slots(basic_ownership<S> const& old,
                                                   basic_ownership<S> const& next) {
    auto const& ta = old.table();
    auto const& tb = next.table();
    if (ta.slot_count() != tb.slot_count()) {
        if (ta.slot_count() != 0 && tb.slot_count() != 0) return std::nullopt;
    }
    std::size_t const n = std::max(ta.slot_count(), tb.slot_count());
    std::vector<slot_change> out;
    for (std::size_t s = 0; s < n; ++s) {
        node_id const& from =
            ta.slot_count() ? old.members()[ta.slot_owner(s)].id : detail::empty_node_id();
        node_id const& to =
            tb.slot_count() ? next.members()[tb.slot_owner(s)].id : detail::empty_node_id();
        if (from != to) out.push_back({s, from, to});
    }
    return out;
}

/// Which of `keys` changed owner between `old` and `next`, in input order.
template <class S>
std::vector<key_change> diff(basic_ownership<S> const& old, basic_ownership<S> const& next,
                             std::span<hashed_key const> keys) {
    std::vector<key_change> out;
    for (auto k : keys) {
        node_id const& from = old.empty() ? detail::empty_node_id() : old.owner(k);
        node_id const& to = next.empty() ? detail::empty_node_id() : next.owner(k);
        if (from != to) out.push_back({k, from, to});
    }
    return out;
}

} // namespace cohort

#endif // COHORT_ROUTING_OWNERSHIP_DIFF_HPP
