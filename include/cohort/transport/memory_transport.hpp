// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_MEMORY_TRANSPORT_HPP
#define COHORT_TRANSPORT_MEMORY_TRANSPORT_HPP

// basic_memory_transport: one endpoint of a basic_memory_network, modelling
// the cohort::transport concept without sockets. What the network may do to
// its messages (loss, latency, partitions, crashes) is described in
// memory_network.hpp; like the network, it lives on one executor and is not
// thread-safe.

#include <cohort/error.hpp>
#include <cohort/transport/detail/memory_endpoint.hpp>
#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/transport.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/assert.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace cohort {

/// One endpoint of a basic_memory_network.
///
/// Operations and their completions (error_code first; every completion is
/// posted through the executor, never run inside the initiating call):
///
/// - async_send_packet: success once the packet is handed to the network
///   (it may still be lost, as with UDP); error::packet_too_large over
///   packet_budget().
/// - async_send_frame: success once the frame is in flight to a reachable
///   peer; error::frame_too_large over max_frame_size();
///   boost::asio::error::host_unreachable across a partition;
///   boost::asio::error::connection_refused to a crashed address or one with
///   no transport.
/// - async_receive: the next packet or frame and its sender. Per-operation
///   cancellation (any type) completes it with
///   boost::asio::error::operation_aborted; no message is lost by it: a
///   message is either still queued or already bound to a completion.
///
/// Every operation completes with error::transport_closed after close(), and
/// with boost::asio::error::network_down while the network has the endpoint
/// crashed (memory_network::crash): a receive loop should stop on either.
/// Sends complete at once and ignore cancellation. Destroying the transport
/// completes waiting receives with operation_aborted, as an Asio socket does.
///
/// Bytes handed to a send are copied before the initiating call returns,
/// even when the token defers the operation.
template <class Executor = boost::asio::any_io_executor>
class basic_memory_transport {
public:
    using executor_type = Executor;
    using endpoint_type = boost::asio::ip::udp::endpoint;
    using network_type = basic_memory_network<Executor>;
    using inbound_type = basic_inbound<endpoint_type>;

    /// Opens an endpoint at `address` on `net`. Opening at a crashed
    /// address restarts it. Throws boost::system::system_error with
    /// boost::asio::error::address_in_use when a transport is open there.
    basic_memory_transport(network_type& net, endpoint_type const& address)
        : net_(&net),
          state_(std::make_unique<state_type>(net.get_executor(), address, &net.shared_)) {
        net_->attach(*state_);
    }

    basic_memory_transport(basic_memory_transport const&) = delete;
    basic_memory_transport& operator=(basic_memory_transport const&) = delete;

    /// The moved-from transport is left closed.
    basic_memory_transport(basic_memory_transport&& other) noexcept
        : net_(other.net_), state_(std::move(other.state_)) {}

    basic_memory_transport& operator=(basic_memory_transport&& other) noexcept {
        if (this != &other) {
            shut(boost::asio::error::operation_aborted);
            net_ = other.net_;
            state_ = std::move(other.state_);
        }
        return *this;
    }

    ~basic_memory_transport() { shut(boost::asio::error::operation_aborted); }

    executor_type get_executor() const noexcept { return net_->get_executor(); }

    /// The address peers send to.
    endpoint_type local_endpoint() const noexcept { return address_of(); }

    /// The largest packet async_send_packet takes (the network's).
    std::size_t packet_budget() const noexcept { return net_->config().packet_budget; }

    /// The largest frame async_send_frame takes (the network's).
    std::size_t max_frame_size() const noexcept { return net_->config().max_frame_size; }

    /// What this endpoint sent, received and dropped.
    transport_counters counters() const noexcept {
        return state_ ? state_->counters() : closed_counters_;
    }

    /// The network this endpoint is on.
    network_type& network() const noexcept { return *net_; }

    /// False after close() (or on a moved-from transport).
    bool is_open() const noexcept { return state_ && !state_->closed; }

    /// Sends one datagram of at most packet_budget() bytes to `to`.
    /// Signature: void(boost::system::error_code).
    template <class CompletionToken = boost::asio::default_completion_token_t<executor_type>>
    auto async_send_packet(endpoint_type const& to, std::span<std::byte const> bytes,
                           CompletionToken&& token = CompletionToken{}) {
        return initiate_send(delivery::packet, to, bytes,
                             std::forward<CompletionToken>(token));
    }

    /// Sends one frame of at most max_frame_size() bytes on the reliable,
    /// ordered stream to `to`. Signature: void(boost::system::error_code).
    template <class CompletionToken = boost::asio::default_completion_token_t<executor_type>>
    auto async_send_frame(endpoint_type const& to, std::span<std::byte const> bytes,
                          CompletionToken&& token = CompletionToken{}) {
        return initiate_send(delivery::frame, to, bytes, std::forward<CompletionToken>(token));
    }

    /// Receives the next packet or frame.
    /// Signature: void(boost::system::error_code, basic_inbound<endpoint_type>).
    template <class CompletionToken = boost::asio::default_completion_token_t<executor_type>>
    auto async_receive(CompletionToken&& token = CompletionToken{}) {
        return boost::asio::async_initiate<CompletionToken,
                                           void(boost::system::error_code, inbound_type)>(
            receive_initiation{this}, token);
    }

    /// Closes the endpoint: waiting receives complete with
    /// error::transport_closed, queued messages are dropped (drops_closed),
    /// the address is free for a new transport, and every later operation
    /// completes with error::transport_closed. Idempotent.
    void close() {
        if (!state_ || state_->closed)
            return;
        state_->closed = true;
        state_->fail_waiters(error::transport_closed);
        auto const n = state_->drop_queue();
        state_->counters().drops_closed += n;
        net_->shared_.counters.drops_closed += n;
        net_->detach(*state_);
    }

private:
    using state_type = detail::memory_endpoint<Executor>;

    struct send_initiation {
        basic_memory_transport* self;
        delivery kind;

        template <class Handler>
        void operator()(Handler&& handler, endpoint_type const& to,
                        std::vector<std::byte> bytes, std::size_t size) const {
            auto const ec = self->send(kind, to, std::move(bytes), size);
            boost::asio::post(self->get_executor(),
                              boost::asio::append(std::forward<Handler>(handler), ec));
        }
    };

    struct receive_initiation {
        basic_memory_transport* self;

        template <class Handler>
        void operator()(Handler&& handler) const {
            auto* st = self->state_.get();
            if (!st || st->closed) {
                boost::asio::post(self->get_executor(),
                                  boost::asio::append(std::forward<Handler>(handler),
                                                      make_error_code(error::transport_closed),
                                                      inbound_type{}));
            } else if (self->net_->is_crashed(*st)) {
                st->post_completion(std::forward<Handler>(handler),
                                    make_error_code(boost::asio::error::network_down),
                                    inbound_type{});
            } else {
                st->start_receive(std::forward<Handler>(handler));
            }
        }
    };

    template <class CompletionToken>
    auto initiate_send(delivery kind, endpoint_type const& to, std::span<std::byte const> bytes,
                       CompletionToken&& token) {
        // Copied here, not in the initiation, so that a deferred send does
        // not read the caller's buffer later. Nothing to copy when oversize.
        std::size_t const limit = kind == delivery::packet ? packet_budget() : max_frame_size();
        std::vector<std::byte> copy;
        if (bytes.size() <= limit)
            copy.assign(bytes.begin(), bytes.end());
        return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
            send_initiation{this, kind}, token, to, std::move(copy), bytes.size());
    }

    boost::system::error_code send(delivery kind, endpoint_type const& to,
                                   std::vector<std::byte>&& bytes, std::size_t size) {
        if (!state_ || state_->closed)
            return error::transport_closed;
        if (net_->is_crashed(*state_))
            return boost::asio::error::network_down;
        bool const packet = kind == delivery::packet;
        if (size > (packet ? packet_budget() : max_frame_size())) {
            net_->drop(&transport_counters::drops_oversize, state_.get());
            return packet ? error::packet_too_large : error::frame_too_large;
        }
        return packet ? net_->send_packet(*state_, to, std::move(bytes))
                      : net_->send_frame(*state_, to, std::move(bytes));
    }

    endpoint_type address_of() const noexcept {
        return state_ ? state_->address() : endpoint_type{};
    }

    // Ends the endpoint for good: on destruction, or when moved over.
    void shut(boost::system::error_code ec) noexcept {
        if (!state_)
            return;
        if (!state_->closed) {
            state_->fail_waiters(ec);
            net_->shared_.counters.drops_closed += state_->drop_queue();
            net_->detach(*state_);
        }
        state_.reset();
    }

    network_type* net_;
    std::unique_ptr<state_type> state_;
    transport_counters closed_counters_{};  // what a moved-from transport reports
};

/// A memory transport on any_io_executor.
using memory_transport = basic_memory_transport<>;

static_assert(transport<memory_transport>);

} // namespace cohort

#endif // COHORT_TRANSPORT_MEMORY_TRANSPORT_HPP
