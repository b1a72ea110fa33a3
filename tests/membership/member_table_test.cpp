// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The dense member table and the index-keyed monitoring ring, checked against
// std::map / std::set models under seeded random operations.

#include <cohort/membership/detail/member_table.hpp>
#include <cohort/membership/detail/ring.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace cohort;

namespace {

struct item {
    std::string name;
    int value = 0;
    std::vector<int> payload;  // a resource the table must free on erase
};
struct item_name {
    std::string_view operator()(item const& i) const noexcept { return i.name; }
};
using table = detail::member_table<item, item_name>;
using index_type = table::index_type;

// Every invariant of `t` against the model (name -> value) and the
// addresses recorded at insertion (records never move).
void check(table const& t, std::map<std::string, int> const& model,
           std::map<std::string, item const*> const& where) {
    BOOST_TEST_REQUIRE(t.size() == model.size());
    BOOST_TEST(t.empty() == model.empty());
    std::size_t seen = 0;
    std::set<std::string> names;
    t.for_each([&](index_type i, item const& it) {
        ++seen;
        BOOST_TEST(t.live(i));
        BOOST_TEST(i < t.slots());
        BOOST_TEST(t.name(i) == it.name);
        BOOST_TEST(names.insert(it.name).second);  // no name twice
        auto m = model.find(it.name);
        BOOST_TEST_REQUIRE((m != model.end()));
        BOOST_TEST(it.value == m->second);
        BOOST_TEST(t.find(it.name) == i);
        BOOST_TEST(where.at(it.name) == &it);
    });
    BOOST_TEST(seen == model.size());
    std::size_t live = 0;
    for (index_type i = 0; i < t.slots(); ++i) live += t.live(i);
    BOOST_TEST(live == model.size());
}

} // namespace

BOOST_AUTO_TEST_SUITE(membership_member_table)

BOOST_AUTO_TEST_CASE(insert_find_erase_basics) {
    table t;
    BOOST_TEST(t.empty());
    BOOST_TEST(t.find("a") == table::npos);
    auto [a, added_a] = t.insert(item{"a", 1, {1, 2, 3}});
    BOOST_TEST(added_a);
    auto [b, added_b] = t.insert(item{"b", 2, {}});
    BOOST_TEST(added_b);
    BOOST_TEST(a != b);
    // A second record of a present name is dropped; the present one stays.
    auto [a2, added_a2] = t.insert(item{"a", 99, {}});
    BOOST_TEST(!added_a2);
    BOOST_TEST(a2 == a);
    BOOST_TEST(t[a].value == 1);
    BOOST_TEST(t.size() == 2U);
    BOOST_TEST(t.find("a") == a);
    BOOST_TEST(t.find("b") == b);
    BOOST_TEST(t.find("c") == table::npos);

    item const* pb = &t[b];
    t.erase(a);
    BOOST_TEST(t.find("a") == table::npos);
    BOOST_TEST(!t.live(a));
    BOOST_TEST(t.size() == 1U);
    BOOST_TEST(&t[b] == pb);  // others stay where they are
    // The freed index is reused, and the slot was reset (no stale payload).
    auto [c, added_c] = t.insert(item{"c", 3, {}});
    BOOST_TEST(added_c);
    BOOST_TEST(c == a);
    BOOST_TEST(t[c].payload.empty());
    BOOST_TEST(t.find("c") == c);
}

BOOST_AUTO_TEST_CASE(random_operations_match_a_map) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        std::mt19937_64 rng(seed);
        table t;
        if (seed % 2) t.reserve(50);
        std::map<std::string, int> model;
        std::map<std::string, item const*> where;
        // Few distinct names, so that inserts of present names and erases
        // and reuse of indices happen often; more than one chunk (64).
        auto pick = [&] { return "m" + std::to_string(rng() % 300); };
        for (int step = 0; step < 6000; ++step) {
            std::string const name = pick();
            switch (rng() % 4) {
            case 0:
            case 1: {  // insert, or insert in place
                int const v = static_cast<int>(rng() % 1000);
                std::vector<int> payload(rng() % 3, v);
                auto [i, added] = step % 2 ? t.insert(item{name, v, payload})
                                           : t.insert_in_place([&](item& it) {
                                                 BOOST_TEST(it.name.empty());  // a clean slot
                                                 BOOST_TEST(it.payload.empty());
                                                 it = item{name, v, payload};
                                             });
                BOOST_TEST(added == (model.count(name) == 0));
                if (added) {
                    model[name] = v;
                    where[name] = &t[i];
                }
                BOOST_TEST(t[i].name == name);
                BOOST_TEST(t[i].value == model[name]);
                break;
            }
            case 2: {  // erase
                auto const i = t.find(name);
                BOOST_TEST((i == table::npos) == (model.count(name) == 0));
                if (i != table::npos) {
                    t.erase(i);
                    model.erase(name);
                    where.erase(name);
                }
                break;
            }
            case 3: {  // update in place
                auto const i = t.find(name);
                BOOST_TEST((i == table::npos) == (model.count(name) == 0));
                if (i != table::npos) {
                    t[i].value = static_cast<int>(rng() % 1000);
                    model[name] = t[i].value;
                }
                break;
            }
            }
            if (step % 500 == 0) check(t, model, where);
        }
        check(t, model, where);
        // Freed indices are reused before new ones are handed out, so there
        // are never more slots than names alive at once (at most 300).
        BOOST_TEST(t.slots() <= 300U);
    }
}

namespace {

// A ring over indices into `names`, as membership_protocol keys its ring.
struct names_of {
    std::vector<std::string> const* names;
    std::string_view operator()(std::uint32_t i) const noexcept { return (*names)[i]; }
};
using index_ring = detail::basic_monitoring_ring<std::uint32_t, names_of>;
using ring_model = std::set<std::pair<std::uint64_t, std::string>>;

// successors/predecessors of `from` in the model (the old std::set ring).
std::vector<std::string> model_walk(ring_model const& m, std::string const& from, std::size_t k,
                                    bool forward) {
    std::vector<std::string> out;
    if (m.empty()) return out;
    std::pair<std::uint64_t, std::string> const start{detail::fnv1a_64(from), from};
    if (forward) {
        auto it = m.upper_bound(start);
        for (std::size_t steps = 0; steps < m.size() && out.size() < k; ++steps, ++it) {
            if (it == m.end()) it = m.begin();
            if (*it != start) out.push_back(it->second);
        }
    } else {
        auto it = m.lower_bound(start);
        for (std::size_t steps = 0; steps < m.size() && out.size() < k; ++steps) {
            if (it == m.begin()) it = m.end();
            --it;
            if (*it != start) out.push_back(it->second);
        }
    }
    return out;
}

void check_ring(index_ring const& ring, ring_model const& model,
                std::vector<std::string> const& names) {
    BOOST_TEST_REQUIRE(ring.size() == model.size());
    std::vector<std::string_view> out;
    for (std::uint32_t i = 0; i < names.size(); ++i) {
        BOOST_TEST(ring.contains(i) == (model.count({detail::fnv1a_64(names[i]), names[i]}) != 0));
        for (bool forward : {true, false}) {
            std::size_t const k = 1 + i % 6;
            if (forward) ring.successors(names[i], k, out);
            else ring.predecessors(names[i], k, out);
            auto const expected = model_walk(model, names[i], k, forward);
            BOOST_TEST_REQUIRE(out.size() == expected.size());
            for (std::size_t j = 0; j < out.size(); ++j) BOOST_TEST(out[j] == expected[j]);
        }
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(index_ring_matches_the_ordered_set_it_replaces) {
    std::vector<std::string> names;
    for (int i = 0; i < 120; ++i) names.push_back("m" + std::to_string(i));
    // Two names whose FNV-1a 64 hashes share their upper 32 bits
    // (0x5a5ed491...): the ring falls back to the full hash for them.
    names.push_back("c349641");
    names.push_back("c558010");
    BOOST_TEST((detail::fnv1a_64("c349641") >> 32) == (detail::fnv1a_64("c558010") >> 32));
    BOOST_TEST(detail::fnv1a_64("c349641") != detail::fnv1a_64("c558010"));

    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        std::mt19937_64 rng(seed);
        index_ring ring(names_of{&names});
        ring_model model;
        // A batch first, as bootstrap builds it (with one duplicate).
        ring.begin_batch();
        for (std::uint32_t i = 0; i < names.size(); i += 2) {
            BOOST_TEST(ring.insert(i));
            model.insert({detail::fnv1a_64(names[i]), names[i]});
        }
        ring.insert(0);
        ring.insert(static_cast<std::uint32_t>(names.size() - 1));  // the tie partner
        model.insert({detail::fnv1a_64(names.back()), names.back()});
        ring.end_batch();
        check_ring(ring, model, names);

        for (int step = 0; step < 600; ++step) {
            auto const i = static_cast<std::uint32_t>(rng() % names.size());
            std::pair<std::uint64_t, std::string> const key{detail::fnv1a_64(names[i]), names[i]};
            auto const v0 = ring.version();
            if (rng() % 2) {
                bool const added = model.insert(key).second;
                BOOST_TEST(ring.insert(i) == added);
                BOOST_TEST((ring.version() != v0) == added);
            } else {
                bool const removed = model.erase(key) != 0;
                BOOST_TEST(ring.erase(i) == removed);
                BOOST_TEST((ring.version() != v0) == removed);
            }
            if (step % 100 == 0) check_ring(ring, model, names);
        }
        check_ring(ring, model, names);
    }
}

BOOST_AUTO_TEST_SUITE_END()
