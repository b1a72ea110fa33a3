// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_MEMBERSHIP_VIEW_HPP
#define COHORT_ROUTING_MEMBERSHIP_VIEW_HPP

// From a membership snapshot (basic_node::members()) to the ring_member list
// an ownership table is built from. Pure.
//
// Choices, per state (see also owns_keys() in ring_member.hpp):
//   active     owns keys.
//   unknown    (suspected) owns keys by default: suspicion alone must not move
//              ownership, since a false suspicion (a slow link, a GC pause)
//              is refuted within seconds and would otherwise cost two
//              handoffs. Ownership moves on the verdict (failed). Set
//              suspected = suspected_policy::drop to route around suspects
//              at once instead, for services that prefer availability to
//              stable placement.
//   joining    owns nothing until the cluster acknowledged it.
//   leaving    owns nothing: its keys go to their successors, and on_released
//              on the leaving node tells it what to hand over while it is
//              still reachable.
//   failed     owns nothing.
//
// Weights. With weight_tag set, a member's tag of that key (a decimal in
// [0, ring_member::max_weight]) is its weight; a missing or malformed tag
// means default_weight, and 0 drains the member (it owns nothing).

#include <cohort/membership/member.hpp>
#include <cohort/node_state.hpp>
#include <cohort/routing/ring_member.hpp>
#include <cohort/wire/messages.hpp>

#include <charconv>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// What a suspected (unknown) member is to the routing layer.
enum class suspected_policy : std::uint8_t {
    keep,  ///< it keeps its keys until it is declared failed (default)
    drop,  ///< it loses its keys as soon as it is suspected
};

/// How membership_view turns members into ring members.
struct membership_view_config {
    /// See suspected_policy (default keep).
    suspected_policy suspected = suspected_policy::keep;
    /// The tag holding a member's weight; empty (default) gives every member
    /// default_weight.
    std::string weight_tag;
    /// The weight of a member without a (valid) weight tag (default 1).
    std::uint32_t default_weight = 1;
};

/// The weight `tags` give under `cfg`.
inline std::uint32_t weight_of(std::span<tag const> tags, membership_view_config const& cfg) {
    if (cfg.weight_tag.empty()) return cfg.default_weight;
    for (auto const& t : tags) {
        if (t.key != cfg.weight_tag) continue;
        std::uint32_t w = 0;
        auto const* first = t.value.data();
        auto const* last = first + t.value.size();
        auto const [end, ec] = std::from_chars(first, last, w);
        if (ec != std::errc{} || end != last || t.value.empty() || w > ring_member::max_weight)
            return cfg.default_weight;
        return w;
    }
    return cfg.default_weight;
}

/// The ring members of a snapshot: every member that may own keys under
/// `cfg`, with its state and weight, in input order. `Member` has `id`,
/// `state` and `tags` (node_member, member_info).
template <class Member>
std::vector<ring_member> membership_view(std::span<Member const> members,
                                         membership_view_config const& cfg = {}) {
    std::vector<ring_member> out;
    out.reserve(members.size());
    for (auto const& m : members) {
        if (!owns_keys(m.state)) continue;
        if (m.state == node_state::unknown && cfg.suspected == suspected_policy::drop) continue;
        out.push_back(ring_member{m.id, m.state, weight_of(m.tags, cfg)});
    }
    return out;
}

template <class Member>
std::vector<ring_member> membership_view(std::vector<Member> const& members,
                                         membership_view_config const& cfg = {}) {
    return membership_view(std::span<Member const>(members), cfg);
}

} // namespace cohort

#endif // COHORT_ROUTING_MEMBERSHIP_VIEW_HPP
