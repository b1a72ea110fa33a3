// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_STAMP_CHECK_HPP
#define COHORT_MEMBERSHIP_STAMP_CHECK_HPP

// check_stamp: what a driver (basic_node, the simulator) does with a received
// envelope's HLC stamp before the membership core sees it. One function, so
// that the simulator exercises the policy the node runs.
//
//   - The stamp is merged into the driver's HLC unless it is more than
//     max_offset ahead of physical time (basic_hlc::update refuses it: a peer
//     with a broken clock must not drag this one into the future).
//   - A join (push_pull with `join`, or a join message) is also out of bounds
//     when its stamp is more than max_offset *behind*: admitting the joiner
//     would bring into the cluster a clock whose members' stamps it refuses.
//     Any other message that far behind is fine for the HLC (it cannot move
//     it) and is not checked.
//
// When out of bounds, the driver calls membership_protocol::on_clock_offset
// instead of on_message, and drops application messages whatever the core
// says: delivering one without merging its stamp would break the HLC's
// promise that every later local timestamp is greater than it.
//
//   auto const s = check_stamp(hlc, e);
//   if (!s.offset) core.on_message(e, now);
//   else core.on_clock_offset(e, *s.offset, hlc.config().max_offset, now);

#include <cohort/hlc.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/messages.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

namespace cohort {

/// The verdict of check_stamp.
struct stamp_verdict {
    /// The HLC merged the stamp (false when it was too far ahead).
    bool merged = false;
    /// Set when the stamp is out of bounds: how far its physical part is ahead
    /// of local physical time (negative: behind).
    std::optional<std::chrono::nanoseconds> offset;
};

/// Merges `e.time` into `hlc` when it is within bounds (see the top of this
/// header). Reads the physical clock once more only for a refused stamp or a
/// join.
template <class Clock>
stamp_verdict check_stamp(basic_hlc<Clock>& hlc, envelope const& e) noexcept {
    bool const merged = static_cast<bool>(hlc.update(e.time));
    if (merged && !is_join_request(e.body)) return {true, std::nullopt};
    // Both readings are below 2^63 (hlc_max_wall_ns), so the difference fits.
    auto const physical = static_cast<std::int64_t>(
        std::min(hlc.clock().now(), basic_hlc<Clock>::max_wall_ns));
    auto const remote = static_cast<std::int64_t>(
        std::min(e.time.wall_ns, basic_hlc<Clock>::max_wall_ns));
    std::chrono::nanoseconds const offset(remote - physical);
    if (merged && -offset <= hlc.config().max_offset) return {true, std::nullopt};
    return {merged, offset};
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_STAMP_CHECK_HPP
