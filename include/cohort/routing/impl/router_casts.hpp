// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_IMPL_ROUTER_CASTS_HPP
#define COHORT_ROUTING_IMPL_ROUTER_CASTS_HPP

// basic_router's casts (declared in router.hpp; Beast-style impl header,
// included at the end of it): a request sent to the key's owner without an
// answer, which completes once handed to the transport or run here. Apart
// from the calls because a cast keeps no pending state: no deadline, no
// reply, no retry.

#include <cohort/routing/router.hpp>

namespace cohort {

template <class Node, class Strategy>
template <class Token>
auto basic_router<Node, Strategy>::async_cast(std::string_view key, std::string_view topic,
                                              std::span<std::byte const> payload,
                                              Token&& token) {
    return initiate<void(boost::system::error_code)>(
        [this, key = std::string(key), topic = std::string(topic),
         payload = std::vector<std::byte>(payload.begin(), payload.end())](auto h) mutable {
            do_cast(std::move(key), std::move(topic), std::move(payload), std::move(h));
        },
        token);
}

template <class Node, class Strategy>
void basic_router<Node, Strategy>::do_cast(std::string key, std::string topic,
                                           std::vector<std::byte> payload, cast_handler h) {
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

} // namespace cohort

#endif // COHORT_ROUTING_IMPL_ROUTER_CASTS_HPP
