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
// members(), leader() and counters() may be called from any thread. The HLC
// is the application's too: hlc_now() and hlc_update() (any thread) stamp
// and merge its own events on the clock the envelopes carry.
//
// Time. The core's monotonic time is steady_clock::now().time_since_epoch();
// on a memory_network with memory_time_source::manual it is the network's
// virtual time instead, and since no timer sees virtual time move, whoever
// advances it calls poll_time() afterwards (on the executor).
//
// Hostnames. Member addresses and seeds may name a host ("localhost:7946"):
// the driver resolves it with an Asio resolver (off the executor's thread),
// preferring the transport's address family, and caches the answer for
// node_config::resolve_ttl (a failure for resolve_failure_ttl); past the TTL
// the last answer serves while a new lookup refreshes it, and a failed refresh
// keeps it. Messages to a host never resolved yet wait for the first lookup,
// at most resolve_queue_limit of them across all hosts; beyond that, and when
// the lookup fails, they are dropped and counted
// (node_counters::unresolved_addresses). async_join resolves its seeds first.
//
// Unreachable members. When a frame to a member fails with connection_refused
// (down_reason::connection_refused) or with a reset, eof, broken pipe or
// abort (connection_closed), the driver tells the core (on_unreachable),
// which suspects the member at once; if the suspicion times out, this node's
// node_down carries that reason. Packets are unreliable and tell nothing.
//
// Cancellation. async_join and async_next_event honour their token's
// cancellation slot (any cancellation type): the operation completes with
// boost::asio::error::operation_aborted and the node keeps running (a
// cancelled join stops contacting its seeds). Emit the signal on the node's
// executor, or from any thread: the request is posted to the executor.
//
// Threading. Every asynchronous operation may be initiated from any thread
// (it dispatches to the executor); the node's state lives on the executor,
// which must be a strand when several threads run the context. A node must
// be stopped (async_stop completed) or its context stopped before it is
// destroyed; destroying a running node cancels its coroutines, which then
// end without touching it.

#include <cohort/error.hpp>
#include <cohort/hlc.hpp>
#include <cohort/membership/stamp_check.hpp>
#include <cohort/membership/config.hpp>
#include <cohort/membership/counters.hpp>
#include <cohort/membership/detail/broadcast_queue.hpp>
#include <cohort/membership/events.hpp>
#include <cohort/membership/member.hpp>
#include <cohort/membership/protocol.hpp>
#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>
#include <cohort/node/application_filter.hpp>
#include <cohort/node/config.hpp>
#include <cohort/node/counters.hpp>
#include <cohort/node/detail/addressing.hpp>
#include <cohort/node/event_subscription.hpp>
#include <cohort/node/events.hpp>
#include <cohort/node/node_member.hpp>
#include <cohort/node/status.hpp>
#include <cohort/node/subscription.hpp>
#include <cohort/phi_accrual.hpp>
#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/transport.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>
#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/detail/node_id_cache.hpp>
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
#include <boost/asio/ip/basic_resolver.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace cohort {

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
          timer_(t.get_executor()), resolver_(t.get_executor()) {
        make_hlc();
        open_default_events();
    }

    /// A node owning `t`; async_stop closes it.
    basic_node(Transport&& t, node_config cfg, Codec codec = Codec{}, Clock clock = Clock{})
        : owned_(std::move(t)), t_(&*owned_), cfg_(std::move(cfg)), codec_(std::move(codec)),
          clock_(std::move(clock)), timer_(t_->get_executor()), resolver_(t_->get_executor()) {
        make_hlc();
        open_default_events();
    }

    basic_node(basic_node const&) = delete;
    basic_node& operator=(basic_node const&) = delete;

    ~basic_node() {
        if (loops_ > 0) {
            running_ = false;
            receive_cancel_.emit(boost::asio::cancellation_type::terminal);
            timer_.cancel();
        }
        resolver_.cancel();
    }

    executor_type get_executor() const noexcept { return t_->get_executor(); }
    Transport& transport() noexcept { return *t_; }
    /// The codec (its limits() bound every message this node sends).
    Codec const& codec() const noexcept { return codec_; }

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
    /// ignored), at any time: the node sends its whole view to a seed and
    /// merges the answer, so a node of one cluster joining a seed of another
    /// merges the two (Serf's join). Hostnames among the seeds are resolved
    /// first (none resolved: boost::asio::error::host_not_found). Completes
    /// when a seed answered, or
    /// with error::join_timeout (the node stays in its cluster);
    /// boost::asio::error::operation_not_supported once the node left.
    /// Cancellable (see the top of this header). Signature: void(error_code).
    template <class Token>
    auto async_join(std::vector<peer_address> seeds, Token&& token) {
        return async_join(std::move(seeds), join_retry{std::chrono::seconds(30), 1},
                          std::forward<Token>(token));
    }

    /// As above, retried as Serf's retry-join: after a failed attempt
    /// (join_timeout, or no seed resolved) the node emits join_retrying and
    /// tries again after `retry.interval`, at most `retry.max_attempts`
    /// attempts in all (0: until it succeeds, is cancelled or the node
    /// stops). Completes with the last attempt's error. Seeds that are
    /// hostnames are looked up again for each attempt.
    template <class Token>
    auto async_join(std::vector<peer_address> seeds, join_retry retry, Token&& token) {
        return initiate<void(boost::system::error_code)>(
            [this, seeds = std::move(seeds), retry](auto h) mutable {
                do_join(std::move(seeds), retry, std::move(h));
            },
            token);
    }

    /// Replaces this node's tags (gossiped at a new incarnation; peers and
    /// this node report tags_changed). Completes once applied locally;
    /// error::length_over_limit when they exceed
    /// membership_config::max_tags_size. Signature: void(error_code).
    template <class Token>
    auto async_set_tags(std::vector<tag> tags, Token&& token) {
        return initiate<void(boost::system::error_code)>(
            [this, tags = std::move(tags)](auto h) mutable {
                do_set_tags(std::move(tags), std::move(h));
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

    /// Stops the node. By default gracefully, as Serf and noex do: a member
    /// that is joining or active first leaves (as async_leave; a leave
    /// already under way is waited for), bounded by
    /// node_config::leave_timeout, so that its peers see it leaving rather
    /// than failed; while it leaves, the node still answers probes, and
    /// status() is stopping. Then the driver stops (an owned transport is
    /// closed) and pending join and leave complete with operation_aborted.
    /// stop_mode::abrupt skips the leave (peers then detect a failure, as
    /// after a crash), also during a graceful stop under way. Signature:
    /// void(error_code).
    template <class Token>
    auto async_stop(Token&& token) {
        return async_stop(stop_mode::graceful, std::forward<Token>(token));
    }

    template <class Token>
    auto async_stop(stop_mode mode, Token&& token) {
        return initiate<void(boost::system::error_code)>(
            [this, mode](auto h) { do_stop(mode, std::move(h)); }, token);
    }

    /// The next event of the node's own subscription, oldest first (the
    /// node's first subscription, open from construction: events from
    /// async_start on; node_config::event_queue_limit of them, beyond which
    /// the oldest is dropped and counted in node_counters::events_dropped).
    /// One wait at a time (a second completes with
    /// boost::asio::error::already_started); after stop, once the queue is
    /// empty, operation_aborted. Cancellable (operation_aborted, no event is
    /// lost). For several independent consumers, subscribe_events().
    /// Signature: void(error_code, node_event).
    template <class Token>
    auto async_next_event(Token&& token) {
        return default_events_.async_next(std::forward<Token>(token));
    }

    using event_subscription = basic_event_subscription<executor_type>;

    /// A new, independent stream of this node's events (see
    /// node/event_subscription.hpp): every event from now on, in its own
    /// queue of `queue_limit` events (0: node_config::event_queue_limit),
    /// the oldest dropped beyond it and counted by its dropped(). May be
    /// called before async_start; on the executor once started.
    event_subscription subscribe_events(std::size_t queue_limit = 0) {
        auto c = detail::event_channel<executor_type>::make(
            t_->get_executor(), queue_limit ? queue_limit : cfg_.event_queue_limit);
        if (status() == node_status::stopped) c->end();
        event_channels_.push_back(c);
        return event_subscription(std::move(c));
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

    // The view queries below read the view as of the last input. Before
    // async_start there is no view: they throw boost::system::system_error
    // with error::not_started (an empty answer would read as a cluster of
    // none). After stop they answer from the last view.

    /// Whether the node has a view yet (true from async_start on, and after
    /// stop): the queries below throw while it is false.
    bool has_view() const {
        std::lock_guard lock(mutex_);
        return view_published_;
    }
    /// The whole view, sorted by id, this node included (a copy: O(N)).
    std::vector<node_member> members() const {
        std::lock_guard lock(mutex_);
        throw_if_no_view();
        return members_;
    }
    /// The leader (smallest active id); empty when no member is active.
    std::optional<node_id> leader() const {
        std::lock_guard lock(mutex_);
        throw_if_no_view();
        return leader_;
    }
    /// The member called `name` (this node included), if in the view; O(log N).
    std::optional<node_member> member(std::string_view name) const {
        std::lock_guard lock(mutex_);
        throw_if_no_view();
        if (auto const* m = find_member(name)) return *m;
        return std::nullopt;
    }
    /// Whether `id` (name and address) is an active member; O(log N).
    bool is_member_active(node_id const& id) const {
        std::lock_guard lock(mutex_);
        throw_if_no_view();
        auto const* m = find_member(id.name());
        return m && m->id == id && m->state == node_state::active;
    }
    /// How many members are in state `s`, this node included; O(1).
    std::size_t member_count(node_state s) const {
        std::lock_guard lock(mutex_);
        throw_if_no_view();
        auto const i = static_cast<std::size_t>(s);
        return i < state_counts_.size() ? state_counts_[i] : 0;
    }
    /// The other members this node can reach now: joining or active (not
    /// suspected, failed or left), sorted by id; O(N).
    std::vector<node_id> connected_members() const {
        std::lock_guard lock(mutex_);
        throw_if_no_view();
        std::vector<node_id> out;
        for (auto const& m : members_)
            if (m.id != cfg_.id &&
                (m.state == node_state::active || m.state == node_state::joining))
                out.push_back(m.id);
        return out;
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

    // ---- the hybrid logical clock (any thread) ----------------------------------------------
    //
    // The clock that stamps every envelope this node sends and is updated by
    // every envelope it receives (basic_hlc, hlc.hpp), for the application's
    // own events: a timestamp from hlc_now() is greater than every timestamp
    // this node sent or received before, and an envelope sent after it
    // carries a greater one. It exists from construction (before async_start,
    // and after stop), and is one atomic word: any thread, no executor needed.
    // With an invalid node_config::hlc (async_start fails with
    // error::invalid_config) there is no clock: hlc_now() throws
    // boost::system::system_error and hlc_update() fails, both with
    // error::invalid_config.

    /// A timestamp for a local event (basic_hlc::now()).
    hlc_timestamp hlc_now() {
        if (!hlc_) throw_no_hlc();
        return hlc_->now();
    }

    /// Merges a timestamp received out of band (basic_hlc::update()): the
    /// result, and every later hlc_now(), is greater than `remote`. Fails with
    /// error::clock_offset_exceeded, leaving the clock alone, when `remote` is
    /// more than node_config::hlc.max_offset ahead of this node's physical
    /// time, as an application message that far ahead is dropped
    /// (clock_offset_drops).
    boost::system::result<hlc_timestamp> hlc_update(hlc_timestamp remote) noexcept {
        if (!hlc_) return boost::system::error_code(error::invalid_config);
        return hlc_->update(remote);
    }

    /// The latest timestamp issued, without issuing one (basic_hlc::last());
    /// `{0, 0}` before the first, or without a clock.
    hlc_timestamp hlc_last() const noexcept { return hlc_ ? hlc_->last() : hlc_timestamp{}; }

    // ==== application messages and view changes ==============================================
    //
    // user_message, route_request and route_reply are application traffic, not
    // membership: on_inbound decodes them, counts them (messages_in, bytes_in),
    // checks the label and the HLC offset and notes the sender's last_heard
    // like any message, then hands the envelope to every application
    // subscription whose filter matches, instead of the core; with none it is
    // dropped and counted (node_counters::application_drops). A router
    // (routing/router.hpp) takes the route types, a pub/sub layer or user code
    // their own topics, all on one node.
    //
    // Rules for handlers and listeners: they run on the executor, inside the
    // receive loop, and must not block. An exception they throw is caught,
    // counted (node_counters::handler_exceptions) and otherwise ignored: the
    // node keeps receiving and later subscribers still get the message.

    /// Called on the executor with each inbound application message its
    /// filter matches, in arrival order. When several subscriptions match one
    /// message they see it in subscription order, each the same envelope: a
    /// handler may move from it only if no later subscription's filter
    /// overlaps its own.
    using application_handler = std::function<void(envelope&)>;

    /// Subscribes `h` to the application messages `filter` matches (by
    /// default all of them) for as long as the returned handle lives. Call
    /// on the executor, or before async_start.
    [[nodiscard]] node_subscription subscribe_application(application_filter filter,
                                                          application_handler h) {
        return {subscribers_, subscribers_->add_application(std::move(filter), std::move(h))};
    }
    [[nodiscard]] node_subscription subscribe_application(application_handler h) {
        return subscribe_application(application_filter{}, std::move(h));
    }

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

    /// On the executor only: sends `body` as async_send_application does,
    /// without copying `to` or `body` (which keeps its value) and without a
    /// type-erased handler; for per-message hot paths such as the router's.
    /// `done(error_code)` is a plain callable: it runs on the executor, never
    /// inside this call, and no associated executor of it is used.
    template <class Done>
    void send_application_now(node_id const& to, message& body, delivery how, Done done) {
        boost::system::error_code ec = check_running();
        if (!ec) ec = send_application_encoded(to, body, how, done);
        if (ec) complete(std::move(done), ec);
    }

    /// Called (posted to the executor, coalesced) after inputs that changed
    /// the view: a member added or removed, or a member's state, incarnation
    /// or tags changed. Not for phi or last_heard.
    using view_listener = std::function<void()>;

    /// Subscribes `l` to view changes for as long as the returned handle
    /// lives; every listener is called once per coalesced change. Call on
    /// the executor, or before async_start.
    [[nodiscard]] node_subscription subscribe_view(view_listener l) {
        return {subscribers_, subscribers_->add_view(std::move(l))};
    }

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
    using timer_type =
        boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                          boost::asio::wait_traits<std::chrono::steady_clock>,
                                          executor_type>;
    using duration = std::chrono::nanoseconds;
    using address_type = boost::asio::ip::address;
    using resolver_type =
        boost::asio::ip::basic_resolver<typename endpoint_type::protocol_type, executor_type>;

    // A message waiting for its host's address.
    struct waiting_message {
        peer_address to;
        delivery how;
        std::size_t type;
        std::vector<std::byte> bytes;
    };

    // One hostname: its answer (or failure) until `expires`, or a lookup under way.
    struct resolve_entry {
        std::optional<address_type> address;
        duration expires{};
        bool pending = false;
        std::vector<waiting_message> messages;
        std::vector<std::function<void(std::optional<address_type>)>> callbacks;
    };

    struct heard {
        hlc_timestamp last{};
        bool dirty = false;  // in heard_dirty_, not yet published
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

    // Built once, with the node, so that the application's timestamps and
    // the envelopes' come from one clock whatever the node's status. Without
    // it (a bad hlc_config) async_start fails before anything reads it.
    void make_hlc() {
        if (validate(cfg_.hlc)) hlc_.emplace(clock_, cfg_.hlc);
    }

    [[noreturn]] static void throw_no_hlc() {
        boost::throw_exception(boost::system::system_error(
            make_error_code(error::invalid_config), "node_config.hlc"));
    }

    void make_core(std::uint64_t generation) {
        std::uint64_t const seed =
            cfg_.seed != 0 ? cfg_.seed : (std::hash<std::string>{}(cfg_.id.str()) ^ generation);
        core_ = std::make_unique<membership_protocol>(cfg_.membership, cfg_.id, generation,
                                                      cfg_.tags, seed);
        published_version_ = static_cast<std::uint64_t>(-1);  // a new core: rebuild the view
    }

    // ---- operations on the executor ---------------------------------------------------------

    void do_start(ec_handler h) {
        if (status() != node_status::created)
            return complete(std::move(h), make_error_code(boost::asio::error::already_started));
        auto r = validate(cfg_);
        if (r) r = check_id_against_transport();
        if (!r) {
            {
                std::lock_guard lock(mutex_);
                config_problem_ = r.error();
            }
            return complete(std::move(h), r.error().code);
        }
        if constexpr (detail::has_virtual_network<Transport>)
            virtual_time_ = t_->network().config().time_source == memory_time_source::manual;
        set_status(node_status::starting);
        make_core(wall_ms());
        core_->start(now(), {});
        running_ = true;
        loops_ = 2;
        auto const rethrow = [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        };
        receive_next();
        boost::asio::co_spawn(t_->get_executor(), timer_loop(alive_), rethrow);
        set_status(node_status::running);
        process();
        complete(std::move(h), boost::system::error_code{});
    }

    // Peers reach this node at its id's address: it must be where the
    // transport listens. A numeric host must equal the bound address (any
    // address when bound to 0.0.0.0 or ::); a hostname is not resolved here,
    // only its port is checked.
    boost::system::result<void, config_error> check_id_against_transport() const {
        auto const bound = t_->local_endpoint();
        auto const wrong = [](std::string_view rule) {
            return boost::system::result<void, config_error>(
                boost::system::in_place_error,
                config_error{error::invalid_config, "node_config.id", rule});
        };
        if (cfg_.id.port() != bound.port())
            return wrong("port must be the transport's local_endpoint() port");
        boost::system::error_code ec;
        auto const a = boost::asio::ip::make_address(cfg_.id.host(), ec);
        if (!ec && !bound.address().is_unspecified() && a != bound.address())
            return wrong("address must be the transport's local_endpoint() address");
        return {};
    }

    boost::system::error_code check_running() const {
        switch (status()) {
        case node_status::created: return error::not_started;
        case node_status::running: return {};
        default: return boost::asio::error::operation_aborted;
        }
    }

    void do_join(std::vector<peer_address> seeds, join_retry retry, ec_handler h) {
        if (auto ec = check_running()) return complete(std::move(h), ec);
        if (join_handler_)
            return complete(std::move(h), make_error_code(boost::asio::error::already_started));
        auto const s = core_->state();
        if (s == node_state::leaving || s == node_state::failed)
            return complete(std::move(h),
                            make_error_code(boost::asio::error::operation_not_supported));
        if (retry.interval <= duration::zero())
            return complete(std::move(h), make_error_code(error::invalid_config));
        std::erase(seeds, peer_address::of(cfg_.id));
        if (seeds.empty()) return complete(std::move(h), boost::system::error_code{});
        h.swap(join_handler_);  // not operator=: Boost 1.81 wraps the handler in itself
        auto const op = ++join_op_;
        on_cancel(join_handler_, [this, op] {
            if (op != join_op_ || !join_handler_) return;
            ++join_op_;  // seed lookups still under way now find nothing to do
            join_retry_at_.reset();
            core_->cancel_join();
            complete_join(make_error_code(boost::asio::error::operation_aborted));
        });
        join_seeds_ = std::move(seeds);
        join_retry_ = retry;
        join_attempt_ = 0;
        join_attempt();
    }

    // One attempt of the pending join: resolve the hostnames among the seeds,
    // then join through the numeric addresses (the core recognises a seed's
    // answer by address).
    void join_attempt() {
        join_retry_at_.reset();
        ++join_attempt_;
        auto const op = join_op_;
        struct lookup {
            std::vector<std::optional<peer_address>> seeds;
            std::size_t pending = 0;
        };
        auto const& seeds = join_seeds_;
        auto l = std::make_shared<lookup>();
        l->seeds.resize(seeds.size());
        l->pending = seeds.size() + 1;  // +1: released below, once every lookup started
        auto const done = [this, op, l] {
            if (--l->pending != 0 || op != join_op_ || !join_handler_ || !running_) return;
            std::vector<peer_address> numeric;
            bool unresolved = false;
            for (auto& a : l->seeds) {
                if (!a) unresolved = true;
                else if (!is_self(*a)) numeric.push_back(std::move(*a));
            }
            if (numeric.empty())  // every seed is this node, or could not be resolved
                return join_attempt_done(unresolved
                                             ? make_error_code(boost::asio::error::host_not_found)
                                             : boost::system::error_code{});
            core_->join(std::move(numeric), now());
            process();
        };
        for (std::size_t i = 0; i < seeds.size(); ++i) {
            if (detail::to_endpoint<endpoint_type>(seeds[i])) {  // numeric already
                l->seeds[i] = seeds[i];
                done();
                continue;
            }
            with_address(seeds[i].host, [l, i, port = seeds[i].port, done](
                                            std::optional<address_type> a) {
                if (a) l->seeds[i] = peer_address{a->to_string(), port};
                done();
            });
        }
        done();
    }

    // An attempt ended: complete the join, or schedule the next attempt.
    void join_attempt_done(boost::system::error_code ec) {
        if (!join_handler_) return;
        bool const retry = ec && ec != boost::asio::error::operation_aborted && running_ &&
                           (join_retry_.max_attempts == 0 ||
                            join_attempt_ < join_retry_.max_attempts);
        if (!retry) return complete_join(ec);
        push_event(join_retrying{join_attempt_, ec, join_retry_.interval});
        join_retry_at_ = now() + join_retry_.interval;
        wake_timer(*join_retry_at_);
    }

    // Whether `a` (numeric) is this node's own address.
    bool is_self(peer_address const& a) const {
        if (a == peer_address::of(cfg_.id)) return true;
        auto const ep = detail::to_endpoint<endpoint_type>(a);
        return ep && *ep == t_->local_endpoint();
    }

    void complete_join(boost::system::error_code ec) {
        if (!join_handler_) return;
        auto h = std::exchange(join_handler_, nullptr);
        boost::asio::get_associated_cancellation_slot(h).clear();
        complete(std::move(h), ec);
    }

    void do_set_tags(std::vector<tag> tags, ec_handler h) {
        if (auto ec = check_running()) return complete(std::move(h), ec);
        auto r = core_->set_tags(std::move(tags), now());
        process();
        complete(std::move(h), r ? boost::system::error_code{} : r.error());
    }

    // Runs `fn` on the executor when the handler's cancellation slot fires.
    // The request is posted, never run inside emit(), so that fn may clear
    // the slot; fn checks that its operation is still the one pending.
    template <class Handler, class Fn>
    void on_cancel(Handler& h, Fn fn) {
        auto slot = boost::asio::get_associated_cancellation_slot(h);
        if (!slot.is_connected()) return;
        slot.assign([ex = t_->get_executor(), alive = std::weak_ptr<int>(alive_),
                     fn = std::move(fn)](boost::asio::cancellation_type) {
            boost::asio::post(ex, [alive, fn] {
                if (!alive.expired()) fn();
            });
        });
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

    void do_stop(stop_mode mode, ec_handler h) {
        switch (status()) {
        case node_status::created: return complete(std::move(h), make_error_code(error::not_started));
        case node_status::stopped: return complete(std::move(h), boost::system::error_code{});
        case node_status::stopping:
            stop_handlers_.push_back(std::move(h));
            if (mode == stop_mode::abrupt && stop_deadline_) shut_down();
            return;
        default: break;
        }
        stop_handlers_.push_back(std::move(h));
        set_status(node_status::stopping);
        auto const s = core_->state();
        bool const member = s == node_state::joining || s == node_state::active;
        if (mode == stop_mode::graceful && (member || leave_handler_)) {
            // Leave first; process() shuts down at leave_completed, the timer
            // loop at the deadline.
            stop_deadline_ = now() + cfg_.leave_timeout;
            if (member) core_->leave(now());
            process();
            if (stop_deadline_) wake_timer(*stop_deadline_);
            return;
        }
        shut_down();
    }

    // Ends the driver: the loops see running_ false and finish (loop_done).
    void shut_down() {
        stop_deadline_.reset();
        join_retry_at_.reset();
        if (!running_) return;
        running_ = false;
        receive_cancel_.emit(boost::asio::cancellation_type::terminal);
        timer_.cancel();
        resolver_.cancel();
    }

    // ---- the driver -------------------------------------------------------------------------

    // The receive loop: one async_receive at a time, each message handled in
    // its completion, which starts the next receive. A plain handler rather
    // than a coroutine: a message costs no coroutine resumption, and the
    // transport may complete it inline from its read handler.
    struct receive_handler {
        basic_node* self;
        std::weak_ptr<int> alive;
        void operator()(boost::system::error_code ec, basic_inbound<endpoint_type> in) const {
            if (alive.expired()) return;
            self->on_received(ec, in.bytes);
        }
    };

    void receive_next() {
        t_->async_receive(boost::asio::bind_cancellation_slot(
            receive_cancel_.slot(), receive_handler{this, std::weak_ptr<int>(alive_)}));
    }

    void on_received(boost::system::error_code ec, std::vector<std::byte> const& bytes) {
        if (ec) {
            // Closed, crashed or cancelled: this node hears nothing more.
            if (running_) ++counters_.receive_errors;
            return loop_done();
        }
        if (!running_) return loop_done();
        on_inbound(bytes);
        receive_next();
    }

    boost::asio::awaitable<void> timer_loop(std::weak_ptr<int> alive) {
        using boost::asio::as_tuple;
        using boost::asio::use_awaitable;
        int same_instant = 0;
        while (running_) {
            auto const t = now();
            if (stop_deadline_ && *stop_deadline_ <= t) {
                shut_down();  // the graceful leave took too long
                break;
            }
            if (join_retry_at_ && *join_retry_at_ <= t) {
                join_attempt();
                continue;
            }
            if (core_->next_deadline() <= t && same_instant < 16) {
                ++same_instant;  // guards against a deadline on_tick does not move
                core_->on_tick(t);
                process();
                continue;
            }
            same_instant = 0;
            auto const deadline = std::min({core_->next_deadline(),
                                            join_retry_at_.value_or(duration::max()),
                                            stop_deadline_.value_or(duration::max())});
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
        complete_join(make_error_code(boost::asio::error::operation_aborted));
        if (leave_handler_)
            complete(std::exchange(leave_handler_, nullptr),
                     make_error_code(boost::asio::error::operation_aborted));
        if (owned_) owned_->close();
        set_status(node_status::stopped);
        publish();
        for (auto& h : stop_handlers_) complete(std::move(h), boost::system::error_code{});
        stop_handlers_.clear();
        for_each_event_channel([](auto& c) { c.end(); });
    }

    // Decodes into `e`, reusing its storage when the codec can (binary_codec).
    boost::system::error_code decode_into(std::span<std::byte const> bytes, envelope& e) {
        if constexpr (requires(detail::node_id_cache* ids) {
                          { codec_.decode(bytes, e, ids) } -> std::same_as<boost::system::error_code>;
                      }) {
            return codec_.decode(bytes, e, &sender_ids_);
        } else {
            auto decoded = codec_.decode(bytes);
            if (!decoded) return decoded.error();
            e = std::move(*decoded);
            return {};
        }
    }

    void on_inbound(std::vector<std::byte> const& bytes) {
        // One envelope serves every message (its strings and vectors keep
        // their storage, its sender is compared rather than parsed), unless a
        // handler somehow brings the next message in while this one is used.
        std::optional<envelope> nested;
        envelope& e = inbound_busy_ ? nested.emplace() : inbound_;
        bool const outer = !inbound_busy_;
        inbound_busy_ = true;
        struct release {
            bool& busy;
            bool outer;
            ~release() {
                if (outer) busy = false;
            }
        } const guard{inbound_busy_, outer};
        if (decode_into(bytes, e)) {
            ++counters_.decode_errors;
            publish();
            return;
        }
        auto const type = e.body.index();
        ++counters_.messages_in[type];
        counters_.bytes_in[type] += bytes.size();
        if (e.label != core_->label()) {
            ++counters_.label_drops;
            publish();
            return;
        }
        auto const t = now();
        // Membership goes on whatever the stamp; what a bad stamp refuses is
        // admission and application traffic (membership/stamp_check.hpp).
        if (auto const stamp = check_stamp(*hlc_, e); stamp.offset) {
            bool const handled =
                core_->on_clock_offset(e, *stamp.offset, cfg_.hlc.max_offset, t);
            if (handled && !is_application_message(type)) {
                ++counters_.clock_offset_unmerged;
                note_heard(e);
            } else {
                ++counters_.clock_offset_drops;
            }
            return process();
        }
        if (is_application_message(type)) {
            note_heard(e);
            return deliver_application(e);
        }
        core_->on_message(e, t);
        note_heard(e);  // after the core: a joiner is a member by now
        process();
    }

    // last_heard for members only: a sender the core does not know (a name
    // made up by anyone who knows the label) leaves no trace, so the table
    // is bounded by the view; publish() drops the reaped.
    void note_heard(envelope const& e) {
        if (e.sender.empty() || e.sender == cfg_.id) return;
        auto it = heard_.find(e.sender.name());  // no allocation per message
        if (it == heard_.end()) {
            if (!core_->find(e.sender.name())) return;
            it = heard_.emplace(std::string(e.sender.name()), heard{}).first;
        }
        it->second.last = e.time;
        // For publish(): a pointer, stable while the entry lives (until a
        // rebuild, which clears the list).
        if (!it->second.dirty) {
            it->second.dirty = true;
            heard_dirty_.push_back(&*it);
        }
    }

    // After each input: send the outbox, queue the events, publish, re-arm.
    void process() {
        bool stop_after_events = false;
        flush_outbox();
        auto events = std::move(core_->events());
        core_->events().clear();
        for (auto& ev : events) {
            if (auto const* j = std::get_if<join_completed>(&ev)) join_attempt_done(j->ec);
            if (std::holds_alternative<leave_completed>(ev)) {
                if (leave_handler_)
                    complete(std::exchange(leave_handler_, nullptr), boost::system::error_code{});
                if (stop_deadline_) stop_after_events = true;  // the graceful stop's leave
            }
            std::visit([&](auto& e) { push_event(node_event(std::move(e))); }, ev);
        }
        publish();
        if (stop_after_events) return shut_down();
        wake_timer(core_->next_deadline());
    }

    // The timer sleeps until the deadline it saw; wake it for an earlier one.
    void wake_timer(duration deadline) {
        if (loops_ > 0 && deadline < armed_) {
            armed_ = deadline;
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
            if (auto const a = address_now(o.to.host))
                send_encoded(endpoint_type(*a, o.to.port), o.to, o.how, type, buffer_);
            else
                wait_for_address(o.to, o.how, type);
        }
        outbox.clear();
    }

    void send_encoded(endpoint_type const& to, peer_address const& address, delivery how,
                      std::size_t type, std::span<std::byte const> bytes) {
        ++counters_.messages_out[type];
        counters_.bytes_out[type] += bytes.size();
        std::weak_ptr<int> alive = alive_;
        if (how == delivery::packet && bytes.size() <= t_->packet_budget()) {
            t_->async_send_packet(to, bytes, [this, alive](boost::system::error_code ec) {
                if (ec && !alive.expired()) ++counters_.send_errors;
            });
        } else {
            if (how == delivery::packet) ++counters_.frames_for_packets;
            t_->async_send_frame(to, bytes, [this, alive, address](boost::system::error_code ec) {
                if (!ec || alive.expired()) return;
                ++counters_.send_errors;
                on_frame_failed(address, ec);
            });
        }
    }

    // A frame to `to` failed: if the transport says the member there refused
    // or dropped the connection, the core suspects it at once.
    void on_frame_failed(peer_address const& to, boost::system::error_code ec) {
        auto const reason = detail::down_reason_of(ec);
        if (!reason || !running_ || !core_) return;
        // Rare (failures only): a scan of the view finds the member at that address.
        for (auto const& m : core_->snapshot().members) {
            if (m.id == cfg_.id || m.id.host() != to.host || m.id.port() != to.port) continue;
            ++counters_.unreachable_reports;
            core_->on_unreachable(m.id.name(), *reason, now());
            process();
            return;
        }
        publish();
    }

    // ---- hostname resolution ----------------------------------------------------------------

    // The address of `host` now: numeric, or the cached answer. An answer
    // past its TTL is still used while a new lookup refreshes it, so that
    // messages to a known host never wait.
    std::optional<address_type> address_now(std::string const& host) {
        boost::system::error_code ec;
        auto const a = boost::asio::ip::make_address(host, ec);
        if (!ec) return a;
        auto it = resolved_.find(host);
        if (it == resolved_.end() || !it->second.address) return std::nullopt;
        if (!it->second.pending && now() >= it->second.expires) start_lookup(host, it->second);
        return it->second.address;
    }

    // The cache entry for `host`, looked up if it has no fresh answer; null
    // when the cache is full.
    resolve_entry* entry_for(std::string const& host) {
        auto it = resolved_.find(host);
        if (it == resolved_.end()) {
            if (resolved_.size() >= cfg_.resolve_cache_limit) {
                auto const t = now();
                std::erase_if(resolved_, [&](auto const& kv) {
                    return !kv.second.pending && kv.second.expires <= t;
                });
                if (resolved_.size() >= cfg_.resolve_cache_limit) return nullptr;
            }
            it = resolved_.emplace(host, resolve_entry{}).first;
        }
        resolve_entry& entry = it->second;
        if (!entry.pending && now() >= entry.expires) start_lookup(host, entry);
        return &entry;
    }

    void wait_for_address(peer_address const& to, delivery how, std::size_t type) {
        resolve_entry* entry = entry_for(to.host);
        if (!entry || !entry->pending || waiting_messages_ >= cfg_.resolve_queue_limit) {
            // Cache full, a recent failure, or too many waiting already.
            ++counters_.unresolved_addresses;
            return;
        }
        ++waiting_messages_;
        entry->messages.push_back({to, how, type, buffer_});
    }

    // Calls `fn(address or nullopt)` now when the answer is known, else once looked up.
    template <class Fn>
    void with_address(std::string const& host, Fn fn) {
        if (auto a = address_now(host)) return fn(a);
        resolve_entry* entry = entry_for(host);
        if (!entry || !entry->pending) return fn(std::optional<address_type>{});
        entry->callbacks.emplace_back(std::move(fn));
    }

    void start_lookup(std::string const& host, resolve_entry& entry) {
        entry.pending = true;
        ++counters_.resolve_lookups;
        resolver_.async_resolve(
            host, "0", resolver_type::numeric_service,
            [this, alive = std::weak_ptr<int>(alive_), host](
                boost::system::error_code ec, typename resolver_type::results_type results) {
                if (alive.expired()) return;
                on_resolved(host, ec, results);
            });
    }

    void on_resolved(std::string const& host, boost::system::error_code ec,
                     typename resolver_type::results_type const& results) {
        auto it = resolved_.find(host);
        if (it == resolved_.end()) return;
        resolve_entry& entry = it->second;
        entry.pending = false;
        // Prefer the transport's family: an IPv4 socket cannot send to ::1.
        std::optional<address_type> pick;
        if (!ec) {
            bool const v6 = t_->local_endpoint().address().is_v6();
            for (auto const& r : results) {
                auto const a = r.endpoint().address();
                if (!pick) pick = a;
                if (a.is_v6() == v6) {
                    pick = a;
                    break;
                }
            }
        }
        bool const found = pick.has_value();
        if (!found && ec != boost::asio::error::operation_aborted) ++counters_.resolve_failures;
        // A failed refresh keeps the last answer (a DNS hiccup must not cut a
        // member off) and retries after resolve_failure_ttl.
        if (found) entry.address = pick;
        else pick = entry.address;
        entry.expires = now() + (found ? cfg_.resolve_ttl : cfg_.resolve_failure_ttl);
        auto messages = std::move(entry.messages);
        auto callbacks = std::move(entry.callbacks);
        entry.messages.clear();
        entry.callbacks.clear();
        waiting_messages_ -= messages.size();
        for (auto& m : messages) {
            if (pick && running_)
                send_encoded(endpoint_type(*pick, m.to.port), m.to, m.how, m.type, m.bytes);
            else if (running_)
                ++counters_.unresolved_addresses;
        }
        for (auto& cb : callbacks) cb(pick);
        if (core_) publish();
    }

    // ---- event subscriptions ----------------------------------------------------------------

    void open_default_events() { default_events_ = subscribe_events(cfg_.event_queue_limit); }

    // Calls fn(channel&) for every open subscription, forgetting closed ones.
    template <class Fn>
    void for_each_event_channel(Fn fn) {
        std::erase_if(event_channels_, [](auto const& w) { return w.expired(); });
        for (auto const& w : event_channels_)
            if (auto c = w.lock()) fn(*c);
    }

    void push_event(node_event const& e) {
        for_each_event_channel([&](auto& c) { c.push(e); });
        counters_.events_dropped = default_events_.dropped();
    }

    // Under mutex_.
    void throw_if_no_view() const {
        if (!view_published_)
            boost::throw_exception(boost::system::system_error(
                make_error_code(error::not_started), "basic_node: no view before async_start"));
    }
    node_member const* find_member(std::string_view name) const noexcept {
        auto it = std::lower_bound(members_.begin(), members_.end(), name,
                                   [](node_member const& m, std::string_view n) {
                                       return m.id.name() < n;
                                   });
        return it != members_.end() && it->id.name() == name ? &*it : nullptr;
    }

    // After every input. The view is copied (O(N log N)) only when the core's
    // view_version() moved; otherwise only what a message can change without
    // changing the view is written in place: the senders' last_heard
    // (O(log N) each) and the monitored members' phi (O(monitored_by)), with
    // the counters. At 10,000 members that is the difference between a copy
    // of the view per packet and a few lookups (BENCHMARKS.md, "publish").
    void publish() {
        if (!core_) return;
        auto const t = now();
        if (view_published_ && published_version_ == core_->view_version())
            return publish_in_place(t);
        rebuild_view(t);
    }

    void publish_in_place(duration t) {
        counters_.sender_entries = heard_.size();
        counters_.membership = core_->counters();
        std::lock_guard lock(mutex_);
        for (auto* h : heard_dirty_) {
            h->second.dirty = false;
            if (auto* m = find_member_mutable(h->first)) m->last_heard = h->second.last;
        }
        heard_dirty_.clear();
        for (auto i : monitored_at_) {
            members_[i].phi = 0.0;
            members_[i].monitored = false;
        }
        monitored_at_.clear();
        core_->for_each_monitored(t, [&](std::string_view name, double phi) {
            if (auto* m = find_member_mutable(name)) {
                m->phi = phi;
                m->monitored = true;
                monitored_at_.push_back(static_cast<std::size_t>(m - members_.data()));
            }
        });
        published_ = counters_;
    }

    node_member* find_member_mutable(std::string_view name) noexcept {
        return const_cast<node_member*>(find_member(name));
    }

    void rebuild_view(duration t) {
        auto snap = core_->snapshot();
        std::vector<node_member> view;
        view.reserve(snap.members.size());
        std::array<std::size_t, 5> counts{};
        for (auto& m : snap.members) {
            if (auto const i = static_cast<std::size_t>(m.state); i < counts.size()) ++counts[i];
            node_member nm{std::move(m.id), m.state, m.incarnation, std::move(m.tags), {}, 0.0};
            if (auto it = heard_.find(nm.id.name()); it != heard_.end())
                nm.last_heard = it->second.last;
            view.push_back(std::move(nm));
        }
        monitored_at_.clear();
        core_->for_each_monitored(t, [&](std::string_view name, double phi) {
            auto it = std::lower_bound(view.begin(), view.end(), name,
                                       [](node_member const& m, std::string_view n) {
                                           return m.id.name() < n;
                                       });
            if (it == view.end() || it->id.name() != name) return;
            it->phi = phi;
            it->monitored = true;
            monitored_at_.push_back(static_cast<std::size_t>(it - view.begin()));
        });
        for (auto* h : heard_dirty_) h->second.dirty = false;
        heard_dirty_.clear();  // before the erase below: its pointers would dangle
        if (heard_.size() > view.size())  // members were reaped: forget them too
            std::erase_if(heard_, [&](auto const& h) { return !core_->find(h.first); });
        published_version_ = core_->view_version();
        counters_.sender_entries = heard_.size();
        counters_.membership = core_->counters();
        note_view(view);  // router hooks
        std::lock_guard lock(mutex_);
        members_ = std::move(view);
        leader_ = std::move(snap.leader);
        state_counts_ = counts;
        view_published_ = true;
        published_ = counters_;
    }

    // ==== application messages and view changes: implementation ===============================

    void do_send_application(node_id const& to, message body, delivery how, ec_handler h) {
        if (auto ec = check_running()) return complete(std::move(h), ec);
        if (auto ec = send_application_encoded(to, body, how, h)) complete(std::move(h), ec);
    }

    // Encodes `body` into app_buffer_ in the envelope make_envelope() would
    // build (label, sender, incarnation, the HLC's now()), without copying
    // the sender or the body: app_out_ keeps them between messages, and
    // `body` gets its value back.
    boost::system::error_code encode_application(message& body) {
        envelope& e = app_out_;
        if (e.label != core_->label()) e.label = core_->label();
        if (e.sender != core_->self()) e.sender = core_->self();
        e.incarnation = core_->incarnation();
        e.time = hlc_->now();
        e.body = std::move(body);
        app_buffer_.clear();
        auto const ec = codec_.encode(e, app_buffer_);
        body = std::move(e.body);
        return ec;
    }

    // The node must be running. Returns the error that stops the message
    // here (`done` is left alone); otherwise hands the frame to the transport,
    // which calls `done(error_code)` (moved from) when it is sent or failed.
    template <class Done>
    boost::system::error_code send_application_encoded(node_id const& to, message& body,
                                                       delivery how, Done& done) {
        auto const type = body.index();
        if (auto ec = encode_application(body)) {
            ++counters_.encode_errors;
            return ec;
        }
        auto const ep = application_endpoint(to);
        if (!ep) {
            ++counters_.unresolved_addresses;
            return make_error_code(error::unresolved_address);
        }
        ++counters_.messages_out[type];
        counters_.bytes_out[type] += app_buffer_.size();
        auto on_sent = [this, alive = std::weak_ptr<int>(alive_), address = peer_address::of(to),
                        done = std::move(done)](boost::system::error_code ec) mutable {
            if (ec && !alive.expired()) {
                ++counters_.send_errors;
                on_frame_failed(address, ec);  // a refused owner is suspected at once
            }
            std::move(done)(ec);
        };
        if (how == delivery::packet && app_buffer_.size() <= t_->packet_budget())
            t_->async_send_packet(*ep, app_buffer_, std::move(on_sent));
        else
            t_->async_send_frame(*ep, app_buffer_, std::move(on_sent));
        return {};
    }

    // Parsing the address is a measurable part of a small message's cost:
    // remember the last few hundred destinations.
    std::optional<endpoint_type> application_endpoint(node_id const& to) {
        if (auto it = app_endpoints_.find(to.str()); it != app_endpoints_.end()) return it->second;
        auto ep = detail::to_endpoint<endpoint_type>(peer_address::of(to));
        if (!ep) {
            // A hostname: the resolver's cached answer (refreshed by its TTL,
            // so not cached here); none yet starts a lookup and the send fails
            // with error::unresolved_address.
            auto const address = peer_address::of(to);
            if (auto a = address_now(address.host)) return endpoint_type(*a, address.port);
            entry_for(address.host);
            return std::nullopt;
        }
        if (app_endpoints_.size() >= 512) app_endpoints_.clear();
        app_endpoints_.emplace(to.str(), *ep);
        return ep;
    }

    void deliver_application(envelope& e) {
        auto const r = subscribers_->deliver(e);
        counters_.handler_exceptions += r.thrown;
        if (r.matched == 0) ++counters_.application_drops;
        if (r.thrown) publish();
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
        if (view_notify_pending_ || !subscribers_->has_view_listeners()) return;
        view_notify_pending_ = true;
        boost::asio::post(t_->get_executor(), [this, alive = std::weak_ptr<int>(alive_)] {
            if (alive.expired()) return;
            view_notify_pending_ = false;
            if (auto const thrown = subscribers_->notify_view()) {
                counters_.handler_exceptions += thrown;
                publish();
            }
        });
    }

    std::shared_ptr<detail::subscriber_registry> subscribers_ =
        std::make_shared<detail::subscriber_registry>();
    bool view_notify_pending_ = false;
    std::atomic<std::uint64_t> view_version_{0};
    std::vector<std::byte> app_buffer_;
    envelope app_out_;      // reused by every application message sent
    envelope inbound_;      // reused by every message received
    bool inbound_busy_ = false;
    detail::node_id_cache sender_ids_{256};
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
    resolver_type resolver_;
    std::unordered_map<std::string, resolve_entry> resolved_;
    std::size_t waiting_messages_ = 0;
    std::uint64_t join_op_ = 0;   // identifies the pending join to a cancellation
    std::vector<peer_address> join_seeds_;  // of the pending join
    join_retry join_retry_{};
    std::size_t join_attempt_ = 0;
    std::optional<duration> join_retry_at_;  // the pending join's next attempt
    std::optional<duration> stop_deadline_;  // a graceful stop's bound on its leave
    std::unordered_map<std::string, heard, detail::string_hash, std::equal_to<>> heard_;
    // publish()'s bookkeeping: entries of heard_ changed since the last
    // publish, members_ indices marked monitored, and the core's
    // view_version() that members_ shows.
    std::vector<typename decltype(heard_)::value_type*> heard_dirty_;
    std::vector<std::size_t> monitored_at_;
    std::uint64_t published_version_ = static_cast<std::uint64_t>(-1);
    std::vector<std::byte> buffer_;
    node_counters counters_;

    std::atomic<node_status> status_{node_status::created};
    bool running_ = false;
    bool virtual_time_ = false;
    int loops_ = 0;
    duration armed_ = duration::max();

    std::vector<std::weak_ptr<detail::event_channel<executor_type>>> event_channels_;
    event_subscription default_events_;  // async_next_event's
    ec_handler join_handler_;
    ec_handler leave_handler_;
    std::vector<ec_handler> stop_handlers_;

    mutable std::mutex mutex_;  // guards what follows
    std::vector<node_member> members_;
    std::optional<node_id> leader_;
    std::array<std::size_t, 5> state_counts_{};  // by node_state
    bool view_published_ = false;
    node_counters published_;
    std::optional<config_error> config_problem_;

    // Coroutines and send handlers hold a weak_ptr: they outlive a destroyed node harmlessly.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

/// A node over UDP and TCP with the binary codec.
using node = basic_node<udp_tcp_transport, binary_codec>;

} // namespace cohort

#endif // COHORT_NODE_HPP
