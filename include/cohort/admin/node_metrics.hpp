// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ADMIN_NODE_METRICS_HPP
#define COHORT_ADMIN_NODE_METRICS_HPP

// render_node_metrics: a basic_node's counters as Prometheus text (format
// 0.0.4, admin/prometheus_text.hpp), every name prefixed "cohort_".
//
// Cost. The renderer takes the per-state member counts (node_metrics_view,
// O(1) from basic_node::member_count), never the member list: its output
// and its time are the same for 3 members and for 100,000. Labelled families
// have a fixed label set (every state, every message type, every drop
// reason), all written even when 0, so a series never appears or vanishes.
//
// Names (C: counter, G: gauge). Counters count since the node started.
//
//   cohort_members{state}                       G  members in the view, by state: joining,
//                                                  active, leaving, failed, unknown (suspected)
//   cohort_node_status{status}                  G  1 for this node's status (created, starting,
//                                                  running, stopping, stopped), 0 for the others
//   cohort_leader                               G  1 while this node is the leader
//   cohort_view_changes_total                   C  view changes (member added, removed, state,
//                                                  incarnation or tags changed)
//   cohort_probe_round_trip_seconds             H  direct probes, ping sent to ack heard
//                                                  (basic_node::probe_round_trips(); 50 us..2.5 s)
//   cohort_messages_received_total{type}        C  messages decoded, by wire type (ping, ack,
//   cohort_messages_sent_total{type}            C  ... the wire_name of each message in
//   cohort_bytes_received_total{type}           C  wire/messages.hpp); bytes are encoded
//   cohort_bytes_sent_total{type}               C  bytes, before sealing
//   cohort_probes_total                         C  direct pings sent
//   cohort_indirect_probes_total                C  probe rounds that asked helpers
//   cohort_indirect_relays_total                C  indirect pings relayed for others
//   cohort_nacks_sent_total                     C  relays that heard nothing from the target
//   cohort_probe_failures_total                 C  probe rounds that ended without an ack
//   cohort_suspicions_total{source}             C  suspicions started: "local" (this node's
//                                                  detector) or "heard" (others' word)
//   cohort_suspicion_confirmations_total        C  distinct further suspecters heard
//   cohort_refutations_total                    C  times this node refuted news about itself
//   cohort_refutations_resent_total             C  refutations re-sent to older accusations
//   cohort_corrections_sent_total               C  replies to senders of superseded doubts
//   cohort_false_suspicions_total               C  suspected members that refuted (alive)
//   cohort_failures_total{source}               C  members marked failed: "declared" (a
//                                                  suspicion timed out here) or "heard"
//   cohort_rumors_received_total                C  rumors merged
//   cohort_rumors_sent_total                    C  rumors put in outgoing gossip
//   cohort_stale_rumors_total                   C  rumors older than the view
//   cohort_gossip_rounds_total                  C  gossip rounds with rumors to send
//   cohort_push_pulls_total                     C  full-state push-pulls started
//   cohort_digests_sent_total                   C  view digests sent (anti-entropy)
//   cohort_digest_mismatches_total              C  digests received that differ from the view
//   cohort_reconnect_attempts_total             C  digests sent to failed members
//   cohort_full_state_refused_total             C  full-state answers not sent (rate limit)
//   cohort_join_attempts_total                  C  join requests sent to seeds
//   cohort_reaped_total                         C  tombstones removed
//   cohort_unreachable_suspicions_total         C  suspicions on a failed frame to a member
//   cohort_misdirected_pings_total              C  pings for another member (reused address)
//   cohort_decode_errors_total                  C  received bytes the codec refused
//   cohort_encode_errors_total                  C  outgoing messages the codec refused
//   cohort_label_drops_total                    C  envelopes of another cluster label
//   cohort_clock_offset_drops_total             C  envelopes dropped for their HLC stamp
//   cohort_clock_offset_unmerged_total          C  members' messages handled, stamp not merged
//   cohort_clock_offset_notices_sent_total      C  clock_offset_refused notices sent
//   cohort_unresolved_address_drops_total       C  messages dropped: host not resolved
//   cohort_resolve_lookups_total                C  hostname lookups started
//   cohort_resolve_failures_total               C  hostname lookups that found nothing
//   cohort_unreachable_reports_total            C  failed frames reported to the core
//   cohort_send_errors_total                    C  sends the transport failed
//   cohort_frames_for_packets_total             C  packets over the budget sent as frames
//   cohort_receive_errors_total                 C  receive failures that ended the loop
//   cohort_events_dropped_total                 C  events dropped from a full queue
//   cohort_handler_exceptions_total             C  exceptions thrown by handlers (caught)
//   cohort_application_drops_total              C  application messages nobody subscribed to
//   cohort_sender_entries                       G  senders whose last_heard is kept
//   cohort_security_sealed_total                C  messages sealed (0 without a keyring)
//   cohort_security_sealed_in_peer_key_total    C  of those, in a peer's other primary key
//   cohort_security_sent_plaintext_total        C  sent unsealed (verify_outgoing off)
//   cohort_security_opened_total                C  sealed messages that verified
//   cohort_security_accepted_plaintext_total    C  unsealed, accepted (verify_incoming off)
//   cohort_security_refusals_total{reason}      C  incoming messages refused: malformed,
//                                                  unknown_key, bad_tag, wrong_mode,
//                                                  plaintext_refused, replayed, too_old
//   cohort_security_seal_failures_total         C  messages that could not be sealed
//   cohort_transport_packets_received_total     C  datagrams received
//   cohort_transport_packets_sent_total         C  datagrams sent
//   cohort_transport_frames_received_total      C  stream frames received
//   cohort_transport_frames_sent_total          C  stream frames sent
//   cohort_transport_bytes_received_total       C  payload bytes of packets and frames in
//   cohort_transport_bytes_sent_total           C  payload bytes of packets and frames out
//   cohort_transport_drops_total{reason}        C  messages dropped: queue_full, oversize,
//                                                  garbage, closed, loss, partition, crashed
//   cohort_transport_connects_total             C  outbound connections established
//   cohort_transport_reconnects_total           C  of which re-establishing a lost peer
//   cohort_transport_connect_failures_total     C  connects refused or timed out
//   cohort_transport_accepts_total              C  inbound connections accepted
//   cohort_transport_disconnects_total          C  connections closed for any reason
//   cohort_transport_decode_errors_total        C  peers cut off for garbage framing
//
// With a router (router_metrics_of(router)), also:
//
//   cohort_router_calls_total{target}           C  calls: "local" (served here) or "remote"
//   cohort_router_call_duration_seconds         H  call to completion, any outcome
//                                                  (basic_router::call_durations(); 0.5 ms..10 s)
//   cohort_router_casts_total                   C  casts initiated here
//   cohort_router_requests_served_total         C  remote requests handed to a handler
//   cohort_router_redirects_sent_total          C  requests answered with a redirect
//   cohort_router_redirects_followed_total      C  redirects this node's calls followed
//   cohort_router_redirect_limits_total         C  calls failed with redirect_limit
//   cohort_router_view_mismatches_total         C  requests carrying another fingerprint
//   cohort_router_timeouts_total                C  calls failed with call_timeout
//   cohort_router_owner_failures_total          C  calls whose owner failed
//   cohort_router_retries_total                 C  calls sent again to a new owner
//   cohort_router_stray_replies_total           C  replies to no pending call
//   cohort_router_casts_forwarded_total         C  casts passed on to their owner
//   cohort_router_casts_dropped_total           C  casts over the redirect limit
//   cohort_router_tables_published_total        C  ownership tables built
//   cohort_router_cancelled_total               C  calls cancelled through their slot
//   cohort_router_requests_too_large_total      C  requests that did not fit
//   cohort_router_replies_too_large_total       C  replies replaced by reply_too_large
//   cohort_router_handler_exceptions_total      C  handlers that threw

#include <cohort/admin/prometheus_text.hpp>
#include <cohort/histogram.hpp>
#include <cohort/membership/counters.hpp>
#include <cohort/node/counters.hpp>
#include <cohort/node/status.hpp>
#include <cohort/node_state.hpp>
#include <cohort/routing/router_counters.hpp>
#include <cohort/security/security_counters.hpp>
#include <cohort/transport/transport.hpp>
#include <cohort/wire/messages.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cohort {

/// What the renderer needs of the view besides the counters: O(1) to take.
struct node_metrics_view {
    /// Members by state, indexed by node_state's value.
    std::array<std::uint64_t, 5> members{};
    node_status status = node_status::created;
    bool leader = false;  ///< this node is the leader
    std::uint64_t view_changes = 0;
    /// basic_node::probe_round_trips() (its bounds stay the node's).
    histogram_snapshot probe_round_trips;
};

/// A basic_router's part of the metrics.
struct router_metrics {
    router_counters counters;
    histogram_snapshot call_durations;  ///< basic_router::call_durations()
};

/// `router`'s counters and call durations; on the router's executor (its
/// counters are read there).
template <class Router>
router_metrics router_metrics_of(Router const& router) {
    return {router.counters(), router.call_durations().snapshot()};
}

/// The view part of `node`'s metrics: per-state counts, never the list
/// (O(1)); all zero before the node has a view. Any thread.
template <class Node>
node_metrics_view metrics_view_of(Node const& node) {
    node_metrics_view v;
    v.status = node.status();
    v.view_changes = node.view_version();
    v.probe_round_trips = node.probe_round_trips().snapshot();
    if (!node.has_view()) return v;
    for (std::size_t s = 0; s < v.members.size(); ++s)
        v.members[s] = node.member_count(static_cast<node_state>(s));
    auto const leader = node.leader();
    v.leader = leader && *leader == node.local_id();
    return v;
}

namespace detail {

template <std::size_t... I>
constexpr std::array<std::string_view, sizeof...(I)> wire_names(std::index_sequence<I...>) {
    return {std::variant_alternative_t<I, message>::wire_name...};
}
/// The wire name of each message type, by variant index.
inline constexpr auto message_type_names =
    wire_names(std::make_index_sequence<std::variant_size_v<message>>{});

template <class Counters>
struct counter_row {
    std::string_view name;
    std::string_view help;
    std::uint64_t Counters::*field;
};

inline constexpr counter_row<membership_counters> membership_rows[] = {
    {"cohort_probes_total", "Direct pings sent.", &membership_counters::probes},
    {"cohort_indirect_probes_total", "Probe rounds that asked helpers for indirect pings.",
     &membership_counters::indirect_probes},
    {"cohort_indirect_relays_total", "Indirect pings relayed for other members.",
     &membership_counters::indirect_relays},
    {"cohort_nacks_sent_total", "Relays that heard nothing from their target.",
     &membership_counters::nacks_sent},
    {"cohort_probe_failures_total", "Probe rounds that ended without any ack.",
     &membership_counters::probe_failures},
    {"cohort_suspicion_confirmations_total", "Distinct further suspecters heard.",
     &membership_counters::confirmations},
    {"cohort_refutations_total", "Times this node refuted news about itself.",
     &membership_counters::refutations},
    {"cohort_refutations_resent_total", "Refutations re-sent on hearing an older accusation.",
     &membership_counters::refutations_resent},
    {"cohort_corrections_sent_total", "Replies to senders of superseded doubts.",
     &membership_counters::corrections_sent},
    {"cohort_false_suspicions_total", "Suspected members that refuted (were alive).",
     &membership_counters::false_suspicion_refutes},
    {"cohort_rumors_received_total", "Rumors and push-pull entries merged.",
     &membership_counters::rumors_received},
    {"cohort_rumors_sent_total", "Rumors put in outgoing gossip messages.",
     &membership_counters::rumors_sent},
    {"cohort_stale_rumors_total", "Rumors older than the view (or a tombstone).",
     &membership_counters::stale_rumors},
    {"cohort_gossip_rounds_total", "Periodic gossip rounds with rumors to send.",
     &membership_counters::gossip_rounds},
    {"cohort_push_pulls_total", "Full-state push-pulls started.", &membership_counters::push_pulls},
    {"cohort_digests_sent_total", "Periodic view digests sent (anti-entropy).",
     &membership_counters::digests_sent},
    {"cohort_digest_mismatches_total", "Digests received that differ from this view.",
     &membership_counters::digest_mismatches},
    {"cohort_reconnect_attempts_total", "Digests sent to failed members.",
     &membership_counters::reconnect_attempts},
    {"cohort_full_state_refused_total", "Full-state answers not sent (rate limit or table full).",
     &membership_counters::full_state_refused},
    {"cohort_join_attempts_total", "Join requests sent to seeds.",
     &membership_counters::join_attempts},
    {"cohort_reaped_total", "Tombstones removed after the reap interval.",
     &membership_counters::reaped},
    {"cohort_unreachable_suspicions_total", "Suspicions started on a failed frame to a member.",
     &membership_counters::unreachable_suspicions},
    {"cohort_misdirected_pings_total", "Pings for another member (a reused address).",
     &membership_counters::misdirected},
    {"cohort_clock_offset_notices_sent_total", "clock_offset_refused notices sent.",
     &membership_counters::clock_offset_notices},
};

inline constexpr counter_row<node_counters> node_rows[] = {
    {"cohort_decode_errors_total", "Received bytes the codec refused.",
     &node_counters::decode_errors},
    {"cohort_encode_errors_total", "Outgoing messages the codec refused.",
     &node_counters::encode_errors},
    {"cohort_label_drops_total", "Envelopes dropped for another cluster label.",
     &node_counters::label_drops},
    {"cohort_clock_offset_drops_total", "Envelopes dropped for their HLC stamp.",
     &node_counters::clock_offset_drops},
    {"cohort_clock_offset_unmerged_total",
     "Members' membership messages handled without merging a stamp too far ahead.",
     &node_counters::clock_offset_unmerged},
    {"cohort_unresolved_address_drops_total", "Messages dropped: their host was not resolved.",
     &node_counters::unresolved_addresses},
    {"cohort_resolve_lookups_total", "Hostname lookups started.", &node_counters::resolve_lookups},
    {"cohort_resolve_failures_total", "Hostname lookups that found no address.",
     &node_counters::resolve_failures},
    {"cohort_unreachable_reports_total", "Failed frames to a member reported to the core.",
     &node_counters::unreachable_reports},
    {"cohort_send_errors_total", "Sends the transport failed.", &node_counters::send_errors},
    {"cohort_frames_for_packets_total", "Packets over the budget, sent as frames.",
     &node_counters::frames_for_packets},
    {"cohort_receive_errors_total", "Receive failures that ended the receive loop.",
     &node_counters::receive_errors},
    {"cohort_events_dropped_total", "Events dropped from the node's full event queue.",
     &node_counters::events_dropped},
    {"cohort_handler_exceptions_total", "Exceptions thrown by handlers and listeners (caught).",
     &node_counters::handler_exceptions},
    {"cohort_application_drops_total", "Application messages no subscription matched.",
     &node_counters::application_drops},
};

inline constexpr counter_row<security_counters> security_rows[] = {
    {"cohort_security_sealed_total", "Messages sealed for sending.", &security_counters::sealed},
    {"cohort_security_sealed_in_peer_key_total",
     "Messages sealed in a peer's primary key other than ours (a rotation it missed).",
     &security_counters::sealed_in_peer_key},
    {"cohort_security_sent_plaintext_total", "Messages sent unsealed (verify_outgoing off).",
     &security_counters::sent_plaintext},
    {"cohort_security_opened_total", "Sealed messages that verified.", &security_counters::opened},
    {"cohort_security_accepted_plaintext_total",
     "Unsealed messages accepted (verify_incoming off).", &security_counters::accepted_plaintext},
    {"cohort_security_seal_failures_total", "Messages that could not be sealed.",
     &security_counters::seal_failures},
};

inline constexpr std::pair<std::string_view, std::uint64_t security_counters::*>
    security_refusals[] = {
        {"malformed", &security_counters::malformed},
        {"unknown_key", &security_counters::unknown_key},
        {"bad_tag", &security_counters::bad_tag},
        {"wrong_mode", &security_counters::wrong_mode},
        {"plaintext_refused", &security_counters::plaintext_refused},
        {"replayed", &security_counters::replayed},
        {"too_old", &security_counters::too_old},
};

inline constexpr counter_row<transport_counters> transport_rows[] = {
    {"cohort_transport_packets_received_total", "Datagrams received.",
     &transport_counters::packets_in},
    {"cohort_transport_packets_sent_total", "Datagrams sent.", &transport_counters::packets_out},
    {"cohort_transport_frames_received_total", "Stream frames received.",
     &transport_counters::frames_in},
    {"cohort_transport_frames_sent_total", "Stream frames sent.", &transport_counters::frames_out},
    {"cohort_transport_bytes_received_total", "Payload bytes of packets and frames received.",
     &transport_counters::bytes_in},
    {"cohort_transport_bytes_sent_total", "Payload bytes of packets and frames sent.",
     &transport_counters::bytes_out},
    {"cohort_transport_connects_total", "Outbound connections established.",
     &transport_counters::connects},
    {"cohort_transport_reconnects_total", "Outbound connections re-establishing a lost peer.",
     &transport_counters::reconnects},
    {"cohort_transport_connect_failures_total", "Outbound connects refused or timed out.",
     &transport_counters::connect_failures},
    {"cohort_transport_accepts_total", "Inbound connections accepted.",
     &transport_counters::accepts},
    {"cohort_transport_disconnects_total", "Connections closed for any reason.",
     &transport_counters::disconnects},
    {"cohort_transport_decode_errors_total", "Peers disconnected for garbage or oversize frames.",
     &transport_counters::decode_errors},
};

inline constexpr std::pair<std::string_view, std::uint64_t transport_counters::*>
    transport_drops[] = {
        {"queue_full", &transport_counters::drops_queue_full},
        {"oversize", &transport_counters::drops_oversize},
        {"garbage", &transport_counters::drops_garbage},
        {"closed", &transport_counters::drops_closed},
        {"loss", &transport_counters::drops_loss},
        {"partition", &transport_counters::drops_partition},
        {"crashed", &transport_counters::drops_crashed},
};

inline constexpr counter_row<router_counters> router_rows[] = {
    {"cohort_router_casts_total", "Casts initiated here.", &router_counters::casts},
    {"cohort_router_requests_served_total", "Remote requests and casts handed to a handler.",
     &router_counters::requests_served},
    {"cohort_router_redirects_sent_total", "Requests answered with a redirect.",
     &router_counters::redirects_sent},
    {"cohort_router_redirects_followed_total", "Redirects this node's calls followed.",
     &router_counters::redirects_followed},
    {"cohort_router_redirect_limits_total", "Calls failed with redirect_limit.",
     &router_counters::redirect_limits},
    {"cohort_router_view_mismatches_total", "Requests carrying another view fingerprint.",
     &router_counters::view_mismatches},
    {"cohort_router_timeouts_total", "Calls failed with call_timeout.",
     &router_counters::timeouts},
    {"cohort_router_owner_failures_total", "Calls whose owner failed.",
     &router_counters::owner_failures},
    {"cohort_router_retries_total", "Calls sent again to a new owner.", &router_counters::retries},
    {"cohort_router_stray_replies_total", "Replies to no pending call, or from another node.",
     &router_counters::stray_replies},
    {"cohort_router_casts_forwarded_total", "Casts passed on to their owner in this view.",
     &router_counters::casts_forwarded},
    {"cohort_router_casts_dropped_total", "Casts over the redirect limit.",
     &router_counters::casts_dropped},
    {"cohort_router_tables_published_total", "Ownership tables built from a new view.",
     &router_counters::tables_published},
    {"cohort_router_cancelled_total", "Calls cancelled through their slot.",
     &router_counters::cancelled},
    {"cohort_router_requests_too_large_total", "Calls and casts whose request did not fit.",
     &router_counters::requests_too_large},
    {"cohort_router_replies_too_large_total", "Replies replaced by a reply_too_large answer.",
     &router_counters::replies_too_large},
    {"cohort_router_handler_exceptions_total", "Handlers that threw.",
     &router_counters::handler_exceptions},
};

template <class Counters, std::size_t N>
void write_rows(prometheus_writer& w, Counters const& c, counter_row<Counters> const (&rows)[N]) {
    for (auto const& r : rows) w.counter(r.name, r.help, c.*r.field);
}

template <class Counters, std::size_t N>
void write_labelled(prometheus_writer& w, std::string_view name, std::string_view help,
                    std::string_view label, Counters const& c,
                    std::pair<std::string_view, std::uint64_t Counters::*> const (&rows)[N]) {
    w.family(name, metric_type::counter, help);
    for (auto const& [value, field] : rows) w.sample(name, {{label, value}}, c.*field);
}

inline void write_per_type(prometheus_writer& w, std::string_view name, std::string_view help,
                           node_counters::per_type const& counts) {
    w.family(name, metric_type::counter, help);
    for (std::size_t i = 0; i < counts.size(); ++i)
        w.sample(name, {{"type", message_type_names[i]}}, counts[i]);
}

} // namespace detail

/// Appends `c` and `v` as Prometheus text to `out` (see the top of this
/// header); with `router`, its counters and call durations too. Output size
/// does not depend on the number of members.
inline void render_node_metrics(std::string& out, node_counters const& c,
                                node_metrics_view const& v,
                                router_metrics const* router = nullptr) {
    prometheus_writer w(out);

    w.family("cohort_members", metric_type::gauge, "Members in this node's view, by state.");
    for (std::size_t s = 0; s < v.members.size(); ++s)
        w.sample("cohort_members", {{"state", to_string(static_cast<node_state>(s))}},
                 v.members[s]);
    w.family("cohort_node_status", metric_type::gauge,
             "1 for this node's lifecycle status, 0 for the others.");
    for (auto s : {node_status::created, node_status::starting, node_status::running,
                   node_status::stopping, node_status::stopped})
        w.sample("cohort_node_status", {{"status", to_string(s)}},
                 std::uint64_t{s == v.status ? 1u : 0u});
    w.family("cohort_leader", metric_type::gauge, "1 while this node is the cluster's leader.");
    w.sample("cohort_leader", std::uint64_t{v.leader ? 1u : 0u});
    w.counter("cohort_view_changes_total", "Changes of this node's view.", v.view_changes);
    w.histogram("cohort_probe_round_trip_seconds",
                "Direct probes of members, from the ping sent to its ack heard.",
                v.probe_round_trips);

    detail::write_per_type(w, "cohort_messages_received_total", "Messages decoded, by wire type.",
                           c.messages_in);
    detail::write_per_type(w, "cohort_messages_sent_total",
                           "Messages handed to the transport, by wire type.", c.messages_out);
    detail::write_per_type(w, "cohort_bytes_received_total",
                           "Encoded bytes received, by wire type.", c.bytes_in);
    detail::write_per_type(w, "cohort_bytes_sent_total", "Encoded bytes sent, by wire type.",
                           c.bytes_out);

    auto const& m = c.membership;
    w.family("cohort_suspicions_total", metric_type::counter,
             "Suspicions started, by whose detector: local or heard from others.");
    w.sample("cohort_suspicions_total", {{"source", "local"}}, m.suspicions);
    w.sample("cohort_suspicions_total", {{"source", "heard"}}, m.suspicions_heard);
    w.family("cohort_failures_total", metric_type::counter,
             "Members marked failed: declared here (suspicion timed out) or heard.");
    w.sample("cohort_failures_total", {{"source", "declared"}}, m.failures_declared);
    w.sample("cohort_failures_total", {{"source", "heard"}}, m.failures_heard);
    detail::write_rows(w, m, detail::membership_rows);

    detail::write_rows(w, c, detail::node_rows);
    w.family("cohort_sender_entries", metric_type::gauge,
             "Senders whose last-heard time is kept (bounded by the view).");
    w.sample("cohort_sender_entries", c.sender_entries);

    detail::write_rows(w, c.security, detail::security_rows);
    detail::write_labelled(w, "cohort_security_refusals_total",
                           "Incoming messages the secure channel refused, by reason.", "reason",
                           c.security, detail::security_refusals);

    detail::write_rows(w, c.transport, detail::transport_rows);
    detail::write_labelled(w, "cohort_transport_drops_total",
                           "Messages the transport dropped, by reason.", "reason", c.transport,
                           detail::transport_drops);

    if (router) {
        auto const& rc = router->counters;
        w.family("cohort_router_calls_total", metric_type::counter,
                 "Router calls, by where they were served: local or remote.");
        w.sample("cohort_router_calls_total", {{"target", "local"}}, rc.calls_local);
        w.sample("cohort_router_calls_total", {{"target", "remote"}}, rc.calls_forwarded);
        w.histogram("cohort_router_call_duration_seconds",
                    "Router calls, from the call to its completion, whatever the outcome.",
                    router->call_durations);
        detail::write_rows(w, rc, detail::router_rows);
    }
}

} // namespace cohort

#endif // COHORT_ADMIN_NODE_METRICS_HPP
