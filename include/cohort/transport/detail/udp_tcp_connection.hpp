// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_UDP_TCP_CONNECTION_HPP
#define COHORT_TRANSPORT_DETAIL_UDP_TCP_CONNECTION_HPP

// The records udp_tcp_transport keeps for its TCP side: stream_connection
// (one connection, accepted or opened, and its read state), outbound_frame
// and write_batch (a frame waiting to be written, and one gather write of
// them), and outbound_peer (the send queue and connection state for one
// peer). Plain data with no behaviour of their own: separate so that a
// reader of the streams code can see every field in one place.

#include <cohort/transport/detail/framing.hpp>
#include <cohort/transport/detail/pending_op.hpp>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <vector>

namespace cohort {
namespace detail {

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
    // TLS over the same socket. An optional beside the socket, not a
    // virtual stream nor a second connection type: the code paths are the
    // same, and the one branch (`if (tls)`) per read or write initiation is
    // all the plain path pays, never a call per byte. Templating the state
    // on the stream type would instead fix TLS per transport type, and
    // duplicate every handler in the binary.
    using tls_stream_type = boost::asio::ssl::stream<socket_type&>;

    stream_connection(socket_type s, Executor const& ex, std::size_t read_chunk)
        : socket(std::move(s)), timer(ex), chunk(read_chunk) {}

    socket_type socket;
    std::optional<tls_stream_type> tls; // over `socket` (declared after it: destroyed first)
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
    bool awaiting_accept = false;     // TLS opener: handshake done, the acceptor's hello not yet read
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
    std::vector<std::byte> staging; // TLS: the batch in one piece (see start_write)
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

} // namespace detail
} // namespace cohort

#endif // COHORT_TRANSPORT_DETAIL_UDP_TCP_CONNECTION_HPP
