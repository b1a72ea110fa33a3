// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_CONFIG_HPP
#define COHORT_MEMBERSHIP_CONFIG_HPP

// membership_config: every knob of the membership protocol, with documented
// defaults, and three named profiles after memberlist's DefaultLANConfig,
// DefaultWANConfig and DefaultLocalConfig. The defaults are lan().

#include <cohort/error.hpp>
#include <cohort/phi_accrual.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace cohort {

struct membership_config {
    /// Cluster label: messages carrying another label are dropped and counted
    /// (memberlist's Label). At most 255 bytes.
    std::string label;

    /// How often a node pings each member it monitors (memberlist's
    /// ProbeInterval, Akka's heartbeat-interval).
    std::chrono::nanoseconds heartbeat_interval = std::chrono::seconds(1);
    /// How long a probe waits for an ack, once the failure detector has given
    /// up on the target, before suspecting it (memberlist's ProbeTimeout).
    /// Scaled by the local health score + 1.
    std::chrono::nanoseconds probe_timeout = std::chrono::milliseconds(500);
    /// How many observers watch each member: each node pings the next
    /// `monitored_by` live members on the ring (Akka's monitored-by-nr-of-members).
    std::size_t monitored_by = 5;
    /// How many helpers an observer asks to probe a silent member
    /// (memberlist's IndirectChecks).
    std::size_t indirect_checks = 3;
    /// The phi-accrual detectors fed by ack arrivals. Akka's defaults, except
    /// a window of 100 samples (100 s of history at 1 s heartbeats) to keep a
    /// detector small (a node holds only ~monitored_by of them) and no
    /// acceptable_heartbeat_pause: Akka's 3 s absorbs JVM collector pauses,
    /// which a C++ process does not have, and memberlist's LAN profile
    /// tolerates none either. Even so an observer suspects only after
    /// ~1.5 heartbeat intervals of silence (phi 8 with the 100 ms deviation
    /// floor) and failed indirect probes, where memberlist suspects after one
    /// probe interval. Set a pause for processes that stall (wan() has 10 s).
    phi_accrual_config failure_detector = [] {
        phi_accrual_config c;
        c.max_sample_size = 100;
        c.acceptable_heartbeat_pause = std::chrono::nanoseconds::zero();
        return c;
    }();

    /// Lifeguard: the shortest suspicion timeout is
    /// suspicion_mult * max(1, log10(N)) * heartbeat_interval (memberlist's SuspicionMult).
    double suspicion_mult = 4.0;
    /// The longest suspicion timeout, as a multiple of the shortest
    /// (memberlist's SuspicionMaxTimeoutMult).
    double suspicion_max_timeout_mult = 6.0;
    /// Lifeguard's K: independent confirmations (further observers' own
    /// suspicions) that bring the timeout down to its shortest. memberlist
    /// uses SuspicionMult - 2 = 2. Capped at monitored_by - 1 and at N - 2.
    /// A larger K waits for more witnesses, but confirmations about one member
    /// share one slot in each node's rumor queue, so not all reach every node:
    /// K above 2 delays real failures more than it guards live members.
    std::size_t suspicion_confirmations = 2;
    /// Local health: timeouts are stretched up to this factor (memberlist's
    /// AwarenessMaxMultiplier).
    unsigned awareness_max_multiplier = 8;

    /// Each rumor is sent retransmit_mult * ceil(log10(N + 1)) times
    /// (memberlist's RetransmitMult).
    unsigned retransmit_mult = 4;
    /// Gossip rounds, when rumors are pending (memberlist's GossipInterval).
    std::chrono::nanoseconds gossip_interval = std::chrono::milliseconds(200);
    /// Members sent rumors each gossip round (memberlist's GossipNodes).
    std::size_t gossip_nodes = 3;
    /// Anti-entropy with one random member; scaled by
    /// ceil(log2(N) - log2(32) + 1) above 32 members (memberlist's PushPullInterval).
    std::chrono::nanoseconds push_pull_interval = std::chrono::seconds(30);
    /// How often a view_digest (one small packet) goes to a random failed
    /// member; the member answers with its full state because the views
    /// differ, and any message from a member held failed starts a push-pull
    /// too, so the two sides of a healed partition merge within about this
    /// interval plus a few gossip rounds. Serf's ReconnectInterval is 30 s,
    /// with a full state each time (a heal there takes 1 to 30 s); the cost
    /// here is one packet per interval per node while a member is failed,
    /// whatever the partition's length.
    std::chrono::nanoseconds reconnect_interval = std::chrono::seconds(2);
    /// At most one full-state answer (a push-pull's reply, a digest's answer,
    /// the push-pull a stranger's message starts) goes to one address per
    /// this interval, so a forged sender cannot aim this node's whole view at
    /// an address more often (memberlist answers every push-pull).
    std::chrono::nanoseconds full_state_answer_interval = std::chrono::seconds(1);
    /// How many addresses that bound remembers: with this many answered
    /// within the interval, further full-state answers wait (counted in
    /// membership_counters::full_state_refused) rather than the table grow.
    std::size_t full_state_answer_addresses = 4096;
    /// How long failed and left members stay as tombstones, blocking stale
    /// rumors and being retried (serf's ReconnectTimeout / TombstoneTimeout).
    std::chrono::nanoseconds reap_interval = std::chrono::hours(24);

    /// First wait for a seed's answer; doubled at each retry up to
    /// join_retry_max_interval, moving to the next seed each time.
    std::chrono::nanoseconds join_retry_interval = std::chrono::seconds(1);
    std::chrono::nanoseconds join_retry_max_interval = std::chrono::seconds(8);
    /// Give up joining after this long (join_completed with an error).
    std::chrono::nanoseconds join_timeout = std::chrono::seconds(30);
    /// A leave completes once its rumor was sent the retransmit limit, or
    /// after this delay, whichever comes first (serf's LeavePropagateDelay).
    std::chrono::nanoseconds leave_propagate_delay = std::chrono::seconds(1);

    /// The transport's packet budget: gossip packets carry rumors up to it,
    /// less room for the envelope.
    std::size_t packet_budget = 1400;
    /// Bound on a member's own tags: sum of key and value sizes (memberlist's
    /// MetaMaxSize).
    std::size_t max_tags_size = 512;

    /// memberlist's DefaultLANConfig timings: the defaults.
    static membership_config lan() { return {}; }

    /// memberlist's DefaultWANConfig: slower probes, longer suspicion, fewer
    /// push-pulls; the detector expects 5 s heartbeats and tolerates 10 s pauses.
    static membership_config wan() {
        membership_config c;
        c.heartbeat_interval = std::chrono::seconds(5);
        c.probe_timeout = std::chrono::seconds(3);
        c.suspicion_mult = 6.0;
        c.push_pull_interval = std::chrono::seconds(60);
        c.gossip_interval = std::chrono::milliseconds(500);
        c.gossip_nodes = 4;
        c.failure_detector.first_heartbeat_estimate = std::chrono::seconds(5);
        c.failure_detector.acceptable_heartbeat_pause = std::chrono::seconds(10);
        c.failure_detector.max_local_pause = std::chrono::seconds(20);
        c.join_retry_interval = std::chrono::seconds(3);
        c.join_retry_max_interval = std::chrono::seconds(24);
        c.join_timeout = std::chrono::seconds(90);
        return c;
    }

    /// memberlist's DefaultLocalConfig: one host or a fast, reliable network.
    static membership_config local() {
        membership_config c;
        c.probe_timeout = std::chrono::milliseconds(200);
        c.indirect_checks = 1;
        c.retransmit_mult = 2;
        c.suspicion_mult = 3.0;
        c.push_pull_interval = std::chrono::seconds(15);
        c.gossip_interval = std::chrono::milliseconds(100);
        c.join_retry_interval = std::chrono::milliseconds(200);
        c.join_timeout = std::chrono::seconds(10);
        return c;
    }
};

/// Checks every field; the error names the first bad one.
inline boost::system::result<void, config_error> validate(membership_config const& c) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return boost::system::result<void, config_error>(
            boost::system::in_place_error, config_error{error::invalid_config, field, rule});
    };
    using std::chrono::nanoseconds;
    if (c.label.size() > 255) return fail("membership_config.label", "must be at most 255 bytes");
    if (c.heartbeat_interval <= nanoseconds::zero())
        return fail("membership_config.heartbeat_interval", "must be positive");
    if (c.probe_timeout <= nanoseconds::zero())
        return fail("membership_config.probe_timeout", "must be positive");
    if (c.monitored_by == 0) return fail("membership_config.monitored_by", "must be at least 1");
    if (auto r = validate(c.failure_detector); !r) return r;
    if (!(c.suspicion_mult > 0.0) || c.suspicion_mult > 1e6)
        return fail("membership_config.suspicion_mult", "must be in (0, 1e6]");
    if (!(c.suspicion_max_timeout_mult >= 1.0) || c.suspicion_max_timeout_mult > 1e6)
        return fail("membership_config.suspicion_max_timeout_mult", "must be in [1, 1e6]");
    if (c.awareness_max_multiplier == 0 || c.awareness_max_multiplier > 1000)
        return fail("membership_config.awareness_max_multiplier", "must be in 1..1000");
    if (c.retransmit_mult == 0 || c.retransmit_mult > 1000)
        return fail("membership_config.retransmit_mult", "must be in 1..1000");
    if (c.gossip_interval <= nanoseconds::zero())
        return fail("membership_config.gossip_interval", "must be positive");
    if (c.gossip_nodes == 0) return fail("membership_config.gossip_nodes", "must be at least 1");
    if (c.push_pull_interval <= nanoseconds::zero())
        return fail("membership_config.push_pull_interval", "must be positive");
    if (c.reconnect_interval <= nanoseconds::zero())
        return fail("membership_config.reconnect_interval", "must be positive");
    if (c.full_state_answer_interval < nanoseconds::zero())
        return fail("membership_config.full_state_answer_interval", "must not be negative");
    if (c.full_state_answer_addresses < 1)
        return fail("membership_config.full_state_answer_addresses", "must be at least 1");
    if (c.reap_interval <= nanoseconds::zero())
        return fail("membership_config.reap_interval", "must be positive");
    if (c.join_retry_interval <= nanoseconds::zero())
        return fail("membership_config.join_retry_interval", "must be positive");
    if (c.join_retry_max_interval < c.join_retry_interval)
        return fail("membership_config.join_retry_max_interval",
                    "must be at least join_retry_interval");
    if (c.join_timeout <= nanoseconds::zero())
        return fail("membership_config.join_timeout", "must be positive");
    if (c.leave_propagate_delay < nanoseconds::zero())
        return fail("membership_config.leave_propagate_delay", "must not be negative");
    if (c.packet_budget < 512)
        return fail("membership_config.packet_budget", "must be at least 512");
    if (c.max_tags_size > c.packet_budget / 2)
        return fail("membership_config.max_tags_size", "must be at most packet_budget / 2");
    return {};
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_CONFIG_HPP
