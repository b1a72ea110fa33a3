// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_FAULT_MODEL_HPP
#define COHORT_TRANSPORT_DETAIL_FAULT_MODEL_HPP

// The fault model of memory_network, as a pure piece: what can go wrong with
// a message (fault_model), and the sampling of one packet's fate from a
// random generator (decide_packet). No Asio, no clock, no state: the same
// model and the same generator state give the same decision, which is what
// makes a seeded run reproducible and the model testable on its own.
//
// Every draw is made here from the generator's raw 64-bit output. The
// standard distributions (uniform_real_distribution, bernoulli_distribution)
// are not specified exactly and give different values on libstdc++, libc++
// and MSVC; std::mt19937_64 itself is specified to the bit.
//
// The public names (fault_model, latency_shape, packet_fate, decide_packet,
// sample_latency, validate) are part of memory_network.hpp's interface.

#include <cohort/error.hpp>

#include <boost/system/result.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <string_view>

namespace cohort {

/// How latency is spread between fault_model::latency_min and latency_max.
enum class latency_shape : std::uint8_t {
    uniform,  ///< every value in [min, max] equally likely
    /// The mean of four uniform draws (Irwin-Hall): bell-shaped, mean at the
    /// middle, standard deviation (max - min) / sqrt(48), never outside
    /// [min, max]. A bounded, platform-exact stand-in for a truncated normal.
    bell,
};

/// What the network does to messages between two endpoints. Packets are
/// subject to all of it; frames (the reliable streams) only to the latency,
/// and stay in order. All probabilities are per packet, in [0, 1].
struct fault_model {
    /// Probability that a packet is lost.
    double loss = 0.0;

    /// Probability that a delivered packet is delivered twice; the copy
    /// takes its own, independently drawn latency.
    double duplicate = 0.0;

    /// Probability that a packet is held back by an extra delay drawn
    /// uniformly from [1 ns, reorder_delay], so that packets sent after it
    /// overtake it. (Latency jitter, latency_max > latency_min, reorders
    /// packets too, as on a real network; this adds deliberate stragglers.)
    double reorder = 0.0;

    /// The largest extra delay of a reordered packet. Must be greater than
    /// zero and at most fault_model_max_delay.
    std::chrono::nanoseconds reorder_delay = std::chrono::milliseconds(10);

    /// One-way latency bounds. 0 <= latency_min <= latency_max <=
    /// fault_model_max_delay; equal bounds give a fixed latency.
    std::chrono::nanoseconds latency_min{0};
    std::chrono::nanoseconds latency_max{0};

    /// How latency is spread between the bounds.
    latency_shape shape = latency_shape::uniform;

    friend bool operator==(fault_model const&, fault_model const&) = default;
};

/// The longest latency or reorder delay a fault_model may ask for. Far above
/// any network's, and small enough that sums of delays never overflow.
inline constexpr std::chrono::nanoseconds fault_model_max_delay = std::chrono::hours(1);

/// Checks `m`; the error names the field that broke a rule.
inline boost::system::result<void, config_error> validate(fault_model const& m) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return config_error{error::invalid_config, field, rule};
    };
    // Written as !(in range) so that NaN fails too.
    if (!(m.loss >= 0.0 && m.loss <= 1.0))
        return fail("fault_model.loss", "must be a probability in [0, 1]");
    if (!(m.duplicate >= 0.0 && m.duplicate <= 1.0))
        return fail("fault_model.duplicate", "must be a probability in [0, 1]");
    if (!(m.reorder >= 0.0 && m.reorder <= 1.0))
        return fail("fault_model.reorder", "must be a probability in [0, 1]");
    if (m.reorder_delay <= std::chrono::nanoseconds::zero())
        return fail("fault_model.reorder_delay", "must be greater than zero");
    if (m.reorder_delay > fault_model_max_delay)
        return fail("fault_model.reorder_delay", "must not exceed one hour");
    if (m.latency_min < std::chrono::nanoseconds::zero())
        return fail("fault_model.latency_min", "must not be negative");
    if (m.latency_max < m.latency_min)
        return fail("fault_model.latency_max", "must not be less than latency_min");
    if (m.latency_max > fault_model_max_delay)
        return fail("fault_model.latency_max", "must not exceed one hour");
    if (m.shape != latency_shape::uniform && m.shape != latency_shape::bell)
        return fail("fault_model.shape", "must be uniform or bell");
    return {};
}

namespace detail {

// The draws below need a generator of full 64-bit words, like mt19937_64.
template <class Rng>
concept random_u64_generator = requires(Rng& g) {
    { g() } -> std::same_as<std::uint64_t>;
} && Rng::min() == 0 && Rng::max() == std::numeric_limits<std::uint64_t>::max();

/// A double uniform in [0, 1): the top 53 bits of one draw, exactly.
template <random_u64_generator Rng>
double draw_unit(Rng& g) {
    return static_cast<double>(g() >> 11) * 0x1.0p-53;
}

/// True with probability p (p >= 1: always; p <= 0: never, without a draw).
template <random_u64_generator Rng>
bool draw_bernoulli(Rng& g, double p) {
    if (!(p > 0.0))
        return false;
    return draw_unit(g) < p;
}

/// An integer uniform in [lo, hi] (lo <= hi), unbiased: draws that fall in
/// the incomplete last bucket are rejected (on average fewer than two draws).
/// lo == hi takes no draw.
template <random_u64_generator Rng>
std::uint64_t draw_uniform(Rng& g, std::uint64_t lo, std::uint64_t hi) {
    std::uint64_t const span = hi - lo;
    if (span == 0)
        return lo;
    if (span == std::numeric_limits<std::uint64_t>::max())
        return g();
    std::uint64_t const n = span + 1;
    // The largest multiple of n that fits: accept x below it.
    std::uint64_t const limit = std::numeric_limits<std::uint64_t>::max() -
                                std::numeric_limits<std::uint64_t>::max() % n;
    for (;;) {
        std::uint64_t const x = g();
        if (x < limit)
            return lo + x % n;
    }
}

} // namespace detail

/// One packet's fate, relative to its send time.
struct packet_fate {
    bool lost = false;        ///< dropped; nothing else applies
    bool reordered = false;   ///< `delay` includes an extra reorder delay
    bool duplicated = false;  ///< a second copy arrives after duplicate_delay
    std::chrono::nanoseconds delay{0};            ///< when the packet arrives
    std::chrono::nanoseconds duplicate_delay{0};  ///< when the copy arrives
};

/// Draws one latency from `m` (no draw when the bounds are equal).
template <class Rng>
std::chrono::nanoseconds sample_latency(fault_model const& m, Rng& g) {
    auto const lo = static_cast<std::uint64_t>(m.latency_min.count());
    auto const hi = static_cast<std::uint64_t>(m.latency_max.count());
    if (lo == hi)
        return m.latency_min;
    std::uint64_t offset = 0;
    if (m.shape == latency_shape::bell) {
        std::uint64_t sum = 0;  // 4 * one hour in ns: far below 2^64
        for (int i = 0; i < 4; ++i)
            sum += detail::draw_uniform(g, 0, hi - lo);
        offset = sum / 4;
    } else {
        offset = detail::draw_uniform(g, 0, hi - lo);
    }
    return std::chrono::nanoseconds(static_cast<std::int64_t>(lo + offset));
}

/// Decides what happens to one packet: the draws are, in this order, loss,
/// latency, reorder (and its extra delay), duplicate (and the copy's
/// latency), each skipped when its probability is zero or its range empty.
/// `m` must be valid (validate()).
template <class Rng>
packet_fate decide_packet(fault_model const& m, Rng& g) {
    packet_fate f;
    if (detail::draw_bernoulli(g, m.loss)) {
        f.lost = true;
        return f;
    }
    f.delay = sample_latency(m, g);
    if (detail::draw_bernoulli(g, m.reorder)) {
        f.reordered = true;
        f.delay += std::chrono::nanoseconds(static_cast<std::int64_t>(
            detail::draw_uniform(g, 1, static_cast<std::uint64_t>(m.reorder_delay.count()))));
    }
    if (detail::draw_bernoulli(g, m.duplicate)) {
        f.duplicated = true;
        f.duplicate_delay = sample_latency(m, g);
    }
    return f;
}

} // namespace cohort

#endif // COHORT_TRANSPORT_DETAIL_FAULT_MODEL_HPP
