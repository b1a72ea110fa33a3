// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_IMPL_PROTOCOL_STATE_HPP
#define COHORT_MEMBERSHIP_IMPL_PROTOCOL_STATE_HPP

// membership_protocol's state changes: move_state() through node_state's transition table, the
// bookkeeping of leaving and entering a state (ring, alive and failed lists, tombstones, suspicion
// timers), the events each change reports, and the leader rule (the smallest active name).
// Separate because it is the one place that keeps the indices and events consistent with a
// member's state: the other files decide a state, this one applies it.

#include <cohort/membership/protocol.hpp>

namespace cohort {

// The trigger that takes `from` to `to` directly, if node_state allows it.
inline std::optional<state_trigger>
membership_protocol::trigger_for(node_state from, node_state to) noexcept {
    state_trigger t{};
    switch (to) {
    case node_state::joining: t = state_trigger::restart; break;
    case node_state::active:
        t = from == node_state::joining ? state_trigger::join_acknowledged
                                        : state_trigger::refutation;
        break;
    case node_state::unknown: t = state_trigger::suspicion; break;
    case node_state::failed: t = state_trigger::failure_confirmed; break;
    case node_state::leaving: t = state_trigger::graceful_leave; break;
    }
    if (next_state(from, t) == to) return t;
    return std::nullopt;
}

// Moves `rec` to `to` through node_state's table: directly when legal,
// else through a restart (a newer incarnation is a new life: joining).
inline void membership_protocol::move_state(record& rec, node_state to, duration now,
                                            std::optional<node_id> const& from) {
    node_state const old = rec.m.state;
    if (old == to) return;
    node_state s = old;
    if (!trigger_for(s, to)) s = transition(s, state_trigger::restart).value();
    if (s != to) s = transition(s, *trigger_for(s, to)).value();
    leave_state(rec, old);
    rec.m.state = s;
    rec.m.state_since = now;
    ++view_version_;
    enter_state(rec, old, now, from);
}

inline void membership_protocol::leave_state(record& rec, node_state old) {
    if (is_live(old)) {
        if (&rec != self_) remove_index(alive_, rec);
        ring_.erase(rec.index);
    }
    if (old == node_state::failed && &rec != self_) remove_index(failed_, rec);
    // The next leader is found in check_leader, once rec has its new state.
    if (old == node_state::active && rec.index == leader_index_) leader_stale_ = true;
    if (old == node_state::unknown) drop_suspicion(rec.m.id.name());
}

inline void membership_protocol::enter_state(record& rec, std::optional<node_state> old,
                                             duration now, std::optional<node_id> const& from) {
    node_state const s = rec.m.state;
    bool const self = &rec == self_;
    if (is_live(s)) {
        if (!self) add_index(alive_, rec);
        if (!self || started_) ring_.insert(rec.index);
    }
    if (s == node_state::failed && !self) add_index(failed_, rec);
    if (s == node_state::failed || s == node_state::leaving)
        tombstones_.push_back({now, std::string(rec.m.id.name()), rec.m.incarnation});
    if (s == node_state::active && !leader_stale_ &&
        (leader_index_ == npos || rec.m.id.name() < table_.name(leader_index_)))
        leader_index_ = rec.index;
    if (s == node_state::unknown && !self) start_suspicion(rec, now, from);

    if (!quiet_) {
        events_.emplace_back(state_changed{rec.m.id, old, s, rec.m.incarnation});
        if (s == node_state::active) {
            if (old == node_state::unknown)
                events_.emplace_back(node_reachable{rec.m.id});
            else
                events_.emplace_back(node_up{rec.m.id});
        }
        if (s == node_state::unknown && old == node_state::active)
            events_.emplace_back(node_unreachable{rec.m.id});
        if (old && is_live(*old) && (s == node_state::failed || s == node_state::leaving)) {
            events_.emplace_back(node_down{
                rec.m.id, s == node_state::leaving
                              ? down_reason::graceful_shutdown
                              : down_hint(rec.index).value_or(down_reason::heartbeat_timeout)});
        }
    }
    if (s != node_state::unknown) clear_down_hint(rec.index);  // it lives with its suspicion
    check_leader();
}

inline void membership_protocol::enter_ring(record& rec) { ring_.insert(rec.index); }

inline void membership_protocol::add_index(std::vector<index_type>& v, record& rec) {
    if (rec.pos != npos) return;
    rec.pos = static_cast<index_type>(v.size());
    v.push_back(rec.index);
}
inline void membership_protocol::remove_index(std::vector<index_type>& v, record& rec) {
    index_type const i = rec.pos;
    if (i == npos) return;
    v[i] = v.back();
    table_[v[i]].pos = i;
    v.pop_back();
    rec.pos = npos;
}

// The leader is the smallest active name: kept as members become active,
// searched anew only when the leader stops being active.
inline void membership_protocol::check_leader() {
    if (leader_stale_) {
        leader_stale_ = false;
        leader_index_ = npos;
        table_.for_each([&](index_type i, record const& r) {
            if (r.m.state == node_state::active &&
                (leader_index_ == npos || r.m.id.name() < table_.name(leader_index_)))
                leader_index_ = i;
        });
    }
    std::string_view const now_leader =
        leader_index_ == npos ? std::string_view() : table_.name(leader_index_);
    if (now_leader == leader_) return;
    leader_.assign(now_leader);
    if (!quiet_) events_.emplace_back(leader_changed{leader()});
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_IMPL_PROTOCOL_STATE_HPP
