// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_SUBSCRIPTION_HPP
#define COHORT_NODE_SUBSCRIPTION_HPP

// The handle of a view listener or an application channel on a basic_node
// (subscribe_view, subscribe_application): the subscription lasts as long
// as the handle, as a scoped connection does. Outliving the node is
// harmless. Use, reset and destroy it on the node's executor, or while the
// node's context is not running.

#include <cohort/node/detail/subscribers.hpp>

#include <cstdint>
#include <memory>
#include <utility>

namespace cohort {

class node_subscription {
public:
    node_subscription() noexcept = default;
    node_subscription(std::weak_ptr<detail::subscriber_registry> registry,
                      std::uint64_t id) noexcept
        : registry_(std::move(registry)), id_(id) {}

    node_subscription(node_subscription&& o) noexcept
        : registry_(std::move(o.registry_)), id_(std::exchange(o.id_, 0)) {}
    node_subscription& operator=(node_subscription&& o) noexcept {
        if (this != &o) {
            reset();
            registry_ = std::move(o.registry_);
            id_ = std::exchange(o.id_, 0);
        }
        return *this;
    }
    node_subscription(node_subscription const&) = delete;
    node_subscription& operator=(node_subscription const&) = delete;
    ~node_subscription() { reset(); }

    /// Ends the subscription now: its callback is not called again (a walk
    /// already under way skips it too).
    void reset() noexcept {
        if (id_ == 0) return;
        if (auto r = registry_.lock()) r->remove(id_);
        registry_.reset();
        id_ = 0;
    }

    /// Whether the subscription is still in place (its node alive).
    bool active() const noexcept { return id_ != 0 && !registry_.expired(); }
    explicit operator bool() const noexcept { return active(); }

private:
    std::weak_ptr<detail::subscriber_registry> registry_;
    std::uint64_t id_ = 0;
};

} // namespace cohort

#endif // COHORT_NODE_SUBSCRIPTION_HPP
