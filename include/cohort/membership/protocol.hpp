// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_PROTOCOL_HPP
#define COHORT_MEMBERSHIP_PROTOCOL_HPP

// membership_protocol: gossip membership and failure detection as a sans-I/O
// state machine (SWIM + Lifeguard as in memberlist, Akka's monitoring ring
// and leader rule). No sockets, timers or clock reads:
//
//   inputs   start(now, seeds) (or bootstrap(now, members) into a formed
//            cluster), on_message(envelope, now), on_tick(now),
//            leave(now), set_tags(tags, now), join(seeds, now),
//            on_unreachable(name, reason, now),
//            on_clock_offset(envelope, offset, max_offset, now) for an
//            envelope whose HLC stamp the driver refused (stamp_check.hpp)
//   outputs  outbox()          messages to send: to whom, packet or frame
//            events()          membership_event values
//            next_deadline()   when it wants the next on_tick
//
// The driver drains outbox() and events() (and clears them) after each input,
// and wraps each outgoing message in an envelope: label(), self(),
// incarnation() and its own HLC time (make_envelope() does all but the time).
//
// Protocol, in short (docs/ARCHITECTURE.md has the reasons):
//   - Failure detection: members sit on a ring by FNV-1a 64 of their name
//     (detail/ring.hpp); each node pings the next monitored_by unsuspected
//     live members (and the suspected ones among them) every
//     heartbeat_interval. Each ack is a heartbeat of that target's
//     phi-accrual detector. When the detector gives up, the observer asks
//     indirect_checks helpers to probe (indirect_ping -> ack or nack); with no
//     ack within probe_timeout * (health + 1) it suspects the member.
//   - Suspicion (Lifeguard): a timer from suspicion_mult * max(1, log10 N) *
//     heartbeat_interval (x health + 1) up to suspicion_max_timeout_mult times
//     that, shrinking with each distinct further suspecter; on expiry the
//     member is failed. A member hearing it is suspected refutes with
//     incarnation max(own, heard) + 1.
//   - Dissemination: rumors (wire `rumor`) piggyback as a `gossip` packet
//     next to each ping and ack, and go to gossip_nodes random members every
//     gossip_interval, each sent retransmit_mult * ceil(log10(N+1)) times.
//     Anti-entropy: a view_digest to a random member every scaled
//     push_pull_interval; where views differ, push-pull (full state over a
//     frame, answered by push_pull_reply) follows. A view_digest goes to a
//     random failed member every reconnect_interval, and a message from a
//     member held failed starts a push-pull: a healed partition merges
//     within about that interval, at one small packet per interval meanwhile.
//   - Merging: a higher incarnation wins; equal incarnations merge by
//     node_state precedence; a member's word about itself is authoritative;
//     failed and left members stay as tombstones for reap_interval.
//   - Leader: the smallest node_id among active members (ids are unique by
//     name, so the smallest name).
//
// Cost per message: O(1) hash lookups, O(monitored_by) probe bookkeeping;
// only push-pull walks the whole view. A member joining or leaving the live
// set costs an O(N) memmove of the ring's 8-byte entries, and the leader
// ceasing to be active an O(N) scan for the next one.
//
// Memory (a simulated N-node cluster holds N^2 records): one record per
// member (member plus two 32-bit indices, 96 bytes with a short id and no
// tags) in detail::member_table, about 7 bytes of name index, 8 bytes of
// ring entry and 4 of alive list; no per-member node allocations.

#include <cohort/delivery.hpp>
#include <cohort/error.hpp>
#include <cohort/membership/config.hpp>
#include <cohort/membership/counters.hpp>
#include <cohort/membership/detail/answer_limiter.hpp>
#include <cohort/membership/detail/awareness.hpp>
#include <cohort/membership/detail/broadcast_queue.hpp>
#include <cohort/membership/detail/member_table.hpp>
#include <cohort/membership/detail/ring.hpp>
#include <cohort/membership/detail/suspicion.hpp>
#include <cohort/membership/detail/view_digest.hpp>
#include <cohort/membership/events.hpp>
#include <cohort/membership/member.hpp>
#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>
#include <cohort/phi_accrual.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/messages.hpp>

#include <boost/system/result.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace cohort {

/// One message the protocol wants sent.
struct outgoing {
    peer_address to;
    delivery how = delivery::packet;
    message body;
};

class membership_protocol {
public:
    using duration = std::chrono::nanoseconds;

    /// A node called `self` (its name is its identity, its address where
    /// peers reach it). `generation` is the first incarnation: pass a value
    /// that grows across restarts (the node passes wall-clock milliseconds),
    /// so a restarted node supersedes its old record. `seed` drives every
    /// random choice. Throws boost::system::system_error naming the field on
    /// a bad config, and error::length_over_limit for oversized tags.
    membership_protocol(membership_config cfg, node_id self, std::uint64_t generation,
                        std::vector<tag> tags = {}, std::uint64_t seed = 0)
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

    membership_protocol(membership_protocol const&) = delete;
    membership_protocol& operator=(membership_protocol const&) = delete;

    // ---- inputs -----------------------------------------------------------------------------

    /// Starts the protocol at `now`. With no seeds (or only this node's own
    /// address) the node forms a cluster of one and is active at once;
    /// otherwise it joins through the seeds, tried in turn with exponential
    /// backoff, and reports join_completed.
    void start(duration now, std::vector<peer_address> seeds = {}) {
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

    /// Starts at `now` as a member of an already formed cluster: this node is
    /// active at once (as start() with no seeds) and knows every entry of
    /// `members` in its state and incarnation, without a join exchange or
    /// rumors (its own entry and duplicates are skipped). Events are reported
    /// as a join would report them (node_up for each active member), unless
    /// `report_events` is false: then the members are taken in without any
    /// event (not even leader_changed; leader() is still right), which a
    /// simulator of N cores, discarding N^2 start-up events, wants. For
    /// simulations and tests of large clusters: joining N nodes through seeds
    /// costs a full-state push-pull each. Timers start at random phases.
    /// Cost O(N log N), one pass: the ring is sorted once at the end.
    void bootstrap(duration now, std::vector<member_state> const& members,
                   bool report_events = true) {
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

    /// Handles one received envelope. The envelope's sender is the peer's
    /// identity and address (a transport source address may be an ephemeral
    /// port, so it is not an input).
    void on_message(envelope const& e, duration now) {
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

    /// Handles an envelope whose HLC stamp the driver's clock refused:
    /// `offset` is how far the stamp's physical part is ahead of the
    /// driver's physical clock (negative: behind), beyond `max_offset`
    /// (membership/stamp_check.hpp decides, for node and simulator alike).
    ///
    /// Membership does not depend on the stamp: failure detection measures
    /// acks with this node's own clock, and refusing a skewed member's pings
    /// and acks would have the cluster declare a live node failed (and move
    /// its keys) for a fault of its clock, not of its process. So a live
    /// member's membership message is handled as on_message would. What
    /// would admit the sender is refused: a join (push_pull with `join`, or
    /// a join message) and any message of a sender this view does not hold
    /// live; application messages are the driver's to drop. The sender is
    /// told (a clock_offset_refused packet) and a clock_offset_exceeded event
    /// reports it, both at most once per full_state_answer_interval per
    /// address. A join under way whose seed sent the refused envelope fails
    /// with error::clock_offset_exceeded. A clock_offset_refused is handled
    /// whatever its stamp (and never answered by another). Returns whether
    /// the envelope was handled.
    bool on_clock_offset(envelope const& e, std::chrono::nanoseconds offset,
                         std::chrono::nanoseconds max_offset, duration now) {
        now_ = std::max(now_, now);
        if (e.label != cfg_.label) {
            ++counters_.received[e.body.index()];
            ++counters_.label_drops;
            return false;
        }
        if (e.sender.empty() || e.sender.name() == self_name_) return false;
        if (auto const* r = std::get_if<clock_offset_refused>(&e.body)) {
            // A refusal is news whatever its stamp, and is never answered by one.
            ++counters_.received[e.body.index()];
            ++counters_.clock_offset_handled;
            handle(e, *r, now);
            return true;
        }
        if (clock_notices_.allow(peer_address::of(e.sender), now)) {
            ++counters_.clock_offset_notices;
            send(e.sender, delivery::packet,
                 clock_offset_refused{offset.count(), max_offset.count()});
            events_.emplace_back(clock_offset_exceeded{e.sender, offset, max_offset, false});
        }
        if (is_join_answer(e.sender)) fail_join(error::clock_offset_exceeded);
        auto const i = table_.find(e.sender.name());
        bool const member = i != npos && is_live(table_[i].m.state) &&
                            table_[i].m.id == e.sender && !is_join_request(e.body) &&
                            !is_application_message(e.body.index());
        if (!member) {
            ++counters_.received[e.body.index()];
            ++counters_.clock_offset_refused;
            return false;
        }
        ++counters_.clock_offset_handled;
        on_message(e, now);
        return true;
    }

    /// Runs every timer due at `now`: probes, suspicion timeouts, gossip,
    /// push-pull, reconnect, join retries, reaping.
    void on_tick(duration now) {
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

    /// Announces a graceful leave: this node goes to leaving, the news is
    /// gossiped first, and leave_completed follows once it has spread.
    void leave(duration now) {
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

    /// Replaces this node's tags and gossips them (at a new incarnation).
    /// error::length_over_limit when they exceed max_tags_size.
    boost::system::result<void> set_tags(std::vector<tag> tags, duration now) {
        now_ = std::max(now_, now);
        if (tags_size(tags) > cfg_.max_tags_size) return error::length_over_limit;
        self_->m.tags = std::move(tags);
        ++self_->m.incarnation;
        ++view_version_;
        events_.emplace_back(tags_changed{self_->m.id});
        broadcast_self();
        return {};
    }

    /// Joins the cluster of `seeds` at run time (Serf's join works at any
    /// time): sends this node's whole view as a join push-pull to each seed in
    /// turn, with the backoff and join_timeout of start(), and merges the
    /// answer, so two clusters formed apart become one. join_completed follows
    /// the first answer from a seed (or from a member this node did not know,
    /// which can only be answering it), or reports error::join_timeout; the
    /// node stays in its own cluster either way. Before start() it is
    /// start(now, seeds). No effect unless this node is live; a join already
    /// under way is replaced. Seeds are compared with member addresses as
    /// text: the driver passes numeric addresses when it resolves names.
    void join(std::vector<peer_address> seeds, duration now) {
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

    /// Abandons a join under way: no join_completed follows, answers still
    /// arriving are merged like any push-pull.
    void cancel_join() noexcept { join_.reset(); }

    /// The driver's hint that the transport to member `name` refused a
    /// connection (down_reason::connection_refused) or lost it
    /// (connection_closed). A live member other than this node is suspected
    /// at once, without waiting for its detector (or, already suspected, this
    /// node confirms it), and the suspicion runs its normal course: a newer
    /// incarnation refutes it; if it times out, node_down carries `reason`
    /// instead of heartbeat_timeout. Other reasons, unknown names, this node
    /// and members not live are ignored.
    void on_unreachable(std::string_view name, down_reason reason, duration now) {
        now_ = std::max(now_, now);
        if (reason != down_reason::connection_refused && reason != down_reason::connection_closed)
            return;
        if (!started_ || name == self_name_ || !is_live(self_->m.state)) return;
        auto const i = table_.find(name);
        if (i == table_.npos || !is_live(table_[i].m.state)) return;
        ++counters_.unreachable_suspicions;
        set_down_hint(i, reason);
        suspect(table_[i], now);
    }

    // ---- outputs ----------------------------------------------------------------------------

    /// Messages to send, oldest first; the driver clears it once sent.
    std::vector<outgoing>& outbox() noexcept { return outbox_; }
    /// Events, oldest first; the driver clears it once handled.
    std::vector<membership_event>& events() noexcept { return events_; }

    /// The earliest time on_tick has work to do.
    duration next_deadline() const noexcept {
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

    /// An envelope around `body` from this node, without the HLC time.
    envelope make_envelope(message body) const {
        envelope e;
        e.label = cfg_.label;
        e.sender = self_->m.id;
        e.incarnation = self_->m.incarnation;
        e.body = std::move(body);
        return e;
    }

    // ---- state ------------------------------------------------------------------------------

    node_id const& self() const noexcept { return self_->m.id; }
    std::uint64_t incarnation() const noexcept { return self_->m.incarnation; }
    node_state state() const noexcept { return self_->m.state; }
    std::string const& label() const noexcept { return cfg_.label; }
    membership_config const& config() const noexcept { return cfg_; }
    membership_counters const& counters() const noexcept { return counters_; }
    /// The local health score (0 = healthy).
    unsigned health_score() const noexcept { return awareness_.score(); }

    /// The member called `name` (this node included), or null. The record
    /// does not move: the pointer stays valid until that member is reaped
    /// (or the protocol destroyed), and shows its later changes.
    member const* find(std::string_view name) const {
        auto const i = table_.find(name);
        return i == table_.npos ? nullptr : &table_[i].m;
    }
    /// The current leader, if any member is active.
    std::optional<node_id> leader() const {
        if (leader_index_ == table_.npos) return std::nullopt;
        return table_[leader_index_].m.id;
    }
    /// Members known, tombstones and this node included.
    std::size_t size() const noexcept { return table_.size(); }
    /// Live members (joining, active, suspected), this node included.
    std::size_t live_count() const noexcept { return ring_.size(); }
    /// Changes whenever a member is added, reaped, or changes state,
    /// incarnation, tags or address: a driver that publishes the view copies
    /// it (snapshot(), O(N log N)) only when this moved, not per message.
    std::uint64_t view_version() const noexcept { return view_version_; }
    /// Calls `f(name, phi)` for each member this node monitors, with the phi
    /// that phi(name, now) returns; O(monitored_by).
    template <class F>
    void for_each_monitored(duration now, F&& f) const {
        for (auto const& w : watches_)
            f(std::string_view(w.name), w.answered ? w.detector.phi(now) : 0.0);
    }
    /// A copy of the whole view, sorted by id.
    membership_snapshot snapshot() const {
        membership_snapshot s;
        s.members.reserve(table_.size());
        table_.for_each([&](index_type, record const& r) { s.members.push_back(r.m); });
        std::sort(s.members.begin(), s.members.end(),
                  [](member const& a, member const& b) { return a.id < b.id; });
        s.leader = leader();
        return s;
    }
    /// phi of the ack-based detector this node keeps for `name`, the value
    /// that decides its suspicion, at `now`; nullopt when this node does not
    /// monitor it (only `monitored_by` observers do); 0 before its first ack.
    std::optional<double> phi(std::string_view name, duration now) const {
        for (auto const& w : watches_)
            if (w.name == name) return w.answered ? w.detector.phi(now) : 0.0;
        return std::nullopt;
    }
    /// The names this node monitors (pings), in ring order.
    std::vector<std::string> monitored() const {
        std::vector<std::string> out;
        for (auto const& w : watches_) out.push_back(w.name);
        return out;
    }

private:
    using index_type = std::uint32_t;
    static constexpr index_type npos = static_cast<index_type>(-1);
    // Rumors in one correction reply (a packet's worth at most).
    static constexpr std::size_t max_corrections = 8;
    // Room for the envelope around a gossip packet's rumors.
    static constexpr std::size_t envelope_reserve = 200;

    // 96 bytes with a short id and no tags: N^2 of them in a simulation.
    struct record {
        member m;
        index_type index = npos;  // its own index in table_
        // Its position in alive_ while live, in failed_ while failed (never both).
        index_type pos = npos;
    };
    struct record_name {
        std::string_view operator()(record const& r) const noexcept { return r.m.id.name(); }
    };
    using table_type = detail::member_table<record, record_name>;
    struct index_name {
        table_type const* table;
        std::string_view operator()(index_type i) const noexcept { return table->name(i); }
    };

    // One monitored member: its detector and the probe in flight.
    struct watch {
        std::string name;
        basic_phi_accrual_detector<> detector;
        std::uint32_t seq = 0;           // the last direct ping
        std::uint32_t indirect_seq = 0;  // the indirect round's seq
        bool probing = false;            // an indirect round is running
        duration probe_deadline{};
        std::size_t expected_nacks = 0;
        std::size_t nacks = 0;
        duration checked{};              // the last scheduled conviction check
        bool answered = false;           // an ack has arrived since the watch began
    };

    // An indirect ping relayed for another member.
    struct relay {
        std::uint32_t seq;       // our ping to the target
        std::uint32_t orig_seq;  // the requester's seq
        node_id requester;
        duration deadline;
    };

    struct join_attempt {
        std::vector<peer_address> seeds;
        std::size_t next = 0;
        duration deadline{};
        duration retry_at{};
        duration backoff{};
    };

    struct tombstone {
        duration since;
        std::string name;
        std::uint64_t incarnation;
    };

    static membership_config checked(membership_config cfg) {
        validate(cfg).value();
        return cfg;
    }

    static std::size_t tags_size(std::vector<tag> const& tags) noexcept {
        std::size_t n = 0;
        for (auto const& t : tags) n += t.key.size() + t.value.size();
        return n;
    }

    static constexpr bool is_live(node_state s) noexcept {
        return s == node_state::joining || s == node_state::active || s == node_state::unknown;
    }

    // ---- message handlers -------------------------------------------------------------------

    void handle(envelope const& e, ping const& p, duration) {
        if (p.target.name() != self_name_) {
            ++counters_.misdirected;
            return;
        }
        send(e.sender, delivery::packet, ack{p.seq});
        // A member that thinks itself fine but is suspected here learns it at once.
        if (auto const i = table_.find(e.sender.name()); i != npos) tell_if_doubted(table_[i]);
        piggyback(e.sender);
    }

    void handle(envelope const&, indirect_ping const& p, duration now) {
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

    void handle(envelope const& e, ack const& a, duration now) {
        for (auto& w : watches_) {
            bool const direct = w.seq == a.seq && e.sender.name() == w.name;
            bool const indirect = w.probing && w.indirect_seq == a.seq;
            if (!direct && !indirect) continue;
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

    void handle(envelope const&, nack const& n, duration) {
        for (auto& w : watches_)
            if (w.probing && w.indirect_seq == n.seq) ++w.nacks;
    }

    void handle(envelope const&, suspect const& m, duration now) {
        apply(rumor{m.member, m.incarnation, node_state::unknown, {}, m.from}, now);
    }
    void handle(envelope const&, alive const& m, duration now) {
        apply(rumor{m.member, m.incarnation, node_state::active, m.tags, {}}, now);
    }
    void handle(envelope const&, failed const& m, duration now) {
        apply(rumor{m.member, m.incarnation, node_state::failed, {}, m.from}, now);
    }
    void handle(envelope const&, cohort::leave const& m, duration now) {
        apply(rumor{m.member, m.incarnation, node_state::leaving, {}, {}}, now);
    }
    void handle(envelope const&, cohort::join const& m, duration now) {
        apply(rumor{m.member, m.incarnation, node_state::joining, m.tags, {}}, now);
    }
    void handle(envelope const&, user_message const&, duration) {}

    void handle(envelope const& e, view_digest const& d, duration now) {
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
    // Application messages: the driver hands them to the router, not here.
    void handle(envelope const&, route_request const&, duration) {}
    void handle(envelope const&, route_reply const&, duration) {}

    void handle(envelope const& e, gossip const& g, duration now) {
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

    void handle(envelope const& e, push_pull const& p, duration now) {
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

    // A peer refused our stamp. It speaks for itself only: the event says
    // who, and a join through it fails (joining would bring two clocks that
    // far apart into one cluster, whose application messages one drops).
    void handle(envelope const& e, clock_offset_refused const& r, duration now) {
        if (is_join_answer(e.sender)) fail_join(error::clock_offset_exceeded);
        if (!clock_notices_.allow(peer_address::of(e.sender), now)) return;
        events_.emplace_back(clock_offset_exceeded{e.sender, std::chrono::nanoseconds(r.offset_ns),
                                                   std::chrono::nanoseconds(r.max_offset_ns),
                                                   true});
    }

    // A run-time join (join()) is answered by a seed, or by a member we did
    // not know (only a join or a discovery push-pull reaches those).
    bool is_join_answer(node_id const& sender) const {
        return join_ && (table_.find(sender.name()) == npos ||
                         std::find(join_->seeds.begin(), join_->seeds.end(),
                                   peer_address::of(sender)) != join_->seeds.end());
    }

    void fail_join(error ec) {
        join_.reset();
        events_.emplace_back(join_completed{make_error_code(ec)});
    }

    void handle(envelope const& e, push_pull_reply const& p, duration now) {
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

    void merge(node_id const& sender, std::vector<member_state> const& members, duration now) {
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

    // ---- merging ----------------------------------------------------------------------------

    void apply(rumor const& r, duration now) {
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

    void apply_about_self(rumor const& r) {
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

    // ---- state changes ----------------------------------------------------------------------

    // The trigger that takes `from` to `to` directly, if node_state allows it.
    static std::optional<state_trigger> trigger_for(node_state from, node_state to) noexcept {
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
    void move_state(record& rec, node_state to, duration now,
                    std::optional<node_id> const& from = std::nullopt) {
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

    void leave_state(record& rec, node_state old) {
        if (is_live(old)) {
            if (&rec != self_) remove_index(alive_, rec);
            ring_.erase(rec.index);
        }
        if (old == node_state::failed && &rec != self_) remove_index(failed_, rec);
        // The next leader is found in check_leader, once rec has its new state.
        if (old == node_state::active && rec.index == leader_index_) leader_stale_ = true;
        if (old == node_state::unknown) drop_suspicion(rec.m.id.name());
    }

    void enter_state(record& rec, std::optional<node_state> old, duration now,
                     std::optional<node_id> const& from) {
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

    void enter_ring(record& rec) { ring_.insert(rec.index); }

    void add_index(std::vector<index_type>& v, record& rec) {
        if (rec.pos != npos) return;
        rec.pos = static_cast<index_type>(v.size());
        v.push_back(rec.index);
    }
    void remove_index(std::vector<index_type>& v, record& rec) {
        index_type const i = rec.pos;
        if (i == npos) return;
        v[i] = v.back();
        table_[v[i]].pos = i;
        v.pop_back();
        rec.pos = npos;
    }

    // Why the driver found a member unreachable, while it is suspected
    // (on_unreachable): rare, so a short list rather than a field per record.
    std::optional<down_reason> down_hint(index_type i) const noexcept {
        for (auto const& [j, r] : down_hints_)
            if (j == i) return r;
        return std::nullopt;
    }
    void set_down_hint(index_type i, down_reason r) {
        clear_down_hint(i);
        down_hints_.emplace_back(i, r);
    }
    void clear_down_hint(index_type i) noexcept {
        std::erase_if(down_hints_, [&](auto const& h) { return h.first == i; });
    }

    // The leader is the smallest active name: kept as members become active,
    // searched anew only when the leader stops being active.
    void check_leader() {
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

    // ---- suspicion --------------------------------------------------------------------------

    void start_suspicion(record& rec, duration now, std::optional<node_id> const& from) {
        std::size_t const n = ring_.size();
        double const scale = std::max(1.0, std::log10(static_cast<double>(std::max<std::size_t>(n, 1))));
        auto const min = awareness_.scale(std::chrono::duration_cast<duration>(
            cfg_.heartbeat_interval * (cfg_.suspicion_mult * scale)));
        auto const max = std::chrono::duration_cast<duration>(min * cfg_.suspicion_max_timeout_mult);
        std::size_t const k =
            std::min({cfg_.suspicion_confirmations, cfg_.monitored_by - 1, n > 2 ? n - 2 : 0});
        std::string_view const who = from ? from->name() : std::string_view();
        if (who == self_name_) ++counters_.suspicions;
        else ++counters_.suspicions_heard;
        suspicions_.insert_or_assign(std::string(rec.m.id.name()),
                                     detail::suspicion(rec.m.incarnation, now, min, max, k, who));
    }

    // (Heterogeneous erase is C++23.)
    void drop_suspicion(std::string_view name) {
        if (auto it = suspicions_.find(name); it != suspicions_.end()) suspicions_.erase(it);
    }

    void tick_suspicions(duration now) {
        scratch_names_.clear();
        for (auto const& [name, s] : suspicions_)
            if (s.deadline() <= now) scratch_names_.push_back(name);
        for (auto const& name : scratch_names_) {
            auto const i = table_.find(name);
            drop_suspicion(name);
            if (i == npos || table_[i].m.state != node_state::unknown) continue;
            ++counters_.failures_declared;
            move_state(table_[i], node_state::failed, now, self_->m.id);
            broadcast(table_[i], self_->m.id);
        }
    }

    // ---- probing ----------------------------------------------------------------------------

    void probe_round(duration now) {
        refresh_watches(now);
        for (auto& w : watches_) {
            auto const i = table_.find(w.name);
            if (i == npos) continue;
            record& target = table_[i];
            w.seq = next_seq_++;
            ++counters_.probes;
            send(target.m.id, delivery::packet, ping{w.seq, target.m.id});
            if (!tell_if_doubted(target)) piggyback(target.m.id);
            // is_available() runs every round so that its local-pause guard works.
            if (!w.detector.is_available(now) && !w.probing) start_indirect(w, target, now);
        }
    }

    void start_indirect(watch& w, record& target, duration now) {
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
    void pick_random(std::size_t n, record const* skip) {
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
    duration conviction_check(watch const& w) const noexcept {
        auto const c = conviction_point(w);
        if (c == duration::max()) return duration::max();
        auto const due = c - awareness_.scale(cfg_.probe_timeout);
        return due > w.checked ? due : duration::max();
    }
    // 1 µs past the model's conviction point, where phi is over the threshold.
    static duration conviction_point(watch const& w) noexcept {
        auto const c = w.detector.conviction_time();
        if (c >= duration::max() - std::chrono::microseconds(1)) return duration::max();
        return c + std::chrono::microseconds(1);
    }

    void tick_probes(duration now) {
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

    void suspect(record& rec, duration now) {
        node_state const s = rec.m.state;
        if (s == node_state::joining || s == node_state::active) {
            move_state(rec, node_state::unknown, now, self_->m.id);
            broadcast(rec, self_->m.id);
        } else if (s == node_state::unknown) {
            auto it = suspicions_.find(rec.m.id.name());
            if (it != suspicions_.end() && it->second.confirm(self_name_)) {
                ++counters_.suspicions;
                broadcast(rec, self_->m.id);
            }
        }
        // leaving and failed members are never suspected (node_state forbids it).
    }

    // The monitored set: the next monitored_by unsuspected live members
    // clockwise, and the suspected ones among and just after them (up to
    // monitored_by of those), as in Akka's HeartbeatNodeRing. Suspected members
    // do not count, so observers further back take over a member whose nearer
    // observers are suspected: in a partition, the members whose observers are
    // all on the far side are watched as soon as those are suspected, not
    // only once they are failed (which convicted a partition in waves).
    void refresh_watches(duration now) {
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

    // ---- dissemination ----------------------------------------------------------------------

    rumor rumor_of(record const& rec, std::optional<node_id> const& from) const {
        bool const doubt = rec.m.state == node_state::unknown || rec.m.state == node_state::failed;
        return rumor{rec.m.id, rec.m.incarnation, rec.m.state, rec.m.tags,
                     doubt ? from : std::nullopt};
    }

    void broadcast(record const& rec, std::optional<node_id> const& from) {
        queue_.push(rumor_of(rec, from));
        // Fresh news brings the next gossip round forward, to a quarter of
        // gossip_interval after the last one: a change crosses the cluster in
        // hops of tens of milliseconds instead of 100 ms on average, while a
        // node under churn still gossips at most 4x as often (rumors batched).
        next_gossip_ = std::min(next_gossip_, std::max(now_, last_gossip_ + cfg_.gossip_interval / 4));
    }
    void broadcast_self() { broadcast(*self_, std::nullopt); }

    unsigned retransmit_limit() const noexcept {
        return detail::retransmit_limit(cfg_.retransmit_mult, ring_.size());
    }

    void piggyback(node_id const& to) {
        if (queue_.empty()) return;
        gossip g;
        queue_.take(cfg_.packet_budget - envelope_reserve, cfg_.packet_budget, retransmit_limit(),
                    g.rumors);
        if (g.rumors.empty()) return;
        counters_.rumors_sent += g.rumors.size();
        send(to, delivery::packet, std::move(g));
    }

    // Sends `rec` its own doubtful record so that it refutes; true if sent.
    bool tell_if_doubted(record const& rec) {
        if (rec.m.state != node_state::unknown && rec.m.state != node_state::failed) return false;
        gossip g;
        g.rumors.push_back(rumor_of(rec, self_->m.id));
        ++counters_.rumors_sent;
        send(rec.m.id, delivery::packet, std::move(g));
        return true;
    }

    void gossip_round() {
        if (queue_.empty() || alive_.empty()) return;
        ++counters_.gossip_rounds;
        pick_random(cfg_.gossip_nodes, nullptr);
        for (record* r : scratch_helpers_) piggyback(r->m.id);
        scratch_helpers_.clear();
    }

    // The view's digest (detail/view_digest.hpp): O(N), once per push-pull
    // interval and per digest received.
    std::uint64_t digest() const {
        std::uint64_t sum = 0;
        table_.for_each([&](index_type, record const& r) {
            sum += detail::entry_digest(r.m.id, r.m.incarnation, r.m.state, r.m.tags);
        });
        return sum;
    }

    std::vector<member_state> full_state() const {
        std::vector<member_state> out;
        out.reserve(table_.size());
        table_.for_each([&](index_type, record const& r) {
            out.push_back({r.m.id, r.m.incarnation, r.m.state, r.m.tags});
        });
        return out;
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
    void discover(envelope const& e, duration now) {
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

    std::size_t max_discovering() const noexcept { return 4 * cfg_.monitored_by + 64; }

    duration push_pull_interval() const noexcept {
        // memberlist's pushPullScale: interval * ceil(log2(N) - log2(32) + 1) above 32.
        std::size_t const n = ring_.size();
        if (n <= 32) return cfg_.push_pull_interval;
        double const mult = std::ceil(std::log2(static_cast<double>(n)) - 5.0 + 1.0);
        return cfg_.push_pull_interval * static_cast<std::int64_t>(mult);
    }

    // ---- join, leave, reap ------------------------------------------------------------------

    void send_join(duration now) {
        auto& j = *join_;
        ++counters_.join_attempts;
        // The whole view (just this node on a first join): a run-time join
        // hands the seed's cluster every member of ours at once, as memberlist does.
        send_to(j.seeds[j.next % j.seeds.size()], delivery::frame, push_pull{true, full_state()});
        j.next = (j.next + 1) % j.seeds.size();
        j.retry_at = now + j.backoff;
        j.backoff = std::min(j.backoff * 2, cfg_.join_retry_max_interval);
    }

    void tick_join(duration now) {
        if (now >= join_->deadline) {
            join_.reset();
            events_.emplace_back(join_completed{make_error_code(error::join_timeout)});
            return;
        }
        if (now >= join_->retry_at) send_join(now);
    }

    void tick_reap(duration now) {
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

    void tick_leave(duration now) {
        if (!leave_deadline_) return;
        if (now >= *leave_deadline_ || !queue_.contains(self_name_)) finish_leave();
    }

    void finish_leave() {
        leave_deadline_.reset();
        events_.emplace_back(leave_completed{});
    }

    // ---- plumbing ---------------------------------------------------------------------------

    void send(node_id const& to, delivery how, message body) {
        send_to(peer_address::of(to), how, std::move(body));
    }
    void send_to(peer_address to, delivery how, message body) {
        ++counters_.sent[body.index()];
        outbox_.push_back({std::move(to), how, std::move(body)});
    }

    record* random_of(std::vector<index_type> const& v) {
        return &table_[v[static_cast<std::size_t>(rng_() % v.size())]];
    }

    membership_config cfg_;
    detail::awareness awareness_;
    membership_counters counters_;

    table_type table_;
    // Unknown senders we pushed our state to, and when (see discover()).
    std::unordered_map<std::string, duration, detail::string_hash, std::equal_to<>> discovering_;
    detail::answer_limiter answers_{cfg_.full_state_answer_interval, cfg_.full_state_answer_addresses};
    // clock_offset_refused sent, and clock_offset_exceeded reported, per address.
    detail::answer_limiter clock_notices_{cfg_.full_state_answer_interval,
                                          cfg_.full_state_answer_addresses};
    record* self_ = nullptr;
    std::string_view self_name_;
    std::vector<index_type> alive_;   // other live members, for random picks
    std::vector<index_type> failed_;  // other failed members, for reconnect
    index_type leader_index_ = npos;  // the smallest active name (see check_leader)
    bool leader_stale_ = false;       // the leader stopped being active
    std::string leader_;              // the leader last reported
    bool quiet_ = false;              // bootstrap without events
    std::vector<std::pair<index_type, down_reason>> down_hints_;
    // Live members (this node included once started) by ring position.
    detail::basic_monitoring_ring<index_type, index_name> ring_{index_name{&table_}};
    std::unordered_map<std::string, detail::suspicion, detail::string_hash, std::equal_to<>>
        suspicions_;
    std::deque<tombstone> tombstones_;
    detail::broadcast_queue queue_;

    std::vector<watch> watches_;
    std::uint64_t view_version_ = 0;  // see view_version()
    std::uint64_t watched_version_ = static_cast<std::uint64_t>(-1);  // ring_.version() of watches_
    std::vector<relay> relays_;
    std::uint32_t next_seq_ = 1;

    std::optional<join_attempt> join_;
    std::optional<duration> leave_deadline_;
    bool started_ = false;
    duration now_{};
    duration next_probe_{};
    duration next_gossip_{};
    duration last_gossip_{};  // the last periodic gossip round
    duration next_push_pull_{};
    std::optional<duration> digest_answered_;  // the last full state sent for a digest
    duration next_reconnect_{};

    std::vector<outgoing> outbox_;
    std::vector<membership_event> events_;
    std::vector<std::string> scratch_names_;
    std::vector<std::string_view> scratch_views_;
    std::vector<record*> scratch_helpers_;
    // Last: its 2.5 KB of state sit apart from the fields every message reads
    // (a simulator runs 10,000 cores, each input to a cold one).
    std::mt19937_64 rng_;
};

} // namespace cohort

#endif // COHORT_MEMBERSHIP_PROTOCOL_HPP
