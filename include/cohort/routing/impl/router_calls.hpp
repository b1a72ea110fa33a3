// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_IMPL_ROUTER_CALLS_HPP
#define COHORT_ROUTING_IMPL_ROUTER_CALLS_HPP

// basic_router's calls (declared in router.hpp; Beast-style impl header,
// included at the end of it): how an operation is initiated and completed,
// and the life of a call from async_call to its completion: the pending
// call and its deadline, the send (or the local run), the reply and the
// redirects it follows, the owner's failure and the retry, cancellation.
// Apart from the serving side, which is the other node's half of a call.

#include <cohort/routing/router.hpp>

namespace cohort {

template <class Node, class Strategy>
template <class Token>
auto basic_router<Node, Strategy>::async_call(std::string_view key, std::string_view topic,
                                              std::span<std::byte const> payload,
                                              call_options opts, Token&& token) {
    return initiate<void(boost::system::error_code, std::vector<std::byte>)>(
        [this, key = detail::to_bytes(key), topic = std::string(topic),
         payload = std::vector<std::byte>(payload.begin(), payload.end()),
         opts](auto h) mutable {
            do_call(std::move(key), std::move(topic), std::move(payload), opts, std::move(h));
        },
        token);
}

template <class Node, class Strategy>
template <class Token>
auto basic_router<Node, Strategy>::async_call_member(node_id member, std::string_view key,
                                                     std::string_view topic,
                                                     std::span<std::byte const> payload,
                                                     call_options opts, Token&& token) {
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

template <class Node, class Strategy>
template <class Signature, class Fn, class Token>
auto basic_router<Node, Strategy>::initiate(Fn&& fn, Token& token) {
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

template <class Node, class Strategy>
template <class Handler, class... Args>
void basic_router<Node, Strategy>::complete(Handler h, Args&&... args) {
    boost::asio::post(node_->get_executor(),
                      boost::asio::append(std::move(h), std::forward<Args>(args)...));
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::do_call(std::vector<std::byte> key, std::string topic,
                                           std::vector<std::byte> payload, call_options opts,
                                           call_handler h, std::optional<node_id> direct) {
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
    p.started = node_->monotonic_now();
    deadlines_.push(p.started + timeout, id);
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

template <class Node, class Strategy>
void basic_router<Node, Strategy>::attempt(std::uint64_t id, pending_call& p) {
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

template <class Node, class Strategy>
route_responder basic_router<Node, Strategy>::local_responder(std::uint64_t id) {
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

template <class Node, class Strategy>
void basic_router<Node, Strategy>::finish(std::uint64_t id, pending_call& p,
                                          boost::system::error_code ec,
                                          std::vector<std::byte> bytes, bool from_reply) {
    auto h = std::move(p.handler);
    if (auto slot = h.get_cancellation_slot(); slot.is_connected()) slot.clear();
    call_durations_.observe(node_->monotonic_now() - p.started);
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

template <class Node, class Strategy>
template <class E>
boost::asio::io_context::executor_type const*
basic_router<Node, Strategy>::io_target(E const& e) noexcept {
    using io_ex = boost::asio::io_context::executor_type;
    if constexpr (std::is_same_v<E, io_ex>)
        return &e;
    else if constexpr (requires { e.template target<io_ex>(); })
        return e.template target<io_ex>();
    else
        return nullptr;
}

template <class Node, class Strategy>
template <class A, class B>
bool basic_router<Node, Strategy>::same_running_io_context(A const& a, B const& b) noexcept {
    auto const* x = io_target(a);
    auto const* y = io_target(b);
    return x != nullptr && y != nullptr && *x == *y && x->running_in_this_thread();
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::owner_failed(std::uint64_t id, pending_call& p) {
    ++counters_.owner_failures;
    if (!p.retry) return finish(id, p, make_error_code(error::owner_failed), {});
    p.retry = false;  // once
    ++counters_.retries;
    p.state = call_state::waiting_for_view;
    retry_if_owner_moved(id, p);
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::retry_if_owner_moved(std::uint64_t id, pending_call& p) {
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

template <class Node, class Strategy>
void basic_router<Node, Strategy>::check_pending(std::vector<node_member> const& view) {
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

template <class Node, class Strategy>
void basic_router<Node, Strategy>::on_reply(envelope const& e, route_reply& rep) {
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

} // namespace cohort

#endif // COHORT_ROUTING_IMPL_ROUTER_CALLS_HPP
