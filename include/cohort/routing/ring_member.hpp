// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_RING_MEMBER_HPP
#define COHORT_ROUTING_RING_MEMBER_HPP

// ring_member: one entry of the membership snapshot an ownership table is
// built from, and the rule for which members own keys.

#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>

#include <cstdint>

namespace cohort {

/// A member as the routing layer sees it.
struct ring_member {
    /// The largest weight a member may have.
    static constexpr std::uint32_t max_weight = 1024;

    node_id id;
    node_state state = node_state::active;
    /// Relative share of keys (default 1); 0 owns nothing, like a drained
    /// member. At most max_weight.
    std::uint32_t weight = 1;

    friend bool operator==(ring_member const&, ring_member const&) = default;
};

/// Whether a member in state `s` owns keys.
///
/// `active` and `unknown` (suspected) members own keys: suspicion alone must
/// not move data, since it is often a slow network or a paused process and is
/// refuted within seconds; moving ownership on every suspicion would trigger
/// handoffs both ways. Ownership moves when the verdict comes (`failed`).
/// `joining` members do not own keys until the cluster acknowledges them;
/// `leaving` members hand their keys over (they are still reachable for the
/// handoff, but new writes go to the successors); `failed` members are gone.
constexpr bool owns_keys(node_state s) noexcept {
    return s == node_state::active || s == node_state::unknown;
}

} // namespace cohort

#endif // COHORT_ROUTING_RING_MEMBER_HPP
