// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_IMPL_PROTOCOL_ANTI_ENTROPY_HPP
#define COHORT_MEMBERSHIP_IMPL_PROTOCOL_ANTI_ENTROPY_HPP

// membership_protocol's anti-entropy: the view digest, the full state and the scaled push-pull
// interval, the view_digest, push_pull and push_pull_reply handlers (a join travels as a push-
// pull, so its acknowledgement is here too), merge() of a full state as rumors, and discover(),
// the push-pull at once with an unknown or failed sender. Separate because it repairs what gossip
// missed by comparing whole views, at O(N) per exchange.

#include <cohort/membership/protocol.hpp>

namespace cohort {

// The view's digest (detail/view_digest.hpp): O(N), once per push-pull
// interval and per digest received.
inline std::uint64_t membership_protocol::digest() const {
    std::uint64_t sum = 0;
    table_.for_each([&](index_type, record const& r) {
        sum += detail::entry_digest(r.m.id, r.m.incarnation, r.m.state, r.m.tags);
    });
    return sum;
}

inline std::vector<member_state> membership_protocol::full_state() const {
    std::vector<member_state> out;
    out.reserve(table_.size());
    table_.for_each([&](index_type, record const& r) {
        out.push_back({r.m.id, r.m.incarnation, r.m.state, r.m.tags});
    });
    return out;
}

inline membership_protocol::duration membership_protocol::push_pull_interval() const noexcept {
    // memberlist's pushPullScale: interval * ceil(log2(N) - log2(32) + 1) above 32.
    std::size_t const n = ring_.size();
    if (n <= 32) return cfg_.push_pull_interval;
    double const mult = std::ceil(std::log2(static_cast<double>(n)) - 5.0 + 1.0);
    return cfg_.push_pull_interval * static_cast<std::int64_t>(mult);
}

inline void membership_protocol::handle(envelope const& e, view_digest const& d, duration now) {
    if (!is_live(self_->m.state) || self_->m.state == node_state::leaving) return;
    if (d.digest == digest()) return;
    ++counters_.digest_mismatches;
    // At most one full-state answer per eighth of the push-pull interval:
    // a peer (or a forger) sending digests cannot make this node send its
    // whole view more often than that.
    if (digest_answered_ && now - *digest_answered_ < push_pull_interval() / 8) return;
    if (!answers_.allow(peer_address::of(e.sender), now)) {
        ++counters_.full_state_refused;
        return;
    }
    digest_answered_ = now;
    ++counters_.push_pulls;
    send(e.sender, delivery::frame, push_pull{false, full_state()});
}

inline void membership_protocol::handle(envelope const& e, push_pull const& p, duration now) {
    merge(e.sender, p.members, now);
    if (p.join) {
        auto const i = table_.find(e.sender.name());
        if (i != npos && table_[i].m.state == node_state::joining) {
            move_state(table_[i], node_state::active, now);
            broadcast(table_[i], std::nullopt);
        }
    }
    if (answers_.allow(peer_address::of(e.sender), now))
        send(e.sender, delivery::frame, push_pull_reply{full_state()});
    else
        ++counters_.full_state_refused;
    // A join is news everyone waits for: gossip it now rather than at the
    // next gossip round (on average half a gossip_interval later).
    if (p.join) gossip_round();
}

inline void membership_protocol::handle(envelope const& e, push_pull_reply const& p, duration now) {
    bool const join_answer = is_join_answer(e.sender);
    merge(e.sender, p.members, now);
    if (self_->m.state == node_state::joining) {
        // The answer acknowledges the join (even one that came after join_timeout).
        move_state(*self_, node_state::active, now);
        broadcast_self();
        gossip_round();  // as the seed does: the news of a join goes out at once
        if (join_) events_.emplace_back(join_completed{});
        join_.reset();
    } else if (join_answer) {
        events_.emplace_back(join_completed{});
        join_.reset();
    }
}

inline void membership_protocol::merge(node_id const& sender,
                                       std::vector<member_state> const& members, duration now) {
    for (auto const& m : members) {
        if (m.id.empty()) continue;
        node_state state = m.state;
        // memberlist's rule: a remote "failed" about a member we hold live is only a
        // suspicion here, so that one side of a healed partition does not declare
        // the other failed wholesale; the member gets its chance to refute.
        if (state == node_state::failed) {
            auto const i = table_.find(m.id.name());
            if (i != npos && is_live(table_[i].m.state)) state = node_state::unknown;
        }
        bool const doubt = state == node_state::unknown || state == node_state::failed;
        apply(rumor{m.id, m.incarnation, state, m.tags,
                    doubt ? std::optional<node_id>(sender) : std::nullopt},
              now);
    }
}

// A message from a member we have never heard of means gossip about it
// ran out before reaching us (its rumor's retransmit limit was spent while
// we were still joining); one from a member we hold failed means the link
// to it is back (a healed partition, a member that was only cut off).
// Rather than wait for the next periodic push-pull or reconnect, exchange
// state with it now: at most once per sender per push-pull interval for a
// stranger, per reconnect_interval for a failed member, and not for the
// push-pull messages that carry its state anyway, nor for a digest (which
// is answered with the full state where views differ).
inline void membership_protocol::discover(envelope const& e, duration now) {
    if (!started_ || !is_live(self_->m.state)) return;
    if (std::holds_alternative<push_pull>(e.body) ||
        std::holds_alternative<push_pull_reply>(e.body) ||
        std::holds_alternative<view_digest>(e.body))
        return;
    auto const name = e.sender.name();
    auto const known = table_.find(name);
    if (known != npos && table_[known].m.state != node_state::failed) return;
    duration const every = known == npos ? push_pull_interval() : cfg_.reconnect_interval;
    if (auto it = discovering_.find(name); it != discovering_.end()) {
        if (now - it->second < every) return;
        it->second = now;
    } else {
        // Bounded: a full table forgets requests older than the push-pull
        // interval, and while none is, strangers wait (a hostile peer
        // inventing names cannot grow it).
        if (discovering_.size() >= max_discovering()) {
            std::erase_if(discovering_, [&](auto const& kv) {
                return now - kv.second >= push_pull_interval();
            });
            if (discovering_.size() >= max_discovering()) {
                ++counters_.full_state_refused;
                return;
            }
        }
        discovering_.emplace(std::string(name), now);
    }
    if (!answers_.allow(peer_address::of(e.sender), now)) {
        ++counters_.full_state_refused;
        return;
    }
    ++counters_.push_pulls;
    send(e.sender, delivery::frame, push_pull{false, full_state()});
}

inline std::size_t membership_protocol::max_discovering() const noexcept {
    return 4 * cfg_.monitored_by + 64;
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_IMPL_PROTOCOL_ANTI_ENTROPY_HPP
