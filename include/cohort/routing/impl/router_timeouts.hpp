// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_IMPL_ROUTER_TIMEOUTS_HPP
#define COHORT_ROUTING_IMPL_ROUTER_TIMEOUTS_HPP

// basic_router's call timeouts (declared in router.hpp; Beast-style impl
// header, included at the end of it): the steady_clock timer armed for the
// earliest live deadline, and the expiry of the calls whose deadline passed
// (also run by poll_time() under virtual time). Apart from the calls because
// it is the one place that deals with the clock.

#include <cohort/routing/router.hpp>

namespace cohort {

template <class Node, class Strategy>
void basic_router<Node, Strategy>::arm_timer() {
    if (virtual_time_) return;
    auto const* earliest = deadlines_.earliest(live_call());
    if (!earliest) return;
    auto const next = earliest->when;
    if (timer_armed_ && next >= armed_at_) return;
    timer_armed_ = true;
    armed_at_ = next;
    auto const gen = ++timer_gen_;
    timer_.expires_at(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(next)));
    timer_.async_wait([this, gen, alive = std::weak_ptr<int>(alive_)](
                          boost::system::error_code) {
        if (alive.expired() || gen != timer_gen_) return;
        timer_armed_ = false;
        expire_due();
    });
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::expire_due() {
    if (closed_) return;
    auto const now = node_->monotonic_now();
    while (auto const* earliest = deadlines_.earliest(live_call())) {
        if (earliest->when > now) break;
        auto const id = earliest->key;
        deadlines_.pop();
        ++counters_.timeouts;
        finish(id, *pending_.find(id), make_error_code(error::call_timeout), {});
    }
    arm_timer();
}

} // namespace cohort

#endif // COHORT_ROUTING_IMPL_ROUTER_TIMEOUTS_HPP
