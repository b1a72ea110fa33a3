// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_IMPL_ROUTER_LIFECYCLE_HPP
#define COHORT_ROUTING_IMPL_ROUTER_LIFECYCLE_HPP

// basic_router's construction and close() (declared in router.hpp; Beast-style
// impl header, included at the end of it). The constructor validates the
// configuration and attaches to the node (its application handler and view
// listener); close() detaches and fails every pending call. Apart from the
// calls and the serving side because it is where the router's life begins
// and ends, and what it hooks into the node.

#include <cohort/routing/router.hpp>

namespace cohort {

template <class Node, class Strategy>
basic_router<Node, Strategy>::basic_router(Node& node, router_config cfg,
                                           typename Strategy::config strategy)
    : node_(&node), cfg_(std::move(cfg)), strategy_(strategy), timer_(node.get_executor()) {
    if (auto r = validate(cfg_); !r) throw_exception_from_error(r.error(), BOOST_CURRENT_LOCATION);
    if (auto r = Strategy::validate(strategy_); !r)
        throw_exception_from_error(r.error(), BOOST_CURRENT_LOCATION);
    if constexpr (detail::virtual_time_transport<typename Node::transport_type>)
        virtual_time_ = node.transport().network().config().time_source ==
                        memory_time_source::manual;
    application_sub_ = node_->subscribe_application(
        application_filter::of<route_request, route_reply>(),
        [this](envelope& e) { on_application(e); });
    view_sub_ = node_->subscribe_view([this] { refresh(); });
    refresh();
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::close() {
    if (closed_) return;
    closed_ = true;
    application_sub_.reset();
    view_sub_.reset();
    timer_.cancel();
    std::vector<call_handler> handlers;
    handlers.reserve(pending_.size());
    pending_.for_each([&](std::uint64_t, pending_call& p) {
        handlers.push_back(std::move(p.handler));
        p.request = message{};
    });
    pending_.clear();
    deadlines_.clear();
    for (auto& h : handlers)
        complete(std::move(h), make_error_code(boost::asio::error::operation_aborted),
                 std::vector<std::byte>{});
}

} // namespace cohort

#endif // COHORT_ROUTING_IMPL_ROUTER_LIFECYCLE_HPP
