// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_IMPL_UDP_TCP_TRANSPORT_HPP
#define COHORT_TRANSPORT_IMPL_UDP_TCP_TRANSPORT_HPP

// The implementation of basic_udp_tcp_transport (Beast-style impl header,
// included at the end of udp_tcp_transport.hpp).
//
// All state lives in one udp_tcp_state held by shared_ptr: every internal
// handler keeps it alive, so operations in flight outlive the transport
// object; close() breaks the cycle by closing every socket and timer. Each
// handler checks `closed_` (and, for a connection, its own generation)
// before touching anything, so late completions are harmless.
//
// This file holds the state's core (construction, binding, the initiations
// and close) and basic_udp_tcp_transport's definitions. The records of the
// TCP side, the counters and the packet send handler are in detail/
// (udp_tcp_connection.hpp, udp_tcp_counters.hpp, udp_tcp_packet_handler.hpp);
// the rest of the state's member functions are in the impl/ headers included
// at the end: udp_tcp_receive_queue.hpp (the receive queue and UDP),
// udp_tcp_streams_in.hpp (accepting and reading frames) and
// udp_tcp_streams_out.hpp (sending frames and reconnecting), each with its
// part of TLS (the handshakes, the acceptor's hello).

#include <cohort/transport/udp_tcp_transport.hpp>
#include <cohort/transport/detail/udp_tcp_connection.hpp>
#include <cohort/transport/detail/udp_tcp_counters.hpp>
#include <cohort/transport/detail/udp_tcp_packet_handler.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <list>
#include <random>
#include <unordered_map>

namespace cohort {
namespace detail {

template <class Executor>
class udp_tcp_state : public std::enable_shared_from_this<udp_tcp_state<Executor>> {
public:
    using executor_type = Executor;
    using endpoint_type = boost::asio::ip::udp::endpoint;
    using inbound_type = basic_inbound<endpoint_type>;
    using clock = std::chrono::steady_clock;
    using error_code = boost::system::error_code;
    using receive_op = pending_op<error_code, inbound_type>;
    using send_op = pending_op<error_code>;
    using udp_socket = boost::asio::basic_datagram_socket<boost::asio::ip::udp, Executor>;
    using tcp_acceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, Executor>;
    using timer_type =
        boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, Executor>;
    using connection = stream_connection<Executor>;
    using out_peer = outbound_peer<Executor>;

    static constexpr std::size_t read_chunk = 64 * 1024;         // least free space per read
    static constexpr std::size_t first_chunk = 4 * 1024;         // on connections we open
    static constexpr std::size_t idle_buffer_limit = 256 * 1024; // shrink idle buffers above
    static constexpr std::size_t batch_frames = 63;              // + hello = 64 iovecs
    static constexpr std::size_t batch_bytes = 256 * 1024;
    static constexpr int bind_attempts = 16;

    udp_tcp_state(Executor ex, udp_tcp_config cfg)
        : ex_(std::move(ex)), cfg_(std::move(cfg)), udp_(ex_), acceptor_(ex_),
          accept_retry_(ex_), udp_buffer_(cfg_.packet_budget + 1) {
        std::uint64_t seed = cfg_.seed;
        if (seed == 0) {
            std::random_device rd;
            seed = (std::uint64_t(rd()) << 32) ^ rd();
        }
        rng_.seed(seed);
    }

    // Binds both sockets on one port; throws system_error.
    void open() {
        auto const& bind = cfg_.bind;
        error_code ec;
        for (int attempt = 0; attempt < bind_attempts; ++attempt) {
            close_sockets();
            udp_.open(bind.protocol(), ec);
            if (!ec)
                udp_.bind(bind, ec);
            if (ec)
                throw boost::system::system_error(ec, "udp_tcp_transport: bind UDP");
            auto const port = udp_.local_endpoint().port();
            boost::asio::ip::tcp::endpoint const tcp_ep(bind.address(), port);
            acceptor_.open(tcp_ep.protocol(), ec);
            // Lets a restarted node listen while its old connections sit in
            // TIME_WAIT; two listeners still cannot share the port.
            if (!ec)
                acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
            if (!ec)
                acceptor_.bind(tcp_ep, ec);
            if (!ec)
                acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
            if (!ec)
                break;
            // An ephemeral UDP port may be taken for TCP: try another one.
            if (bind.port() != 0 || attempt + 1 == bind_attempts) {
                close_sockets();
                throw boost::system::system_error(ec, "udp_tcp_transport: bind TCP");
            }
        }
        bound_ = udp_.local_endpoint();
        advertised_ = cfg_.advertise ? *cfg_.advertise : bound_;
        hello_ = make_hello_frame(advertised_);
        start_udp_receive();
        start_accept();
    }

    executor_type const& executor() const noexcept { return ex_; }
    udp_tcp_config const& config() const noexcept { return cfg_; }
    endpoint_type local_endpoint() const noexcept { return advertised_; }
    endpoint_type bound_endpoint() const noexcept { return bound_; }
    bool is_closed() const noexcept { return closed_.load(std::memory_order_acquire); }
    transport_counters counters() const noexcept { return counters_.snapshot(); }
    std::uint64_t next_id() noexcept { return next_id_.fetch_add(1, std::memory_order_relaxed); }

    // ---- initiations (any thread) -------------------------------------------------------

    template <class Handler>
    void initiate_packet(Handler&& handler, endpoint_type const& to,
                         std::vector<std::byte> bytes, bool too_large) {
        using handler_type = std::decay_t<Handler>;
        if (too_large || is_closed()) {
            error_code const ec = too_large ? error::packet_too_large : error::transport_closed;
            if (too_large)
                bump(counters_.drops_oversize);
            boost::asio::post(ex_, boost::asio::append(std::move(handler), ec));
            return;
        }
        auto const buffer = boost::asio::buffer(bytes); // the heap block moves with the vector
        packet_send_handler<udp_tcp_state, handler_type> h(this->shared_from_this(),
                                                           std::move(bytes), std::move(handler));
        dispatch_fast(ex_, [self = this->shared_from_this(), to, buffer,
                            h = std::move(h)]() mutable {
            if (self->is_closed()) { // the handler turns this into transport_closed
                error_code const aborted = boost::asio::error::operation_aborted;
                auto const ex = self->ex_;
                boost::asio::post(ex, boost::asio::append(std::move(h), aborted, std::size_t{0}));
                return;
            }
            self->udp_.async_send_to(buffer, to, std::move(h));
        });
    }

    template <class Handler>
    void initiate_frame(Handler&& handler, endpoint_type const& to, std::vector<std::byte> frame,
                        bool too_large) {
        if (too_large) {
            bump(counters_.drops_oversize);
            error_code const ec = error::frame_too_large;
            boost::asio::post(ex_, boost::asio::append(std::move(handler), ec));
            return;
        }
        auto const id = next_id();
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        auto op = make_pending_op<error_code>(id, std::move(handler), ex_);
        if (slot.is_connected())
            slot.template emplace<frame_canceller>(this->weak_from_this(), to, id);
        // On the executor already (the initiation object holds the state):
        // no shared_ptr copy for a detour that does not happen.
        if (running_in(ex_))
            return enqueue_frame(to, std::move(frame), std::move(op));
        boost::asio::dispatch(ex_, [self = this->shared_from_this(), to, frame = std::move(frame),
                                    op = std::move(op)]() mutable {
            self->enqueue_frame(to, std::move(frame), std::move(op));
        });
    }

    template <class Handler>
    void initiate_receive(Handler&& handler) {
        auto const id = next_id();
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        auto op = make_pending_op<error_code, inbound_type>(id, std::move(handler), ex_);
        if (slot.is_connected())
            slot.template emplace<receive_canceller>(this->weak_from_this(), id);
        if (running_in(ex_))
            return start_receive(std::move(op));
        boost::asio::dispatch(ex_, [self = this->shared_from_this(), op = std::move(op)]() mutable {
            self->start_receive(std::move(op));
        });
    }

    // ---- close (on the executor) --------------------------------------------------------

    void close() noexcept {
        if (closed_.exchange(true, std::memory_order_acq_rel))
            return;
        error_code ignored;
        close_sockets();
        accept_retry_.cancel(ignored);
        error_code const closed = error::transport_closed;
        for (auto& [to, p] : peers_) {
            ++p->generation;
            p->deadline_timer.cancel(ignored);
            p->backoff_timer.cancel(ignored);
            if (p->conn)
                shut(*p->conn);
            fail_frames(*p, closed);
        }
        peers_.clear();
        for (auto& c : inbound_)
            shut(*c);
        inbound_.clear();
        paused_.clear();
        bump(counters_.drops_closed, inbox_.size());
        inbox_.clear();
        auto waiters = std::move(waiters_);
        waiters_.clear();
        for (auto& op : waiters)
            op->complete(closed, inbound_type{});
    }

private:
    template <class, class>
    friend class packet_send_handler;

    struct receive_canceller {
        receive_canceller(std::weak_ptr<udp_tcp_state> s, std::uint64_t i) noexcept
            : state(std::move(s)), id(i) {}
        std::weak_ptr<udp_tcp_state> state;
        std::uint64_t id;
        void operator()(boost::asio::cancellation_type_t type) const {
            if ((type & (boost::asio::cancellation_type::terminal |
                         boost::asio::cancellation_type::partial |
                         boost::asio::cancellation_type::total)) ==
                boost::asio::cancellation_type::none)
                return;
            // Posted, never run inline: completing clears this very slot.
            if (auto s = state.lock()) {
                auto const ex = s->ex_;
                boost::asio::post(ex, [s = std::move(s), id = id] { s->cancel_receive(id); });
            }
        }
    };

    struct frame_canceller {
        frame_canceller(std::weak_ptr<udp_tcp_state> s, endpoint_type const& t,
                        std::uint64_t i) noexcept
            : state(std::move(s)), to(t), id(i) {}
        std::weak_ptr<udp_tcp_state> state;
        endpoint_type to;
        std::uint64_t id;
        void operator()(boost::asio::cancellation_type_t type) const {
            if ((type & (boost::asio::cancellation_type::terminal |
                         boost::asio::cancellation_type::partial |
                         boost::asio::cancellation_type::total)) ==
                boost::asio::cancellation_type::none)
                return;
            if (auto s = state.lock()) {
                auto const ex = s->ex_;
                boost::asio::post(ex, [s = std::move(s), to = to, id = id] {
                    s->cancel_frame(to, id);
                });
            }
        }
    };

    void close_sockets() noexcept {
        error_code ignored;
        udp_.close(ignored);
        acceptor_.close(ignored);
    }

    // ---- receive queue (impl/udp_tcp_receive_queue.hpp) ---------------------------------

    bool can_offer() const noexcept;
    void offer(inbound_type&& message);
    void start_receive(std::unique_ptr<receive_op> op);
    void cancel_receive(std::uint64_t id);
    void resume_paused();

    // ---- UDP (impl/udp_tcp_receive_queue.hpp) -------------------------------------------

    void start_udp_receive();
    void on_udp_receive(error_code ec, std::size_t n);

    // ---- accepting and reading frames (impl/udp_tcp_streams_in.hpp) ---------------------

    void start_accept();
    void on_accept(error_code ec, typename connection::socket_type socket);
    bool start_tls(connection& c) noexcept;
    void on_tls_accepted(std::shared_ptr<connection> const& c, error_code ec);
    void start_read(std::shared_ptr<connection> const& c);
    void on_read(std::shared_ptr<connection> const& c, error_code ec, std::size_t n);
    static void quiet_acks([[maybe_unused]] connection& c) noexcept;
    void process(std::shared_ptr<connection> const& c);
    void arm_read_deadline(std::shared_ptr<connection> const& c);
    void wait_read_deadline(std::shared_ptr<connection> const& c);
    void reject(std::shared_ptr<connection> const& c, std::atomic<std::uint64_t>& reason,
                error ec);
    void break_connection(std::shared_ptr<connection> const& c, error_code ec);
    void close_connection(std::shared_ptr<connection> c);
    void shut(connection& c) noexcept;

    // ---- sending frames (impl/udp_tcp_streams_out.hpp) ----------------------------------

    std::shared_ptr<out_peer> peer_for(endpoint_type const& to);
    void enqueue_frame(endpoint_type const& to, std::vector<std::byte> frame,
                       std::unique_ptr<send_op> op);
    void cancel_frame(endpoint_type const& to, std::uint64_t id);
    void start_connect(std::shared_ptr<out_peer> const& p);
    void on_connect(std::shared_ptr<out_peer> const& p, std::uint64_t generation,
                    error_code ec);
    void on_tls_connected(std::shared_ptr<out_peer> const& p, std::uint64_t generation,
                          error_code ec);
    void established(std::shared_ptr<out_peer> const& p, bool reading);
    static void prepare_for_writing(connection& c) noexcept;
    void adopt(std::shared_ptr<connection> const& c);
    void start_write(std::shared_ptr<out_peer> const& p,
                     std::shared_ptr<write_batch> done = nullptr);
    static void consume(std::vector<boost::asio::const_buffer>& buffers, std::size_t n);
    void on_write(std::shared_ptr<out_peer> const& p, std::shared_ptr<write_batch> const& done,
                  std::uint64_t generation, error_code ec);
    void arm_peer_deadline(std::shared_ptr<out_peer> const& p, std::chrono::milliseconds d);
    void wait_peer_deadline(std::shared_ptr<out_peer> const& p);
    void fail_frames(out_peer& p, error_code ec);
    void connection_failed(std::shared_ptr<out_peer> const& p, error_code ec);
    std::chrono::nanoseconds backoff_delay(unsigned failures);

    Executor ex_;
    udp_tcp_config cfg_;
    udp_socket udp_;
    tcp_acceptor acceptor_;
    timer_type accept_retry_;
    endpoint_type bound_;
    endpoint_type advertised_;
    std::vector<std::byte> hello_;
    std::atomic<bool> closed_{false};
    std::atomic<std::uint64_t> next_id_{1};
    atomic_transport_counters counters_;
    std::mt19937_64 rng_;

    std::vector<std::byte> udp_buffer_;  // packet_budget + 1: a full buffer means over budget
    endpoint_type udp_from_;
    std::deque<inbound_type> inbox_;
    std::deque<std::unique_ptr<receive_op>> waiters_;  // non-empty only while inbox_ is empty
    std::list<std::shared_ptr<connection>> inbound_;
    std::vector<std::shared_ptr<connection>> paused_;
    std::unordered_map<endpoint_type, std::shared_ptr<out_peer>> peers_;
};

} // namespace detail

// ---- basic_udp_tcp_transport ------------------------------------------------------------

template <class Executor>
basic_udp_tcp_transport<Executor>::basic_udp_tcp_transport(executor_type const& ex,
                                                           udp_tcp_config cfg) {
    validate(cfg).value(); // throws, naming the field
    state_ = std::make_shared<state_type>(ex, std::move(cfg));
    state_->open();
}

template <class Executor>
auto basic_udp_tcp_transport<Executor>::get_executor() const noexcept -> executor_type {
    return state_->executor();
}

template <class Executor>
auto basic_udp_tcp_transport<Executor>::local_endpoint() const noexcept -> endpoint_type {
    return state_->local_endpoint();
}

template <class Executor>
auto basic_udp_tcp_transport<Executor>::bound_endpoint() const noexcept -> endpoint_type {
    return state_->bound_endpoint();
}

template <class Executor>
std::size_t basic_udp_tcp_transport<Executor>::packet_budget() const noexcept {
    return state_->config().packet_budget;
}

template <class Executor>
std::size_t basic_udp_tcp_transport<Executor>::max_frame_size() const noexcept {
    return state_->config().max_frame_size;
}

template <class Executor>
udp_tcp_config const& basic_udp_tcp_transport<Executor>::config() const noexcept {
    return state_->config();
}

template <class Executor>
transport_counters basic_udp_tcp_transport<Executor>::counters() const noexcept {
    return state_->counters();
}

template <class Executor>
bool basic_udp_tcp_transport<Executor>::is_open() const noexcept {
    return state_ && !state_->is_closed();
}

template <class Executor>
void basic_udp_tcp_transport<Executor>::close() noexcept {
    if (state_)
        state_->close();
}

namespace detail {

// Initiation objects: they hold the state, so a deferred operation stays valid.
template <class State>
struct initiate_send_packet {
    std::shared_ptr<State> state;
    using executor_type = typename State::executor_type;
    executor_type get_executor() const noexcept { return state->executor(); }

    template <class Handler>
    void operator()(Handler&& handler, boost::asio::ip::udp::endpoint const& to,
                    std::vector<std::byte> bytes, bool too_large) const {
        state->initiate_packet(std::forward<Handler>(handler), to, std::move(bytes), too_large);
    }
};

template <class State>
struct initiate_send_frame {
    std::shared_ptr<State> state;
    using executor_type = typename State::executor_type;
    executor_type get_executor() const noexcept { return state->executor(); }

    template <class Handler>
    void operator()(Handler&& handler, boost::asio::ip::udp::endpoint const& to,
                    std::vector<std::byte> frame, bool too_large) const {
        state->initiate_frame(std::forward<Handler>(handler), to, std::move(frame), too_large);
    }
};

template <class State>
struct initiate_receive {
    std::shared_ptr<State> state;
    using executor_type = typename State::executor_type;
    executor_type get_executor() const noexcept { return state->executor(); }

    template <class Handler>
    void operator()(Handler&& handler) const {
        state->initiate_receive(std::forward<Handler>(handler));
    }
};

} // namespace detail

template <class Executor>
template <class CompletionToken>
auto basic_udp_tcp_transport<Executor>::async_send_packet(endpoint_type const& to,
                                                          std::span<std::byte const> bytes,
                                                          CompletionToken&& token) {
    // Copied here, not in the initiation: a deferred token initiates later.
    bool const too_large = bytes.size() > state_->config().packet_budget;
    std::vector<std::byte> copy;
    if (!too_large)
        copy.assign(bytes.begin(), bytes.end());
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        detail::initiate_send_packet<state_type>{state_}, token, to, std::move(copy),
        too_large);
}

template <class Executor>
template <class CompletionToken>
auto basic_udp_tcp_transport<Executor>::async_send_frame(endpoint_type const& to,
                                                         std::span<std::byte const> bytes,
                                                         CompletionToken&& token) {
    bool const too_large = bytes.size() > state_->config().max_frame_size;
    std::vector<std::byte> frame;
    if (!too_large)
        frame = detail::make_frame(bytes);
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        detail::initiate_send_frame<state_type>{state_}, token, to, std::move(frame),
        too_large);
}

template <class Executor>
template <class CompletionToken>
auto basic_udp_tcp_transport<Executor>::async_receive(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(boost::system::error_code, inbound_type)>(
        detail::initiate_receive<state_type>{state_}, token);
}

} // namespace cohort

#include <cohort/transport/impl/udp_tcp_receive_queue.hpp>
#include <cohort/transport/impl/udp_tcp_streams_in.hpp>
#include <cohort/transport/impl/udp_tcp_streams_out.hpp>

#endif // COHORT_TRANSPORT_IMPL_UDP_TCP_TRANSPORT_HPP
