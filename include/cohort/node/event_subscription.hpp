// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_EVENT_SUBSCRIPTION_HPP
#define COHORT_NODE_EVENT_SUBSCRIPTION_HPP

// One consumer's stream of a basic_node's events (subscribe_events): its own
// bounded queue, so that several consumers (the application, an admin page,
// a pub/sub layer) each see every event, and a slow one loses only its own
// oldest events, counted by dropped(). It may be opened before async_start
// and sees every event from then on.
//
// async_next(token): the next event, oldest first; one wait at a time per
// subscription (a second completes with boost::asio::error::already_started);
// once the node stopped and the queue is empty, or after close(),
// boost::asio::error::operation_aborted. Cancellable through the token's
// cancellation slot (operation_aborted; no event is lost). Signature:
// void(error_code, node_event). It may be initiated from any thread; open,
// close and destroy the subscription on the node's executor or while its
// context is not running.

#include <cohort/node/events.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>

namespace cohort {

namespace detail {

// The queue and the one waiter of a subscription; the node keeps a weak
// reference and pushes to it, the subscription owns it.
template <class Executor>
class event_channel {
public:
    using handler_type =
        boost::asio::any_completion_handler<void(boost::system::error_code, node_event)>;

    event_channel(Executor ex, std::size_t limit) : ex_(std::move(ex)), limit_(limit ? limit : 1) {}

    void push(node_event e) {
        if (closed_) return;
        if (queue_.size() >= limit_) {
            queue_.pop_front();
            ++dropped_;
        }
        queue_.push_back(std::move(e));
        deliver();
    }

    // The node stopped: once the queue is drained, waits end.
    void end() {
        ended_ = true;
        deliver();
    }

    void close() {
        closed_ = true;
        queue_.clear();
        deliver();
    }

    void wait(handler_type h) {
        if (waiter_) {
            return post_completion(std::move(h), boost::asio::error::already_started, {});
        }
        h.swap(waiter_);  // not operator=: Boost 1.81 wraps the handler in itself
        auto const op = ++op_;
        auto slot = boost::asio::get_associated_cancellation_slot(waiter_);
        if (slot.is_connected()) {
            std::weak_ptr<event_channel> weak = self_;
            slot.assign([ex = ex_, weak, op](boost::asio::cancellation_type) {
                boost::asio::post(ex, [weak, op] {
                    auto self = weak.lock();
                    if (self && self->op_ == op && self->waiter_)
                        self->complete(boost::asio::error::operation_aborted, {});
                });
            });
        }
        deliver();
    }

    std::uint64_t dropped() const noexcept { return dropped_; }
    std::size_t size() const noexcept { return queue_.size(); }
    Executor const& get_executor() const noexcept { return ex_; }

    std::weak_ptr<event_channel> self_;  // set by make()

    static std::shared_ptr<event_channel> make(Executor ex, std::size_t limit) {
        auto c = std::make_shared<event_channel>(std::move(ex), limit);
        c->self_ = c;
        return c;
    }

private:
    void deliver() {
        if (!waiter_) return;
        if (!queue_.empty()) {
            node_event e = std::move(queue_.front());
            queue_.pop_front();
            complete({}, std::move(e));
        } else if (ended_ || closed_) {
            complete(boost::asio::error::operation_aborted, {});
        }
    }

    void complete(boost::system::error_code ec, node_event e) {
        auto h = std::exchange(waiter_, nullptr);
        boost::asio::get_associated_cancellation_slot(h).clear();
        post_completion(std::move(h), ec, std::move(e));
    }

    void post_completion(handler_type h, boost::system::error_code ec, node_event e) {
        boost::asio::post(ex_, boost::asio::append(std::move(h), ec, std::move(e)));
    }

    Executor ex_;
    std::size_t limit_;
    std::deque<node_event> queue_;
    handler_type waiter_;
    std::uint64_t op_ = 0;
    std::uint64_t dropped_ = 0;
    bool ended_ = false;
    bool closed_ = false;
};

} // namespace detail

/// See the top of this header. Movable; destroying it closes it.
template <class Executor>
class basic_event_subscription {
public:
    using executor_type = Executor;

    basic_event_subscription() = default;
    explicit basic_event_subscription(std::shared_ptr<detail::event_channel<Executor>> c) noexcept
        : channel_(std::move(c)) {}
    basic_event_subscription(basic_event_subscription&&) noexcept = default;
    basic_event_subscription& operator=(basic_event_subscription&& o) noexcept {
        if (this != &o) {
            close();
            channel_ = std::move(o.channel_);
        }
        return *this;
    }
    ~basic_event_subscription() { close(); }

    template <class Token>
    auto async_next(Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, node_event)>(
            [](auto handler, std::shared_ptr<detail::event_channel<Executor>> c) {
                using any = typename detail::event_channel<Executor>::handler_type;
                if (!c) {
                    // Closed or moved from: nothing to wait on.
                    auto ex = boost::asio::get_associated_executor(handler);
                    return boost::asio::post(ex, boost::asio::append(
                                                     std::move(handler),
                                                     boost::system::error_code(
                                                         boost::asio::error::operation_aborted),
                                                     node_event{}));
                }
                auto ex = c->get_executor();
                boost::asio::dispatch(ex, [c = std::move(c), h = any(std::move(handler))]() mutable {
                    c->wait(std::move(h));
                });
            },
            token, channel_);
    }

    /// Events dropped from this subscription's full queue so far.
    std::uint64_t dropped() const noexcept { return channel_ ? channel_->dropped() : 0; }
    /// Events waiting in its queue.
    std::size_t size() const noexcept { return channel_ ? channel_->size() : 0; }
    bool is_open() const noexcept { return channel_ != nullptr; }

    /// Ends the subscription: a pending async_next completes with
    /// operation_aborted and no more events are queued.
    void close() {
        if (!channel_) return;
        channel_->close();
        channel_.reset();
    }

private:
    std::shared_ptr<detail::event_channel<Executor>> channel_;
};

} // namespace cohort

#endif // COHORT_NODE_EVENT_SUBSCRIPTION_HPP
