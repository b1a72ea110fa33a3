// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_ROUTER_HPP
#define COHORT_ROUTING_ROUTER_HPP

// basic_router<Node, Strategy>: calls routed by key to the key's owner, over
// a basic_node.
//
// Ownership. The router builds a basic_ownership<Strategy> from the node's
// view (membership_view.hpp: active and suspected members own keys; joining,
// leaving and failed members do not) and publishes it through
// atomic_ownership, so owner(), owners() and fingerprint() may be called from
// any thread. The node's view listener triggers a rebuild; when the
// fingerprint changed, on_acquired / on_released report the hash ranges this
// node gained or lost (ownership_diff.hpp), for state handoff.
//
// Calls. async_call(key, topic, payload) runs the topic's handler here when
// this node owns the key, and otherwise sends a route_request (a frame) to
// the owner and completes with its route_reply. Every request carries the
// caller's ownership fingerprint. A receiver with the same fingerprint serves
// it; one with another fingerprint serves it only if it owns the key in its
// own view, and otherwise answers with a redirect naming the owner in its
// view. The caller follows at most max_redirects redirects, then fails with
// error::redirect_limit. A call always completes, exactly once:
//   - with the reply, or error::remote_handler_error (the bytes are the
//     handler's message), error::no_handler, error::no_owner;
//   - with error::call_timeout when no answer came within its timeout
//     (router_config::call_timeout, or call_options::timeout);
//   - at once, never retried, when the request itself cannot be sent for
//     its size: error::length_over_limit (a field, typically the payload,
//     over the codec's wire_limits::max_string_length, 64 KiB by default),
//     error::message_too_large (over wire_limits::max_message_size) or
//     error::frame_too_large (over the transport's max_frame_size());
//   - with error::reply_too_large when the owner's reply does not fit (the
//     same limits, at the owner): the owner sends a small reply_too_large
//     answer instead, whose bytes say how large the reply was, so the call
//     completes as soon as that arrives, not at its timeout. (A reply that
//     fits the owner's limits but not the caller's codec limit is dropped by
//     the caller's decoder: keep the codecs' limits equal across the cluster.)
//   - with error::owner_failed when the frame to the owner could not be sent,
//     or the view declares the owner failed (or forgets it) while the call
//     waits; with retry (router_config::retry_on_owner_failure or
//     call_options::retry), the call is sent once more, to the key's owner in
//     the first view that names another owner (the timeout still runs);
//   - with boost::asio::error::operation_aborted when the router is closed,
//     or when the call is cancelled through its completion token's
//     cancellation slot (any type; the request, if sent, is not recalled).
// Retries may run a request twice: enable them for idempotent requests only.
//
// Casts. async_cast sends a request nobody answers; it completes when the
// request was handed to the transport (or ran locally), or with the size
// errors a call would get. A receiver that does
// not own the key in its view forwards the cast to the owner it sees, up to
// max_redirects times, then drops it (router_counters::casts_dropped).
//
// Handlers. handle(topic, f) registers a synchronous handler returning the
// reply bytes or an error; handle_async(topic, f) one that answers later
// through a route_responder, from any thread. Handlers run on the node's
// executor. A responder dropped without an answer answers
// error::remote_handler_error, so a caller never waits on a lost handler.
// A handler that throws is answered the same way and counted
// (router_counters::handler_exceptions); the exception never leaves the
// router, so a buggy handler cannot stop the node's receive loop. Handlers
// should still answer with an error rather than throw: the caller learns
// only that the handler failed, not why.
//
// Virtual time. On a manual-time memory_network, timeouts follow the
// network's clock: call poll_time() after advancing it, as for the node.
//
// Threading. One router per node: it installs the node's application
// handler and view listener. Operations may be initiated from any thread;
// handle*, on_acquired, on_released, counters(), close() and destruction
// belong on the node's executor (or before anything runs). The router must
// be closed or destroyed before the node.
//
// Layout. This header declares basic_router; the bodies of its members are
// in impl/ headers included at its end, one per part: router_lifecycle.hpp
// (construction, close), router_calls.hpp (a call from initiation to
// completion), router_casts.hpp, router_serving.hpp (handlers, requests
// received, replies), router_ownership.hpp (the table and its changes),
// router_timeouts.hpp. The types it uses have headers of their own:
// router_config.hpp, call_options.hpp, route_context.hpp,
// route_responder.hpp, router_counters.hpp, and detail/pending_call.hpp.

#include <cohort/error.hpp>
#include <cohort/histogram.hpp>
#include <cohort/node.hpp>
#include <cohort/node_id.hpp>
#include <cohort/routing/atomic_ownership.hpp>
#include <cohort/routing/call_options.hpp>
#include <cohort/routing/detail/bytes.hpp>
#include <cohort/routing/detail/pending_call.hpp>
#include <cohort/routing/detail/slab.hpp>
#include <cohort/routing/detail/virtual_time.hpp>
#include <cohort/routing/key_hash.hpp>
#include <cohort/routing/membership_view.hpp>
#include <cohort/routing/ownership.hpp>
#include <cohort/routing/ownership_diff.hpp>
#include <cohort/routing/ring_member.hpp>
#include <cohort/routing/route_context.hpp>
#include <cohort/routing/route_responder.hpp>
#include <cohort/routing/router_config.hpp>
#include <cohort/routing/router_counters.hpp>
#include <cohort/routing/vnode_ring.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/messages.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
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
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <type_traits>
#include <utility>
#include <vector>

namespace cohort {

/// Routes calls by key over `Node` (a basic_node). See the top of this header.
template <class Node, class Strategy = vnode_ring>
class basic_router {
public:
    using node_type = Node;
    using strategy_type = Strategy;
    using ownership_type = basic_ownership<Strategy>;
    using executor_type = typename Node::executor_type;
    using duration = std::chrono::nanoseconds;

    /// A synchronous handler: the reply bytes or an error.
    using handler = std::function<route_result(route_context const&, std::span<std::byte const>)>;
    /// An asynchronous handler: answers through the responder, from any thread.
    using async_handler =
        std::function<void(route_context const&, std::vector<std::byte>, route_responder)>;

    /// The ranges this node gained (acquired: `to` is this node) or lost
    /// (released: `from` is this node) between two tables, and for slot
    /// strategies (maglev_table, bounded_partitions) the slots (partitions)
    /// likewise. Both empty for rendezvous, which has neither: compare
    /// `previous` and `current` by key with diff(old, new, keys).
    struct ownership_change {
        std::shared_ptr<ownership_type const> previous;
        std::shared_ptr<ownership_type const> current;
        std::vector<range_change> ranges;
        std::vector<slot_change> slots;
    };
    using change_callback = std::function<void(ownership_change const&)>;

    /// A router over `node`, which must outlive it. Throws
    /// boost::system::system_error (error::invalid_config, naming the field)
    /// on a bad config.
    explicit basic_router(Node& node, router_config cfg = {},
                          typename Strategy::config strategy = {});

    basic_router(basic_router const&) = delete;
    basic_router& operator=(basic_router const&) = delete;

    ~basic_router() { close(); }

    executor_type get_executor() const noexcept { return node_->get_executor(); }
    Node& node() noexcept { return *node_; }
    router_config const& config() const noexcept { return cfg_; }

    // ---- handlers and callbacks (on the executor) -------------------------------------------

    /// Serves `topic` with `h` (replacing any handler of that topic).
    void handle(std::string topic, handler h);

    /// Serves `topic` with an asynchronous handler.
    void handle_async(std::string topic, async_handler h);

    /// Stops serving `topic`: its requests are answered error::no_handler.
    void unhandle(std::string_view topic);

    /// Called after a new table was published, with the ranges this node gained.
    void on_acquired(change_callback f) { on_acquired_ = std::move(f); }
    /// Called after a new table was published, with the ranges this node lost.
    void on_released(change_callback f) { on_released_ = std::move(f); }

    // ---- ownership (any thread) -------------------------------------------------------------

    /// The key's owner in the current table; nothing when nobody owns keys.
    std::optional<node_id> owner(std::string_view key) const;
    /// The key's first min(n, owners) distinct owners (its replica list).
    std::vector<node_id> owners(std::string_view key, std::size_t n) const {
        return table_.read()->owners(key, n);
    }
    /// Whether this node owns `key` now.
    bool owns(std::string_view key) const;
    /// The current table (kept alive by the pointer).
    std::shared_ptr<ownership_type const> ownership() const { return table_.snapshot(); }
    std::uint64_t fingerprint() const noexcept { return table_.read()->fingerprint(); }

    router_counters counters() const noexcept { return counters_; }
    /// Time from each call (async_call, async_call_member) to its
    /// completion, whatever the outcome (a reply, an error, a timeout, a
    /// cancellation; not the calls close() aborts), redirects and retries
    /// included, in seconds
    /// (fixed_histogram::latency_bounds(), 0.5 ms to 10 s). Calls refused
    /// before they start (no owner, a full queue) are not counted. Any thread.
    fixed_histogram const& call_durations() const noexcept { return call_durations_; }
    std::size_t pending_calls() const noexcept { return pending_.size(); }

    // ---- operations (any thread) ------------------------------------------------------------

    /// Calls the owner of `key` with `payload` under `topic`. Signature:
    /// void(error_code, std::vector<std::byte>) (the reply, or with
    /// error::remote_handler_error the handler's message, with
    /// error::reply_too_large the owner's note of the reply's size).
    template <class Token>
    auto async_call(std::string_view key, std::string_view topic,
                    std::span<std::byte const> payload, call_options opts, Token&& token);

    template <class Token>
    auto async_call(std::string_view key, std::string_view topic,
                    std::span<std::byte const> payload, Token&& token) {
        return async_call(key, topic, payload, call_options{}, std::forward<Token>(token));
    }

    /// Calls `member` itself (not the key's owner): it serves the request
    /// whatever it owns, with `key` in its route_context. For replica
    /// writes, reads from a replica, and handoff. No redirects, no retry;
    /// otherwise as async_call. Signature: void(error_code, std::vector<std::byte>).
    template <class Token>
    auto async_call_member(node_id member, std::string_view key, std::string_view topic,
                           std::span<std::byte const> payload, call_options opts, Token&& token);

    template <class Token>
    auto async_call_member(node_id member, std::string_view key, std::string_view topic,
                           std::span<std::byte const> payload, Token&& token) {
        return async_call_member(std::move(member), key, topic, payload, call_options{},
                                 std::forward<Token>(token));
    }

    /// Sends `payload` under `topic` to the owner of `key`, without an
    /// answer. Completes when handed to the transport or run here:
    /// error::owner_failed when the frame could not be sent, error::no_owner.
    /// Signature: void(error_code).
    template <class Token>
    auto async_cast(std::string_view key, std::string_view topic,
                    std::span<std::byte const> payload, Token&& token);

    /// With virtual time: fails the calls whose timeout passed. Call on the
    /// executor after advancing the network's clock. No effect otherwise.
    void poll_time() {
        if (virtual_time_) expire_due();
    }

    /// Fails every pending call with operation_aborted and detaches from the
    /// node. Later operations fail with operation_aborted. On the executor.
    void close();

    /// Builds the table from `members` instead of the node's view, until
    /// follow_membership(): for drains, an external placement, or a test that
    /// needs two nodes to disagree. Owner failures are still read from the
    /// node's view. On the executor.
    void pin_view(std::vector<ring_member> members);
    /// Builds the table from the node's view again.
    void follow_membership();

    /// Rebuilds the table from the node's view now (the view listener does
    /// it after every view change). On the executor.
    void refresh();

private:
    using call_handler = detail::router_call_handler;
    using cast_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
    using timer_type =
        boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                          boost::asio::wait_traits<std::chrono::steady_clock>,
                                          executor_type>;

    using call_state = detail::router_call_state;
    using pending_call = detail::router_pending_call;

    template <class Signature, class Fn, class Token>
    auto initiate(Fn&& fn, Token& token);

    template <class Handler, class... Args>
    void complete(Handler h, Args&&... args);

    // ---- calls (impl/router_calls.hpp) ------------------------------------------------------

    static route_request& request_of(pending_call& p) noexcept {
        return *std::get_if<route_request>(&p.request);
    }

    void do_call(std::vector<std::byte> key, std::string topic, std::vector<std::byte> payload,
                 call_options opts, call_handler h, std::optional<node_id> direct = {});

    // Sends the call to p.target, or runs it here.
    void attempt(std::uint64_t id, pending_call& p);

    route_responder local_responder(std::uint64_t id);

    // Completes the call: posted, or with `from_reply` (on_reply runs in the
    // node's receive completion, never inside an initiating call) dispatched,
    // as Asio's own operations complete from their I/O: no extra trip through
    // the scheduler per answered call.
    void finish(std::uint64_t id, pending_call& p, boost::system::error_code ec,
                std::vector<std::byte> bytes, bool from_reply = false);

    template <class E>
    static boost::asio::io_context::executor_type const* io_target(E const& e) noexcept;

    // Both name the same io_context, and this thread runs it.
    template <class A, class B>
    static bool same_running_io_context(A const& a, B const& b) noexcept;

    auto live_call() {
        return [this](std::uint64_t id) { return pending_.find(id) != nullptr; };
    }

    void owner_failed(std::uint64_t id, pending_call& p);

    // A call waiting for a new owner goes as soon as the table names one.
    void retry_if_owner_moved(std::uint64_t id, pending_call& p);

    // After a view change: calls whose target failed or vanished.
    void check_pending(std::vector<node_member> const& view);

    void on_reply(envelope const& e, route_reply& rep);

    // ---- casts (impl/router_casts.hpp) ------------------------------------------------------

    void do_cast(std::string key, std::string topic, std::vector<std::byte> payload,
                 cast_handler h);

    // ---- the serving side (impl/router_serving.hpp) -----------------------------------------

    void serve(std::string_view key, hashed_key hash, std::string_view topic,
               node_id const& from, bool local, bool want_reply,
               std::vector<std::byte> payload, route_responder r);

    void on_application(envelope& e);

    static bool too_large(boost::system::error_code const& ec) noexcept {
        return ec == error::length_over_limit || ec == error::message_too_large ||
               ec == error::frame_too_large;
    }

    // The smallest payload a reply may be refused for: below it, the reply
    // fits any limits a working cluster can have, and its send callback does
    // not need a copy of the caller's id (one allocation per reply).
    std::size_t reply_size_watch() const noexcept;

    void reply(node_id const& to, route_reply r);

    // The reply to request `id` carrying a handler's result.
    void reply_with(node_id const& to, std::uint64_t id, route_result res);

    // Answers (or forwards) a request this node must not serve: true when done.
    bool redirected(envelope const& e, route_request& req, hashed_key hash);

    void on_request(envelope const& e, route_request& req);

    // ---- ownership changes (impl/router_ownership.hpp) --------------------------------------

    // What decides placement: the owning members' ids and weights, in id order.
    static std::vector<std::pair<std::string, std::uint32_t>>
    owning_members(std::vector<ring_member> const& ring);

    void report_change(std::shared_ptr<ownership_type const> const& previous,
                       std::shared_ptr<ownership_type const> const& current);

    // ---- timeouts (impl/router_timeouts.hpp) ------------------------------------------------

    void arm_timer();

    void expire_due();

    Node* node_;
    router_config cfg_;
    typename Strategy::config strategy_;
    atomic_ownership<Strategy> table_;
    std::uint64_t tables_ = 0;
    std::optional<std::vector<ring_member>> pinned_;
    std::vector<std::pair<std::string, std::uint32_t>> last_owners_;
    struct topic_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    // A topic's handler; `sync` too when it was registered with handle(), so
    // that a remote request can be answered without a responder.
    struct topic_handlers {
        std::shared_ptr<async_handler const> async;
        std::shared_ptr<handler const> sync;
    };
    std::unordered_map<std::string, topic_handlers, topic_hash, std::equal_to<>> handlers_;
    change_callback on_acquired_;
    change_callback on_released_;

    detail::slab<pending_call> pending_;  // the call's key is its request id
    detail::deadline_queue deadlines_;
    timer_type timer_;
    bool timer_armed_ = false;
    duration armed_at_{};
    std::uint64_t timer_gen_ = 0;
    bool virtual_time_ = false;
    bool closed_ = false;
    node_subscription application_sub_;  // the route types only: user code and
    node_subscription view_sub_;         // other layers share the node
    router_counters counters_;
    fixed_histogram call_durations_{fixed_histogram::latency_bounds()};

    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

/// A router over the UDP+TCP node, on a vnode ring.
using router = basic_router<node>;

} // namespace cohort

#include <cohort/routing/impl/router_lifecycle.hpp>
#include <cohort/routing/impl/router_calls.hpp>
#include <cohort/routing/impl/router_casts.hpp>
#include <cohort/routing/impl/router_serving.hpp>
#include <cohort/routing/impl/router_ownership.hpp>
#include <cohort/routing/impl/router_timeouts.hpp>

#endif // COHORT_ROUTING_ROUTER_HPP
