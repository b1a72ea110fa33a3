// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_IMPL_NODE_VIEW_HPP
#define COHORT_NODE_IMPL_NODE_VIEW_HPP

// Publishing the view: the snapshot that the any-thread queries (members(),
// leader(), counters(), ...) read under the mutex, rebuilt when the core's
// view moved and otherwise updated in place (last_heard, phi and the
// counters), and the lookups those queries use. Apart from the driver because
// it is the one place where the executor's state meets other threads.
//
// Included at the end of node.hpp (Beast-style impl header).

#include <cohort/node.hpp>

namespace cohort {

// Under mutex_.
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::throw_if_no_view() const {
    if (!view_published_)
        boost::throw_exception(boost::system::system_error(
            make_error_code(error::not_started), "basic_node: no view before async_start"));
}
template <transport Transport, codec Codec, wall_clock Clock>
node_member const*
basic_node<Transport, Codec, Clock>::find_member(std::string_view name) const noexcept {
    auto it = std::lower_bound(members_.begin(), members_.end(), name,
                               [](node_member const& m, std::string_view n) {
                                   return m.id.name() < n;
                               });
    return it != members_.end() && it->id.name() == name ? &*it : nullptr;
}

// After every input. The view is copied (O(N log N)) only when the core's
// view_version() moved; otherwise only what a message can change without
// changing the view is written in place: the senders' last_heard
// (O(log N) each) and the monitored members' phi (O(monitored_by)), with
// the counters. At 10,000 members that is the difference between a copy
// of the view per packet and a few lookups (BENCHMARKS.md, "publish").
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::publish() {
    if (!core_) return;
    auto const t = now();
    if (view_published_ && published_version_ == core_->view_version())
        return publish_in_place(t);
    rebuild_view(t);
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::publish_in_place(duration t) {
    counters_.sender_entries = heard_.size();
    counters_.membership = core_->counters();
    if (security_) counters_.security = security_->counters();
    std::lock_guard lock(mutex_);
    for (auto* h : heard_dirty_) {
        h->second.dirty = false;
        if (auto* m = find_member_mutable(h->first)) m->last_heard = h->second.last;
    }
    heard_dirty_.clear();
    for (auto i : monitored_at_) {
        members_[i].phi = 0.0;
        members_[i].monitored = false;
    }
    monitored_at_.clear();
    core_->for_each_monitored(t, [&](std::string_view name, double phi) {
        if (auto* m = find_member_mutable(name)) {
            m->phi = phi;
            m->monitored = true;
            monitored_at_.push_back(static_cast<std::size_t>(m - members_.data()));
        }
    });
    published_ = counters_;
}

template <transport Transport, codec Codec, wall_clock Clock>
node_member*
basic_node<Transport, Codec, Clock>::find_member_mutable(std::string_view name) noexcept {
    return const_cast<node_member*>(find_member(name));
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::rebuild_view(duration t) {
    auto snap = core_->snapshot();
    std::vector<node_member> view;
    view.reserve(snap.members.size());
    std::array<std::size_t, 5> counts{};
    for (auto& m : snap.members) {
        if (auto const i = static_cast<std::size_t>(m.state); i < counts.size()) ++counts[i];
        node_member nm{std::move(m.id), m.state, m.incarnation, std::move(m.tags), {}, 0.0};
        if (auto it = heard_.find(nm.id.name()); it != heard_.end())
            nm.last_heard = it->second.last;
        view.push_back(std::move(nm));
    }
    monitored_at_.clear();
    core_->for_each_monitored(t, [&](std::string_view name, double phi) {
        auto it = std::lower_bound(view.begin(), view.end(), name,
                                   [](node_member const& m, std::string_view n) {
                                       return m.id.name() < n;
                                   });
        if (it == view.end() || it->id.name() != name) return;
        it->phi = phi;
        it->monitored = true;
        monitored_at_.push_back(static_cast<std::size_t>(it - view.begin()));
    });
    for (auto* h : heard_dirty_) h->second.dirty = false;
    heard_dirty_.clear();  // before the erase below: its pointers would dangle
    if (heard_.size() > view.size())  // members were reaped: forget them too
        std::erase_if(heard_, [&](auto const& h) { return !core_->find(h.first); });
    published_version_ = core_->view_version();
    counters_.sender_entries = heard_.size();
    counters_.membership = core_->counters();
    if (security_) counters_.security = security_->counters();
    note_view(view);  // router hooks
    std::lock_guard lock(mutex_);
    members_ = std::move(view);
    leader_ = std::move(snap.leader);
    state_counts_ = counts;
    view_published_ = true;
    published_ = counters_;
}

} // namespace cohort

#endif // COHORT_NODE_IMPL_NODE_VIEW_HPP
