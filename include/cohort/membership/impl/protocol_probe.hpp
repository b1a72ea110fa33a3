// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_IMPL_PROTOCOL_PROBE_HPP
#define COHORT_MEMBERSHIP_IMPL_PROTOCOL_PROBE_HPP

// membership_protocol's failure detection (SWIM probing with Lifeguard's nacks): the monitored set
// on the ring, the probe round of direct pings, the indirect probe through indirect_checks helpers
// timed ahead of the phi-accrual conviction point, and the ping, indirect_ping, ack and nack
// handlers. Separate because it is the part that measures time between messages; its one verdict
// is suspect() (protocol_suspicion.hpp).

#include <cohort/membership/protocol.hpp>

namespace cohort {

// The monitored set: the next monitored_by unsuspected live members
// clockwise, and the suspected ones among and just after them (up to
// monitored_by of those), as in Akka's HeartbeatNodeRing. Suspected members
// do not count, so observers further back take over a member whose nearer
// observers are suspected: in a partition, the members whose observers are
// all on the far side are watched as soon as those are suspected, not
// only once they are failed (which convicted a partition in waves).
inline void membership_protocol::refresh_watches(duration now) {
    // The successors of an unchanged ring are unchanged (a tree walk of
    // cache misses saved per round: 14% of a 1,000-node simulation). A
    // suspicion, or its end, moves the member out of and back into the
    // ring, which changes its version.
    if (ring_.version() == watched_version_) return;
    watched_version_ = ring_.version();
    scratch_views_.clear();
    std::size_t counted = 0, suspected = 0;
    ring_.walk_after(self_name_, [&](index_type i) {
        if (table_[i].m.state != node_state::unknown) {
            ++counted;
            scratch_views_.push_back(table_.name(i));
        } else if (suspected < cfg_.monitored_by) {
            ++suspected;  // watched, not counted: the walk goes on past it
            scratch_views_.push_back(table_.name(i));
        }
        return counted < cfg_.monitored_by;
    });
    bool same = scratch_views_.size() == watches_.size();
    for (std::size_t i = 0; same && i < watches_.size(); ++i)
        same = watches_[i].name == scratch_views_[i];
    if (same) return;
    std::vector<watch> next;
    next.reserve(scratch_views_.size());
    for (auto name : scratch_views_) {
        auto it = std::find_if(watches_.begin(), watches_.end(),
                               [&](watch const& w) { return w.name == name; });
        if (it != watches_.end()) {
            next.push_back(std::move(*it));
        } else {
            watch w{std::string(name), basic_phi_accrual_detector<>(cfg_.failure_detector)};
            w.detector.heartbeat(now);  // a member that never answers is still convicted
            next.push_back(std::move(w));
        }
    }
    watches_ = std::move(next);
}

inline void membership_protocol::probe_round(duration now) {
    refresh_watches(now);
    for (auto& w : watches_) {
        auto const i = table_.find(w.name);
        if (i == npos) continue;
        record& target = table_[i];
        w.seq = next_seq_++;
        w.ping_sent = now;
        ++counters_.probes;
        send(target.m.id, delivery::packet, ping{w.seq, target.m.id});
        if (!tell_if_doubted(target)) piggyback(target.m.id);
        // is_available() runs every round so that its local-pause guard works.
        if (!w.detector.is_available(now) && !w.probing) start_indirect(w, target, now);
    }
}

inline void membership_protocol::start_indirect(watch& w, record& target, duration now) {
    ++counters_.indirect_probes;
    w.probing = true;
    w.probe_deadline = std::max(now + awareness_.scale(cfg_.probe_timeout),
                                conviction_point(w));
    w.indirect_seq = next_seq_++;
    w.nacks = 0;
    w.expected_nacks = 0;
    // A direct retry beside the helpers (memberlist adds a TCP ping): a
    // lost ping or ack alone then does not make the member suspected.
    ++counters_.probes;
    send(target.m.id, delivery::packet, ping{w.indirect_seq, target.m.id});
    pick_random(cfg_.indirect_checks, &target);
    w.expected_nacks = scratch_helpers_.size();
    for (record* helper : scratch_helpers_)
        send(helper->m.id, delivery::packet,
             indirect_ping{w.indirect_seq, target.m.id, self_->m.id});
    scratch_helpers_.clear();
}

// Up to `n` distinct random live members other than `skip`, into
// scratch_helpers_ (a few tries each: a cheap sample, not a shuffle).
inline void membership_protocol::pick_random(std::size_t n, record const* skip) {
    scratch_helpers_.clear();
    if (alive_.empty()) return;
    n = std::min(n, alive_.size() - (skip && skip != self_ && skip->pos != npos &&
                                             is_live(skip->m.state) ? 1 : 0));
    for (std::size_t tries = 0; scratch_helpers_.size() < n && tries < 4 * n + 4; ++tries) {
        record* r = random_of(alive_);
        if (r == skip || std::find(scratch_helpers_.begin(), scratch_helpers_.end(), r) !=
                             scratch_helpers_.end())
            continue;
        scratch_helpers_.push_back(r);
    }
}

// When to start the indirect probe of `w`'s member if no ack comes: the
// scaled probe_timeout before its detector can first give up, so that the
// helpers' answer is in when phi crosses the threshold, and a crash is
// suspected at that moment rather than at the next probe round plus a
// probe_timeout (up to 1.5 heartbeat intervals earlier). max() once
// checked (until the next heartbeat moves the conviction point).
inline membership_protocol::duration
membership_protocol::conviction_check(watch const& w) const noexcept {
    auto const c = conviction_point(w);
    if (c == duration::max()) return duration::max();
    auto const due = c - awareness_.scale(cfg_.probe_timeout);
    return due > w.checked ? due : duration::max();
}
// 1 µs past the model's conviction point, where phi is over the threshold.
inline membership_protocol::duration
membership_protocol::conviction_point(watch const& w) noexcept {
    auto const c = w.detector.conviction_time();
    if (c >= duration::max() - std::chrono::microseconds(1)) return duration::max();
    return c + std::chrono::microseconds(1);
}

inline void membership_protocol::tick_probes(duration now) {
    if (is_live(self_->m.state)) {
        for (auto& w : watches_) {
            if (w.probing || conviction_check(w) > now) continue;
            w.checked = now;
            if (auto const i = table_.find(w.name); i != npos) start_indirect(w, table_[i], now);
        }
    }
    for (auto& w : watches_) {
        if (!w.probing || now < w.probe_deadline) continue;
        w.probing = false;
        // Started ahead of the conviction point: no failure unless the
        // detector has given up by now (its local-pause guard may hold).
        if (w.detector.is_available(now)) continue;
        ++counters_.probe_failures;
        // Lifeguard: silent helpers hint that our own link is the bad one;
        // nacks from all of them mean only the target is unreachable.
        if (w.expected_nacks == 0 || w.nacks < w.expected_nacks) awareness_.apply(1);
        if (auto const i = table_.find(w.name); i != npos) suspect(table_[i], now);
    }
    for (std::size_t i = 0; i < relays_.size();) {
        if (relays_[i].deadline > now) {
            ++i;
            continue;
        }
        ++counters_.nacks_sent;
        send(relays_[i].requester, delivery::packet, nack{relays_[i].orig_seq});
        relays_[i] = std::move(relays_.back());
        relays_.pop_back();
    }
}

inline void membership_protocol::handle(envelope const& e, ping const& p, duration) {
    if (p.target.name() != self_name_) {
        ++counters_.misdirected;
        return;
    }
    send(e.sender, delivery::packet, ack{p.seq});
    // A member that thinks itself fine but is suspected here learns it at once.
    if (auto const i = table_.find(e.sender.name()); i != npos) tell_if_doubted(table_[i]);
    piggyback(e.sender);
}

inline void membership_protocol::handle(envelope const&, indirect_ping const& p, duration now) {
    if (p.target.name() == self_name_) {
        send(p.requester, delivery::packet, ack{p.seq});
        return;
    }
    ++counters_.indirect_relays;
    std::uint32_t const seq = next_seq_++;
    // Nack at 80% of the requester's wait, so that it arrives in time to
    // tell the requester its own link works (Lifeguard's nack).
    relays_.push_back({seq, p.seq, p.requester, now + cfg_.probe_timeout * 4 / 5});
    ++counters_.probes;
    send(p.target, delivery::packet, ping{seq, p.target});
}

inline void membership_protocol::handle(envelope const& e, ack const& a, duration now) {
    for (auto& w : watches_) {
        bool const direct = w.seq == a.seq && e.sender.name() == w.name;
        bool const indirect = w.probing && w.indirect_seq == a.seq;
        if (!direct && !indirect) continue;
        // Only the direct ping's ack measures the path to the member (an
        // indirect one adds a helper's two legs), and only once per ping: a
        // duplicated ack is no second sample.
        if (direct && w.ping_sent != duration::max()) {
            if (round_trips_.size() < max_round_trips) round_trips_.push_back(now - w.ping_sent);
            w.ping_sent = duration::max();
        }
        if (!w.answered) {
            // The first ack: start the statistics here. The interval from
            // the watch's creation (its placeholder heartbeat) is no
            // heartbeat interval, and one such sample would widen the
            // detector's deviation, so its conviction, for ~100 rounds.
            w.answered = true;
            w.detector = basic_phi_accrual_detector<>(cfg_.failure_detector);
        }
        w.detector.heartbeat(now);
        w.probing = false;
        awareness_.apply(-1);
        return;
    }
    for (auto it = relays_.begin(); it != relays_.end(); ++it) {
        if (it->seq != a.seq) continue;
        send(it->requester, delivery::packet, ack{it->orig_seq});
        relays_.erase(it);
        return;
    }
}

inline void membership_protocol::handle(envelope const&, nack const& n, duration) {
    for (auto& w : watches_)
        if (w.probing && w.indirect_seq == n.seq) ++w.nacks;
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_IMPL_PROTOCOL_PROBE_HPP
