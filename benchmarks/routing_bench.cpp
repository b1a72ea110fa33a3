// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// Key ownership lookups, side by side in one run: cohort's four strategies
// with precomputed key hashes (BM_route_<s>_lookup) and including xxh3 of a
// 16-byte key (BM_route_<s>_lookup_hashed), libmemcached's ketama continuum as
// a peer (its timing includes its own key hash, like _lookup_hashed), jump
// consistent hash (Lamping and Veach, 2014) as the reference, and a bare xxh3
// of the key. Counters, computed outside the timed loop:
//   peak_over_mean   largest member share / mean share (exact over the hash
//                    space for ring, Maglev and partitions; sampled over 10^6
//                    keys for rendezvous, ketama and jump)
//   join_moved_ideal, leave_moved_ideal
//                    keys moved by one join (N -> N+1) and one leave (N+1 ->
//                    N, a middle member) over the ideal 1/(N+1) (Envoy's
//                    percent_different); exact where diff() gives ranges,
//                    else sampled over 2*10^5 keys
//   bytes_per_node   table + member list heap bytes / N

#include <cohort/routing/bounded_partitions.hpp>
#include <cohort/routing/key_hash.hpp>
#include <cohort/routing/maglev_table.hpp>
#include <cohort/routing/ownership.hpp>
#include <cohort/routing/ownership_diff.hpp>
#include <cohort/routing/rendezvous.hpp>
#include <cohort/routing/vnode_ring.hpp>

#include <benchmark/benchmark.h>
#include <libmemcached/memcached.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace cohort;

constexpr std::size_t key_count = 4096;  // a power of two: index by mask

std::string node_host(std::size_t i) {
    return "10.0." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250);
}

std::vector<ring_member> cluster(std::size_t n) {
    std::vector<ring_member> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back({node_id::from_parts("node" + std::to_string(i), node_host(i), 7946).value(),
                       node_state::active, 1});
    return out;
}

std::vector<std::string> const& key_strings() {
    static std::vector<std::string> const keys = [] {
        std::mt19937_64 rng(42);
        std::vector<std::string> v;
        for (std::size_t i = 0; i < key_count; ++i) {
            std::string k = "user:" + std::to_string(rng() % 10000000000ULL);
            k.resize(16, '#');  // 16-byte keys
            v.push_back(std::move(k));
        }
        return v;
    }();
    return keys;
}

std::vector<hashed_key> const& key_hashes() {
    static std::vector<hashed_key> const hashes = [] {
        std::vector<hashed_key> v;
        for (auto const& k : key_strings()) v.push_back(hash_key(k));
        return v;
    }();
    return hashes;
}

std::vector<hashed_key> sample_keys(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<hashed_key> v(n);
    for (auto& k : v) k.value = rng();
    return v;
}

template <class S>
double peak_over_mean(basic_ownership<S> const& o) {
    std::vector<double> share;
    if constexpr (detail::range_table<typename S::table>) {
        share = o.hash_space_shares();
    } else {
        share.assign(o.size(), 0.0);
        for (auto k : sample_keys(1000000, 1)) share[o.owner_index(k)] += 1.0;
    }
    double sum = 0, peak = 0;
    for (double s : share) sum += s, peak = std::max(peak, s);
    return peak * static_cast<double>(share.size()) / sum;
}

template <class S>
double moved_over_ideal(basic_ownership<S> const& a, basic_ownership<S> const& b) {
    double moved = 0;
    if constexpr (detail::range_table<typename S::table>) {
        for (auto const& c : diff(a, b))
            moved += (static_cast<double>(c.last - c.first) + 1.0) * 0x1p-64;
    } else {
        auto const keys = sample_keys(200000, 2);
        moved = static_cast<double>(diff(a, b, keys).size()) / static_cast<double>(keys.size());
    }
    return moved * static_cast<double>(std::max(a.size(), b.size()));
}

template <class S>
struct fixture {
    basic_ownership<S> table;
    double peak_over_mean = 0, join = 0, leave = 0, bytes_per_node = 0;
};

template <class S>
fixture<S> const& get(std::size_t n) {
    static std::map<std::size_t, std::unique_ptr<fixture<S>>> cache;
    auto& f = cache[n];
    if (!f) {
        f = std::make_unique<fixture<S>>();
        auto members = cluster(n + 1);
        basic_ownership<S> bigger(members);
        members.pop_back();
        f->table = basic_ownership<S>(members);
        f->peak_over_mean = peak_over_mean(f->table);
        f->join = moved_over_ideal(f->table, bigger);
        auto fewer = cluster(n + 1);
        fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(n / 2));
        f->leave = moved_over_ideal(bigger, basic_ownership<S>(fewer));
        f->bytes_per_node = static_cast<double>(f->table.memory_bytes()) / static_cast<double>(n);
    }
    return *f;
}

template <class S>
void lookup(benchmark::State& state) {
    auto const& f = get<S>(static_cast<std::size_t>(state.range(0)));
    auto const& hashes = key_hashes();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(&f.table.owner(hashes[i++ & (key_count - 1)]));
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["peak_over_mean"] = f.peak_over_mean;
    state.counters["join_moved_ideal"] = f.join;
    state.counters["leave_moved_ideal"] = f.leave;
    state.counters["bytes_per_node"] = f.bytes_per_node;
}

template <class S>
void lookup_hashed(benchmark::State& state) {
    auto const& f = get<S>(static_cast<std::size_t>(state.range(0)));
    auto const& keys = key_strings();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(&f.table.owner(keys[i++ & (key_count - 1)]));
    }
    state.SetItemsProcessed(state.iterations());
}

#define COHORT_ROUTE_BENCH(label, strategy)                                                  \
    void BM_route_##label##_lookup(benchmark::State& s) { lookup<strategy>(s); }             \
    void BM_route_##label##_lookup_hashed(benchmark::State& s) {                             \
        lookup_hashed<strategy>(s);                                                          \
    }                                                                                        \
    BENCHMARK(BM_route_##label##_lookup)->Arg(10)->Arg(100)->Arg(1000);                      \
    BENCHMARK(BM_route_##label##_lookup_hashed)->Arg(10)->Arg(100)->Arg(1000)

COHORT_ROUTE_BENCH(ring, vnode_ring);
COHORT_ROUTE_BENCH(maglev, maglev_table);
COHORT_ROUTE_BENCH(rendezvous, rendezvous);
COHORT_ROUTE_BENCH(partitions, bounded_partitions);

// The cost of hashing alone: the difference between _lookup_hashed and _lookup.
void BM_route_xxh3_key(benchmark::State& state) {
    auto const& keys = key_strings();
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(hash_key(keys[i++ & (key_count - 1)]));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_route_xxh3_key);

// libmemcached's ketama continuum (160 points per server, MD5), key hash
// included (its default one-at-a-time hash).
struct ketama {
    memcached_st* memc = memcached_create(nullptr);
    explicit ketama(std::size_t n) {
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                               MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
        for (std::size_t i = 0; i < n; ++i)
            memcached_server_add(memc, node_host(i).c_str(), 11211);
    }
    ketama(ketama const&) = delete;
    ketama& operator=(ketama const&) = delete;
    ~ketama() { memcached_free(memc); }
    std::uint32_t owner(std::string const& key) const {
        return memcached_generate_hash(memc, key.data(), key.size());
    }
};

std::vector<std::string> sample_strings(std::size_t n) {
    std::mt19937_64 rng(3);
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back("key-" + std::to_string(rng()));
    return v;
}

void BM_route_ketama_libmemcached(benchmark::State& state) {
    auto const n = static_cast<std::size_t>(state.range(0));
    ketama const k(n);
    auto const& keys = key_strings();
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(k.owner(keys[i++ & (key_count - 1)]));
    state.SetItemsProcessed(state.iterations());
    // Balance, and movement of the join N-1 -> N (N + 1 servers would pass
    // libmemcached's limit at 100), sampled; server i keeps index i.
    ketama const smaller(n - 1);
    std::vector<double> share(n, 0.0);
    std::size_t moved = 0;
    auto const sample = sample_strings(200000);
    for (auto const& key : sample) {
        auto const o = k.owner(key);
        share[o] += 1.0;
        moved += o != smaller.owner(key);
    }
    double const peak = *std::max_element(share.begin(), share.end());
    state.counters["peak_over_mean"] = peak * static_cast<double>(n) / double(sample.size());
    state.counters["join_moved_ideal"] =
        static_cast<double>(moved) / double(sample.size()) * static_cast<double>(n);
}
BENCHMARK(BM_route_ketama_libmemcached)->Arg(10)->Arg(100);

// Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm"
// (2014), verbatim: the reference for speed and movement (no names, no
// arbitrary removal).
std::int32_t jump_consistent_hash(std::uint64_t key, std::int32_t buckets) noexcept {
    std::int64_t b = -1, j = 0;
    while (j < buckets) {
        b = j;
        key = key * 2862933555777941757ULL + 1;
        j = static_cast<std::int64_t>(static_cast<double>(b + 1) *
                                      (static_cast<double>(1LL << 31) /
                                       static_cast<double>((key >> 33) + 1)));
    }
    return static_cast<std::int32_t>(b);
}

void BM_route_jump_hash(benchmark::State& state) {
    auto const n = static_cast<std::int32_t>(state.range(0));
    auto const& hashes = key_hashes();
    std::size_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(jump_consistent_hash(hashes[i++ & (key_count - 1)].value, n));
    state.SetItemsProcessed(state.iterations());
    std::vector<double> share(static_cast<std::size_t>(n), 0.0);
    std::size_t moved = 0;
    auto const sample = sample_keys(1000000, 1);
    for (auto k : sample) {
        auto const o = jump_consistent_hash(k.value, n);
        share[static_cast<std::size_t>(o)] += 1.0;
        moved += o != jump_consistent_hash(k.value, n + 1);
    }
    double const peak = *std::max_element(share.begin(), share.end());
    state.counters["peak_over_mean"] = peak * n / double(sample.size());
    state.counters["join_moved_ideal"] = double(moved) / double(sample.size()) * (n + 1);
}
BENCHMARK(BM_route_jump_hash)->Arg(10)->Arg(100)->Arg(1000);

} // namespace
