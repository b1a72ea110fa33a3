// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_IMPL_PROTOCOL_CLOCK_OFFSET_HPP
#define COHORT_MEMBERSHIP_IMPL_PROTOCOL_CLOCK_OFFSET_HPP

// membership_protocol's handling of clock offsets: on_clock_offset() for an envelope whose HLC
// stamp the driver refused (membership/stamp_check.hpp), which lets a live member's membership
// messages through but refuses a join or an unknown sender and tells the sender, and the
// clock_offset_refused handler. Separate because it is the only path by which the driver's clock
// check reaches the protocol; it touches the rest only through on_message() and fail_join().

#include <cohort/membership/protocol.hpp>

namespace cohort {

inline bool membership_protocol::on_clock_offset(envelope const& e, std::chrono::nanoseconds offset,
                                                 std::chrono::nanoseconds max_offset,
                                                 duration now) {
    now_ = std::max(now_, now);
    if (e.label != cfg_.label) {
        ++counters_.received[e.body.index()];
        ++counters_.label_drops;
        return false;
    }
    if (e.sender.empty() || e.sender.name() == self_name_) return false;
    if (auto const* r = std::get_if<clock_offset_refused>(&e.body)) {
        // A refusal is news whatever its stamp, and is never answered by one.
        ++counters_.received[e.body.index()];
        ++counters_.clock_offset_handled;
        handle(e, *r, now);
        return true;
    }
    if (clock_notices_.allow(peer_address::of(e.sender), now)) {
        ++counters_.clock_offset_notices;
        send(e.sender, delivery::packet,
             clock_offset_refused{offset.count(), max_offset.count()});
        events_.emplace_back(clock_offset_exceeded{e.sender, offset, max_offset, false});
    }
    if (is_join_answer(e.sender)) fail_join(error::clock_offset_exceeded);
    auto const i = table_.find(e.sender.name());
    bool const member = i != npos && is_live(table_[i].m.state) &&
                        table_[i].m.id == e.sender && !is_join_request(e.body) &&
                        !is_application_message(e.body.index());
    if (!member) {
        ++counters_.received[e.body.index()];
        ++counters_.clock_offset_refused;
        return false;
    }
    ++counters_.clock_offset_handled;
    on_message(e, now);
    return true;
}

// A peer refused our stamp. It speaks for itself only: the event says
// who, and a join through it fails (joining would bring two clocks that
// far apart into one cluster, whose application messages one drops).
inline void membership_protocol::handle(envelope const& e, clock_offset_refused const& r,
                                        duration now) {
    if (is_join_answer(e.sender)) fail_join(error::clock_offset_exceeded);
    if (!clock_notices_.allow(peer_address::of(e.sender), now)) return;
    events_.emplace_back(clock_offset_exceeded{e.sender, std::chrono::nanoseconds(r.offset_ns),
                                               std::chrono::nanoseconds(r.max_offset_ns),
                                               true});
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_IMPL_PROTOCOL_CLOCK_OFFSET_HPP
