// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The phi accrual detector's hot path: heartbeat() + phi() should cost at
// most 50 ns together. Measured beside its physical limit in the same run:
// BM_phi_math_baseline does only the std::exp + std::log10 that one normal
// phi evaluation cannot avoid, on the same varying inputs; BM_phi_clock_baseline
// is one bare steady_clock read, what a caller pays to get `now` at all.

#include <cohort/phi_accrual.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>

namespace {

using std::chrono::nanoseconds;

constexpr std::size_t table_size = 1024;  // a power of two: index with a mask
constexpr std::size_t mask = table_size - 1;

struct inputs {
    std::array<std::int64_t, table_size> interval{};  // 1 s +/- 200 ms
    std::array<std::int64_t, table_size> elapsed{};   // 0..6 s, around the crossing
    std::array<double, table_size> exponent{};        // the f of each elapsed
};

// Varying inputs, so neither the branch predictor nor the compiler sees a
// constant; fixed seed, so every run measures the same work.
inputs const& table() {
    static inputs const t = [] {
        inputs in;
        std::mt19937_64 rng(1);
        for (std::size_t i = 0; i < table_size; ++i) {
            in.interval[i] = 800'000'000 + static_cast<std::int64_t>(rng() % 400'000'001);
            in.elapsed[i] = static_cast<std::int64_t>(rng() % 6'000'000'001);
            // What normal_model computes for mean 4 s (1 s + 3 s pause), sd 115 ms.
            double const y = (static_cast<double>(in.elapsed[i]) - 4e9) / 115e6;
            using m = cohort::normal_model;
            in.exponent[i] = y * (m::linear + m::cubic * y * y);
        }
        return t;
    }();
    return t;
}

// A detector in steady state: window full, every heartbeat evicts.
template <class Model>
cohort::basic_phi_accrual_detector<Model> warmed(std::int64_t& t) {
    cohort::basic_phi_accrual_detector<Model> d;
    inputs const& in = table();
    d.heartbeat(nanoseconds(t));
    for (std::size_t i = 0; i < 3 * d.config().max_sample_size; ++i) {
        t += in.interval[i & mask];
        d.heartbeat(nanoseconds(t));
    }
    return d;
}

template <class Model>
void heartbeat_and_phi(benchmark::State& state) {
    std::int64_t t = 0;
    auto d = warmed<Model>(t);
    inputs const& in = table();
    std::size_t i = 0;
    for (auto _ : state) {
        t += in.interval[i & mask];
        d.heartbeat(nanoseconds(t));
        benchmark::DoNotOptimize(d.phi(nanoseconds(t + in.elapsed[(i + 511) & mask])));
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_phi_heartbeat_and_phi(benchmark::State& state) {
    heartbeat_and_phi<cohort::normal_model>(state);
}

void BM_phi_exponential_heartbeat_and_phi(benchmark::State& state) {
    heartbeat_and_phi<cohort::exponential_model>(state);
}

void BM_phi_only(benchmark::State& state) {
    std::int64_t t = 0;
    auto const d = warmed<cohort::normal_model>(t);
    inputs const& in = table();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(d.phi(nanoseconds(t + in.elapsed[i & mask])));
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

// The unavoidable math of one normal phi: phi = log10(1 + exp(f)).
void BM_phi_math_baseline(benchmark::State& state) {
    inputs const& in = table();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(std::log10(1.0 + std::exp(in.exponent[i & mask])));
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_phi_clock_baseline(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(std::chrono::steady_clock::now());
    state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(BM_phi_math_baseline);
BENCHMARK(BM_phi_clock_baseline);
BENCHMARK(BM_phi_only);
BENCHMARK(BM_phi_heartbeat_and_phi);
BENCHMARK(BM_phi_exponential_heartbeat_and_phi);
