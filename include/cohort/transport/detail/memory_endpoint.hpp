// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_MEMORY_ENDPOINT_HPP
#define COHORT_TRANSPORT_DETAIL_MEMORY_ENDPOINT_HPP

// The receiving half of one memory_transport: its receive queue, the
// async_receive operations waiting for a message, and its counters. The
// network delivers into it; the transport owns it (on the heap, so that the
// transport can move while the network keeps pointing at it).
//
// Completions are always posted to the executor, never run inline: from the
// initiating function that is Asio's rule, and from a delivery it keeps the
// network's delivery loop free of re-entrant calls.

#include <cohort/transport/detail/ring_queue.hpp>
#include <cohort/transport/transport.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/assert.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace cohort::detail {

// What every endpoint of one network shares: the network-wide counters, and
// the outstanding work of all waiting receives (one guard, taken when the
// first starts waiting and dropped when the last stops, so that a waiting
// receive keeps run() going, as on a socket, at no cost per message).
template <class Executor>
class memory_network_shared {
public:
    explicit memory_network_shared(Executor const& ex) : ex_(ex) {}

    transport_counters counters{};

    void add_waiter() {
        if (waiters_ == 0)
            work_.emplace(
                boost::asio::prefer(ex_, boost::asio::execution::outstanding_work.tracked));
        ++waiters_;
    }

    void remove_waiter() noexcept {
        BOOST_ASSERT(waiters_ != 0);
        if (--waiters_ == 0)
            work_.reset();
    }

private:
    using work_executor = std::decay_t<decltype(boost::asio::prefer(
        std::declval<Executor const&>(), boost::asio::execution::outstanding_work.tracked))>;

    Executor ex_;
    std::size_t waiters_ = 0;
    std::optional<work_executor> work_;
};

template <class Executor>
class memory_endpoint {
public:
    using endpoint_type = boost::asio::ip::udp::endpoint;
    using inbound_type = basic_inbound<endpoint_type>;
    using receive_signature = void(boost::system::error_code, inbound_type);

    memory_endpoint(Executor ex, endpoint_type address, memory_network_shared<Executor>* shared)
        : ex_(std::move(ex)), address_(address), shared_(shared) {}

    memory_endpoint(memory_endpoint const&) = delete;
    memory_endpoint& operator=(memory_endpoint const&) = delete;

    ~memory_endpoint() { BOOST_ASSERT(waiters_.empty()); }

    Executor const& get_executor() const noexcept { return ex_; }
    endpoint_type const& address() const noexcept { return address_; }
    transport_counters& counters() noexcept { return counters_; }
    transport_counters const& counters() const noexcept { return counters_; }
    std::size_t queued() const noexcept { return queue_.size(); }
    bool has_waiters() const noexcept { return !waiters_.empty(); }

    bool closed = false;
    std::uint32_t slot = 0;  // the network's index of address()

    /// Initiates one receive: completes at once (posted) with a queued
    /// message, or waits for the next delivery.
    template <class Handler>
    void start_receive(Handler&& handler) {
        if (!queue_.empty()) {
            inbound_type m = queue_.pop_front();
            count_in(m);
            post_completion(std::forward<Handler>(handler), boost::system::error_code{},
                            std::move(m));
            return;
        }
        std::uint64_t const id = next_waiter_id_++;
        // The erased handler puts a cancellation_state on the handler's slot
        // and offers its own slot: ours goes there.
        erased_handler erased(std::forward<Handler>(handler));
        auto slot = erased.get_cancellation_slot();
        if (slot.is_connected())
            slot.template emplace<receive_cancellation>(this, id);
        waiters_.emplace_back(id, std::move(erased));
        shared_->add_waiter();
    }

    /// Hands `m` to the oldest waiting receive, or queues it.
    void deliver(inbound_type&& m) {
        if (waiters_.empty()) {
            queue_.push_back(std::move(m));
            return;
        }
        auto h = take_waiter(waiters_.begin());
        count_in(m);
        complete(std::move(h), boost::system::error_code{}, std::move(m));
    }

    /// Completes every waiting receive with `ec`.
    void fail_waiters(boost::system::error_code ec) {
        while (!waiters_.empty())
            complete(take_waiter(waiters_.begin()), ec, inbound_type{});
    }

    /// Discards the receive queue; returns how many messages it held.
    std::size_t drop_queue() {
        std::size_t const n = queue_.size();
        queue_.clear();
        return n;
    }

    /// Completes `handler` through the executor with (ec, args...).
    template <class Handler, class... Args>
    void post_completion(Handler&& handler, Args&&... args) {
        boost::asio::post(ex_, boost::asio::append(std::forward<Handler>(handler),
                                                   std::forward<Args>(args)...));
    }

private:
    using erased_handler = boost::asio::any_completion_handler<receive_signature>;

    struct waiter {
        waiter(std::uint64_t i, erased_handler&& h) noexcept : id(i), handler(std::move(h)) {}
        waiter(waiter&& other) noexcept : id(other.id), handler(std::move(other.handler)) {}

        // Boost 1.81's any_completion_handler move assignment recurses without
        // end (it wraps an lvalue copy of itself; fixed in 1.82), and
        // vector::erase assigns: rebuild the handler instead.
        waiter& operator=(waiter&& other) noexcept {
            if (this != &other) {
                id = other.id;
                handler.~erased_handler();
                ::new (static_cast<void*>(&handler)) erased_handler(std::move(other.handler));
            }
            return *this;
        }

        ~waiter() = default;

        std::uint64_t id;
        erased_handler handler;
    };

    // Installed in the slot of a waiting receive. Any cancellation type is
    // honoured: a waiting receive has done nothing, so nothing is lost.
    struct receive_cancellation {
        receive_cancellation(memory_endpoint* s, std::uint64_t i) noexcept : self(s), id(i) {}

        memory_endpoint* self;
        std::uint64_t id;

        void operator()(boost::asio::cancellation_type_t) const {
            // cancel() clears the slot, which destroys this object: copy first
            // and touch nothing afterwards.
            memory_endpoint* const s = self;
            std::uint64_t const i = id;
            s->cancel(i);
        }
    };

    void cancel(std::uint64_t id) {
        auto it = std::find_if(waiters_.begin(), waiters_.end(),
                               [id](waiter const& w) { return w.id == id; });
        if (it == waiters_.end())
            return;
        complete(take_waiter(it), boost::asio::error::operation_aborted, inbound_type{});
    }

    erased_handler take_waiter(typename std::vector<waiter>::iterator it) {
        erased_handler h = std::move(it->handler);
        waiters_.erase(it);
        return h;
    }

    // The operation is over: its cancellation handler goes (it points at
    // this endpoint), the handler is posted with the result, and only then
    // is the waiter's work released (the other order lets the executor's
    // work count touch zero, which stops a running io_context).
    void complete(erased_handler h, boost::system::error_code ec, inbound_type m) {
        auto slot = h.get_cancellation_slot();
        if (slot.is_connected())
            slot.clear();
        post_completion(std::move(h), ec, std::move(m));
        shared_->remove_waiter();
    }

    void count_in(inbound_type const& m) noexcept {
        for (transport_counters* c : {&counters_, &shared_->counters}) {
            if (m.kind == delivery::packet)
                ++c->packets_in;
            else
                ++c->frames_in;
            c->bytes_in += m.bytes.size();
        }
    }

    Executor ex_;
    endpoint_type address_;
    memory_network_shared<Executor>* shared_;
    transport_counters counters_{};
    ring_queue<inbound_type> queue_;
    std::vector<waiter> waiters_;
    std::uint64_t next_waiter_id_ = 0;
};

} // namespace cohort::detail

#endif // COHORT_TRANSPORT_DETAIL_MEMORY_ENDPOINT_HPP
