// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_COUNTERS_HPP
#define COHORT_NODE_COUNTERS_HPP

// What a basic_node did, as counters() reports it.

#include <cohort/membership/counters.hpp>
#include <cohort/transport/transport.hpp>

#include <cstdint>

#include <cohort/security/security_counters.hpp>

namespace cohort {

/// Everything a node did, as a plain snapshot.
struct node_counters {
    /// What the secure channel sealed, opened and refused (all zero without a keyring).
    security_counters security{};
    using per_type = membership_counters::per_type;
    per_type messages_in{};   ///< decoded messages, by type (message variant index)
    per_type messages_out{};  ///< encoded messages handed to the transport, by type
    per_type bytes_in{};      ///< encoded bytes received, by type
    per_type bytes_out{};     ///< encoded bytes sent, by type
    std::uint64_t decode_errors = 0;        ///< received bytes the codec refused
    std::uint64_t encode_errors = 0;        ///< outgoing messages the codec refused
    std::uint64_t label_drops = 0;          ///< envelopes of another cluster label
    /// Envelopes dropped for their HLC stamp (membership/stamp_check.hpp):
    /// application messages stamped more than hlc.max_offset ahead, joins
    /// more than that ahead or behind, strangers' messages that far ahead.
    std::uint64_t clock_offset_drops = 0;
    /// A live member's membership messages handled although their stamp was
    /// too far ahead to merge (failure detection does not read stamps).
    std::uint64_t clock_offset_unmerged = 0;
    std::uint64_t unresolved_addresses = 0; ///< messages dropped: host not resolved (lookup
                                            ///< failed, or wait queue or cache full)
    std::uint64_t resolve_lookups = 0;      ///< hostname lookups started
    std::uint64_t resolve_failures = 0;     ///< hostname lookups that found no address
    std::uint64_t unreachable_reports = 0;  ///< failed frames to a member reported to the core
    std::uint64_t send_errors = 0;          ///< sends the transport failed
    std::uint64_t frames_for_packets = 0;   ///< packets over the budget, sent as frames
    std::uint64_t receive_errors = 0;       ///< receive failures that ended the receive loop
    std::uint64_t events_dropped = 0;       ///< events dropped from async_next_event's full queue
    std::uint64_t handler_exceptions = 0;   ///< exceptions thrown by application handlers and
                                            ///< view listeners (caught; the node goes on)
    std::uint64_t application_drops = 0;    ///< application messages no subscription matched
    std::uint64_t sender_entries = 0;       ///< gauge: senders whose last_heard is kept
                                            ///< (members only, so bounded by the view)
    membership_counters membership;         ///< the core's counters
    transport_counters transport;           ///< the transport's counters
};

} // namespace cohort

#endif // COHORT_NODE_COUNTERS_HPP
