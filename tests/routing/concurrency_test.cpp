// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// atomic_ownership under concurrent readers and a publishing writer. Run under
// ThreadSanitizer in CI: a reader touching a retired table is a data race (and
// a use after free under ASan).

#include <cohort/routing/atomic_ownership.hpp>
#include <cohort/routing/maglev_table.hpp>
#include <cohort/routing/vnode_ring.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace cohort;

std::vector<ring_member> members_of_generation(std::size_t g) {
    // Generation g: members g .. g + 7, so consecutive tables overlap.
    std::vector<ring_member> out;
    for (std::size_t i = g; i < g + 8; ++i)
        out.push_back({node_id::parse("m" + std::to_string(i) + "@10.0.0.1:7946").value(),
                       node_state::active, 1});
    return out;
}

template <class S>
void readers_see_only_published_tables() {
    std::size_t const generations = 60;
    std::size_t const readers = 4;
    std::size_t const lookups = 4000;
    // Every id any published table contains: m0 .. m(generations + 7).
    std::set<node_id> ever;
    for (std::size_t g = 0; g <= generations; ++g)
        for (auto const& m : members_of_generation(g)) ever.insert(m.id);

    atomic_ownership<S> holder(std::make_shared<basic_ownership<S> const>(
        members_of_generation(0), typename S::config{}));
    std::atomic<bool> bad{false};
    std::atomic<std::size_t> checked{0};
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < readers; ++r) {
        threads.emplace_back([&, r] {
            for (std::size_t i = 0; i < lookups; ++i) {
                auto const key = hash_key("k" + std::to_string(r * lookups + i));
                auto const guard = holder.read();
                node_id const& id = guard->owner(key);
                auto const members = guard->members();
                bool const in_table = std::any_of(members.begin(), members.end(),
                                                  [&](auto const& m) { return m.id == id; });
                if (!in_table || !ever.count(id) || guard->size() != 8) bad = true;
                if (i % 512 == 0) {
                    auto const snap = holder.snapshot();  // outlives later publishes
                    if (snap->size() != 8) bad = true;
                }
                checked.fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    std::thread writer([&] {
        for (std::size_t g = 1; g <= generations; ++g) {
            auto previous = holder.publish(basic_ownership<S>(members_of_generation(g)));
            if (!previous || previous->size() != 8) bad = true;
            std::this_thread::yield();
        }
    });
    writer.join();
    for (auto& t : threads) t.join();
    BOOST_TEST(!bad.load());
    BOOST_TEST(checked.load() == readers * lookups);
    BOOST_TEST(holder.publications() == generations);
    BOOST_TEST(holder.read()->members().front().id ==
               node_id::parse("m" + std::to_string(generations) + "@10.0.0.1:7946").value());
}

} // namespace

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_AUTO_TEST_CASE(ring_readers_see_only_published_tables) {
    readers_see_only_published_tables<vnode_ring>();
}

BOOST_AUTO_TEST_CASE(maglev_readers_see_only_published_tables) {
    readers_see_only_published_tables<maglev_table>();
}

BOOST_AUTO_TEST_CASE(concurrent_lookups_on_one_table) {
    // basic_ownership itself is immutable: any number of threads may share one.
    auto const table = std::make_shared<ring_ownership const>(members_of_generation(3));
    std::vector<std::thread> threads;
    std::atomic<bool> bad{false};
    for (int r = 0; r < 4; ++r)
        threads.emplace_back([&, r] {
            std::vector<node_id> list;
            for (int i = 0; i < 2000; ++i) {
                list.clear();
                std::string const key = "k" + std::to_string(r * 2000 + i);
                table->owners(key, 3, std::back_inserter(list));
                if (list.size() != 3 || list.front() != table->owner(key)) bad = true;
            }
        });
    for (auto& t : threads) t.join();
    BOOST_TEST(!bad.load());
}

BOOST_AUTO_TEST_CASE(empty_holder) {
    atomic_ownership<vnode_ring> holder;
    BOOST_TEST(holder.read()->empty());
    BOOST_TEST(holder.snapshot()->fingerprint() == ring_ownership().fingerprint());
}

BOOST_AUTO_TEST_SUITE_END()
