// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// basic_node over a memory_network on virtual time: a cluster of one, five
// nodes joining through one seed, a crash detected, a graceful leave, calls
// before start, and a bad configuration.
#include "memory_cluster.hpp"

#include <cohort/node.hpp>
#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/memory_transport.hpp>
#include <cohort/wire/json_codec.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using mem_node = cohort::basic_node<cohort::memory_transport>;

namespace {

asio::ip::udp::endpoint address_of(std::size_t i) {
    return {asio::ip::make_address("10.0.0." + std::to_string(i + 1)), 7946};
}

// Fixed seeds keep every run of a test the same run (the generation still
// comes from the wall clock, which only orders restarts).
cohort::node_config config_of(std::size_t i, std::uint64_t cluster_seed = 1) {
    cohort::node_config c;
    c.id = cohort::node_id::parse("n" + std::to_string(i) + "@10.0.0." + std::to_string(i + 1) +
                                  ":7946")
               .value();
    c.membership = cohort::membership_config::local();
    c.seed = cluster_seed * 100 + i + 1;
    return c;
}

// N nodes on one manual-time network, each with a log of its events.
struct cluster {
    explicit cluster(std::uint64_t seed = 1) : seed(seed) {}
    std::uint64_t seed;
    asio::io_context ctx;
    cohort::memory_network net{ctx, [] {
                                   cohort::memory_network_config c;
                                   c.time_source = cohort::memory_time_source::manual;
                                   c.faults.latency_min = 1ms;
                                   c.faults.latency_max = 3ms;
                                   return c;
                               }()};
    std::vector<std::unique_ptr<cohort::memory_transport>> transports;
    std::vector<std::unique_ptr<mem_node>> nodes;
    std::vector<std::vector<cohort::node_event>> logs;

    std::size_t add() {
        auto const i = nodes.size();
        transports.push_back(std::make_unique<cohort::memory_transport>(net, address_of(i)));
        nodes.push_back(std::make_unique<mem_node>(*transports.back(), config_of(i, seed)));
        logs.emplace_back();
        return i;
    }

    mem_node& at(std::size_t i) { return *nodes.at(i); }

    // Starts node i and a loop that logs its events until the node stops.
    void start(std::size_t i) {
        std::optional<boost::system::error_code> result;
        at(i).async_start([&](boost::system::error_code ec) { result = ec; });
        run_for(1ms);
        BOOST_REQUIRE(result);
        BOOST_REQUIRE(!*result);
        pump(i);
    }

    void pump(std::size_t i) {
        at(i).async_next_event([this, i](boost::system::error_code ec, cohort::node_event e) {
            if (ec) return;
            logs[i].push_back(std::move(e));
            pump(i);
        });
    }

    // Advances virtual time in small steps, letting every node see it move.
    void run_for(std::chrono::nanoseconds d, std::chrono::nanoseconds step = 2ms) {
        for (std::chrono::nanoseconds t{}; t < d; t += step) {
            cohort::run_virtual_for(ctx, net, step);
            for (auto& n : nodes) n->poll_time();
            ctx.poll();
        }
    }

    template <class Pred>
    bool run_until(Pred pred, std::chrono::nanoseconds limit) {
        for (std::chrono::nanoseconds t{}; t < limit; t += 100ms) {
            if (pred()) return true;
            run_for(100ms);
        }
        return pred();
    }

    std::size_t active_seen_by(std::size_t i) {
        std::size_t n = 0;
        for (auto const& m : at(i).members()) n += m.state == cohort::node_state::active;
        return n;
    }

    // Starts n nodes; nodes 1.. join through node 0.
    void form(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) add();
        for (std::size_t i = 0; i < n; ++i) start(i);
        std::vector<std::optional<boost::system::error_code>> joined(n);
        for (std::size_t i = 1; i < n; ++i)
            at(i).async_join({cohort::peer_address::of(at(0).local_id())},
                             [&joined, i](boost::system::error_code ec) { joined[i] = ec; });
        BOOST_REQUIRE(run_until(
            [&] {
                for (std::size_t i = 1; i < n; ++i)
                    if (!joined[i]) return false;
                return true;
            },
            10s));
        for (std::size_t i = 1; i < n; ++i) BOOST_REQUIRE(!*joined[i]);
        BOOST_REQUIRE(run_until(
            [&] {
                for (std::size_t i = 0; i < n; ++i)
                    if (active_seen_by(i) != n) return false;
                return true;
            },
            10s));
    }

    template <class Event, class Pred>
    std::size_t count(std::size_t i, Pred pred) const {
        std::size_t c = 0;
        for (auto const& e : logs[i])
            if (auto const* p = std::get_if<Event>(&e); p && pred(*p)) ++c;
        return c;
    }

    void stop_all() {
        std::size_t stopped = 0;
        for (auto& n : nodes)
            if (n->status() == cohort::node_status::running)
                n->async_stop([&](boost::system::error_code ec) {
                    BOOST_TEST(!ec);
                    ++stopped;
                });
            else
                ++stopped;
        // Graceful: each leaves first, within its leave_timeout.
        run_until([&] { return stopped == nodes.size(); }, 10s);
        BOOST_TEST(stopped == nodes.size());
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(node_memory)

BOOST_AUTO_TEST_CASE(single_node_is_a_running_cluster_of_one) {
    cluster c;
    c.add();
    c.start(0);
    c.run_for(3s);
    auto& n = c.at(0);
    BOOST_TEST(n.status() == cohort::node_status::running);
    auto const view = n.members();
    BOOST_REQUIRE_EQUAL(view.size(), 1u);
    BOOST_TEST(view[0].id == n.local_id());
    BOOST_TEST(view[0].state == cohort::node_state::active);
    BOOST_REQUIRE(n.leader());
    BOOST_TEST(*n.leader() == n.local_id());
    BOOST_TEST(c.count<cohort::node_up>(0, [&](auto const& e) { return e.id == n.local_id(); }) ==
               1u);
    BOOST_TEST(c.count<cohort::status_changed>(0, [](auto const& e) {
                   return e.status == cohort::node_status::running;
               }) == 1u);

    // Joining with no other seed than itself is a no-op that succeeds.
    std::optional<boost::system::error_code> joined;
    n.async_join({cohort::peer_address::of(n.local_id())},
                 [&](boost::system::error_code ec) { joined = ec; });
    c.run_for(10ms);
    BOOST_REQUIRE(joined);
    BOOST_TEST(!*joined);

    c.stop_all();
    BOOST_TEST(n.status() == cohort::node_status::stopped);
    BOOST_TEST(c.count<cohort::status_changed>(0, [](auto const& e) {
                   return e.status == cohort::node_status::stopped;
               }) == 1u);
}

void five_nodes_join_through_one_seed_with(std::uint64_t seed) {
    cluster c(seed);
    c.form(5);
    for (std::size_t i = 0; i < 5; ++i) {
        BOOST_TEST(c.active_seen_by(i) == 5u);
        BOOST_REQUIRE(c.at(i).leader());
        BOOST_TEST(c.at(i).leader()->name() == "n0");
    }
    // Every message carried an HLC time: peers were heard, with a time.
    for (auto const& m : c.at(0).members())
        if (m.id != c.at(0).local_id()) BOOST_TEST(m.last_heard.wall_ns > 0u);
    auto const k = c.at(0).counters();
    BOOST_TEST(k.decode_errors == 0u);
    BOOST_TEST(k.transport.packets_out > 0u);
    std::uint64_t in = 0;
    for (auto v : k.messages_in) in += v;
    BOOST_TEST(in > 0u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(five_nodes_join_through_one_seed) {
    // Seeds 25, 34, 37 and 38 once left a late joiner unaware of an earlier
    // one for longer than the push-pull interval (the earlier one's rumor was
    // spent before the joiner arrived); discovery on first contact fixed it.
    for (std::uint64_t seed : {1, 25, 34, 37, 38}) {
        BOOST_TEST_CONTEXT("cluster seed " << seed) { five_nodes_join_through_one_seed_with(seed); }
    }
}

BOOST_AUTO_TEST_CASE(crashed_node_is_reported_down_by_the_others) {
    cluster c;
    c.form(5);
    c.net.crash(address_of(4));
    auto const victim = c.at(4).local_id();
    // A peer whose push-pull frame was refused by the crashed address reports
    // connection_refused; the others the detector's heartbeat_timeout.
    auto const down = [&](std::size_t i) {
        return c.count<cohort::node_down>(i, [&](auto const& e) {
            return e.id == victim && (e.reason == cohort::down_reason::heartbeat_timeout ||
                                      e.reason == cohort::down_reason::connection_refused);
        });
    };
    BOOST_REQUIRE(c.run_until(
        [&] {
            for (std::size_t i = 0; i < 4; ++i)
                if (down(i) != 1u) return false;
            return true;
        },
        60s));
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(c.active_seen_by(i) == 4u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(graceful_leave_is_no_failure) {
    cluster c;
    c.form(5);
    auto const leaver = c.at(4).local_id();
    std::optional<boost::system::error_code> left;
    c.at(4).async_leave([&](boost::system::error_code ec) { left = ec; });
    BOOST_REQUIRE(c.run_until([&] { return left.has_value(); }, 10s));
    BOOST_TEST(!*left);
    bool stopped = false;
    c.at(4).async_stop([&](boost::system::error_code ec) { stopped = !ec; });
    c.run_for(30s);
    BOOST_TEST(stopped);
    for (std::size_t i = 0; i < 4; ++i) {
        BOOST_TEST(c.count<cohort::node_down>(i, [&](auto const& e) {
            return e.id == leaver && e.reason == cohort::down_reason::graceful_shutdown;
        }) == 1u);
        BOOST_TEST(c.count<cohort::node_down>(i, [&](auto const& e) {
            return e.reason == cohort::down_reason::heartbeat_timeout;
        }) == 0u);
        BOOST_TEST(c.at(i).counters().membership.failures_declared == 0u);
    }
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(calls_before_start_fail_with_not_started) {
    cluster c;
    c.add();
    auto& n = c.at(0);
    std::vector<boost::system::error_code> results;
    auto const record = [&](boost::system::error_code ec) { results.push_back(ec); };
    n.async_join({}, record);
    n.async_leave(record);
    n.async_stop(record);
    // Events may be awaited before start: the wait is still pending.
    std::optional<cohort::node_event> first;
    n.async_next_event([&](boost::system::error_code ec, cohort::node_event e) {
        if (!ec) first = std::move(e);
    });
    BOOST_TEST(results.empty());  // never inside the initiating call
    // The deferred token works as well.
    auto op = n.async_leave(asio::deferred);
    std::move(op)(record);
    c.run_for(1ms);
    BOOST_REQUIRE_EQUAL(results.size(), 4u);
    for (auto const& ec : results) BOOST_TEST(ec == cohort::error::not_started);
    BOOST_TEST(!first);
    // The view before start is an error, not an empty cluster.
    BOOST_CHECK_EXCEPTION(n.members(), boost::system::system_error, [](auto const& e) {
        return e.code() == cohort::error::not_started;
    });
    BOOST_CHECK_EXCEPTION(n.leader(), boost::system::system_error, [](auto const& e) {
        return e.code() == cohort::error::not_started;
    });
    BOOST_TEST(n.status() == cohort::node_status::created);
    // The wait opened before start sees the first event.
    c.start(0);
    c.run_for(1ms);
    BOOST_REQUIRE(first);
    auto const* s = std::get_if<cohort::status_changed>(&*first);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->status == cohort::node_status::starting);
}

BOOST_AUTO_TEST_CASE(invalid_config_fails_start) {
    cluster c;
    c.transports.push_back(std::make_unique<cohort::memory_transport>(c.net, address_of(0)));
    auto cfg = config_of(0);
    cfg.membership.heartbeat_interval = 0s;
    mem_node n(*c.transports.back(), cfg);
    std::optional<boost::system::error_code> result;
    n.async_start([&](boost::system::error_code ec) { result = ec; });
    c.run_for(1ms);
    BOOST_REQUIRE(result);
    BOOST_TEST(*result == cohort::error::invalid_config);
    BOOST_REQUIRE(n.config_problem());
    BOOST_TEST(n.config_problem()->field == "membership_config.heartbeat_interval");
    BOOST_TEST(n.status() == cohort::node_status::created);

    cohort::node_config empty;
    BOOST_TEST(cohort::validate(empty).error().field == "node_config.id");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- seed fallback and the JSON codec (issue 11) --------------------------------------------

BOOST_AUTO_TEST_SUITE(node_memory_hardening)

// Seeds are tried in turn: an address with no transport and a crashed seed
// (both refuse the join frame) come first; the join goes through the live
// seed after them, within one async_join.
BOOST_AUTO_TEST_CASE(join_falls_back_from_dead_seeds_to_a_live_one) {
    cluster c(31);
    c.add();  // 0: the joiner
    c.add();  // 1: the live seed
    c.add();  // 2: a seed that crashed
    for (std::size_t i = 0; i < 3; ++i) c.start(i);
    c.net.crash(address_of(2));
    std::vector<cohort::peer_address> const seeds{
        {"10.0.0.99", 7946},  // nobody there
        cohort::peer_address::of(c.at(2).local_id()),
        cohort::peer_address::of(c.at(1).local_id()),
    };
    std::optional<boost::system::error_code> joined;
    c.at(0).async_join(seeds, [&](boost::system::error_code ec) { joined = ec; });
    BOOST_REQUIRE(c.run_until([&] { return joined.has_value(); }, 20s));
    BOOST_TEST(!*joined, joined->message());
    auto const k = c.at(0).counters();
    BOOST_TEST(k.membership.join_attempts >= 3u);  // the dead ones were tried first
    BOOST_TEST(k.transport.drops_closed + k.transport.drops_crashed >= 2u);
    BOOST_REQUIRE(c.run_until([&] { return c.active_seen_by(0) == 2u && c.active_seen_by(1) == 2u; },
                              10s));
    for (auto const& m : c.at(0).members()) BOOST_TEST(m.id.name() != "n2");
    // One for the cluster of one at start, one for this join; no failed attempt reported.
    BOOST_TEST(c.count<cohort::join_completed>(0, [](auto const& e) { return !e.ec; }) == 2u);
    BOOST_TEST(c.count<cohort::join_completed>(0, [](auto const& e) { return !!e.ec; }) == 0u);
    c.net.restart(address_of(2));
    c.stop_all();
}

namespace {

using json_node = cohort::basic_node<cohort::memory_transport, cohort::json_codec>;

cohort::message user(std::string topic, std::string const& payload) {
    cohort::user_message m{std::move(topic), {}};
    for (char ch : payload) m.payload.push_back(static_cast<std::byte>(ch));
    return cohort::message(std::move(m));
}

} // namespace

// The whole membership protocol and application traffic over json_codec:
// three nodes join and see each other active, a user message crosses, and a
// binary_codec node's message is a decode error to them.
BOOST_AUTO_TEST_CASE(a_cluster_on_json_codec_forms_and_carries_user_messages) {
    cohort_node_test::basic_memory_cluster<json_node> c(32);
    auto const ids = c.form(3);
    for (auto i : ids) {
        BOOST_TEST(c.active_seen_by(i) == 3u);
        BOOST_REQUIRE(c.at(i).leader());
        BOOST_TEST(c.at(i).leader()->name() == "n0");
        BOOST_TEST(c.at(i).counters().decode_errors == 0u);
    }

    std::vector<std::string> received;
    auto sub = c.at(2).subscribe_application([&](cohort::envelope& e) {
        if (auto const* u = std::get_if<cohort::user_message>(&e.body)) {
            std::string payload;
            for (auto b : u->payload) payload.push_back(static_cast<char>(b));
            received.push_back(u->topic + "=" + payload + " from " + std::string(e.sender.name()));
        }
    });
    std::optional<boost::system::error_code> sent;
    c.at(0).async_send_application(c.at(2).local_id(), user("greeting", "hello over json"),
                                   [&](boost::system::error_code ec) { sent = ec; });
    BOOST_REQUIRE(c.run_until([&] { return !received.empty(); }, 2s));
    BOOST_REQUIRE(sent);
    BOOST_TEST(!*sent);
    BOOST_TEST(received == std::vector<std::string>{"greeting=hello over json from n0"},
               boost::test_tools::per_element());

    // What a binary_codec node sends them does not decode as JSON.
    cohort::memory_transport stranger_transport(c.net, cohort_node_test::address_of(9));
    auto stranger_cfg = cohort_node_test::config_of(9, 32);
    mem_node stranger(stranger_transport, stranger_cfg);
    std::optional<boost::system::error_code> started;
    stranger.async_start([&](boost::system::error_code ec) { started = ec; });
    c.run_for(2ms);
    BOOST_REQUIRE(started);
    BOOST_REQUIRE(!*started);
    auto const errors_before = c.at(2).counters().decode_errors;
    stranger.async_send_application(c.at(2).local_id(), user("greeting", "binary"),
                                    [](boost::system::error_code) {});
    BOOST_REQUIRE(c.run_until(
        [&] {
            stranger.poll_time();
            return c.at(2).counters().decode_errors > errors_before;
        },
        2s));
    BOOST_TEST(received.size() == 1u);
    std::optional<boost::system::error_code> stranger_stopped;
    stranger.async_stop(cohort::stop_mode::abrupt,
                        [&](boost::system::error_code ec) { stranger_stopped = ec; });
    c.run_for(2ms);
    BOOST_TEST(stranger_stopped.has_value());
    c.stop_all();
}

BOOST_AUTO_TEST_SUITE_END()
