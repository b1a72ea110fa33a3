// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SIM_COUNTERS_HPP
#define COHORT_SIM_COUNTERS_HPP

// sim_counters: what the simulated network carried and dropped.

#include <cohort/wire/messages.hpp>

#include <array>
#include <cstdint>
#include <variant>

namespace cohort {

struct sim_counters {
    using per_type = std::array<std::uint64_t, std::variant_size_v<message>>;

    std::uint64_t sent = 0;              ///< messages the nodes handed to the network
    std::uint64_t delivered = 0;         ///< messages handed to a node's on_message
    per_type delivered_by_type{};        ///< delivered, by message type (variant index)
    std::uint64_t bytes_sent = 0;        ///< binary_codec size of sent messages (fidelity != none)
    per_type bytes_sent_by_type{};       ///< bytes_sent, by message type (variant index)
    std::uint64_t bytes_delivered = 0;   ///< binary_codec size of delivered messages
    std::uint64_t lost = 0;              ///< packets dropped by link loss
    std::uint64_t cut_by_partition = 0;  ///< messages dropped between partition groups
    std::uint64_t cut_by_crash = 0;      ///< to a crashed or unstarted node, or frames from a crashed sender
    std::uint64_t paused_overflow = 0;   ///< packets dropped: a paused node's inbox was full
    std::uint64_t unroutable = 0;        ///< to an address no node has
    std::uint64_t codec_errors = 0;      ///< messages the codec refused (fidelity round_trip/measure)
    std::uint64_t ticks = 0;             ///< on_tick calls
    std::uint64_t user_messages = 0;     ///< user_message deliveries handed to the callback
    /// Delivered messages whose HLC stamp was out of bounds (stamp_check.hpp):
    /// handled by the core anyway (a member's membership message), or refused
    /// (a join, a stranger's message, a user_message, which is not handed to
    /// the callback).
    std::uint64_t clock_offset_handled = 0;
    std::uint64_t clock_offset_refused = 0;
};

} // namespace cohort

#endif // COHORT_SIM_COUNTERS_HPP
