// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_STATE_HPP
#define COHORT_NODE_STATE_HPP

// The lifecycle of a cluster member as one node sees it, and the rules for
// moving through it.
//
// States
//   joining  announced itself; the cluster has not acknowledged it yet
//   active   a full member
//   leaving  announced a graceful leave; never reported as failed afterwards
//   failed   declared dead: suspicion timed out or was confirmed
//   unknown  suspected: no recent heartbeat, not yet declared failed
//
// Transitions (from --trigger--> to); anything not listed is illegal:
//
//   joining --join_acknowledged--> active    the cluster acknowledged the join
//   joining --suspicion----------> unknown   an observer lost its heartbeat
//   joining --failure_confirmed--> failed    failure news arrived first
//   joining --graceful_leave-----> leaving   it gave up joining and left
//   active  --suspicion----------> unknown   phi crossed the threshold
//   active  --failure_confirmed--> failed    another observer's verdict arrived first
//   active  --graceful_leave-----> leaving   it announced a graceful leave
//   unknown --refutation---------> active    it refuted with a higher incarnation
//   unknown --failure_confirmed--> failed    suspicion timeout or confirmations
//   unknown --graceful_leave-----> leaving   a suspected member left gracefully
//   failed  --refutation---------> active    a healed partition: alive, higher incarnation
//   failed  --graceful_leave-----> leaving   late leave news: it left, it did not fail
//   any     --restart------------> joining   a restart under the same name (newer incarnation)
//
// Removal is not a state: a leaving or failed member leaves the view after
// the membership layer's reap window.
//
// Two views of one member at the same incarnation merge to the state with the
// higher precedence (a higher incarnation always wins, whatever its state):
//
//   joining < active < unknown < failed < leaving
//
// active < unknown: only the member itself clears a suspicion, by raising its
// incarnation (SWIM). unknown < failed: a verdict beats a doubt. failed <
// leaving: a member that announced its leave is never reported failed, even
// when it stops answering before everyone has heard the announcement. Every
// step up this order is a legal transition, so merging never needs a move the
// table forbids.

#include <cohort/error.hpp>

#include <boost/system/result.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>

namespace cohort {

/// A member's lifecycle state.
enum class node_state : std::uint8_t { joining, active, leaving, failed, unknown };

/// What makes a member change state.
enum class state_trigger : std::uint8_t {
    join_acknowledged,  ///< the cluster acknowledged a join
    suspicion,          ///< an observer's failure detector crossed its threshold
    refutation,         ///< the member answered a suspicion with a higher incarnation
    failure_confirmed,  ///< suspicion timed out, or enough observers confirmed it
    graceful_leave,     ///< the member announced that it is leaving
    restart,            ///< the member restarted under the same name (newer incarnation)
};

/// One row of the transition table.
struct state_transition {
    node_state from;
    state_trigger trigger;
    node_state to;
};

/// Every legal move; transition() and the docs above are derived from it.
inline constexpr std::array<state_transition, 17> node_state_transitions{{
    {node_state::joining, state_trigger::join_acknowledged, node_state::active},
    {node_state::joining, state_trigger::suspicion, node_state::unknown},
    {node_state::joining, state_trigger::failure_confirmed, node_state::failed},
    {node_state::joining, state_trigger::graceful_leave, node_state::leaving},
    {node_state::joining, state_trigger::restart, node_state::joining},
    {node_state::active, state_trigger::suspicion, node_state::unknown},
    {node_state::active, state_trigger::failure_confirmed, node_state::failed},
    {node_state::active, state_trigger::graceful_leave, node_state::leaving},
    {node_state::active, state_trigger::restart, node_state::joining},
    {node_state::unknown, state_trigger::refutation, node_state::active},
    {node_state::unknown, state_trigger::failure_confirmed, node_state::failed},
    {node_state::unknown, state_trigger::graceful_leave, node_state::leaving},
    {node_state::unknown, state_trigger::restart, node_state::joining},
    {node_state::failed, state_trigger::refutation, node_state::active},
    {node_state::failed, state_trigger::graceful_leave, node_state::leaving},
    {node_state::failed, state_trigger::restart, node_state::joining},
    {node_state::leaving, state_trigger::restart, node_state::joining},
}};

/// The state `trigger` moves `from` to, or nothing when the move is illegal.
constexpr std::optional<node_state> next_state(node_state from, state_trigger trigger) noexcept {
    for (auto const& t : node_state_transitions)
        if (t.from == from && t.trigger == trigger) return t.to;
    return std::nullopt;
}

/// Like next_state(), with error::illegal_transition for a move not in the table.
inline boost::system::result<node_state> transition(node_state from,
                                                    state_trigger trigger) noexcept {
    if (auto to = next_state(from, trigger)) return *to;
    return error::illegal_transition;
}

/// Rank used to merge two views of a member at equal incarnation (see above).
constexpr int precedence(node_state s) noexcept {
    switch (s) {
    case node_state::joining: return 0;
    case node_state::active: return 1;
    case node_state::unknown: return 2;
    case node_state::failed: return 3;
    case node_state::leaving: return 4;
    }
    return -1;
}

/// The state two views agree on when they carry the same incarnation.
constexpr node_state merge_at_equal_incarnation(node_state a, node_state b) noexcept {
    return precedence(a) >= precedence(b) ? a : b;
}

constexpr std::string_view to_string(node_state s) noexcept {
    switch (s) {
    case node_state::joining: return "joining";
    case node_state::active: return "active";
    case node_state::leaving: return "leaving";
    case node_state::failed: return "failed";
    case node_state::unknown: return "unknown";
    }
    return "invalid";
}

constexpr std::string_view to_string(state_trigger t) noexcept {
    switch (t) {
    case state_trigger::join_acknowledged: return "join_acknowledged";
    case state_trigger::suspicion: return "suspicion";
    case state_trigger::refutation: return "refutation";
    case state_trigger::failure_confirmed: return "failure_confirmed";
    case state_trigger::graceful_leave: return "graceful_leave";
    case state_trigger::restart: return "restart";
    }
    return "invalid";
}

/// The inverse of to_string(node_state); error::node_state_unknown_name otherwise.
inline boost::system::result<node_state> parse_node_state(std::string_view name) noexcept {
    for (auto s : {node_state::joining, node_state::active, node_state::leaving,
                   node_state::failed, node_state::unknown})
        if (to_string(s) == name) return s;
    return error::node_state_unknown_name;
}

inline std::ostream& operator<<(std::ostream& os, node_state s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, state_trigger t) { return os << to_string(t); }

} // namespace cohort

#endif // COHORT_NODE_STATE_HPP
