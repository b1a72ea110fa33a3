// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SIM_CONFIG_HPP
#define COHORT_SIM_CONFIG_HPP

// simulator_config: the simulator's seed, its default link (loss, delay,
// jitter), how faithfully messages are put on the wire, and the membership
// configuration every node runs unless add_node() says otherwise.

#include <cohort/error.hpp>
#include <cohort/hlc.hpp>
#include <cohort/membership/config.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cohort {

/// The faults of a link (or of every link of a node, or of the whole network).
struct link_faults {
    /// Probability that a packet is lost. Frames (the stream transport) are
    /// never lost: only partitions, crashes and restarts cut them.
    double loss = 0.0;
    /// One-way latency of every message.
    std::chrono::nanoseconds delay = std::chrono::milliseconds(1);
    /// A uniform random extra latency in [0, jitter] (so messages may reorder).
    std::chrono::nanoseconds jitter = std::chrono::milliseconds(4);

    friend bool operator==(link_faults const&, link_faults const&) = default;
};

/// A node's clock error: the time its core perceives is
/// `offset + virtual_time * (1 + drift)`.
struct clock_error {
    /// A constant skew (may be negative). The node's clock is one clock: its
    /// core's time and its HLC's physical (wall) time both read it, the
    /// latter from an arbitrary epoch, so two nodes' HLCs disagree by the
    /// difference of their offsets (plus drift).
    std::chrono::nanoseconds offset{0};
    /// A rate error: 1e-4 is a clock that gains 100 µs per second. In (-0.5, 0.5).
    double drift = 0.0;

    friend bool operator==(clock_error const&, clock_error const&) = default;
};

/// How messages cross the simulated network.
enum class wire_fidelity : std::uint8_t {
    /// Messages are moved as values; no bytes are counted (the fastest).
    none,
    /// Messages are moved as values and their binary_codec size is counted.
    measure,
    /// Every message is encoded with binary_codec and decoded at the receiver,
    /// as on a real network (catches messages the codec rejects; slower).
    round_trip,
};

struct simulator_config {
    /// Every random choice of the network and of the cores derives from it:
    /// the same seed and the same calls give the same run.
    std::uint64_t seed = 1;
    /// The membership configuration of every node (add_node() may override it).
    membership_config membership = membership_config::lan();
    /// Every link's faults, unless a node or pair override says otherwise.
    link_faults network;
    /// Every node's HLC (hlc.hpp): envelopes are stamped as basic_node stamps
    /// them and received stamps are checked as it checks them
    /// (membership/stamp_check.hpp), so a clock skewed past max_offset
    /// refuses joins and application messages here as on a real node.
    hlc_config hlc;
    /// How messages are put on the wire; measure by default (bytes counted).
    wire_fidelity fidelity = wire_fidelity::measure;
    /// Keep every membership event in trace() (callbacks run either way).
    bool record_trace = true;
    /// Packets queued for a paused node beyond this are dropped, as a full
    /// socket buffer would (frames are always kept).
    std::size_t paused_inbox_limit = 4096;
    /// run_until() gives up (throws std::runtime_error) after this many steps
    /// in one call: a bound on any runaway scenario.
    std::uint64_t max_steps = 2'000'000'000;
};

/// Checks every field; the error names the first bad one.
inline boost::system::result<void, config_error> validate(link_faults const& f) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return boost::system::result<void, config_error>(
            boost::system::in_place_error, config_error{error::invalid_config, field, rule});
    };
    if (!(f.loss >= 0.0 && f.loss <= 1.0)) return fail("link_faults.loss", "must be in [0, 1]");
    if (f.delay < std::chrono::nanoseconds::zero())
        return fail("link_faults.delay", "must not be negative");
    if (f.jitter < std::chrono::nanoseconds::zero())
        return fail("link_faults.jitter", "must not be negative");
    return {};
}

/// Checks the clock error; the error names the bad field.
inline boost::system::result<void, config_error> validate(clock_error const& c) noexcept {
    if (!(c.drift > -0.5 && c.drift < 0.5))
        return boost::system::result<void, config_error>(
            boost::system::in_place_error,
            config_error{error::invalid_config, "clock_error.drift", "must be in (-0.5, 0.5)"});
    return {};
}

/// Checks every field; the error names the first bad one.
inline boost::system::result<void, config_error> validate(simulator_config const& c) noexcept {
    if (auto r = validate(c.membership); !r) return r;
    if (auto r = validate(c.network); !r) return r;
    if (auto r = validate(c.hlc); !r) return r;
    if (c.fidelity != wire_fidelity::none && c.fidelity != wire_fidelity::measure &&
        c.fidelity != wire_fidelity::round_trip)
        return boost::system::result<void, config_error>(
            boost::system::in_place_error,
            config_error{error::invalid_config, "simulator_config.fidelity", "unknown value"});
    if (c.max_steps == 0)
        return boost::system::result<void, config_error>(
            boost::system::in_place_error,
            config_error{error::invalid_config, "simulator_config.max_steps", "must be positive"});
    return {};
}

} // namespace cohort

#endif // COHORT_SIM_CONFIG_HPP
