// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_CALL_OPTIONS_HPP
#define COHORT_ROUTING_CALL_OPTIONS_HPP

// call_options: what one basic_router call (router.hpp) may change from the
// router's configuration, its timeout and whether it retries. A type of its
// own because it travels with each call, not with the router.

#include <chrono>
#include <optional>

namespace cohort {

/// Per-call overrides of router_config.
struct call_options {
    /// This call's timeout instead of router_config::call_timeout; positive.
    std::optional<std::chrono::nanoseconds> timeout;
    /// Whether to retry at the new owner instead of router_config's choice.
    std::optional<bool> retry;
};

} // namespace cohort

#endif // COHORT_ROUTING_CALL_OPTIONS_HPP
