// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

#include <cohort/phi_accrual.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

// ThreadSanitizer's runtime defines operator new itself, so the allocation
// counter below is left out of the TSan build; the g++, clang++ and ASan
// builds of tools/test.sh all run it.
#if defined(__SANITIZE_THREAD__)
#define COHORT_TEST_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COHORT_TEST_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef COHORT_TEST_COUNT_ALLOCATIONS
#define COHORT_TEST_COUNT_ALLOCATIONS 1
#endif

#if COHORT_TEST_COUNT_ALLOCATIONS
// Counts every allocation in this test executable (the only replacement of
// operator new in it), so a test can prove the detector allocates nothing
// after construction. All forms are replaced so that each pair matches.
namespace {

std::atomic<std::size_t> allocation_count{0};

void* allocate_or_null(std::size_t size, std::size_t align) noexcept {
    if (size == 0)
        size = 1;
    if (align <= alignof(std::max_align_t))
        return std::malloc(size);
    return std::aligned_alloc(align, (size + align - 1) / align * align);
}

void* allocate(std::size_t size, std::size_t align) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    for (;;) {
        if (void* p = allocate_or_null(size, align))
            return p;
        std::new_handler const handler = std::get_new_handler();
        if (!handler)
            throw std::bad_alloc();
        handler();
    }
}

void* allocate_nothrow(std::size_t size, std::size_t align) noexcept {
    try {
        return allocate(size, align);
    } catch (...) {
        return nullptr;
    }
}

} // namespace

void* operator new(std::size_t n) { return allocate(n, 0); }
void* operator new[](std::size_t n) { return allocate(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) {
    return allocate(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return allocate(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, std::nothrow_t const&) noexcept { return allocate_nothrow(n, 0); }
void* operator new[](std::size_t n, std::nothrow_t const&) noexcept {
    return allocate_nothrow(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a, std::nothrow_t const&) noexcept {
    return allocate_nothrow(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, std::nothrow_t const&) noexcept {
    return allocate_nothrow(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::nothrow_t const&) noexcept { std::free(p); }
void operator delete[](void* p, std::nothrow_t const&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, std::nothrow_t const&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, std::nothrow_t const&) noexcept {
    std::free(p);
}
#endif // COHORT_TEST_COUNT_ALLOCATIONS

namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using cohort::basic_phi_accrual_detector;
using cohort::exponential_model;
using cohort::normal_model;
using cohort::phi_accrual_config;
using cohort::phi_accrual_detector;

namespace tt = boost::test_tools;

using exponential_detector = basic_phi_accrual_detector<exponential_model>;

constexpr std::int64_t ns_max = std::numeric_limits<std::int64_t>::max();

// Heartbeats at `start`, then `count` more every `interval`; returns the last.
template <class D>
nanoseconds beat_regularly(D& d, nanoseconds start, nanoseconds interval, int count) {
    d.heartbeat(start);
    for (int i = 1; i <= count; ++i)
        d.heartbeat(start + i * interval);
    return start + count * interval;
}

// Asserts phi is finite, within [0, max], and non-decreasing along `times`
// (which must be increasing); reports the first violation only.
template <class D, class Times>
void require_monotone(D const& d, Times const& times) {
    double prev = -1.0;
    std::int64_t prev_t = 0;
    for (std::int64_t t : times) {
        double const v = d.phi(nanoseconds(t));
        if (!std::isfinite(v) || v < 0.0 || v > cohort::phi_accrual_max_phi) {
            BOOST_TEST(std::isfinite(v), "phi out of range at t=" << t << ": " << v);
            BOOST_TEST(v >= 0.0);
            BOOST_TEST(v <= cohort::phi_accrual_max_phi);
            return;
        }
        if (v < prev) {
            BOOST_TEST(v >= prev, "phi decreased from " << prev << " at t=" << prev_t << " to "
                                                        << v << " at t=" << t);
            return;
        }
        prev = v;
        prev_t = t;
    }
}

std::vector<std::int64_t> linear_times(std::int64_t from, std::int64_t step, std::int64_t n) {
    std::vector<std::int64_t> v;
    v.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
        v.push_back(from + i * step);
    return v;
}

// From `last` (exclusive) up to INT64_MAX, growing the step geometrically.
std::vector<std::int64_t> geometric_times(std::int64_t last) {
    std::vector<std::int64_t> v;
    double elapsed = 1.0;
    double const room = static_cast<double>(static_cast<std::uint64_t>(ns_max) -
                                            static_cast<std::uint64_t>(last));
    while (elapsed < room) {
        v.push_back(static_cast<std::int64_t>(static_cast<std::uint64_t>(last) +
                                              static_cast<std::uint64_t>(elapsed)));
        elapsed = elapsed * 1.001 + 1.0;
    }
    v.push_back(ns_max);
    return v;
}

// The first t in [lo, hi] with phi(t) >= level, to the nanosecond; phi(hi) must reach it.
template <class D>
std::int64_t first_reaching(D const& d, double level, std::int64_t lo, std::int64_t hi) {
    while (lo < hi) {
        std::int64_t const mid = static_cast<std::int64_t>(
            static_cast<std::uint64_t>(lo) +
            (static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo)) / 2);
        if (d.phi(nanoseconds(mid)) >= level)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

// Every monotonicity check for one detector whose last heartbeat was at `last`.
template <class D>
void sweep(D const& d, std::int64_t last) {
    // 1 ms steps from 10 s before the heartbeat to 130 s after it.
    require_monotone(d, linear_times(last - 10'000'000'000, 1'000'000, 140'000));
    // 1 ns steps around the threshold crossing and the start of saturation.
    std::int64_t const hi = ns_max;
    std::int64_t const cross = first_reaching(d, 8.0, last, hi);
    std::int64_t const sat = first_reaching(d, cohort::phi_accrual_max_phi, last, hi);
    require_monotone(d, linear_times(cross - 50'000, 1, 100'000));
    require_monotone(d, linear_times(sat - 50'000, 1, 100'000));
    // Out to the end of time.
    require_monotone(d, geometric_times(last));
    BOOST_TEST(d.phi(nanoseconds(ns_max)) == cohort::phi_accrual_max_phi);
}

struct custom_clock {
    using duration = std::chrono::milliseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<custom_clock>;
};

} // namespace

BOOST_AUTO_TEST_SUITE(phi_accrual)

BOOST_AUTO_TEST_CASE(default_config_matches_akka_and_cassandra) {
    phi_accrual_config const cfg;
    BOOST_TEST(cfg.threshold == 8.0);
    BOOST_TEST(cfg.max_sample_size == 1000u);
    BOOST_TEST(cfg.min_std_deviation.count() == nanoseconds(100ms).count());
    BOOST_TEST(cfg.acceptable_heartbeat_pause.count() == nanoseconds(3s).count());
    BOOST_TEST(cfg.first_heartbeat_estimate.count() == nanoseconds(1s).count());
    BOOST_TEST(cfg.max_local_pause.count() == nanoseconds(5s).count());
    BOOST_TEST(!cohort::validate(cfg).has_error());
}

BOOST_AUTO_TEST_CASE(before_first_heartbeat) {
    phi_accrual_detector d;
    BOOST_TEST(d.phi(0ns) == 0.0);
    BOOST_TEST(d.phi(1000s) == 0.0);
    BOOST_TEST(d.phi(nanoseconds(ns_max)) == 0.0);
    BOOST_TEST(d.is_available(1000s));
    BOOST_TEST(d.sample_count() == 0u);
    BOOST_TEST(d.mean_interval_ms() == 0.0);
    BOOST_TEST(d.std_deviation_ms() == 0.0);
    BOOST_TEST(!d.paused());

    exponential_detector e;
    BOOST_TEST(e.phi(1000s) == 0.0);
    BOOST_TEST(e.is_available(1000s));
}

BOOST_AUTO_TEST_CASE(bootstrap_statistics) {
    // Akka: samples estimate - estimate/4 and estimate + estimate/4, so the
    // mean is the estimate and the standard deviation a quarter of it.
    phi_accrual_detector d;
    d.heartbeat(7s);
    BOOST_TEST(d.sample_count() == 2u);
    BOOST_TEST(d.mean_interval_ms() == 1000.0);
    BOOST_TEST(d.std_deviation_ms() == 250.0);

    phi_accrual_config cfg;
    cfg.first_heartbeat_estimate = 3s;
    cfg.max_sample_size = 2;
    phi_accrual_detector d3(cfg);
    d3.heartbeat(-5s);
    BOOST_TEST(d3.sample_count() == 2u);
    BOOST_TEST(d3.mean_interval_ms() == 3000.0);
    BOOST_TEST(d3.std_deviation_ms() == 750.0);
}

BOOST_AUTO_TEST_CASE(normal_phi_by_hand_after_bootstrap) {
    // History {750, 1250} ms: mean 1000, sd 250 (above the 100 ms floor); the
    // model shifts the mean by the 3 s pause to 4000 ms. Akka's formula, with
    // t the elapsed time in ms:
    //   y = (t - 4000) / 250, e = exp(-y * (1.5976 + 0.070566 * y^2)),
    //   phi = t > 4000 ? -log10(e / (1 + e)) : -log10(1 - 1 / (1 + e)).
    // E.g. t = 5000: y = 4, y * (1.5976 + 0.070566 * 16) = 10.906624,
    // phi = -log10(e^-10.906624 / (1 + e^-10.906624)) = 4.7366945827...
    // Literals below printed by python3 with exactly this formula.
    phi_accrual_detector d;
    d.heartbeat(100s);
    auto const at = [&](std::int64_t ms) { return d.phi(100s + std::chrono::milliseconds(ms)); };
    BOOST_TEST(at(0) == 0.0, tt::tolerance(1e-15));
    BOOST_TEST(at(1000) == 0.0, tt::tolerance(1e-15));
    BOOST_TEST(at(3000) == 7.963311608865193e-06, tt::tolerance(1e-9));
    BOOST_TEST(at(3500) == 0.009998761629963108, tt::tolerance(1e-12));
    BOOST_TEST(at(4000) == 0.3010299956639812, tt::tolerance(1e-12));
    BOOST_TEST(at(4250) == 0.7995083208395598, tt::tolerance(1e-12));
    BOOST_TEST(at(4500) == 1.6428278854871123, tt::tolerance(1e-12));
    BOOST_TEST(at(5000) == 4.736694582705181, tt::tolerance(1e-12));
    BOOST_TEST(at(6000) == 21.241600212221336, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(crossing_at_4_52_s_with_1_s_heartbeats) {
    // Bootstrap {750, 1250} plus 20 intervals of 1000 ms: n = 22, mean exactly
    // 1000 ms, sd = sqrt(2 * 250^2 / 22) = 75.3778... ms, below the 100 ms floor.
    // So y = (t - 4000) / 100 and (python3, formula as above):
    //   phi(4500) = 7.299947394460206, phi(4520) = 7.917042542997102,
    //   phi(4540) = 8.572384441615007; bisection: phi = 8 at t = 4522.5987 ms.
    phi_accrual_detector d;
    nanoseconds const last = beat_regularly(d, 42s, 1s, 20);
    BOOST_TEST(d.sample_count() == 22u);
    BOOST_TEST(d.mean_interval_ms() == 1000.0);
    BOOST_TEST(d.std_deviation_ms() == 75.3778361444409, tt::tolerance(1e-12));

    BOOST_TEST(d.phi(last + 4500ms) == 7.299947394460206, tt::tolerance(1e-12));
    BOOST_TEST(d.phi(last + 4520ms) == 7.917042542997102, tt::tolerance(1e-12));
    BOOST_TEST(d.phi(last + 4540ms) == 8.572384441615007, tt::tolerance(1e-12));
    BOOST_TEST(d.phi(last + 4500ms) < 8.0);
    BOOST_TEST(d.phi(last + 4540ms) > 8.0);
    BOOST_TEST(d.is_available(last + 4500ms));
    BOOST_TEST(!d.is_available(last + 4540ms));

    std::int64_t const cross = first_reaching(d, 8.0, last.count(), last.count() + 60'000'000'000);
    std::int64_t const after = cross - last.count();
    BOOST_TEST(after >= 4'510'000'000);
    BOOST_TEST(after <= 4'530'000'000);
    BOOST_TEST(static_cast<double>(after) == 4'522'598'664.0, tt::tolerance(1e-6));

    // The model's inverse agrees (it decides which intervals are recorded).
    phi_accrual_config const cfg;
    normal_model const m(cfg);
    auto const p = m.fit(1e9, 0.0);
    BOOST_TEST(m.conviction_elapsed_ns(p) == 4'522'598'664.0, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(exponential_phi_by_hand) {
    // Cassandra: phi = t / mean * log10(e), log10(e) = 0.4342944819032518.
    // After the bootstrap the mean is 1000 ms: t = 500, 1000, 2000 ms give
    // 0.2171472409516259, 0.4342944819032518, 0.8685889638065036; phi = 8 at
    // t = 8 / log10(e) s = 18.420680743952367 s. No pause shift: changing
    // acceptable_heartbeat_pause changes nothing.
    phi_accrual_config cfg;
    cfg.acceptable_heartbeat_pause = 0s;
    for (auto const& c : {phi_accrual_config{}, cfg}) {
        exponential_detector d(c);
        d.heartbeat(1s);
        BOOST_TEST(d.phi(1s) == 0.0);
        BOOST_TEST(d.phi(1500ms) == 0.2171472409516259, tt::tolerance(1e-14));
        BOOST_TEST(d.phi(2s) == 0.4342944819032518, tt::tolerance(1e-14));
        BOOST_TEST(d.phi(3s) == 0.8685889638065036, tt::tolerance(1e-14));
        BOOST_TEST(d.phi(1s + 18400ms) < 8.0);
        BOOST_TEST(d.phi(1s + 18440ms) > 8.0);
        std::int64_t const cross = first_reaching(d, 8.0, 1'000'000'000, 100'000'000'000);
        BOOST_TEST(static_cast<double>(cross - 1'000'000'000) == 18'420'680'744.0,
                   tt::tolerance(1e-8));
    }

    // Intervals of 2 s after the bootstrap is evicted: mean 2000 ms, so
    // phi(t) = t / 2000 * log10(e): 0.4342944819032518 at t = 2 s.
    phi_accrual_config small;
    small.max_sample_size = 4;
    exponential_detector d(small);
    nanoseconds const last = beat_regularly(d, 0s, 2s, 10);
    BOOST_TEST(d.mean_interval_ms() == 2000.0);
    BOOST_TEST(d.phi(last + 2s) == 0.4342944819032518, tt::tolerance(1e-14));
    BOOST_TEST(d.phi(last + 4s) == 0.8685889638065036, tt::tolerance(1e-14));

    // The mean is floored at min_std_deviation (the exponential's sd is its
    // mean): with a 2 s floor over a 1 s mean, phi(2 s) = 2 / 2 * log10(e).
    phi_accrual_config floored;
    floored.min_std_deviation = 2s;
    exponential_detector f(floored);
    f.heartbeat(0s);
    BOOST_TEST(f.mean_interval_ms() == 1000.0);
    BOOST_TEST(f.phi(2s) == 0.4342944819032518, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(monotone_sweep_normal) {
    {   // bootstrap only: mean 4 s after the shift, sd 250 ms
        phi_accrual_detector d;
        d.heartbeat(3s);
        sweep(d, nanoseconds(3s).count());
    }
    {   // floored at 100 ms; last heartbeat far before the epoch
        phi_accrual_detector d;
        nanoseconds const last = beat_regularly(d, -4'000'000'000s, 1s, 30);
        sweep(d, last.count());
    }
    {   // wide jitter, no pause, tiny floor
        phi_accrual_config cfg;
        cfg.acceptable_heartbeat_pause = 0s;
        cfg.min_std_deviation = 1ns;
        phi_accrual_detector d(cfg);
        std::mt19937_64 rng(7);
        std::int64_t t = 0;
        d.heartbeat(nanoseconds(t));
        for (int i = 0; i < 200; ++i) {
            t += 500'000'000 + static_cast<std::int64_t>(rng() % 1'000'000'000);
            d.heartbeat(nanoseconds(t));
        }
        sweep(d, t);
    }
}

BOOST_AUTO_TEST_CASE(monotone_sweep_exponential) {
    {
        exponential_detector d;
        d.heartbeat(3s);
        sweep(d, nanoseconds(3s).count());
    }
    {
        exponential_detector d;
        nanoseconds const last = beat_regularly(d, -4'000'000'000s, 1s, 30);
        sweep(d, last.count());
    }
}

BOOST_AUTO_TEST_CASE(phi_saturates_at_max_phi) {
    // Normal, sd 100 ms: y * (1.5976 + 0.070566 y^2) reaches 300 ln 10 =
    // 690.78 at y = 21.039 (python3 bisection), i.e. 2.1039 s after the
    // shifted mean of 4 s. Before, e.g. y = 18: f = 440.297712, phi =
    // log10(1 + e^f) = 191.2188667162272; from there on exactly 300.
    phi_accrual_detector d;
    nanoseconds const last = beat_regularly(d, 0s, 1s, 20);
    BOOST_TEST(d.phi(last + 5800ms) == 191.2188667162272, tt::tolerance(1e-12));
    BOOST_TEST(d.phi(last + 6100ms) < cohort::phi_accrual_max_phi);
    BOOST_TEST(d.phi(last + 6104ms) == cohort::phi_accrual_max_phi);
    BOOST_TEST(d.phi(last + 1000000s) == cohort::phi_accrual_max_phi);
    BOOST_TEST(d.phi(nanoseconds(ns_max)) == cohort::phi_accrual_max_phi);
    BOOST_TEST(!d.is_available(nanoseconds(ns_max)));

    // Exponential, mean 1 s: t * log10(e) reaches 300 at t = 690.78 s.
    exponential_detector e;
    nanoseconds const elast = beat_regularly(e, 0s, 1s, 20);
    BOOST_TEST(e.phi(elast + 690s) == 690.0 * 0.4342944819032518, tt::tolerance(1e-12));
    BOOST_TEST(e.phi(elast + 691s) == cohort::phi_accrual_max_phi);
    BOOST_TEST(e.phi(nanoseconds(ns_max)) == cohort::phi_accrual_max_phi);
}

BOOST_AUTO_TEST_CASE(window_eviction_exact) {
    phi_accrual_config cfg;
    cfg.max_sample_size = 10;
    phi_accrual_detector d(cfg);
    std::int64_t t = 0;
    auto const beat = [&](std::int64_t interval_ms) {
        t += interval_ms * 1'000'000;
        d.heartbeat(nanoseconds(t));
    };
    d.heartbeat(nanoseconds(t));
    BOOST_TEST(d.mean_interval_ms() == 1000.0);
    for (int i = 0; i < 20; ++i)
        beat(1000);
    // The bootstrap samples are gone: exactly 1000 ms, no spread.
    BOOST_TEST(d.sample_count() == 10u);
    BOOST_TEST(d.mean_interval_ms() == 1000.0);
    BOOST_TEST(d.std_deviation_ms() == 0.0);

    for (int i = 0; i < 5; ++i) {
        beat(1400);
        beat(1600);
    }
    BOOST_TEST(d.sample_count() == 10u);
    BOOST_TEST(d.mean_interval_ms() == 1500.0);
    BOOST_TEST(d.std_deviation_ms() == 100.0);

    // Half evicted: window {1600, 1400, 1600, 1400, 1600, 2000 x 5}:
    // mean 17600 / 10 = 1760 ms; variance 31600000 / 10 - 1760^2 = 62400 ms^2.
    for (int i = 0; i < 5; ++i)
        beat(2000);
    BOOST_TEST(d.mean_interval_ms() == 1760.0);
    BOOST_TEST(d.std_deviation_ms() == std::sqrt(6.24e16) / 1e6);
    BOOST_TEST(d.std_deviation_ms() == 249.7999199359359, tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(long_run_matches_recomputation) {
    // 1,000,000 jittered heartbeats through a 1000-sample window: the running
    // sums must equal sums recomputed from the last 1000 intervals.
    phi_accrual_detector d;
    std::mt19937_64 rng(20260101);
    std::vector<std::int64_t> intervals;
    intervals.reserve(1'000'000);
    std::int64_t t = 1'000'000'000;
    d.heartbeat(nanoseconds(t));
    for (int i = 0; i < 1'000'000; ++i) {
        // 1 s +/- 300 ms, never convicting, so every interval is recorded
        std::int64_t const interval = 700'000'000 + static_cast<std::int64_t>(rng() % 600'000'001);
        t += interval;
        d.heartbeat(nanoseconds(t));
        intervals.push_back(interval);
    }
    BOOST_TEST(d.sample_count() == 1000u);

    std::int64_t sum = 0;
    for (std::size_t i = intervals.size() - 1000; i < intervals.size(); ++i)
        sum += intervals[i];
    double const mean = static_cast<double>(sum) / 1000.0;
    BOOST_TEST(d.mean_interval_ms() == mean / 1e6);

    // Two-pass recomputation, independent of the running-sum formula.
    long double sq = 0;
    for (std::size_t i = intervals.size() - 1000; i < intervals.size(); ++i) {
        long double const dev = static_cast<long double>(intervals[i]) - mean;
        sq += dev * dev;
    }
    double const sd_two_pass = std::sqrt(static_cast<double>(sq / 1000)) / 1e6;
    BOOST_TEST(d.std_deviation_ms() == sd_two_pass, tt::tolerance(1e-9));
    BOOST_TEST(d.std_deviation_ms() > 150.0);  // uniform over 600 ms: sd ~ 173 ms
    BOOST_TEST(d.std_deviation_ms() < 200.0);

#if defined(__SIZEOF_INT128__)
    if constexpr (cohort::detail::phi_exact_variance) {
        // The same formula on fresh exact sums gives the identical double.
        __extension__ typedef unsigned __int128 u128;
        u128 sumsq = 0;
        for (std::size_t i = intervals.size() - 1000; i < intervals.size(); ++i)
            sumsq += static_cast<u128>(intervals[i]) * static_cast<u128>(intervals[i]);
        u128 const num = 1000 * sumsq - static_cast<u128>(sum) * static_cast<u128>(sum);
        double const var = static_cast<double>(num) / 1e6;
        BOOST_TEST(d.std_deviation_ms() == std::sqrt(var) / 1e6);
    }
#endif
}

BOOST_AUTO_TEST_CASE(intervals_clamped_at_the_largest_window) {
    // The largest window, filled with intervals above the 1 h cap: the sums
    // would overflow 64 bits without the cap and must stay exact with it. A
    // huge acceptable pause keeps every interval from convicting.
    phi_accrual_config cfg;
    cfg.max_sample_size = cohort::phi_accrual_max_sample_size;
    cfg.acceptable_heartbeat_pause = std::chrono::hours(1'000'000);
    phi_accrual_detector d(cfg);
    std::int64_t t = 0;
    d.heartbeat(nanoseconds(t));
    std::int64_t const two_hours = nanoseconds(std::chrono::hours(2)).count();
    d.heartbeat(nanoseconds(t += two_hours));
    // {750 ms, 1250 ms, 3600 s} (the 2 h interval clamped to 1 h)
    BOOST_TEST(d.sample_count() == 3u);
    BOOST_TEST(d.mean_interval_ms() == (750.0 + 1250.0 + 3'600'000.0) / 3.0,
               tt::tolerance(1e-15));
    for (std::size_t i = 1; i < cohort::phi_accrual_max_sample_size; ++i)
        d.heartbeat(nanoseconds(t += two_hours));
    BOOST_TEST(d.sample_count() == cohort::phi_accrual_max_sample_size);
    BOOST_TEST(d.mean_interval_ms() == 3'600'000.0);
    if constexpr (cohort::detail::phi_exact_variance)
        BOOST_TEST(d.std_deviation_ms() == 0.0);
    else
        BOOST_TEST(d.std_deviation_ms() < 1e-3);
}

BOOST_AUTO_TEST_CASE(interval_after_conviction_not_recorded) {
    // As in Akka, a heartbeat that arrives after phi reached the threshold
    // ends an outage, not a heartbeat interval; it only re-anchors.
    phi_accrual_detector before;
    nanoseconds last = beat_regularly(before, 0s, 1s, 20);
    before.heartbeat(last + 4500ms);  // phi 7.30 < 8: recorded
    BOOST_TEST(before.sample_count() == 23u);

    phi_accrual_detector after;
    last = beat_regularly(after, 0s, 1s, 20);
    after.heartbeat(last + 4600ms);  // phi > 8: not recorded
    BOOST_TEST(after.sample_count() == 22u);
    BOOST_TEST(after.mean_interval_ms() == 1000.0);
    // Re-anchored: the silence is measured from the new heartbeat.
    BOOST_TEST(after.phi(last + 4600ms + 1s) < 0.01);
    BOOST_TEST(after.is_available(last + 4600ms + 1s));
    BOOST_TEST(!after.is_available(last + 4600ms + 4540ms));
}

BOOST_AUTO_TEST_CASE(local_pause_guard) {
    phi_accrual_detector d;
    nanoseconds t = 0s;
    d.heartbeat(t);
    for (int i = 0; i < 30; ++i) {
        t += 1s;
        d.heartbeat(t);
        BOOST_TEST(d.is_available(t));
    }
    BOOST_TEST(!d.paused());
    std::size_t const samples = d.sample_count();
    double const mean = d.mean_interval_ms();

    // The observer stalls for 10 s (> 5 s): the peer looks dead, but the
    // silence is ours, so no conviction.
    nanoseconds const last = t;
    BOOST_TEST(d.phi(last + 10s) > 8.0);
    BOOST_TEST(d.is_available(last + 10s));
    BOOST_TEST(d.paused());
    // Still paused on regular polls until a heartbeat arrives.
    BOOST_TEST(d.is_available(last + 11s));
    BOOST_TEST(d.is_available(last + 12s));
    BOOST_TEST(d.phi(last + 12s) > 8.0);

    // The heartbeat re-anchors without recording the stalled interval.
    d.heartbeat(last + 12500ms);
    BOOST_TEST(!d.paused());
    BOOST_TEST(d.sample_count() == samples);
    BOOST_TEST(d.mean_interval_ms() == mean);
    BOOST_TEST(d.phi(last + 12500ms) < 1e-6);

    // Conviction works again: polled every second, the peer is convicted
    // once phi passes 8 (4.52 s after the heartbeat).
    BOOST_TEST(d.is_available(last + 13s));
    BOOST_TEST(d.is_available(last + 14s));
    BOOST_TEST(d.is_available(last + 15s));
    BOOST_TEST(d.is_available(last + 16s));
    BOOST_TEST(d.is_available(last + 17s));  // 4.5 s after the heartbeat
    BOOST_TEST(!d.is_available(last + 18s));
    BOOST_TEST(!d.paused());
}

BOOST_AUTO_TEST_CASE(local_pause_gap_bound) {
    // Only a gap longer than max_local_pause arms the guard, and the very
    // first call has no previous one to measure from.
    phi_accrual_detector d;
    d.heartbeat(0s);
    BOOST_TEST(!d.is_available(100s));  // first call: phi is huge, no gap
    BOOST_TEST(!d.paused());
    BOOST_TEST(!d.is_available(105s));  // gap exactly 5 s
    BOOST_TEST(!d.paused());
    BOOST_TEST(d.is_available(110s + 1ns));  // gap 5 s + 1 ns
    BOOST_TEST(d.paused());
}

BOOST_AUTO_TEST_CASE(stalled_interval_not_recorded) {
    // With a 10 s acceptable pause a 7 s interval is far from conviction, so
    // only the guard can keep it out of the window. Control first: the same
    // 7 s interval with the observer polling regularly is recorded.
    phi_accrual_config cfg;
    cfg.acceptable_heartbeat_pause = 10s;

    phi_accrual_detector control(cfg);
    nanoseconds last = beat_regularly(control, 0s, 1s, 30);
    BOOST_TEST(control.is_available(last));
    BOOST_TEST(control.is_available(last + 3s));
    BOOST_TEST(control.is_available(last + 6s));
    control.heartbeat(last + 7s);
    BOOST_TEST(control.sample_count() == 33u);
    BOOST_TEST(control.mean_interval_ms() > 1000.0);

    phi_accrual_detector d(cfg);
    last = beat_regularly(d, 0s, 1s, 30);
    BOOST_TEST(d.is_available(last));
    BOOST_TEST(d.is_available(last + 6s));  // a 6 s gap: the observer stalled
    BOOST_TEST(d.paused());
    d.heartbeat(last + 7s);
    BOOST_TEST(!d.paused());
    BOOST_TEST(d.sample_count() == 32u);
    BOOST_TEST(d.mean_interval_ms() == 1000.0);
    // The next interval is recorded again.
    d.heartbeat(last + 8s);
    BOOST_TEST(d.sample_count() == 33u);
}

BOOST_AUTO_TEST_CASE(note_local_pause_arms_the_guard) {
    for (bool exponential : {false, true}) {
        phi_accrual_detector n;
        exponential_detector e;
        auto check = [](auto& d) {
            nanoseconds const last = beat_regularly(d, 0s, 1s, 20);
            BOOST_TEST(d.is_available(last + 1s));
            d.note_local_pause();
            BOOST_TEST(d.paused());
            BOOST_TEST(d.phi(last + 30s) > 8.0);
            BOOST_TEST(d.is_available(last + 30s));
            std::size_t const samples = d.sample_count();
            d.heartbeat(last + 30s);
            BOOST_TEST(!d.paused());
            BOOST_TEST(d.sample_count() == samples);
            // Polled every second again, it convicts once phi passes 8.
            bool available = true;
            for (auto s = 31s; s <= 60s; s += 1s)
                available = d.is_available(last + s);
            BOOST_TEST(!available);
            BOOST_TEST(!d.paused());
        };
        if (exponential)
            check(e);
        else
            check(n);
    }
}

BOOST_AUTO_TEST_CASE(conviction_time_is_where_availability_ends) {
    for (bool exponential : {false, true}) {
        phi_accrual_detector n;
        exponential_detector e;
        auto check = [](auto& d) {
            BOOST_TEST(d.conviction_time() == nanoseconds::max());  // no heartbeat yet
            nanoseconds const last = beat_regularly(d, 0s, 1s, 20);
            nanoseconds const c = d.conviction_time();
            BOOST_TEST(c > last);
            BOOST_TEST(c < last + 1h);
            // Just before it the peer is up, 1 µs after it down: a caller that
            // checks once at c + 1 µs decides what polling would have.
            BOOST_TEST(d.phi(c - 1ms) < d.config().threshold);
            BOOST_TEST(d.is_available(c - 1ms));
            BOOST_TEST(!d.is_available(c + 1us));
            // A heartbeat moves it by the time between them.
            d.heartbeat(last + 1s);
            BOOST_TEST(d.conviction_time() > c);
            d.note_local_pause();
            BOOST_TEST(d.conviction_time() == nanoseconds::max());
        };
        if (exponential)
            check(e);
        else
            check(n);
    }
    // The normal model's conviction follows the pause shift.
    phi_accrual_config cfg;
    cfg.acceptable_heartbeat_pause = 0s;
    phi_accrual_detector no_pause(cfg);
    phi_accrual_detector akka;
    nanoseconds const last = beat_regularly(no_pause, 0s, 1s, 20);
    beat_regularly(akka, 0s, 1s, 20);
    auto const shift = akka.conviction_time() - no_pause.conviction_time();
    BOOST_TEST(shift > 2900ms);
    BOOST_TEST(shift < 3100ms);
    BOOST_TEST(no_pause.conviction_time() - last > 1s);
}

BOOST_AUTO_TEST_CASE(earlier_heartbeat_ignored) {
    phi_accrual_detector d;
    nanoseconds const last = beat_regularly(d, 0s, 1s, 20);
    double const phi = d.phi(last + 4s);
    d.heartbeat(last - 500ms);
    BOOST_TEST(d.sample_count() == 22u);
    BOOST_TEST(d.phi(last + 4s) == phi);
    // A `now` before the last heartbeat counts as no time elapsed.
    BOOST_TEST(d.phi(last - 1000s) == d.phi(last));
}

BOOST_AUTO_TEST_CASE(time_point_overloads) {
    using steady = std::chrono::steady_clock;
    phi_accrual_detector a;
    phi_accrual_detector b;
    phi_accrual_detector c;
    for (int i = 0; i <= 20; ++i) {
        a.heartbeat(nanoseconds(std::chrono::seconds(i)));
        b.heartbeat(steady::time_point(std::chrono::seconds(i)));
        c.heartbeat(custom_clock::time_point(std::chrono::seconds(i)));
    }
    BOOST_TEST(b.sample_count() == a.sample_count());
    BOOST_TEST(c.sample_count() == a.sample_count());
    auto const now = std::chrono::milliseconds(24'510);
    BOOST_TEST(b.phi(steady::time_point(now)) == a.phi(now));
    BOOST_TEST(c.phi(custom_clock::time_point(now)) == a.phi(now));
    BOOST_TEST(b.phi(steady::time_point(now)) > 7.0);
    BOOST_TEST(c.is_available(custom_clock::time_point(now)) == a.is_available(now));
}

BOOST_AUTO_TEST_CASE(config_validation_names_the_field) {
    struct bad_case {
        void (*mutate)(phi_accrual_config&);
        char const* field;
        char const* rule_start;
    };
    bad_case const cases[] = {
        {[](phi_accrual_config& c) { c.threshold = 0.0; }, "phi_accrual_config.threshold",
         "must be greater than zero"},
        {[](phi_accrual_config& c) { c.threshold = -1.0; }, "phi_accrual_config.threshold",
         "must be greater than zero"},
        {[](phi_accrual_config& c) { c.threshold = std::nan(""); },
         "phi_accrual_config.threshold", "must be greater than zero"},
        {[](phi_accrual_config& c) { c.threshold = 300.5; }, "phi_accrual_config.threshold",
         "must not exceed 300"},
        {[](phi_accrual_config& c) { c.threshold = std::numeric_limits<double>::infinity(); },
         "phi_accrual_config.threshold", "must not exceed 300"},
        {[](phi_accrual_config& c) { c.max_sample_size = 0; },
         "phi_accrual_config.max_sample_size", "must be at least 2"},
        {[](phi_accrual_config& c) { c.max_sample_size = 1; },
         "phi_accrual_config.max_sample_size", "must be at least 2"},
        {[](phi_accrual_config& c) { c.max_sample_size = (1u << 20) + 1; },
         "phi_accrual_config.max_sample_size", "must not exceed 1048576"},
        {[](phi_accrual_config& c) { c.min_std_deviation = 0ns; },
         "phi_accrual_config.min_std_deviation", "must be greater than zero"},
        {[](phi_accrual_config& c) { c.min_std_deviation = -1ms; },
         "phi_accrual_config.min_std_deviation", "must be greater than zero"},
        {[](phi_accrual_config& c) { c.acceptable_heartbeat_pause = -1ns; },
         "phi_accrual_config.acceptable_heartbeat_pause", "must not be negative"},
        {[](phi_accrual_config& c) { c.first_heartbeat_estimate = 0ns; },
         "phi_accrual_config.first_heartbeat_estimate", "must be greater than zero"},
        {[](phi_accrual_config& c) { c.first_heartbeat_estimate = -1s; },
         "phi_accrual_config.first_heartbeat_estimate", "must be greater than zero"},
        {[](phi_accrual_config& c) { c.first_heartbeat_estimate = 48min + 1ns; },
         "phi_accrual_config.first_heartbeat_estimate", "must not exceed 48 minutes"},
        {[](phi_accrual_config& c) { c.max_local_pause = 0ns; },
         "phi_accrual_config.max_local_pause", "must be greater than zero"},
        {[](phi_accrual_config& c) { c.max_local_pause = -5s; },
         "phi_accrual_config.max_local_pause", "must be greater than zero"},
    };
    for (auto const& bc : cases) {
        phi_accrual_config cfg;
        bc.mutate(cfg);
        auto const r = cohort::validate(cfg);
        BOOST_TEST_REQUIRE(r.has_error(), bc.field);
        BOOST_TEST(r.error().field == bc.field);
        BOOST_TEST(r.error().rule.starts_with(bc.rule_start), r.error().rule);
        BOOST_TEST(r.error().code == cohort::error::invalid_config);
    }

    // The boundaries themselves are valid.
    phi_accrual_config edge;
    edge.threshold = 300.0;
    edge.max_sample_size = 2;
    edge.min_std_deviation = 1ns;
    edge.acceptable_heartbeat_pause = 0ns;
    edge.first_heartbeat_estimate = 48min;
    edge.max_local_pause = 1ns;
    BOOST_TEST(!cohort::validate(edge).has_error());
    edge.max_sample_size = 1u << 20;
    edge.threshold = 1e-9;
    edge.first_heartbeat_estimate = 1ns;
    BOOST_TEST(!cohort::validate(edge).has_error());
}

BOOST_AUTO_TEST_CASE(constructor_throws_naming_the_field) {
    phi_accrual_config cfg;
    cfg.min_std_deviation = 0ns;
    auto const names_field = [](boost::system::system_error const& e) {
        return e.code() == cohort::error::invalid_config &&
               std::string(e.what()).find("phi_accrual_config.min_std_deviation") !=
                   std::string::npos;
    };
    BOOST_CHECK_EXCEPTION(phi_accrual_detector{cfg}, boost::system::system_error, names_field);
    BOOST_CHECK_EXCEPTION(exponential_detector{cfg}, boost::system::system_error, names_field);
    BOOST_CHECK_NO_THROW(phi_accrual_detector{phi_accrual_config{}});
}

#if COHORT_TEST_COUNT_ALLOCATIONS
BOOST_AUTO_TEST_CASE(no_allocation_after_construction) {
    // The counter is live: a direct call (which cannot be elided) counts.
    std::size_t const before_probe = allocation_count.load();
    void* volatile probe = ::operator new(64);
    ::operator delete(probe);
    BOOST_TEST_REQUIRE(allocation_count.load() == before_probe + 1);

    phi_accrual_config cfg;
    cfg.max_sample_size = 100;  // wraps many times below
    phi_accrual_detector n(cfg);
    exponential_detector e(cfg);
    std::mt19937_64 rng(3);
    double sink = 0;
    std::size_t const before = allocation_count.load();
    std::int64_t t = 0;
    for (int i = 0; i < 10'000; ++i) {
        t += 800'000'000 + static_cast<std::int64_t>(rng() % 400'000'000);
        n.heartbeat(nanoseconds(t));
        e.heartbeat(nanoseconds(t));
        sink += n.phi(nanoseconds(t + 2'000'000'000)) + e.phi(nanoseconds(t + 2'000'000'000));
        sink += n.is_available(nanoseconds(t)) + e.is_available(nanoseconds(t));
        if (i % 1000 == 999) {
            n.note_local_pause();
            e.note_local_pause();
        }
        sink += n.mean_interval_ms() + n.std_deviation_ms() + static_cast<double>(n.sample_count());
    }
    std::size_t const after = allocation_count.load();
    BOOST_TEST(after == before);
    BOOST_TEST(sink > 0.0);
}
#endif // COHORT_TEST_COUNT_ALLOCATIONS

BOOST_AUTO_TEST_SUITE_END()
