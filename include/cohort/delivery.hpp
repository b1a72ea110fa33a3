// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DELIVERY_HPP
#define COHORT_DELIVERY_HPP

// How a message travels, shared by the sans-I/O membership core (which says
// how each outgoing message must go) and the transports (which say how each
// inbound one came), so neither depends on the other.

#include <cstdint>

namespace cohort {

/// How a message travels between two nodes.
enum class delivery : std::uint8_t {
    packet,  ///< unreliable datagram within the packet budget (probes, gossip)
    frame,   ///< reliable, ordered stream frame (push-pull, join, large messages)
};

} // namespace cohort

#endif // COHORT_DELIVERY_HPP
