// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_IMPL_NODE_EVENTS_HPP
#define COHORT_NODE_IMPL_NODE_EVENTS_HPP

// The event fan-out: opening the node's own subscription (async_next_event's)
// and pushing each event to every open subscription, forgetting the closed
// ones. Small, but one idea: the subscriptions themselves live in
// node/event_subscription.hpp, and this is all the node does with them.
//
// Included at the end of node.hpp (Beast-style impl header).

#include <cohort/node.hpp>

namespace cohort {

// ---- event subscriptions ----------------------------------------------------------------

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::open_default_events() {
    default_events_ = subscribe_events(cfg_.event_queue_limit);
}

// Calls fn(channel&) for every open subscription, forgetting closed ones.
template <transport Transport, codec Codec, wall_clock Clock>
template <class Fn>
void basic_node<Transport, Codec, Clock>::for_each_event_channel(Fn fn) {
    std::erase_if(event_channels_, [](auto const& w) { return w.expired(); });
    for (auto const& w : event_channels_)
        if (auto c = w.lock()) fn(*c);
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::push_event(node_event const& e) {
    for_each_event_channel([&](auto& c) { c.push(e); });
    counters_.events_dropped = default_events_.dropped();
}

} // namespace cohort

#endif // COHORT_NODE_IMPL_NODE_EVENTS_HPP
