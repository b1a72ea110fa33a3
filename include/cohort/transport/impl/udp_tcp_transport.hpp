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

#include <cohort/transport/udp_tcp_transport.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <deque>
#include <list>
#include <random>
#include <unordered_map>

#if defined(__linux__)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

namespace cohort {
namespace detail {

// For counters that several threads may write: packet completions run on the
// handler's executor and initiations on the caller's thread.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) noexcept {
    counter.fetch_add(n, std::memory_order_relaxed);
}

// For counters only the transport's executor writes: a plain load and store
// (no locked instruction), still safe to read from any thread.
inline void tally(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// transport_counters, one atomic per field, so that counters() may be read
// from any thread and packet completions may count on the handler's executor.
struct atomic_transport_counters {
    std::atomic<std::uint64_t> packets_in{0}, packets_out{0}, frames_in{0}, frames_out{0},
        bytes_in{0}, bytes_out{0}, drops_queue_full{0}, drops_oversize{0}, drops_garbage{0},
        drops_closed{0}, connects{0}, reconnects{0}, connect_failures{0}, accepts{0},
        disconnects{0}, decode_errors{0};

    transport_counters snapshot() const noexcept {
        auto const get = [](std::atomic<std::uint64_t> const& c) {
            return c.load(std::memory_order_relaxed);
        };
        transport_counters s;
        s.packets_in = get(packets_in);
        s.packets_out = get(packets_out);
        s.frames_in = get(frames_in);
        s.frames_out = get(frames_out);
        s.bytes_in = get(bytes_in);
        s.bytes_out = get(bytes_out);
        s.drops_queue_full = get(drops_queue_full);
        s.drops_oversize = get(drops_oversize);
        s.drops_garbage = get(drops_garbage);
        s.drops_closed = get(drops_closed);
        s.connects = get(connects);
        s.reconnects = get(reconnects);
        s.connect_failures = get(connect_failures);
        s.accepts = get(accepts);
        s.disconnects = get(disconnects);
        s.decode_errors = get(decode_errors);
        return s;
    }
};

// The completion handler of a packet's async_send_to: counts, maps an abort
// caused by close() to transport_closed, owns the copied bytes, and exposes
// the user handler's associated executor, allocator and cancellation slot
// (see the associator below), so the socket completes straight to the user.
template <class State, class Handler>
class packet_send_handler {
public:
    packet_send_handler(std::shared_ptr<State> state, std::vector<std::byte> bytes,
                        Handler handler)
        : state_(std::move(state)), bytes_(std::move(bytes)), handler_(std::move(handler)) {}

    void operator()(boost::system::error_code ec, std::size_t n) {
        auto& counters = state_->counters_;
        if (!ec) {
            bump(counters.packets_out);
            bump(counters.bytes_out, n);
        } else if (ec == boost::asio::error::operation_aborted && state_->is_closed()) {
            ec = error::transport_closed;
            bump(counters.drops_closed);
        }
        // Free what we own before the up-call, so the handler may reuse it.
        state_.reset();
        bytes_ = {};
        std::move(handler_)(ec);
    }

    Handler const& handler() const noexcept { return handler_; }

private:
    std::shared_ptr<State> state_;
    std::vector<std::byte> bytes_;
    Handler handler_;
};

template <class Executor>
struct outbound_peer;

// One TCP connection: accepted (`from` set by its hello) or opened by this
// transport (`from` is the peer it was opened to). Both kinds are read, since
// frames may come back on either; `writer` is the peer whose frames this
// connection carries: always its opener, and the acceptor too once a two-way
// hello let it answer there.
template <class Executor>
struct stream_connection {
    using clock = std::chrono::steady_clock;
    using socket_type = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;
    using timer_type =
        boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, Executor>;

    stream_connection(socket_type s, Executor const& ex, std::size_t read_chunk)
        : socket(std::move(s)), timer(ex), chunk(read_chunk) {}

    socket_type socket;
    timer_type timer;                 // read deadline, lazily re-armed
    std::vector<std::byte> buffer;    // received bytes not yet consumed: [begin, end)
    std::size_t begin = 0;
    std::size_t end = 0;
    std::size_t need = frame_header_size;  // bytes the frame at `begin` needs in all
    std::size_t chunk;                // least free space per read; doubles when a read fills it
    std::optional<boost::asio::ip::udp::endpoint> from;  // set by the hello, or the opener
    std::weak_ptr<outbound_peer<Executor>> writer;       // the peer sending on it, if any
    std::uint64_t frames = 0;         // frames consumed, hello included
    std::uint64_t deadline_frame = 0; // the frame `deadline` belongs to
    std::optional<clock::time_point> deadline;  // when the partial frame must be complete
    bool timer_running = false;
    bool paused = false;              // stopped reading: the receive queue is full
    bool dead = false;
    bool open = false;                // established (counted in disconnects when closed)
    bool accepted = false;            // in the acceptor's list, at `self`
    std::uint32_t reads = 0;          // completed reads, for quiet_acks
    typename std::list<std::shared_ptr<stream_connection>>::iterator self;
};

// A frame waiting to be written, and the operation it completes.
struct outbound_frame {
    std::uint64_t id = 0;
    std::vector<std::byte> bytes;  // length prefix + payload
    std::unique_ptr<pending_op<boost::system::error_code>> op;
};

// The frames of one gather write. The write's handler owns it, so the bytes
// outlive the write even when the connection fails (and completes the
// frames) first.
struct write_batch {
    std::vector<outbound_frame> frames;
    std::vector<boost::asio::const_buffer> buffers;
};

// What this transport knows about sending frames to one peer: the queue and
// the connection they are written on (opened by this transport, or one the
// peer opened with a two-way hello).
template <class Executor>
struct outbound_peer {
    using clock = std::chrono::steady_clock;
    using timer_type =
        boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, Executor>;

    enum class status : std::uint8_t { idle, connecting, connected, backoff };

    outbound_peer(boost::asio::ip::udp::endpoint to, Executor const& ex)
        : endpoint(to), deadline_timer(ex), backoff_timer(ex) {}

    boost::asio::ip::udp::endpoint endpoint;
    std::shared_ptr<stream_connection<Executor>> conn; // connecting or connected: written on
    timer_type deadline_timer;            // connect and write timeouts, lazily re-armed
    timer_type backoff_timer;
    status state = status::idle;
    std::deque<outbound_frame> queue;     // not yet handed to the socket
    std::shared_ptr<write_batch> writing; // the batch being written, if any
    std::shared_ptr<write_batch> spare;   // the last batch written, kept for its storage
    bool completing = false;              // completing a batch: defer the next write
    clock::time_point deadline{};         // of the pending connect or write
    clock::time_point timer_expiry{};     // when the running deadline_timer fires
    std::uint64_t timer_seq = 0;          // identifies the current wait
    bool timer_running = false;
    bool timed_out = false;               // the deadline closed the socket
    bool hello_pending = false;
    bool ever_connected = false;
    unsigned failures = 0;                // consecutive, reset by a connect
    std::uint64_t generation = 0;         // one per connection attempt or adoption
};

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

    // ---- receive queue ------------------------------------------------------------------

    bool can_offer() const noexcept {
        return !waiters_.empty() || inbox_.size() < cfg_.receive_queue_limit;
    }

    // Requires can_offer(). Called from completion handlers only: a waiting
    // receive runs inline when it can, so the caller must re-check closed_
    // (and its own liveness) afterwards.
    void offer(inbound_type&& message) {
        if (!waiters_.empty()) {
            auto op = std::move(waiters_.front());
            waiters_.pop_front();
            op->complete_now(error_code{}, std::move(message));
            return;
        }
        inbox_.push_back(std::move(message));
    }

    void start_receive(std::unique_ptr<receive_op> op) {
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

    void cancel_receive(std::uint64_t id) {
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
    void resume_paused() {
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

    // ---- UDP ----------------------------------------------------------------------------

    void start_udp_receive() {
        udp_.async_receive_from(boost::asio::buffer(udp_buffer_), udp_from_,
                                [self = this->shared_from_this()](error_code ec, std::size_t n) {
                                    self->on_udp_receive(ec, n);
                                });
    }

    void on_udp_receive(error_code ec, std::size_t n) {
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

    // ---- accepting and reading frames ---------------------------------------------------

    void start_accept() {
        acceptor_.async_accept(
            [self = this->shared_from_this()](error_code ec, typename connection::socket_type s) {
                self->on_accept(ec, std::move(s));
            });
    }

    void on_accept(error_code ec, typename connection::socket_type socket) {
        if (is_closed())
            return;
        if (ec) {
            // Out of descriptors and the like: pause instead of spinning.
            accept_retry_.expires_after(std::chrono::milliseconds(50));
            accept_retry_.async_wait([self = this->shared_from_this()](error_code e) {
                if (!e && !self->is_closed())
                    self->start_accept();
            });
            return;
        }
        tally(counters_.accepts);
        if (inbound_.size() >= cfg_.max_connections) {
            error_code ignored;
            socket.close(ignored);
            tally(counters_.disconnects);
        } else {
            auto c = std::make_shared<connection>(std::move(socket), ex_, read_chunk);
            inbound_.push_front(c);
            c->self = inbound_.begin();
            c->open = true;
            c->accepted = true;
            c->buffer.resize(read_chunk);
            arm_read_deadline(c); // for the hello
            start_read(c);
        }
        start_accept();
    }

    void start_read(std::shared_ptr<connection> const& c) {
        if (c->begin > 0) {
            std::memmove(c->buffer.data(), c->buffer.data() + c->begin, c->end - c->begin);
            c->end -= c->begin;
            c->begin = 0;
        }
        // Grow towards the frame being received as its bytes arrive, not at
        // once: a header alone must not cost max_frame_size of memory.
        std::size_t const target = std::max(c->need, c->chunk);
        if (c->buffer.size() < target && c->buffer.size() - c->end < c->chunk)
            c->buffer.resize(std::min(target, std::max(c->buffer.size() * 2, c->end + c->chunk)));
        c->socket.async_read_some(
            boost::asio::buffer(c->buffer.data() + c->end, c->buffer.size() - c->end),
            [self = this->shared_from_this(), c](error_code ec, std::size_t n) {
                self->on_read(c, ec, n);
            });
    }

    void on_read(std::shared_ptr<connection> const& c, error_code ec, std::size_t n) {
        if (is_closed() || c->dead)
            return;
        if (ec) { // closed by the peer, reset, ...
            break_connection(c, ec);
            return;
        }
        // A connection opened by this transport starts with a small buffer
        // (most only carry replies, if anything): grow it while reads fill it.
        if (n == c->buffer.size() - c->end && c->chunk < read_chunk)
            c->chunk *= 2;
        c->end += n;
        quiet_acks(*c);
        process(c);
    }

    // A connection that only receives (one-way: a peer without two-way
    // hellos, or the loser of a simultaneous open) has no reply to carry its
    // acknowledgements: Linux sends a pure ACK segment for every read, which
    // on loopback costs about as much as the frame itself. Delayed-ACK mode
    // (TCP_QUICKACK off) acknowledges every second segment instead, or after
    // the delayed-ACK timeout, or with the next frame written back. Data is
    // never delayed: senders set TCP_NODELAY, and only the acknowledgement
    // waits. The kernel leaves that mode when its delayed-ACK timer fires
    // (traffic paused), so it is asked again every 64 reads.
    static void quiet_acks([[maybe_unused]] connection& c) noexcept {
#if defined(__linux__) && defined(TCP_QUICKACK)
        if ((c.reads++ & 63U) != 0)
            return;
        int const off = 0;
        (void)::setsockopt(c.socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &off,
                           sizeof off); // best effort: a failure only costs ACKs
#endif
    }

    // Consumes the complete frames in the buffer, then reads on, unless the
    // connection was dropped or paused.
    void process(std::shared_ptr<connection> const& c) {
        for (;;) {
            std::size_t const available = c->end - c->begin;
            if (available < frame_header_size) {
                c->need = frame_header_size;
                break;
            }
            std::byte const* const head = c->buffer.data() + c->begin;
            std::size_t const length = load_u32_be(head);
            if (!c->from) {
                if (length != hello_v4_size && length != hello_v6_size) {
                    reject(c, counters_.drops_garbage, error::bad_magic);
                    return;
                }
            } else if (length > cfg_.max_frame_size) {
                reject(c, counters_.drops_oversize, error::frame_too_large);
                return;
            }
            if (available < frame_header_size + length) {
                c->need = frame_header_size + length;
                break;
            }
            std::span<std::byte const> const payload(head + frame_header_size, length);
            if (!c->from) {
                auto hello = parse_hello(payload);
                if (!hello) {
                    reject(c, counters_.drops_garbage, error::bad_magic);
                    return;
                }
                if (hello->from.address().is_unspecified()) {
                    error_code ignored;
                    auto const remote = c->socket.remote_endpoint(ignored);
                    hello->from.address(remote.address());
                }
                c->from = hello->from;
                if (hello->two_way)
                    adopt(c);
            } else {
                if (!can_offer()) {
                    // Stop reading until async_receive makes room; TCP pushes
                    // back to the sender. Our own stall is not a read timeout.
                    c->paused = true;
                    c->deadline.reset();
                    paused_.push_back(c);
                    return;
                }
                tally(counters_.frames_in);
                tally(counters_.bytes_in, length);
                c->begin += frame_header_size + length;
                ++c->frames;
                offer(inbound_type{delivery::frame, *c->from,
                                   std::vector<std::byte>(payload.begin(), payload.end())});
                if (is_closed() || c->dead)
                    return; // by the receive's handler
                continue;
            }
            c->begin += frame_header_size + length;
            ++c->frames;
        }
        if (c->begin == c->end) {
            c->begin = c->end = 0;
            if (c->from)
                c->deadline.reset(); // between frames: no deadline
            if (c->buffer.size() > idle_buffer_limit)
                std::vector<std::byte>(c->chunk).swap(c->buffer);
        } else if (!c->deadline || c->deadline_frame != c->frames) {
            arm_read_deadline(c); // a new frame has started
        }
        start_read(c);
    }

    void arm_read_deadline(std::shared_ptr<connection> const& c) {
        c->deadline = clock::now() + cfg_.read_timeout;
        c->deadline_frame = c->frames;
        if (c->timer_running)
            return; // it re-arms itself for the new deadline when it fires
        wait_read_deadline(c);
    }

    void wait_read_deadline(std::shared_ptr<connection> const& c) {
        c->timer_running = true;
        c->timer.expires_at(*c->deadline);
        c->timer.async_wait([self = this->shared_from_this(), c](error_code ec) {
            c->timer_running = false;
            if (ec || self->is_closed() || c->dead || !c->deadline)
                return;
            if (clock::now() >= *c->deadline)
                self->break_connection(c, error::read_timeout);
            else
                self->wait_read_deadline(c);
        });
    }

    // A peer broke the framing: count it and drop it.
    void reject(std::shared_ptr<connection> const& c, std::atomic<std::uint64_t>& reason,
                error ec) {
        bump(reason);
        tally(counters_.decode_errors);
        break_connection(c, ec);
    }

    // Reading failed (closed by the peer, reset, bad framing, read timeout):
    // the connection is gone for both directions.
    void break_connection(std::shared_ptr<connection> const& c, error_code ec) {
        if (c->dead)
            return;
        if (auto p = c->writer.lock(); p && p->conn == c)
            connection_failed(p, ec); // fails its frames, backs off, closes c
        else
            close_connection(c);
    }

    // By value: erasing it from the accepted list must not free it under us.
    void close_connection(std::shared_ptr<connection> c) {
        if (c->dead)
            return;
        shut(*c);
        c->writer.reset();
        if (c->accepted)
            inbound_.erase(c->self);
        if (c->paused)
            std::erase(paused_, c);
    }

    // Closes `c` and counts it, once (a connection can be both a peer's and
    // in the accepted list); unlinking it is the caller's business.
    void shut(connection& c) noexcept {
        if (c.dead)
            return;
        c.dead = true;
        error_code ignored;
        c.timer.cancel(ignored);
        c.socket.close(ignored);
        if (c.open)
            tally(counters_.disconnects);
    }

    // ---- sending frames -----------------------------------------------------------------

    std::shared_ptr<out_peer> peer_for(endpoint_type const& to) {
        if (auto it = peers_.find(to); it != peers_.end())
            return it->second;
        if (peers_.size() >= cfg_.max_connections) {
            // Forget an idle peer (no connection, nothing queued) to make room.
            auto const idle = std::find_if(peers_.begin(), peers_.end(), [](auto const& e) {
                return e.second->state == out_peer::status::idle && e.second->queue.empty();
            });
            if (idle == peers_.end())
                return nullptr;
            peers_.erase(idle);
        }
        auto p = std::make_shared<out_peer>(to, ex_);
        peers_.emplace(to, p);
        return p;
    }

    void enqueue_frame(endpoint_type const& to, std::vector<std::byte> frame,
                       std::unique_ptr<send_op> op) {
        if (is_closed()) {
            op->complete(error::transport_closed);
            return;
        }
        auto p = peer_for(to);
        if (!p || p->queue.size() >= cfg_.send_queue_limit) {
            tally(counters_.drops_queue_full);
            op->complete(error::send_queue_full);
            return;
        }
        auto const id = op->id();
        p->queue.push_back(outbound_frame{id, std::move(frame), std::move(op)});
        if (p->state == out_peer::status::idle)
            start_connect(p);
        else if (p->state == out_peer::status::connected)
            start_write(p);
        // connecting, backoff: the frame waits for the connection
    }

    void cancel_frame(endpoint_type const& to, std::uint64_t id) {
        if (is_closed())
            return;
        auto const it = peers_.find(to);
        if (it == peers_.end())
            return;
        auto& queue = it->second->queue;
        auto const f = std::find_if(queue.begin(), queue.end(),
                                    [id](outbound_frame const& x) { return x.id == id; });
        if (f == queue.end())
            return; // written, being written, or completed already
        auto op = std::move(f->op);
        queue.erase(f);
        op->complete(boost::asio::error::operation_aborted);
    }

    void start_connect(std::shared_ptr<out_peer> const& p) {
        p->state = out_peer::status::connecting;
        p->timed_out = false;
        auto const generation = ++p->generation;
        p->conn = std::make_shared<connection>(typename connection::socket_type(ex_), ex_, first_chunk);
        boost::asio::ip::tcp::endpoint const target(p->endpoint.address(), p->endpoint.port());
        p->conn->socket.async_connect(target, [self = this->shared_from_this(), p,
                                               generation](error_code ec) {
            self->on_connect(p, generation, ec);
        });
        arm_peer_deadline(p, cfg_.connect_timeout);
    }

    void on_connect(std::shared_ptr<out_peer> const& p, std::uint64_t generation,
                    error_code ec) {
        if (is_closed() || generation != p->generation)
            return;
        if (p->timed_out && !ec)
            ec = error::connect_timeout; // connected just as the deadline closed the socket
        if (ec) {
            tally(counters_.connect_failures);
            connection_failed(p, ec);
            return;
        }
        tally(counters_.connects);
        if (p->ever_connected)
            tally(counters_.reconnects);
        p->ever_connected = true;
        p->failures = 0;
        auto const& c = p->conn;
        prepare_for_writing(*c);
        c->open = true;
        c->from = p->endpoint; // what comes back on it is from the peer we dialled
        c->writer = p;
        p->state = out_peer::status::connected;
        p->hello_pending = true;
        start_read(c); // replies, and the peer's close
        start_write(p);
    }

    // Frames leave at once (no Nagle), and start_write's direct write must
    // not block.
    static void prepare_for_writing(connection& c) noexcept {
        error_code ignored;
        c.socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        c.socket.non_blocking(true, ignored);
    }

    // A peer opened `c` with a two-way hello: send it frames there too, unless
    // a connection of our own is (being) established. Simultaneous opens thus
    // leave two connections, each used one way; nothing needs tie-breaking.
    void adopt(std::shared_ptr<connection> const& c) {
        auto p = peer_for(*c->from);
        if (!p || (p->state != out_peer::status::idle && p->state != out_peer::status::backoff))
            return;
        ++p->generation; // a backoff wait in progress ends here
        error_code ignored;
        p->backoff_timer.cancel(ignored);
        prepare_for_writing(*c);
        c->writer = p;
        p->conn = c;
        p->state = out_peer::status::connected;
        p->failures = 0; // the peer is reachable
        p->timed_out = false;
        p->hello_pending = false; // the acceptor's side needs none
        start_write(p);
    }

    // `done` is a batch whose write has completed: its storage is reused.
    void start_write(std::shared_ptr<out_peer> const& p,
                     std::shared_ptr<write_batch> done = nullptr) {
        if (p->writing || p->completing || p->state != out_peer::status::connected)
            return;
        if (p->queue.empty() && !p->hello_pending)
            return;
        // Reuse a written batch's storage: one frame at a time must not cost
        // three allocations per frame.
        if (!done)
            done = std::move(p->spare);
        auto batch = done ? std::move(done) : std::make_shared<write_batch>();
        if (p->hello_pending)
            batch->buffers.push_back(boost::asio::buffer(hello_));
        std::size_t bytes = 0;
        while (!p->queue.empty() && batch->frames.size() < batch_frames) {
            auto& f = p->queue.front();
            if (!batch->frames.empty() && bytes + f.bytes.size() > batch_bytes)
                break;
            bytes += f.bytes.size();
            batch->buffers.push_back(boost::asio::buffer(f.bytes));
            batch->frames.push_back(std::move(f));
            p->queue.pop_front();
        }
        p->writing = batch;
        // Nothing is being written on the connection: hand the batch to the
        // kernel now (the socket is non-blocking) instead of through
        // async_write's composed operation and a reactor registration. Its
        // frames still complete from a posted handler, never from here.
        error_code ec = boost::asio::error::would_block;
        std::size_t written = 0;
        if (p->conn->socket.non_blocking())
            written = p->conn->socket.write_some(
                std::span<boost::asio::const_buffer const>(batch->buffers), ec);
        if (ec != boost::asio::error::would_block && ec != boost::asio::error::try_again &&
            (ec || written == boost::asio::buffer_size(batch->buffers))) {
            boost::asio::post(ex_, [self = this->shared_from_this(), p, batch,
                                    generation = p->generation, ec] {
                self->on_write(p, batch, generation, ec);
            });
            return;
        }
        consume(batch->buffers, ec ? 0 : written); // the kernel took part: the rest waits
        boost::asio::async_write(p->conn->socket,
                                 std::span<boost::asio::const_buffer const>(batch->buffers),
                                 [self = this->shared_from_this(), p, batch,
                                  generation = p->generation](error_code ec, std::size_t) {
                                     self->on_write(p, batch, generation, ec);
                                 });
        arm_peer_deadline(p, cfg_.write_timeout);
    }

    // Drops the first `n` bytes of `buffers`.
    static void consume(std::vector<boost::asio::const_buffer>& buffers, std::size_t n) {
        auto it = buffers.begin();
        while (it != buffers.end() && n >= it->size()) {
            n -= it->size();
            ++it;
        }
        buffers.erase(buffers.begin(), it);
        if (n > 0)
            buffers.front() += n;
    }

    void on_write(std::shared_ptr<out_peer> const& p, std::shared_ptr<write_batch> const& done,
                  std::uint64_t generation, error_code ec) {
        if (is_closed() || generation != p->generation)
            return; // the frames were completed when the connection failed
        if (p->timed_out && !ec)
            ec = error::write_timeout; // written just as the deadline closed the socket
        if (ec) {
            connection_failed(p, ec);
            return;
        }
        p->writing.reset();
        p->hello_pending = false;
        // Complete inline; frames the handlers send meanwhile wait, so they
        // go out together in the next batch.
        auto& batch = *done;
        p->completing = true;
        for (auto& f : batch.frames) {
            tally(counters_.frames_out);
            bump(counters_.bytes_out, f.bytes.size() - frame_header_size);
            f.op->complete_now(error_code{});
        }
        p->completing = false;
        batch.frames.clear();
        batch.buffers.clear();
        if (is_closed())
            return;
        start_write(p, done);
        // Nothing left to write: keep the (bounded: batch_frames) storage.
        if (!p->writing)
            p->spare = done;
    }

    // The deadline of the pending connect or write. One timer per peer, left
    // running when a later deadline replaces an earlier one (it re-arms itself
    // when it fires early), so a write usually costs no timer syscall.
    void arm_peer_deadline(std::shared_ptr<out_peer> const& p, std::chrono::milliseconds d) {
        p->deadline = clock::now() + d;
        if (p->timer_running && p->timer_expiry <= p->deadline)
            return;
        wait_peer_deadline(p);
    }

    void wait_peer_deadline(std::shared_ptr<out_peer> const& p) {
        p->timer_running = true;
        p->timer_expiry = p->deadline;
        auto const seq = ++p->timer_seq;
        p->deadline_timer.expires_at(p->deadline); // cancels an earlier wait
        p->deadline_timer.async_wait([self = this->shared_from_this(), p, seq](error_code ec) {
            if (seq != p->timer_seq)
                return; // superseded by a wait for an earlier deadline
            p->timer_running = false;
            if (ec || self->is_closed())
                return;
            bool const busy = p->state == out_peer::status::connecting ||
                              (p->state == out_peer::status::connected && p->writing);
            if (!busy)
                return;
            if (clock::now() < p->deadline) {
                self->wait_peer_deadline(p);
                return;
            }
            // Closing aborts the connect or write, whose handler reports the timeout.
            p->timed_out = true;
            error_code ignored;
            p->conn->socket.close(ignored);
        });
    }

    void fail_frames(out_peer& p, error_code ec) {
        if (p.writing) {
            for (auto& f : p.writing->frames) {
                bump(counters_.drops_closed);
                f.op->complete(ec);
            }
            p.writing.reset(); // the bytes live on in the write's handler
        }
        auto queue = std::move(p.queue);
        p.queue.clear();
        for (auto& f : queue) {
            bump(counters_.drops_closed);
            f.op->complete(ec);
        }
    }

    // A connect failed or a connection broke: fail the frames, back off.
    void connection_failed(std::shared_ptr<out_peer> const& p, error_code ec) {
        if (p->timed_out) // whichever handler saw the abort first
            ec = p->state == out_peer::status::connecting ? error_code(error::connect_timeout)
                                                          : error_code(error::write_timeout);
        ++p->generation;
        if (auto c = std::move(p->conn))
            close_connection(std::move(c)); // counts a disconnect if it was established
        p->hello_pending = false;
        fail_frames(*p, ec);
        p->failures = std::min(p->failures + 1, 63u);
        p->state = out_peer::status::backoff;
        p->backoff_timer.expires_after(backoff_delay(p->failures));
        p->backoff_timer.async_wait([self = this->shared_from_this(), p,
                                     generation = p->generation](error_code e) {
            if (e || self->is_closed() || generation != p->generation)
                return;
            if (p->queue.empty())
                p->state = out_peer::status::idle; // connect on the next send
            else
                self->start_connect(p);
        });
    }

    std::chrono::nanoseconds backoff_delay(unsigned failures) {
        using ms = std::chrono::duration<double, std::milli>;
        double const base = ms(cfg_.reconnect_base_delay).count();
        double const max = ms(cfg_.reconnect_max_delay).count();
        double delay = std::min(max, std::ldexp(base, static_cast<int>(failures) - 1));
        if (cfg_.reconnect_jitter > 0.0) {
            std::uniform_real_distribution<double> factor(1.0 - cfg_.reconnect_jitter,
                                                          1.0 + cfg_.reconnect_jitter);
            delay = std::min(max, delay * factor(rng_));
        }
        return std::chrono::duration_cast<std::chrono::nanoseconds>(ms(delay));
    }

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

// The packet handler is the user's handler to Asio: same executor, allocator
// and cancellation slot.
namespace boost::asio {
template <template <class, class> class Associator, class State, class Handler,
          class DefaultCandidate>
struct associator<Associator, cohort::detail::packet_send_handler<State, Handler>,
                  DefaultCandidate> : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type
    get(cohort::detail::packet_send_handler<State, Handler> const& h) noexcept {
        return Associator<Handler, DefaultCandidate>::get(h.handler());
    }
    static auto get(cohort::detail::packet_send_handler<State, Handler> const& h,
                    DefaultCandidate const& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler(), c)) {
        return Associator<Handler, DefaultCandidate>::get(h.handler(), c);
    }
};
} // namespace boost::asio

#endif // COHORT_TRANSPORT_IMPL_UDP_TCP_TRANSPORT_HPP
