// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_ROUTER_COUNTERS_HPP
#define COHORT_ROUTING_ROUTER_COUNTERS_HPP

// router_counters: what a basic_router (router.hpp) did, as counters()
// reports it. A plain snapshot, apart from the router so that code that
// exports or prints the numbers need not read the router.

#include <cstdint>

namespace cohort {

/// What a basic_router did; read with counters() on the executor.
struct router_counters {
    std::uint64_t calls_local = 0;        ///< calls served on this node
    std::uint64_t calls_forwarded = 0;    ///< calls sent to another node (first attempt)
    std::uint64_t casts = 0;              ///< casts initiated here
    std::uint64_t requests_served = 0;    ///< remote requests and casts handed to a handler
    std::uint64_t redirects_sent = 0;     ///< requests answered with a redirect
    std::uint64_t redirects_followed = 0; ///< redirects this node's calls followed
    std::uint64_t redirect_limits = 0;    ///< calls failed with error::redirect_limit
    std::uint64_t view_mismatches = 0;    ///< requests carrying another fingerprint
    std::uint64_t timeouts = 0;           ///< calls failed with error::call_timeout
    std::uint64_t owner_failures = 0;     ///< calls whose owner failed (retried or not)
    std::uint64_t retries = 0;            ///< calls sent again to a new owner
    std::uint64_t stray_replies = 0;      ///< replies to no pending call, or from another node
    std::uint64_t casts_forwarded = 0;    ///< casts passed on to the owner in this view
    std::uint64_t casts_dropped = 0;      ///< casts over the redirect limit
    std::uint64_t tables_published = 0;   ///< ownership tables built from a new view
    std::uint64_t cancelled = 0;          ///< calls cancelled through their slot
    std::uint64_t requests_too_large = 0; ///< calls and casts whose request did not fit
    std::uint64_t replies_too_large = 0;  ///< replies replaced by a reply_too_large answer
    std::uint64_t handler_exceptions = 0; ///< handlers that threw (answered remote_handler_error)
};

} // namespace cohort

#endif // COHORT_ROUTING_ROUTER_COUNTERS_HPP
