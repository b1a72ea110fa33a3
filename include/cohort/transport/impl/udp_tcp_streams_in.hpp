// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_IMPL_UDP_TCP_STREAMS_IN_HPP
#define COHORT_TRANSPORT_IMPL_UDP_TCP_STREAMS_IN_HPP

// udp_tcp_state's inbound TCP side: accepting connections, reading them
// into a growing buffer, splitting the bytes into the hello and frames
// (process), the read deadline, and breaking or closing a connection when
// reading fails. Separate from the send path because reading is its own
// state machine; the two meet only where a connection also carries frames
// out (adopt, connection_failed).

#include <cohort/transport/impl/udp_tcp_transport.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#if defined(__linux__)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

namespace cohort {
namespace detail {

// ---- accepting and reading frames -------------------------------------------------------

template <class Executor>
inline void udp_tcp_state<Executor>::start_accept() {
    acceptor_.async_accept(
        [self = this->shared_from_this()](error_code ec, typename connection::socket_type s) {
            self->on_accept(ec, std::move(s));
        });
}

template <class Executor>
inline void udp_tcp_state<Executor>::on_accept(error_code ec,
                                               typename connection::socket_type socket) {
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
        arm_read_deadline(c); // for the hello (and the TLS handshake before it)
        if (cfg_.tls) {
            if (!start_tls(*c)) {
                tally(counters_.tls_handshake_failures);
                close_connection(c);
                start_accept();
                return;
            }
            c->tls->async_handshake(boost::asio::ssl::stream_base::server,
                                    [self = this->shared_from_this(), c](error_code e) {
                                        self->on_tls_accepted(c, e);
                                    });
        } else {
            start_read(c);
        }
    }
    start_accept();
}

// Puts a TLS stream over `c` (both sides): false if OpenSSL could not
// make one (out of memory), which Asio reports by throwing.
template <class Executor>
inline bool udp_tcp_state<Executor>::start_tls(connection& c) noexcept {
    error_code ignored;
    c.socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored); // handshake flights too
    try {
        c.tls.emplace(c.socket, *cfg_.tls);
        return true;
    } catch (...) {
        return false;
    }
}

// The acceptor's TLS handshake is done: say so with our hello (the opener
// waits for it before writing), then read. Nothing else writes on `c` until
// its opener's hello is read, so this write never overlaps another.
template <class Executor>
inline void udp_tcp_state<Executor>::on_tls_accepted(std::shared_ptr<connection> const& c,
                                                     error_code ec) {
    if (is_closed())
        return;
    if (ec || c->dead) { // refused, or the read deadline closed it meanwhile
        tally(counters_.tls_handshake_failures);
        close_connection(c);
        return;
    }
    boost::asio::async_write(*c->tls, boost::asio::buffer(hello_),
                             [self = this->shared_from_this(), c](error_code e, std::size_t) {
                                 if (self->is_closed() || c->dead)
                                     return;
                                 if (e)
                                     self->break_connection(c, e);
                                 else
                                     self->start_read(c);
                             });
}

template <class Executor>
inline void udp_tcp_state<Executor>::start_read(std::shared_ptr<connection> const& c) {
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
    auto const space = boost::asio::buffer(c->buffer.data() + c->end, c->buffer.size() - c->end);
    auto handler = [self = this->shared_from_this(), c](error_code ec, std::size_t n) {
        self->on_read(c, ec, n);
    };
    if (c->tls)
        c->tls->async_read_some(space, std::move(handler));
    else
        c->socket.async_read_some(space, std::move(handler));
}

template <class Executor>
inline void udp_tcp_state<Executor>::on_read(std::shared_ptr<connection> const& c, error_code ec,
                                             std::size_t n) {
    if (is_closed() || c->dead)
        return;
    if (ec) { // closed by the peer, reset, ...
        // We never send close_notify either: a TLS peer's close is an eof.
        if (ec == boost::asio::ssl::error::stream_truncated)
            ec = boost::asio::error::eof;
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
template <class Executor>
inline void udp_tcp_state<Executor>::quiet_acks([[maybe_unused]] connection& c) noexcept {
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
template <class Executor>
inline void udp_tcp_state<Executor>::process(std::shared_ptr<connection> const& c) {
    for (;;) {
        std::size_t const available = c->end - c->begin;
        if (available < frame_header_size) {
            c->need = frame_header_size;
            break;
        }
        std::byte const* const head = c->buffer.data() + c->begin;
        std::size_t const length = load_u32_be(head);
        if (!c->from) { // an opener's hello, or over TLS the acceptor's
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
            if (c->awaiting_accept) {
                // The acceptor took our certificate: frames may go (and
                // what comes back is from the peer we dialled, whatever
                // address its hello names).
                c->begin += frame_header_size + length;
                ++c->frames;
                c->awaiting_accept = false;
                auto p = c->writer.lock();
                if (!p || p->conn != c) {
                    close_connection(c);
                    return;
                }
                established(p, true);
                if (is_closed() || c->dead)
                    return;
                continue;
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

template <class Executor>
inline void udp_tcp_state<Executor>::arm_read_deadline(std::shared_ptr<connection> const& c) {
    c->deadline = clock::now() + cfg_.read_timeout;
    c->deadline_frame = c->frames;
    if (c->timer_running)
        return; // it re-arms itself for the new deadline when it fires
    wait_read_deadline(c);
}

template <class Executor>
inline void udp_tcp_state<Executor>::wait_read_deadline(std::shared_ptr<connection> const& c) {
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
template <class Executor>
inline void udp_tcp_state<Executor>::reject(std::shared_ptr<connection> const& c,
                                            std::atomic<std::uint64_t>& reason, error ec) {
    bump(reason);
    tally(counters_.decode_errors);
    break_connection(c, ec);
}

// Reading failed (closed by the peer, reset, bad framing, read timeout):
// the connection is gone for both directions.
template <class Executor>
inline void udp_tcp_state<Executor>::break_connection(std::shared_ptr<connection> const& c,
                                                      error_code ec) {
    if (c->dead)
        return;
    if (c->awaiting_accept) // the acceptor refused our certificate (TLS 1.3), or timed out
        tally(counters_.tls_handshake_failures);
    if (auto p = c->writer.lock(); p && p->conn == c)
        connection_failed(p, ec); // fails its frames, backs off, closes c
    else
        close_connection(c);
}

// By value: erasing it from the accepted list must not free it under us.
template <class Executor>
inline void udp_tcp_state<Executor>::close_connection(std::shared_ptr<connection> c) {
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
template <class Executor>
inline void udp_tcp_state<Executor>::shut(connection& c) noexcept {
    if (c.dead)
        return;
    c.dead = true;
    error_code ignored;
    c.timer.cancel(ignored);
    c.socket.close(ignored);
    if (c.open)
        tally(counters_.disconnects);
}

} // namespace detail
} // namespace cohort

#endif // COHORT_TRANSPORT_IMPL_UDP_TCP_STREAMS_IN_HPP
