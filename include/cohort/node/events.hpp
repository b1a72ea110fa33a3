// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_EVENTS_HPP
#define COHORT_NODE_EVENTS_HPP

// What a basic_node's event subscriptions deliver.

#include <cohort/membership/events.hpp>
#include <cohort/node/status.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <variant>

namespace cohort {

/// An attempt of a retried async_join found no seed (its error: join_timeout
/// or host_not_found); the next one starts after `retry_in`.
struct join_retrying {
    std::size_t attempt = 0;  ///< 1 for the first attempt
    boost::system::error_code ec;
    std::chrono::nanoseconds retry_in{};
};

/// What event subscriptions deliver: every membership event, plus the
/// local status and the driver's own events.
using node_event = std::variant<node_up, node_down, state_changed, leader_changed, tags_changed,
                                join_completed, leave_completed, status_changed, join_retrying,
                                node_unreachable, node_reachable, clock_offset_exceeded>;

} // namespace cohort

#endif // COHORT_NODE_EVENTS_HPP
