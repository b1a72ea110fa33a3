// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_PHI_ACCRUAL_HPP
#define COHORT_PHI_ACCRUAL_HPP

// The phi accrual failure detector (Hayashibara et al., 2004) as Akka and
// Cassandra build it. Instead of a yes/no verdict it reports phi, the
// suspicion that a peer is down: phi = -log10(P(a heartbeat later than now)),
// estimated from a sliding window of heartbeat intervals. phi = 8 means the
// silence so far would happen once in 10^8 if the peer were alive.
// Pure: time is passed in, nothing here reads a clock or does I/O.

#include <cohort/detail/phi_accrual_window.hpp>
#include <cohort/error.hpp>

#include <boost/system/result.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string_view>

namespace cohort {

/// The largest phi a detector reports. phi saturates here instead of growing
/// to infinity (the normal model's exp() would otherwise overflow), so phi is
/// always finite and never decreases. 300 means "once in 10^300".
inline constexpr double phi_accrual_max_phi = 300.0;

/// The largest max_sample_size validate() accepts: with intervals capped at
/// phi_accrual_max_interval it keeps the running sums exact (see below).
inline constexpr std::size_t phi_accrual_max_sample_size = std::size_t{1} << 20;

/// A recorded heartbeat interval is clamped to this. Longer silences are
/// outages, not samples of the heartbeat rate; the cap is what lets the window
/// keep its sum in 64 and its sum of squares in 128 bits without overflow.
inline constexpr std::chrono::nanoseconds phi_accrual_max_interval = std::chrono::hours(1);

// sum <= n * max < 2^63, and n * sumsq, sum^2 <= (n * max)^2 < 2^128.
static_assert(phi_accrual_max_interval.count() <=
              std::numeric_limits<std::int64_t>::max() /
                  static_cast<std::int64_t>(phi_accrual_max_sample_size));

/// Configuration of a basic_phi_accrual_detector. The defaults are Akka's,
/// plus Cassandra's local-pause bound.
struct phi_accrual_config {
    /// phi at or above which is_available() returns false (Akka: 8).
    /// Must be greater than zero and at most phi_accrual_max_phi.
    double threshold = 8.0;

    /// How many of the latest intervals the window holds (Akka: 1000).
    /// Must be in [2, phi_accrual_max_sample_size]; the bootstrap adds two.
    std::size_t max_sample_size = 1000;

    /// Floor of the standard deviation, so perfectly regular heartbeats do not
    /// make the detector convict on the smallest jitter (Akka: 100 ms). The
    /// exponential model floors its mean with it. Must be greater than zero.
    std::chrono::nanoseconds min_std_deviation = std::chrono::milliseconds(100);

    /// Silence tolerated on top of the mean before suspicion rises: the normal
    /// model shifts its mean by this (Akka: 3 s). Must not be negative.
    std::chrono::nanoseconds acceptable_heartbeat_pause = std::chrono::seconds(3);

    /// The expected heartbeat interval, used to seed the window on the first
    /// heartbeat (Akka: 1 s). Must be greater than zero and at most 48 minutes,
    /// so that its bootstrap samples fit under phi_accrual_max_interval.
    std::chrono::nanoseconds first_heartbeat_estimate = std::chrono::seconds(1);

    /// A gap between two is_available() calls longer than this means the
    /// observer itself stalled (GC, suspended VM); the detector then convicts
    /// nobody until a fresh heartbeat arrives (Cassandra's MAX_LOCAL_PAUSE:
    /// 5 s). Must be greater than zero.
    std::chrono::nanoseconds max_local_pause = std::chrono::seconds(5);
};

/// Checks `cfg`; the error names the field that broke a rule.
inline boost::system::result<void, config_error>
validate(phi_accrual_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return config_error{error::invalid_config, field, rule};
    };
    using std::chrono::nanoseconds;
    if (!(cfg.threshold > 0.0)) // also rejects NaN
        return fail("phi_accrual_config.threshold", "must be greater than zero");
    if (cfg.threshold > phi_accrual_max_phi)
        return fail("phi_accrual_config.threshold",
                    "must not exceed 300, the value at which phi saturates");
    if (cfg.max_sample_size < 2)
        return fail("phi_accrual_config.max_sample_size",
                    "must be at least 2 (the bootstrap adds two samples)");
    if (cfg.max_sample_size > phi_accrual_max_sample_size)
        return fail("phi_accrual_config.max_sample_size",
                    "must not exceed 1048576 (keeps the running sums exact)");
    if (cfg.min_std_deviation <= nanoseconds::zero())
        return fail("phi_accrual_config.min_std_deviation", "must be greater than zero");
    if (cfg.acceptable_heartbeat_pause < nanoseconds::zero())
        return fail("phi_accrual_config.acceptable_heartbeat_pause", "must not be negative");
    if (cfg.first_heartbeat_estimate <= nanoseconds::zero())
        return fail("phi_accrual_config.first_heartbeat_estimate", "must be greater than zero");
    // estimate * 5/4, the larger bootstrap sample, must not exceed the cap.
    if (cfg.first_heartbeat_estimate > phi_accrual_max_interval / 5 * 4)
        return fail("phi_accrual_config.first_heartbeat_estimate",
                    "must not exceed 48 minutes (its bootstrap samples must fit the "
                    "1 hour interval cap)");
    if (cfg.max_local_pause <= nanoseconds::zero())
        return fail("phi_accrual_config.max_local_pause", "must be greater than zero");
    return {};
}

/// Akka's model: heartbeat intervals are normally distributed, with the mean
/// shifted by acceptable_heartbeat_pause and the standard deviation floored at
/// min_std_deviation; phi = -log10(1 - F(elapsed)) with F the logistic
/// approximation of the normal CDF.
///
/// A model is a policy of basic_phi_accrual_detector. It is constructed from
/// the (validated) configuration and provides
/// - `parameters`, what fit() derives from the window;
/// - `parameters fit(double mean_ns, double variance_ns2) const noexcept`,
///   called after every change of the window;
/// - `double phi(double elapsed_ns, parameters const&) const noexcept`,
///   non-decreasing in elapsed_ns, in [0, phi_accrual_max_phi];
/// - `double conviction_elapsed_ns(parameters const&) const noexcept`, about
///   where phi reaches the threshold.
class normal_model {
public:
    /// The coefficients of Akka's logistic approximation of the normal CDF:
    /// F(y) ~ 1 / (1 + exp(-y * (linear + cubic * y^2))).
    static constexpr double linear = 1.5976;
    static constexpr double cubic = 0.070566;

    /// The fitted distribution of the next heartbeat's arrival.
    struct parameters {
        double mean_ns = 0.0;            ///< window mean + acceptable_heartbeat_pause
        double std_deviation_ns = 1.0;   ///< window standard deviation, floored
        double inv_std_deviation = 1.0;  ///< 1 / std_deviation_ns
    };

    explicit normal_model(phi_accrual_config const& cfg) noexcept
        : pause_ns_(static_cast<double>(cfg.acceptable_heartbeat_pause.count())),
          min_std_deviation_ns_(static_cast<double>(cfg.min_std_deviation.count())),
          y_threshold_(solve_exponent(
              std::log(std::expm1(cfg.threshold * std::numbers::ln10)))) {}

    parameters fit(double mean_ns, double variance_ns2) const noexcept {
        double const sd = std::max(std::sqrt(variance_ns2), min_std_deviation_ns_);
        return {mean_ns + pause_ns_, sd, 1.0 / sd};
    }

    /// With y = (elapsed - mean) / sd and f = y * (linear + cubic * y^2), Akka
    /// computes -log10(e / (1 + e)), e = exp(-f) (and 1 - 1 / (1 + e), the
    /// same value, below the mean). Both equal log10(1 + exp(f)), a single
    /// expression that composes non-decreasing steps, so it is monotone in
    /// elapsed; f is capped where exp() would overflow and phi at the maximum.
    double phi(double elapsed_ns, parameters const& p) const noexcept {
        double const y = (elapsed_ns - p.mean_ns) * p.inv_std_deviation;
        double const f = y * (linear + cubic * y * y);
        return std::min(std::log10(1.0 + std::exp(std::min(f, 700.0))), phi_accrual_max_phi);
    }

    /// The elapsed time at which phi reaches the threshold (to rounding).
    double conviction_elapsed_ns(parameters const& p) const noexcept {
        return p.mean_ns + y_threshold_ * p.std_deviation_ns;
    }

private:
    // Solves linear * y + cubic * y^3 = c (strictly increasing, so one real
    // root) by Cardano's formula, polished by one Newton step.
    static double solve_exponent(double c) noexcept {
        double const p = linear / cubic;
        double const q = -c / cubic;
        double const d = std::sqrt(q * q / 4.0 + p * p * p / 27.0);
        double y = std::cbrt(-q / 2.0 + d) + std::cbrt(-q / 2.0 - d);
        y -= (y * (linear + cubic * y * y) - c) / (linear + 3.0 * cubic * y * y);
        return y;
    }

    double pause_ns_;
    double min_std_deviation_ns_;
    double y_threshold_;  // the y at which phi equals the threshold
};

/// Cassandra's model: heartbeats are a Poisson process, so the silence is
/// exponentially distributed and phi = elapsed / mean * log10(e). Unlike the
/// normal model it has no pause shift: acceptable_heartbeat_pause is ignored.
/// An exponential distribution's standard deviation is its mean, so
/// min_std_deviation floors the mean.
class exponential_model {
public:
    struct parameters {
        double mean_ns = 1.0;     ///< window mean, floored at min_std_deviation
        double phi_per_ns = 0.0;  ///< log10(e) / mean_ns
    };

    explicit exponential_model(phi_accrual_config const& cfg) noexcept
        : min_mean_ns_(static_cast<double>(cfg.min_std_deviation.count())),
          threshold_(cfg.threshold) {}

    parameters fit(double mean_ns, double /*variance_ns2*/) const noexcept {
        double const mean = std::max(mean_ns, min_mean_ns_);
        return {mean, std::numbers::log10e / mean};
    }

    double phi(double elapsed_ns, parameters const& p) const noexcept {
        return std::min(elapsed_ns * p.phi_per_ns, phi_accrual_max_phi);
    }

    double conviction_elapsed_ns(parameters const& p) const noexcept {
        return threshold_ / p.phi_per_ns;
    }

private:
    double min_mean_ns_;
    double threshold_;
};

/// A phi accrual failure detector for one monitored peer.
///
/// Feed it the arrival time of every heartbeat from the peer and ask phi() or
/// is_available() whenever a verdict is needed. Time is a
/// std::chrono::nanoseconds from any monotonic epoch the caller chooses (a
/// simulator passes virtual time); the time_point overloads take
/// time_since_epoch(). heartbeat() and phi() are O(1) and allocate nothing:
/// the window is a ring buffer allocated once, with running sums.
///
/// Not thread-safe: one detector per peer, used from one strand.
template <class Model = normal_model>
class basic_phi_accrual_detector {
public:
    using model_type = Model;

    /// Throws boost::system::system_error naming the field if `cfg` is invalid.
    explicit basic_phi_accrual_detector(phi_accrual_config cfg = {})
        : cfg_(checked(cfg)), model_(cfg_), window_(cfg_.max_sample_size) {}

    /// Records a heartbeat that arrived at `now`.
    ///
    /// The first heartbeat seeds the window as Akka does, with the two samples
    /// estimate -/+ estimate / 4 (estimate = first_heartbeat_estimate). Later
    /// ones record the interval since the previous heartbeat, clamped to
    /// phi_accrual_max_interval, except that the interval is not recorded (the
    /// heartbeat only re-anchors the time of the last one)
    /// - while paused(): the interval spans the observer's own stall;
    /// - when the peer was already convicted (phi >= threshold) as the
    ///   heartbeat arrived: as in Akka, an outage would skew the statistics.
    /// A heartbeat earlier than the previous one is ignored.
    void heartbeat(std::chrono::nanoseconds now) noexcept {
        std::int64_t const t = now.count();
        if (!has_heartbeat_) {
            std::int64_t const estimate = cfg_.first_heartbeat_estimate.count();
            window_.push(estimate - estimate / 4);
            window_.push(estimate + estimate / 4);
            has_heartbeat_ = true;
            last_heartbeat_ = t;
            paused_ = false;
            refit();
            return;
        }
        if (t < last_heartbeat_)
            return;
        std::uint64_t const interval = distance(last_heartbeat_, t);
        last_heartbeat_ = t;
        if (paused_) {
            paused_ = false;
            return;
        }
        if (static_cast<double>(interval) >= conviction_elapsed_ns_)
            return;
        window_.push(static_cast<std::int64_t>(std::min(
            interval, static_cast<std::uint64_t>(phi_accrual_max_interval.count()))));
        refit();
    }

    /// The suspicion level at `now`: 0 before the first heartbeat, otherwise
    /// non-decreasing in `now` until the next heartbeat, finite, and at most
    /// phi_accrual_max_phi. A `now` before the last heartbeat counts as no
    /// time elapsed.
    double phi(std::chrono::nanoseconds now) const noexcept {
        if (!has_heartbeat_)
            return 0.0;
        std::int64_t const t = now.count();
        double const elapsed =
            t <= last_heartbeat_ ? 0.0 : static_cast<double>(distance(last_heartbeat_, t));
        return model_.phi(elapsed, params_);
    }

    /// Whether the peer counts as up at `now`: phi(now) < threshold, unless the
    /// local-pause guard holds. The detector remembers when it was last asked;
    /// a gap longer than max_local_pause since the previous call means the
    /// observer itself stalled, so this returns true and the detector stays
    /// paused() until the next heartbeat (as Cassandra skips convictions after
    /// a local pause).
    bool is_available(std::chrono::nanoseconds now) noexcept {
        std::int64_t const t = now.count();
        if (has_check_ && t > last_check_ &&
            distance(last_check_, t) > static_cast<std::uint64_t>(cfg_.max_local_pause.count()))
            paused_ = true;
        if (!has_check_ || t > last_check_)
            last_check_ = t;
        has_check_ = true;
        return paused_ || phi(now) < cfg_.threshold;
    }

    /// Arms the local-pause guard: no conviction until the next heartbeat,
    /// whose interval is not recorded. A membership layer that detects a
    /// process-wide pause arms every detector with it.
    void note_local_pause() noexcept { paused_ = true; }

    /// Whether the local-pause guard holds.
    bool paused() const noexcept { return paused_; }

    /// The earliest time at which is_available() can turn false if no
    /// heartbeat arrives: the last heartbeat plus the model's conviction
    /// point (to rounding: phi may still be a hair under the threshold then,
    /// and is over it 1 µs later). nanoseconds::max() before the first
    /// heartbeat and while paused(). Lets a caller schedule one check at the
    /// right moment instead of polling phi.
    std::chrono::nanoseconds conviction_time() const noexcept {
        if (!has_heartbeat_ || paused_) return std::chrono::nanoseconds::max();
        double const at = static_cast<double>(last_heartbeat_) + conviction_elapsed_ns_;
        double const limit = static_cast<double>(std::numeric_limits<std::int64_t>::max()) / 2;
        if (!(at < limit)) return std::chrono::nanoseconds::max();
        return std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(at)));
    }

    /// How many intervals the window holds (two after the first heartbeat).
    std::size_t sample_count() const noexcept { return window_.size(); }

    /// The mean of the window's intervals in milliseconds, without the pause
    /// shift or any floor; 0 before the first heartbeat.
    double mean_interval_ms() const noexcept { return window_.mean() / 1e6; }

    /// The (population) standard deviation of the window's intervals in
    /// milliseconds, without the min_std_deviation floor; 0 before the first
    /// heartbeat.
    double std_deviation_ms() const noexcept { return std::sqrt(window_.variance()) / 1e6; }

    phi_accrual_config const& config() const noexcept { return cfg_; }

    template <class Clock, class Duration>
    void heartbeat(std::chrono::time_point<Clock, Duration> now) noexcept {
        heartbeat(since_epoch(now));
    }

    template <class Clock, class Duration>
    double phi(std::chrono::time_point<Clock, Duration> now) const noexcept {
        return phi(since_epoch(now));
    }

    template <class Clock, class Duration>
    bool is_available(std::chrono::time_point<Clock, Duration> now) noexcept {
        return is_available(since_epoch(now));
    }

private:
    static phi_accrual_config const& checked(phi_accrual_config const& cfg) {
        validate(cfg).value();
        return cfg;
    }

    template <class Clock, class Duration>
    static std::chrono::nanoseconds since_epoch(std::chrono::time_point<Clock, Duration> tp) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch());
    }

    // to - from for from <= to, without signed overflow at extreme times.
    static std::uint64_t distance(std::int64_t from, std::int64_t to) noexcept {
        return static_cast<std::uint64_t>(to) - static_cast<std::uint64_t>(from);
    }

    void refit() noexcept {
        params_ = model_.fit(window_.mean(), window_.variance());
        conviction_elapsed_ns_ = model_.conviction_elapsed_ns(params_);
    }

    phi_accrual_config cfg_;
    Model model_;
    detail::interval_window window_;
    typename Model::parameters params_{};
    double conviction_elapsed_ns_ = 0.0;
    std::int64_t last_heartbeat_ = 0;
    std::int64_t last_check_ = 0;
    bool has_heartbeat_ = false;
    bool has_check_ = false;
    bool paused_ = false;
};

/// The detector with Akka's normal model.
using phi_accrual_detector = basic_phi_accrual_detector<normal_model>;

} // namespace cohort

#endif // COHORT_PHI_ACCRUAL_HPP
