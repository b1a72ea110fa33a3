// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_IMPL_PROTOCOL_INPUTS_HPP
#define COHORT_MEMBERSHIP_IMPL_PROTOCOL_INPUTS_HPP

// membership_protocol's driver-facing plumbing: the constructor, on_message's dispatch to the
// handle() overloads (those of each seam live in its own file; the application messages the driver
// gives the router are ignored here), on_tick's round of timers and next_deadline(), set_tags(),
// and the outbox (send, send_to) and random pick every seam uses. Separate so that the order in
// which one input runs the seams is in one place, and each seam's file holds only its own rules.

#include <cohort/membership/protocol.hpp>

namespace cohort {

inline membership_protocol::membership_protocol(membership_config cfg, node_id self,
                                                std::uint64_t generation, std::vector<tag> tags,
                                                std::uint64_t seed)
    : cfg_(checked(std::move(cfg))), awareness_(cfg_.awareness_max_multiplier) {
    rng_.seed(seed);
    if (self.empty()) boost::throw_exception(boost::system::system_error(error::invalid_field,
                                                                         "self id is empty"));
    if (tags_size(tags) > cfg_.max_tags_size)
        boost::throw_exception(
            boost::system::system_error(error::length_over_limit, "tags over max_tags_size"));
    record r;
    r.m = member{std::move(self), generation, node_state::joining, std::move(tags), {}};
    auto const i = table_.insert(std::move(r)).first;
    ++view_version_;
    self_ = &table_[i];
    self_->index = i;
    self_name_ = self_->m.id.name();
}

inline membership_config membership_protocol::checked(membership_config cfg) {
    validate(cfg).value();
    return cfg;
}

inline std::size_t membership_protocol::tags_size(std::vector<tag> const& tags) noexcept {
    std::size_t n = 0;
    for (auto const& t : tags) n += t.key.size() + t.value.size();
    return n;
}

inline void membership_protocol::on_message(envelope const& e, duration now) {
    now_ = std::max(now_, now);
    ++counters_.received[e.body.index()];
    if (e.label != cfg_.label) {
        ++counters_.label_drops;
        return;
    }
    if (e.sender.empty() || e.sender.name() == self_name_) return;
    discover(e, now);
    std::visit([&](auto const& m) { handle(e, m, now); }, e.body);
}

inline void membership_protocol::handle(envelope const&, user_message const&, duration) {}

// Application messages: the driver hands them to the router, not here.
inline void membership_protocol::handle(envelope const&, route_request const&, duration) {}
inline void membership_protocol::handle(envelope const&, route_reply const&, duration) {}

inline void membership_protocol::on_tick(duration now) {
    now_ = std::max(now_, now);
    if (!started_) return;
    if (join_) tick_join(now);
    if (now >= next_probe_) {
        next_probe_ += cfg_.heartbeat_interval;
        if (next_probe_ <= now) next_probe_ = now + cfg_.heartbeat_interval;
        if (is_live(self_->m.state)) probe_round(now);
    }
    tick_probes(now);
    tick_suspicions(now);
    if (now >= next_gossip_) {
        next_gossip_ = now + cfg_.gossip_interval;
        last_gossip_ = now;
        gossip_round();
    }
    if (now >= next_push_pull_) {
        next_push_pull_ = now + push_pull_interval();
        if (!alive_.empty() && self_->m.state != node_state::leaving) {
            // A digest first: the full state goes only where views differ.
            // In a frame, as the push-pull was: a crashed member's refused
            // connection is then noticed as before (on_unreachable).
            ++counters_.digests_sent;
            send(random_of(alive_)->m.id, delivery::frame,
                 view_digest{digest(), static_cast<std::uint64_t>(table_.size())});
        }
    }
    if (now >= next_reconnect_) {
        next_reconnect_ = now + cfg_.reconnect_interval;
        if (!failed_.empty() && is_live(self_->m.state)) {
            // Only the digest, as a packet: the full state goes once the
            // other side answers (its views differ from ours, so it does),
            // so a long partition costs one small packet per interval,
            // not a full state, and a dead address no connection attempt.
            ++counters_.reconnect_attempts;
            send(random_of(failed_)->m.id, delivery::packet,
                 view_digest{digest(), static_cast<std::uint64_t>(table_.size())});
        }
    }
    tick_reap(now);
    tick_leave(now);
}

inline membership_protocol::duration membership_protocol::next_deadline() const noexcept {
    if (!started_) return duration::max();
    duration d = next_probe_;
    d = std::min(d, next_push_pull_);
    if (!queue_.empty()) d = std::min(d, next_gossip_);
    if (!failed_.empty()) d = std::min(d, next_reconnect_);
    if (join_) d = std::min({d, join_->retry_at, join_->deadline});
    for (auto const& w : watches_)
        d = std::min(d, w.probing ? w.probe_deadline : conviction_check(w));
    for (auto const& r : relays_) d = std::min(d, r.deadline);
    for (auto const& [name, s] : suspicions_) d = std::min(d, s.deadline());
    if (!tombstones_.empty()) d = std::min(d, tombstones_.front().since + cfg_.reap_interval);
    if (leave_deadline_) d = std::min(d, *leave_deadline_);
    return d;
}

inline boost::system::result<void>
membership_protocol::set_tags(std::vector<tag> tags, duration now) {
    now_ = std::max(now_, now);
    if (tags_size(tags) > cfg_.max_tags_size) return error::length_over_limit;
    self_->m.tags = std::move(tags);
    ++self_->m.incarnation;
    ++view_version_;
    events_.emplace_back(tags_changed{self_->m.id});
    broadcast_self();
    return {};
}

inline void membership_protocol::send(node_id const& to, delivery how, message body) {
    send_to(peer_address::of(to), how, std::move(body));
}
inline void membership_protocol::send_to(peer_address to, delivery how, message body) {
    ++counters_.sent[body.index()];
    outbox_.push_back({std::move(to), how, std::move(body)});
}

inline membership_protocol::record*
membership_protocol::random_of(std::vector<index_type> const& v) {
    return &table_[v[static_cast<std::size_t>(rng_() % v.size())]];
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_IMPL_PROTOCOL_INPUTS_HPP
