// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SIM_SIMULATOR_HPP
#define COHORT_SIM_SIMULATOR_HPP

// simulator: many membership_protocol cores in one process, in virtual time,
// over a seeded faulty network. Event-driven: one agenda orders every tick
// (each core at its own next_deadline()), every message in flight and every
// user callback by (virtual time, insertion order), so the same seed and the
// same calls give the same run, bit for bit (trace_hash() checks it).
//
// Faults: packet loss (frames are reliable but cut by partitions and
// crashes), delay and jitter, per-node and per-pair link overrides,
// partitions into groups and heal, crash and restart under the same name
// (a newer generation), pauses (a paused node neither ticks nor receives;
// its inbound queues until resume), clock skew and drift per node (a core
// perceives offset + t * (1 + drift), and so does its HLC: every envelope is
// stamped and every stamp checked as basic_node does, so a skew past
// hlc.max_offset refuses joins and user messages as it would for real).
//
// The cores are driven directly, not through a transport: a message costs a
// heap push and pop, a hash lookup and the core's own work.
//
//   simulator sim(cfg);
//   for (int i = 0; i < 50; ++i) sim.add_node();
//   sim.bootstrap_all();                     // or start(i, seeds) to join
//   sim.at(10s, [&] { sim.crash(3); });
//   sim.run_until(60s);
//   sim.trace();  sim.core(0).snapshot();  sim.counters();  sim.trace_hash();

#include <cohort/hlc.hpp>
#include <cohort/membership/protocol.hpp>
#include <cohort/membership/stamp_check.hpp>
#include <cohort/sim/config.hpp>
#include <cohort/sim/counters.hpp>
#include <cohort/sim/detail/event_queue.hpp>
#include <cohort/sim/sim_event.hpp>
#include <cohort/wire/binary_codec.hpp>

#include <boost/throw_exception.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cohort {

/// How a node is created (every field optional).
struct sim_node_options {
    /// The node's name; "n<index>" when empty. Its address is made up by the
    /// simulator ("s<k>:<port>"), unique per node.
    std::string name;
    /// The node's tags.
    std::vector<tag> tags;
    /// Overrides simulator_config::membership for this node (e.g. another label).
    std::optional<membership_config> membership;
    /// The node's clock error.
    clock_error clock;
};

/// A user_message a node received.
struct sim_user_message {
    std::chrono::nanoseconds at{};
    std::size_t from = 0;
    std::size_t to = 0;
    user_message message;
};

class simulator {
public:
    using duration = std::chrono::nanoseconds;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    /// Throws boost::system::system_error naming the field on a bad config.
    explicit simulator(simulator_config cfg = {})
        : cfg_(checked(std::move(cfg))), rng_(cfg_.seed), hash_(0xcbf29ce484222325ULL ^ cfg_.seed) {}

    simulator(simulator const&) = delete;
    simulator& operator=(simulator const&) = delete;

    // ---- building the cluster ---------------------------------------------------------------

    /// Adds a node (not started) and returns its index.
    std::size_t add_node(sim_node_options opts = {}) {
        std::size_t const i = nodes_.size();
        if (opts.name.empty()) opts.name = "n" + std::to_string(i);
        if (auto r = validate(opts.clock); !r)
            boost::throw_exception(boost::system::system_error(r.error().code, r.error().message()));
        // Short ids stay in std::string's small buffer: "n9999@s0:19999".
        auto id = node_id::from_parts(opts.name, "s" + std::to_string(i / 50000),
                                      static_cast<std::uint16_t>(10000 + i % 50000));
        if (!id) boost::throw_exception(boost::system::system_error(id.error(), "sim_node_options.name"));
        node n;
        n.id = std::move(*id);
        n.cfg = opts.membership ? std::move(*opts.membership) : cfg_.membership;
        n.tags = std::move(opts.tags);
        n.clock = opts.clock;
        n.generation = 1;
        n.core = make_core(i, n);
        n.hlc = make_hlc(i);
        if (!by_address_.emplace(peer_address::of(n.id), static_cast<std::uint32_t>(i)).second)
            boost::throw_exception(std::invalid_argument("simulator: duplicate address"));
        nodes_.push_back(std::move(n));
        return i;
    }

    /// Starts node i now, joining through the nodes `seeds` (none: it forms
    /// a cluster of one). Does nothing if it already runs.
    void start(std::size_t i, std::vector<std::size_t> const& seeds = {}) {
        node& n = nodes_.at(i);
        if (n.started) return;
        std::vector<peer_address> addresses;
        addresses.reserve(seeds.size());
        for (auto s : seeds) addresses.push_back(peer_address::of(nodes_.at(s).id));
        n.started = true;
        n.core->start(core_time(n, now_), std::move(addresses));
        collect(i);
    }

    /// Starts the (not yet started) nodes `which` now as one converged
    /// cluster: each knows all of them active (membership_protocol::bootstrap),
    /// without join traffic. Their start-up events are not reported (for
    /// 10,000 nodes they would be 10^8).
    void bootstrap(std::vector<std::size_t> const& which) {
        std::vector<member_state> members;
        members.reserve(which.size());
        for (auto i : which) {
            node const& n = nodes_.at(i);
            members.push_back({n.id, n.core->incarnation(), node_state::active, n.tags});
        }
        for (auto i : which) {
            node& n = nodes_[i];
            if (n.started) continue;
            n.started = true;
            // Without events: they would be discarded here.
            n.core->bootstrap(core_time(n, now_), members, false);
            std::vector<membership_event>().swap(n.core->events());  // start()'s, and its capacity
            collect(i);
        }
    }
    /// bootstrap() of every node added so far.
    void bootstrap_all() { bootstrap(all()); }

    // ---- faults -----------------------------------------------------------------------------

    /// Node i stops at once: no more ticks, messages to it are dropped, and
    /// frames it sent that are still in flight are cut (packets still arrive).
    void crash(std::size_t i) {
        node& n = nodes_.at(i);
        if (!n.up) return;
        n.up = false;
        ++n.life;
        n.tick_at = never;
        for (auto slot : n.held) release(slot);
        n.held.clear();
        n.held_packets = 0;
        n.paused = false;
    }

    /// Replaces node i by a new process under the same name and address, at
    /// generation (first incarnation) one above the old process's incarnation,
    /// joining through `seeds`. Crashes it first if it runs.
    void restart(std::size_t i, std::vector<std::size_t> const& seeds) {
        crash(i);
        node& n = nodes_.at(i);
        n.generation = n.core->incarnation() + 1;
        n.core = make_core(i, n);
        n.hlc = make_hlc(i);  // a new process: its clock state starts afresh
        n.up = true;
        n.started = false;
        ++n.life;
        start(i, seeds);
    }

    /// Node i stalls (a GC pause, a stopped VM): no ticks, and messages to it
    /// wait until resume() (packets beyond paused_inbox_limit are dropped).
    /// Its clock keeps running, so on resume it sees the time jump.
    void pause(std::size_t i) {
        node& n = nodes_.at(i);
        if (!n.up) return;
        n.paused = true;
    }

    /// Ends a pause: the held messages are delivered now, in arrival order.
    void resume(std::size_t i) {
        node& n = nodes_.at(i);
        if (!n.up || !n.paused) return;
        n.paused = false;
        n.held_packets = 0;
        for (auto slot : n.held) queue_.push(now_.count(), detail::agenda_kind::deliver, slot);
        n.held.clear();
        n.tick_at = never;
        reschedule(i, false);
    }

    /// Node i leaves gracefully now.
    void leave(std::size_t i) {
        node& n = nodes_.at(i);
        if (!n.up) return;
        n.core->leave(core_time(n, now_));
        collect(i);
    }

    /// Splits the network: messages cross only between nodes of the same
    /// group. Nodes in no listed group form one more group together.
    void partition(std::vector<std::vector<std::size_t>> const& groups) {
        for (auto& n : nodes_) n.group = 0;
        std::uint32_t g = 0;
        for (auto const& group : groups) {
            ++g;
            for (auto i : group) nodes_.at(i).group = g;
        }
    }
    /// Ends every partition.
    void heal() {
        for (auto& n : nodes_) n.group = 0;
    }

    /// The default faults of every link.
    void set_network(link_faults f) {
        check(validate(f));
        cfg_.network = f;
    }
    /// Faults of every message node i sends or receives (nullopt: none). A pair
    /// override wins over this; the sender's override wins over the receiver's.
    void set_node_faults(std::size_t i, std::optional<link_faults> f) {
        if (f) check(validate(*f));
        nodes_.at(i).faults = f;
    }
    /// Faults of messages from `from` to `to` (one direction).
    void set_link_faults(std::size_t from, std::size_t to, std::optional<link_faults> f) {
        auto const key = pair_key(from, to);
        if (!f) {
            pair_faults_.erase(key);
            return;
        }
        check(validate(*f));
        pair_faults_[key] = *f;
    }
    /// Node i's clock error from now on (its core may see time jump).
    void set_clock(std::size_t i, clock_error c) {
        check(validate(c));
        node& n = nodes_.at(i);
        n.clock = c;
        n.tick_at = never;
        if (n.up && n.started && !n.paused) reschedule(i, false);
    }

    // ---- user logic -------------------------------------------------------------------------

    /// Calls `f` at virtual time `t` (now, if `t` has passed).
    void at(duration t, std::function<void()> f) {
        std::uint32_t slot;
        if (!free_calls_.empty()) {
            slot = free_calls_.back();
            free_calls_.pop_back();
            calls_[slot] = std::move(f);
        } else {
            slot = static_cast<std::uint32_t>(calls_.size());
            calls_.push_back(std::move(f));
        }
        queue_.push(std::max(t, now_).count(), detail::agenda_kind::call, slot);
    }
    /// Calls `f` after `d` of virtual time.
    void after(duration d, std::function<void()> f) { at(now_ + d, std::move(f)); }

    /// Called for every membership event, as it happens (it may call the
    /// simulator, e.g. to crash a node when another sees something).
    void on_event(std::function<void(sim_event const&)> f) { on_event_ = std::move(f); }
    /// Called for every user_message delivered.
    void on_user_message(std::function<void(sim_user_message const&)> f) {
        on_user_message_ = std::move(f);
    }

    /// Sends `m` from node `from` to node `to` through the faulty network.
    void send_user_message(std::size_t from, std::size_t to, user_message m,
                           delivery how = delivery::packet) {
        node& n = nodes_.at(from);
        if (!n.up) return;
        route(from, peer_address::of(nodes_.at(to).id), how, message(std::move(m)));
    }

    /// Runs `f(core, core_now)` on node i's core (e.g. set_tags) and sends what
    /// it produced.
    template <class F>
    void act(std::size_t i, F&& f) {
        node& n = nodes_.at(i);
        if (!n.up) return;
        std::forward<F>(f)(*n.core, core_time(n, now_));
        collect(i);
    }

    // ---- running ----------------------------------------------------------------------------

    /// Runs every event up to and including virtual time `t`; now() is then `t`.
    void run_until(duration t) {
        for (std::uint64_t step = 0; step < cfg_.max_steps; ++step) {
            if (queue_.empty() || queue_.top().at > t.count()) {
                now_ = std::max(now_, t);
                return;
            }
            auto const e = queue_.pop();
            if (!queue_.empty()) prefetch(queue_.top());
            dispatch(e);
        }
        boost::throw_exception(std::runtime_error("simulator: max_steps reached"));
    }
    /// run_until(now() + d).
    void run_for(duration d) { run_until(now_ + d); }

    /// Runs in steps of `step` until `pred()` holds or `limit` has passed;
    /// the virtual time it held at (checked at step boundaries), or nothing.
    template <class Pred>
    std::optional<duration> run_until(Pred pred, duration limit,
                                      duration step = std::chrono::milliseconds(100)) {
        duration const end = now_ + limit;
        while (true) {
            if (pred()) return now_;
            if (now_ >= end) return std::nullopt;
            run_until(std::min(end, now_ + step));
        }
    }

    // ---- observing --------------------------------------------------------------------------

    duration now() const noexcept { return now_; }
    std::size_t size() const noexcept { return nodes_.size(); }
    std::vector<std::size_t> all() const {
        std::vector<std::size_t> v(nodes_.size());
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = i;
        return v;
    }
    membership_protocol const& core(std::size_t i) const { return *nodes_.at(i).core; }
    node_id const& id(std::size_t i) const { return nodes_.at(i).id; }
    /// The node called `name`, or npos.
    std::size_t index_of(std::string_view name) const {
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            if (nodes_[i].id.name() == name) return i;
        return npos;
    }
    bool is_up(std::size_t i) const { return nodes_.at(i).up; }
    bool is_paused(std::size_t i) const { return nodes_.at(i).paused; }
    /// The time node i's core perceives now.
    duration clock_of(std::size_t i) const { return core_time(nodes_.at(i), now_); }

    /// Every membership event so far (if record_trace), in order.
    std::vector<sim_event> const& trace() const noexcept { return trace_; }
    void clear_trace() noexcept { trace_.clear(); }
    /// A hash of every event and delivery so far (times, nodes, contents):
    /// equal hashes mean, in practice, identical runs.
    std::uint64_t trace_hash() const noexcept { return hash_; }
    sim_counters const& counters() const noexcept { return counters_; }

    /// Whether every up, started node of `among` sees every node of `among`
    /// in state `s`.
    bool all_see(std::vector<std::size_t> const& among, node_state s) const {
        for (auto i : among) {
            node const& n = nodes_.at(i);
            if (!n.up || !n.started) continue;
            if (s == node_state::active && n.core->live_count() < among.size()) return false;
            for (auto j : among) {
                member const* m = n.core->find(nodes_[j].id.name());
                if (!m || m->state != s) return false;
            }
        }
        return true;
    }
    /// all_see(among, active): the views of `among` agree that all are active.
    bool converged(std::vector<std::size_t> const& among) const {
        return all_see(among, node_state::active);
    }
    /// Whether every up, started node of `observers` (other than `target`)
    /// sees `target` in state `s`.
    bool others_see(std::vector<std::size_t> const& observers, std::size_t target,
                    node_state s) const {
        for (auto i : observers) {
            node const& n = nodes_.at(i);
            if (i == target || !n.up || !n.started) continue;
            member const* m = n.core->find(nodes_.at(target).id.name());
            if (!m || m->state != s) return false;
        }
        return true;
    }

private:
    static constexpr std::int64_t never = INT64_MAX;

    // A node's HLC reads the node's clock, from an arbitrary epoch (late 2023)
    // so that a negative skew stays a valid wall time.
    struct wall_clock_of {
        simulator const* sim = nullptr;
        std::size_t index = 0;
        static constexpr std::int64_t epoch_ns = 1'700'000'000'000'000'000;
        std::uint64_t now() const noexcept {
            auto const t = epoch_ns + core_time(sim->nodes_[index], sim->now_).count();
            return t < 0 ? 0 : static_cast<std::uint64_t>(t);
        }
    };

    struct node {
        std::unique_ptr<membership_protocol> core;
        std::unique_ptr<basic_hlc<wall_clock_of>> hlc;  // not movable: an atomic
        node_id id;
        membership_config cfg;
        std::vector<tag> tags;
        clock_error clock;
        std::optional<link_faults> faults;
        std::uint64_t generation = 1;
        std::uint32_t life = 0;     // bumped by crash and restart: stale ticks and frames die
        std::uint32_t group = 0;    // partition group
        bool up = true;
        bool started = false;
        bool paused = false;
        std::int64_t tick_at = never;  // the live tick entry's time
        std::vector<std::uint32_t> held;  // flights waiting for resume()
        std::size_t held_packets = 0;
    };

    struct flight {
        envelope e;
        std::uint32_t from = 0;
        std::uint32_t to = 0;
        std::uint32_t from_life = 0;
        std::uint32_t bytes = 0;
        delivery how = delivery::packet;
    };

    struct address_hash {
        std::size_t operator()(peer_address const& a) const noexcept {
            return std::hash<std::string_view>{}(a.host) * 31 + a.port;
        }
    };

    static simulator_config checked(simulator_config cfg) {
        check(validate(cfg));
        return cfg;
    }
    static void check(boost::system::result<void, config_error> const& r) {
        if (!r) boost::throw_exception(boost::system::system_error(r.error().code, r.error().message()));
    }

    static std::uint64_t pair_key(std::size_t from, std::size_t to) noexcept {
        return (static_cast<std::uint64_t>(from) << 32) | static_cast<std::uint64_t>(to);
    }

    static std::uint64_t mix(std::uint64_t x) noexcept {
        // splitmix64's finalizer
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    }
    void hash_in(std::uint64_t v) noexcept { hash_ = mix(hash_ ^ v); }
    void hash_in(std::string_view s) noexcept { hash_in(detail::fnv1a_64(s)); }

    std::unique_ptr<basic_hlc<wall_clock_of>> make_hlc(std::size_t i) const {
        return std::make_unique<basic_hlc<wall_clock_of>>(wall_clock_of{this, i}, cfg_.hlc);
    }

    std::unique_ptr<membership_protocol> make_core(std::size_t i, node const& n) const {
        std::uint64_t const seed = mix(cfg_.seed ^ mix(i * 0x100000001b3ULL + n.generation));
        return std::make_unique<membership_protocol>(n.cfg, n.id, n.generation, n.tags, seed);
    }

    // ---- clocks -----------------------------------------------------------------------------

    static duration core_time(node const& n, duration v) noexcept {
        if (n.clock.drift == 0.0) return v + n.clock.offset;
        return v + n.clock.offset +
               duration(static_cast<std::int64_t>(std::llround(static_cast<double>(v.count()) *
                                                               n.clock.drift)));
    }
    // The first virtual time at which node n's clock reads at least `c`.
    static std::int64_t virtual_time(node const& n, duration c) noexcept {
        duration const base = c - n.clock.offset;
        if (n.clock.drift == 0.0) return base.count();
        auto v = static_cast<std::int64_t>(
            std::ceil(static_cast<double>(base.count()) / (1.0 + n.clock.drift)));
        for (int k = 0; k < 4 && core_time(n, duration(v)) < c; ++k) ++v;
        return v;
    }

    // ---- the agenda -------------------------------------------------------------------------

    void dispatch(detail::agenda_entry const& e) {
        now_ = duration(e.at);
        switch (e.kind) {
        case detail::agenda_kind::tick: {
            node& n = nodes_[e.ref];
            if (!n.up || n.paused || n.life != e.aux || n.tick_at != e.at) return;
            n.tick_at = never;
            ++counters_.ticks;
            n.core->on_tick(core_time(n, now_));
            collect(e.ref, true);
            return;
        }
        case detail::agenda_kind::deliver: deliver(e.ref); return;
        case detail::agenda_kind::call: {
            auto f = std::move(calls_[e.ref]);
            calls_[e.ref] = nullptr;
            free_calls_.push_back(e.ref);
            f();
            return;
        }
        }
    }

    // Asks the memory system for the core the next agenda entry goes to
    // while this one runs: with thousands of cores, each input meets a cold
    // core. A hint only; nothing is read that the dispatch would not read.
    void prefetch(detail::agenda_entry const& e) const noexcept {
        std::uint32_t i = e.ref;
        if (e.kind == detail::agenda_kind::deliver) i = flights_[e.ref].to;
        else if (e.kind != detail::agenda_kind::tick) return;
        auto const* p = reinterpret_cast<char const*>(nodes_[i].core.get());
        constexpr std::size_t span = std::min<std::size_t>(sizeof(membership_protocol), 2048);
        for (std::size_t off = 0; off < span; off += 64) __builtin_prefetch(p + off);
    }

    // Schedules node i's next tick at its core's next_deadline (in virtual time).
    void reschedule(std::size_t i, bool after_tick) {
        node& n = nodes_[i];
        if (!n.up || !n.started || n.paused) return;
        duration const d = n.core->next_deadline();
        if (d == duration::max()) {
            n.tick_at = never;
            return;
        }
        std::int64_t v = virtual_time(n, d);
        // A tick makes progress; never tick twice at the same instant.
        std::int64_t const floor = after_tick ? now_.count() + 1 : now_.count();
        v = std::max(v, floor);
        if (v == n.tick_at) return;
        n.tick_at = v;
        queue_.push(v, detail::agenda_kind::tick, static_cast<std::uint32_t>(i), n.life);
    }

    // Sends node i's outbox to the network, reschedules it, then reports its
    // events (last: a callback may act on the simulator).
    void collect(std::size_t i, bool after_tick = false) {
        {
            node& n = nodes_[i];
            auto& out = n.core->outbox();
            for (auto& o : out) route(i, o.to, o.how, std::move(o.body));
            out.clear();
            n.core->round_trips().clear();  // latency metrics: not simulated
        }
        reschedule(i, after_tick);
        auto& evs = nodes_[i].core->events();
        if (evs.empty()) return;
        std::vector<membership_event> local;
        local.swap(evs);
        for (auto& ev : local) report(i, std::move(ev));
    }

    void report(std::size_t i, membership_event ev) {
        hash_in(0xe0ULL + ev.index());
        hash_in(static_cast<std::uint64_t>(now_.count()));
        hash_in(static_cast<std::uint64_t>(i));
        std::visit(
            [&](auto const& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (requires { x.id; }) hash_in(x.id.str());
                if constexpr (std::is_same_v<T, state_changed>) {
                    hash_in(static_cast<std::uint64_t>(x.to));
                    hash_in(x.incarnation);
                } else if constexpr (std::is_same_v<T, node_down>) {
                    hash_in(static_cast<std::uint64_t>(x.reason));
                } else if constexpr (std::is_same_v<T, leader_changed>) {
                    hash_in(x.leader ? x.leader->str() : std::string_view("-"));
                } else if constexpr (std::is_same_v<T, join_completed>) {
                    hash_in(static_cast<std::uint64_t>(x.ec.value()));
                } else if constexpr (std::is_same_v<T, clock_offset_exceeded>) {
                    hash_in(x.peer.str());
                    hash_in(static_cast<std::uint64_t>(x.offset.count()));
                    hash_in(x.refused_by_peer ? 1U : 0U);
                }
            },
            ev);
        sim_event se{now_, i, std::move(ev)};
        if (on_event_) on_event_(se);
        if (cfg_.record_trace) trace_.push_back(std::move(se));
    }

    link_faults const& faults_of(std::uint32_t from, std::uint32_t to) const {
        if (!pair_faults_.empty()) {
            auto it = pair_faults_.find(pair_key(from, to));
            if (it != pair_faults_.end()) return it->second;
        }
        if (nodes_[from].faults) return *nodes_[from].faults;
        if (nodes_[to].faults) return *nodes_[to].faults;
        return cfg_.network;
    }

    double uniform() noexcept { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

    std::size_t wire_size(envelope const& e) {
        detail::binary_sizer sizer{limits_, binary_magic.size() + 1 + hlc_timestamp_wire_size, {}};
        detail::binary_measure(sizer, e.label);
        detail::binary_measure(sizer, e.sender);
        detail::binary_measure(sizer, e.incarnation);
        detail::binary_measure(sizer, e.body);
        detail::binary_measure(sizer, e.auth_tag);
        if (sizer.ec || sizer.size > limits_.max_message_size) {
            ++counters_.codec_errors;
            return 0;
        }
        return sizer.size;
    }

    void route(std::size_t from, peer_address const& to_address, delivery how, message body) {
        ++counters_.sent;
        auto it = by_address_.find(to_address);
        if (it == by_address_.end()) {
            ++counters_.unroutable;
            return;
        }
        std::uint32_t const to = it->second;
        auto const from32 = static_cast<std::uint32_t>(from);
        link_faults const& f = faults_of(from32, to);
        // Draw loss and latency for every message, so that a message's fate
        // does not shift every later draw when a fault is toggled.
        double const u = uniform();
        std::uint64_t const r = rng_();
        node const& src = nodes_[from];
        envelope e = src.core->make_envelope(std::move(body));
        e.time = src.hlc->now();
        std::size_t bytes = 0;
        if (cfg_.fidelity == wire_fidelity::measure) {
            bytes = wire_size(e);
        } else if (cfg_.fidelity == wire_fidelity::round_trip) {
            buffer_.clear();
            if (auto ec = codec_.encode(e, buffer_)) {
                ++counters_.codec_errors;
                return;
            }
            bytes = buffer_.size();
            auto decoded = codec_.decode(buffer_);
            if (!decoded) {
                ++counters_.codec_errors;
                return;
            }
            e = std::move(*decoded);
        }
        counters_.bytes_sent += bytes;
        counters_.bytes_sent_by_type[e.body.index()] += bytes;
        if (how == delivery::packet && f.loss > 0.0 && u < f.loss) {
            ++counters_.lost;
            return;
        }
        auto const span = static_cast<std::uint64_t>(f.jitter.count());
        std::int64_t const latency =
            f.delay.count() + static_cast<std::int64_t>(span ? r % (span + 1) : 0);
        std::uint32_t slot;
        if (!free_flights_.empty()) {
            slot = free_flights_.back();
            free_flights_.pop_back();
        } else {
            slot = static_cast<std::uint32_t>(flights_.size());
            flights_.emplace_back();
        }
        flight& fl = flights_[slot];
        fl.e = std::move(e);
        fl.from = from32;
        fl.to = to;
        fl.from_life = src.life;
        fl.bytes = static_cast<std::uint32_t>(bytes);
        fl.how = how;
        queue_.push(now_.count() + latency, detail::agenda_kind::deliver, slot);
    }

    void release(std::uint32_t slot) {
        flights_[slot].e.body = ping{};  // frees a large body now
        free_flights_.push_back(slot);
    }

    void deliver(std::uint32_t slot) {
        flight& f = flights_[slot];
        node& to = nodes_[f.to];
        node const& from = nodes_[f.from];
        if (!to.up || !to.started || (f.how == delivery::frame && from.life != f.from_life)) {
            ++counters_.cut_by_crash;
            return release(slot);
        }
        if (to.group != from.group) {
            ++counters_.cut_by_partition;
            return release(slot);
        }
        if (to.paused) {
            if (f.how == delivery::packet) {
                if (to.held_packets >= cfg_.paused_inbox_limit) {
                    ++counters_.paused_overflow;
                    return release(slot);
                }
                ++to.held_packets;
            }
            to.held.push_back(slot);
            return;
        }
        ++counters_.delivered;
        ++counters_.delivered_by_type[f.e.body.index()];
        counters_.bytes_delivered += f.bytes;
        hash_in((static_cast<std::uint64_t>(f.from) << 40) ^ (static_cast<std::uint64_t>(f.to) << 8) ^
                f.e.body.index());
        hash_in(static_cast<std::uint64_t>(now_.count()));
        std::uint32_t const to_index = f.to;
        std::uint32_t const from_index = f.from;
        bool accepted = true;
        if (auto const stamp = check_stamp(*to.hlc, f.e); !stamp.offset) {
            to.core->on_message(f.e, core_time(to, now_));
        } else {
            accepted = to.core->on_clock_offset(f.e, *stamp.offset, cfg_.hlc.max_offset,
                                                core_time(to, now_)) &&
                       !is_application_message(f.e.body.index());
            ++(accepted ? counters_.clock_offset_handled : counters_.clock_offset_refused);
        }
        std::optional<user_message> um;
        if (auto* p = std::get_if<user_message>(&f.e.body); p && on_user_message_ && accepted)
            um = std::move(*p);
        release(slot);
        collect(to_index);
        if (um) {
            ++counters_.user_messages;
            on_user_message_(sim_user_message{now_, from_index, to_index, std::move(*um)});
        }
    }

    simulator_config cfg_;
    std::mt19937_64 rng_;
    std::uint64_t hash_;
    duration now_{};
    std::vector<node> nodes_;
    // Looked up for every message sent: a flat map saves a cache miss or two.
    boost::unordered_flat_map<peer_address, std::uint32_t, address_hash> by_address_;
    std::unordered_map<std::uint64_t, link_faults> pair_faults_;
    detail::event_queue queue_;
    std::vector<flight> flights_;
    std::vector<std::uint32_t> free_flights_;
    std::vector<std::function<void()>> calls_;
    std::vector<std::uint32_t> free_calls_;
    std::vector<sim_event> trace_;
    sim_counters counters_;
    std::function<void(sim_event const&)> on_event_;
    std::function<void(sim_user_message const&)> on_user_message_;
    wire_limits limits_;
    binary_codec codec_;
    std::vector<std::byte> buffer_;
};

} // namespace cohort

#endif // COHORT_SIM_SIMULATOR_HPP
