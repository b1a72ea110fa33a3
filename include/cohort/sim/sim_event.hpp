// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SIM_SIM_EVENT_HPP
#define COHORT_SIM_SIM_EVENT_HPP

// sim_event: one membership event of one simulated node, at the virtual time
// the simulator handed it over.

#include <cohort/membership/events.hpp>

#include <chrono>
#include <cstddef>

namespace cohort {

struct sim_event {
    /// Virtual time (the simulator's, not the node's skewed clock).
    std::chrono::nanoseconds at{};
    /// The node that reported it (simulator index).
    std::size_t node = 0;
    membership_event event;
};

} // namespace cohort

#endif // COHORT_SIM_SIM_EVENT_HPP
