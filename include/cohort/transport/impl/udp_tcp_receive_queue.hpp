// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_IMPL_UDP_TCP_RECEIVE_QUEUE_HPP
#define COHORT_TRANSPORT_IMPL_UDP_TCP_RECEIVE_QUEUE_HPP

// udp_tcp_state's receive side: the queue async_receive takes from (offer,
// the waiting receives, cancelling one, waking connections that stopped
// reading while it was full) and the UDP receive loop, which puts each
// datagram straight into it. Separate from the streams because it is where
// both kinds of message end up, and the one place flow control starts.

#include <cohort/transport/impl/udp_tcp_transport.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace cohort {
namespace detail {

// ---- receive queue ----------------------------------------------------------------------

template <class Executor>
inline bool udp_tcp_state<Executor>::can_offer() const noexcept {
    return !waiters_.empty() || inbox_.size() < cfg_.receive_queue_limit;
}

// Requires can_offer(). Called from completion handlers only: a waiting
// receive runs inline when it can, so the caller must re-check closed_
// (and its own liveness) afterwards.
template <class Executor>
inline void udp_tcp_state<Executor>::offer(inbound_type&& message) {
    if (!waiters_.empty()) {
        auto op = std::move(waiters_.front());
        waiters_.pop_front();
        op->complete_now(error_code{}, std::move(message));
        return;
    }
    inbox_.push_back(std::move(message));
}

template <class Executor>
inline void udp_tcp_state<Executor>::start_receive(std::unique_ptr<receive_op> op) {
    if (is_closed()) {
        op->complete(error::transport_closed, inbound_type{});
        return;
    }
    if (!inbox_.empty()) {
        auto message = std::move(inbox_.front());
        inbox_.pop_front();
        op->complete(error_code{}, std::move(message));
        resume_paused();
        return;
    }
    waiters_.push_back(std::move(op));
}

template <class Executor>
inline void udp_tcp_state<Executor>::cancel_receive(std::uint64_t id) {
    if (is_closed())
        return;
    auto const it = std::find_if(waiters_.begin(), waiters_.end(),
                                 [id](auto const& op) { return op->id() == id; });
    if (it == waiters_.end())
        return; // completed already
    auto op = std::move(*it);
    waiters_.erase(it);
    op->complete(boost::asio::error::operation_aborted, inbound_type{});
}

// Room was made in the receive queue: let stopped connections read again.
template <class Executor>
inline void udp_tcp_state<Executor>::resume_paused() {
    if (paused_.empty())
        return;
    auto paused = std::move(paused_);
    paused_.clear();
    for (auto& c : paused) {
        c->paused = false;
        boost::asio::post(ex_, [self = this->shared_from_this(), c = std::move(c)] {
            if (!self->is_closed() && !c->dead)
                self->process(c);
        });
    }
}

// ---- UDP --------------------------------------------------------------------------------

template <class Executor>
inline void udp_tcp_state<Executor>::start_udp_receive() {
    udp_.async_receive_from(boost::asio::buffer(udp_buffer_), udp_from_,
                            [self = this->shared_from_this()](error_code ec, std::size_t n) {
                                self->on_udp_receive(ec, n);
                            });
}

template <class Executor>
inline void udp_tcp_state<Executor>::on_udp_receive(error_code ec, std::size_t n) {
    if (is_closed())
        return;
    // Errors here are transient (an ICMP port unreachable for an earlier
    // send shows up as connection_refused): keep receiving.
    if (!ec && n > 0 && n <= cfg_.packet_budget && can_offer()) {
        tally(counters_.packets_in);
        tally(counters_.bytes_in, n);
        offer(inbound_type{delivery::packet, udp_from_,
                           std::vector<std::byte>(udp_buffer_.begin(),
                                                  udp_buffer_.begin() +
                                                      static_cast<std::ptrdiff_t>(n))});
        if (is_closed())
            return; // by the receive's handler
    } else if (!ec) {
        if (n == 0) {
            tally(counters_.drops_garbage);
        } else if (n > cfg_.packet_budget) {
            bump(counters_.drops_oversize);
        } else {
            tally(counters_.drops_queue_full);
        }
    }
    start_udp_receive();
}

} // namespace detail
} // namespace cohort

#endif // COHORT_TRANSPORT_IMPL_UDP_TCP_RECEIVE_QUEUE_HPP
