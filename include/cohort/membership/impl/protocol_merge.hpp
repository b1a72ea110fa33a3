// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_IMPL_PROTOCOL_MERGE_HPP
#define COHORT_MEMBERSHIP_IMPL_PROTOCOL_MERGE_HPP

// membership_protocol's merge rule: apply() decides whether a rumor about another member wins (a
// higher incarnation, else node_state precedence at an equal one; a repeated suspicion is a
// Lifeguard confirmation), and apply_about_self() refutes an accusation about this node with a
// higher incarnation. Separate because it is the protocol's one conflict-resolution rule, in which
// every message path ends.

#include <cohort/membership/protocol.hpp>

namespace cohort {

inline void membership_protocol::apply(rumor const& r, duration now) {
    ++counters_.rumors_received;
    if (r.member.empty()) return;
    if (r.member.name() == self_name_) return apply_about_self(r);
    auto const i = table_.find(r.member.name());
    if (i == npos) {
        // A view of 2^24 - 2 members is full (the table's limit): the
        // rest stay unknown rather than the input throwing.
        if (table_.size() >= table_type::max_size) return;
        record fresh;
        fresh.m = member{r.member, r.incarnation, r.state, r.tags, now};
        auto const j = table_.insert(std::move(fresh)).first;
        ++view_version_;
        record& rec = table_[j];
        rec.index = j;
        enter_state(rec, std::nullopt, now, r.from);
        broadcast(rec, r.from);
        return;
    }
    record& rec = table_[i];
    if (r.incarnation < rec.m.incarnation) {
        ++counters_.stale_rumors;
        return;
    }
    bool const newer = r.incarnation > rec.m.incarnation;
    node_state const to = newer ? r.state : merge_at_equal_incarnation(rec.m.state, r.state);
    if (!newer && to == rec.m.state) {
        // The same suspicion from another observer: a Lifeguard confirmation.
        if (to == node_state::unknown && r.state == node_state::unknown && r.from) {
            auto s = suspicions_.find(rec.m.id.name());
            if (s != suspicions_.end() && s->second.confirm(r.from->name())) {
                ++counters_.confirmations;
                queue_.push(r);
            }
        } else {
            ++counters_.stale_rumors;
        }
        return;
    }
    if (newer) {
        ++view_version_;
        rec.m.incarnation = r.incarnation;
        rec.m.id = r.member;  // a newer incarnation may bring a new address
        if (rec.m.tags != r.tags) {
            rec.m.tags = r.tags;
            events_.emplace_back(tags_changed{rec.m.id});
        }
    }
    if (to != rec.m.state) {
        if (rec.m.state == node_state::unknown && to == node_state::active)
            ++counters_.false_suspicion_refutes;
        if (to == node_state::failed && is_live(rec.m.state)) ++counters_.failures_heard;
        move_state(rec, to, now, r.from);
    } else if (to == node_state::unknown) {
        // Suspected again at a newer incarnation: restart the timer.
        drop_suspicion(rec.m.id.name());
        start_suspicion(rec, now, r.from);
    }
    broadcast(rec, r.from);
}

inline void membership_protocol::apply_about_self(rumor const& r) {
    member& me = self_->m;
    if (me.state == node_state::leaving) return;  // leaving wins at our incarnation
    bool const accusation = r.state == node_state::unknown ||
                            r.state == node_state::failed || r.state == node_state::leaving;
    if (r.incarnation < me.incarnation) {
        // An accusation we already refuted is still going round: our
        // refutation has not reached everyone (its retransmissions may
        // have been spent while our links were down). Send it again, at
        // the same incarnation, rather than let the old suspicion expire.
        if (accusation) {
            ++counters_.refutations_resent;
            broadcast_self();
        }
        return;
    }
    if (!accusation && r.incarnation == me.incarnation) return;
    // Someone says we are suspected, failed or gone, or speaks for us at a
    // newer incarnation: refute with a higher one.
    ++counters_.refutations;
    if (r.state == node_state::unknown) awareness_.apply(1);
    me.incarnation = std::max(me.incarnation, r.incarnation) + 1;
    ++view_version_;
    broadcast_self();
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_IMPL_PROTOCOL_MERGE_HPP
