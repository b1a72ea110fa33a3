// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_HPP
#define COHORT_NODE_HPP

// basic_node: drives the sans-I/O membership core (membership/protocol.hpp)
// over a transport and a codec, on Boost.Asio.
//
// Two coroutines on the transport's executor feed the core: one receives
// (decode, label check, HLC update, on_message), one sleeps until the core's
// next_deadline() (on_tick). After each input the driver sends the outbox
// (each envelope stamped with the node's HLC time), queues the events, and
// publishes a snapshot of the view and the counters under a mutex, so that
// members(), leader() and counters() may be called from any thread.
//
// Time. The core's monotonic time is steady_clock::now().time_since_epoch();
// on a memory_network with memory_time_source::manual it is the network's
// virtual time instead, and since no timer sees virtual time move, whoever
// advances it calls poll_time() afterwards (on the executor).
//
// Threading. Every asynchronous operation may be initiated from any thread
// (it dispatches to the executor); the node's state lives on the executor,
// which must be a strand when several threads run the context. A node must
// be stopped (async_stop completed) or its context stopped before it is
// destroyed; destroying a running node cancels its coroutines, which then
// end without touching it.

#include <cohort/error.hpp>
#include <cohort/hlc.hpp>
#include <cohort/membership/config.hpp>
#include <cohort/membership/counters.hpp>
#include <cohort/membership/events.hpp>
#include <cohort/membership/member.hpp>
#include <cohort/membership/protocol.hpp>
#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>
#include <cohort/phi_accrual.hpp>
#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/transport.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>
#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/envelope.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace cohort {

/// The local node's own lifecycle.
enum class node_status : std::uint8_t {
    created,   ///< constructed, not started
    starting,  ///< async_start is bringing it up
    running,   ///< the driver runs
    stopping,  ///< async_stop is winding it down
    stopped,   ///< the driver has ended
};

constexpr std::string_view to_string(node_status s) noexcept {
    switch (s) {
    case node_status::created: return "created";
    case node_status::starting: return "starting";
    case node_status::running: return "running";
    case node_status::stopping: return "stopping";
    case node_status::stopped: return "stopped";
    }
    return "invalid";
}
inline std::ostream& operator<<(std::ostream& os, node_status s) { return os << to_string(s); }

/// The local node's status changed.
struct status_changed {
    node_status status = node_status::created;
};

/// What async_next_event delivers: every membership event, plus the local status.
using node_event = std::variant<node_up, node_down, state_changed, leader_changed, tags_changed,
                                join_completed, leave_completed, status_changed>;

/// Configuration of a basic_node.
struct node_config {
    /// This node: its name is its identity, its address must be where peers
    /// reach it (typically the transport's local_endpoint()).
    node_id id;
    /// The membership protocol's knobs.
    membership_config membership = membership_config::lan();
    /// This node's tags, gossiped with it.
    std::vector<tag> tags;
    /// The HLC's maximum offset: messages further ahead are dropped and counted.
    hlc_config hlc;
    /// Events held for async_next_event; beyond, the oldest is dropped and
    /// counted (node_counters::events_dropped). Must be at least 1.
    std::size_t event_queue_limit = 1024;
    /// Seed of the core's random choices; 0 derives one from the id and the
    /// generation.
    std::uint64_t seed = 0;
};

/// Checks `cfg`; the error names the first bad field.
inline boost::system::result<void, config_error> validate(node_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return boost::system::result<void, config_error>(
            boost::system::in_place_error, config_error{error::invalid_config, field, rule});
    };
    if (cfg.id.empty()) return fail("node_config.id", "must not be empty");
    if (auto r = validate(cfg.membership); !r) return r;
    if (auto r = validate(cfg.hlc); !r) return r;
    if (cfg.event_queue_limit == 0) return fail("node_config.event_queue_limit", "must be at least 1");
    std::size_t tags_size = 0;
    for (auto const& t : cfg.tags) tags_size += t.key.size() + t.value.size();
    if (tags_size > cfg.membership.max_tags_size)
        return fail("node_config.tags", "must be at most membership_config.max_tags_size");
    return {};
}

/// One member as members() reports it.
struct node_member {
    node_id id;
    node_state state = node_state::joining;
    std::uint64_t incarnation = 0;
    std::vector<tag> tags;
    /// The HLC time of the last message heard from it; {0, 0} if none (and for self).
    hlc_timestamp last_heard{};
    /// phi of its arrivals (any message counts as a heartbeat) when the
    /// snapshot was taken; 0 for self and members never heard.
    double phi = 0.0;
};

/// Everything a node did, as a plain snapshot.
struct node_counters {
    using per_type = membership_counters::per_type;
    per_type messages_in{};   ///< decoded messages, by type (message variant index)
    per_type messages_out{};  ///< encoded messages handed to the transport, by type
    per_type bytes_in{};      ///< encoded bytes received, by type
    per_type bytes_out{};     ///< encoded bytes sent, by type
    std::uint64_t decode_errors = 0;        ///< received bytes the codec refused
    std::uint64_t encode_errors = 0;        ///< outgoing messages the codec refused
    std::uint64_t label_drops = 0;          ///< envelopes of another cluster label
    std::uint64_t clock_offset_drops = 0;   ///< envelopes too far ahead of the local clock
    std::uint64_t unresolved_addresses = 0; ///< messages to a host that is no IP address
    std::uint64_t send_errors = 0;          ///< sends the transport failed
    std::uint64_t frames_for_packets = 0;   ///< packets over the budget, sent as frames
    std::uint64_t receive_errors = 0;       ///< receive failures that ended the receive loop
    std::uint64_t events_dropped = 0;       ///< events dropped from the full queue
    membership_counters membership;         ///< the core's counters
    transport_counters transport;           ///< the transport's counters
};

namespace detail {

template <class T>
concept has_virtual_network = requires(T const& t) {
    { t.network().now() } -> std::convertible_to<std::chrono::nanoseconds>;
    t.network().config().time_source;
};

// Numeric hosts only; a hostname yields nothing.
// TODO: resolve hostnames with an ip::basic_resolver and cache the answers.
template <class Endpoint>
std::optional<Endpoint> to_endpoint(peer_address const& a) {
    boost::system::error_code ec;
    auto const address = boost::asio::ip::make_address(a.host, ec);
    if (ec) return std::nullopt;
    return Endpoint(address, a.port);
}

} // namespace detail

/// A cluster member: membership_protocol driven over `Transport` with `Codec`,
/// its HLC on `Clock`. See the top of this header.
///
/// Every asynchronous operation follows Asio's completion-token convention,
/// error_code first; it completes with error::not_started before
/// async_start succeeded, and its handler never runs inside the initiating call.
template <transport Transport, codec Codec = binary_codec, wall_clock Clock = system_wall_clock>
class basic_node {
public:
    using transport_type = Transport;
    using codec_type = Codec;
    using clock_type = Clock;
    using executor_type = typename Transport::executor_type;
    using endpoint_type = typename Transport::endpoint_type;

    /// A node on `t`, which must outlive it.
    basic_node(Transport& t, node_config cfg, Codec codec = Codec{}, Clock clock = Clock{})
        : t_(&t), cfg_(std::move(cfg)), codec_(std::move(codec)), clock_(std::move(clock)),
          timer_(t.get_executor()) {}

    /// A node owning `t`; async_stop closes it.
    basic_node(Transport&& t, node_config cfg, Codec codec = Codec{}, Clock clock = Clock{})
        : owned_(std::move(t)), t_(&*owned_), cfg_(std::move(cfg)), codec_(std::move(codec)),
          clock_(std::move(clock)), timer_(t_->get_executor()) {}

    basic_node(basic_node const&) = delete;
    basic_node& operator=(basic_node const&) = delete;

    ~basic_node() {
        if (loops_ > 0) {
            running_ = false;
            receive_cancel_.emit(boost::asio::cancellation_type::terminal);
            timer_.cancel();
        }
    }

    executor_type get_executor() const noexcept { return t_->get_executor(); }
    Transport& transport() noexcept { return *t_; }

    // ---- operations -------------------------------------------------------------------------

    /// Validates the configuration (error::invalid_config; config_problem()
    /// names the field), starts the core as a cluster of one and the driver.
    /// Signature: void(error_code).
    template <class Token>
    auto async_start(Token&& token) {
        return initiate<void(boost::system::error_code)>(
            [this](auto h) { do_start(std::move(h)); }, token);
    }

    /// Joins the cluster through `seeds` (this node's own address is
    /// ignored); completes when a seed answered, or with error::join_timeout.
    /// A node that already knows other members is in a cluster: it completes
    /// at once. Signature: void(error_code).
    template <class Token>
    auto async_join(std::vector<peer_address> seeds, Token&& token) {
        return initiate<void(boost::system::error_code)>(
            [this, seeds = std::move(seeds)](auto h) mutable {
                do_join(std::move(seeds), std::move(h));
            },
            token);
    }

    /// Leaves gracefully: completes once the leave has been gossiped (the
    /// node keeps running; stop it afterwards). Signature: void(error_code).
    template <class Token>
    auto async_leave(Token&& token) {
        return initiate<void(boost::system::error_code)>(
            [this](auto h) { do_leave(std::move(h)); }, token);
    }

    /// Stops the driver (an owned transport is closed); pending join and leave
    /// complete with operation_aborted. Signature: void(error_code).
    template <class Token>
    auto async_stop(Token&& token) {
        return initiate<void(boost::system::error_code)>(
            [this](auto h) { do_stop(std::move(h)); }, token);
    }

    /// The next event, oldest first. One wait at a time (a second completes
    /// with boost::asio::error::already_started); after stop, once the queue is
    /// empty, operation_aborted. Signature: void(error_code, node_event).
    template <class Token>
    auto async_next_event(Token&& token) {
        return initiate<void(boost::system::error_code, node_event)>(
            [this](auto h) { do_next_event(std::move(h)); }, token);
    }

    /// With virtual time (memory_time_source::manual): runs the timers due by
    /// the network's current time. Call on the executor after advancing it.
    /// No effect otherwise.
    void poll_time() {
        if (virtual_time_ && loops_ > 0) timer_.cancel();
    }

    // ---- state (any thread) -----------------------------------------------------------------

    node_id const& local_id() const noexcept { return cfg_.id; }
    node_config const& config() const noexcept { return cfg_; }
    node_status status() const noexcept { return status_.load(std::memory_order_acquire); }

    /// The view after the last input, sorted by id, this node included.
    std::vector<node_member> members() const {
        std::lock_guard lock(mutex_);
        return members_;
    }
    /// The leader (smallest active id) after the last input.
    std::optional<node_id> leader() const {
        std::lock_guard lock(mutex_);
        return leader_;
    }
    /// The counters after the last input, with the transport's read now.
    node_counters counters() const {
        node_counters c;
        {
            std::lock_guard lock(mutex_);
            c = published_;
        }
        c.transport = t_->counters();
        return c;
    }
    /// Why the last async_start failed with error::invalid_config.
    std::optional<config_error> config_problem() const {
        std::lock_guard lock(mutex_);
        return config_problem_;
    }

    // ==== application messages and view changes (router hooks) ===============================
    //
    // user_message, route_request and route_reply are application traffic, not
    // membership: on_inbound decodes them, counts them (messages_in, bytes_in),
    // checks the label and the HLC offset and feeds the sender's phi detector
    // like any message, then hands the envelope to the application handler
    // instead of the core. Without a handler they are dropped. The router
    // (routing/router.hpp) is the intended user; anything else may use them too.

    /// Whether messages of variant index `type` go to the application handler.
    static constexpr bool is_application_message(std::size_t type) noexcept {
        return type == boost::mp11::mp_find<message, user_message>::value ||
               type == boost::mp11::mp_find<message, route_request>::value ||
               type == boost::mp11::mp_find<message, route_reply>::value;
    }

    /// Called on the executor with each inbound application message, in
    /// arrival order, inside the receive loop: it must not block.
    using application_handler = std::function<void(envelope&&)>;

    /// Installs `h` (an empty function removes it). Call on the executor, or
    /// before async_start.
    void set_application_handler(application_handler h) { app_handler_ = std::move(h); }

    /// Sends an application message (any message type, in fact) to `to`,
    /// wrapped like the core's messages: label, sender, incarnation and the
    /// HLC's now(). `how` is delivery::frame by default (a packet over the
    /// budget goes as a frame). Completes when the transport accepted or
    /// refused it: error::unresolved_address for a host that is no IP
    /// address, the codec's error, or the transport's (a frame to a peer that
    /// cannot be reached fails with its connect error). Signature:
    /// void(error_code).
    template <class Token>
    auto async_send_application(node_id to, message body, delivery how, Token&& token) {
        return initiate<void(boost::system::error_code)>(
            [this, to = std::move(to), body = std::move(body), how](auto h) mutable {
                do_send_application(to, std::move(body), how, std::move(h));
            },
            token);
    }

    template <class Token>
    auto async_send_application(node_id to, message body, Token&& token) {
        return async_send_application(std::move(to), std::move(body), delivery::frame,
                                      std::forward<Token>(token));
    }

    /// Called (posted to the executor, coalesced) after inputs that changed
    /// the view: a member added or removed, or a member's state, incarnation
    /// or tags changed. Not for phi or last_heard. Call on the executor, or
    /// before async_start.
    using view_listener = std::function<void()>;
    void set_view_listener(view_listener l) { view_listener_ = std::move(l); }

    /// Incremented each time the view changed (as above); any thread.
    std::uint64_t view_version() const noexcept {
        return view_version_.load(std::memory_order_acquire);
    }

    /// The node's monotonic time: steady_clock's, or a manual memory_network's
    /// virtual time (see the top of this header). For timers that must follow
    /// the node's notion of time, such as the router's call timeouts.
    std::chrono::nanoseconds monotonic_now() const { return now(); }

private:
    using ec_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
    using event_handler =
        boost::asio::any_completion_handler<void(boost::system::error_code, node_event)>;
    using timer_type =
        boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                          boost::asio::wait_traits<std::chrono::steady_clock>,
                                          executor_type>;
    using duration = std::chrono::nanoseconds;

    struct heard {
        hlc_timestamp last{};
        basic_phi_accrual_detector<> detector;
    };

    // Moves to the executor before touching state; the stored handler is
    // completed with post(), so never inside the initiating call.
    template <class Signature, class Fn, class Token>
    auto initiate(Fn&& fn, Token& token) {
        return boost::asio::async_initiate<Token, Signature>(
            [this](auto handler, auto fn) {
                using any = boost::asio::any_completion_handler<Signature>;
                boost::asio::dispatch(t_->get_executor(),
                                      [fn = std::move(fn), h = any(std::move(handler))]() mutable {
                                          fn(std::move(h));
                                      });
            },
            token, std::forward<Fn>(fn));
    }

    template <class Handler, class... Args>
    void complete(Handler h, Args&&... args) {
        boost::asio::post(t_->get_executor(),
                          boost::asio::append(std::move(h), std::forward<Args>(args)...));
    }

    void set_status(node_status s) {
        status_.store(s, std::memory_order_release);
        push_event(status_changed{s});
    }

    duration now() const {
        if constexpr (detail::has_virtual_network<Transport>) {
            if (virtual_time_) return t_->network().now();
        }
        return std::chrono::steady_clock::now().time_since_epoch();
    }

    std::uint64_t wall_ms() const { return clock_.now() / 1'000'000; }

    void make_core(std::uint64_t generation) {
        std::uint64_t const seed =
            cfg_.seed != 0 ? cfg_.seed : (std::hash<std::string>{}(cfg_.id.str()) ^ generation);
        core_ = std::make_unique<membership_protocol>(cfg_.membership, cfg_.id, generation,
                                                      cfg_.tags, seed);
    }

    // ---- operations on the executor ---------------------------------------------------------

    void do_start(ec_handler h) {
        if (status() != node_status::created)
            return complete(std::move(h), make_error_code(boost::asio::error::already_started));
        if (auto r = validate(cfg_); !r) {
            {
                std::lock_guard lock(mutex_);
                config_problem_ = r.error();
            }
            return complete(std::move(h), r.error().code);
        }
        if constexpr (detail::has_virtual_network<Transport>)
            virtual_time_ = t_->network().config().time_source == memory_time_source::manual;
        hlc_.emplace(clock_, cfg_.hlc);
        set_status(node_status::starting);
        make_core(wall_ms());
        core_->start(now(), {});
        running_ = true;
        loops_ = 2;
        auto const rethrow = [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        };
        boost::asio::co_spawn(t_->get_executor(), receive_loop(alive_), rethrow);
        boost::asio::co_spawn(t_->get_executor(), timer_loop(alive_), rethrow);
        set_status(node_status::running);
        process();
        complete(std::move(h), boost::system::error_code{});
    }

    boost::system::error_code check_running() const {
        switch (status()) {
        case node_status::created: return error::not_started;
        case node_status::running: return {};
        default: return boost::asio::error::operation_aborted;
        }
    }

    void do_join(std::vector<peer_address> seeds, ec_handler h) {
        if (auto ec = check_running()) return complete(std::move(h), ec);
        if (join_handler_)
            return complete(std::move(h), make_error_code(boost::asio::error::already_started));
        std::erase(seeds, peer_address::of(cfg_.id));
        if (seeds.empty() || core_->size() > 1)
            return complete(std::move(h), boost::system::error_code{});
        // The core joins only when it starts: replace the lone core (nobody
        // knows it yet) by one at a newer generation that starts with seeds.
        make_core(std::max(wall_ms(), core_->incarnation() + 1));
        h.swap(join_handler_);  // not operator=: Boost 1.81 wraps the handler in itself
        core_->start(now(), std::move(seeds));
        process();
    }

    void do_leave(ec_handler h) {
        if (auto ec = check_running()) return complete(std::move(h), ec);
        if (leave_handler_)
            return complete(std::move(h), make_error_code(boost::asio::error::already_started));
        auto const s = core_->state();
        if (s == node_state::leaving || s == node_state::failed)
            return complete(std::move(h), boost::system::error_code{});
        h.swap(leave_handler_);  // not operator=: Boost 1.81 wraps the handler in itself
        core_->leave(now());
        process();
    }

    void do_stop(ec_handler h) {
        switch (status()) {
        case node_status::created: return complete(std::move(h), make_error_code(error::not_started));
        case node_status::stopped: return complete(std::move(h), boost::system::error_code{});
        case node_status::stopping: stop_handlers_.push_back(std::move(h)); return;
        default: break;
        }
        stop_handlers_.push_back(std::move(h));
        set_status(node_status::stopping);
        running_ = false;
        receive_cancel_.emit(boost::asio::cancellation_type::terminal);
        timer_.cancel();
        deliver_event();
    }

    void do_next_event(event_handler h) {
        if (status() == node_status::created)
            return complete(std::move(h), make_error_code(error::not_started), node_event{});
        if (event_handler_)
            return complete(std::move(h), make_error_code(boost::asio::error::already_started),
                            node_event{});
        h.swap(event_handler_);  // not operator=: Boost 1.81 wraps the handler in itself
        deliver_event();
    }

    // ---- the driver -------------------------------------------------------------------------

    boost::asio::awaitable<void> receive_loop(std::weak_ptr<int> alive) {
        using boost::asio::as_tuple;
        using boost::asio::use_awaitable;
        for (;;) {
            auto [ec, in] = co_await t_->async_receive(boost::asio::bind_cancellation_slot(
                receive_cancel_.slot(), as_tuple(use_awaitable)));
            if (alive.expired()) co_return;
            if (ec) {
                // Closed, crashed or cancelled: this node hears nothing more.
                if (running_) ++counters_.receive_errors;
                break;
            }
            if (!running_) break;
            on_inbound(in.bytes);
        }
        loop_done();
    }

    boost::asio::awaitable<void> timer_loop(std::weak_ptr<int> alive) {
        using boost::asio::as_tuple;
        using boost::asio::use_awaitable;
        int same_instant = 0;
        while (running_) {
            auto const t = now();
            auto const deadline = core_->next_deadline();
            if (deadline <= t && same_instant < 16) {
                ++same_instant;  // guards against a deadline on_tick does not move
                core_->on_tick(t);
                process();
                continue;
            }
            same_instant = 0;
            armed_ = deadline;
            if (virtual_time_ || deadline == duration::max())
                timer_.expires_at(std::chrono::steady_clock::time_point::max());
            else
                timer_.expires_at(std::chrono::steady_clock::time_point(
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline)));
            co_await timer_.async_wait(as_tuple(use_awaitable));
            if (alive.expired()) co_return;
        }
        loop_done();
    }

    void loop_done() {
        if (--loops_ > 0 || status() != node_status::stopping) return;
        if (join_handler_)
            complete(std::exchange(join_handler_, nullptr),
                     make_error_code(boost::asio::error::operation_aborted));
        if (leave_handler_)
            complete(std::exchange(leave_handler_, nullptr),
                     make_error_code(boost::asio::error::operation_aborted));
        if (owned_) owned_->close();
        set_status(node_status::stopped);
        publish();
        for (auto& h : stop_handlers_) complete(std::move(h), boost::system::error_code{});
        stop_handlers_.clear();
        deliver_event();
    }

    void on_inbound(std::vector<std::byte> const& bytes) {
        auto decoded = codec_.decode(bytes);
        if (!decoded) {
            ++counters_.decode_errors;
            publish();
            return;
        }
        envelope& e = *decoded;
        auto const type = e.body.index();
        ++counters_.messages_in[type];
        counters_.bytes_in[type] += bytes.size();
        if (e.label != core_->label()) {
            ++counters_.label_drops;
            publish();
            return;
        }
        if (!hlc_->update(e.time)) {
            ++counters_.clock_offset_drops;
            publish();
            return;
        }
        auto const t = now();
        if (!e.sender.empty() && e.sender != cfg_.id) {
            auto it = heard_.find(std::string(e.sender.name()));
            if (it == heard_.end())
                it = heard_.emplace(std::string(e.sender.name()),
                                    heard{{}, basic_phi_accrual_detector<>(
                                                  cfg_.membership.failure_detector)})
                         .first;
            it->second.last = e.time;
            it->second.detector.heartbeat(t);
        }
        if (is_application_message(type)) return deliver_application(std::move(e));  // router hooks
        core_->on_message(e, t);
        process();
    }

    // After each input: send the outbox, queue the events, publish, re-arm.
    void process() {
        flush_outbox();
        auto events = std::move(core_->events());
        core_->events().clear();
        for (auto& ev : events) {
            if (auto const* j = std::get_if<join_completed>(&ev); j && join_handler_)
                complete(std::exchange(join_handler_, nullptr), j->ec);
            if (std::holds_alternative<leave_completed>(ev) && leave_handler_)
                complete(std::exchange(leave_handler_, nullptr), boost::system::error_code{});
            std::visit([&](auto& e) { push_event(std::move(e)); }, ev);
        }
        publish();
        deliver_event();
        // The timer sleeps until the deadline it saw; wake it for an earlier one.
        if (loops_ > 0 && core_->next_deadline() < armed_) {
            armed_ = core_->next_deadline();
            timer_.cancel();
        }
    }

    void flush_outbox() {
        auto& outbox = core_->outbox();
        for (auto& o : outbox) {
            auto const type = o.body.index();
            envelope e = core_->make_envelope(std::move(o.body));
            e.time = hlc_->now();
            buffer_.clear();
            if (codec_.encode(e, buffer_)) {
                ++counters_.encode_errors;
                continue;
            }
            auto const to = detail::to_endpoint<endpoint_type>(o.to);
            if (!to) {
                ++counters_.unresolved_addresses;
                continue;
            }
            ++counters_.messages_out[type];
            counters_.bytes_out[type] += buffer_.size();
            auto on_sent = [this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
                if (ec && !alive.expired()) ++counters_.send_errors;
            };
            if (o.how == delivery::packet && buffer_.size() <= t_->packet_budget()) {
                t_->async_send_packet(*to, buffer_, std::move(on_sent));
            } else {
                if (o.how == delivery::packet) ++counters_.frames_for_packets;
                t_->async_send_frame(*to, buffer_, std::move(on_sent));
            }
        }
        outbox.clear();
    }

    void push_event(node_event e) {
        if (events_.size() >= cfg_.event_queue_limit && !events_.empty()) {
            events_.pop_front();
            ++counters_.events_dropped;
        }
        events_.push_back(std::move(e));
    }

    void deliver_event() {
        if (!event_handler_) return;
        if (!events_.empty()) {
            complete(std::exchange(event_handler_, nullptr), boost::system::error_code{},
                     std::move(events_.front()));
            events_.pop_front();
        } else if (status() == node_status::stopped) {
            complete(std::exchange(event_handler_, nullptr),
                     make_error_code(boost::asio::error::operation_aborted), node_event{});
        }
    }

    // O(N) per input: simple, and a view copy is what members() returns anyway.
    void publish() {
        if (!core_) return;
        auto const t = now();
        auto snap = core_->snapshot();
        std::vector<node_member> view;
        view.reserve(snap.members.size());
        for (auto& m : snap.members) {
            node_member nm{std::move(m.id), m.state, m.incarnation, std::move(m.tags), {}, 0.0};
            if (auto it = heard_.find(std::string(nm.id.name())); it != heard_.end()) {
                nm.last_heard = it->second.last;
                nm.phi = it->second.detector.phi(t);
            }
            view.push_back(std::move(nm));
        }
        counters_.membership = core_->counters();
        note_view(view);  // router hooks
        std::lock_guard lock(mutex_);
        members_ = std::move(view);
        leader_ = std::move(snap.leader);
        published_ = counters_;
    }

    // ==== application messages and view changes: implementation ===============================

    void do_send_application(node_id const& to, message body, delivery how, ec_handler h) {
        if (auto ec = check_running()) return complete(std::move(h), ec);
        auto const type = body.index();
        envelope e = core_->make_envelope(std::move(body));
        e.time = hlc_->now();
        app_buffer_.clear();
        if (auto ec = codec_.encode(e, app_buffer_)) {
            ++counters_.encode_errors;
            return complete(std::move(h), ec);
        }
        auto const ep = application_endpoint(to);
        if (!ep) {
            ++counters_.unresolved_addresses;
            return complete(std::move(h), make_error_code(error::unresolved_address));
        }
        ++counters_.messages_out[type];
        counters_.bytes_out[type] += app_buffer_.size();
        auto on_sent = [this, alive = std::weak_ptr<int>(alive_),
                        h = std::move(h)](boost::system::error_code ec) mutable {
            if (ec && !alive.expired()) ++counters_.send_errors;
            std::move(h)(ec);
        };
        if (how == delivery::packet && app_buffer_.size() <= t_->packet_budget())
            t_->async_send_packet(*ep, app_buffer_, std::move(on_sent));
        else
            t_->async_send_frame(*ep, app_buffer_, std::move(on_sent));
    }

    // Parsing the address is a measurable part of a small message's cost:
    // remember the last few hundred destinations.
    std::optional<endpoint_type> application_endpoint(node_id const& to) {
        if (auto it = app_endpoints_.find(to.str()); it != app_endpoints_.end()) return it->second;
        auto ep = detail::to_endpoint<endpoint_type>(peer_address::of(to));
        if (!ep) return ep;
        if (app_endpoints_.size() >= 512) app_endpoints_.clear();
        app_endpoints_.emplace(to.str(), *ep);
        return ep;
    }

    void deliver_application(envelope&& e) {
        if (app_handler_) app_handler_(std::move(e));
    }

    // What the view listener watches: not phi nor last_heard, which move with
    // every message.
    static bool same_member(node_member const& a, node_member const& b) noexcept {
        return a.id == b.id && a.state == b.state && a.incarnation == b.incarnation &&
               a.tags == b.tags;
    }

    // Called by publish() with the new view, before it replaces members_.
    void note_view(std::vector<node_member> const& next) {
        bool const changed =
            next.size() != members_.size() ||
            !std::equal(next.begin(), next.end(), members_.begin(), same_member);
        if (!changed) return;
        view_version_.fetch_add(1, std::memory_order_acq_rel);
        if (!view_listener_ || view_notify_pending_) return;
        view_notify_pending_ = true;
        boost::asio::post(t_->get_executor(), [this, alive = std::weak_ptr<int>(alive_)] {
            if (alive.expired()) return;
            view_notify_pending_ = false;
            if (view_listener_) view_listener_();
        });
    }

    application_handler app_handler_;
    view_listener view_listener_;
    bool view_notify_pending_ = false;
    std::atomic<std::uint64_t> view_version_{0};
    std::vector<std::byte> app_buffer_;
    std::unordered_map<std::string, endpoint_type> app_endpoints_;

    // ==== end of the router hooks ============================================================

    std::optional<Transport> owned_;
    Transport* t_;
    node_config cfg_;
    Codec codec_;
    Clock clock_;
    std::optional<basic_hlc<Clock>> hlc_;
    std::unique_ptr<membership_protocol> core_;
    timer_type timer_;
    boost::asio::cancellation_signal receive_cancel_;
    std::unordered_map<std::string, heard> heard_;
    std::vector<std::byte> buffer_;
    node_counters counters_;

    std::atomic<node_status> status_{node_status::created};
    bool running_ = false;
    bool virtual_time_ = false;
    int loops_ = 0;
    duration armed_ = duration::max();

    std::deque<node_event> events_;
    event_handler event_handler_;
    ec_handler join_handler_;
    ec_handler leave_handler_;
    std::vector<ec_handler> stop_handlers_;

    mutable std::mutex mutex_;  // guards what follows
    std::vector<node_member> members_;
    std::optional<node_id> leader_;
    node_counters published_;
    std::optional<config_error> config_problem_;

    // Coroutines and send handlers hold a weak_ptr: they outlive a destroyed node harmlessly.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

/// A node over UDP and TCP with the binary codec.
using node = basic_node<udp_tcp_transport, binary_codec>;

} // namespace cohort

#endif // COHORT_NODE_HPP
