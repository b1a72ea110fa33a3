// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_IMPL_PROTOCOL_JOIN_HPP
#define COHORT_MEMBERSHIP_IMPL_PROTOCOL_JOIN_HPP

// membership_protocol's join, leave and reap: start() and bootstrap(), the run-time join() through
// seeds with its backoff and join_timeout, a graceful leave() and its leave_completed, and the
// reaping of failed and left members' tombstones after reap_interval. Separate because it is a
// node's life cycle in a cluster (how it enters and exits, and how departed members leave the
// view), not failure detection or gossip.

#include <cohort/membership/protocol.hpp>

namespace cohort {

inline void membership_protocol::start(duration now, std::vector<peer_address> seeds) {
    if (started_) return;
    started_ = true;
    now_ = now;
    auto const me = peer_address::of(self_->m.id);
    std::erase(seeds, me);
    next_probe_ = now + cfg_.heartbeat_interval;
    next_gossip_ = now + cfg_.gossip_interval;
    next_push_pull_ = now + push_pull_interval();
    next_reconnect_ = now + cfg_.reconnect_interval;
    enter_ring(*self_);
    if (seeds.empty()) {
        move_state(*self_, node_state::active, now);
        events_.emplace_back(join_completed{});
        return;
    }
    join_ = join_attempt{std::move(seeds), 0, now + cfg_.join_timeout, now,
                         cfg_.join_retry_interval};
    send_join(now);
}

inline void membership_protocol::bootstrap(duration now, std::vector<member_state> const& members,
                                           bool report_events) {
    if (started_) return;
    start(now);
    table_.reserve(members.size() + 1);
    alive_.reserve(members.size());
    quiet_ = !report_events;
    ring_.begin_batch();
    for (auto const& m : members) {
        if (m.id.empty() || m.id.name() == self_name_) continue;
        if (table_.size() >= table_type::max_size) break;
        auto const [i, fresh] = table_.insert_in_place([&](record& r) {
            r.m.id = m.id;
            r.m.incarnation = m.incarnation;
            r.m.state = m.state;
            r.m.tags = m.tags;
            ++view_version_;
            r.m.state_since = now;
        });
        if (!fresh) continue;
        table_[i].index = i;
        enter_state(table_[i], std::nullopt, now, std::nullopt);
    }
    ring_.end_batch();
    quiet_ = false;
    // Random phases, as nodes started at different times would have (and
    // as memberlist staggers its timers): no cluster-wide lockstep.
    auto const phase = [&](duration interval) {
        return duration(static_cast<duration::rep>(
            rng_() % static_cast<std::uint64_t>(std::max<duration::rep>(interval.count(), 1))));
    };
    next_probe_ = now + phase(cfg_.heartbeat_interval);
    next_gossip_ = now + phase(cfg_.gossip_interval);
    next_push_pull_ = now + phase(push_pull_interval());
    next_reconnect_ = now + phase(cfg_.reconnect_interval);
}

inline void membership_protocol::join(std::vector<peer_address> seeds, duration now) {
    now_ = std::max(now_, now);
    if (!started_) return start(now, std::move(seeds));
    if (!is_live(self_->m.state)) return;
    std::erase(seeds, peer_address::of(self_->m.id));
    if (seeds.empty()) {
        join_.reset();
        events_.emplace_back(join_completed{});
        return;
    }
    join_ = join_attempt{std::move(seeds), 0, now + cfg_.join_timeout, now,
                         cfg_.join_retry_interval};
    send_join(now);
}

inline void membership_protocol::send_join(duration now) {
    auto& j = *join_;
    ++counters_.join_attempts;
    // The whole view (just this node on a first join): a run-time join
    // hands the seed's cluster every member of ours at once, as memberlist does.
    send_to(j.seeds[j.next % j.seeds.size()], delivery::frame, push_pull{true, full_state()});
    j.next = (j.next + 1) % j.seeds.size();
    j.retry_at = now + j.backoff;
    j.backoff = std::min(j.backoff * 2, cfg_.join_retry_max_interval);
}

inline void membership_protocol::tick_join(duration now) {
    if (now >= join_->deadline) {
        join_.reset();
        events_.emplace_back(join_completed{make_error_code(error::join_timeout)});
        return;
    }
    if (now >= join_->retry_at) send_join(now);
}

// A run-time join (join()) is answered by a seed, or by a member we did
// not know (only a join or a discovery push-pull reaches those).
inline bool membership_protocol::is_join_answer(node_id const& sender) const {
    return join_ && (table_.find(sender.name()) == npos ||
                     std::find(join_->seeds.begin(), join_->seeds.end(),
                               peer_address::of(sender)) != join_->seeds.end());
}

inline void membership_protocol::fail_join(error ec) {
    join_.reset();
    events_.emplace_back(join_completed{make_error_code(ec)});
}

inline void membership_protocol::leave(duration now) {
    now_ = std::max(now_, now);
    if (!is_live(self_->m.state)) return;
    join_.reset();
    move_state(*self_, node_state::leaving, now);
    watches_.clear();
    broadcast_self();
    leave_deadline_ = now + cfg_.leave_propagate_delay;
    if (alive_.empty()) finish_leave();
    else gossip_round();
}

inline void membership_protocol::tick_leave(duration now) {
    if (!leave_deadline_) return;
    if (now >= *leave_deadline_ || !queue_.contains(self_name_)) finish_leave();
}

inline void membership_protocol::finish_leave() {
    leave_deadline_.reset();
    events_.emplace_back(leave_completed{});
}

inline void membership_protocol::tick_reap(duration now) {
    while (!tombstones_.empty() && tombstones_.front().since + cfg_.reap_interval <= now) {
        tombstone t = std::move(tombstones_.front());
        tombstones_.pop_front();
        auto const i = table_.find(t.name);
        if (i == npos || &table_[i] == self_) continue;
        record& rec = table_[i];
        if (rec.m.incarnation != t.incarnation ||
            (rec.m.state != node_state::failed && rec.m.state != node_state::leaving))
            continue;
        if (rec.m.state == node_state::failed) remove_index(failed_, rec);
        clear_down_hint(i);
        queue_.erase(t.name);
        table_.erase(i);
        ++view_version_;
        ++counters_.reaped;
    }
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_IMPL_PROTOCOL_JOIN_HPP
