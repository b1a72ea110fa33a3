// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_EVENTS_HPP
#define COHORT_MEMBERSHIP_EVENTS_HPP

// What membership_protocol reports to its driver (and the driver to the
// user): members coming up and going down, every state change, the leader,
// and the outcome of a join or a leave.

#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>
#include <variant>

namespace cohort {

/// Why a member went down.
enum class down_reason : std::uint8_t {
    heartbeat_timeout,   ///< suspected, and the suspicion timed out (declared failed)
    connection_closed,   ///< the transport lost its stream to the member (reported by the driver)
    connection_refused,  ///< the member's address refused connections (reported by the driver)
    graceful_shutdown,   ///< the member announced a graceful leave
};

constexpr std::string_view to_string(down_reason r) noexcept {
    switch (r) {
    case down_reason::heartbeat_timeout: return "heartbeat_timeout";
    case down_reason::connection_closed: return "connection_closed";
    case down_reason::connection_refused: return "connection_refused";
    case down_reason::graceful_shutdown: return "graceful_shutdown";
    }
    return "invalid";
}
inline std::ostream& operator<<(std::ostream& os, down_reason r) { return os << to_string(r); }

/// A member became active (Akka's MemberUp), this node included: once per
/// life of a member (it joined, or came back after failing or leaving). A
/// suspicion that is refuted is no new life: it ends with node_reachable.
struct node_up {
    node_id id;
};

/// An active member is suspected (active -> unknown; Akka's UnreachableMember).
/// Ends with node_reachable when it refutes, or with node_down.
struct node_unreachable {
    node_id id;
};

/// A suspected member refuted the suspicion and is active again (unknown ->
/// active; Akka's ReachableMember). Not a node_up: it never left.
struct node_reachable {
    node_id id;
};

/// A member that was joining, active or suspected is now failed or leaving.
/// Emitted once per life of a member (a later restart may bring it up again).
struct node_down {
    node_id id;
    down_reason reason = down_reason::heartbeat_timeout;
};

/// Any change of a member's state in this node's view. `from` is empty for a
/// member this node had never heard of.
struct state_changed {
    node_id id;
    std::optional<node_state> from;
    node_state to = node_state::joining;
    std::uint64_t incarnation = 0;
};

/// The leader (smallest node_id among active members) changed; empty when no
/// member is active.
struct leader_changed {
    std::optional<node_id> leader;
};

/// A member's tags changed (at a newer incarnation).
struct tags_changed {
    node_id id;
};

/// The join started by membership_protocol::start finished: success, or no
/// seed answered within join_timeout.
struct join_completed {
    boost::system::error_code ec;
};

/// The leave announced by membership_protocol::leave has been sent to enough
/// members (its rumor reached the retransmit limit, or leave_propagate_delay
/// passed): the driver may shut down.
struct leave_completed {};

/// This node's clock and `peer`'s disagree by more than hlc_config::max_offset
/// (CockroachDB's maximum clock offset). `offset` is how far the refused
/// stamp was ahead of the refusing node's physical clock (negative: behind).
/// `refused_by_peer` false: this node refused an envelope of `peer`'s (its
/// clock is `offset` ahead of ours); true: `peer` refused one of ours and
/// told us so (our clock is `offset` ahead of its). Reported at most once per
/// full_state_answer_interval per peer. Membership goes on with a member so
/// reported (failure detection does not read the stamps); its application
/// messages are dropped until the clocks agree again.
struct clock_offset_exceeded {
    node_id peer;
    std::chrono::nanoseconds offset{};
    std::chrono::nanoseconds max_offset{};
    bool refused_by_peer = false;
};

using membership_event = std::variant<node_up, node_down, state_changed, leader_changed,
                                      tags_changed, join_completed, leave_completed,
                                      node_unreachable, node_reachable, clock_offset_exceeded>;

} // namespace cohort

#endif // COHORT_MEMBERSHIP_EVENTS_HPP
