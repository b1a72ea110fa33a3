// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_MEMORY_NETWORK_HPP
#define COHORT_TRANSPORT_MEMORY_NETWORK_HPP

// basic_memory_network: a network inside one process, the medium that
// basic_memory_transport endpoints (memory_transport.hpp) talk through, for
// single-node mode, tests and the simulator. It injects faults from one
// seeded generator: loss, latency, duplication and reordering of packets
// (fault_model), one-way and two-way partitions between sets of endpoints,
// and crashes and restarts of endpoints.
//
// Threading: a network and its transports live on one executor and are not
// thread-safe. Call them, and run their completion handlers, on one thread
// (or through one strand: make Executor a strand type).
//
// Time: every message in flight waits in one priority queue ordered by
// (due time, send order). With memory_time_source::steady_clock one timer
// per network, armed at the earliest due time, delivers what is due. With
// memory_time_source::manual no timer exists: virtual time moves only when
// the owner calls advance_to() (or run_virtual_until()), so tests and the
// simulator run thousands of virtual seconds in milliseconds.
//
// Determinism: all randomness comes from std::mt19937_64 seeded with
// memory_network_config::seed, through platform-exact draws (detail/fault_model.hpp);
// messages due at the same time leave in send order. On manual time the
// same seed and the same calls give the same run, message for message, on
// any standard library. (On steady_clock the interleaving of sends and
// deliveries depends on real time, so only the fault statistics repeat.)
//
// Cost per packet: one hash lookup of the destination, the draws the fault
// model needs, a push into and a pop from the queue (24-byte entries; the
// bodies live in a recycled slab), and two posted completions (the send's
// and the receive's). The payload vector is the only allocation (plus one
// for a duplicate's copy) besides the handler memory Asio recycles.

#include <cohort/error.hpp>
#include <cohort/transport/detail/fault_model.hpp>
#include <cohort/transport/detail/memory_endpoint.hpp>
#include <cohort/transport/detail/partition_table.hpp>
#include <cohort/transport/transport.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/assert.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cohort {

/// Where a memory network's time comes from.
enum class memory_time_source : std::uint8_t {
    /// std::chrono::steady_clock; one timer per network delivers messages.
    steady_clock,
    /// Virtual time, starting at zero and moved only by advance_to() or
    /// run_virtual_until(). Reproducible to the message.
    manual,
};

/// Which way a partition cuts.
enum class partition_direction : std::uint8_t {
    both,    ///< nothing passes between the two sets
    a_to_b,  ///< nothing passes from the first set to the second; the reverse flows
};

/// Configuration of a basic_memory_network.
struct memory_network_config {
    /// Seed of the network's std::mt19937_64. Same seed, same run (on manual time).
    std::uint64_t seed = 1;

    /// The fault model of every pair of endpoints without one of its own
    /// (basic_memory_network::set_faults). The default injects nothing.
    fault_model faults{};

    /// The largest packet an endpoint sends (transport::packet_budget()):
    /// the default is udp_tcp_transport's. Must be at least 1.
    std::size_t packet_budget = 1400;

    /// The largest frame an endpoint sends: 4 MiB. Must be at least 1.
    std::size_t max_frame_size = std::size_t{4} << 20;

    /// How many delivered messages an endpoint holds before its application
    /// receives them; a packet beyond this is dropped (drops_queue_full).
    /// Frames model TCP, which pushes back instead of dropping, and are kept
    /// even beyond it. Must be at least 1.
    std::size_t receive_queue_capacity = 1024;

    /// Real or virtual time.
    memory_time_source time_source = memory_time_source::steady_clock;
};

/// Checks `cfg`; the error names the field that broke a rule.
inline boost::system::result<void, config_error>
validate(memory_network_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return config_error{error::invalid_config, field, rule};
    };
    if (auto r = validate(cfg.faults); !r)
        return r;
    if (cfg.packet_budget == 0)
        return fail("memory_network_config.packet_budget", "must be at least 1");
    if (cfg.max_frame_size == 0)
        return fail("memory_network_config.max_frame_size", "must be at least 1");
    if (cfg.receive_queue_capacity == 0)
        return fail("memory_network_config.receive_queue_capacity", "must be at least 1");
    if (cfg.time_source != memory_time_source::steady_clock &&
        cfg.time_source != memory_time_source::manual)
        return fail("memory_network_config.time_source", "must be steady_clock or manual");
    return {};
}

/// What the fault model did, network-wide (its drops are in the
/// transport_counters: drops_loss, drops_partition, drops_crashed).
struct memory_fault_counters {
    std::uint64_t duplicated = 0;  ///< packets that got a second copy
    std::uint64_t reordered = 0;   ///< packets held back by a reorder delay

    friend bool operator==(memory_fault_counters const&, memory_fault_counters const&) = default;
};

namespace detail {

// udp::endpoint has no std::hash.
struct endpoint_hash {
    std::size_t operator()(boost::asio::ip::udp::endpoint const& e) const noexcept {
        auto const a = e.address();
        std::uint64_t h = 0;
        if (a.is_v4()) {
            h = a.to_v4().to_uint();
        } else {
            auto const v6 = a.to_v6();
            for (auto b : v6.to_bytes())
                h = (h ^ b) * 0x100000001b3ULL;  // FNV-1a
            h ^= v6.scope_id();
        }
        h = (h << 16) ^ e.port();
        // splitmix64's finaliser spreads the bits over the whole word.
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
        return static_cast<std::size_t>(h ^ (h >> 31));
    }
};

} // namespace detail

template <class Executor>
class basic_memory_transport;

/// A network of in-process endpoints with injected faults. See the top of
/// this header for threading, time and determinism. It must outlive the
/// transports attached to it; it is neither copyable nor movable (they
/// point at it).
///
/// Endpoints are addressed by udp::endpoint, so they look like real peers
/// (10.0.0.1:7946). An address gets an index the first time the network
/// hears of it; crash state, partitions and per-pair fault models attach to
/// addresses, so they survive a transport being closed and reopened.
///
/// What happens to a message, checked when it is sent and again when it is
/// due; the first failing check wins. A drop is counted once, in the
/// network's counters and in those of the transport at the end where it was
/// decided: the sender's at send time, the receiver's at delivery.
///
/// - Over the size limit (checked by the transport): refused with
///   error::packet_too_large or error::frame_too_large; drops_oversize.
/// - Cut by a partition: drops_partition. A frame is refused at send with
///   boost::asio::error::host_unreachable.
/// - Destination crashed: drops_crashed. A frame is refused at send with
///   boost::asio::error::connection_refused.
/// - No transport at the address (never opened, closed, destroyed):
///   drops_closed. A frame is refused at send with connection_refused.
/// - Injected loss (packets only): drops_loss.
/// - Receive queue full (packets only; frames are kept): drops_queue_full.
///
/// A frame that passed the send checks can still die in flight, as a TCP
/// connection can: by a partition, a crash or a close before it is due.
/// A message in flight is dropped when its destination crashes before it is
/// due, even if the destination restarts in between: it was sent to the old
/// incarnation. Frames between two endpoints keep their order and are never
/// lost or duplicated by the fault model: each takes a sampled latency, but
/// never arrives before the frame sent before it (a TCP stream).
template <class Executor = boost::asio::any_io_executor>
class basic_memory_network {
public:
    using executor_type = Executor;
    using endpoint_type = boost::asio::ip::udp::endpoint;
    /// A set of endpoints, for partition() and heal().
    using endpoint_set = std::vector<endpoint_type>;

    /// Throws boost::system::system_error (naming the field) on a bad config.
    explicit basic_memory_network(executor_type ex, memory_network_config const& cfg = {})
        : ex_(std::move(ex)), cfg_(checked(cfg)), rng_(cfg.seed), timer_(ex_),
          epoch_(std::chrono::steady_clock::now()) {}

    /// Runs on the context's executor.
    template <class ExecutionContext>
        requires std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&>
    explicit basic_memory_network(ExecutionContext& ctx, memory_network_config const& cfg = {})
        : basic_memory_network(executor_type(ctx.get_executor()), cfg) {}

    basic_memory_network(basic_memory_network const&) = delete;
    basic_memory_network& operator=(basic_memory_network const&) = delete;

    ~basic_memory_network() {
        BOOST_ASSERT_MSG(attached_ == 0, "memory_network destroyed before its transports");
    }

    executor_type get_executor() const noexcept { return ex_; }

    /// The configuration; `faults` is the current default fault model.
    memory_network_config const& config() const noexcept { return cfg_; }

    /// Time since the network's epoch: its construction on steady_clock,
    /// zero on manual time.
    std::chrono::nanoseconds now() const noexcept {
        if (cfg_.time_source == memory_time_source::manual)
            return now_;
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now() - epoch_);
    }

    // Faults ---------------------------------------------------------------

    /// The default fault model.
    fault_model const& faults() const noexcept { return cfg_.faults; }

    /// The fault model applied from `from` to `to`.
    fault_model faults(endpoint_type const& from, endpoint_type const& to) const {
        auto f = find_slot(from), t = find_slot(to);
        return f && t ? faults_for(*f, *t) : cfg_.faults;
    }

    /// Replaces the default fault model, for messages sent from now on.
    /// Throws boost::system::system_error on an invalid model.
    void set_faults(fault_model const& m) {
        validate(m).value();
        cfg_.faults = m;
    }

    /// Gives the directed pair `from` -> `to` its own fault model.
    /// Throws boost::system::system_error on an invalid model.
    void set_faults(endpoint_type const& from, endpoint_type const& to, fault_model const& m) {
        validate(m).value();
        pair_faults_[pair_key(slot_of(from), slot_of(to))] = m;
    }

    /// Returns `from` -> `to` to the default fault model.
    void clear_faults(endpoint_type const& from, endpoint_type const& to) {
        auto f = find_slot(from), t = find_slot(to);
        if (f && t)
            pair_faults_.erase(pair_key(*f, *t));
    }

    // Partitions -----------------------------------------------------------

    /// Cuts the links between `a` and `b`: both ways, or only from a to b.
    /// Messages already in flight across a cut link are dropped when due.
    void partition(endpoint_set const& a, endpoint_set const& b,
                   partition_direction direction = partition_direction::both) {
        auto const ia = slots_of(a), ib = slots_of(b);
        partitions_.block(ia, ib);
        if (direction == partition_direction::both)
            partitions_.block(ib, ia);
    }

    /// Restores every link.
    void heal() noexcept { partitions_.clear(); }

    /// Restores the links between `a` and `b` (both ways, or only from a
    /// to b), whichever partition() cut them; other cuts stay.
    void heal(endpoint_set const& a, endpoint_set const& b,
              partition_direction direction = partition_direction::both) {
        auto const ia = slots_of(a), ib = slots_of(b);
        partitions_.unblock(ia, ib);
        if (direction == partition_direction::both)
            partitions_.unblock(ib, ia);
    }

    /// Whether a partition cuts `from` -> `to`.
    bool partitioned(endpoint_type const& from, endpoint_type const& to) const {
        auto f = find_slot(from), t = find_slot(to);
        return f && t && partitions_.blocked(*f, *t);
    }

    // Crashes --------------------------------------------------------------

    /// Crashes the endpoint at `address`: its queued messages and those in
    /// flight to it are dropped (drops_crashed), its waiting receives
    /// complete with boost::asio::error::network_down, as do its transport's
    /// operations until restart(); messages sent to it are dropped and
    /// frames refused. No effect on a crashed endpoint.
    void crash(endpoint_type const& address) {
        slot& s = slots_[slot_of(address)];
        if (s.crashed)
            return;
        s.crashed = true;
        ++s.incarnation;  // whatever is in flight was sent to the old one
        if (auto* ep = s.attached) {
            auto const n = ep->drop_queue();
            ep->counters().drops_crashed += n;
            shared_.counters.drops_crashed += n;
            ep->fail_waiters(boost::asio::error::network_down);
        }
    }

    /// Brings a crashed endpoint back, with an empty receive queue; its
    /// transport works again. (A new transport opened at a crashed address
    /// restarts it too.) No effect on a running endpoint.
    void restart(endpoint_type const& address) { slots_[slot_of(address)].crashed = false; }

    /// Whether the endpoint at `address` is crashed.
    bool crashed(endpoint_type const& address) const {
        auto i = find_slot(address);
        return i && slots_[*i].crashed;
    }

    // Time -----------------------------------------------------------------

    /// When the earliest message in flight is due, if any.
    std::optional<std::chrono::nanoseconds> next_due() const noexcept {
        if (in_flight_.empty())
            return std::nullopt;
        return in_flight_.front().due;
    }

    /// Manual time only: moves time forward to `t` (never back), delivering
    /// in order every message due by then; returns how many were due. The
    /// completions are posted, so run the executor afterwards. To let
    /// handlers answer at the right virtual time, go one due time at a time
    /// (run_virtual_until() does).
    std::size_t advance_to(std::chrono::nanoseconds t) {
        BOOST_ASSERT_MSG(cfg_.time_source == memory_time_source::manual,
                         "advance_to() needs memory_time_source::manual");
        if (cfg_.time_source != memory_time_source::manual)
            return 0;
        std::size_t const n = deliver_until(t);
        now_ = std::max(now_, t);
        return n;
    }

    /// How many messages are in flight (sent, not yet due).
    std::size_t in_flight() const noexcept { return in_flight_.size(); }

    // Counters -------------------------------------------------------------

    /// Everything every endpoint sent and received, and every drop,
    /// including those no transport was left to count.
    transport_counters counters() const noexcept { return shared_.counters; }

    /// Duplications and reorderings injected so far.
    memory_fault_counters fault_counters() const noexcept { return fault_counters_; }

private:
    template <class>
    friend class basic_memory_transport;

    using endpoint_state = detail::memory_endpoint<Executor>;
    using counter = std::uint64_t transport_counters::*;

    struct slot {
        endpoint_type address;
        endpoint_state* attached = nullptr;
        std::uint32_t incarnation = 0;
        bool crashed = false;
    };

    // A message in flight is a small, trivially copyable heap entry and a
    // body in a recycled slab: the heap's sift moves 24 bytes, not 56, and
    // the bodies stay put.
    struct message {
        std::uint32_t from;
        std::uint32_t to;
        std::uint32_t to_incarnation;
        delivery kind;
        std::vector<std::byte> bytes;
    };

    struct entry {
        std::chrono::nanoseconds due;
        std::uint64_t seq;  // send order: breaks ties between equal due times
        std::uint32_t body;  // index into bodies_
    };

    // std::*_heap keeps the largest on top: "larger" is "due later".
    struct later {
        bool operator()(entry const& a, entry const& b) const noexcept {
            return a.due != b.due ? a.due > b.due : a.seq > b.seq;
        }
    };

    static memory_network_config const& checked(memory_network_config const& cfg) {
        validate(cfg).value();
        return cfg;
    }

    static std::uint64_t pair_key(std::uint32_t from, std::uint32_t to) noexcept {
        return (std::uint64_t{from} << 32) | to;
    }

    std::optional<std::uint32_t> find_slot(endpoint_type const& address) const {
        auto it = index_.find(address);
        if (it == index_.end())
            return std::nullopt;
        return it->second;
    }

    std::uint32_t slot_of(endpoint_type const& address) {
        auto [it, added] = index_.try_emplace(address, static_cast<std::uint32_t>(slots_.size()));
        if (added)
            slots_.push_back(slot{address});
        return it->second;
    }

    std::vector<std::uint32_t> slots_of(endpoint_set const& set) {
        std::vector<std::uint32_t> out;
        out.reserve(set.size());
        for (auto const& e : set)
            out.push_back(slot_of(e));
        return out;
    }

    fault_model const& faults_for(std::uint32_t from, std::uint32_t to) const {
        if (!pair_faults_.empty()) {
            auto it = pair_faults_.find(pair_key(from, to));
            if (it != pair_faults_.end())
                return it->second;
        }
        return cfg_.faults;
    }

    // For basic_memory_transport ------------------------------------------

    // Attaches a transport's endpoint at `address`; throws address_in_use.
    void attach(endpoint_state& ep) {
        std::uint32_t const i = slot_of(ep.address());
        slot& s = slots_[i];
        if (s.attached)
            boost::throw_exception(boost::system::system_error(
                boost::asio::error::address_in_use, "memory_network: address in use"));
        s.attached = &ep;
        s.crashed = false;  // a new process at a crashed address: a restart
        ep.slot = i;
        ++attached_;
    }

    // After this, what is in flight to the address finds nobody (drops_closed).
    void detach(endpoint_state& ep) noexcept {
        slot& s = slots_[ep.slot];
        BOOST_ASSERT(s.attached == &ep);
        s.attached = nullptr;
        --attached_;
    }

    bool is_crashed(endpoint_state const& ep) const noexcept { return slots_[ep.slot].crashed; }

    void drop(counter field, endpoint_state* ep) noexcept {
        ++(shared_.counters.*field);
        if (ep)
            ++(ep->counters().*field);
    }

    void count_out(endpoint_state& ep, delivery kind, std::size_t bytes) noexcept {
        for (transport_counters* c : {&shared_.counters, &ep.counters()}) {
            if (kind == delivery::packet)
                ++c->packets_out;
            else
                ++c->frames_out;
            c->bytes_out += bytes;
        }
    }

    // Sends a packet of at most packet_budget bytes from `ep` (running, not
    // crashed). Success means "handed to the network", as with UDP.
    boost::system::error_code send_packet(endpoint_state& ep, endpoint_type const& to,
                                          std::vector<std::byte>&& bytes) {
        count_out(ep, delivery::packet, bytes.size());
        auto const t = find_slot(to);
        if (!t) {
            drop(&transport_counters::drops_closed, &ep);
            return {};
        }
        slot const& dst = slots_[*t];
        if (!partitions_.empty() && partitions_.blocked(ep.slot, *t))
            drop(&transport_counters::drops_partition, &ep);
        else if (dst.crashed)
            drop(&transport_counters::drops_crashed, &ep);
        else if (!dst.attached)
            drop(&transport_counters::drops_closed, &ep);
        else if (packet_fate const f = decide_packet(faults_for(ep.slot, *t), rng_); f.lost)
            drop(&transport_counters::drops_loss, &ep);
        else {
            auto const sent = now();
            fault_counters_.reordered += f.reordered ? 1 : 0;
            std::vector<std::byte> copy;
            if (f.duplicated) {
                ++fault_counters_.duplicated;
                copy = bytes;
            }
            schedule(sent + f.delay, ep.slot, *t, delivery::packet, std::move(bytes));
            if (f.duplicated)
                schedule(sent + f.duplicate_delay, ep.slot, *t, delivery::packet,
                         std::move(copy));
        }
        return {};
    }

    // Sends a frame of at most max_frame_size bytes from `ep`; refused at
    // once when the destination is unreachable, as a TCP connect would be.
    boost::system::error_code send_frame(endpoint_state& ep, endpoint_type const& to,
                                         std::vector<std::byte>&& bytes) {
        count_out(ep, delivery::frame, bytes.size());
        auto const t = find_slot(to);
        if (!t) {
            drop(&transport_counters::drops_closed, &ep);
            return boost::asio::error::connection_refused;
        }
        slot const& dst = slots_[*t];
        if (!partitions_.empty() && partitions_.blocked(ep.slot, *t)) {
            drop(&transport_counters::drops_partition, &ep);
            return boost::asio::error::host_unreachable;
        }
        if (dst.crashed || !dst.attached) {
            drop(dst.crashed ? &transport_counters::drops_crashed
                             : &transport_counters::drops_closed,
                 &ep);
            return boost::asio::error::connection_refused;
        }
        // In order per pair: never due before the previous frame. Equal due
        // times leave in send order.
        auto due = now() + sample_latency(faults_for(ep.slot, *t), rng_);
        auto& tail = frame_tails_[pair_key(ep.slot, *t)];
        due = std::max(due, tail);
        tail = due;
        schedule(due, ep.slot, *t, delivery::frame, std::move(bytes));
        return {};
    }

    // Delivery --------------------------------------------------------------

    void schedule(std::chrono::nanoseconds due, std::uint32_t from, std::uint32_t to,
                  delivery kind, std::vector<std::byte>&& bytes) {
        message m{from, to, slots_[to].incarnation, kind, std::move(bytes)};
        std::uint32_t body;
        if (free_bodies_.empty()) {
            body = static_cast<std::uint32_t>(bodies_.size());
            bodies_.push_back(std::move(m));
        } else {
            body = free_bodies_.back();
            free_bodies_.pop_back();
            bodies_[body] = std::move(m);
        }
        in_flight_.push_back(entry{due, seq_++, body});
        std::push_heap(in_flight_.begin(), in_flight_.end(), later{});
        if (cfg_.time_source == memory_time_source::steady_clock && (!armed_ || due < armed_at_))
            arm(due);
    }

    std::size_t deliver_until(std::chrono::nanoseconds t) {
        std::size_t n = 0;
        while (!in_flight_.empty() && in_flight_.front().due <= t) {
            std::pop_heap(in_flight_.begin(), in_flight_.end(), later{});
            entry const e = in_flight_.back();
            in_flight_.pop_back();
            if (cfg_.time_source == memory_time_source::manual)
                now_ = std::max(now_, e.due);
            message& m = bodies_[e.body];
            deliver(m);  // schedules nothing, so m stays put
            m.bytes = std::vector<std::byte>();  // a dropped payload goes now
            free_bodies_.push_back(e.body);
            ++n;
        }
        return n;
    }

    void deliver(message& m) {
        slot const& dst = slots_[m.to];
        endpoint_state* const ep = dst.attached;
        if (dst.crashed || dst.incarnation != m.to_incarnation)
            drop(&transport_counters::drops_crashed, ep);
        else if (!partitions_.empty() && partitions_.blocked(m.from, m.to))
            drop(&transport_counters::drops_partition, ep);
        else if (!ep)
            drop(&transport_counters::drops_closed, nullptr);
        else if (m.kind == delivery::packet && !ep->has_waiters() &&
                 ep->queued() >= cfg_.receive_queue_capacity)
            drop(&transport_counters::drops_queue_full, ep);
        else
            ep->deliver(basic_inbound<endpoint_type>{m.kind, slots_[m.from].address,
                                                     std::move(m.bytes)});
    }

    // steady_clock: one wait, at the earliest due time. A re-arm supersedes
    // the previous wait (its completion is ignored by generation).
    void arm(std::chrono::nanoseconds due) {
        armed_ = true;
        armed_at_ = due;
        std::uint64_t const generation = ++generation_;
        timer_.expires_at(epoch_ +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(due));
        timer_.async_wait([this, alive = std::weak_ptr<void>(alive_),
                           generation](boost::system::error_code ec) {
            // A completion queued before the network died must not touch it.
            if (alive.expired() || ec == boost::asio::error::operation_aborted ||
                generation != generation_)
                return;
            armed_ = false;
            deliver_until(now());
            if (!in_flight_.empty())
                arm(in_flight_.front().due);
        });
    }

    using timer_type = boost::asio::basic_waitable_timer<
        std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, Executor>;

    executor_type ex_;
    memory_network_config cfg_;
    std::mt19937_64 rng_;

    std::vector<slot> slots_;
    std::unordered_map<endpoint_type, std::uint32_t, detail::endpoint_hash> index_;
    std::unordered_map<std::uint64_t, fault_model> pair_faults_;
    std::unordered_map<std::uint64_t, std::chrono::nanoseconds> frame_tails_;
    detail::partition_table partitions_;
    std::size_t attached_ = 0;

    std::vector<entry> in_flight_;  // a heap under later{}
    std::vector<message> bodies_;
    std::vector<std::uint32_t> free_bodies_;
    std::uint64_t seq_ = 0;

    timer_type timer_;
    std::chrono::steady_clock::time_point epoch_;
    std::chrono::nanoseconds now_{0};  // manual time
    std::chrono::nanoseconds armed_at_{0};
    std::uint64_t generation_ = 0;
    bool armed_ = false;
    std::shared_ptr<void> alive_ = std::make_shared<char>();

    detail::memory_network_shared<Executor> shared_{ex_};  // counters, receive work
    memory_fault_counters fault_counters_{};
};

/// A memory network on any_io_executor.
using memory_network = basic_memory_network<>;

/// Runs `ctx`'s ready handlers and a manual-time network together up to
/// virtual time `until`: polls `ctx`, moves time to the next due message,
/// polls again, and so on; then sets the time to `until`. Each batch of
/// handlers thus runs at the virtual time its messages arrived, and what they
/// send is stamped with it. Returns the number of handlers run. Real timers
/// on `ctx` do not advance; a stopped `ctx` is restarted.
template <class Executor>
std::size_t run_virtual_until(boost::asio::io_context& ctx, basic_memory_network<Executor>& net,
                              std::chrono::nanoseconds until) {
    std::size_t handlers = 0;
    auto const poll = [&] {
        if (ctx.stopped())
            ctx.restart();
        handlers += ctx.poll();
    };
    poll();
    for (auto due = net.next_due(); due && *due <= until; due = net.next_due()) {
        net.advance_to(*due);
        poll();
    }
    net.advance_to(until);
    return handlers;
}

/// run_virtual_until(ctx, net, net.now() + duration).
template <class Executor>
std::size_t run_virtual_for(boost::asio::io_context& ctx, basic_memory_network<Executor>& net,
                            std::chrono::nanoseconds duration) {
    return run_virtual_until(ctx, net, net.now() + duration);
}

} // namespace cohort

#endif // COHORT_TRANSPORT_MEMORY_NETWORK_HPP
