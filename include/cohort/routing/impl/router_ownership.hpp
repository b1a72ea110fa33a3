// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_IMPL_ROUTER_OWNERSHIP_HPP
#define COHORT_ROUTING_IMPL_ROUTER_OWNERSHIP_HPP

// basic_router's ownership (declared in router.hpp; Beast-style impl header,
// included at the end of it): the owner queries, and the table rebuilt from
// the node's view (or a pinned member list) and published, with the ranges
// this node gained or lost reported to on_acquired / on_released. Apart
// from the calls because it is the router's picture of the cluster, which
// the calls only read.

#include <cohort/routing/router.hpp>

namespace cohort {

template <class Node, class Strategy>
std::optional<node_id> basic_router<Node, Strategy>::owner(std::string_view key) const {
    auto g = table_.read();
    if (g->empty()) return std::nullopt;
    return g->owner(key);
}

template <class Node, class Strategy>
bool basic_router<Node, Strategy>::owns(std::string_view key) const {
    auto g = table_.read();
    return !g->empty() && g->owner(key) == node_->local_id();
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::pin_view(std::vector<ring_member> members) {
    pinned_ = std::move(members);
    refresh();
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::follow_membership() {
    pinned_.reset();
    refresh();
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::refresh() {
    if (closed_) return;
    // Before the node starts there is no view: an empty one (no owner).
    auto const view = node_->has_view() ? node_->members() : std::vector<node_member>{};
    auto const ring = pinned_ ? *pinned_ : membership_view(view, cfg_.view);
    // Building a table costs O(owners x vnodes); most view changes (a
    // suspicion, a refutation, tags) leave the owners as they were.
    auto owners = owning_members(ring);
    if (tables_ != 0 && owners == last_owners_) return check_pending(view);
    auto next = ownership_type::make(ring, strategy_);
    if (next) {
        last_owners_ = std::move(owners);
        auto const current = table_.snapshot();
        if (next->fingerprint() != current->fingerprint() || tables_ == 0) {
            auto fresh = std::make_shared<ownership_type const>(std::move(*next));
            table_.publish(fresh);
            ++tables_;
            ++counters_.tables_published;
            report_change(current, fresh);
        }
    }
    check_pending(view);
}

template <class Node, class Strategy>
std::vector<std::pair<std::string, std::uint32_t>>
basic_router<Node, Strategy>::owning_members(std::vector<ring_member> const& ring) {
    std::vector<std::pair<std::string, std::uint32_t>> out;
    out.reserve(ring.size());
    for (auto const& m : ring)
        if (owns_keys(m.state) && m.weight > 0) out.emplace_back(m.id.str(), m.weight);
    std::sort(out.begin(), out.end());
    return out;
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::report_change(
    std::shared_ptr<ownership_type const> const& previous,
    std::shared_ptr<ownership_type const> const& current) {
    if (!on_acquired_ && !on_released_) return;
    node_id const& self = node_->local_id();
    ownership_change acquired{previous, current, {}, {}};
    ownership_change released{previous, current, {}, {}};
    bool any_acquired = false;
    bool any_released = false;
    if constexpr (detail::range_table<typename Strategy::table>) {
        for (auto& c : diff(*previous, *current)) {
            if (c.to == self) acquired.ranges.push_back(c);
            if (c.from == self) released.ranges.push_back(std::move(c));
        }
        if constexpr (detail::slot_table<typename Strategy::table>) {
            if (auto slots = diff_slots(*previous, *current)) {
                for (auto& c : *slots) {
                    if (c.to == self) acquired.slots.push_back(c);
                    if (c.from == self) released.slots.push_back(std::move(c));
                }
            }
        }
        any_acquired = !acquired.ranges.empty();
        any_released = !released.ranges.empty();
    } else {
        any_acquired = any_released = true;
    }
    // Copies: a callback may replace itself.
    if (any_acquired && on_acquired_) {
        auto f = on_acquired_;
        f(acquired);
    }
    if (any_released && on_released_) {
        auto f = on_released_;
        f(released);
    }
}

} // namespace cohort

#endif // COHORT_ROUTING_IMPL_ROUTER_OWNERSHIP_HPP
