// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_DETAIL_VIRTUAL_TIME_HPP
#define COHORT_ROUTING_DETAIL_VIRTUAL_TIME_HPP

// virtual_time_transport: a transport over a memory_network, whose clock may
// be manual. basic_router (router.hpp) checks for it at construction to know
// whether its timeouts follow the network's clock (poll_time()) instead of a
// steady_clock timer. A concept of its own so that the check reads as a name.

#include <chrono>
#include <concepts>

namespace cohort::detail {

template <class T>
concept virtual_time_transport = requires(T const& t) {
    { t.network().now() } -> std::convertible_to<std::chrono::nanoseconds>;
    t.network().config().time_source;
};

} // namespace cohort::detail

#endif // COHORT_ROUTING_DETAIL_VIRTUAL_TIME_HPP
