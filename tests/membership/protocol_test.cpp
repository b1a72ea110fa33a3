// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// membership_protocol scenarios on the in-test harness (harness.hpp): virtual
// time, seeded loss and latency. Times measured are logged
// (--log_level=message), never asserted beyond generous bounds.

#include "harness.hpp"

#include <cohort/membership/protocol.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
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

double seconds(ns d) { return std::chrono::duration<double>(d).count(); }

// Starts n nodes at once, all joining through node 0, and runs until they converge.
ns converge(harness& h, std::size_t n, ns limit = 60s) {
    for (std::size_t i = 0; i < n; ++i) h.add();
    h.start(0);
    for (std::size_t i = 1; i < n; ++i) h.start(i, {0});
    auto const all = h.all();
    auto t = h.run_until_true([&] { return h.all_see(all, node_state::active); }, limit);
    BOOST_TEST_REQUIRE(t.has_value());
    return *t;
}

template <class E, class F>
std::size_t count_events(harness::node const& n, F pred) {
    std::size_t c = 0;
    for (auto const& e : n.events)
        if (auto const* p = std::get_if<E>(&e.event); p && pred(*p)) ++c;
    return c;
}

// Whether any node ever saw node `target` failed.
bool anyone_saw_failed(harness& h, std::size_t target) {
    auto const name = h.at(target).id.name();
    for (auto const& n : h.nodes()) {
        if (count_events<state_changed>(n, [&](state_changed const& s) {
                return s.id.name() == name && s.to == node_state::failed;
            }) != 0)
            return true;
    }
    return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(membership_protocol_scenarios)

BOOST_AUTO_TEST_CASE(single_node_cluster_is_active_and_its_own_leader) {
    harness h(test_config());
    h.add();
    h.start(0);
    auto& core = h.core(0);
    BOOST_TEST(core.state() == node_state::active);
    BOOST_TEST_REQUIRE(core.leader().has_value());
    BOOST_TEST(*core.leader() == h.at(0).id);
    auto const& ev = h.at(0).events;
    BOOST_TEST(count_events<node_up>(h.at(0), [](auto const&) { return true; }) == 1U);
    BOOST_TEST(count_events<leader_changed>(h.at(0), [](auto const&) { return true; }) == 1U);
    BOOST_TEST(count_events<join_completed>(h.at(0), [](join_completed const& j) {
                   return !j.ec;
               }) == 1U);
    BOOST_TEST(!ev.empty());
    h.run_until(60s);
    BOOST_TEST(core.counters().sent_of<ping>() == 0U);  // nobody to probe
    BOOST_TEST(core.live_count() == 1U);
    BOOST_TEST(core.snapshot().members.size() == 1U);
}

BOOST_AUTO_TEST_CASE(three_nodes_join_through_one_seed) {
    harness h(test_config());
    auto t = converge(h, 3);
    BOOST_TEST_MESSAGE("3 nodes converged in " << seconds(t) << " s (virtual)");
    BOOST_TEST(t < 5s);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(h.core(i).state() == node_state::active);
        BOOST_TEST(count_events<join_completed>(h.at(i), [](join_completed const& j) {
                       return !j.ec;
                   }) == 1U);
    }
}

BOOST_AUTO_TEST_CASE(twenty_nodes_join_through_one_seed_and_converge) {
    harness h(test_config());
    auto t = converge(h, 20);
    BOOST_TEST_MESSAGE("20 nodes converged in " << seconds(t) << " s (virtual)");
    BOOST_TEST(t < 10s);
    // the monitoring ring: each node watches monitored_by others
    for (std::size_t i = 0; i < 20; ++i) {
        h.run_until(h.now() + 2s);
        BOOST_TEST(h.core(i).monitored().size() == 5U);
    }
}

BOOST_AUTO_TEST_CASE(join_fails_with_timeout_when_no_seed_answers) {
    auto cfg = test_config();
    cfg.join_timeout = 10s;
    harness h(cfg);
    h.add();
    auto const ghost = peer_address::parse("192.0.2.1:7946").value();
    h.core(0).start(h.now(), {ghost, peer_address::parse("ghost@192.0.2.2:7946").value()});
    h.run_until(30s);
    auto const& n = h.at(0);
    BOOST_TEST(count_events<join_completed>(n, [](join_completed const& j) {
                   return j.ec == cohort::error::join_timeout;
               }) == 1U);
    BOOST_TEST(h.core(0).state() == node_state::joining);
    // retried with backoff 1, 2, 4, 8 s: attempts at 0, 1, 3, 7 s, then every 8 s
    BOOST_TEST(h.core(0).counters().join_attempts == 4U);
}

BOOST_AUTO_TEST_CASE(crashed_node_is_detected_by_everyone) {
    harness h(test_config());
    converge(h, 10);
    h.run_until(h.now() + 10s);
    ns const crash_at = h.now();
    h.crash(7);
    auto t = h.run_until_true([&] { return h.others_see(7, node_state::failed); }, 120s);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST_MESSAGE("crash detected by all 9 peers after " << seconds(*t - crash_at)
                                                               << " s (virtual)");
    BOOST_TEST(*t - crash_at < 40s);
    for (std::size_t i = 0; i < 10; ++i) {
        if (i == 7) continue;
        BOOST_TEST(count_events<node_down>(h.at(i), [&](node_down const& d) {
                       return d.id == h.at(7).id && d.reason == down_reason::heartbeat_timeout;
                   }) == 1U);
    }
    std::uint64_t declared = 0;
    for (std::size_t i = 0; i < 10; ++i) declared += h.core(i).counters().failures_declared;
    BOOST_TEST(declared > 0U);
}

BOOST_AUTO_TEST_CASE(graceful_leave_is_reported_as_such_and_never_as_failure) {
    harness h(test_config());
    converge(h, 10);
    h.core(3).leave(h.now());
    h.inject(3, h.core(3).make_envelope(ack{0}));  // collects the outbox
    auto done = h.run_until_true(
        [&] { return count_events<leave_completed>(h.at(3), [](auto const&) { return true; }); },
        10s, 10ms);
    BOOST_TEST_REQUIRE(done.has_value());
    h.crash(3);  // the process exits after its leave
    h.run_until(h.now() + 120s);
    BOOST_TEST(h.others_see(3, node_state::leaving));
    BOOST_TEST(!anyone_saw_failed(h, 3));
    for (std::size_t i = 0; i < 10; ++i) {
        if (i == 3) continue;
        BOOST_TEST(count_events<node_down>(h.at(i), [&](node_down const& d) {
                       return d.id == h.at(3).id && d.reason == down_reason::graceful_shutdown;
                   }) == 1U);
    }
}

BOOST_AUTO_TEST_CASE(paused_node_refutes_and_is_not_declared_failed) {
    harness h(test_config());
    converge(h, 10);
    h.run_until(h.now() + 10s);
    // Long enough for the detectors to give up (their acceptable pause, then
    // ~1.5 s of silence and the indirect probe), shorter than that plus the
    // shortest suspicion timeout (4 * max(1, log10(10)) s).
    auto const c = test_config();
    ns const pause = c.failure_detector.acceptable_heartbeat_pause + 2 * c.heartbeat_interval +
                     std::chrono::duration_cast<ns>(c.heartbeat_interval * c.suspicion_mult) / 3;
    h.pause(4);
    h.run_until(h.now() + pause);
    h.resume(4);
    h.run_until(h.now() + 60s);
    std::uint64_t suspicions = 0;
    for (std::size_t i = 0; i < 10; ++i) suspicions += h.core(i).counters().suspicions;
    BOOST_TEST_MESSAGE("pause of " << seconds(pause) << " s: " << suspicions << " suspicions, "
                                        << h.core(4).counters().refutations << " refutations");
    BOOST_TEST(suspicions > 0U);
    BOOST_TEST(h.core(4).counters().refutations > 0U);
    BOOST_TEST(!anyone_saw_failed(h, 4));
    BOOST_TEST(h.all_see(h.all(), node_state::active));

    // Events: the suspicion is unreachable -> reachable, never a second
    // node_up (Akka's UnreachableMember/ReachableMember vs MemberUp).
    auto const is4 = [&](auto const& e) { return e.id == h.at(4).id; };
    std::size_t unreachable = 0;
    for (std::size_t i = 0; i < 10; ++i) {
        if (i == 4) continue;
        auto const down = count_events<node_unreachable>(h.at(i), is4);
        BOOST_TEST(count_events<node_up>(h.at(i), is4) == 1U, "observer " << i);
        BOOST_TEST(count_events<node_reachable>(h.at(i), is4) == down, "observer " << i);
        unreachable += down;
    }
    BOOST_TEST(unreachable > 0U);
}

BOOST_AUTO_TEST_CASE(partition_then_heal_merges_again) {
    harness h(test_config());
    converge(h, 10);
    std::vector<std::size_t> left{0, 1, 2, 3, 4}, right{5, 6, 7, 8, 9};
    for (auto i : right) h.set_group(i, 1);
    auto split = h.run_until_true(
        [&] {
            for (auto i : left)
                for (auto j : right)
                    for (auto [a, b] : {std::pair{i, j}, std::pair{j, i}}) {
                        auto const* m = h.core(a).find(h.at(b).id.name());
                        if (!m || m->state != node_state::failed) return false;
                    }
            return true;
        },
        180s);
    BOOST_TEST_REQUIRE(split.has_value());
    BOOST_TEST(h.all_see(left, node_state::active));
    BOOST_TEST(h.all_see(right, node_state::active));
    ns const heal_at = h.now();
    for (auto i : right) h.set_group(i, 0);
    auto healed = h.run_until_true([&] { return h.all_see(h.all(), node_state::active); }, 180s);
    BOOST_TEST_REQUIRE(healed.has_value());
    BOOST_TEST_MESSAGE("partition: split seen after " << seconds(*split) << " s; merged "
                                                      << seconds(*healed - heal_at)
                                                      << " s after heal (virtual)");
    std::uint64_t reconnects = 0;
    for (std::size_t i = 0; i < 10; ++i) reconnects += h.core(i).counters().reconnect_attempts;
    BOOST_TEST(reconnects > 0U);
}

BOOST_AUTO_TEST_CASE(restart_with_same_name_supersedes_old_record) {
    harness h(test_config());
    converge(h, 5);
    // a fast restart, before anyone noticed the crash
    h.crash(2);
    h.run_until(h.now() + 1s);
    h.restart(2, 1000, {0});
    auto t = h.run_until_true(
        [&] {
            for (std::size_t i = 0; i < 5; ++i) {
                auto const* m = h.core(i).find("n2");
                if (!m || m->state != node_state::active || m->incarnation < 1000) return false;
            }
            return true;
        },
        30s);
    BOOST_TEST_REQUIRE(t.has_value());
    // a slow restart, after the cluster declared it failed
    h.crash(2);
    BOOST_TEST_REQUIRE(h.run_until_true([&] { return h.others_see(2, node_state::failed); }, 120s)
                           .has_value());
    h.restart(2, 5000, {1});
    BOOST_TEST_REQUIRE(h.run_until_true([&] { return h.all_see(h.all(), node_state::active); }, 30s)
                           .has_value());
    BOOST_TEST(h.core(0).find("n2")->incarnation >= 5000U);
}

BOOST_AUTO_TEST_CASE(address_change_with_newer_incarnation_replaces_address) {
    harness h(test_config());
    converge(h, 3);
    auto moved = node_id::parse("n2@10.9.9.9:8000").value();
    gossip g;
    g.rumors.push_back({moved, 77, node_state::active, {}, {}});
    h.inject(0, h.core(1).make_envelope(g));
    auto const* m = h.core(0).find("n2");
    BOOST_TEST_REQUIRE(m);
    BOOST_TEST(m->id == moved);
    BOOST_TEST(m->incarnation == 77U);
    // a stale rumor with the old address changes nothing
    g.rumors[0] = {h.at(2).id, 5, node_state::failed, {}, h.at(1).id};
    h.inject(0, h.core(1).make_envelope(g));
    BOOST_TEST(h.core(0).find("n2")->id == moved);
    BOOST_TEST(h.core(0).find("n2")->state == node_state::active);
}

BOOST_AUTO_TEST_CASE(label_mismatch_is_dropped_and_counted) {
    harness h(test_config());
    converge(h, 3);
    auto e = h.core(1).make_envelope(gossip{{{node_id::parse("evil@10.6.6.6:1").value(), 9,
                                               node_state::active, {}, {}}}});
    e.label = "other-cluster";
    h.inject(0, e);
    BOOST_TEST(h.core(0).counters().label_drops == 1U);
    BOOST_TEST(h.core(0).find("evil") == nullptr);

    // a node with another label never joins
    auto other = test_config();
    other.label = "blue";
    other.join_timeout = 5s;
    h.add(1, {}, &other);
    h.start(3, {0});
    h.run_until(h.now() + 10s);
    BOOST_TEST(h.core(3).state() == node_state::joining);
    BOOST_TEST(h.core(0).counters().label_drops > 1U);
    BOOST_TEST(count_events<join_completed>(h.at(3), [](join_completed const& j) {
                   return static_cast<bool>(j.ec);
               }) == 1U);
}

BOOST_AUTO_TEST_CASE(leader_is_smallest_active_id_and_changes_when_it_crashes) {
    harness h(test_config());
    converge(h, 5);
    for (std::size_t i = 0; i < 5; ++i) {
        BOOST_TEST_REQUIRE(h.core(i).leader().has_value());
        BOOST_TEST(*h.core(i).leader() == h.at(0).id);
    }
    h.crash(0);
    BOOST_TEST_REQUIRE(h.run_until_true([&] { return h.others_see(0, node_state::failed); }, 120s)
                           .has_value());
    for (std::size_t i = 1; i < 5; ++i) {
        BOOST_TEST(*h.core(i).leader() == h.at(1).id);
        auto const& ev = h.at(i).events;
        auto it = std::find_if(ev.rbegin(), ev.rend(), [](timed_event const& e) {
            return std::holds_alternative<leader_changed>(e.event);
        });
        BOOST_TEST_REQUIRE((it != ev.rend()));
        BOOST_TEST(*std::get<leader_changed>(it->event).leader == h.at(1).id);
    }
}

BOOST_AUTO_TEST_CASE(tags_update_propagates) {
    harness h(test_config());
    converge(h, 8);
    std::vector<tag> tags{{"role", "db"}, {"zone", "eu-1a"}};
    BOOST_TEST(h.core(5).set_tags(tags, h.now()).has_value());
    BOOST_TEST(!h.core(5).set_tags({{"k", std::string(600, 'x')}}, h.now()).has_value());
    auto t = h.run_until_true(
        [&] {
            for (std::size_t i = 0; i < 8; ++i)
                if (h.core(i).find("n5")->tags != tags) return false;
            return true;
        },
        30s, 10ms);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(count_events<tags_changed>(h.at(0), [](tags_changed const& c) {
                   return c.id.name() == "n5";
               }) == 1U);
}

BOOST_AUTO_TEST_CASE(fifty_nodes_with_ten_percent_loss_declare_no_live_member_failed) {
    harness h(test_config(), 42);
    h.round_trip = false;  // speed: the codecs are covered elsewhere
    converge(h, 50, 120s);
    h.loss = 0.10;
    h.run_until(h.now() + 600s);
    std::uint64_t suspicions = 0, refutations = 0, declared = 0, indirect = 0;
    for (std::size_t i = 0; i < 50; ++i) {
        indirect += h.core(i).counters().indirect_probes;
        suspicions += h.core(i).counters().suspicions;
        refutations += h.core(i).counters().refutations;
        declared += h.core(i).counters().failures_declared;
    }
    BOOST_TEST_MESSAGE("50 nodes, 10% loss, 600 s: " << indirect << " indirect probes, "
                                                     << suspicions << " suspicions, "
                                                     << refutations << " refutations, "
                                                     << h.delivered << " messages delivered");
    BOOST_TEST(declared == 0U);
    for (std::size_t i = 0; i < 50; ++i) BOOST_TEST(!anyone_saw_failed(h, i));
    BOOST_TEST(h.all_see(h.all(), node_state::active));
}

// bootstrap(..., false) is the simulator's: the same view, ring, leader and
// timers as a bootstrap that reports its events, without those events; and
// from then on both cores behave alike.
BOOST_AUTO_TEST_CASE(bootstrap_without_events_builds_the_same_view) {
    std::vector<member_state> members;
    for (int i = 0; i < 40; ++i) {
        node_state const s = i % 10 == 7   ? node_state::failed
                             : i % 10 == 8 ? node_state::unknown
                             : i % 10 == 9 ? node_state::leaving
                                           : node_state::active;
        members.push_back({node_id::parse("m" + std::to_string(i) + "@h:" + std::to_string(1000 + i))
                               .value(),
                           3, s, {}});
    }
    members.push_back(members[5]);  // a duplicate: skipped
    auto const self = members[12].id;  // this node is in the list: skipped
    membership_protocol loud(test_config(), self, 1, {}, 9);
    membership_protocol quiet(test_config(), self, 1, {}, 9);
    loud.bootstrap(1s, members);
    quiet.bootstrap(1s, members, false);

    BOOST_TEST(loud.size() == 40U);
    BOOST_TEST(quiet.size() == 40U);
    BOOST_TEST(loud.snapshot().members == quiet.snapshot().members);
    BOOST_TEST_REQUIRE(quiet.leader().has_value());
    BOOST_TEST(*quiet.leader() == members[0].id);
    BOOST_TEST((loud.leader() == quiet.leader()));
    BOOST_TEST(loud.live_count() == quiet.live_count());
    BOOST_TEST(quiet.live_count() == 32U);  // 28 active + 4 suspected
    BOOST_TEST((loud.next_deadline() == quiet.next_deadline()));

    auto const node_ups = [](std::vector<membership_event> const& ev, node_id const& except) {
        std::size_t n = 0;
        for (auto const& e : ev)
            if (auto const* u = std::get_if<node_up>(&e); u && u->id != except) ++n;
        return n;
    };
    BOOST_TEST(node_ups(loud.events(), self) == 27U);  // every other active member
    BOOST_TEST(node_ups(quiet.events(), self) == 0U);
    for (auto const& e : quiet.events())
        if (auto const* c = std::get_if<state_changed>(&e)) BOOST_TEST(c->id == self);
    loud.events().clear();
    quiet.events().clear();

    // Alike from here: the suspected members time out, probes go out.
    std::size_t failed_events = 0;
    for (ns t = 1s; t < 60s; t += 50ms) {
        loud.on_tick(t);
        quiet.on_tick(t);
        BOOST_TEST_REQUIRE(loud.outbox().size() == quiet.outbox().size());
        for (std::size_t i = 0; i < loud.outbox().size(); ++i) {
            BOOST_TEST((loud.outbox()[i].to == quiet.outbox()[i].to));
            BOOST_TEST(loud.outbox()[i].body.index() == quiet.outbox()[i].body.index());
        }
        BOOST_TEST_REQUIRE(loud.events().size() == quiet.events().size());
        for (std::size_t i = 0; i < loud.events().size(); ++i) {
            BOOST_TEST(loud.events()[i].index() == quiet.events()[i].index());
            if (auto const* c = std::get_if<state_changed>(&quiet.events()[i]);
                c && c->to == node_state::failed)
                ++failed_events;
        }
        loud.outbox().clear();
        quiet.outbox().clear();
        loud.events().clear();
        quiet.events().clear();
    }
    BOOST_TEST(failed_events == 4U);  // the suspicions expired alike
    BOOST_TEST(loud.monitored() == quiet.monitored());  // the same ring
    BOOST_TEST(quiet.monitored().size() == test_config().monitored_by);
    BOOST_TEST((loud.leader() == quiet.leader()));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- tombstones and local health (issue 11) -------------------------------------------------

BOOST_AUTO_TEST_SUITE(membership_protocol_hardening)

namespace {

// When node `observer` last saw the member called `name` enter state `to`.
std::optional<ns> entered(harness::node const& observer, std::string const& name, node_state to) {
    std::optional<ns> at;
    for (auto const& e : observer.events)
        if (auto const* s = std::get_if<state_changed>(&e.event); s && s->id.name() == name &&
                                                                  s->to == to)
            at = e.at;
    return at;
}

bool in_snapshot(membership_protocol const& core, std::string const& name) {
    auto const s = core.snapshot();
    return std::any_of(s.members.begin(), s.members.end(),
                       [&](member const& m) { return m.id.name() == name; });
}

} // namespace

// A failed member stays as a tombstone for reap_interval (blocking stale
// rumors), then is removed; news of it after that is a new member.
BOOST_AUTO_TEST_CASE(failed_member_is_kept_as_tombstone_for_reap_interval_then_reaped) {
    auto cfg = test_config();
    cfg.reap_interval = 30s;
    harness h(cfg);
    converge(h, 3);
    std::string const name(h.at(2).id.name());
    h.crash(2);
    BOOST_REQUIRE(h.run_until_true([&] { return h.others_see(2, node_state::failed); }, 120s)
                      .has_value());
    auto const failed_at = entered(h.at(0), name, node_state::failed);
    BOOST_REQUIRE(failed_at.has_value());
    auto const incarnation = h.core(0).find(name)->incarnation;
    std::size_t const size_with_tombstone = h.core(0).size();
    BOOST_TEST(size_with_tombstone == 3U);

    // Just before reap_interval: still there, failed, in the snapshot.
    h.run_until(*failed_at + cfg.reap_interval - 1s);
    auto const* m = h.core(0).find(name);
    BOOST_TEST_REQUIRE(m);
    BOOST_TEST(m->state == node_state::failed);
    BOOST_TEST(in_snapshot(h.core(0), name));
    BOOST_TEST(h.core(0).counters().reaped == 0U);
    BOOST_TEST(h.core(0).live_count() == 2U);
    // The tombstone blocks a stale "active" rumor at the same incarnation.
    gossip stale;
    stale.rumors.push_back({h.at(2).id, incarnation, node_state::active, {}, {}});
    h.inject(0, h.core(1).make_envelope(stale));
    BOOST_TEST(h.core(0).find(name)->state == node_state::failed);
    BOOST_TEST(h.core(0).live_count() == 2U);

    // Past reap_interval: gone from the view and the snapshot.
    BOOST_TEST(h.core(0).next_deadline() <= *failed_at + cfg.reap_interval);
    h.run_until(*failed_at + cfg.reap_interval + 1ms);
    BOOST_TEST(h.core(0).find(name) == nullptr);
    BOOST_TEST(!in_snapshot(h.core(0), name));
    BOOST_TEST(h.core(0).size() == size_with_tombstone - 1);
    BOOST_TEST(h.core(0).counters().reaped == 1U);

    // The same rumor now is news of a member never seen: added, and node_up again.
    auto const ups = [&] {
        return count_events<node_up>(h.at(0), [&](node_up const& u) { return u.id.name() == name; });
    };
    std::size_t const ups_before = ups();
    h.inject(0, h.core(1).make_envelope(stale));
    auto const* back = h.core(0).find(name);
    BOOST_TEST_REQUIRE(back);
    BOOST_TEST(back->state == node_state::active);
    BOOST_TEST(back->incarnation == incarnation);
    BOOST_TEST(ups() == ups_before + 1);
    BOOST_TEST(h.core(0).live_count() == 3U);
}

// A left member is reaped the same way.
BOOST_AUTO_TEST_CASE(left_member_is_reaped_after_reap_interval) {
    auto cfg = test_config();
    cfg.reap_interval = 20s;
    harness h(cfg);
    converge(h, 3);
    std::string const name(h.at(2).id.name());
    h.core(2).leave(h.now());
    h.inject(2, h.core(2).make_envelope(ack{0}));  // collects the outbox
    BOOST_REQUIRE(h.run_until_true([&] { return h.others_see(2, node_state::leaving); }, 10s, 10ms)
                      .has_value());
    h.crash(2);
    auto const left_at = entered(h.at(0), name, node_state::leaving);
    BOOST_REQUIRE(left_at.has_value());
    h.run_until(*left_at + cfg.reap_interval - 1s);
    BOOST_TEST_REQUIRE(h.core(0).find(name));
    BOOST_TEST(h.core(0).find(name)->state == node_state::leaving);
    h.run_until(*left_at + cfg.reap_interval + 1ms);
    BOOST_TEST(h.core(0).find(name) == nullptr);
    BOOST_TEST(!in_snapshot(h.core(0), name));
    BOOST_TEST(h.core(0).counters().reaped == 1U);
}

// Lifeguard's local health: a node cut off from everyone sees its probes fail
// with its indirect helpers silent, so its health score rises and its
// suspicion timeouts stretch by (score + 1); answered probes bring it down.
BOOST_AUTO_TEST_CASE(isolated_node_raises_its_health_score_and_stretches_suspicion_timeouts) {
    auto const cfg = test_config();
    harness h(cfg);
    converge(h, 4);
    h.run_until(h.now() + 10s);
    BOOST_TEST(h.core(0).health_score() == 0U);
    h.set_group(0, 1);  // node 0 alone
    std::vector<std::size_t> const peers{1, 2, 3};
    auto const all_failed_at_0 = [&] {
        for (auto j : peers) {
            auto const* m = h.core(0).find(h.at(j).id.name());
            if (!m || m->state != node_state::failed) return false;
        }
        return true;
    };
    BOOST_REQUIRE(h.run_until_true(all_failed_at_0, 600s).has_value());
    BOOST_TEST(h.core(0).health_score() > 0U);
    BOOST_TEST(h.core(0).health_score() < cfg.awareness_max_multiplier);
    BOOST_TEST(h.core(0).counters().probe_failures > 0U);

    // Unstretched, a lone suspicion (no confirmation can reach node 0) runs
    // the longest timeout: suspicion_mult * max(1, log10 4) * heartbeat *
    // suspicion_max_timeout_mult. Each started at a score of 1 or more.
    auto const base = std::chrono::duration_cast<ns>(cfg.heartbeat_interval *
                                                     (cfg.suspicion_mult *
                                                      cfg.suspicion_max_timeout_mult));
    for (auto j : peers) {
        std::string const name(h.at(j).id.name());
        auto const suspected = entered(h.at(0), name, node_state::unknown);
        auto const failed = entered(h.at(0), name, node_state::failed);
        BOOST_TEST_REQUIRE(suspected.has_value());
        BOOST_TEST_REQUIRE(failed.has_value());
        BOOST_TEST_MESSAGE("node 0 suspected " << name << " for " << seconds(*failed - *suspected)
                                               << " s (unstretched: " << seconds(base) << " s)");
        BOOST_TEST(*failed - *suspected >= 2 * base, name);
        BOOST_TEST(*failed - *suspected <= cfg.awareness_max_multiplier * base + 1s, name);
    }
    // The healthy side, hearing each other's nacks/acks, keeps its score low
    // enough to fail node 0 sooner than node 0 failed anyone.
    auto const zero = h.at(0).id.name();
    auto const first_failed_by_peers = entered(h.at(1), std::string(zero), node_state::failed);
    auto const suspected_by_peers = entered(h.at(1), std::string(zero), node_state::unknown);
    BOOST_TEST_REQUIRE(first_failed_by_peers.has_value());
    BOOST_TEST_REQUIRE(suspected_by_peers.has_value());
    BOOST_TEST(*first_failed_by_peers - *suspected_by_peers < 2 * base);

    // Healed: acks come back and lower the score to 0.
    h.set_group(0, 0);
    BOOST_REQUIRE(h.run_until_true([&] { return h.all_see(h.all(), node_state::active); }, 120s)
                      .has_value());
    BOOST_TEST(h.run_until_true([&] { return h.core(0).health_score() == 0U; }, 60s).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
