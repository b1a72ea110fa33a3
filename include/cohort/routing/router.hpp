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

#include <cohort/error.hpp>
#include <cohort/node.hpp>
#include <cohort/node_id.hpp>
#include <cohort/routing/atomic_ownership.hpp>
#include <cohort/routing/detail/slab.hpp>
#include <cohort/routing/key_hash.hpp>
#include <cohort/routing/membership_view.hpp>
#include <cohort/routing/ownership.hpp>
#include <cohort/routing/ownership_diff.hpp>
#include <cohort/routing/ring_member.hpp>
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

/// Configuration of a basic_router.
struct router_config {
    /// How long a call waits for its answer unless call_options says
    /// otherwise (default 5 s). Must be positive.
    std::chrono::nanoseconds call_timeout = std::chrono::seconds(5);
    /// Redirects a call follows (and forwards a cast takes) before failing
    /// with error::redirect_limit (default 2). At most 16.
    std::uint32_t max_redirects = 2;
    /// Send a call once more, to the new owner, when its owner fails
    /// mid-call (default false: a retry can run a request twice).
    bool retry_on_owner_failure = false;
    /// Calls waiting for an answer at once; beyond, async_call fails with
    /// error::send_queue_full (default 65536). Must be at least 1.
    std::size_t max_pending_calls = 65536;
    /// How members become ring members (suspects keep their keys by default).
    membership_view_config view;
};

/// Checks `cfg`; the error names the first bad field.
inline boost::system::result<void, config_error> validate(router_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return boost::system::result<void, config_error>(
            boost::system::in_place_error, config_error{error::invalid_config, field, rule});
    };
    if (cfg.call_timeout <= std::chrono::nanoseconds::zero())
        return fail("router_config.call_timeout", "must be positive");
    if (cfg.max_redirects > 16) return fail("router_config.max_redirects", "must be at most 16");
    if (cfg.max_pending_calls == 0)
        return fail("router_config.max_pending_calls", "must be at least 1");
    if (cfg.view.default_weight > ring_member::max_weight)
        return fail("router_config.view.default_weight", "must be at most 1024");
    return {};
}

/// Per-call overrides of router_config.
struct call_options {
    /// This call's timeout instead of router_config::call_timeout; positive.
    std::optional<std::chrono::nanoseconds> timeout;
    /// Whether to retry at the new owner instead of router_config's choice.
    std::optional<bool> retry;
};

/// What a handler learns about the request it serves. Valid during the
/// handler call only.
struct route_context {
    std::string_view key;
    hashed_key hash;
    std::string_view topic;
    node_id const& from;    ///< the calling node (this node for a local call)
    bool local = false;     ///< called on this node, without the network
    bool want_reply = true; ///< false for a cast: the answer is discarded
};

/// A handler's answer: the reply bytes, or an error (its message travels).
using route_result = boost::system::result<std::vector<std::byte>>;

/// Answers one request, once, from any thread. Destroyed unanswered, it
/// answers error::remote_handler_error.
class route_responder {
public:
    route_responder() = default;
    route_responder(route_responder&&) noexcept = default;
    route_responder& operator=(route_responder&& o) noexcept {
        if (this != &o) {
            abandon();
            deliver_ = std::move(o.deliver_);
        }
        return *this;
    }
    route_responder(route_responder const&) = delete;
    route_responder& operator=(route_responder const&) = delete;
    ~route_responder() { abandon(); }

    /// Sends the answer; later calls do nothing.
    void operator()(route_result r) {
        if (auto d = std::exchange(deliver_, nullptr)) d(std::move(r));
    }
    explicit operator bool() const noexcept { return static_cast<bool>(deliver_); }

    /// For the router: `deliver` runs once with the answer.
    explicit route_responder(std::function<void(route_result)> deliver)
        : deliver_(std::move(deliver)) {}

private:
    void abandon() {
        if (deliver_)
            (*this)(route_result(boost::system::error_code(error::remote_handler_error)));
    }
    std::function<void(route_result)> deliver_;
};

/// What a basic_router did; read with counters() on the executor.
struct router_counters {
    std::uint64_t calls_local = 0;        ///< calls served on this node
    std::uint64_t calls_forwarded = 0;    ///< calls sent to another node (first attempt)
    std::uint64_t casts = 0;              ///< casts initiated here
    std::uint64_t requests_served = 0;    ///< remote requests and casts handed to a handler
    std::uint64_t redirects_sent = 0;     ///< requests answered with a redirect
    std::uint64_t redirects_followed = 0; ///< redirects this node's calls followed
    std::uint64_t redirect_limits = 0;    ///< calls failed with error::redirect_limit
    std::uint64_t view_mismatches = 0;    ///< requests carrying another fingerprint
    std::uint64_t timeouts = 0;           ///< calls failed with error::call_timeout
    std::uint64_t owner_failures = 0;     ///< calls whose owner failed (retried or not)
    std::uint64_t retries = 0;            ///< calls sent again to a new owner
    std::uint64_t stray_replies = 0;      ///< replies to no pending call, or from another node
    std::uint64_t casts_forwarded = 0;    ///< casts passed on to the owner in this view
    std::uint64_t casts_dropped = 0;      ///< casts over the redirect limit
    std::uint64_t tables_published = 0;   ///< ownership tables built from a new view
    std::uint64_t cancelled = 0;          ///< calls cancelled through their slot
    std::uint64_t requests_too_large = 0; ///< calls and casts whose request did not fit
    std::uint64_t replies_too_large = 0;  ///< replies replaced by a reply_too_large answer
    std::uint64_t handler_exceptions = 0; ///< handlers that threw (answered remote_handler_error)
};

namespace detail {

template <class T>
concept virtual_time_transport = requires(T const& t) {
    { t.network().now() } -> std::convertible_to<std::chrono::nanoseconds>;
    t.network().config().time_source;
};

inline std::vector<std::byte> to_bytes(std::string_view s) {
    auto const* p = reinterpret_cast<std::byte const*>(s.data());
    return {p, p + s.size()};
}

inline std::string_view to_text(std::span<std::byte const> b) {
    return {reinterpret_cast<char const*>(b.data()), b.size()};
}

} // namespace detail

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
                          typename Strategy::config strategy = {})
        : node_(&node), cfg_(std::move(cfg)), strategy_(strategy), timer_(node.get_executor()) {
        if (auto r = validate(cfg_); !r) throw_exception_from_error(r.error(), BOOST_CURRENT_LOCATION);
        if (auto r = Strategy::validate(strategy_); !r)
            throw_exception_from_error(r.error(), BOOST_CURRENT_LOCATION);
        if constexpr (detail::virtual_time_transport<typename Node::transport_type>)
            virtual_time_ = node.transport().network().config().time_source ==
                            memory_time_source::manual;
        application_sub_ = node_->subscribe_application(
            application_filter::of<route_request, route_reply>(),
            [this](envelope& e) { on_application(e); });
        view_sub_ = node_->subscribe_view([this] { refresh(); });
        refresh();
    }

    basic_router(basic_router const&) = delete;
    basic_router& operator=(basic_router const&) = delete;

    ~basic_router() { close(); }

    executor_type get_executor() const noexcept { return node_->get_executor(); }
    Node& node() noexcept { return *node_; }
    router_config const& config() const noexcept { return cfg_; }

    // ---- handlers and callbacks (on the executor) -------------------------------------------

    /// Serves `topic` with `h` (replacing any handler of that topic).
    void handle(std::string topic, handler h) {
        auto sync = std::make_shared<handler const>(std::move(h));
        auto async = std::make_shared<async_handler const>(
            [sync](route_context const& ctx, std::vector<std::byte> payload, route_responder r) {
                r((*sync)(ctx, payload));
            });
        handlers_.insert_or_assign(std::move(topic), topic_handlers{std::move(async), std::move(sync)});
    }

    /// Serves `topic` with an asynchronous handler.
    void handle_async(std::string topic, async_handler h) {
        handlers_.insert_or_assign(
            std::move(topic),
            topic_handlers{std::make_shared<async_handler const>(std::move(h)), nullptr});
    }

    /// Stops serving `topic`: its requests are answered error::no_handler.
    void unhandle(std::string_view topic) {
        if (auto it = handlers_.find(topic); it != handlers_.end()) handlers_.erase(it);
    }

    /// Called after a new table was published, with the ranges this node gained.
    void on_acquired(change_callback f) { on_acquired_ = std::move(f); }
    /// Called after a new table was published, with the ranges this node lost.
    void on_released(change_callback f) { on_released_ = std::move(f); }

    // ---- ownership (any thread) -------------------------------------------------------------

    /// The key's owner in the current table; nothing when nobody owns keys.
    std::optional<node_id> owner(std::string_view key) const {
        auto g = table_.read();
        if (g->empty()) return std::nullopt;
        return g->owner(key);
    }
    /// The key's first min(n, owners) distinct owners (its replica list).
    std::vector<node_id> owners(std::string_view key, std::size_t n) const {
        return table_.read()->owners(key, n);
    }
    /// Whether this node owns `key` now.
    bool owns(std::string_view key) const {
        auto g = table_.read();
        return !g->empty() && g->owner(key) == node_->local_id();
    }
    /// The current table (kept alive by the pointer).
    std::shared_ptr<ownership_type const> ownership() const { return table_.snapshot(); }
    std::uint64_t fingerprint() const noexcept { return table_.read()->fingerprint(); }

    router_counters counters() const noexcept { return counters_; }
    std::size_t pending_calls() const noexcept { return pending_.size(); }

    // ---- operations (any thread) ------------------------------------------------------------

    /// Calls the owner of `key` with `payload` under `topic`. Signature:
    /// void(error_code, std::vector<std::byte>) (the reply, or with
    /// error::remote_handler_error the handler's message, with
    /// error::reply_too_large the owner's note of the reply's size).
    template <class Token>
    auto async_call(std::string_view key, std::string_view topic,
                    std::span<std::byte const> payload, call_options opts, Token&& token) {
        return initiate<void(boost::system::error_code, std::vector<std::byte>)>(
            [this, key = detail::to_bytes(key), topic = std::string(topic),
             payload = std::vector<std::byte>(payload.begin(), payload.end()),
             opts](auto h) mutable {
                do_call(std::move(key), std::move(topic), std::move(payload), opts, std::move(h));
            },
            token);
    }

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
                           std::span<std::byte const> payload, call_options opts, Token&& token) {
        opts.retry = false;
        return initiate<void(boost::system::error_code, std::vector<std::byte>)>(
            [this, member = std::move(member), key = detail::to_bytes(key),
             topic = std::string(topic),
             payload = std::vector<std::byte>(payload.begin(), payload.end()),
             opts](auto h) mutable {
                do_call(std::move(key), std::move(topic), std::move(payload), opts, std::move(h),
                        std::move(member));
            },
            token);
    }

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
                    std::span<std::byte const> payload, Token&& token) {
        return initiate<void(boost::system::error_code)>(
            [this, key = std::string(key), topic = std::string(topic),
             payload = std::vector<std::byte>(payload.begin(), payload.end())](auto h) mutable {
                do_cast(std::move(key), std::move(topic), std::move(payload), std::move(h));
            },
            token);
    }

    /// With virtual time: fails the calls whose timeout passed. Call on the
    /// executor after advancing the network's clock. No effect otherwise.
    void poll_time() {
        if (virtual_time_) expire_due();
    }

    /// Fails every pending call with operation_aborted and detaches from the
    /// node. Later operations fail with operation_aborted. On the executor.
    void close() {
        if (closed_) return;
        closed_ = true;
        application_sub_.reset();
        view_sub_.reset();
        timer_.cancel();
        std::vector<call_handler> handlers;
        handlers.reserve(pending_.size());
        pending_.for_each([&](std::uint64_t, pending_call& p) {
            handlers.push_back(std::move(p.handler));
            p.request = message{};
        });
        pending_.clear();
        deadlines_.clear();
        for (auto& h : handlers)
            complete(std::move(h), make_error_code(boost::asio::error::operation_aborted),
                     std::vector<std::byte>{});
    }

    /// Builds the table from `members` instead of the node's view, until
    /// follow_membership(): for drains, an external placement, or a test that
    /// needs two nodes to disagree. Owner failures are still read from the
    /// node's view. On the executor.
    void pin_view(std::vector<ring_member> members) {
        pinned_ = std::move(members);
        refresh();
    }
    /// Builds the table from the node's view again.
    void follow_membership() {
        pinned_.reset();
        refresh();
    }

    /// Rebuilds the table from the node's view now (the view listener does
    /// it after every view change). On the executor.
    void refresh() {
        if (closed_) return;
        // Before the node starts there is no view: an empty one (no owner).
        auto const view = node_->has_view() ? node_->members() : std::vector<node_member>{};
        auto const ring = pinned_ ? *pinned_ : membership_view(view, cfg_.view);
        // Building a table costs O(owners x vnodes); most view changes (a
        // suspicion, a refutation, tags) leave the owners as they were.
        auto owners = owning_members(ring);
        if (tables_ != 0 && owners == last_owners_) return check_pending(view);
        auto next = ownership_type::make(ring, strategy_);
        if (next) {
            last_owners_ = std::move(owners);
            auto const current = table_.snapshot();
            if (next->fingerprint() != current->fingerprint() || tables_ == 0) {
                auto fresh = std::make_shared<ownership_type const>(std::move(*next));
                table_.publish(fresh);
                ++tables_;
                ++counters_.tables_published;
                report_change(current, fresh);
            }
        }
        check_pending(view);
    }

private:
    using call_handler = boost::asio::any_completion_handler<void(boost::system::error_code,
                                                                  std::vector<std::byte>)>;
    using cast_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
    using timer_type =
        boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                          boost::asio::wait_traits<std::chrono::steady_clock>,
                                          executor_type>;

    enum class call_state : std::uint8_t {
        in_flight,         // sent to `target` (or running locally)
        waiting_for_view,  // the owner failed; retry when the view names another
    };

    struct pending_call {
        call_handler handler;
        // The route_request sent (key, topic and payload kept for redirects
        // and retries), held as the message the node encodes: no copy per send.
        message request;
        hashed_key hash;
        node_id target;
        std::uint32_t attempts = 0;  // identifies the send a failure belongs to
        std::uint32_t hops = 0;
        bool retry = false;
        bool direct = false;  // async_call_member: no ownership check at the receiver
        call_state state = call_state::in_flight;
    };

    template <class Signature, class Fn, class Token>
    auto initiate(Fn&& fn, Token& token) {
        return boost::asio::async_initiate<Token, Signature>(
            [this](auto handler, auto fn) {
                using any = boost::asio::any_completion_handler<Signature>;
                boost::asio::dispatch(node_->get_executor(),
                                      [fn = std::move(fn), h = any(std::move(handler))]() mutable {
                                          fn(std::move(h));
                                      });
            },
            token, std::forward<Fn>(fn));
    }

    template <class Handler, class... Args>
    void complete(Handler h, Args&&... args) {
        boost::asio::post(node_->get_executor(),
                          boost::asio::append(std::move(h), std::forward<Args>(args)...));
    }

    // ---- calls ------------------------------------------------------------------------------

    static route_request& request_of(pending_call& p) noexcept {
        return *std::get_if<route_request>(&p.request);
    }

    void do_call(std::vector<std::byte> key, std::string topic, std::vector<std::byte> payload,
                 call_options opts, call_handler h, std::optional<node_id> direct = {}) {
        if (closed_)
            return complete(std::move(h), make_error_code(boost::asio::error::operation_aborted),
                            std::vector<std::byte>{});
        if (pending_.size() >= cfg_.max_pending_calls)
            return complete(std::move(h), make_error_code(error::send_queue_full),
                            std::vector<std::byte>{});
        auto const timeout = opts.timeout.value_or(cfg_.call_timeout);
        auto const hash = hash_key(detail::to_text(key));
        bool const is_direct = direct.has_value();
        std::uint64_t id = 0;
        pending_call* slot = nullptr;
        {
            // The owner is copied into a reused slot straight from the table
            // (its string keeps its storage): held only that long.
            auto g = table_.read();
            node_id const* target = is_direct ? &*direct : g->empty() ? nullptr : &g->owner(hash);
            if (!target || target->empty())
                return complete(std::move(h), make_error_code(error::no_owner),
                                std::vector<std::byte>{});
            auto inserted = pending_.insert();
            id = inserted.first;
            slot = &inserted.second;
            slot->target = *target;
        }
        pending_call& p = *slot;
        p.handler.swap(h);  // not operator=: Boost 1.81 wraps the handler in itself
        p.request = route_request{id, std::move(key), std::move(topic), 0, 0, true,
                                  std::move(payload), is_direct};
        p.hash = hash;
        p.hops = 0;
        p.retry = opts.retry.value_or(cfg_.retry_on_owner_failure);
        p.direct = is_direct;
        p.state = call_state::in_flight;
        deadlines_.push(node_->monotonic_now() + timeout, id);
        // Per-call cancellation (terminal, partial or total, from any thread):
        // the call completes with operation_aborted; a request already sent is
        // not recalled, its late reply is dropped.
        if (auto slot = p.handler.get_cancellation_slot(); slot.is_connected()) {
            slot.assign([this, id, ex = node_->get_executor(),
                         alive = std::weak_ptr<int>(alive_)](boost::asio::cancellation_type) {
                // post, not dispatch: finish() clears the slot, which must not
                // happen inside the emit that runs this handler.
                boost::asio::post(ex, [this, id, alive] {
                    if (alive.expired()) return;
                    if (auto* c = pending_.find(id)) {
                        ++counters_.cancelled;
                        finish(id, *c, make_error_code(boost::asio::error::operation_aborted), {});
                    }
                });
            });
        }
        if (p.target == node_->local_id())
            ++counters_.calls_local;
        else
            ++counters_.calls_forwarded;
        arm_timer();
        attempt(id, p);
    }

    // Sends the call to p.target, or runs it here.
    void attempt(std::uint64_t id, pending_call& p) {
        p.state = call_state::in_flight;
        auto const this_attempt = ++p.attempts;
        auto& req = request_of(p);
        if (p.target == node_->local_id()) {
            // Copies: a synchronous answer erases `p` while the handler runs.
            auto const key = std::string(detail::to_text(req.key));
            auto const topic = req.topic;
            serve(key, p.hash, topic, node_->local_id(), true, true, req.payload,
                  local_responder(id));
            return;
        }
        req.fingerprint = fingerprint();
        req.hops = p.hops;
        node_->send_application_now(
            p.target, p.request, delivery::frame,
            [this, id, this_attempt, alive = std::weak_ptr<int>(alive_)](
                boost::system::error_code ec) {
                if (!ec || alive.expired()) return;
                auto* c = pending_.find(id);
                // Only this send's failure: the call may have moved on since.
                if (!c || c->attempts != this_attempt || c->state != call_state::in_flight)
                    return;
                // Too large for any owner: say so now rather than retry.
                if (too_large(ec)) {
                    ++counters_.requests_too_large;
                    return finish(id, *c, ec, {});
                }
                owner_failed(id, *c);
            });
    }

    route_responder local_responder(std::uint64_t id) {
        return route_responder([this, id, ex = node_->get_executor(),
                                alive = std::weak_ptr<int>(alive_)](route_result r) {
            boost::asio::dispatch(ex, [this, id, alive, r = std::move(r)]() mutable {
                if (alive.expired()) return;
                auto* c = pending_.find(id);
                if (!c || c->target != node_->local_id()) return;
                if (r)
                    finish(id, *c, {}, std::move(*r));
                else if (r.error() == error::no_handler)
                    finish(id, *c, r.error(), {});
                else
                    finish(id, *c, make_error_code(error::remote_handler_error),
                           detail::to_bytes(r.error().message()));
            });
        });
    }

    // Completes the call: posted, or with `from_reply` (on_reply runs in the
    // node's receive completion, never inside an initiating call) dispatched,
    // as Asio's own operations complete from their I/O: no extra trip through
    // the scheduler per answered call.
    void finish(std::uint64_t id, pending_call& p, boost::system::error_code ec,
                std::vector<std::byte> bytes, bool from_reply = false) {
        auto h = std::move(p.handler);
        if (auto slot = h.get_cancellation_slot(); slot.is_connected()) slot.clear();
        p.request = message{};  // the payload must not linger in a free slot
        pending_.erase(id);
        // Its deadline goes when it reaches the top (at once when calls
        // finish in the order they started), or at the next compaction.
        deadlines_.earliest(live_call());
        deadlines_.compact(pending_.size(), live_call());
        if (!from_reply) return complete(std::move(h), ec, std::move(bytes));
        // What dispatch would do, without its work-tracking executor copy:
        // a handler of this io_context, running here, is called directly.
        auto const ex = node_->get_executor();
        if (same_running_io_context(boost::asio::get_associated_executor(h, ex), ex))
            return std::move(h)(ec, std::move(bytes));
        boost::asio::dispatch(ex, boost::asio::append(std::move(h), ec, std::move(bytes)));
    }

    template <class E>
    static boost::asio::io_context::executor_type const* io_target(E const& e) noexcept {
        using io_ex = boost::asio::io_context::executor_type;
        if constexpr (std::is_same_v<E, io_ex>)
            return &e;
        else if constexpr (requires { e.template target<io_ex>(); })
            return e.template target<io_ex>();
        else
            return nullptr;
    }

    // Both name the same io_context, and this thread runs it.
    template <class A, class B>
    static bool same_running_io_context(A const& a, B const& b) noexcept {
        auto const* x = io_target(a);
        auto const* y = io_target(b);
        return x != nullptr && y != nullptr && *x == *y && x->running_in_this_thread();
    }

    auto live_call() {
        return [this](std::uint64_t id) { return pending_.find(id) != nullptr; };
    }

    void owner_failed(std::uint64_t id, pending_call& p) {
        ++counters_.owner_failures;
        if (!p.retry) return finish(id, p, make_error_code(error::owner_failed), {});
        p.retry = false;  // once
        ++counters_.retries;
        p.state = call_state::waiting_for_view;
        retry_if_owner_moved(id, p);
    }

    // A call waiting for a new owner goes as soon as the table names one.
    void retry_if_owner_moved(std::uint64_t id, pending_call& p) {
        std::optional<node_id> next;
        {
            auto g = table_.read();
            if (!g->empty()) next = g->owner(p.hash);
        }
        if (!next || *next == p.target) return;
        p.target = std::move(*next);
        p.hops = 0;
        attempt(id, p);
    }

    // After a view change: calls whose target failed or vanished.
    void check_pending(std::vector<node_member> const& view) {
        if (pending_.empty()) return;
        // Failed, or back at another address (a restart). A member this node
        // never heard of (a redirect's target) is not presumed dead: the
        // timeout covers it.
        auto const gone = [&](node_id const& target) {
            for (auto const& m : view)
                if (m.id.name() == target.name())
                    return m.state == node_state::failed || m.id != target;
            return false;
        };
        // Collect first: a retry served locally completes (and erases) its call.
        std::vector<std::uint64_t> waiting;
        std::vector<std::uint64_t> failed_ids;
        pending_.for_each([&](std::uint64_t id, pending_call& p) {
            if (p.state == call_state::waiting_for_view)
                waiting.push_back(id);
            else if (p.target != node_->local_id() && gone(p.target))
                failed_ids.push_back(id);
        });
        for (auto id : waiting)
            if (auto* c = pending_.find(id)) retry_if_owner_moved(id, *c);
        for (auto id : failed_ids)
            if (auto* c = pending_.find(id)) owner_failed(id, *c);
    }

    // ---- casts ------------------------------------------------------------------------------

    void do_cast(std::string key, std::string topic, std::vector<std::byte> payload,
                 cast_handler h) {
        if (closed_)
            return complete(std::move(h), make_error_code(boost::asio::error::operation_aborted));
        ++counters_.casts;
        auto const hash = hash_key(key);
        std::optional<node_id> target;
        {
            auto g = table_.read();
            if (!g->empty()) target = g->owner(hash);
        }
        if (!target) return complete(std::move(h), make_error_code(error::no_owner));
        if (*target == node_->local_id()) {
            serve(key, hash, topic, node_->local_id(), true, false, std::move(payload),
                  route_responder());
            return complete(std::move(h), boost::system::error_code{});
        }
        route_request req{0, detail::to_bytes(key), std::move(topic), fingerprint(), 0, false,
                          std::move(payload)};
        node_->async_send_application(
            std::move(*target), message(std::move(req)),
            [this, h = std::move(h)](boost::system::error_code ec) mutable {
                if (too_large(ec))
                    ++counters_.requests_too_large;
                else if (ec)
                    ec = make_error_code(error::owner_failed);
                complete(std::move(h), ec);
            });
    }

    // ---- the serving side -------------------------------------------------------------------

    void serve(std::string_view key, hashed_key hash, std::string_view topic,
               node_id const& from, bool local, bool want_reply,
               std::vector<std::byte> payload, route_responder r) {
        auto it = handlers_.find(topic);
        if (it == handlers_.end()) {
            if (r) r(route_result(boost::system::error_code(error::no_handler)));
            return;
        }
        if (!r) r = route_responder([](route_result) {});
        route_context const ctx{key, hash, topic, from, local, want_reply};
        // Hold the handler: it may replace itself.
        auto const h = it->second.async;
        std::weak_ptr<int> const alive = alive_;
        try {
            (*h)(ctx, std::move(payload), std::move(r));
        } catch (...) {
            // The responder, destroyed by the unwinding, has answered
            // error::remote_handler_error; the exception stops here.
            if (!alive.expired()) ++counters_.handler_exceptions;
        }
    }

    void on_application(envelope& e) {
        if (closed_) return;
        if (auto* req = std::get_if<route_request>(&e.body)) return on_request(e, *req);
        if (auto* rep = std::get_if<route_reply>(&e.body)) return on_reply(e, *rep);
        // user_message: not the router's business.
    }

    static bool too_large(boost::system::error_code const& ec) noexcept {
        return ec == error::length_over_limit || ec == error::message_too_large ||
               ec == error::frame_too_large;
    }

    // The smallest payload a reply may be refused for: below it, the reply
    // fits any limits a working cluster can have, and its send callback does
    // not need a copy of the caller's id (one allocation per reply).
    std::size_t reply_size_watch() const noexcept {
        std::size_t limit = std::size_t(-1);
        if constexpr (requires { node_->transport().max_frame_size(); })
            limit = std::min<std::size_t>(limit, node_->transport().max_frame_size());
        if constexpr (requires { node_->codec().limits().max_message_size; }) {
            auto const& l = node_->codec().limits();
            limit = std::min({limit, l.max_message_size, l.max_string_length});
        }
        return std::min<std::size_t>(1024, limit / 4);  // JSON: base64 grows bytes by 4/3
    }

    void reply(node_id const& to, route_reply r) {
        if (r.status == route_status::reply_too_large || r.payload.size() < reply_size_watch()) {
            message m(std::move(r));
            node_->send_application_now(to, m, delivery::frame, [](boost::system::error_code) {
                // A lost reply is the caller's timeout or owner failure.
            });
            return;
        }
        // A reply that may not fit: if it does not, a small reply_too_large
        // answer goes instead, so that the caller need not wait for its timeout.
        auto const id = r.id;
        auto const size = r.payload.size();
        message m(std::move(r));
        node_->send_application_now(
            to, m, delivery::frame,
            [this, to, id, size, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
                if (!too_large(ec) || alive.expired() || closed_) return;
                ++counters_.replies_too_large;
                auto text = "reply of " + std::to_string(size) + " payload bytes: " + ec.message();
                reply(to, route_reply{id, route_status::reply_too_large, std::nullopt,
                                      fingerprint(), detail::to_bytes(text)});
            });
    }

    // The reply to request `id` carrying a handler's result.
    void reply_with(node_id const& to, std::uint64_t id, route_result res) {
        route_reply out{id, route_status::ok, std::nullopt, fingerprint(), {}};
        if (res) {
            out.payload = std::move(*res);
        } else if (res.error() == error::no_handler) {
            out.status = route_status::no_handler;
        } else {
            out.status = route_status::handler_error;
            out.payload = detail::to_bytes(res.error().message());
        }
        reply(to, std::move(out));
    }

    // Answers (or forwards) a request this node must not serve: true when done.
    bool redirected(envelope const& e, route_request& req, hashed_key hash) {
        auto const table = table_.read();  // short: released before the handler runs
        // Same fingerprint, first hop: the sender's table is ours, so we own
        // the key. Otherwise (another view, or a redirected request, whose
        // target was not picked by the sender's table) check.
        bool const mismatch = req.fingerprint != table->fingerprint();
        if (mismatch) ++counters_.view_mismatches;
        if (req.direct || (!mismatch && req.hops == 0)) return false;
        if (table->empty()) {
            if (req.want_reply)
                reply(e.sender, route_reply{req.id, route_status::no_owner, std::nullopt,
                                            table->fingerprint(), {}});
            return true;
        }
        node_id const& owner = table->owner(hash);
        if (owner == node_->local_id()) return false;
        if (req.want_reply) {
            ++counters_.redirects_sent;
            reply(e.sender, route_reply{req.id, route_status::redirect, owner,
                                        table->fingerprint(), {}});
        } else if (req.hops < cfg_.max_redirects && owner != e.sender) {
            ++counters_.casts_forwarded;
            req.fingerprint = table->fingerprint();
            ++req.hops;
            node_->async_send_application(owner, message(std::move(req)),
                                          [](boost::system::error_code) {});
        } else {
            ++counters_.casts_dropped;
        }
        return true;
    }

    void on_request(envelope const& e, route_request& req) {
        auto const key = detail::to_text(req.key);
        auto const hash = hash_key(key);
        if (redirected(e, req, hash)) return;
        ++counters_.requests_served;
        if (req.want_reply) {
            if (auto it = handlers_.find(req.topic); it != handlers_.end() && it->second.sync) {
                // A synchronous handler answers right here: no responder, no
                // copy of the sender, what route_responder would do.
                auto const h = it->second.sync;  // hold it: it may replace itself
                std::weak_ptr<int> const alive = alive_;
                route_context const ctx{key, hash, req.topic, e.sender, false, true};
                std::optional<route_result> res;
                try {
                    res.emplace((*h)(ctx, req.payload));
                } catch (...) {
                    // Answered as a responder dropped by the unwinding would,
                    // counted, and never rethrown: the node keeps serving.
                    if (alive.expired()) return;
                    ++counters_.handler_exceptions;
                    if (!closed_)
                        reply_with(e.sender, req.id,
                                   route_result(boost::system::error_code(error::remote_handler_error)));
                    return;
                }
                if (alive.expired() || closed_) return;
                return reply_with(e.sender, req.id, std::move(*res));
            }
        }
        route_responder r;
        if (req.want_reply) {
            r = route_responder([this, to = e.sender, id = req.id, ex = node_->get_executor(),
                                 alive = std::weak_ptr<int>(alive_)](route_result res) {
                boost::asio::dispatch(ex, [this, to, id, alive, res = std::move(res)]() mutable {
                    if (alive.expired() || closed_) return;
                    reply_with(to, id, std::move(res));
                });
            });
        }
        serve(key, hash, req.topic, e.sender, false, req.want_reply, std::move(req.payload),
              std::move(r));
    }

    void on_reply(envelope const& e, route_reply& rep) {
        auto const id = rep.id;
        auto* c = pending_.find(id);
        if (!c || c->state != call_state::in_flight || c->target.name() != e.sender.name()) {
            ++counters_.stray_replies;
            return;
        }
        auto& p = *c;
        switch (rep.status) {
        case route_status::ok: return finish(id, p, {}, std::move(rep.payload), true);
        case route_status::redirect:
            if (p.direct || !rep.owner || rep.owner->empty())
                return finish(id, p, make_error_code(error::no_owner), {}, true);
            if (p.hops >= cfg_.max_redirects) {
                ++counters_.redirect_limits;
                return finish(id, p, make_error_code(error::redirect_limit), {}, true);
            }
            ++counters_.redirects_followed;
            ++p.hops;
            p.target = std::move(*rep.owner);
            return attempt(id, p);
        case route_status::no_owner:
            return finish(id, p, make_error_code(error::no_owner), {}, true);
        case route_status::no_handler:
            return finish(id, p, make_error_code(error::no_handler), {}, true);
        case route_status::handler_error:
            return finish(id, p, make_error_code(error::remote_handler_error),
                          std::move(rep.payload), true);
        case route_status::reply_too_large:
            return finish(id, p, make_error_code(error::reply_too_large),
                          std::move(rep.payload), true);
        }
        ++counters_.stray_replies;  // an unknown status cannot decode; kept for safety
    }

    // ---- ownership changes ------------------------------------------------------------------

    // What decides placement: the owning members' ids and weights, in id order.
    static std::vector<std::pair<std::string, std::uint32_t>>
    owning_members(std::vector<ring_member> const& ring) {
        std::vector<std::pair<std::string, std::uint32_t>> out;
        out.reserve(ring.size());
        for (auto const& m : ring)
            if (owns_keys(m.state) && m.weight > 0) out.emplace_back(m.id.str(), m.weight);
        std::sort(out.begin(), out.end());
        return out;
    }

    void report_change(std::shared_ptr<ownership_type const> const& previous,
                       std::shared_ptr<ownership_type const> const& current) {
        if (!on_acquired_ && !on_released_) return;
        node_id const& self = node_->local_id();
        ownership_change acquired{previous, current, {}, {}};
        ownership_change released{previous, current, {}, {}};
        bool any_acquired = false;
        bool any_released = false;
        if constexpr (detail::range_table<typename Strategy::table>) {
            for (auto& c : diff(*previous, *current)) {
                if (c.to == self) acquired.ranges.push_back(c);
                if (c.from == self) released.ranges.push_back(std::move(c));
            }
            if constexpr (detail::slot_table<typename Strategy::table>) {
                if (auto slots = diff_slots(*previous, *current)) {
                    for (auto& c : *slots) {
                        if (c.to == self) acquired.slots.push_back(c);
                        if (c.from == self) released.slots.push_back(std::move(c));
                    }
                }
            }
            any_acquired = !acquired.ranges.empty();
            any_released = !released.ranges.empty();
        } else {
            any_acquired = any_released = true;
        }
        // Copies: a callback may replace itself.
        if (any_acquired && on_acquired_) {
            auto f = on_acquired_;
            f(acquired);
        }
        if (any_released && on_released_) {
            auto f = on_released_;
            f(released);
        }
    }

    // ---- timeouts ---------------------------------------------------------------------------

    void arm_timer() {
        if (virtual_time_) return;
        auto const* earliest = deadlines_.earliest(live_call());
        if (!earliest) return;
        auto const next = earliest->when;
        if (timer_armed_ && next >= armed_at_) return;
        timer_armed_ = true;
        armed_at_ = next;
        auto const gen = ++timer_gen_;
        timer_.expires_at(std::chrono::steady_clock::time_point(
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(next)));
        timer_.async_wait([this, gen, alive = std::weak_ptr<int>(alive_)](
                              boost::system::error_code) {
            if (alive.expired() || gen != timer_gen_) return;
            timer_armed_ = false;
            expire_due();
        });
    }

    void expire_due() {
        if (closed_) return;
        auto const now = node_->monotonic_now();
        while (auto const* earliest = deadlines_.earliest(live_call())) {
            if (earliest->when > now) break;
            auto const id = earliest->key;
            deadlines_.pop();
            ++counters_.timeouts;
            finish(id, *pending_.find(id), make_error_code(error::call_timeout), {});
        }
        arm_timer();
    }

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

    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

/// A router over the UDP+TCP node, on a vnode ring.
using router = basic_router<node>;

} // namespace cohort

#endif // COHORT_ROUTING_ROUTER_HPP
