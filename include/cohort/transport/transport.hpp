// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_TRANSPORT_HPP
#define COHORT_TRANSPORT_TRANSPORT_HPP

// The transport concept: what basic_node needs from the network, modelled on
// memberlist's Transport. Two delivery modes:
//
//   packets  unreliable, unordered datagrams of at most packet_budget() bytes
//            (default 1400: one Ethernet MTU after IP/UDP headers, with room
//            for tunnels), for probes and gossip;
//   frames   reliable, ordered, length-prefixed messages on a stream per peer,
//            for large state exchanges.
//
// Every asynchronous operation follows Asio's completion-token convention
// (co_await with use_awaitable, deferred, as_tuple, callbacks, futures) and
// supports per-operation cancellation through the token's cancellation slot.
// Bytes handed to a send are copied before the initiating call returns, so
// the caller may reuse its buffer at once. Both transports cohort ships
// (udp_tcp_transport, memory_transport) model this concept; a user's own
// transport only has to do the same.

#include <cohort/delivery.hpp>
#include <cohort/error.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cohort {

/// One received packet or frame, and who sent it.
template <class Endpoint>
struct basic_inbound {
    delivery kind = delivery::packet;
    Endpoint from{};
    std::vector<std::byte> bytes;
};

/// What a transport did, as a plain snapshot. Every transport fills the
/// fields that apply to it and leaves the rest zero.
struct transport_counters {
    std::uint64_t packets_in = 0;
    std::uint64_t packets_out = 0;
    std::uint64_t frames_in = 0;
    std::uint64_t frames_out = 0;
    std::uint64_t bytes_in = 0;   ///< payload bytes of packets and frames received
    std::uint64_t bytes_out = 0;  ///< payload bytes of packets and frames sent

    // Drops, by reason. A dropped message is counted once, where it died.
    std::uint64_t drops_queue_full = 0;   ///< a bounded queue (send or receive) was full
    std::uint64_t drops_oversize = 0;     ///< over the packet budget or the max frame size
    std::uint64_t drops_garbage = 0;      ///< unparseable framing from a peer
    std::uint64_t drops_closed = 0;       ///< discarded by close() or a lost connection
    std::uint64_t drops_loss = 0;         ///< memory_transport: injected loss
    std::uint64_t drops_partition = 0;    ///< memory_transport: injected partition
    std::uint64_t drops_crashed = 0;      ///< memory_transport: endpoint crashed

    // Streams.
    std::uint64_t connects = 0;           ///< outbound connections established
    std::uint64_t reconnects = 0;         ///< of which re-establishing a lost peer
    std::uint64_t connect_failures = 0;   ///< refused or timed out
    std::uint64_t accepts = 0;            ///< inbound connections accepted
    std::uint64_t disconnects = 0;        ///< connections closed for any reason
    std::uint64_t decode_errors = 0;      ///< peers disconnected for garbage or oversize frames
    std::uint64_t tls_handshake_failures = 0; ///< TLS streams that failed, timed out or were refused
                                              ///< in the handshake (udp_tcp_config::tls)
};

/// A type `T` is a transport when it offers, with `T::endpoint_type` as the
/// address of a peer:
///
///   get_executor()                          the executor its operations run on
///   local_endpoint()                        the address peers send to (advertised)
///   packet_budget()                         the largest packet async_send_packet takes
///   async_send_packet(to, bytes, token)     void(error_code): handed to the network
///   async_send_frame(to, bytes, token)      void(error_code): written to the peer's stream
///   async_receive(token)                    void(error_code, basic_inbound<endpoint_type>)
///   counters()                              a transport_counters snapshot
///   close()                                 stops everything; pending operations complete
///                                           with error::transport_closed
template <class T>
concept transport = requires(T& t, T const& ct, typename T::endpoint_type const& to,
                             std::span<std::byte const> bytes) {
    typename T::executor_type;
    typename T::endpoint_type;
    { t.get_executor() } -> std::convertible_to<typename T::executor_type>;
    { ct.local_endpoint() } -> std::convertible_to<typename T::endpoint_type>;
    { ct.packet_budget() } -> std::convertible_to<std::size_t>;
    { ct.counters() } -> std::same_as<transport_counters>;
    t.async_send_packet(to, bytes, boost::asio::deferred);
    t.async_send_frame(to, bytes, boost::asio::deferred);
    t.async_receive(boost::asio::deferred);
    t.close();
};

} // namespace cohort

#endif // COHORT_TRANSPORT_TRANSPORT_HPP
