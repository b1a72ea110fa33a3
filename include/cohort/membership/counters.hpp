// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_COUNTERS_HPP
#define COHORT_MEMBERSHIP_COUNTERS_HPP

// Everything membership_protocol does, counted: a plain struct a driver can
// copy and export as metrics.

#include <cohort/wire/messages.hpp>

#include <boost/mp11/algorithm.hpp>

#include <array>
#include <cstdint>
#include <variant>

namespace cohort {

struct membership_counters {
    using per_type = std::array<std::uint64_t, std::variant_size_v<message>>;

    per_type received{};  ///< messages handed to on_message, by type (variant index)
    per_type sent{};      ///< messages produced, by type (variant index)

    std::uint64_t label_drops = 0;       ///< dropped: the envelope carried another label
    std::uint64_t misdirected = 0;       ///< pings for another member (a reused address)
    std::uint64_t rumors_received = 0;   ///< rumors (and push-pull entries) merged
    std::uint64_t rumors_sent = 0;       ///< rumors put in outgoing gossip messages
    std::uint64_t stale_rumors = 0;      ///< rumors older than the view (or a tombstone)
    std::uint64_t probes = 0;            ///< direct pings sent
    std::uint64_t indirect_probes = 0;   ///< probe rounds that asked helpers
    std::uint64_t indirect_relays = 0;   ///< indirect pings relayed for others
    std::uint64_t nacks_sent = 0;        ///< relays that heard nothing from the target
    std::uint64_t probe_failures = 0;    ///< probe rounds that ended without any ack
    std::uint64_t suspicions = 0;        ///< members this node suspected itself
    std::uint64_t suspicions_heard = 0;  ///< suspicions started on others' word
    std::uint64_t confirmations = 0;     ///< distinct further suspecters heard
    std::uint64_t refutations = 0;       ///< times this node refuted news about itself
    std::uint64_t refutations_resent = 0;  ///< refutations re-sent on hearing an older accusation
    std::uint64_t corrections_sent = 0;  ///< replies to senders of superseded doubts
    std::uint64_t false_suspicion_refutes = 0;  ///< suspected members that refuted
    std::uint64_t failures_declared = 0; ///< suspicions that timed out here
    std::uint64_t failures_heard = 0;    ///< members marked failed on others' word
    std::uint64_t gossip_rounds = 0;     ///< periodic gossip rounds with rumors to send
    std::uint64_t push_pulls = 0;        ///< full-state push-pulls started (not joins, reconnects)
    std::uint64_t digests_sent = 0;      ///< periodic view digests sent (anti-entropy)
    std::uint64_t digest_mismatches = 0; ///< digests received that differ from this view
    std::uint64_t reconnect_attempts = 0;  ///< digests sent to a failed member
    /// Full-state answers not sent: their address had one within
    /// full_state_answer_interval, or the table of addresses was full.
    std::uint64_t full_state_refused = 0;
    /// Envelopes whose HLC stamp the driver refused (on_clock_offset), by
    /// outcome: handled anyway (a member's membership message), or refused
    /// (a join, a stranger's message, an application message).
    std::uint64_t clock_offset_handled = 0;
    std::uint64_t clock_offset_refused = 0;
    std::uint64_t clock_offset_notices = 0;  ///< clock_offset_refused messages sent
    std::uint64_t join_attempts = 0;     ///< join requests sent to seeds
    std::uint64_t reaped = 0;            ///< tombstones removed after reap_interval
    std::uint64_t unreachable_suspicions = 0;  ///< on_unreachable hints about live members

    /// received[] for message type T.
    template <class T>
    std::uint64_t received_of() const noexcept {
        return received[boost::mp11::mp_find<message, T>::value];
    }
    /// sent[] for message type T.
    template <class T>
    std::uint64_t sent_of() const noexcept {
        return sent[boost::mp11::mp_find<message, T>::value];
    }
};

} // namespace cohort

#endif // COHORT_MEMBERSHIP_COUNTERS_HPP
