// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_IMPL_PROTOCOL_DISSEMINATION_HPP
#define COHORT_MEMBERSHIP_IMPL_PROTOCOL_DISSEMINATION_HPP

// membership_protocol's dissemination: rumors queued in detail::broadcast_queue, piggybacked next
// to pings and acks and gossiped to gossip_nodes random members each gossip_interval, the gossip
// handler with its corrections of stale suspicions, and the one-rumor messages (suspect, alive,
// failed, leave, join) that feed the same merge. Separate because it is how a change spreads,
// whoever detected it (protocol_probe.hpp) and however it was decided (protocol_merge.hpp).

#include <cohort/membership/protocol.hpp>

namespace cohort {

inline rumor membership_protocol::rumor_of(record const& rec,
                                           std::optional<node_id> const& from) const {
    bool const doubt = rec.m.state == node_state::unknown || rec.m.state == node_state::failed;
    return rumor{rec.m.id, rec.m.incarnation, rec.m.state, rec.m.tags,
                 doubt ? from : std::nullopt};
}

inline void membership_protocol::broadcast(record const& rec, std::optional<node_id> const& from) {
    queue_.push(rumor_of(rec, from));
    // Fresh news brings the next gossip round forward, to a quarter of
    // gossip_interval after the last one: a change crosses the cluster in
    // hops of tens of milliseconds instead of 100 ms on average, while a
    // node under churn still gossips at most 4x as often (rumors batched).
    next_gossip_ = std::min(next_gossip_, std::max(now_, last_gossip_ + cfg_.gossip_interval / 4));
}
inline void membership_protocol::broadcast_self() { broadcast(*self_, std::nullopt); }

inline unsigned membership_protocol::retransmit_limit() const noexcept {
    return detail::retransmit_limit(cfg_.retransmit_mult, ring_.size());
}

inline void membership_protocol::piggyback(node_id const& to) {
    if (queue_.empty()) return;
    gossip g;
    queue_.take(cfg_.packet_budget - envelope_reserve, cfg_.packet_budget, retransmit_limit(),
                g.rumors);
    if (g.rumors.empty()) return;
    counters_.rumors_sent += g.rumors.size();
    send(to, delivery::packet, std::move(g));
}

// Sends `rec` its own doubtful record so that it refutes; true if sent.
inline bool membership_protocol::tell_if_doubted(record const& rec) {
    if (rec.m.state != node_state::unknown && rec.m.state != node_state::failed) return false;
    gossip g;
    g.rumors.push_back(rumor_of(rec, self_->m.id));
    ++counters_.rumors_sent;
    send(rec.m.id, delivery::packet, std::move(g));
    return true;
}

inline void membership_protocol::gossip_round() {
    if (queue_.empty() || alive_.empty()) return;
    ++counters_.gossip_rounds;
    pick_random(cfg_.gossip_nodes, nullptr);
    for (record* r : scratch_helpers_) piggyback(r->m.id);
    scratch_helpers_.clear();
}

inline void membership_protocol::handle(envelope const& e, gossip const& g, duration now) {
    gossip correction;
    for (auto const& r : g.rumors) {
        apply(r, now);
        // The sender doubts a member at an incarnation its refutation has
        // superseded: it missed the refutation, and its own suspicion
        // timer would declare a live member failed. Tell it (the member
        // cannot: it may not be among the sender's observed members).
        if ((r.state == node_state::unknown || r.state == node_state::failed) &&
            r.member.name() != self_name_ && correction.rumors.size() < max_corrections) {
            auto const i = table_.find(r.member.name());
            node_state const held = i != npos ? table_[i].m.state : node_state::failed;
            if ((held == node_state::active || held == node_state::joining) &&
                table_[i].m.incarnation > r.incarnation)
                correction.rumors.push_back(rumor_of(table_[i], std::nullopt));
        }
    }
    if (correction.rumors.empty()) return;
    ++counters_.corrections_sent;
    counters_.rumors_sent += correction.rumors.size();
    send(e.sender, delivery::packet, std::move(correction));
}

inline void membership_protocol::handle(envelope const&, cohort::suspect const& m, duration now) {
    apply(rumor{m.member, m.incarnation, node_state::unknown, {}, m.from}, now);
}
inline void membership_protocol::handle(envelope const&, alive const& m, duration now) {
    apply(rumor{m.member, m.incarnation, node_state::active, m.tags, {}}, now);
}
inline void membership_protocol::handle(envelope const&, failed const& m, duration now) {
    apply(rumor{m.member, m.incarnation, node_state::failed, {}, m.from}, now);
}
inline void membership_protocol::handle(envelope const&, cohort::leave const& m, duration now) {
    apply(rumor{m.member, m.incarnation, node_state::leaving, {}, {}}, now);
}
inline void membership_protocol::handle(envelope const&, cohort::join const& m, duration now) {
    apply(rumor{m.member, m.incarnation, node_state::joining, m.tags, {}}, now);
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_IMPL_PROTOCOL_DISSEMINATION_HPP
