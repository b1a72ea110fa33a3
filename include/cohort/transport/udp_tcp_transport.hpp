// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_UDP_TCP_TRANSPORT_HPP
#define COHORT_TRANSPORT_UDP_TCP_TRANSPORT_HPP

// The network transport: UDP datagrams for packets and TCP streams for
// frames, on one port, over IPv4 or IPv6, on Boost.Asio.
//
// Packets. async_send_packet hands one datagram of at most packet_budget
// bytes to the UDP socket. A received datagram is delivered with `from` set
// to its UDP source address. Empty and over-budget datagrams are dropped and
// counted (drops_garbage, drops_oversize); anything else is delivered as is:
// rejecting garbage is the codec's business.
//
// Frames. async_send_frame writes a frame (4-byte big-endian length, then
// the payload) on a connection to the peer, opened on demand and reused for
// every later frame. The first frame on a connection is a hello naming the
// opener's advertised endpoint (detail/framing.hpp), which becomes the `from`
// of every frame read from that connection; an unspecified hello address (a
// sender bound to 0.0.0.0 or :: without advertise) is replaced by the
// connection's source address. Frames that come back on a connection this
// transport opened are `from` the endpoint it dialled.
//
// Connections are two-way: the acceptor of a connection whose hello says its
// opener reads it (hello version 2) sends its own frames to that opener on
// it, as long as it has no connection of its own to that peer (none yet, or
// its own failed and it is backing off: the backoff then ends at once). A
// request and its reply thus share one connection, and the reply carries the
// request's acknowledgement instead of a segment of its own. When both peers
// open at once, each keeps writing on its own connection and reading both;
// nothing needs tie-breaking. A version 1 hello (an opener that only writes)
// is never answered on its connection.
//
// A connection whose first frame is not a hello, or which announces
// a frame longer than max_frame_size, is closed and counted (decode_errors,
// and drops_garbage or drops_oversize); every other connection and
// operation carries on. A frame whose first byte arrived must be complete
// within read_timeout (the hello within read_timeout of the accept), or the
// connection is closed; an idle connection between frames has no timeout.
//
// Send queues. Each peer has a queue of at most send_queue_limit frames
// waiting to be written (frames already handed to the socket do not count).
// When it is full, the new frame is refused with error::send_queue_full and
// counted in drops_queue_full; queued frames keep their order. Frames are
// written in batches (one gather write of up to 64 frames) and each
// completes when its batch has been written, or with the error that broke
// the connection; a frame written just before a connection breaks may be
// lost, as with any TCP transport without application acknowledgements.
//
// Reconnects. When a connect fails (refused, or not done within
// connect_timeout) or the connection a peer's frames are written on breaks
// (peer closed it, a read or write failed, a write exceeded write_timeout, a
// frame read on it broke the rules above), every frame queued for that peer
// completes with that error (counted in drops_closed) and the peer enters a
// backoff: reconnect_base_delay * 2^(failures-1), capped at
// reconnect_max_delay, then scaled by a random factor in
// [1 - reconnect_jitter, 1 + reconnect_jitter] (and capped again). Frames sent
// during the backoff wait in the queue; when the backoff ends the transport
// connects and writes them, or fails them all with the new connect error. A
// frame thus waits at most one backoff delay plus connect_timeout, and the
// caller can cancel it. The failure count resets on a successful connect.
//
// TLS. With udp_tcp_config::tls set, each connection does a TLS handshake
// before anything else: the opener as client after its connect, the
// acceptor as server after its accept. The opener's handshake, and then the
// acceptor's answer below, must be done within connect_timeout, which
// starts again when the TCP connect completes; the acceptor's handshake
// counts against the read_timeout that starts at the accept (it covers
// the opener's hello too). A handshake that fails (no certificate, one the
// context does not trust, a plain peer, a timeout) closes the connection
// and is counted in tls_handshake_failures; on the opener's side it fails
// the queued frames like a failed connect (with the TLS error, or
// error::connect_timeout) and the peer backs off as after one. Once its
// handshake is done, the acceptor writes its own hello first: TLS 1.3
// lets a client finish its handshake before the server has checked the
// client's certificate, so the opener writes nothing (its hello included)
// until that hello tells it that it was accepted; a refusal then fails its
// frames instead of losing them. From there on the protocol is the one
// above over the TLS stream, gather writes included (Asio's SSL stream
// packs the buffers of a batch into records of up to 8 KiB). Closing does
// not send a TLS close_notify: it closes the socket under the stream, so
// close() never waits for a peer; a peer's close without close_notify is
// reported as eof, as on plain TCP. Packets stay outside TLS: seal them
// (and frames too, if wanted) with node_config::security.
//
// Receiving. async_receive takes from a queue of at most
// receive_queue_limit messages. A datagram arriving to a full queue is
// dropped and counted (drops_queue_full). Frames are never dropped: a
// connection stops reading while the queue is full, so TCP flow control
// pushes back to the sender (whose send queue then fills, or whose write
// times out).
//
// Cancellation. Every operation honours its token's cancellation slot for
// terminal, partial and total cancellation. A cancelled async_receive that
// has not been given a message completes with
// boost::asio::error::operation_aborted and no message is lost. A cancelled
// frame still in the send queue (waiting for a connect, a backoff or an
// earlier write) is removed and completes with operation_aborted; a frame
// already handed to the socket is not interrupted. A packet send forwards
// the slot to the socket's own operation.
//
// Completions. A completion handler never runs inside the initiating
// function. When an operation completes inside one of the transport's own
// handlers (a read, a write) and the completion handler's executor is the one
// running, the handler runs right there, as with Asio's own operations; so a
// receive loop takes a burst of frames without a round trip through the
// scheduler per frame, and the frames its handlers send meanwhile leave in
// one write. Handlers may start operations, close or destroy the transport.
//
// Threading. Every internal handler runs on the transport's executor. On an
// io_context run by one thread that is all the synchronisation needed; when
// several threads run the context, give the transport a strand. Initiating
// functions may be called from any thread (they copy the bytes, then
// dispatch to the executor). close(), and destroying the transport, must be
// called on the executor's thread, or while it is not running; counters()
// may be called from any thread. The transport must be destroyed before its
// execution context.

#include <cohort/error.hpp>
#include <cohort/transport/detail/framing.hpp>
#include <cohort/transport/detail/pending_op.hpp>
#include <cohort/transport/transport.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/basic_datagram_socket.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace cohort {

/// Configuration of a basic_udp_tcp_transport. Defaults suit a LAN cluster;
/// every field is checked by validate().
struct udp_tcp_config {
    /// Address and port of both the UDP socket and the TCP listener. Port 0
    /// picks an ephemeral port that is free for both. The default listens on
    /// 127.0.0.1 only: a node that peers must reach names its address.
    boost::asio::ip::udp::endpoint bind{boost::asio::ip::address_v4::loopback(), 0};

    /// The address peers should use to reach this node when it differs from
    /// `bind` (NAT, containers, a 0.0.0.0 bind). local_endpoint() reports it
    /// and the hello of every outbound connection carries it. Its port must
    /// not be 0 and its address must not be unspecified.
    std::optional<boost::asio::ip::udp::endpoint> advertise;

    /// Largest datagram async_send_packet accepts and the receiver keeps
    /// (1400: an Ethernet MTU minus IP/UDP headers, with room for tunnels).
    /// Must be in [1, 65507].
    std::size_t packet_budget = 1400;

    /// Largest frame payload, sent or received (4 MiB). A peer announcing a
    /// longer frame is disconnected. Use one value across a cluster. Must be
    /// in [1, 2^31 - 1].
    std::size_t max_frame_size = std::size_t{4} << 20;

    /// Frames per peer that may wait to be written; beyond, sends fail with
    /// error::send_queue_full. Must be at least 1.
    std::size_t send_queue_limit = 1024;

    /// Received messages held until async_receive takes them. Must be at
    /// least 1.
    std::size_t receive_queue_limit = 4096;

    /// Time allowed for an outbound TCP connect. Must be greater than zero.
    std::chrono::milliseconds connect_timeout{5000};

    /// Time allowed to receive a frame once its first byte arrived (and the
    /// hello after an accept). Must be greater than zero.
    std::chrono::milliseconds read_timeout{10000};

    /// Time allowed for one batch of frames to be written. Must be greater
    /// than zero.
    std::chrono::milliseconds write_timeout{10000};

    /// First reconnect delay after a failure (noex's reconnectBaseDelayMs).
    /// Must be greater than zero.
    std::chrono::milliseconds reconnect_base_delay{1000};

    /// Cap of the doubling reconnect delay (noex's reconnectMaxDelayMs). Must
    /// be at least reconnect_base_delay.
    std::chrono::milliseconds reconnect_max_delay{30000};

    /// Each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter],
    /// so peers that failed together do not retry together. Must be in [0, 1].
    double reconnect_jitter = 0.2;

    /// Most accepted connections held at once (more are closed at once), and
    /// most peers with send state. Must be at least 1.
    std::size_t max_connections = 1024;

    /// Seed of the jitter generator; 0 seeds from std::random_device.
    std::uint64_t seed = 0;

    /// TLS for the stream side (see "TLS" at the top of this header). Null,
    /// the default, is plain TCP. With a context, every connection does a
    /// TLS handshake first (as client on connections this transport opens,
    /// as server on those it accepts) and carries its frames over TLS; UDP
    /// packets are unchanged. make_cluster_tls_context
    /// (transport/tls_context.hpp) builds one for mutual authentication by
    /// a cluster CA. Use it on every node of a cluster or on none: a plain
    /// peer and a TLS peer refuse each other's streams. The context is shared,
    /// not copied; it must not change while the transport is open.
    std::shared_ptr<boost::asio::ssl::context> tls;
};

/// Checks `cfg`; the error names the field that broke a rule.
inline boost::system::result<void, config_error> validate(udp_tcp_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return config_error{error::invalid_config, field, rule};
    };
    using std::chrono::milliseconds;
    if (cfg.advertise) {
        if (cfg.advertise->port() == 0)
            return fail("udp_tcp_config.advertise", "port must not be 0");
        if (cfg.advertise->address().is_unspecified())
            return fail("udp_tcp_config.advertise", "address must not be unspecified");
    }
    if (cfg.packet_budget < 1 || cfg.packet_budget > 65507)
        return fail("udp_tcp_config.packet_budget", "must be in [1, 65507]");
    if (cfg.max_frame_size < 1 || cfg.max_frame_size > 0x7fffffffu)
        return fail("udp_tcp_config.max_frame_size", "must be in [1, 2^31 - 1]");
    if (cfg.send_queue_limit < 1)
        return fail("udp_tcp_config.send_queue_limit", "must be at least 1");
    if (cfg.receive_queue_limit < 1)
        return fail("udp_tcp_config.receive_queue_limit", "must be at least 1");
    if (cfg.connect_timeout <= milliseconds::zero())
        return fail("udp_tcp_config.connect_timeout", "must be greater than zero");
    if (cfg.read_timeout <= milliseconds::zero())
        return fail("udp_tcp_config.read_timeout", "must be greater than zero");
    if (cfg.write_timeout <= milliseconds::zero())
        return fail("udp_tcp_config.write_timeout", "must be greater than zero");
    if (cfg.reconnect_base_delay <= milliseconds::zero())
        return fail("udp_tcp_config.reconnect_base_delay", "must be greater than zero");
    if (cfg.reconnect_max_delay < cfg.reconnect_base_delay)
        return fail("udp_tcp_config.reconnect_max_delay",
                    "must be at least reconnect_base_delay");
    if (!(cfg.reconnect_jitter >= 0.0 && cfg.reconnect_jitter <= 1.0)) // also rejects NaN
        return fail("udp_tcp_config.reconnect_jitter", "must be in [0, 1]");
    if (cfg.max_connections < 1)
        return fail("udp_tcp_config.max_connections", "must be at least 1");
    return {};
}

namespace detail {
template <class Executor>
class udp_tcp_state;
} // namespace detail

/// A transport over UDP (packets) and TCP (frames) sharing one port; models
/// cohort::transport. See the top of this header for the behaviour.
///
/// `Executor` is the executor every internal handler runs on: an
/// io_context's executor, `any_io_executor`, or a strand when several
/// threads run the context. Not copyable; a moved-from transport may only be
/// destroyed or assigned to. Destroying the transport closes it.
template <class Executor = boost::asio::any_io_executor>
class basic_udp_tcp_transport {
    using state_type = detail::udp_tcp_state<Executor>;

public:
    /// The executor internal handlers run on.
    using executor_type = Executor;
    /// A peer's address: its UDP endpoint, which is also its TCP listening
    /// endpoint (same ip and port).
    using endpoint_type = boost::asio::ip::udp::endpoint;
    /// What async_receive delivers.
    using inbound_type = basic_inbound<endpoint_type>;

    /// The same transport on another executor type.
    template <class OtherExecutor>
    struct rebind_executor {
        using other = basic_udp_tcp_transport<OtherExecutor>;
    };

    /// Binds the UDP socket and the TCP listener (see udp_tcp_config::bind)
    /// and starts receiving. Throws boost::system::system_error when `cfg` is
    /// invalid (what() names the field) or when binding fails.
    explicit basic_udp_tcp_transport(executor_type const& ex, udp_tcp_config cfg = {});

    /// As above, on `ctx.get_executor()`.
    template <class ExecutionContext>
        requires std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&> &&
                 std::is_constructible_v<Executor, typename ExecutionContext::executor_type>
    explicit basic_udp_tcp_transport(ExecutionContext& ctx, udp_tcp_config cfg = {})
        : basic_udp_tcp_transport(executor_type(ctx.get_executor()), std::move(cfg)) {}

    basic_udp_tcp_transport(basic_udp_tcp_transport&&) noexcept = default;
    basic_udp_tcp_transport& operator=(basic_udp_tcp_transport&& other) noexcept {
        if (this != &other) {
            close();
            state_ = std::move(other.state_);
        }
        return *this;
    }
    basic_udp_tcp_transport(basic_udp_tcp_transport const&) = delete;
    basic_udp_tcp_transport& operator=(basic_udp_tcp_transport const&) = delete;

    /// Closes the transport (see close()).
    ~basic_udp_tcp_transport() { close(); }

    /// The executor internal handlers run on.
    executor_type get_executor() const noexcept;

    /// The address peers send to: `advertise` if configured, else the bound
    /// address with its actual port.
    endpoint_type local_endpoint() const noexcept;

    /// The address the sockets are bound to, with the actual port.
    endpoint_type bound_endpoint() const noexcept;

    /// The largest packet async_send_packet accepts.
    std::size_t packet_budget() const noexcept;

    /// The largest frame payload async_send_frame accepts.
    std::size_t max_frame_size() const noexcept;

    /// The configuration in force.
    udp_tcp_config const& config() const noexcept;

    /// A snapshot of the counters; callable from any thread. packets_in,
    /// frames_in and bytes_in count messages queued for async_receive (a
    /// dropped message is counted only as a drop); accepts counts every
    /// accepted connection, including those closed at once for being over
    /// max_connections.
    transport_counters counters() const noexcept;

    /// False once close() has run.
    bool is_open() const noexcept;

    /// Closes the sockets and every connection, completes every pending
    /// operation with error::transport_closed (queued frames and received
    /// messages not yet taken are counted in drops_closed), and makes later
    /// operations complete with error::transport_closed. Idempotent. Call it
    /// on the executor's thread or while the executor is not running.
    void close() noexcept;

    /// Sends one datagram to `to`. `bytes` is copied before this returns.
    /// Completes with void(error_code): success once the socket took the
    /// datagram; error::packet_too_large (counted in drops_oversize) when
    /// bytes.size() > packet_budget(); error::transport_closed after close();
    /// otherwise the socket's error. Cancellation: forwarded to the socket.
    template <class CompletionToken =
                  boost::asio::default_completion_token_t<executor_type>>
    auto async_send_packet(endpoint_type const& to, std::span<std::byte const> bytes,
                           CompletionToken&& token = CompletionToken());

    /// Sends one frame on this transport's connection to `to` (connecting
    /// on demand). `bytes` is copied before this returns. Completes with
    /// void(error_code): success once the frame has been written;
    /// error::frame_too_large (counted in drops_oversize) when bytes.size() >
    /// max_frame_size(); error::send_queue_full when the peer's queue is full;
    /// the connect or connection error (e.g. connection_refused,
    /// error::connect_timeout, error::write_timeout, eof) when the connection
    /// failed; error::transport_closed after close(); operation_aborted when
    /// cancelled while still queued.
    template <class CompletionToken =
                  boost::asio::default_completion_token_t<executor_type>>
    auto async_send_frame(endpoint_type const& to, std::span<std::byte const> bytes,
                          CompletionToken&& token = CompletionToken());

    /// Takes the next received packet or frame. Completes with
    /// void(error_code, inbound_type): the message; operation_aborted when
    /// cancelled (no message is lost); error::transport_closed after close().
    /// Several receives may wait at once; they are served in order.
    template <class CompletionToken =
                  boost::asio::default_completion_token_t<executor_type>>
    auto async_receive(CompletionToken&& token = CompletionToken());

private:
    std::shared_ptr<state_type> state_;
};

/// The transport on `boost::asio::any_io_executor`.
using udp_tcp_transport = basic_udp_tcp_transport<>;

} // namespace cohort

#include <cohort/transport/impl/udp_tcp_transport.hpp>

#endif // COHORT_TRANSPORT_UDP_TCP_TRANSPORT_HPP
