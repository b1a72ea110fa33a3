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
#include <cohort/histogram.hpp>
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
        make_security();
        open_default_events();
    }

    /// A node owning `t`; async_stop closes it.
    basic_node(Transport&& t, node_config cfg, Codec codec = Codec{}, Clock clock = Clock{})
        : owned_(std::move(t)), t_(&*owned_), cfg_(std::move(cfg)), codec_(std::move(codec)),
          clock_(std::move(clock)), timer_(t_->get_executor()), resolver_(t_->get_executor()) {
        make_hlc();
        make_security();
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

    /// Turns node_config::security's verify_incoming and verify_outgoing on
    /// or off while the node runs, without a restart, from the next message
    /// received and sent: the upshift of a running plaintext cluster. Give
    /// every node its keyring with both off (a node started without one
    /// needs that one restart: a keyring cannot be added to a running node),
    /// then turn verify_outgoing on node by node (each still accepts
    /// plaintext from the others), then verify_incoming node by node;
    /// reverse the steps to downshift. memberlist's GossipVerifyIncoming and
    /// GossipVerifyOutgoing need a rolling restart for each of those steps.
    /// Errors, with neither switch changed:
    /// boost::asio::error::operation_not_supported without a keyring;
    /// error::no_primary_key when turning verify_outgoing on while the
    /// keyring holds no key. Call on the executor, or before async_start
    /// (which then checks the switches as set here), as the other
    /// synchronous mutators; the keyring itself may change from any thread
    /// (security/keyring.hpp).
    boost::system::error_code set_security_verify(bool incoming, bool outgoing) {
        if (!security_) return boost::asio::error::operation_not_supported;
        if (auto ec = security_->set_verify(incoming, outgoing)) return ec;
        verify_incoming_.store(incoming, std::memory_order_relaxed);
        verify_outgoing_.store(outgoing, std::memory_order_relaxed);
        return {};
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
    /// Round trips of this node's direct probes, ping sent to ack heard, in
    /// seconds (fixed_histogram::round_trip_bounds(), 50 us to 2.5 s): the
    /// network and the member's receive loop, as memberlist's probe timing.
    /// An ack that came through a helper is not counted. Any thread.
    fixed_histogram const& probe_round_trips() const noexcept { return probe_round_trips_; }
    /// Whether this node refuses unsealed messages now (node_config::security,
    /// then set_security_verify); false without a keyring.
    bool security_verifies_incoming() const noexcept {
        return verify_incoming_.load(std::memory_order_relaxed);
    }
    /// Whether this node seals what it sends now; false without a keyring.
    bool security_verifies_outgoing() const noexcept {
        return verify_outgoing_.load(std::memory_order_relaxed);
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

    // ---- plumbing and operations on the executor: node/impl/node_operations.hpp -----------------

    template <class Signature, class Fn, class Token>
    auto initiate(Fn&& fn, Token& token);
    template <class Handler, class... Args>
    void complete(Handler h, Args&&... args);
    void set_status(node_status s);
    duration now() const;
    std::uint64_t wall_ms() const;
    void make_hlc();
    void make_security();
    [[noreturn]] static void throw_no_hlc();
    void make_core(std::uint64_t generation);

    void do_start(ec_handler h);
    boost::system::result<void, config_error> validate_with_switches() const;
    boost::system::result<void, config_error> check_id_against_transport() const;
    boost::system::error_code check_running() const;
    void do_join(std::vector<peer_address> seeds, join_retry retry, ec_handler h);
    void join_attempt();
    void join_attempt_done(boost::system::error_code ec);
    bool is_self(peer_address const& a) const;
    void complete_join(boost::system::error_code ec);
    void do_set_tags(std::vector<tag> tags, ec_handler h);
    template <class Handler, class Fn>
    void on_cancel(Handler& h, Fn fn);
    void do_leave(ec_handler h);
    void do_stop(stop_mode mode, ec_handler h);
    void shut_down();

    // ---- the driver: node/impl/node_driver.hpp --------------------------------------------------

    struct receive_handler;
    void receive_next();
    void on_received(boost::system::error_code ec, std::vector<std::byte> const& bytes);
    boost::asio::awaitable<void> timer_loop(std::weak_ptr<int> alive);
    void loop_done();
    boost::system::error_code decode_into(std::span<std::byte const> bytes, envelope& e);
    void on_inbound(std::vector<std::byte> const& bytes);
    void note_heard(envelope const& e);
    void process();
    void wake_timer(duration deadline);
    boost::system::error_code seal(std::vector<std::byte>& buffer, std::string_view host,
                                   std::uint16_t port);
    std::string_view peer_key_of(std::string_view host, std::uint16_t port);
    void flush_outbox();
    void send_encoded(endpoint_type const& to, peer_address const& address, delivery how,
                      std::size_t type, std::span<std::byte const> bytes);
    void on_frame_failed(peer_address const& to, boost::system::error_code ec);

    // ---- hostname resolution: node/impl/node_resolver.hpp ---------------------------------------

    std::optional<address_type> address_now(std::string const& host);
    resolve_entry* entry_for(std::string const& host);
    void wait_for_address(peer_address const& to, delivery how, std::size_t type);
    template <class Fn>
    void with_address(std::string const& host, Fn fn);
    void start_lookup(std::string const& host, resolve_entry& entry);
    void on_resolved(std::string const& host, boost::system::error_code ec,
                     typename resolver_type::results_type const& results);

    // ---- event subscriptions: node/impl/node_events.hpp -----------------------------------------

    void open_default_events();
    template <class Fn>
    void for_each_event_channel(Fn fn);
    void push_event(node_event const& e);

    // ---- the published view: node/impl/node_view.hpp --------------------------------------------

    void throw_if_no_view() const;
    node_member const* find_member(std::string_view name) const noexcept;
    void publish();
    void publish_in_place(duration t);
    node_member* find_member_mutable(std::string_view name) noexcept;
    void rebuild_view(duration t);

    // ==== application messages and view changes: node/impl/node_application.hpp ==================

    void do_send_application(node_id const& to, message body, delivery how, ec_handler h);
    boost::system::error_code encode_application(message& body);
    template <class Done>
    boost::system::error_code send_application_encoded(node_id const& to, message& body,
                                                       delivery how, Done& done);
    std::optional<endpoint_type> application_endpoint(node_id const& to);
    void deliver_application(envelope& e);
    static bool same_member(node_member const& a, node_member const& b) noexcept;
    void note_view(std::vector<node_member> const& next);

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
    std::optional<secure_channel> security_;  // with a keyring (node_config::security)
    std::vector<std::byte> sealed_;           // seal()'s output, swapped with the buffer sealed
    std::string peer_key_;                    // peer_key_of()'s buffer
    // security_'s switches as set_security_verify() left them, for any thread
    std::atomic<bool> verify_incoming_{false};
    std::atomic<bool> verify_outgoing_{false};
    node_counters counters_;
    fixed_histogram probe_round_trips_{fixed_histogram::round_trip_bounds()};

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

// The member functions' bodies, one file per seam (Beast-style impl headers).
#include <cohort/node/impl/node_operations.hpp>
#include <cohort/node/impl/node_driver.hpp>
#include <cohort/node/impl/node_resolver.hpp>
#include <cohort/node/impl/node_events.hpp>
#include <cohort/node/impl/node_view.hpp>
#include <cohort/node/impl/node_application.hpp>

#endif // COHORT_NODE_HPP
