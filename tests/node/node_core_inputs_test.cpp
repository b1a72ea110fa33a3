// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The membership core's inputs that basic_node feeds: on_unreachable (a
// refused or closed transport suspects a member at once, with the reason in
// node_down) and join() at run time (two clusters merge), on the
// deterministic harness of the membership tests.
#include "../membership/harness.hpp"

#include <cohort/membership/protocol.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <variant>
#include <vector>

using namespace cohort;
using namespace cohort_test;

namespace {

membership_config test_config() {
    auto c = membership_config::lan();
    c.reconnect_interval = 5s;
    c.reap_interval = 1h;
    return c;
}

template <class E, class F>
std::size_t count_events(harness::node const& n, F pred) {
    std::size_t c = 0;
    for (auto const& e : n.events)
        if (auto const* p = std::get_if<E>(&e.event); p && pred(*p)) ++c;
    return c;
}

template <class E, class F>
std::optional<ns> first_event(harness::node const& n, F pred) {
    for (auto const& e : n.events)
        if (auto const* p = std::get_if<E>(&e.event); p && pred(*p)) return e.at;
    return std::nullopt;
}

// Adds n nodes and forms them into one cluster through the first.
std::vector<std::size_t> form(harness& h, std::size_t n) {
    std::vector<std::size_t> ids;
    for (std::size_t k = 0; k < n; ++k) ids.push_back(h.add());
    h.start(ids[0]);
    for (std::size_t k = 1; k < n; ++k) h.start(ids[k], {ids[0]});
    BOOST_TEST_REQUIRE(
        h.run_until_true([&] { return h.all_see(ids, node_state::active); }, 30s).has_value());
    return ids;
}

} // namespace

BOOST_AUTO_TEST_SUITE(membership_core_inputs)

BOOST_AUTO_TEST_CASE(unreachable_member_is_suspected_at_once_and_down_with_that_reason) {
    for (auto reason : {down_reason::connection_refused, down_reason::connection_closed}) {
        BOOST_TEST_CONTEXT("reason " << reason) {
            harness h(test_config());
            form(h, 4);
            h.run_until(h.now() + 5s);
            h.crash(3);
            auto const victim = h.at(3).id;
            ns const at = h.now();
            h.core(0).on_unreachable(victim.name(), reason, at);
            // Suspected at once, by node 0 itself, without a probe round.
            BOOST_TEST(h.core(0).find(victim.name())->state == node_state::unknown);
            BOOST_TEST(h.core(0).counters().unreachable_suspicions == 1u);
            BOOST_TEST(h.core(0).counters().suspicions == 1u);
            BOOST_TEST(h.core(0).counters().probe_failures == 0u);
            auto const t = h.run_until_true([&] { return h.others_see(3, node_state::failed); }, 60s);
            BOOST_TEST_REQUIRE(t.has_value());
            BOOST_TEST(count_events<node_down>(h.at(0), [&](node_down const& d) {
                           return d.id == victim && d.reason == reason;
                       }) == 1u);
            // The others reached their verdict on their own grounds.
            for (std::size_t i = 1; i < 3; ++i)
                BOOST_TEST(count_events<node_down>(h.at(i), [&](node_down const& d) {
                               return d.id == victim &&
                                      d.reason == down_reason::heartbeat_timeout;
                           }) == 1u);
            // Faster than the detector alone: node 0 suspected at `at`.
            auto const suspected = first_event<state_changed>(h.at(0), [&](state_changed const& s) {
                return s.id == victim && s.to == node_state::unknown;
            });
            BOOST_TEST_REQUIRE(suspected.has_value());
            BOOST_TEST((*suspected - at) < 1s);
        }
    }
}

BOOST_AUTO_TEST_CASE(live_member_refutes_an_unreachable_suspicion) {
    harness h(test_config());
    form(h, 3);
    h.run_until(h.now() + 5s);
    auto const target = h.at(2).id;
    h.core(0).on_unreachable(target.name(), down_reason::connection_refused, h.now());
    BOOST_TEST(h.core(0).find(target.name())->state == node_state::unknown);
    auto const inc = h.core(2).incarnation();
    auto const t = h.run_until_true(
        [&] { return h.core(0).find(target.name())->state == node_state::active; }, 30s);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(h.core(2).incarnation() > inc);
    BOOST_TEST(h.core(2).counters().refutations >= 1u);
    BOOST_TEST(h.core(0).counters().false_suspicion_refutes >= 1u);
    h.run_until(h.now() + 30s);
    for (std::size_t i = 0; i < 3; ++i)
        BOOST_TEST(count_events<node_down>(h.at(i), [](auto const&) { return true; }) == 0u);

    // A later, real failure is a heartbeat_timeout again: the hint died with
    // the refuted suspicion.
    h.crash(2);
    BOOST_TEST_REQUIRE(
        h.run_until_true([&] { return h.others_see(2, node_state::failed); }, 60s).has_value());
    BOOST_TEST(count_events<node_down>(h.at(0), [&](node_down const& d) {
                   return d.id == target && d.reason == down_reason::heartbeat_timeout;
               }) == 1u);
}

BOOST_AUTO_TEST_CASE(unreachable_hint_confirms_an_existing_suspicion) {
    harness h(test_config());
    form(h, 4);
    h.run_until(h.now() + 5s);
    h.crash(3);
    auto const victim = h.at(3).id;
    // Someone else suspects first; node 0 hears of it.
    BOOST_TEST_REQUIRE(h.run_until_true(
                            [&] {
                                auto const* m = h.core(0).find(victim.name());
                                return m && m->state == node_state::unknown;
                            },
                            60s)
                           .has_value());
    h.core(0).on_unreachable(victim.name(), down_reason::connection_closed, h.now());
    BOOST_TEST_REQUIRE(
        h.run_until_true([&] { return h.others_see(3, node_state::failed); }, 60s).has_value());
    BOOST_TEST(count_events<node_down>(h.at(0), [&](node_down const& d) {
                   return d.id == victim && d.reason == down_reason::connection_closed;
               }) == 1u);
}

BOOST_AUTO_TEST_CASE(unreachable_ignores_what_it_cannot_suspect) {
    harness h(test_config());
    form(h, 3);
    auto& core = h.core(0);
    auto const before = core.counters();
    core.on_unreachable(h.at(0).id.name(), down_reason::connection_refused, h.now());  // self
    core.on_unreachable("nobody", down_reason::connection_refused, h.now());
    core.on_unreachable(h.at(1).id.name(), down_reason::heartbeat_timeout, h.now());
    core.on_unreachable(h.at(1).id.name(), down_reason::graceful_shutdown, h.now());
    BOOST_TEST(core.counters().unreachable_suspicions == before.unreachable_suspicions);
    BOOST_TEST(core.find(h.at(1).id.name())->state == node_state::active);
    // A member that left is not suspected either.
    h.core(2).leave(h.now());
    BOOST_TEST_REQUIRE(h.run_until_true(
                            [&] { return core.find(h.at(2).id.name())->state == node_state::leaving; },
                            30s)
                           .has_value());
    core.on_unreachable(h.at(2).id.name(), down_reason::connection_refused, h.now());
    BOOST_TEST(core.find(h.at(2).id.name())->state == node_state::leaving);
    BOOST_TEST(core.counters().unreachable_suspicions == before.unreachable_suspicions);
}

BOOST_AUTO_TEST_CASE(runtime_join_merges_two_clusters) {
    harness h(test_config());
    auto const a = form(h, 3);
    auto const b = form(h, 3);
    BOOST_TEST(h.core(b[0]).live_count() == 3u);
    h.core(b[0]).join({peer_address::of(h.at(a[0]).id)}, h.now());
    auto const all = h.all();
    auto const t = h.run_until_true([&] { return h.all_see(all, node_state::active); }, 30s);
    BOOST_TEST_REQUIRE(t.has_value());
    for (auto i : all) {
        BOOST_TEST(h.core(i).live_count() == 6u);
        BOOST_TEST(h.core(i).leader()->name() == "n0");
    }
    // join_completed: at start (a cluster of one) and once for the run-time join.
    BOOST_TEST(count_events<join_completed>(h.at(b[0]), [](join_completed const& j) {
                   return !j.ec;
               }) == 2u);
}

BOOST_AUTO_TEST_CASE(runtime_join_times_out_and_can_be_cancelled) {
    auto cfg = test_config();
    cfg.join_timeout = 10s;
    harness h(cfg);
    form(h, 2);
    auto const ghost = peer_address::parse("192.0.2.1:7946").value();
    h.core(1).join({ghost}, h.now());
    h.run_until(h.now() + 20s);
    BOOST_TEST(count_events<join_completed>(h.at(1), [](join_completed const& j) {
                   return j.ec == cohort::error::join_timeout;
               }) == 1u);
    BOOST_TEST(h.core(1).state() == node_state::active);
    BOOST_TEST(h.core(1).live_count() == 2u);

    auto const attempts = h.core(1).counters().join_attempts;
    h.core(1).join({ghost}, h.now());
    h.core(1).cancel_join();
    h.run_until(h.now() + 20s);
    BOOST_TEST(count_events<join_completed>(h.at(1), [](join_completed const& j) {
                   return j.ec == cohort::error::join_timeout;
               }) == 1u);  // no second one
    BOOST_TEST(h.core(1).counters().join_attempts == attempts + 1);

    // Joining through only itself (or nobody) completes at once.
    h.core(1).join({peer_address::of(h.at(1).id)}, h.now());
    h.run_until(h.now() + 1s);
    BOOST_TEST(count_events<join_completed>(h.at(1), [](join_completed const& j) {
                   return !j.ec;
               }) == 2u);  // the first join through node 0, and this one
}

BOOST_AUTO_TEST_SUITE_END()
