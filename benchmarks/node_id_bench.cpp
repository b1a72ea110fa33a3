// node_id parse and format, each beside a baseline in the same run: copying
// the same text into a std::string (what any parse that keeps the text costs).
#include <cohort/node_id.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <string>
#include <string_view>

namespace {

constexpr std::array<std::string_view, 3> inputs{
    "chat-7@node7.eu-west.example.com:7946",  // hostname
    "chat-7@10.20.30.40:7946",                // IPv4
    "chat-7@[2001:db8::7]:7946",              // IPv6
};

void BM_node_id_copy_baseline(benchmark::State& state) {
    auto text = inputs[static_cast<std::size_t>(state.range(0))];
    for (auto _ : state) {
        std::string copy(text);
        benchmark::DoNotOptimize(copy.data());
        benchmark::ClobberMemory();
    }
}

void BM_node_id_parse(benchmark::State& state) {
    auto text = inputs[static_cast<std::size_t>(state.range(0))];
    for (auto _ : state) {
        auto id = cohort::node_id::parse(text);
        benchmark::DoNotOptimize(id);
        benchmark::ClobberMemory();
    }
}

void BM_node_id_format(benchmark::State& state) {
    auto id = *cohort::node_id::parse(inputs[static_cast<std::size_t>(state.range(0))]);
    for (auto _ : state) {
        std::string text = to_string(id);
        benchmark::DoNotOptimize(text.data());
        benchmark::ClobberMemory();
    }
}

BENCHMARK(BM_node_id_copy_baseline)->DenseRange(0, 2)->ArgName("host_kind");
BENCHMARK(BM_node_id_parse)->DenseRange(0, 2)->ArgName("host_kind");
BENCHMARK(BM_node_id_format)->DenseRange(0, 2)->ArgName("host_kind");

} // namespace
