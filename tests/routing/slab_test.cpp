// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// detail::slab and detail::deadline_queue (routing/detail/slab.hpp), the
// router's pending calls: stale keys find nothing, slots are reused, values
// stay put, storage is bounded by the peak; seeded random operations against
// simple models.

#include <cohort/routing/detail/slab.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

using cohort::detail::deadline_queue;
using cohort::detail::slab;
using std::chrono::nanoseconds;

BOOST_AUTO_TEST_SUITE(routing_slab)

BOOST_AUTO_TEST_CASE(keys_are_never_zero_and_stale_keys_find_nothing) {
    slab<std::string> s;
    auto [a, va] = s.insert();
    va = "first";
    BOOST_TEST(a != 0u);
    BOOST_TEST_REQUIRE(s.find(a) != nullptr);
    BOOST_TEST(*s.find(a) == "first");
    BOOST_TEST(s.find(0) == nullptr);
    BOOST_TEST(s.erase(a));
    BOOST_TEST(!s.erase(a));
    BOOST_TEST(s.find(a) == nullptr);
    // The slot comes back with another key, its value as left.
    auto [b, vb] = s.insert();
    BOOST_TEST(b != a);
    BOOST_TEST(vb == "first");
    BOOST_TEST(s.find(a) == nullptr);
    BOOST_TEST(s.find(b) == &vb);
    BOOST_TEST(s.slots() == 1u);
    BOOST_TEST(s.size() == 1u);
}

BOOST_AUTO_TEST_CASE(values_stay_put_while_others_are_inserted) {
    slab<int> s;
    auto [k0, v0] = s.insert();
    v0 = 42;
    int* const address = &v0;
    std::vector<std::uint64_t> keys;
    for (int i = 0; i < 10000; ++i) keys.push_back(s.insert().first);
    BOOST_TEST(s.find(k0) == address);
    BOOST_TEST(*address == 42);
    std::set<std::uint64_t> distinct(keys.begin(), keys.end());
    BOOST_TEST(distinct.size() == keys.size());
    s.clear();
    BOOST_TEST(s.size() == 0u);
    BOOST_TEST(s.find(k0) == nullptr);
    for (auto k : keys) BOOST_TEST_REQUIRE(s.find(k) == nullptr);
    s.insert();
    BOOST_TEST(s.slots() == 10001u);  // reused, not grown
}

BOOST_AUTO_TEST_CASE(slab_matches_a_model_under_random_operations) {
    std::mt19937_64 rng(0x51AB);
    slab<std::uint64_t> s;
    std::map<std::uint64_t, std::uint64_t> model;  // key -> value
    std::vector<std::uint64_t> dead;               // erased keys: never found again
    std::size_t peak = 0;
    for (int op = 0; op < 50000; ++op) {
        auto const r = rng() % 10;
        if (r < 4 || model.empty()) {
            auto [k, v] = s.insert();
            BOOST_TEST_REQUIRE(k != 0u);
            BOOST_TEST_REQUIRE(!model.contains(k));
            v = rng();
            model[k] = v;
        } else if (r < 8) {
            auto it = model.begin();
            std::advance(it, static_cast<long>(rng() % model.size()));
            BOOST_TEST_REQUIRE(s.erase(it->first));
            dead.push_back(it->first);
            model.erase(it);
        } else {
            for (auto const& [k, v] : model) {
                auto* found = s.find(k);
                BOOST_TEST_REQUIRE(found != nullptr);
                BOOST_TEST_REQUIRE(*found == v);
            }
            for (std::size_t i = 0; i < std::min<std::size_t>(dead.size(), 64); ++i)
                BOOST_TEST_REQUIRE(s.find(dead[rng() % dead.size()]) == nullptr);
        }
        peak = std::max(peak, model.size());
        BOOST_TEST_REQUIRE(s.size() == model.size());
        BOOST_TEST_REQUIRE(s.slots() == peak);  // bounded by the peak
    }
    std::map<std::uint64_t, std::uint64_t> seen;
    s.for_each([&](std::uint64_t k, std::uint64_t& v) { seen[k] = v; });
    BOOST_TEST((seen == model));
}

BOOST_AUTO_TEST_CASE(deadline_queue_gives_the_earliest_live_deadline) {
    std::mt19937_64 rng(0xDEAD);
    deadline_queue q;
    std::set<std::uint64_t> live;
    std::multiset<std::pair<std::int64_t, std::uint64_t>> model;  // (when, key), live only
    std::uint64_t next_key = 1;
    auto const is_live = [&](std::uint64_t k) { return live.contains(k); };
    for (int op = 0; op < 50000; ++op) {
        auto const r = rng() % 10;
        if (r < 5) {
            auto const when = static_cast<std::int64_t>(rng() % 1000);
            auto const key = next_key++;
            q.push(nanoseconds(when), key);
            live.insert(key);
            model.insert({when, key});
        } else if (r < 8 && !model.empty()) {
            // Remove a random live entry (lazily, as the router does).
            auto it = model.begin();
            std::advance(it, static_cast<long>(rng() % std::min<std::size_t>(model.size(), 16)));
            live.erase(it->second);
            model.erase(it);
            q.compact(live.size(), is_live);
            BOOST_TEST_REQUIRE(q.size() <= 2 * live.size() + 64 + 1);
        } else {
            auto const* top = q.earliest(is_live);
            if (model.empty()) {
                BOOST_TEST_REQUIRE(top == nullptr);
                continue;
            }
            BOOST_TEST_REQUIRE(top != nullptr);
            BOOST_TEST_REQUIRE(top->when.count() == model.begin()->first);
            BOOST_TEST_REQUIRE(top->key == model.begin()->second);
            if (rng() % 2 == 0) {  // expire it
                live.erase(top->key);
                model.erase(model.begin());
                q.pop();
            }
        }
    }
    // Draining gives the live entries in order.
    std::vector<std::pair<std::int64_t, std::uint64_t>> drained;
    while (auto const* top = q.earliest(is_live)) {
        drained.emplace_back(top->when.count(), top->key);
        live.erase(top->key);
        q.pop();
    }
    BOOST_TEST((drained == std::vector<std::pair<std::int64_t, std::uint64_t>>(model.begin(),
                                                                               model.end())));
}

BOOST_AUTO_TEST_SUITE_END()
