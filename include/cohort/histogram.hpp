// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_HISTOGRAM_HPP
#define COHORT_HISTOGRAM_HPP

// fixed_histogram: Prometheus-style buckets fixed at construction, for
// latencies in seconds (or any value in base units).
//
// observe() is a binary search over the bounds and two relaxed atomic
// additions: no lock, any thread, cheap enough for a per-call hot path.
// snapshot() reads every bucket; it is not atomic across buckets (an
// observation may land between two reads), so _sum may lag _count by the
// observations under way, as in most client libraries. The buckets and
// _count always agree: _count is the sum of the buckets read.
//
// Bucket i counts values v with bounds[i-1] < v <= bounds[i] (Prometheus'
// `le` is inclusive); the last bucket counts values above every bound. NaN
// is not counted.

#include <boost/assert.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

namespace cohort {

/// A histogram's buckets as read once (see fixed_histogram::snapshot()).
struct histogram_snapshot {
    std::span<double const> bounds;      ///< upper bounds, ascending (without +Inf)
    /// per bucket, not cumulative: bounds.size() + 1 (an empty snapshot has
    /// the +Inf bucket alone)
    std::vector<std::uint64_t> buckets = std::vector<std::uint64_t>(1);
    double sum = 0.0;                    ///< sum of the values counted

    /// Every value counted.
    std::uint64_t count() const noexcept {
        std::uint64_t n = 0;
        for (auto b : buckets) n += b;
        return n;
    }
};

/// Fixed buckets, relaxed atomic counts (see the top of this header).
class fixed_histogram {
public:
    /// Buckets with these upper bounds: finite, strictly ascending, at least one.
    explicit fixed_histogram(std::vector<double> bounds)
        : bounds_(std::move(bounds)),
          counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
        BOOST_ASSERT(!bounds_.empty());
        BOOST_ASSERT(std::is_sorted(bounds_.begin(), bounds_.end()));
        BOOST_ASSERT(std::adjacent_find(bounds_.begin(), bounds_.end()) == bounds_.end());
        BOOST_ASSERT(std::all_of(bounds_.begin(), bounds_.end(),
                                 [](double b) { return std::isfinite(b); }));
    }
    fixed_histogram(std::initializer_list<double> bounds)
        : fixed_histogram(std::vector<double>(bounds)) {}

    /// Request and call latencies from 0.5 ms to 10 s, in seconds.
    static std::vector<double> latency_bounds() {
        return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    }
    /// Network round trips from 50 us (loopback) to 2.5 s, in seconds.
    static std::vector<double> round_trip_bounds() {
        return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                0.01,    0.025,  0.05,    0.1,    0.25,  0.5,   1, 2.5};
    }

    fixed_histogram(fixed_histogram const&) = delete;
    fixed_histogram& operator=(fixed_histogram const&) = delete;

    /// Counts `v`; any thread.
    void observe(double v) noexcept {
        if (std::isnan(v)) return;
        auto const i = static_cast<std::size_t>(
            std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
        counts_[i].fetch_add(1, std::memory_order_relaxed);
        // A CAS loop rather than atomic<double>::fetch_add: the same code on
        // every standard library.
        std::uint64_t old = sum_bits_.load(std::memory_order_relaxed);
        while (!sum_bits_.compare_exchange_weak(old, to_bits(from_bits(old) + v),
                                                std::memory_order_relaxed))
            ;
    }

    /// Counts a duration, in seconds.
    template <class Rep, class Period>
    void observe(std::chrono::duration<Rep, Period> d) noexcept {
        observe(std::chrono::duration<double>(d).count());
    }

    std::span<double const> bounds() const noexcept { return bounds_; }

    /// The buckets now; any thread.
    histogram_snapshot snapshot() const {
        histogram_snapshot s;
        s.bounds = bounds_;
        s.buckets.resize(bounds_.size() + 1);
        for (std::size_t i = 0; i < s.buckets.size(); ++i)
            s.buckets[i] = counts_[i].load(std::memory_order_relaxed);
        s.sum = from_bits(sum_bits_.load(std::memory_order_relaxed));
        return s;
    }

private:
    static std::uint64_t to_bits(double d) noexcept { return std::bit_cast<std::uint64_t>(d); }
    static double from_bits(std::uint64_t u) noexcept { return std::bit_cast<double>(u); }

    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<std::uint64_t> sum_bits_{0};  // a double's bits (0 is +0.0)
};

} // namespace cohort

#endif // COHORT_HISTOGRAM_HPP
