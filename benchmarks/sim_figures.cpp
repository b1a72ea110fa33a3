// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The membership simulator's figures (BENCHMARKS.md, "Membership simulator"),
// printed as markdown. Virtual-time figures are deterministic (seeded); wall
// times are medians of repeated runs where that is cheap. Run through
// tools/sim_figures.sh (a Release build). Takes a few minutes.
//
//   cohort_sim_figures [--quick] [--large]
//     --quick: smaller N, fewer repetitions
//     --large: only the "Large runs" table (10,000 nodes in one cluster: ~10 GB)
//     --partitions: only the "Partition conviction" table

#include <cohort/sim/simulator.hpp>

#include <boost/mp11/algorithm.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <malloc.h>
#include <sys/resource.h>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace cohort;
using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;
using wall = std::chrono::steady_clock;

namespace {

bool quick = false;
bool large_only = false;
bool partitions_only = false;

double secs(ns d) { return std::chrono::duration<double>(d).count(); }
double since(wall::time_point t) { return std::chrono::duration<double>(wall::now() - t).count(); }
// User + system CPU time of this process: on a shared machine, the part of
// the wall time that was ours.
double cpu_now() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto const s = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::size_t const n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    auto const k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
    return v[std::min(k, v.size() - 1)];
}

// The heap in use now (the simulator of the run being measured is alive);
// the resident set would also count what earlier runs freed.
long heap_mb() {
    auto const m = mallinfo2();
    return static_cast<long>((m.uordblks + m.hblkhd) / (1024 * 1024));  // + large blocks (mmap)
}
// The process's peak resident set since reset_peak_rss() (Linux: VmHWM),
// or since the start if the kernel does not allow the reset.
void reset_peak_rss() {
    if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
        std::fputs("5", f);
        std::fclose(f);
    }
}
long peak_rss_mb() {
    long kb = -1;
    if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, f))
            if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
        std::fclose(f);
    }
    if (kb < 0) {
        rusage u{};
        getrusage(RUSAGE_SELF, &u);
        kb = u.ru_maxrss;
    }
    return kb / 1024;
}

simulator_config base(std::uint64_t seed, double loss) {
    simulator_config c;
    c.seed = seed;
    c.network.loss = loss;
    c.record_trace = false;
    return c;
}

// ---- 1. dissemination of one change ------------------------------------------------------

// Bootstraps n nodes, lets them settle, then node 0 changes its tags (one
// rumor at a new incarnation); the virtual time until every other node
// reported tags_changed for it.
std::optional<ns> spread_time(std::size_t n, double loss, std::uint64_t seed) {
    simulator sim(base(seed, loss));
    for (std::size_t i = 0; i < n; ++i) sim.add_node();
    sim.bootstrap_all();
    sim.run_until(5s);
    std::size_t heard = 0;
    std::optional<ns> done;
    ns const t0 = sim.now();
    sim.on_event([&](sim_event const& e) {
        if (auto const* t = std::get_if<tags_changed>(&e.event); t && t->id.name() == "n0" &&
                                                                  e.node != 0) {
            if (++heard == n - 1) done = sim.now() - t0;
        }
    });
    sim.act(0, [](membership_protocol& core, ns now) {
        (void)core.set_tags({tag{"version", "2"}}, now);
    });
    sim.run_until([&] { return done.has_value(); }, 120s, 50ms);
    return done;
}

void dissemination() {
    std::printf("\n### Dissemination of one change (median of %d seeded runs; 1 from N = 3,000)\n\n",
                quick ? 3 : 5);
    std::printf("One node changes its tags; virtual time until all N-1 others have it, and in\n"
                "brackets the same in gossip rounds (200 ms; 3 members each) and in probe\n"
                "intervals (1 s). Rumors also ride on every ping and ack, and the random timer\n"
                "phases of 1,000 nodes make those continuous, so a change spreads faster than\n"
                "one hop per gossip round.\n\n");
    std::printf("| N | ceil(log2 N) | 0%% loss: s (gossip, probe rounds) | 5%% loss | 10%% loss |\n");
    std::printf("|---:|---:|---:|---:|---:|\n");
    std::vector<std::size_t> sizes{10, 100, 1000};
    if (!quick) sizes.insert(sizes.end(), {3000, 10000});
    for (std::size_t n : sizes) {
        std::printf("| %zu | %d |", n, static_cast<int>(std::ceil(std::log2(static_cast<double>(n)))));
        for (double loss : {0.0, 0.05, 0.10}) {
            std::vector<double> t;
            int const reps = (quick || n >= 3000) ? (n >= 3000 ? 1 : 3) : 5;
            for (int r = 0; r < reps; ++r) {
                auto d = spread_time(n, loss, 100 + static_cast<std::uint64_t>(r));
                t.push_back(d ? secs(*d) : -1.0);
            }
            double const m = median(t);
            std::printf(" %.2f (%.1f, %.2f) |", m, m / 0.2, m / 1.0);
        }
        std::printf("\n");
        std::fflush(stdout);
    }
}

// ---- 2. bytes per node per second --------------------------------------------------------

void bandwidth() {
    std::printf("\n### Bytes sent per node per second (steady state, 0%% loss)\n\n");
    std::printf("binary_codec sizes of every message sent, over 60 virtual s after a 30 s settle.\n\n");
    std::printf("| N | messages/node/s | bytes/node/s | of which anti-entropy (digests, push-pull) bytes/node/s |\n");
    std::printf("|---:|---:|---:|---:|\n");
    std::vector<std::size_t> sizes{10, 100, 1000};
    if (!quick) sizes.push_back(3000);
    for (std::size_t n : sizes) {
        simulator sim(base(7, 0.0));
        for (std::size_t i = 0; i < n; ++i) sim.add_node();
        sim.bootstrap_all();
        sim.run_until(30s);
        auto const c0 = sim.counters();
        sim.run_until(90s);
        auto const c1 = sim.counters();
        double const per = static_cast<double>(n) * 60.0;
        constexpr auto pp = boost::mp11::mp_find<message, push_pull>::value;
        constexpr auto ppr = boost::mp11::mp_find<message, push_pull_reply>::value;
        constexpr auto vd = boost::mp11::mp_find<message, view_digest>::value;
        auto const pp_bytes = (c1.bytes_sent_by_type[pp] - c0.bytes_sent_by_type[pp]) +
                              (c1.bytes_sent_by_type[ppr] - c0.bytes_sent_by_type[ppr]) +
                              (c1.bytes_sent_by_type[vd] - c0.bytes_sent_by_type[vd]);
        std::printf("| %zu | %.1f | %.0f | %.0f |\n", n,
                    static_cast<double>(c1.sent - c0.sent) / per,
                    static_cast<double>(c1.bytes_sent - c0.bytes_sent) / per,
                    static_cast<double>(pp_bytes) / per);
        std::fflush(stdout);
    }
}

// ---- 3. false failures under loss --------------------------------------------------------

void false_failures() {
    std::printf("\n### False failures: 100 nodes, one virtual hour\n\n");
    std::printf("| loss | false failures | suspicions started | refutations | wall s |\n");
    std::printf("|---:|---:|---:|---:|---:|\n");
    for (double loss : {0.10, 0.20}) {
        simulator sim(base(42, loss));
        for (int i = 0; i < 100; ++i) sim.add_node();
        sim.bootstrap_all();
        std::uint64_t failures = 0;
        sim.on_event([&](sim_event const& e) {
            if (auto const* s = std::get_if<state_changed>(&e.event); s && s->to == node_state::failed)
                ++failures;
        });
        auto const t = wall::now();
        sim.run_until(quick ? 10min : 1h);
        double const w = since(t);
        std::uint64_t suspicions = 0, refutations = 0;
        for (std::size_t i = 0; i < sim.size(); ++i) {
            suspicions += sim.core(i).counters().suspicions;
            refutations += sim.core(i).counters().refutations;
        }
        std::printf("| %.0f%% | %llu | %llu | %llu | %.1f |\n", loss * 100,
                    static_cast<unsigned long long>(failures),
                    static_cast<unsigned long long>(suspicions),
                    static_cast<unsigned long long>(refutations), w);
        std::fflush(stdout);
    }
}

// ---- 4. crash detection time -------------------------------------------------------------

void crash_detection() {
    int const runs = quick ? 20 : 100;
    std::printf("\n### Crash detection time: 100 nodes, %d seeded crashes, 0%% loss\n\n", runs);
    std::vector<double> first, all;
    for (int r = 0; r < runs; ++r) {
        simulator sim(base(1000 + static_cast<std::uint64_t>(r), 0.0));
        for (int i = 0; i < 100; ++i) sim.add_node();
        sim.bootstrap_all();
        std::mt19937_64 pick(static_cast<std::uint64_t>(r));
        std::size_t const victim = pick() % 100;
        ns const at = 20s + ns(static_cast<std::int64_t>(pick() % 1'000'000'000));
        sim.run_until(at);
        sim.crash(victim);
        std::size_t seen = 0;
        std::optional<ns> t_first, t_all;
        sim.on_event([&](sim_event const& e) {
            auto const* d = std::get_if<node_down>(&e.event);
            if (!d || d->id != sim.id(victim)) return;
            if (!t_first) t_first = sim.now() - at;
            if (++seen == 99) t_all = sim.now() - at;
        });
        sim.run_until([&] { return t_all.has_value(); }, 300s, 100ms);
        if (t_first) first.push_back(secs(*t_first));
        if (t_all) all.push_back(secs(*t_all));
    }
    std::printf("| measure | p50 s | p99 s | max s | runs |\n|---|---:|---:|---:|---:|\n");
    std::printf("| first node_down anywhere | %.2f | %.2f | %.2f | %zu |\n", median(first),
                percentile(first, 0.99), *std::max_element(first.begin(), first.end()), first.size());
    std::printf("| node_down at all 99 peers | %.2f | %.2f | %.2f | %zu |\n", median(all),
                percentile(all, 0.99), *std::max_element(all.begin(), all.end()), all.size());
    std::fflush(stdout);
}

// ---- 4b. partitions ------------------------------------------------------------------------

// The cluster is cut in two random sides (seeded). Virtual time until no node
// sees any member across the cut as active (a side's leader is its own from
// then on), and until every node sees every member across as failed; the
// single crash above is the baseline (all 99 peers saw it failed at its p50).
void partitions() {
    int const runs = quick ? 5 : 11;
    std::printf("\n### Partition conviction: random sides, %d seeds each, 0%% loss\n\n", runs);
    std::printf("| nodes | sides | no member seen active across: p50 s (max) | "
                "all seen failed across: p50 s (max) |\n|---:|---|---:|---:|\n");
    for (auto [n, small] : {std::pair{50, 20}, std::pair{100, 40}, std::pair{100, 50}}) {
        std::vector<double> doubted, failed;
        for (int r = 0; r < runs; ++r) {
            auto const seed = 2000 + static_cast<std::uint64_t>(r);
            simulator sim(base(seed, 0.0));
            for (int i = 0; i < n; ++i) sim.add_node();
            sim.bootstrap_all();
            sim.run_until(5s);
            std::vector<std::size_t> order(static_cast<std::size_t>(n));
            for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
            std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
            std::vector<std::size_t> a(order.begin(), order.end() - small), b(order.end() - small, order.end());
            sim.partition({a, b});
            auto const across = [&](node_state s, bool none) {
                for (auto const* side : {&a, &b})
                    for (auto i : *side)
                        for (auto j : side == &a ? b : a) {
                            auto const* m = sim.core(i).find(sim.id(j).name());
                            bool const is = m && m->state == s;
                            if (none ? is : !is) return false;
                        }
                return true;
            };
            auto const d = sim.run_until([&] { return across(node_state::active, true); }, 600s, 100ms);
            auto const f = sim.run_until([&] { return across(node_state::failed, false); }, 600s, 100ms);
            doubted.push_back(d ? secs(*d - 5s) : 600.0);
            failed.push_back(f ? secs(*f - 5s) : 600.0);
        }
        std::printf("| %d | %d / %d | %.1f (%.1f) | %.1f (%.1f) |\n", n, n - small, small,
                    median(doubted), *std::max_element(doubted.begin(), doubted.end()),
                    median(failed), *std::max_element(failed.begin(), failed.end()));
        std::fflush(stdout);
    }
}

// ---- 5. simulator speed ------------------------------------------------------------------

struct speed {
    double wall_s;
    std::uint64_t events;  // deliveries + ticks
    std::uint64_t delivered;
    double bootstrap_s;
    long heap_mb;
    long peak_rss_mb;
    double bootstrap_cpu_s;  // user + system CPU time of this process
    double cpu_s;
};

// `clusters` independent clusters of `n` nodes each, run for `virtual_s`.
speed run_speed(std::size_t clusters, std::size_t n, std::chrono::seconds virtual_s,
                wire_fidelity f = wire_fidelity::measure) {
    auto c = base(3, 0.0);
    c.fidelity = f;
    malloc_trim(0);  // what earlier runs freed leaves the resident set
    reset_peak_rss();
    simulator sim(c);
    for (std::size_t i = 0; i < clusters * n; ++i) sim.add_node();
    auto const t0 = wall::now();
    double const c0 = cpu_now();
    for (std::size_t k = 0; k < clusters; ++k) {
        std::vector<std::size_t> members;
        for (std::size_t i = 0; i < n; ++i) members.push_back(k * n + i);
        sim.bootstrap(members);
    }
    double const boot = since(t0);
    double const c1 = cpu_now();
    auto const t1 = wall::now();
    sim.run_until(virtual_s);
    double const w = since(t1);
    return {w,         sim.counters().delivered + sim.counters().ticks, sim.counters().delivered, boot,
            heap_mb(), peak_rss_mb(), c1 - c0, cpu_now() - c1};
}

// The baseline: the bare agenda, the same number of push + pop with a queue
// of the simulation's typical depth.
double bare_queue_ns_per_event(std::uint64_t events, std::size_t depth) {
    detail::event_queue q;
    std::mt19937_64 rng(1);
    std::int64_t now = 0;
    for (std::size_t i = 0; i < depth; ++i) q.push(static_cast<std::int64_t>(rng() % 5'000'000), detail::agenda_kind::deliver, 0);
    auto const t = wall::now();
    std::uint64_t sink = 0;
    for (std::uint64_t i = 0; i < events; ++i) {
        auto e = q.pop();
        now = e.at;
        sink += e.ref;
        q.push(now + 1'000'000 + static_cast<std::int64_t>(rng() % 4'000'000), detail::agenda_kind::deliver,
               static_cast<std::uint32_t>(i));
    }
    double const w = since(t);
    if (sink == 42) std::printf(" ");
    return w * 1e9 / static_cast<double>(events);
}

void large_runs();

void simulator_speed() {
    std::printf("\n### Simulator speed (one core, Release)\n\n");
    int const reps = quick ? 1 : 3;
    std::vector<double> rate, per_event, base_per_event;
    speed s{};
    for (int r = 0; r < reps; ++r) {
        s = run_speed(1, 1000, 60s);
        rate.push_back(static_cast<double>(s.delivered) / s.wall_s);
        per_event.push_back(s.wall_s * 1e9 / static_cast<double>(s.events));
        // depth: about one message in flight per node and monitored member, plus ticks
        base_per_event.push_back(bare_queue_ns_per_event(s.events, 1000 * 6));
    }
    std::printf("| figure | value | baseline (bare agenda push+pop) | ratio |\n|---|---:|---:|---:|\n");
    std::printf("| 1,000 nodes x 60 virtual s: delivered messages per wall s | %.2f M/s | | |\n",
                median(rate) / 1e6);
    std::printf("| wall ns per event (delivery or tick) | %.0f | %.0f | %.1fx |\n", median(per_event),
                median(base_per_event), median(per_event) / median(base_per_event));
    std::fflush(stdout);
    large_runs();
}

void large_runs() {
    std::printf("\n### Large runs (100 virtual s, once each)\n\n");
    std::printf("A single cluster's views hold N members each: memory grows as N^2 (about\n"
                "120 bytes per member per view). Heap: in use at the end of the run; peak\n"
                "RSS: the process's high-water mark during the run (VmHWM, reset before it).\n"
                "Baseline: the bare agenda (heap push + pop) at depth 6 N, as many events,\n"
                "same run.\n\n");
    std::printf("| run | bootstrap wall s (CPU s) | run wall s (CPU s) | delivered | M msg/s | heap MB "
                "| peak RSS MB | ns/event | bare agenda ns/event | ratio |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    struct shape {
        char const* name;
        std::size_t clusters, n;
    };
    std::vector<shape> shapes{{"1,000 nodes, one cluster", 1, 1000}};
    if (!quick) {
        shapes.push_back({"3,000 nodes, one cluster", 1, 3000});
        shapes.push_back({"10,000 nodes, 10 clusters of 1,000", 10, 1000});
        shapes.push_back({"10,000 nodes, one cluster", 1, 10000});
    }
    for (auto const& sh : shapes) {
        auto const r = run_speed(sh.clusters, sh.n, 100s);
        double const per_event = r.wall_s * 1e9 / static_cast<double>(r.events);
        double const bare = bare_queue_ns_per_event(r.events, sh.clusters * sh.n * 6);
        std::printf("| %s | %.1f (%.1f) | %.1f (%.1f) | %llu | %.2f | %ld | %ld | %.0f | %.0f | %.1fx |\n",
                    sh.name, r.bootstrap_s, r.bootstrap_cpu_s, r.wall_s, r.cpu_s,
                    static_cast<unsigned long long>(r.delivered),
                    static_cast<double>(r.delivered) / r.wall_s / 1e6, r.heap_mb, r.peak_rss_mb,
                    per_event, bare, per_event / bare);
        std::fflush(stdout);
    }
}

} // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) quick = true;
        else if (std::strcmp(argv[i], "--large") == 0) large_only = true;
        else if (std::strcmp(argv[i], "--partitions") == 0) partitions_only = true;
    }
    auto const t = wall::now();
    std::printf("## Membership simulator figures%s\n", quick ? " (quick)" : "");
    if (partitions_only) {
        partitions();
        return 0;
    }
    if (large_only) {
        large_runs();
        std::printf("\n(total wall time %.0f s)\n", since(t));
        return 0;
    }
    dissemination();
    bandwidth();
    false_failures();
    crash_detection();
    partitions();
    simulator_speed();
    std::printf("\n(total wall time %.0f s)\n", since(t));
}
