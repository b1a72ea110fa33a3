// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The codecs against their limit: a memcpy of the same encoded bytes. Each
// benchmark takes msg:0 (a ping, the most frequent message) or msg:1 (a
// push_pull of 100 members with two tags each, a state exchange), and reports
// the bytes on the wire as the counter wire_bytes. Decoding includes freeing
// the decoded envelope, as a receiver does.

#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/json_codec.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

using cohort::envelope;

cohort::node_id id(std::string const& text) { return cohort::node_id::parse(text).value(); }

envelope make_ping() {
    envelope e;
    e.label = "prod";
    e.sender = id("node-1@10.0.0.1:7946");
    e.incarnation = 42;
    e.time = {1732233600123456789ULL, 3};
    e.body = cohort::ping{12345, id("node-2@10.0.0.2:7946")};
    return e;
}

envelope make_state_exchange() {
    envelope e = make_ping();
    cohort::push_pull state{false, {}};
    for (int i = 0; i < 100; ++i) {
        auto const n = std::to_string(i);
        state.members.push_back(
            {id("node-" + n + "@10.0." + std::to_string(i / 50) + "." + n + ":7946"),
             static_cast<std::uint64_t>(1000 + i * 7),
             static_cast<cohort::node_state>(i % 5),
             {{"zone", "eu-west-1" + std::string(1, char('a' + i % 3))},
              {"role", i % 2 ? "edge" : "core"}}});
    }
    e.body = std::move(state);
    return e;
}

envelope const& sample(std::int64_t which) {
    static envelope const ping = make_ping();
    static envelope const state = make_state_exchange();
    return which == 0 ? ping : state;
}

char const* label(std::int64_t which) { return which == 0 ? "ping" : "push_pull x100"; }

template <class Codec>
std::vector<std::byte> encoded(std::int64_t which) {
    std::vector<std::byte> out;
    if (Codec().encode(sample(which), out)) std::abort();
    return out;
}

void report(benchmark::State& state, std::size_t bytes) {
    state.counters["wire_bytes"] = static_cast<double>(bytes);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    state.SetLabel(label(state.range(0)));
}

template <class Codec>
void encode_loop(benchmark::State& state) {
    Codec const codec;
    envelope const& e = sample(state.range(0));
    std::vector<std::byte> out;
    out.reserve(encoded<Codec>(state.range(0)).size());  // a reused buffer, as a sender keeps
    for (auto _ : state) {
        out.clear();
        auto ec = codec.encode(e, out);
        benchmark::DoNotOptimize(ec);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    report(state, out.size());
}

template <class Codec>
void decode_loop(benchmark::State& state) {
    Codec const codec;
    auto const bytes = encoded<Codec>(state.range(0));
    for (auto _ : state) {
        auto decoded = codec.decode(bytes);
        benchmark::DoNotOptimize(decoded);
    }
    report(state, bytes.size());
}

template <class Codec>
void memcpy_loop(benchmark::State& state) {
    auto const bytes = encoded<Codec>(state.range(0));
    std::vector<std::byte> copy(bytes.size());
    for (auto _ : state) {
        std::memcpy(copy.data(), bytes.data(), bytes.size());
        benchmark::DoNotOptimize(copy.data());
        benchmark::ClobberMemory();
    }
    report(state, bytes.size());
}

void BM_wire_binary_encode(benchmark::State& s) { encode_loop<cohort::binary_codec>(s); }
void BM_wire_binary_decode(benchmark::State& s) { decode_loop<cohort::binary_codec>(s); }
void BM_wire_binary_memcpy_baseline(benchmark::State& s) { memcpy_loop<cohort::binary_codec>(s); }
void BM_wire_json_encode(benchmark::State& s) { encode_loop<cohort::json_codec>(s); }
void BM_wire_json_decode(benchmark::State& s) { decode_loop<cohort::json_codec>(s); }
void BM_wire_json_memcpy_baseline(benchmark::State& s) { memcpy_loop<cohort::json_codec>(s); }

BENCHMARK(BM_wire_binary_encode)->ArgName("msg")->Arg(0)->Arg(1);
BENCHMARK(BM_wire_binary_decode)->ArgName("msg")->Arg(0)->Arg(1);
BENCHMARK(BM_wire_binary_memcpy_baseline)->ArgName("msg")->Arg(0)->Arg(1);
BENCHMARK(BM_wire_json_encode)->ArgName("msg")->Arg(0)->Arg(1);
BENCHMARK(BM_wire_json_decode)->ArgName("msg")->Arg(0)->Arg(1);
BENCHMARK(BM_wire_json_memcpy_baseline)->ArgName("msg")->Arg(0)->Arg(1);

}  // namespace
