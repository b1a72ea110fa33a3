// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_IMPL_UDP_TCP_STREAMS_OUT_HPP
#define COHORT_TRANSPORT_IMPL_UDP_TCP_STREAMS_OUT_HPP

// udp_tcp_state's outbound TCP side: the per-peer send queue, connecting
// (or adopting a peer's two-way connection), writing frames in batches, the
// connect and write deadline, and, when a connection fails, failing its
// frames and reconnecting after a jittered exponential backoff. Separate
// from the read path because sending is its own state machine (idle,
// connecting, connected, backoff) per peer.

#include <cohort/transport/detail/reconnect_backoff.hpp>
#include <cohort/transport/impl/udp_tcp_transport.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <utility>
#include <vector>

namespace cohort {
namespace detail {

// ---- sending frames ---------------------------------------------------------------------

template <class Executor>
inline auto udp_tcp_state<Executor>::peer_for(endpoint_type const& to)
    -> std::shared_ptr<out_peer> {
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

template <class Executor>
inline void udp_tcp_state<Executor>::enqueue_frame(endpoint_type const& to,
                                                   std::vector<std::byte> frame,
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

template <class Executor>
inline void udp_tcp_state<Executor>::cancel_frame(endpoint_type const& to, std::uint64_t id) {
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

template <class Executor>
inline void udp_tcp_state<Executor>::start_connect(std::shared_ptr<out_peer> const& p) {
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

template <class Executor>
inline void udp_tcp_state<Executor>::on_connect(std::shared_ptr<out_peer> const& p,
                                                std::uint64_t generation, error_code ec) {
    if (is_closed() || generation != p->generation)
        return;
    if (p->timed_out && !ec)
        ec = error::connect_timeout; // connected just as the deadline closed the socket
    if (ec) {
        tally(counters_.connect_failures);
        connection_failed(p, ec);
        return;
    }
    if (!cfg_.tls)
        return established(p, false);
    // Still `connecting` until the acceptor's hello: the deadline below
    // covers the handshake and that hello, and a failure fails the frames.
    auto const& c = p->conn;
    if (!start_tls(*c)) {
        tally(counters_.tls_handshake_failures);
        connection_failed(p, error::crypto_failure);
        return;
    }
    c->writer = p; // a read error while awaiting the hello fails p's frames
    arm_peer_deadline(p, cfg_.connect_timeout);
    c->tls->async_handshake(boost::asio::ssl::stream_base::client,
                            [self = this->shared_from_this(), p, c, generation](error_code e) {
                                self->on_tls_connected(p, generation, e);
                            });
}

// The opener's TLS handshake is done: wait for the acceptor's hello (read
// by process, which then calls established).
template <class Executor>
inline void udp_tcp_state<Executor>::on_tls_connected(std::shared_ptr<out_peer> const& p,
                                                      std::uint64_t generation, error_code ec) {
    if (is_closed() || generation != p->generation)
        return;
    if (p->timed_out && !ec)
        ec = error::connect_timeout; // done just as the deadline closed the socket
    if (ec) {
        tally(counters_.tls_handshake_failures);
        connection_failed(p, ec);
        return;
    }
    p->conn->awaiting_accept = true;
    start_read(p->conn);
}

// The connection to `p` is ready for frames: plain TCP connected, or the
// acceptor's hello read over TLS (the read is running then: `reading`).
template <class Executor>
inline void udp_tcp_state<Executor>::established(std::shared_ptr<out_peer> const& p,
                                                 bool reading) {
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
    if (!reading)
        start_read(c); // replies, and the peer's close
    start_write(p);
}

// Frames leave at once (no Nagle), and start_write's direct write must
// not block (TLS writes never take that path).
template <class Executor>
inline void udp_tcp_state<Executor>::prepare_for_writing(connection& c) noexcept {
    error_code ignored;
    c.socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    if (!c.tls)
        c.socket.non_blocking(true, ignored);
}

// A peer opened `c` with a two-way hello: send it frames there too, unless
// a connection of our own is (being) established. Simultaneous opens thus
// leave two connections, each used one way; nothing needs tie-breaking.
template <class Executor>
inline void udp_tcp_state<Executor>::adopt(std::shared_ptr<connection> const& c) {
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
template <class Executor>
inline void udp_tcp_state<Executor>::start_write(std::shared_ptr<out_peer> const& p,
                                                 std::shared_ptr<write_batch> done) {
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
    if (p->conn->tls) {
        // One piece, not the gathered buffers: Asio's SSL stream copies a
        // buffer sequence into 8 KiB per record, a single buffer into
        // records of the 16 KiB maximum, so half the records, syscalls and
        // reads at the receiver for the same copy. The handler holds the
        // connection: the stream's operation uses it until it completes,
        // even after a failure has dropped the peer's reference.
        auto& staging = batch->staging;
        staging.resize(boost::asio::buffer_size(batch->buffers));
        boost::asio::buffer_copy(boost::asio::buffer(staging), batch->buffers);
        boost::asio::async_write(*p->conn->tls, boost::asio::buffer(staging),
                                 [self = this->shared_from_this(), p, batch, c = p->conn,
                                  generation = p->generation](error_code ec, std::size_t) {
                                     self->on_write(p, batch, generation, ec);
                                 });
        arm_peer_deadline(p, cfg_.write_timeout);
        return;
    }
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
template <class Executor>
inline void udp_tcp_state<Executor>::consume(std::vector<boost::asio::const_buffer>& buffers,
                                             std::size_t n) {
    auto it = buffers.begin();
    while (it != buffers.end() && n >= it->size()) {
        n -= it->size();
        ++it;
    }
    buffers.erase(buffers.begin(), it);
    if (n > 0)
        buffers.front() += n;
}

template <class Executor>
inline void udp_tcp_state<Executor>::on_write(std::shared_ptr<out_peer> const& p,
                                              std::shared_ptr<write_batch> const& done,
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
    if (batch.staging.capacity() > 2 * batch_bytes) // after a large frame
        std::vector<std::byte>().swap(batch.staging);
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
template <class Executor>
inline void udp_tcp_state<Executor>::arm_peer_deadline(std::shared_ptr<out_peer> const& p,
                                                       std::chrono::milliseconds d) {
    p->deadline = clock::now() + d;
    if (p->timer_running && p->timer_expiry <= p->deadline)
        return;
    wait_peer_deadline(p);
}

template <class Executor>
inline void udp_tcp_state<Executor>::wait_peer_deadline(std::shared_ptr<out_peer> const& p) {
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

template <class Executor>
inline void udp_tcp_state<Executor>::fail_frames(out_peer& p, error_code ec) {
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
template <class Executor>
inline void udp_tcp_state<Executor>::connection_failed(std::shared_ptr<out_peer> const& p,
                                                       error_code ec) {
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

template <class Executor>
inline std::chrono::nanoseconds udp_tcp_state<Executor>::backoff_delay(unsigned failures) {
    return reconnect_delay(cfg_.reconnect_base_delay, cfg_.reconnect_max_delay,
                           cfg_.reconnect_jitter, failures, rng_);
}

} // namespace detail
} // namespace cohort

#endif // COHORT_TRANSPORT_IMPL_UDP_TCP_STREAMS_OUT_HPP
