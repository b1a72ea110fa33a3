// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// basic_seed_discovery on real nodes over a manual-time memory_network, fed
// by a scripted resolver whose answers differ per node and per call: a cold
// start on inconsistent answers forms one cluster, two clusters formed on
// split answers are merged by the heal rule once the answers agree, and too
// few contacts never form (until there are enough).
#include "../node/memory_cluster.hpp"

#include <cohort/discovery/seed_discovery.hpp>

#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <vector>

namespace {

using namespace std::chrono_literals;
using cohort::peer_address;
using cohort_node_test::memory_cluster;
using cohort_node_test::seed_of;

// What node `i` gets from its lookup at virtual time `now` (nothing: failed).
using script = std::function<std::optional<std::vector<std::size_t>>(std::size_t i,
                                                                      std::chrono::nanoseconds now)>;

// One per node; answers later, as a real resolver does (posted).
struct scripted_resolver {
    memory_cluster* c;
    std::size_t node;
    script const* answers;
    std::size_t calls = 0;

    template <class Handler>
    void async_resolve(std::vector<cohort::seed> seeds, Handler&& h) {
        ++calls;
        auto const got = (*answers)(node, c->net.now());
        cohort::seed_lookup l;
        boost::system::error_code ec;
        if (got) {
            for (auto k : *got) l.addresses.push_back(seed_of(k));
        } else {
            ec = cohort::error::dns_lookup_failed;
            l.failures.push_back({seeds.front(), ec});
        }
        boost::asio::post(c->ctx, [h = std::forward<Handler>(h), ec, l = std::move(l)]() mutable {
            std::move(h)(ec, std::move(l));
        });
    }
};

using discovery = cohort::basic_seed_discovery<cohort_node_test::mem_node, scripted_resolver>;

cohort::bootstrap_config bootstrap(std::size_t required = 2) {
    cohort::bootstrap_config b;
    b.required_contacts = required;
    b.stable_margin = 5s;
    b.lookup_interval = 1s;
    b.heal_interval = 10s;
    return b;
}

// n started nodes, each with its discovery on one scripted resolver.
struct harness {
    memory_cluster c;
    script answers;
    std::vector<std::unique_ptr<scripted_resolver>> resolvers;
    std::vector<std::unique_ptr<discovery>> discoveries;

    harness(std::size_t n, script s, cohort::bootstrap_config cfg, std::uint64_t seed = 1)
        : c(seed), answers(std::move(s)) {
        for (std::size_t i = 0; i < n; ++i) c.add();
        for (std::size_t i = 0; i < n; ++i) c.start(i);
        for (std::size_t i = 0; i < n; ++i) {
            resolvers.push_back(std::make_unique<scripted_resolver>(scripted_resolver{&c, i, &answers}));
            discoveries.push_back(std::make_unique<discovery>(
                c.at(i), *resolvers.back(),
                std::vector<cohort::seed>{cohort::seed::parse("srv:_cohort._udp.test").value()}, cfg));
        }
        for (auto& d : discoveries) d->start();
    }

    ~harness() {
        for (auto& d : discoveries) d->stop();
        c.stop_all();
    }

    // Runs to virtual time `until`, calling `check` every 100 ms.
    void run_until(std::chrono::nanoseconds until, std::function<void()> check = {}) {
        auto const step = 5ms;
        std::size_t k = 0;
        while (c.net.now() < until) {
            cohort::run_virtual_for(c.ctx, c.net, step);
            for (auto& n : c.nodes) n->poll_time();
            for (auto& d : discoveries) d->poll_time();
            c.ctx.poll();
            if (check && ++k % 20 == 0) check();
        }
    }

    std::set<std::size_t> live_members_of(std::size_t i) {
        std::set<std::size_t> out;
        for (auto const& m : c.at(i).members())
            if (m.state == cohort::node_state::active || m.state == cohort::node_state::joining)
                for (std::size_t k = 0; k < c.nodes.size(); ++k)
                    if (m.id == c.at(k).local_id()) out.insert(k);
        return out;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(seed_discovery_on_memory_network)

// Five nodes start at once; for 8 s each lookup returns a random subset of
// the five (every node its own) or fails; then all five. Only the lowest
// (node 0) forms, and at every moment any node in a cluster of more than one
// has node 0 in it: there is never a second cluster.
BOOST_AUTO_TEST_CASE(a_cold_start_on_inconsistent_answers_forms_exactly_one_cluster) {
    for (std::uint64_t run = 1; run <= 4; ++run) {
        auto rng = std::make_shared<std::mt19937_64>(run);
        script s = [rng](std::size_t, std::chrono::nanoseconds now)
            -> std::optional<std::vector<std::size_t>> {
            if (now >= 8s) return std::vector<std::size_t>{0, 1, 2, 3, 4};
            if ((*rng)() % 5 == 0) return std::nullopt;
            std::vector<std::size_t> v;
            for (std::size_t k = 0; k < 5; ++k)
                if ((*rng)() % 2) v.push_back(k);
            return v;
        };
        harness h(5, s, bootstrap(), run);
        std::size_t second_cluster_seen = 0;
        h.run_until(40s, [&] {
            for (std::size_t i = 1; i < 5; ++i) {
                auto const m = h.live_members_of(i);
                if (m.size() > 1 && !m.count(0)) ++second_cluster_seen;
            }
        });
        BOOST_TEST(second_cluster_seen == 0u, "run " << run);
        BOOST_TEST(h.discoveries[0]->counters().formed == 1u, "run " << run);
        for (std::size_t i = 1; i < 5; ++i) {
            BOOST_TEST(h.discoveries[i]->counters().formed == 0u, "run " << run << " node " << i);
            BOOST_TEST(h.discoveries[i]->counters().joins >= 1u, "run " << run << " node " << i);
        }
        BOOST_TEST(h.discoveries[0]->counters().lookups_failed + h.discoveries[1]->counters().lookups_failed > 0u);
        for (std::size_t i = 0; i < 5; ++i) {
            BOOST_TEST(h.c.active_seen_by(i) == 5u, "run " << run << " node " << i);
            BOOST_TEST((h.discoveries[i]->phase() == cohort::bootstrap_phase::joined),
                       "run " << run << " node " << i);
        }
    }
}

// Until 20 s nodes 0-1 are told {0, 1} and nodes 2-4 {2, 3, 4} (node 0 listed
// late for the others, a stale record for 0 and 1): two clusters form. Once
// every answer lists all five, the heal rule merges them.
BOOST_AUTO_TEST_CASE(a_node_listed_late_is_merged_by_the_heal_rule) {
    script s = [](std::size_t i, std::chrono::nanoseconds now) -> std::optional<std::vector<std::size_t>> {
        if (now >= 20s) return std::vector<std::size_t>{0, 1, 2, 3, 4};
        if (i < 2) return std::vector<std::size_t>{0, 1};
        return std::vector<std::size_t>{2, 3, 4};
    };
    harness h(5, s, bootstrap());
    h.run_until(19s);
    // the split really happened
    BOOST_TEST((h.live_members_of(0) == std::set<std::size_t>{0, 1}));
    BOOST_TEST((h.live_members_of(2) == std::set<std::size_t>{2, 3, 4}));
    BOOST_TEST(h.discoveries[0]->counters().formed == 1u);
    BOOST_TEST(h.discoveries[2]->counters().formed == 1u);
    // a heal lookup every 10 s: by 20 s + 10 s + the join, one cluster
    h.run_until(45s);
    for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(h.c.active_seen_by(i) == 5u, "node " << i);
    BOOST_TEST(h.discoveries[0]->counters().joins_failed == 0u);
}

// required_contacts 3 and answers of two: nobody forms or joins, however
// long. Once the answers list three, they do.
BOOST_AUTO_TEST_CASE(too_few_contacts_form_nothing) {
    auto three = std::make_shared<bool>(false);
    script s = [three](std::size_t, std::chrono::nanoseconds) -> std::optional<std::vector<std::size_t>> {
        if (*three) return std::vector<std::size_t>{0, 1, 2};
        return std::vector<std::size_t>{0, 1};
    };
    harness h(3, s, bootstrap(3));
    h.run_until(60s);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(h.c.at(i).members().size() == 1u, "node " << i);
        BOOST_TEST(h.discoveries[i]->counters().formed == 0u);
        BOOST_TEST(h.discoveries[i]->counters().joins == 0u);
        BOOST_TEST(h.discoveries[i]->counters().lookups >= 50u);
    }
    *three = true;
    h.run_until(80s);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(h.c.active_seen_by(i) == 3u, "node " << i);
    BOOST_TEST(h.discoveries[0]->counters().formed == 1u);
}

// Failed lookups never count as an answer.
BOOST_AUTO_TEST_CASE(failed_lookups_form_nothing) {
    script s = [](std::size_t, std::chrono::nanoseconds) -> std::optional<std::vector<std::size_t>> {
        return std::nullopt;
    };
    harness h(2, s, bootstrap(1));
    h.run_until(30s);
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST(h.discoveries[i]->counters().formed == 0u);
        BOOST_TEST(h.discoveries[i]->counters().lookups_failed == h.discoveries[i]->counters().lookups);
        BOOST_TEST(h.discoveries[i]->counters().lookups >= 25u);
    }
}

BOOST_AUTO_TEST_CASE(no_seeds_or_a_bad_config_is_refused) {
    memory_cluster c;
    c.add();
    scripted_resolver r{&c, 0, nullptr};
    BOOST_CHECK_THROW(discovery(c.at(0), r, {}, bootstrap()), boost::system::system_error);
    auto bad = bootstrap();
    bad.lookup_interval = 0s;
    BOOST_CHECK_THROW(discovery(c.at(0), r, {cohort::seed::parse("srv:x.test").value()}, bad),
                      boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
