// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_UDP_TCP_COUNTERS_HPP
#define COHORT_TRANSPORT_DETAIL_UDP_TCP_COUNTERS_HPP

// udp_tcp_transport's counters: transport_counters kept as one atomic per
// field, and the two ways of adding to one (bump from any thread, tally from
// the transport's executor only). Separate because it is plain bookkeeping,
// shared by the state and the packet send handler, with nothing of sockets
// or connections in it.

#include <cohort/transport/transport.hpp>

#include <atomic>
#include <cstdint>

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
        disconnects{0}, decode_errors{0}, tls_handshake_failures{0};

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
        s.tls_handshake_failures = get(tls_handshake_failures);
        return s;
    }
};

} // namespace detail
} // namespace cohort

#endif // COHORT_TRANSPORT_DETAIL_UDP_TCP_COUNTERS_HPP
