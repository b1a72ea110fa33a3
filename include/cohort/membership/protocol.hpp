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
//            round_trips()     direct probes' ping-to-ack times (metrics)
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
//
// This file declares the class: its public API with its documentation, its
// private types and data. The member functions' bodies live in
// membership/impl/protocol_*.hpp, one seam each, included at the end (the
// list there says which file holds what).

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
                        std::vector<tag> tags = {}, std::uint64_t seed = 0);

    membership_protocol(membership_protocol const&) = delete;
    membership_protocol& operator=(membership_protocol const&) = delete;

    // ---- inputs -----------------------------------------------------------------------------

    /// Starts the protocol at `now`. With no seeds (or only this node's own
    /// address) the node forms a cluster of one and is active at once;
    /// otherwise it joins through the seeds, tried in turn with exponential
    /// backoff, and reports join_completed.
    void start(duration now, std::vector<peer_address> seeds = {});

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
                   bool report_events = true);

    /// Handles one received envelope. The envelope's sender is the peer's
    /// identity and address (a transport source address may be an ephemeral
    /// port, so it is not an input).
    void on_message(envelope const& e, duration now);

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
                         std::chrono::nanoseconds max_offset, duration now);

    /// Runs every timer due at `now`: probes, suspicion timeouts, gossip,
    /// push-pull, reconnect, join retries, reaping.
    void on_tick(duration now);

    /// Announces a graceful leave: this node goes to leaving, the news is
    /// gossiped first, and leave_completed follows once it has spread.
    void leave(duration now);

    /// Replaces this node's tags and gossips them (at a new incarnation).
    /// error::length_over_limit when they exceed max_tags_size.
    boost::system::result<void> set_tags(std::vector<tag> tags, duration now);

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
    void join(std::vector<peer_address> seeds, duration now);

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
    void on_unreachable(std::string_view name, down_reason reason, duration now);

    // ---- outputs ----------------------------------------------------------------------------

    /// Messages to send, oldest first; the driver clears it once sent.
    std::vector<outgoing>& outbox() noexcept { return outbox_; }
    /// Events, oldest first; the driver clears it once handled.
    std::vector<membership_event>& events() noexcept { return events_; }
    /// Round trips of direct probes (ping sent to its ack heard), oldest
    /// first, for latency metrics; the driver clears it once read. Holds at
    /// most max_round_trips: a driver that never reads it loses the newest.
    std::vector<duration>& round_trips() noexcept { return round_trips_; }
    static constexpr std::size_t max_round_trips = 1024;

    /// The earliest time on_tick has work to do.
    duration next_deadline() const noexcept;

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
        duration ping_sent = duration::max();  // when it was sent; max once acked
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

    static constexpr bool is_live(node_state s) noexcept {
        return s == node_state::joining || s == node_state::active || s == node_state::unknown;
    }

    // ---- construction, dispatch, timers, plumbing: impl/protocol_inputs.hpp -----------------

    static membership_config checked(membership_config cfg);
    static std::size_t tags_size(std::vector<tag> const& tags) noexcept;
    void handle(envelope const&, user_message const&, duration);
    void handle(envelope const&, route_request const&, duration);
    void handle(envelope const&, route_reply const&, duration);
    void send(node_id const& to, delivery how, message body);
    void send_to(peer_address to, delivery how, message body);
    record* random_of(std::vector<index_type> const& v);

    // ---- join, leave, reap: impl/protocol_join.hpp ------------------------------------------

    void send_join(duration now);
    void tick_join(duration now);
    bool is_join_answer(node_id const& sender) const;
    void fail_join(error ec);
    void tick_leave(duration now);
    void finish_leave();
    void tick_reap(duration now);

    // ---- probing: impl/protocol_probe.hpp ---------------------------------------------------

    void refresh_watches(duration now);
    void probe_round(duration now);
    void start_indirect(watch& w, record& target, duration now);
    void pick_random(std::size_t n, record const* skip);
    duration conviction_check(watch const& w) const noexcept;
    static duration conviction_point(watch const& w) noexcept;
    void tick_probes(duration now);
    void handle(envelope const& e, ping const& p, duration);
    void handle(envelope const&, indirect_ping const& p, duration now);
    void handle(envelope const& e, ack const& a, duration now);
    void handle(envelope const&, nack const& n, duration);

    // ---- suspicion: impl/protocol_suspicion.hpp ---------------------------------------------

    void suspect(record& rec, duration now);
    std::optional<down_reason> down_hint(index_type i) const noexcept;
    void set_down_hint(index_type i, down_reason r);
    void clear_down_hint(index_type i) noexcept;
    void start_suspicion(record& rec, duration now, std::optional<node_id> const& from);
    void drop_suspicion(std::string_view name);
    void tick_suspicions(duration now);

    // ---- dissemination: impl/protocol_dissemination.hpp -------------------------------------

    rumor rumor_of(record const& rec, std::optional<node_id> const& from) const;
    void broadcast(record const& rec, std::optional<node_id> const& from);
    void broadcast_self();
    unsigned retransmit_limit() const noexcept;
    void piggyback(node_id const& to);
    bool tell_if_doubted(record const& rec);
    void gossip_round();
    void handle(envelope const& e, gossip const& g, duration now);
    void handle(envelope const&, cohort::suspect const& m, duration now);
    void handle(envelope const&, alive const& m, duration now);
    void handle(envelope const&, failed const& m, duration now);
    void handle(envelope const&, cohort::leave const& m, duration now);
    void handle(envelope const&, cohort::join const& m, duration now);

    // ---- anti-entropy: impl/protocol_anti_entropy.hpp ---------------------------------------

    std::uint64_t digest() const;
    std::vector<member_state> full_state() const;
    duration push_pull_interval() const noexcept;
    void handle(envelope const& e, view_digest const& d, duration now);
    void handle(envelope const& e, push_pull const& p, duration now);
    void handle(envelope const& e, push_pull_reply const& p, duration now);
    void merge(node_id const& sender, std::vector<member_state> const& members, duration now);
    void discover(envelope const& e, duration now);
    std::size_t max_discovering() const noexcept;

    // ---- merging: impl/protocol_merge.hpp ---------------------------------------------------

    void apply(rumor const& r, duration now);
    void apply_about_self(rumor const& r);

    // ---- state changes: impl/protocol_state.hpp ---------------------------------------------

    static std::optional<state_trigger> trigger_for(node_state from, node_state to) noexcept;
    void move_state(record& rec, node_state to, duration now,
                    std::optional<node_id> const& from = std::nullopt);
    void leave_state(record& rec, node_state old);
    void enter_state(record& rec, std::optional<node_state> old, duration now,
                     std::optional<node_id> const& from);
    void enter_ring(record& rec);
    void add_index(std::vector<index_type>& v, record& rec);
    void remove_index(std::vector<index_type>& v, record& rec);
    void check_leader();

    // ---- clock offsets: impl/protocol_clock_offset.hpp --------------------------------------

    void handle(envelope const& e, clock_offset_refused const& r, duration now);

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
    std::vector<duration> round_trips_;
    std::vector<std::string> scratch_names_;
    std::vector<std::string_view> scratch_views_;
    std::vector<record*> scratch_helpers_;
    // Last: its 2.5 KB of state sit apart from the fields every message reads
    // (a simulator runs 10,000 cores, each input to a cold one).
    std::mt19937_64 rng_;
};

} // namespace cohort

// The member functions' bodies, one seam per file:
//   inputs         the constructor, on_message's dispatch, on_tick, next_deadline, set_tags, send
//   join           start, bootstrap, join, leave, and reaping tombstones
//   probe          the monitored set, direct and indirect probes, ping, ack and nack
//   suspicion      suspect, on_unreachable, Lifeguard's suspicion timeouts
//   dissemination  rumors, piggybacking, gossip rounds, the one-rumor messages
//   anti_entropy   digests, push-pull (and the join's answer), discovery
//   merge          which rumor wins; refuting accusations about this node
//   state          state transitions, their indices and events, the leader
//   clock_offset   on_clock_offset and clock_offset_refused
#include <cohort/membership/impl/protocol_inputs.hpp>
#include <cohort/membership/impl/protocol_join.hpp>
#include <cohort/membership/impl/protocol_probe.hpp>
#include <cohort/membership/impl/protocol_suspicion.hpp>
#include <cohort/membership/impl/protocol_dissemination.hpp>
#include <cohort/membership/impl/protocol_anti_entropy.hpp>
#include <cohort/membership/impl/protocol_merge.hpp>
#include <cohort/membership/impl/protocol_state.hpp>
#include <cohort/membership/impl/protocol_clock_offset.hpp>

#endif // COHORT_MEMBERSHIP_PROTOCOL_HPP
