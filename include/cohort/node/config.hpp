// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_CONFIG_HPP
#define COHORT_NODE_CONFIG_HPP

// Configuration of a basic_node, validated once by async_start.

#include <cohort/error.hpp>
#include <cohort/hlc.hpp>
#include <cohort/membership/config.hpp>
#include <cohort/membership/member.hpp>
#include <cohort/node_id.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <cohort/security/secure_channel.hpp>
#include <cohort/security/security_config.hpp>

namespace cohort {

/// Configuration of a basic_node.
struct node_config {
    /// This node: its name is its identity, its address must be where peers
    /// reach it (typically the transport's local_endpoint()).
    node_id id;
    /// The membership protocol's knobs.
    membership_config membership = membership_config::lan();
    /// This node's tags, gossiped with it.
    std::vector<tag> tags;
    /// The HLC's maximum offset: messages further ahead are dropped and counted.
    hlc_config hlc;
    /// Events held for async_next_event; beyond, the oldest is dropped and
    /// counted (node_counters::events_dropped). Must be at least 1.
    std::size_t event_queue_limit = 1024;
    /// Seed of the core's random choices; 0 derives one from the id and the
    /// generation.
    std::uint64_t seed = 0;
    /// How long a resolved hostname is used before it is looked up again
    /// (30 s: DNS changes reach the cluster within a push-pull or two). Must
    /// be positive.
    std::chrono::nanoseconds resolve_ttl = std::chrono::seconds(30);
    /// How long a failed lookup is remembered: messages to that host are
    /// dropped meanwhile (5 s). Must be positive.
    std::chrono::nanoseconds resolve_failure_ttl = std::chrono::seconds(5);
    /// Messages that may wait for hostname lookups, all hosts together; more
    /// are dropped and counted. 0 drops every message to an unresolved host.
    std::size_t resolve_queue_limit = 256;
    /// Hostnames cached (answers and lookups under way); a message to a new
    /// host beyond it is dropped and counted. Bounds what hostile gossip of
    /// made-up hostnames can cost. Must be at least 1.
    std::size_t resolve_cache_limit = 1024;
    /// How long a graceful async_stop waits for its leave to be gossiped
    /// (leave_completed) before it stops anyway (5 s). Must be positive.
    std::chrono::nanoseconds leave_timeout = std::chrono::seconds(5);
    /// Sealing of everything this node sends and receives (security/): off
    /// while `security.keyring` is null (the default). With a keyring, every
    /// message is encrypted (or authenticated) under its primary key, opened
    /// with any installed key and checked against replays; the membership
    /// core's packets shrink by the seal's overhead so that they still fit
    /// membership.packet_budget, also while verify_outgoing is off (it may
    /// be turned on at run time: basic_node::set_security_verify). The
    /// keyring must hold a key unless verify_outgoing is off.
    security_config security{};
};

/// Serf's retry-join, for async_join: how often and how many times a join
/// that found no seed is tried again.
struct join_retry {
    /// Between a failed attempt and the next (Serf's retry_interval: 30 s).
    /// Must be positive.
    std::chrono::nanoseconds interval = std::chrono::seconds(30);
    /// Attempts in all; 0 tries until one succeeds, the join is cancelled or
    /// the node stops (Serf's retry_max default).
    std::size_t max_attempts = 0;
};

/// Checks `cfg`; the error names the first bad field.
inline boost::system::result<void, config_error> validate(node_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return boost::system::result<void, config_error>(
            boost::system::in_place_error, config_error{error::invalid_config, field, rule});
    };
    if (cfg.id.empty()) return fail("node_config.id", "must not be empty");
    if (auto r = validate(cfg.membership); !r) return r;
    if (auto r = validate(cfg.hlc); !r) return r;
    if (cfg.event_queue_limit == 0) return fail("node_config.event_queue_limit", "must be at least 1");
    if (cfg.resolve_ttl <= std::chrono::nanoseconds::zero())
        return fail("node_config.resolve_ttl", "must be positive");
    if (cfg.resolve_failure_ttl <= std::chrono::nanoseconds::zero())
        return fail("node_config.resolve_failure_ttl", "must be positive");
    if (cfg.resolve_cache_limit == 0)
        return fail("node_config.resolve_cache_limit", "must be at least 1");
    if (cfg.leave_timeout <= std::chrono::nanoseconds::zero())
        return fail("node_config.leave_timeout", "must be positive");
    if (cfg.security.keyring) {
        if (cfg.security.verify_outgoing && !cfg.security.keyring->primary())
            return fail("node_config.security.keyring", "must hold a key to seal with");
        if (cfg.membership.packet_budget < 512 + sealed_overhead(cfg.security.mode) + primary_id_size)
            return fail("node_config.membership.packet_budget",
                        "must leave 512 bytes after the seal's overhead");
        if (cfg.security.replay.window < cfg.hlc.max_offset)
            return fail("node_config.security.replay.window", "must be at least hlc.max_offset");
        if (cfg.security.replay.history == 0)
            return fail("node_config.security.replay.history", "must be at least 1");
        if (cfg.security.replay.max_senders == 0)
            return fail("node_config.security.replay.max_senders", "must be at least 1");
    }
    std::size_t tags_size = 0;
    for (auto const& t : cfg.tags) tags_size += t.key.size() + t.value.size();
    if (tags_size > cfg.membership.max_tags_size)
        return fail("node_config.tags", "must be at most membership_config.max_tags_size");
    return {};
}

} // namespace cohort

#endif // COHORT_NODE_CONFIG_HPP
