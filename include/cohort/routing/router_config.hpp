// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_ROUTER_CONFIG_HPP
#define COHORT_ROUTING_ROUTER_CONFIG_HPP

// Configuration of a basic_router (router.hpp), and validate(), which checks
// it once when the router is constructed. Apart from the router so that code
// that only builds or checks a configuration need not read the router.

#include <cohort/error.hpp>
#include <cohort/routing/membership_view.hpp>
#include <cohort/routing/ring_member.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cohort {

/// Configuration of a basic_router.
struct router_config {
    /// How long a call waits for its answer unless call_options says
    /// otherwise (default 5 s). Must be positive.
    std::chrono::nanoseconds call_timeout = std::chrono::seconds(5);
    /// Redirects a call follows (and forwards a cast takes) before failing
    /// with error::redirect_limit (default 2). At most 16.
    std::uint32_t max_redirects = 2;
    /// Send a call once more, to the new owner, when its owner fails
    /// mid-call (default false: a retry can run a request twice).
    bool retry_on_owner_failure = false;
    /// Calls waiting for an answer at once; beyond, async_call fails with
    /// error::send_queue_full (default 65536). Must be at least 1.
    std::size_t max_pending_calls = 65536;
    /// How members become ring members (suspects keep their keys by default).
    membership_view_config view;
};

/// Checks `cfg`; the error names the first bad field.
inline boost::system::result<void, config_error> validate(router_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return boost::system::result<void, config_error>(
            boost::system::in_place_error, config_error{error::invalid_config, field, rule});
    };
    if (cfg.call_timeout <= std::chrono::nanoseconds::zero())
        return fail("router_config.call_timeout", "must be positive");
    if (cfg.max_redirects > 16) return fail("router_config.max_redirects", "must be at most 16");
    if (cfg.max_pending_calls == 0)
        return fail("router_config.max_pending_calls", "must be at least 1");
    if (cfg.view.default_weight > ring_member::max_weight)
        return fail("router_config.view.default_weight", "must be at most 1024");
    return {};
}

} // namespace cohort

#endif // COHORT_ROUTING_ROUTER_CONFIG_HPP
