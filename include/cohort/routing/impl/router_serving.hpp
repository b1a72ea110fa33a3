// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_IMPL_ROUTER_SERVING_HPP
#define COHORT_ROUTING_IMPL_ROUTER_SERVING_HPP

// basic_router's serving side (declared in router.hpp; Beast-style impl
// header, included at the end of it): the handler registry, the dispatch of
// received requests and replies, the ownership check that answers a request
// this node must not serve with a redirect (or forwards a cast), and the
// replies, including the small reply_too_large answer for a reply that does
// not fit. Apart from the calls because it is the owner's half of a call.

#include <cohort/routing/router.hpp>

namespace cohort {

template <class Node, class Strategy>
void basic_router<Node, Strategy>::handle(std::string topic, handler h) {
    auto sync = std::make_shared<handler const>(std::move(h));
    auto async = std::make_shared<async_handler const>(
        [sync](route_context const& ctx, std::vector<std::byte> payload, route_responder r) {
            r((*sync)(ctx, payload));
        });
    handlers_.insert_or_assign(std::move(topic), topic_handlers{std::move(async), std::move(sync)});
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::handle_async(std::string topic, async_handler h) {
    handlers_.insert_or_assign(
        std::move(topic),
        topic_handlers{std::make_shared<async_handler const>(std::move(h)), nullptr});
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::unhandle(std::string_view topic) {
    if (auto it = handlers_.find(topic); it != handlers_.end()) handlers_.erase(it);
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::serve(std::string_view key, hashed_key hash,
                                         std::string_view topic, node_id const& from,
                                         bool local, bool want_reply,
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

template <class Node, class Strategy>
void basic_router<Node, Strategy>::on_application(envelope& e) {
    if (closed_) return;
    if (auto* req = std::get_if<route_request>(&e.body)) return on_request(e, *req);
    if (auto* rep = std::get_if<route_reply>(&e.body)) return on_reply(e, *rep);
    // user_message: not the router's business.
}

template <class Node, class Strategy>
std::size_t basic_router<Node, Strategy>::reply_size_watch() const noexcept {
    std::size_t limit = std::size_t(-1);
    if constexpr (requires { node_->transport().max_frame_size(); })
        limit = std::min<std::size_t>(limit, node_->transport().max_frame_size());
    if constexpr (requires { node_->codec().limits().max_message_size; }) {
        auto const& l = node_->codec().limits();
        limit = std::min({limit, l.max_message_size, l.max_string_length});
    }
    return std::min<std::size_t>(1024, limit / 4);  // JSON: base64 grows bytes by 4/3
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::reply(node_id const& to, route_reply r) {
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

template <class Node, class Strategy>
void basic_router<Node, Strategy>::reply_with(node_id const& to, std::uint64_t id,
                                              route_result res) {
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

template <class Node, class Strategy>
bool basic_router<Node, Strategy>::redirected(envelope const& e, route_request& req,
                                              hashed_key hash) {
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

template <class Node, class Strategy>
void basic_router<Node, Strategy>::on_request(envelope const& e, route_request& req) {
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

} // namespace cohort

#endif // COHORT_ROUTING_IMPL_ROUTER_SERVING_HPP
