// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_DETAIL_SUBSCRIBERS_HPP
#define COHORT_NODE_DETAIL_SUBSCRIBERS_HPP

// basic_node's subscribers: view listeners and application channels, in the
// order they subscribed. A callback may subscribe or unsubscribe (itself or
// another) while the list is being walked: removals only mark an entry, and
// the list is compacted once no walk is under way. A callback that throws is
// counted and skipped; the walk, and the node's receive loop, go on.

#include <cohort/node/application_filter.hpp>
#include <cohort/wire/envelope.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace cohort::detail {

class subscriber_registry {
public:
    using view_listener = std::function<void()>;
    using application_handler = std::function<void(envelope&)>;

    std::uint64_t add_view(view_listener l) {
        views_.push_back({next_id_, std::move(l)});
        return next_id_++;
    }

    std::uint64_t add_application(application_filter f, application_handler h) {
        apps_.push_back({next_id_, std::move(f), std::move(h)});
        return next_id_++;
    }

    void remove(std::uint64_t id) noexcept {
        for (auto& v : views_)
            if (v.id == id) v.fn = nullptr;
        for (auto& a : apps_)
            if (a.id == id) a.fn = nullptr;
        compact();
    }

    bool has_view_listeners() const noexcept {
        return std::any_of(views_.begin(), views_.end(), [](auto const& v) { return bool(v.fn); });
    }

    /// Calls every view listener; returns how many threw.
    std::uint64_t notify_view() {
        walk_guard g{*this};
        std::uint64_t thrown = 0;
        for (std::size_t i = 0, n = views_.size(); i < n; ++i) {
            if (!views_[i].fn) continue;
            auto fn = views_[i].fn;  // a listener may remove itself
            try {
                fn();
            } catch (...) {
                ++thrown;
            }
        }
        return thrown;
    }

    struct delivery_result {
        std::size_t matched = 0;
        std::uint64_t thrown = 0;
    };

    /// Hands `e` to every application subscriber whose filter matches, in
    /// subscription order.
    delivery_result deliver(envelope& e) {
        walk_guard g{*this};
        delivery_result r;
        for (std::size_t i = 0, n = apps_.size(); i < n; ++i) {
            if (!apps_[i].fn || !apps_[i].filter.matches(e)) continue;
            ++r.matched;
            auto fn = apps_[i].fn;  // a handler may subscribe (and so move the entries)
            try {
                fn(e);
            } catch (...) {
                ++r.thrown;
            }
        }
        return r;
    }

private:
    struct view_entry {
        std::uint64_t id;
        view_listener fn;
    };
    struct app_entry {
        std::uint64_t id;
        application_filter filter;
        application_handler fn;
    };
    struct walk_guard {
        subscriber_registry& r;
        explicit walk_guard(subscriber_registry& reg) : r(reg) { ++r.walking_; }
        ~walk_guard() {
            if (--r.walking_ == 0) r.compact();
        }
        walk_guard(walk_guard const&) = delete;
        walk_guard& operator=(walk_guard const&) = delete;
    };

    void compact() noexcept {
        if (walking_ > 0) return;
        std::erase_if(views_, [](auto const& v) { return !v.fn; });
        std::erase_if(apps_, [](auto const& a) { return !a.fn; });
    }

    std::vector<view_entry> views_;
    std::vector<app_entry> apps_;
    std::uint64_t next_id_ = 1;
    int walking_ = 0;
};

} // namespace cohort::detail

#endif // COHORT_NODE_DETAIL_SUBSCRIBERS_HPP
