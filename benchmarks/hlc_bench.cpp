// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// cohort::hlc against its limit, a bare read of the same physical clock, and
// against the obvious alternative, an HLC behind a std::mutex. Targets: now()
// within clock read + 10 ns on one thread, within 2x the clock read per call on
// two threads sharing one clock. With threads, Google Benchmark's real time is
// wall time divided by the calls of all threads together (inverse throughput).

#include <cohort/hlc.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace {

// The comparison: the textbook HLC (CockroachDB's shape) guarded by a mutex.
// It reads the physical clock outside the lock, which only helps it.
class mutex_hlc {
public:
    cohort::hlc_timestamp now() {
        auto const physical = clock_.now();
        std::lock_guard lock(mutex_);
        if (physical > last_.wall_ns) {
            last_ = {physical, 0};
        } else if (last_.logical == UINT32_MAX) {
            last_ = {last_.wall_ns + 1, 0};
        } else {
            ++last_.logical;
        }
        return last_;
    }

private:
    cohort::system_wall_clock clock_;
    std::mutex mutex_;
    cohort::hlc_timestamp last_;
};

// One clock per benchmark (told apart by Id), shared by all of its threads.
template <class Clock, int Id>
Clock& shared() {
    static Clock clock;
    return clock;
}

void BM_hlc_clock_read(benchmark::State& state) {
    cohort::system_wall_clock const clock;
    for (auto _ : state)
        benchmark::DoNotOptimize(clock.now());
}
BENCHMARK(BM_hlc_clock_read)->Threads(1);
BENCHMARK(BM_hlc_clock_read)->Threads(2)->UseRealTime();

// The floor for any HLC whose state is one shared word: the clock read plus one
// atomic increment of a word that every thread writes. On two threads it is
// set by how fast the cache line moves between cores, not by the clock.
void BM_hlc_shared_word_limit(benchmark::State& state) {
    cohort::system_wall_clock const clock;
    auto& word = shared<std::atomic<std::uint64_t>, 3>();
    for (auto _ : state) {
        benchmark::DoNotOptimize(clock.now());
        benchmark::DoNotOptimize(word.fetch_add(1, std::memory_order_acq_rel));
    }
}
BENCHMARK(BM_hlc_shared_word_limit)->Threads(1);
BENCHMARK(BM_hlc_shared_word_limit)->Threads(2)->UseRealTime();

void BM_hlc_now(benchmark::State& state) {
    auto& clock = shared<cohort::hlc, 0>();
    for (auto _ : state)
        benchmark::DoNotOptimize(clock.now());
}
BENCHMARK(BM_hlc_now)->Threads(1);
BENCHMARK(BM_hlc_now)->Threads(2)->UseRealTime();

void BM_hlc_mutex_now(benchmark::State& state) {
    auto& clock = shared<mutex_hlc, 1>();
    for (auto _ : state)
        benchmark::DoNotOptimize(clock.now());
}
BENCHMARK(BM_hlc_mutex_now)->Threads(1);
BENCHMARK(BM_hlc_mutex_now)->Threads(2)->UseRealTime();

// The receive path with a remote slightly behind local time, the common case;
// the offset check and the successor computation come on top of now().
void BM_hlc_update(benchmark::State& state) {
    auto& clock = shared<cohort::hlc, 2>();
    cohort::hlc_timestamp const remote{cohort::system_wall_clock{}.now() - 1'000'000, 3};
    for (auto _ : state)
        benchmark::DoNotOptimize(clock.update(remote));
}
BENCHMARK(BM_hlc_update)->Threads(1);
BENCHMARK(BM_hlc_update)->Threads(2)->UseRealTime();

} // namespace
