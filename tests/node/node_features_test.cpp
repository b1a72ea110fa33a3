// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// basic_node on a memory_network in virtual time: down reasons from refused
// frames, run-time tags, run-time join of two clusters, cancellation, every
// completion token, the counters, and the application's HLC (hlc_now,
// hlc_update). (use_future runs the network on steady time with a thread;
// every wait there is bounded by wait_for.)
#include "memory_cluster.hpp"

#include <cohort/wire/binary_codec.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <exception>
#include <future>
#include <thread>

using namespace cohort_node_test;
using boost::system::error_code;

namespace {

auto const short_push_pull = [](cohort::node_config& c) {
    c.membership.push_pull_interval = 500ms;
};

std::uint64_t sum(cohort::node_counters::per_type const& v) {
    std::uint64_t s = 0;
    for (auto x : v) s += x;
    return s;
}

template <class T>
constexpr std::size_t type_index = boost::mp11::mp_find<cohort::message, T>::value;

} // namespace

BOOST_AUTO_TEST_SUITE(node_features)

// ---- down reasons ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(crashed_member_refusing_frames_is_down_with_connection_refused) {
    memory_cluster c(1, short_push_pull);
    c.form(2);
    auto const victim = c.at(1).local_id();
    c.net.crash(address_of(1));
    auto const down = [&] {
        return c.count<cohort::node_down>(0, [&](auto const& e) { return e.id == victim; });
    };
    BOOST_REQUIRE(c.run_until([&] { return down() == 1u; }, 60s));
    BOOST_TEST(c.count<cohort::node_down>(0, [&](auto const& e) {
                   return e.id == victim && e.reason == cohort::down_reason::connection_refused;
               }) == 1u);
    auto const k = c.at(0).counters();
    BOOST_TEST(k.unreachable_reports >= 1u);
    BOOST_TEST(k.membership.unreachable_suspicions >= 1u);
    BOOST_TEST(k.membership.suspicions >= 1u);
    BOOST_TEST(k.transport.drops_crashed >= 1u);
    c.run_for(2s);
    BOOST_TEST(down() == 1u);  // once per life
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(crash_in_a_larger_cluster_is_one_down_event_per_observer) {
    memory_cluster c(3, short_push_pull);
    c.form(4);
    auto const victim = c.at(3).local_id();
    c.net.crash(address_of(3));
    auto const down = [&](std::size_t i) {
        return c.count<cohort::node_down>(i, [&](auto const& e) { return e.id == victim; });
    };
    BOOST_REQUIRE(c.run_until([&] { return down(0) && down(1) && down(2); }, 60s));
    c.run_for(3s);
    std::size_t refused = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(down(i) == 1u);
        // Each observer gives its own reason: its own refused frame, or the
        // verdict it heard (heartbeat_timeout).
        refused += c.count<cohort::node_down>(i, [&](auto const& e) {
            return e.reason == cohort::down_reason::connection_refused;
        });
        BOOST_TEST(c.count<cohort::node_down>(i, [&](auto const& e) {
                       return e.reason != cohort::down_reason::connection_refused &&
                              e.reason != cohort::down_reason::heartbeat_timeout;
                   }) == 0u);
        BOOST_TEST(c.active_seen_by(i) == 3u);
    }
    BOOST_TEST(refused >= 1u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(transport_errors_map_to_down_reasons) {
    namespace ae = boost::asio::error;
    using cohort::down_reason;
    using cohort::detail::down_reason_of;
    BOOST_TEST((down_reason_of(ae::connection_refused) == down_reason::connection_refused));
    for (error_code ec : {error_code(ae::connection_reset), error_code(ae::eof),
                          error_code(ae::broken_pipe), error_code(ae::connection_aborted)})
        BOOST_TEST((down_reason_of(ec) == down_reason::connection_closed), ec.message());
    for (error_code ec :
         {error_code(), error_code(ae::host_unreachable), error_code(ae::operation_aborted),
          error_code(cohort::error::connect_timeout), error_code(cohort::error::send_queue_full),
          error_code(cohort::error::transport_closed)})
        BOOST_TEST(!down_reason_of(ec).has_value(), ec.message());
}

BOOST_AUTO_TEST_CASE(resolver_settings_are_validated) {
    auto const field_of = [](auto tweak) {
        auto cfg = config_of(0);
        tweak(cfg);
        auto const r = cohort::validate(cfg);
        return r ? std::string() : std::string(r.error().field);
    };
    BOOST_TEST(field_of([](cohort::node_config&) {}) == "");
    BOOST_TEST(field_of([](cohort::node_config& c) { c.resolve_ttl = 0s; }) ==
               "node_config.resolve_ttl");
    BOOST_TEST(field_of([](cohort::node_config& c) { c.resolve_failure_ttl = -1s; }) ==
               "node_config.resolve_failure_ttl");
    BOOST_TEST(field_of([](cohort::node_config& c) { c.resolve_cache_limit = 0; }) ==
               "node_config.resolve_cache_limit");
    BOOST_TEST(field_of([](cohort::node_config& c) { c.resolve_queue_limit = 0; }) == "");
}

// ---- tags -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(set_tags_reaches_every_peer) {
    memory_cluster c(2);
    c.form(3);
    std::vector<cohort::tag> const tags{{"role", "db"}, {"zone", "b"}};
    std::optional<error_code> result;
    c.at(1).async_set_tags(tags, [&](error_code ec) { result = ec; });
    c.run_for(1ms);
    BOOST_REQUIRE(result);
    BOOST_TEST(!*result);
    auto const n1 = c.at(1).local_id();
    auto const tags_of = [&](std::size_t i) {
        for (auto const& m : c.at(i).members())
            if (m.id == n1) return m.tags;
        return std::vector<cohort::tag>{};
    };
    BOOST_REQUIRE(c.run_until([&] { return tags_of(0) == tags && tags_of(2) == tags; }, 5s));
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(tags_of(i) == tags);
        BOOST_TEST(c.count<cohort::tags_changed>(i, [&](auto const& e) { return e.id == n1; }) ==
                   1u);
    }

    // Over max_tags_size: refused, nothing changes.
    std::vector<cohort::tag> huge{{"blob", std::string(c.at(1).config().membership.max_tags_size, 'x')}};
    result.reset();
    c.at(1).async_set_tags(huge, [&](error_code ec) { result = ec; });
    c.run_for(1ms);
    BOOST_REQUIRE(result);
    BOOST_TEST(*result == cohort::error::length_over_limit);
    c.run_for(2s);
    BOOST_TEST(tags_of(0) == tags);
    c.stop_all();
}

// ---- run-time join --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(two_clusters_of_three_merge_into_six) {
    memory_cluster c(4);
    auto const a = c.form(3);  // n0 n1 n2
    std::vector<std::size_t> b;
    for (int k = 0; k < 3; ++k) b.push_back(c.add());
    for (auto i : b) c.start(i);
    c.join({b[1], b[2]}, b[0]);  // n3 n4 n5
    BOOST_REQUIRE(c.run_until([&] { return c.all_see_active(b, 3); }, 10s));
    BOOST_TEST(c.all_see_active(a, 3));
    BOOST_TEST(c.at(b[0]).leader()->name() == "n3");

    // n3 (of the second cluster) joins through n0 (of the first).
    std::optional<error_code> joined;
    c.at(b[0]).async_join({seed_of(a[0])}, [&](error_code ec) { joined = ec; });
    BOOST_REQUIRE(c.run_until([&] { return joined.has_value(); }, 10s));
    BOOST_TEST(!*joined);
    auto const all = c.nodes.size();
    std::vector<std::size_t> everyone(all);
    for (std::size_t i = 0; i < all; ++i) everyone[i] = i;
    BOOST_REQUIRE(c.run_until([&] { return c.all_see_active(everyone, 6); }, 20s));
    for (auto i : everyone) {
        BOOST_REQUIRE(c.at(i).leader());
        BOOST_TEST(c.at(i).leader()->name() == "n0");
        BOOST_TEST(c.at(i).members().size() == 6u);
        // Nobody was suspected, failed or refuted on the way.
        BOOST_TEST(c.count<cohort::node_down>(i, [](auto const&) { return true; }) == 0u);
    }
    c.run_for(5s);
    BOOST_TEST(c.all_see_active(everyone, 6));
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(runtime_join_to_nobody_times_out_and_keeps_the_cluster) {
    memory_cluster c(5);
    c.form(3);
    std::optional<error_code> joined;
    // Nothing listens there: frames are refused, the core retries until join_timeout.
    c.at(2).async_join({{"10.0.1.200", 7946}}, [&](error_code ec) { joined = ec; });
    BOOST_REQUIRE(c.run_until([&] { return joined.has_value(); }, 20s));
    BOOST_TEST(*joined == cohort::error::join_timeout);
    BOOST_TEST(c.at(2).status() == cohort::node_status::running);
    BOOST_TEST(c.all_see_active({0, 1, 2}, 3));
    BOOST_TEST(c.at(2).counters().membership.join_attempts > 1u);

    // A second join at once, then one to a known member: both fine.
    joined.reset();
    std::optional<error_code> second;
    c.at(2).async_join({seed_of(0)}, [&](error_code ec) { joined = ec; });
    c.at(2).async_join({seed_of(1)}, [&](error_code ec) { second = ec; });
    BOOST_REQUIRE(c.run_until([&] { return joined && second; }, 10s));
    BOOST_TEST(!*joined);
    BOOST_TEST(*second == boost::asio::error::already_started);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(join_after_leave_is_not_supported) {
    memory_cluster c(6);
    c.form(2);
    std::optional<error_code> left, joined;
    c.at(1).async_leave([&](error_code ec) { left = ec; });
    BOOST_REQUIRE(c.run_until([&] { return left.has_value(); }, 10s));
    c.at(1).async_join({seed_of(0)}, [&](error_code ec) { joined = ec; });
    c.run_for(10ms);
    BOOST_REQUIRE(joined);
    BOOST_TEST(*joined == boost::asio::error::operation_not_supported);
    c.stop_all();
}

// ---- cancellation ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(join_is_cancellable_and_the_node_keeps_running) {
    memory_cluster c(7);
    c.add();
    c.add();
    c.start(0);
    c.start(1);
    asio::cancellation_signal sig;
    std::optional<error_code> joined;
    c.at(1).async_join({{"10.0.1.200", 7946}},
                       asio::bind_cancellation_slot(sig.slot(),
                                                    [&](error_code ec) { joined = ec; }));
    c.run_for(1s);
    BOOST_TEST(!joined.has_value());
    sig.emit(asio::cancellation_type::terminal);
    BOOST_TEST(!joined.has_value());  // completes on the executor, not inside emit()
    c.run_for(10ms);
    BOOST_REQUIRE(joined);
    BOOST_TEST(*joined == boost::asio::error::operation_aborted);
    BOOST_TEST(c.at(1).status() == cohort::node_status::running);
    // The core stopped contacting the seed.
    auto const attempts = c.at(1).counters().membership.join_attempts;
    c.run_for(12s);
    BOOST_TEST(c.at(1).counters().membership.join_attempts == attempts);
    sig.emit(asio::cancellation_type::terminal);  // late: harmless

    // A later join works.
    joined.reset();
    c.at(1).async_join({seed_of(0)}, asio::bind_cancellation_slot(
                                         sig.slot(), [&](error_code ec) { joined = ec; }));
    BOOST_REQUIRE(c.run_until([&] { return joined.has_value(); }, 10s));
    BOOST_TEST(!*joined);
    BOOST_REQUIRE(c.run_until([&] { return c.all_see_active({0, 1}, 2); }, 10s));
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(next_event_is_cancellable_without_losing_events) {
    memory_cluster c(8);
    c.add();
    auto& n = c.at(0);
    std::optional<error_code> started;
    n.async_start([&](error_code ec) { started = ec; });
    c.run_for(1ms);
    BOOST_REQUIRE(started);
    // Drain what start queued, until a wait stays pending.
    asio::cancellation_signal sig;
    std::optional<error_code> result;
    cohort::node_event got;
    for (int k = 0; k < 64; ++k) {
        result.reset();
        n.async_next_event(asio::bind_cancellation_slot(sig.slot(), [&](error_code ec,
                                                                        cohort::node_event e) {
            result = ec;
            got = std::move(e);
        }));
        c.run_for(2ms);
        if (!result) break;
        BOOST_REQUIRE(!*result);
    }
    BOOST_REQUIRE(!result.has_value());
    sig.emit(asio::cancellation_type::total);
    c.run_for(2ms);
    BOOST_REQUIRE(result);
    BOOST_TEST(*result == boost::asio::error::operation_aborted);
    BOOST_TEST(n.status() == cohort::node_status::running);

    // An event raised while nobody waits is kept for the next wait.
    std::optional<error_code> tagged;
    n.async_set_tags({{"k", "v"}}, [&](error_code ec) { tagged = ec; });
    c.run_for(2ms);
    BOOST_REQUIRE(tagged);
    result.reset();
    n.async_next_event(asio::bind_cancellation_slot(sig.slot(), [&](error_code ec,
                                                                    cohort::node_event e) {
        result = ec;
        got = std::move(e);
    }));
    c.run_for(2ms);
    BOOST_REQUIRE(result);
    BOOST_TEST(!*result);
    BOOST_TEST(std::holds_alternative<cohort::tags_changed>(got));

    // Cancelling a coroutine cancels its wait.
    std::optional<error_code> in_coroutine;
    asio::co_spawn(
        c.ctx,
        [&]() -> asio::awaitable<void> {
            auto [ec, e] = co_await n.async_next_event(asio::as_tuple(asio::use_awaitable));
            in_coroutine = ec;
        },
        asio::bind_cancellation_slot(sig.slot(), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        }));
    c.run_for(2ms);
    BOOST_TEST(!in_coroutine.has_value());
    sig.emit(asio::cancellation_type::terminal);
    c.run_for(2ms);
    BOOST_REQUIRE(in_coroutine);
    BOOST_TEST(*in_coroutine == boost::asio::error::operation_aborted);
    c.stop_all();
}

// ---- completion tokens ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_operation_works_with_use_awaitable_and_as_tuple) {
    memory_cluster c(9);
    c.add();
    c.add();
    auto& a = c.at(0);
    auto& b = c.at(1);
    bool done = false;
    std::vector<std::string> steps;
    asio::co_spawn(
        c.ctx,
        [&]() -> asio::awaitable<void> {
            using asio::use_awaitable;
            co_await a.async_start(use_awaitable);
            co_await b.async_start(use_awaitable);
            steps.push_back("started");
            // (Braced lists stay outside co_await expressions: g++ 12 rejects them there.)
            std::vector<cohort::peer_address> seeds{seed_of(0)};
            co_await b.async_join(seeds, use_awaitable);
            steps.push_back("joined");
            // Events in order: the first is a's own status change.
            auto first = co_await a.async_next_event(use_awaitable);
            if (std::holds_alternative<cohort::status_changed>(first)) steps.push_back("event");
            auto [ec, e] = co_await a.async_next_event(asio::as_tuple(use_awaitable));
            if (!ec) steps.push_back("tuple event");
            std::vector<cohort::tag> tags{{"k", "v"}};
            co_await b.async_set_tags(tags, use_awaitable);
            co_await b.async_leave(use_awaitable);
            steps.push_back("left");
            co_await b.async_stop(use_awaitable);
            auto const stopped = co_await a.async_stop(asio::as_tuple(use_awaitable));
            if (!std::get<0>(stopped)) steps.push_back("stopped");
            // An error surfaces as an exception with use_awaitable...
            try {
                co_await a.async_join(seeds, use_awaitable);
            } catch (boost::system::system_error const& ex) {
                if (ex.code() == boost::asio::error::operation_aborted) steps.push_back("threw");
            }
            // ...and as a value with as_tuple.
            auto const late = co_await a.async_leave(asio::as_tuple(use_awaitable));
            if (std::get<0>(late) == boost::asio::error::operation_aborted)
                steps.push_back("tuple error");
            done = true;
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    BOOST_REQUIRE(c.run_until([&] { return done; }, 20s));
    std::vector<std::string> const expected{"started", "joined", "event",      "tuple event",
                                            "left",    "stopped", "threw", "tuple error"};
    BOOST_TEST(steps == expected, boost::test_tools::per_element());
    BOOST_TEST(a.status() == cohort::node_status::stopped);
}

BOOST_AUTO_TEST_CASE(every_operation_works_with_deferred_and_callbacks) {
    memory_cluster c(10);
    c.add();
    c.add();
    std::vector<error_code> results;
    auto const record = [&](error_code ec) { results.push_back(ec); };
    // A deferred operation starts only when invoked.
    auto start0 = c.at(0).async_start(asio::deferred);
    auto start1 = c.at(1).async_start(asio::deferred);
    c.run_for(2ms);
    BOOST_TEST(c.at(0).status() == cohort::node_status::created);
    std::move(start0)(record);
    std::move(start1)(record);
    c.run_for(2ms);
    BOOST_REQUIRE_EQUAL(results.size(), 2u);
    c.at(1).async_join({seed_of(0)}, asio::deferred)(record);
    BOOST_REQUIRE(c.run_until([&] { return results.size() == 3u; }, 10s));
    std::optional<cohort::node_event> event;
    c.at(0).async_next_event(asio::deferred)([&](error_code ec, cohort::node_event e) {
        record(ec);
        event = std::move(e);
    });
    c.at(1).async_set_tags({{"k", "v"}}, asio::deferred)(record);
    c.at(1).async_leave(asio::deferred)(record);
    BOOST_REQUIRE(c.run_until([&] { return results.size() == 6u; }, 10s));
    c.at(1).async_stop(asio::deferred)(record);
    c.at(0).async_stop(record);
    c.run_for(10ms);
    BOOST_REQUIRE_EQUAL(results.size(), 8u);
    for (auto const& ec : results) BOOST_TEST(!ec, ec.message());
    BOOST_REQUIRE(event);
    BOOST_TEST(std::holds_alternative<cohort::status_changed>(*event));
}

BOOST_AUTO_TEST_CASE(every_operation_works_with_use_future_and_a_thread) {
    // Steady time: a thread runs the context while this one waits on futures.
    asio::io_context ctx;
    cohort::memory_network_config nc;
    nc.faults.latency_min = 1ms;
    nc.faults.latency_max = 2ms;
    cohort::memory_network net(ctx, nc);
    cohort::memory_transport ta(net, address_of(0)), tb(net, address_of(1));
    mem_node a(ta, config_of(0, 11)), b(tb, config_of(1, 11));
    auto guard = asio::make_work_guard(ctx);
    std::thread runner([&] { ctx.run_for(60s); });
    auto const wait = [](auto&& f) {
        BOOST_REQUIRE(f.wait_for(20s) == std::future_status::ready);
        return f.get();
    };
    wait(a.async_start(asio::use_future));
    wait(b.async_start(asio::use_future));
    wait(b.async_join({seed_of(0)}, asio::use_future));
    auto const first = wait(a.async_next_event(asio::use_future));
    BOOST_TEST(std::holds_alternative<cohort::status_changed>(first));
    wait(b.async_set_tags({{"k", "v"}}, asio::use_future));
    wait(b.async_leave(asio::use_future));
    wait(b.async_stop(asio::use_future));
    auto late = b.async_leave(asio::use_future);
    BOOST_REQUIRE(late.wait_for(20s) == std::future_status::ready);
    wait(a.async_stop(asio::use_future));
    guard.reset();
    runner.join();
    BOOST_TEST(a.status() == cohort::node_status::stopped);
    // An error comes out of get() as an exception. (Read once the runner has
    // ended: libstdc++ counts exception_ptr references where TSan cannot see.)
    BOOST_CHECK_EXCEPTION(late.get(), boost::system::system_error,
                          [](auto const& e) {
                              return e.code() == boost::asio::error::operation_aborted;
                          });
}

// ---- counters -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(counters_count_what_the_node_did) {
    memory_cluster c(12);
    c.form(5);
    c.run_for(3s);  // a few probe rounds

    // Bytes: what the node handed the transport is what the transport sent.
    for (std::size_t i = 0; i < 5; ++i) {
        auto const k = c.at(i).counters();
        BOOST_TEST(sum(k.bytes_out) == k.transport.bytes_out);
        BOOST_TEST(sum(k.messages_out) == k.transport.packets_out + k.transport.frames_out);
        BOOST_TEST(sum(k.bytes_in) <= k.transport.bytes_in);
        BOOST_TEST(k.messages_in[type_index<cohort::ping>] > 0u);
        BOOST_TEST(k.messages_out[type_index<cohort::ack>] > 0u);
        BOOST_TEST(k.bytes_in[type_index<cohort::ping>] > k.messages_in[type_index<cohort::ping>]);
        BOOST_TEST(k.messages_in[type_index<cohort::push_pull_reply>] +
                       k.messages_out[type_index<cohort::push_pull_reply>] >
                   0u);
    }

    // Garbage and another cluster's label reach node 0 from a stranger.
    cohort::memory_transport stranger(c.net, {asio::ip::make_address("10.0.1.99"), 7946});
    std::vector<std::byte> const garbage{std::byte{0xC0}, std::byte{0x4F}, std::byte{0xFF}};
    cohort::envelope other;
    other.label = "another-cluster";
    other.sender = cohort::node_id::parse("x@10.0.1.99:7946").value();
    other.time = {1, 0};
    other.body = cohort::ping{1, c.at(0).local_id()};
    std::vector<std::byte> labelled;
    BOOST_REQUIRE(!cohort::binary_codec{}.encode(other, labelled));
    stranger.async_send_packet(address_of(0), garbage, [](error_code) {});
    stranger.async_send_frame(address_of(0), labelled, [](error_code) {});
    c.run_for(20ms);
    {
        auto const k = c.at(0).counters();
        BOOST_TEST(k.decode_errors == 1u);
        BOOST_TEST(k.label_drops == 1u);
        BOOST_TEST(k.membership.received_of<cohort::ping>() > 0u);
    }

    // Cut n4 off until somebody doubts it with confirmations, then heal:
    // suspicions, confirmations, a refutation and false-suspicion refutes.
    std::vector<asio::ip::udp::endpoint> rest;
    for (std::size_t i = 0; i < 4; ++i) rest.push_back(address_of(i));
    c.net.partition({address_of(4)}, rest);
    auto const total = [&](auto field) {
        std::uint64_t s = 0;
        for (std::size_t i = 0; i < 4; ++i) s += c.at(i).counters().membership.*field;
        return s;
    };
    using mc = cohort::membership_counters;
    BOOST_REQUIRE(c.run_until([&] { return total(&mc::confirmations) > 0; }, 30s));
    c.net.heal();
    BOOST_REQUIRE(c.run_until([&] { return c.all_see_active({0, 1, 2, 3, 4}, 5); }, 10s));
    BOOST_TEST(total(&mc::suspicions) > 0u);
    BOOST_TEST(total(&mc::false_suspicion_refutes) > 0u);
    BOOST_TEST(c.at(4).counters().membership.refutations > 0u);
    BOOST_TEST(total(&mc::failures_declared) == 0u);
    c.stop_all();
}

// ---- the hybrid logical clock ---------------------------------------------------------------

namespace {

// Physical time the test sets.
struct manual_wall_clock {
    std::shared_ptr<std::uint64_t> ns = std::make_shared<std::uint64_t>(1'700'000'000'000'000'000);
    std::uint64_t now() const noexcept { return *ns; }
};

using clocked_node =
    cohort::basic_node<cohort::memory_transport, cohort::binary_codec, manual_wall_clock>;

} // namespace

BOOST_AUTO_TEST_CASE(hlc_now_is_monotonic_and_hlc_update_merges_or_refuses) {
    asio::io_context ctx;
    cohort::memory_network net{ctx, manual_network()};
    cohort::memory_transport t(net, address_of(0));
    manual_wall_clock wall;
    auto cfg = config_of(0);
    cfg.hlc.max_offset = 500ms;
    clocked_node n(t, cfg, cohort::binary_codec{}, wall);  // not started: the clock works already

    BOOST_TEST((n.hlc_last() == cohort::hlc_timestamp{}));
    // Physical time frozen: each stamp is still greater than the last.
    auto prev = n.hlc_now();
    BOOST_TEST(prev.wall_ns <= *wall.ns);
    for (int i = 0; i < 1000; ++i) {
        auto const next = n.hlc_now();
        BOOST_REQUIRE(prev < next);
        prev = next;
    }
    BOOST_TEST((n.hlc_last() == prev));

    // A remote stamp 400 ms ahead (within max_offset) moves the clock past it.
    cohort::hlc_timestamp const ahead{*wall.ns + 400'000'000, 7};
    auto const merged = n.hlc_update(ahead);
    BOOST_REQUIRE(merged.has_value());
    BOOST_TEST((ahead < *merged));
    BOOST_TEST((*merged < n.hlc_now()));
    BOOST_TEST((ahead < n.hlc_now()));

    // One 2 s ahead is refused, and leaves the clock where it was.
    auto const before = n.hlc_last();
    cohort::hlc_timestamp const far{*wall.ns + 2'000'000'000, 0};
    auto const refused = n.hlc_update(far);
    BOOST_REQUIRE(!refused.has_value());
    BOOST_TEST(refused.error() == cohort::error::clock_offset_exceeded);
    BOOST_TEST((n.hlc_last() == before));
    BOOST_TEST((n.hlc_now() < far));

    // A stamp from the past changes nothing but still returns a later one.
    auto const old = n.hlc_update(cohort::hlc_timestamp{1, 0});
    BOOST_REQUIRE(old.has_value());
    BOOST_TEST((before < *old));

    // The clock started with the node carries on after async_start.
    auto const last = n.hlc_now();
    std::optional<error_code> started;
    n.async_start([&](error_code ec) { started = ec; });
    cohort::run_virtual_for(ctx, net, 1ms);
    ctx.poll();
    BOOST_REQUIRE(started);
    BOOST_REQUIRE(!*started);
    BOOST_TEST((last < n.hlc_now()));
    std::optional<error_code> stopped;
    n.async_stop([&](error_code ec) { stopped = ec; });
    cohort::run_virtual_for(ctx, net, 1ms);
    ctx.poll();
    BOOST_TEST(stopped.has_value());
}

BOOST_AUTO_TEST_CASE(hlc_accessors_report_an_invalid_hlc_config) {
    asio::io_context ctx;
    cohort::memory_network net{ctx, manual_network()};
    cohort::memory_transport t(net, address_of(0));
    auto cfg = config_of(0);
    cfg.hlc.max_offset = 0ms;
    mem_node n(t, cfg);
    auto const r = n.hlc_update(cohort::hlc_timestamp{1, 0});
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error() == cohort::error::invalid_config);
    BOOST_CHECK_THROW(n.hlc_now(), boost::system::system_error);
    BOOST_TEST((n.hlc_last() == cohort::hlc_timestamp{}));
    std::optional<error_code> started;
    n.async_start([&](error_code ec) { started = ec; });
    ctx.poll();
    BOOST_REQUIRE(started);
    BOOST_TEST(*started == cohort::error::invalid_config);
}

BOOST_AUTO_TEST_CASE(envelopes_sent_after_hlc_now_carry_later_timestamps) {
    memory_cluster c;
    c.form(2);
    auto const heard_of_0 = [&] {
        for (auto const& m : c.at(1).members())
            if (m.id == c.at(0).local_id()) return m.last_heard;
        return cohort::hlc_timestamp{};
    };
    auto const stamp = c.at(0).hlc_now();
    // Node 1 records the time of node 0's latest envelope: soon a later one.
    BOOST_REQUIRE(c.run_until([&] { return stamp < heard_of_0(); }, 10s));
    // Receiving it moved node 1's clock past it.
    auto const heard = heard_of_0();
    BOOST_TEST((heard < c.at(1).hlc_now()));
    // And an out-of-band merge of node 0's fresh stamp orders node 1 after it.
    auto const from_0 = c.at(0).hlc_now();
    auto const merged = c.at(1).hlc_update(from_0);
    BOOST_REQUIRE(merged.has_value());
    BOOST_TEST((from_0 < *merged));
    BOOST_TEST((from_0 < c.at(1).hlc_now()));
    c.stop_all();
}

// ---- probe round trips ----------------------------------------------------------------------

// probe_round_trips(): a sample per acked direct ping, at the network's round
// trip (two legs of 1 to 3 ms in virtual time); none for a member that
// stopped answering.
BOOST_AUTO_TEST_CASE(probe_round_trips_measure_the_network_and_skip_unanswered_pings) {
    memory_cluster c;
    c.form(3);
    c.run_for(5s);
    auto const h = c.at(0).probe_round_trips().snapshot();
    auto const probes = c.at(0).counters().membership.probes;
    BOOST_TEST(h.count() > 0u);
    BOOST_TEST(h.count() <= probes);
    // a ping sent in the last few ms may not be answered yet
    BOOST_TEST(h.count() + 4 >= probes);
    std::uint64_t in_range = 0;
    for (std::size_t i = 0; i < h.bounds.size(); ++i)
        if (h.bounds[i] > 0.001 && h.bounds[i] <= 0.01) in_range += h.buckets[i];
    BOOST_TEST(in_range == h.count());
    BOOST_TEST(h.sum >= 0.002 * static_cast<double>(h.count()));
    BOOST_TEST(h.sum <= 0.006 * static_cast<double>(h.count()) + 0.001);

    c.net.crash(address_of(2));
    auto const before = c.at(0).probe_round_trips().snapshot().count();
    auto const probes_before = c.at(0).counters().membership.probes;
    c.run_for(3s);
    auto const after = c.at(0).probe_round_trips().snapshot().count();
    auto const probes_after = c.at(0).counters().membership.probes;
    // pings to the crashed member go on (until it is failed), unanswered
    BOOST_TEST(probes_after - probes_before > after - before);
    c.stop_all();
}

BOOST_AUTO_TEST_SUITE_END()

// ---- status lifecycle (issue 11) ------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(node_status_lifecycle)

namespace {

std::vector<cohort::node_status> statuses_of(std::vector<cohort::node_event> const& events) {
    std::vector<cohort::node_status> out;
    for (auto const& e : events)
        if (auto const* s = std::get_if<cohort::status_changed>(&e)) out.push_back(s->status);
    return out;
}

} // namespace

// status() and the status_changed events delivered to a subscription opened
// before start go created -> starting -> running -> stopping -> stopped, for
// a graceful stop (a leave first) and an abrupt one; then the stream ends.
BOOST_AUTO_TEST_CASE(status_goes_starting_running_stopping_stopped_and_events_follow) {
    // Gossip once a second: a leave takes a while to spread, so "stopping" lasts.
    memory_cluster c(21, [](cohort::node_config& cfg) { cfg.membership.gossip_interval = 1s; });
    auto const a = c.add();
    auto const b = c.add();
    std::vector<std::vector<cohort::node_event>> got(2);
    std::vector<std::optional<error_code>> ended(2);
    std::vector<mem_node::event_subscription> subs;
    subs.push_back(c.at(a).subscribe_events());
    subs.push_back(c.at(b).subscribe_events());
    std::function<void(std::size_t)> pull = [&](std::size_t i) {
        subs[i].async_next([&, i](error_code ec, cohort::node_event e) {
            if (ec) {
                ended[i] = ec;
                return;
            }
            got[i].push_back(std::move(e));
            pull(i);
        });
    };
    pull(0);
    pull(1);
    c.run_for(2ms);
    BOOST_TEST(c.at(a).status() == cohort::node_status::created);
    BOOST_TEST(got[0].empty());  // nothing before start

    c.start(a);
    c.start(b);
    BOOST_TEST(c.at(a).status() == cohort::node_status::running);
    c.join({b}, a);
    BOOST_REQUIRE(c.run_until([&] { return c.all_see_active({a, b}, 2); }, 10s));
    using st = cohort::node_status;
    std::vector<st> const up{st::starting, st::running};
    BOOST_TEST(statuses_of(got[0]) == up, boost::test_tools::per_element());
    // The first event of all is the status change to starting.
    BOOST_REQUIRE(!got[0].empty());
    BOOST_TEST(std::holds_alternative<cohort::status_changed>(got[0].front()));

    // Graceful stop of a: stopping while it leaves, then stopped.
    std::optional<error_code> stopped_a;
    c.at(a).async_stop([&](error_code ec) { stopped_a = ec; });
    c.run_for(1ms);
    BOOST_TEST(c.at(a).status() == cohort::node_status::stopping);
    BOOST_TEST((statuses_of(got[0]).back() == st::stopping));
    BOOST_TEST(!ended[0].has_value());
    BOOST_REQUIRE(c.run_until([&] { return stopped_a.has_value(); }, 10s));
    BOOST_TEST(!*stopped_a);
    c.run_for(2ms);
    BOOST_TEST(c.at(a).status() == cohort::node_status::stopped);
    std::vector<st> const life{st::starting, st::running, st::stopping, st::stopped};
    BOOST_TEST(statuses_of(got[0]) == life, boost::test_tools::per_element());
    BOOST_TEST(statuses_of(c.logs[a]) == life, boost::test_tools::per_element());  // default stream
    // The leave came between stopping and stopped.
    auto const pos = [&](auto pred) {
        return std::find_if(got[0].begin(), got[0].end(), pred) - got[0].begin();
    };
    auto const stopping_at = pos([](cohort::node_event const& e) {
        auto const* s = std::get_if<cohort::status_changed>(&e);
        return s && s->status == cohort::node_status::stopping;
    });
    auto const left_at = pos([](cohort::node_event const& e) {
        return std::holds_alternative<cohort::leave_completed>(e);
    });
    BOOST_TEST(left_at > stopping_at);
    BOOST_TEST(left_at < static_cast<std::ptrdiff_t>(got[0].size()) - 1);
    BOOST_REQUIRE(ended[0].has_value());
    BOOST_TEST(*ended[0] == boost::asio::error::operation_aborted);

    // Abrupt stop of b: the same states, no leave.
    std::optional<error_code> stopped_b;
    c.at(b).async_stop(cohort::stop_mode::abrupt, [&](error_code ec) { stopped_b = ec; });
    BOOST_REQUIRE(c.run_until([&] { return stopped_b.has_value(); }, 1s));
    BOOST_TEST(!*stopped_b);
    c.run_for(2ms);
    BOOST_TEST(c.at(b).status() == cohort::node_status::stopped);
    BOOST_TEST(statuses_of(got[1]) == life, boost::test_tools::per_element());
    BOOST_TEST(std::none_of(got[1].begin(), got[1].end(), [](cohort::node_event const& e) {
        return std::holds_alternative<cohort::leave_completed>(e);
    }));
    BOOST_REQUIRE(ended[1].has_value());
    BOOST_TEST(*ended[1] == boost::asio::error::operation_aborted);

    // A second stop of a stopped node succeeds and changes nothing.
    std::optional<error_code> again;
    c.at(a).async_stop([&](error_code ec) { again = ec; });
    c.run_for(2ms);
    BOOST_REQUIRE(again);
    BOOST_TEST(!*again);
    BOOST_TEST(statuses_of(c.logs[a]) == life, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
