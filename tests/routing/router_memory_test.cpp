// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// basic_router over basic_node on a memory_network in virtual time: local and
// forwarded calls, casts, direct calls, handler errors, redirects between
// disagreeing views and the redirect limit, per-call timeouts, owner failure
// mid-call (with and without retry), ownership-change callbacks on join and
// leave, configuration checks.

#include "router_harness.hpp"

#include <cohort/routing/bounded_partitions.hpp>
#include <cohort/routing/router.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace cohort_test;
using cohort::error;

namespace {

// Every router answers "echo" with "<its name>:<payload>".
void serve_echo(router_cluster& c) {
    for (std::size_t i = 0; i < c.routers.size(); ++i) {
        std::string const name(c.id(i).name());
        c.router(i).handle("echo", [name](cohort::route_context const& ctx,
                                          std::span<std::byte const> payload) {
            BOOST_TEST(!ctx.key.empty());
            return cohort::route_result(bytes(name + ":" + text(payload)));
        });
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(router_memory)

BOOST_AUTO_TEST_CASE(a_lone_node_serves_its_calls_locally) {
    router_cluster c;
    c.add();
    c.start(0);
    c.settle(1);
    serve_echo(c);
    auto const r = c.call_sync(0, "any-key", "echo", "hi");
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.reply == "r0:hi");
    BOOST_TEST(c.router(0).counters().calls_local == 1u);
    BOOST_TEST(c.router(0).counters().calls_forwarded == 0u);
    BOOST_TEST(c.router(0).owns("any-key"));
    BOOST_TEST(c.router(0).pending_calls() == 0u);

    // The completion never runs inside the initiating call.
    bool done = false;
    auto const p = bytes("x");
    c.router(0).async_call("k", "echo", p, [&](boost::system::error_code, std::vector<std::byte>) {
        done = true;
    });
    BOOST_TEST(!done);
    c.run_for(2ms);
    BOOST_TEST(done);

    BOOST_TEST(c.call_sync(0, "k", "nobody-serves-this", "").ec == error::no_handler);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_call_before_the_node_knows_any_owner_fails_with_no_owner) {
    router_cluster c;
    c.add();  // not started: an empty view
    auto const r = c.call_sync(0, "k", "echo", "", {}, 1s);
    BOOST_TEST(r.ec == error::no_owner);
}

BOOST_AUTO_TEST_CASE(calls_are_forwarded_to_the_owner_and_answered) {
    router_cluster c;
    c.form(3);
    serve_echo(c);
    for (std::size_t owner = 0; owner < 3; ++owner) {
        for (std::size_t from = 0; from < 3; ++from) {
            auto const key = c.key_owned_by(from, owner);
            auto const r = c.call_sync(from, key, "echo", "p" + std::to_string(from));
            BOOST_TEST(!r.ec, r.ec.message());
            BOOST_TEST(r.reply == "r" + std::to_string(owner) + ":p" + std::to_string(from));
        }
    }
    BOOST_TEST(c.router(0).counters().calls_forwarded == 2u);
    BOOST_TEST(c.router(0).counters().calls_local == 1u);
    BOOST_TEST(c.router(1).counters().requests_served == 2u);
    BOOST_TEST(c.router(1).counters().view_mismatches == 0u);
    // Application messages travel beside membership, counted by the node.
    // (published with the next membership input)
    BOOST_REQUIRE(c.run_until([&] { return c.node(1).counters().messages_in[13] == 2u; }, 3s));
    auto const k = c.node(1).counters();
    BOOST_TEST(k.messages_out[14] == 2u);         // route_reply
    BOOST_TEST(k.membership.received[13] == 0u);  // never handed to the core
    c.stop_all();
}

// call_durations(): one sample per call, a local call in the lowest bucket,
// a forwarded one at the network's round trip (two legs of 1 to 3 ms).
BOOST_AUTO_TEST_CASE(every_call_is_timed_local_at_once_remote_at_the_round_trip) {
    router_cluster c;
    c.form(3);
    serve_echo(c);
    std::size_t const remote = 6, local = 4;
    for (std::size_t i = 0; i < remote; ++i)
        BOOST_TEST(!c.call_sync(0, c.key_owned_by(0, 1 + i % 2), "echo", "x").ec);
    for (std::size_t i = 0; i < local; ++i)
        BOOST_TEST(!c.call_sync(0, c.key_owned_by(0, 0), "echo", "x").ec);
    auto const h = c.router(0).call_durations().snapshot();
    BOOST_TEST(h.count() == remote + local);
    auto const bucket_of = [&](double bound) {
        auto const i = std::find(h.bounds.begin(), h.bounds.end(), bound) - h.bounds.begin();
        BOOST_REQUIRE(static_cast<std::size_t>(i) < h.bounds.size());
        return h.buckets[static_cast<std::size_t>(i)];
    };
    // virtual time stands still while a local call runs
    BOOST_TEST(bucket_of(0.0005) == local);
    // 2 to 6 ms, so in (1 ms, 2.5 ms], (2.5 ms, 5 ms] or (5 ms, 10 ms]
    BOOST_TEST(bucket_of(0.0025) + bucket_of(0.005) + bucket_of(0.01) == remote);
    BOOST_TEST(h.sum >= 0.002 * remote);
    BOOST_TEST(h.sum <= 0.006 * remote + 0.001);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(handler_errors_and_missing_handlers_travel_back) {
    router_cluster c;
    c.form(2);
    c.router(1).handle("fail", [](cohort::route_context const&, std::span<std::byte const>) {
        return cohort::route_result(make_error_code(boost::system::errc::permission_denied));
    });
    auto const key = c.key_owned_by(0, 1);
    auto const failed = c.call_sync(0, key, "fail", "");
    BOOST_TEST(failed.ec == error::remote_handler_error);
    BOOST_TEST(failed.reply ==
               make_error_code(boost::system::errc::permission_denied).message());
    BOOST_TEST(c.call_sync(0, key, "missing", "").ec == error::no_handler);
    c.router(1).unhandle("fail");
    BOOST_TEST(c.call_sync(0, key, "fail", "").ec == error::no_handler);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_throwing_handler_answers_remote_handler_error_and_the_owner_keeps_serving) {
    router_cluster c;
    c.form(2);
    serve_echo(c);
    c.router(1).handle("throw", [](cohort::route_context const&,
                                   std::span<std::byte const>) -> cohort::route_result {
        throw std::runtime_error("sync handler bug");
    });
    c.router(1).handle_async("throw-async", [](cohort::route_context const&, std::vector<std::byte>,
                                               cohort::route_responder) {
        throw std::runtime_error("async handler bug");
    });
    auto const key = c.key_owned_by(0, 1);
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(c.call_sync(0, key, "throw", "", {}, 2s).ec == error::remote_handler_error);
        BOOST_TEST(c.call_sync(0, key, "throw-async", "", {}, 2s).ec ==
                   error::remote_handler_error);
    }
    // Served on the owner itself, the local call fails the same way.
    BOOST_TEST(c.call_sync(1, key, "throw", "", {}, 2s).ec == error::remote_handler_error);
    BOOST_TEST(c.router(1).counters().handler_exceptions == 7u);
    // The exception stopped in the router: the node's receive loop never saw it,
    // and the owner still answers calls and stays a member for the caller.
    BOOST_TEST(c.node(1).counters().handler_exceptions == 0u);
    auto const ok = c.call_sync(0, key, "echo", "after");
    BOOST_TEST(!ok.ec, ok.ec.message());
    BOOST_TEST(ok.reply == "r1:after");
    BOOST_TEST(c.node(0).is_member_active(c.id(1)));
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(casts_reach_the_owner_without_an_answer) {
    router_cluster c;
    c.form(3);
    std::vector<std::string> seen;
    c.router(2).handle("log", [&](cohort::route_context const& ctx, std::span<std::byte const> p) {
        BOOST_TEST(!ctx.want_reply);
        BOOST_TEST(ctx.from == c.id(0));
        seen.push_back(std::string(ctx.key) + "=" + text(p));
        return cohort::route_result(std::vector<std::byte>{});
    });
    auto const key = c.key_owned_by(0, 2);
    std::optional<boost::system::error_code> sent;
    auto const p = bytes("v");
    c.router(0).async_cast(key, "log", p, [&](boost::system::error_code ec) { sent = ec; });
    BOOST_REQUIRE(c.run_until([&] { return !seen.empty(); }, 1s));
    BOOST_REQUIRE(sent);
    BOOST_TEST(!*sent);
    BOOST_TEST(seen.size() == 1u);
    BOOST_TEST(seen[0] == key + "=v");
    BOOST_TEST(c.router(0).counters().casts == 1u);
    // Nothing came back.
    BOOST_TEST(c.node(0).counters().messages_in[14] == 0u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_direct_call_is_served_by_the_chosen_member_whatever_it_owns) {
    router_cluster c;
    c.form(3);
    serve_echo(c);
    auto const key = c.key_owned_by(0, 1);
    std::optional<call_result> r;
    auto const p = bytes("replica");
    c.router(0).async_call_member(c.id(2), key, "echo", p,
                                  [&](boost::system::error_code ec, std::vector<std::byte> b) {
                                      r = call_result{ec, text(b)};
                                  });
    BOOST_REQUIRE(c.run_until([&] { return r.has_value(); }, 1s));
    BOOST_TEST(!r->ec);
    BOOST_TEST(r->reply == "r2:replica");
    BOOST_TEST(c.router(2).counters().redirects_sent == 0u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_node_with_another_view_redirects_to_the_owner_in_its_view) {
    router_cluster c;
    c.form(3);
    serve_echo(c);
    // Node 0 believes the cluster is {r0, r1}; the others see all three.
    c.router(0).pin_view({{c.id(0)}, {c.id(1)}});
    BOOST_REQUIRE(c.router(0).fingerprint() != c.router(1).fingerprint());
    std::string key;
    for (int i = 0; i < 100000 && key.empty(); ++i) {
        auto k = "k" + std::to_string(i);
        if (c.router(0).owner(k) == c.id(1) && c.router(1).owner(k) == c.id(2)) key = k;
    }
    BOOST_REQUIRE(!key.empty());
    auto const r = c.call_sync(0, key, "echo", "x");
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.reply == "r2:x");
    BOOST_TEST(c.router(1).counters().redirects_sent == 1u);
    BOOST_TEST(c.router(1).counters().view_mismatches == 1u);
    BOOST_TEST(c.router(0).counters().redirects_followed == 1u);
    BOOST_TEST(c.router(2).counters().requests_served == 1u);

    // A key node 1 owns in both views is served there, mismatch or not.
    std::string shared;
    for (int i = 0; i < 100000 && shared.empty(); ++i) {
        auto k = "s" + std::to_string(i);
        if (c.router(0).owner(k) == c.id(1) && c.router(1).owner(k) == c.id(1)) shared = k;
    }
    BOOST_REQUIRE(!shared.empty());
    auto const s = c.call_sync(0, shared, "echo", "y");
    BOOST_TEST(!s.ec);
    BOOST_TEST(s.reply == "r1:y");
    BOOST_TEST(c.router(1).counters().redirects_sent == 1u);

    // Back to the membership: no more redirects.
    c.router(0).follow_membership();
    BOOST_TEST(c.router(0).fingerprint() == c.router(1).fingerprint());
    auto const t = c.call_sync(0, key, "echo", "z");
    BOOST_TEST(t.reply == "r2:z");
    BOOST_TEST(c.router(0).counters().redirects_followed == 1u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_redirect_loop_ends_with_redirect_limit) {
    router_cluster c;
    c.form(3);
    serve_echo(c);
    // 0 and 2 see {r0, r1}; 1 sees {r1, r2}. A key r1 owns in the first view
    // and r2 in the second bounces 1 -> 2 -> 1 -> ...
    c.router(0).pin_view({{c.id(0)}, {c.id(1)}});
    c.router(2).pin_view({{c.id(0)}, {c.id(1)}});
    c.router(1).pin_view({{c.id(1)}, {c.id(2)}});
    std::string key;
    for (int i = 0; i < 100000 && key.empty(); ++i) {
        auto k = "k" + std::to_string(i);
        if (c.router(0).owner(k) == c.id(1) && c.router(1).owner(k) == c.id(2)) key = k;
    }
    BOOST_REQUIRE(!key.empty());
    auto const r = c.call_sync(0, key, "echo", "x");
    BOOST_TEST(r.ec == error::redirect_limit, r.ec.message());
    auto const k0 = c.router(0).counters();
    BOOST_TEST(k0.redirects_followed == 2u);  // at most two hops
    BOOST_TEST(k0.redirect_limits == 1u);
    BOOST_TEST(c.router(1).counters().redirects_sent == 2u);
    BOOST_TEST(c.router(2).counters().redirects_sent == 1u);
    BOOST_TEST(c.router(1).counters().requests_served + c.router(2).counters().requests_served ==
               0u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_call_without_an_answer_times_out_per_call) {
    cohort::router_config rc;
    rc.call_timeout = 1s;
    router_cluster c(1, rc);
    c.form(2);
    std::vector<cohort::route_responder> held;
    c.router(1).handle_async("hold", [&](cohort::route_context const&, std::vector<std::byte>,
                                         cohort::route_responder r) { held.push_back(std::move(r)); });
    auto const key = c.key_owned_by(0, 1);

    cohort::call_options short_wait;
    short_wait.timeout = 300ms;
    auto quick = c.call(0, key, "hold", "", short_wait);
    auto slow = c.call(0, key, "hold", "");  // the config's 1 s
    c.run_for(250ms);
    BOOST_TEST(!quick->has_value());
    c.run_for(100ms);
    BOOST_REQUIRE(quick->has_value());
    BOOST_TEST((*quick)->ec == error::call_timeout);
    BOOST_TEST(!slow->has_value());
    c.run_for(700ms);
    BOOST_REQUIRE(slow->has_value());
    BOOST_TEST((*slow)->ec == error::call_timeout);
    BOOST_TEST(c.router(0).counters().timeouts == 2u);
    BOOST_TEST(c.router(0).pending_calls() == 0u);

    // Late answers find no call: counted, not delivered.
    BOOST_REQUIRE_EQUAL(held.size(), 2u);
    for (auto& r : held) r(cohort::route_result(bytes("late")));
    c.run_for(50ms);
    BOOST_TEST(c.router(0).counters().stray_replies == 2u);

    // A local handler that never answers times out too.
    c.router(0).handle_async("hold", [&](cohort::route_context const&, std::vector<std::byte>,
                                         cohort::route_responder r) { held.push_back(std::move(r)); });
    auto const local = c.call_sync(0, c.key_owned_by(0, 0), "hold", "", short_wait);
    BOOST_TEST(local.ec == error::call_timeout);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_dropped_responder_answers_with_an_error) {
    router_cluster c;
    c.form(2);
    c.router(1).handle_async("drop", [](cohort::route_context const&, std::vector<std::byte>,
                                        cohort::route_responder) {});
    auto const r = c.call_sync(0, c.key_owned_by(0, 1), "drop", "", {}, 2s);
    BOOST_TEST(r.ec == error::remote_handler_error);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(owner_failure_mid_call_is_an_error_not_silence) {
    router_cluster c;
    c.form(3);
    std::vector<cohort::route_responder> held;
    c.router(2).handle_async("hold", [&](cohort::route_context const&, std::vector<std::byte>,
                                         cohort::route_responder r) { held.push_back(std::move(r)); });
    auto const key = c.key_owned_by(0, 2);
    cohort::call_options opts;
    opts.timeout = 600s;  // far beyond detection: the failure, not the timeout, ends the call
    auto r = c.call(0, key, "hold", "", opts);
    BOOST_REQUIRE(c.run_until([&] { return !held.empty(); }, 1s));
    c.net.crash(address_of(2));
    BOOST_REQUIRE(c.run_until([&] { return r->has_value(); }, 120s));
    BOOST_TEST((*r)->ec == error::owner_failed, (*r)->ec.message());
    BOOST_TEST(c.router(0).counters().owner_failures == 1u);
    BOOST_TEST(c.router(0).counters().timeouts == 0u);

    // Now the view has moved on: the key has another owner, which answers.
    c.settle(2);
    BOOST_TEST((c.router(0).owner(key) != c.id(2)));
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_frame_to_a_crashed_owner_fails_the_call_at_once) {
    router_cluster c;
    c.form(3);
    serve_echo(c);
    auto const key = c.key_owned_by(0, 2);
    c.net.crash(address_of(2));
    // The view still names r2: the send itself is refused.
    auto const r = c.call_sync(0, key, "echo", "", {}, 1s);
    BOOST_TEST(r.ec == error::owner_failed, r.ec.message());
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(with_retry_a_failed_owner_call_goes_to_the_new_owner) {
    router_cluster c;
    c.form(3);
    serve_echo(c);
    std::vector<cohort::route_responder> held;
    c.router(2).handle_async("echo", [&](cohort::route_context const&, std::vector<std::byte>,
                                         cohort::route_responder r) { held.push_back(std::move(r)); });
    auto const key = c.key_owned_by(0, 2);
    cohort::call_options opts;
    opts.timeout = 600s;
    opts.retry = true;
    auto r = c.call(0, key, "echo", "again", opts);
    BOOST_REQUIRE(c.run_until([&] { return !held.empty(); }, 1s));
    c.net.crash(address_of(2));
    BOOST_REQUIRE(c.run_until([&] { return r->has_value(); }, 120s));
    BOOST_TEST(!(*r)->ec, (*r)->ec.message());
    auto const new_owner = c.router(0).owner(key);
    BOOST_REQUIRE(new_owner);
    BOOST_TEST(*new_owner != c.id(2));
    BOOST_TEST((*r)->reply == std::string(new_owner->name()) + ":again");
    BOOST_TEST(c.router(0).counters().retries == 1u);

    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_refused_send_with_retry_waits_for_the_new_owner) {
    router_cluster c;
    c.form(3);
    serve_echo(c);
    auto const key = c.key_owned_by(0, 2);
    c.net.crash(address_of(2));
    cohort::call_options opts;
    opts.timeout = 600s;
    opts.retry = true;
    auto r = c.call(0, key, "echo", "q", opts);
    c.run_for(10ms);
    BOOST_TEST(!r->has_value());  // waiting for the verdict on r2
    BOOST_REQUIRE(c.run_until([&] { return r->has_value(); }, 120s));
    BOOST_TEST(!(*r)->ec, (*r)->ec.message());
    BOOST_TEST((*r)->reply.find(":q") != std::string::npos);
    BOOST_TEST((*r)->reply.substr(0, 2) != "r2");
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(joins_and_leaves_report_acquired_and_released_ranges) {
    router_cluster c;
    c.form(2);
    c.add();
    std::vector<std::vector<cohort::range_change>> acquired(3), released(3);
    for (std::size_t i = 0; i < 3; ++i) {
        c.router(i).on_acquired([&, i](auto const& change) {
            BOOST_TEST(change.previous->fingerprint() != change.current->fingerprint());
            for (auto const& r : change.ranges) acquired[i].push_back(r);
        });
        c.router(i).on_released([&, i](auto const& change) {
            for (auto const& r : change.ranges) released[i].push_back(r);
        });
    }
    c.start(2);
    c.join(2, 3);
    // The newcomer took ranges from both, and gave none.
    BOOST_TEST(!acquired[2].empty());
    for (auto const& r : acquired[2]) {
        BOOST_TEST(r.to == c.id(2));
        BOOST_TEST((r.from == c.id(0) || r.from == c.id(1) || r.from.empty()));
    }
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST(!released[i].empty());
        for (auto const& r : released[i]) {
            BOOST_TEST(r.from == c.id(i));
            BOOST_TEST(r.to == c.id(2));
        }
        BOOST_TEST(acquired[i].empty());
    }
    // What r0 and r1 released is exactly what r2 now owns.
    auto const span_of = [](std::vector<cohort::range_change> const& v) {
        double total = 0;
        for (auto const& r : v) total += static_cast<double>(r.last - r.first) * 0x1p-64;
        return total;
    };
    auto const table = c.router(0).ownership();
    auto const shares = table->hash_space_shares();
    double r2_share = 0;
    for (std::size_t m = 0; m < table->size(); ++m)
        if (table->members()[m].id == c.id(2)) r2_share = shares[m];
    BOOST_TEST(r2_share > 0.1);
    BOOST_TEST(std::abs(span_of(released[0]) + span_of(released[1]) - r2_share) < 1e-9);

    for (auto& v : acquired) v.clear();
    for (auto& v : released) v.clear();
    std::optional<boost::system::error_code> left;
    c.node(2).async_leave([&](boost::system::error_code ec) { left = ec; });
    BOOST_REQUIRE(c.run_until([&] { return left.has_value(); }, 10s));
    c.settle(2);
    BOOST_TEST(c.router(2).ownership()->size() == 2u);  // r2 sees itself leaving
    BOOST_TEST(!c.router(2).owns("anything"));
    BOOST_TEST(!released[2].empty());
    for (auto const& r : released[2]) {
        BOOST_TEST(r.from == c.id(2));
        BOOST_TEST((r.to == c.id(0) || r.to == c.id(1)));
    }
    BOOST_TEST(!acquired[0].empty());
    BOOST_TEST(!acquired[1].empty());
    BOOST_TEST(acquired[2].empty());
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(partition_routers_report_moved_partitions) {
    using part_router = cohort::basic_router<mem_node, cohort::bounded_partitions>;
    router_cluster c;
    c.form(2);
    c.add();
    // Partition routers beside the cluster's ring routers: they replace the
    // node hooks, which is what the ring routers' close() gives back.
    std::vector<std::unique_ptr<part_router>> parts;
    std::vector<std::vector<cohort::slot_change>> acquired(3), released(3);
    for (std::size_t i = 0; i < 3; ++i) {
        c.router(i).close();
        parts.push_back(std::make_unique<part_router>(c.node(i)));
        parts.back()->on_acquired([&, i](auto const& ch) {
            for (auto const& s : ch.slots) acquired[i].push_back(s);
        });
        parts.back()->on_released([&, i](auto const& ch) {
            for (auto const& s : ch.slots) released[i].push_back(s);
        });
    }
    c.start(2);
    std::optional<boost::system::error_code> joined;
    c.node(2).async_join({cohort::peer_address::of(c.id(0))},
                         [&](boost::system::error_code ec) { joined = ec; });
    BOOST_REQUIRE(c.run_until(
        [&] {
            for (auto& p : parts)
                if (p->ownership()->size() != 3) return false;
            return joined.has_value();
        },
        20s));
    // What r0 and r1 gave r2 is what r2 holds (bounded loads may also move a
    // few partitions between r0 and r1: capacities changed).
    std::size_t given = 0;
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST(!released[i].empty());
        for (auto const& s : released[i]) {
            BOOST_TEST(s.from == c.id(i));
            given += s.to == c.id(2);
        }
    }
    for (auto const& s : acquired[2]) BOOST_TEST(s.to == c.id(2));
    auto const table = parts[0]->ownership();
    std::size_t held_by_r2 = 0;
    for (std::size_t s = 0; s < table->table().slot_count(); ++s)
        if (table->members()[table->table().slot_owner(s)].id == c.id(2)) ++held_by_r2;
    BOOST_TEST(given == held_by_r2);
    for (auto& p : parts) p->close();
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(close_fails_pending_calls_with_operation_aborted) {
    router_cluster c;
    c.form(2);
    std::vector<cohort::route_responder> held;  // after the cluster: dropped before it
    c.router(1).handle_async("hold", [&](cohort::route_context const&, std::vector<std::byte>,
                                         cohort::route_responder r) { held.push_back(std::move(r)); });
    auto r = c.call(0, c.key_owned_by(0, 1), "hold", "");
    c.run_for(20ms);
    BOOST_TEST(!r->has_value());
    c.router(0).close();
    c.run_for(2ms);
    BOOST_REQUIRE(r->has_value());
    BOOST_TEST((*r)->ec == boost::asio::error::operation_aborted);
    auto const after = c.call_sync(0, "k", "hold", "", {}, 1s);
    BOOST_TEST(after.ec == boost::asio::error::operation_aborted);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_call_is_cancelled_through_its_slot) {
    router_cluster c;
    c.form(2);
    std::vector<cohort::route_responder> held;
    c.router(1).handle_async("hold", [&](cohort::route_context const&, std::vector<std::byte>,
                                         cohort::route_responder r) { held.push_back(std::move(r)); });
    asio::cancellation_signal signal;
    std::optional<boost::system::error_code> result;
    auto const p = bytes("x");
    c.router(0).async_call(c.key_owned_by(0, 1), "hold", p,
                           asio::bind_cancellation_slot(
                               signal.slot(), [&](boost::system::error_code ec,
                                                  std::vector<std::byte>) { result = ec; }));
    BOOST_REQUIRE(c.run_until([&] { return !held.empty(); }, 1s));
    BOOST_TEST(!result.has_value());
    signal.emit(asio::cancellation_type::terminal);
    c.run_for(2ms);
    BOOST_REQUIRE(result.has_value());
    BOOST_TEST(*result == boost::asio::error::operation_aborted);
    BOOST_TEST(c.router(0).pending_calls() == 0u);
    BOOST_TEST(c.router(0).counters().cancelled == 1u);
    // The late answer is dropped; a second emit does nothing.
    held[0](cohort::route_result(bytes("late")));
    signal.emit(asio::cancellation_type::terminal);
    c.run_for(50ms);
    BOOST_TEST(c.router(0).counters().stray_replies == 1u);
    BOOST_TEST(c.router(0).counters().cancelled == 1u);

    // Emitted on the executor's thread, inside a handler.
    asio::cancellation_signal inside;
    std::optional<boost::system::error_code> second;
    c.router(0).async_call(c.key_owned_by(0, 1), "hold", p,
                           asio::bind_cancellation_slot(
                               inside.slot(), [&](boost::system::error_code ec,
                                                  std::vector<std::byte>) { second = ec; }));
    c.run_for(20ms);
    asio::post(c.ctx, [&] { inside.emit(asio::cancellation_type::partial); });
    c.run_for(2ms);
    BOOST_REQUIRE(second.has_value());
    BOOST_TEST(*second == boost::asio::error::operation_aborted);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(casts_are_forwarded_by_a_node_with_another_view_within_the_limit) {
    router_cluster c;
    c.form(3);
    std::vector<std::string> served(3);
    for (std::size_t i = 0; i < 3; ++i)
        c.router(i).handle("log", [&served, i](cohort::route_context const& ctx,
                                               std::span<std::byte const>) {
            served[i] += std::string(ctx.key) + ";";
            return cohort::route_result(std::vector<std::byte>{});
        });
    // 0 sees {r0, r1}; 1 and 2 see everything: 1 forwards to 2.
    c.router(0).pin_view({{c.id(0)}, {c.id(1)}});
    std::string key;
    for (int i = 0; i < 100000 && key.empty(); ++i) {
        auto k = "k" + std::to_string(i);
        if (c.router(0).owner(k) == c.id(1) && c.router(1).owner(k) == c.id(2)) key = k;
    }
    BOOST_REQUIRE(!key.empty());
    auto const p = bytes("");
    c.router(0).async_cast(key, "log", p, [](boost::system::error_code ec) { BOOST_TEST(!ec); });
    BOOST_REQUIRE(c.run_until([&] { return !served[2].empty(); }, 1s));
    BOOST_TEST(served[2] == key + ";");
    BOOST_TEST(served[1].empty());
    BOOST_TEST(c.router(1).counters().casts_forwarded == 1u);

    // A loop (1 -> 2 -> 1 ...) ends at the limit: dropped, counted, never served.
    c.router(2).pin_view({{c.id(0)}, {c.id(1)}});
    c.router(1).pin_view({{c.id(1)}, {c.id(2)}});
    c.router(0).async_cast(key, "log", p, [](boost::system::error_code ec) { BOOST_TEST(!ec); });
    c.run_for(200ms);
    BOOST_TEST(served[1].empty());
    BOOST_TEST(served[2] == key + ";");
    BOOST_TEST(c.router(1).counters().casts_dropped + c.router(2).counters().casts_dropped == 1u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(router_config_is_validated_by_field) {
    auto field = [](cohort::router_config const& rc) {
        auto const r = cohort::validate(rc);
        return r ? std::string() : std::string(r.error().field);
    };
    BOOST_TEST(field({}) == "");
    cohort::router_config rc;
    rc.call_timeout = std::chrono::nanoseconds::zero();
    BOOST_TEST(field(rc) == "router_config.call_timeout");
    rc = {};
    rc.max_redirects = 17;
    BOOST_TEST(field(rc) == "router_config.max_redirects");
    rc = {};
    rc.max_pending_calls = 0;
    BOOST_TEST(field(rc) == "router_config.max_pending_calls");
    rc = {};
    rc.view.default_weight = 1025;
    BOOST_TEST(field(rc) == "router_config.view.default_weight");

    router_cluster c;
    c.add();
    rc = {};
    rc.max_redirects = 99;
    BOOST_CHECK_THROW(mem_router(c.node(0), rc), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(max_pending_calls_bounds_waiting_calls) {
    cohort::router_config rc;
    rc.max_pending_calls = 2;
    router_cluster c(1, rc);
    c.form(2);
    std::vector<cohort::route_responder> held;
    c.router(1).handle_async("hold", [&](cohort::route_context const&, std::vector<std::byte>,
                                         cohort::route_responder r) { held.push_back(std::move(r)); });
    auto const key = c.key_owned_by(0, 1);
    auto a = c.call(0, key, "hold", "");
    auto b = c.call(0, key, "hold", "");
    auto d = c.call(0, key, "hold", "");
    c.run_for(20ms);
    BOOST_REQUIRE(d->has_value());
    BOOST_TEST((*d)->ec == error::send_queue_full);
    BOOST_TEST(!a->has_value());
    for (auto& r : held) r(cohort::route_result(bytes("ok")));
    c.run_for(20ms);
    BOOST_REQUIRE(a->has_value());
    BOOST_REQUIRE(b->has_value());
    BOOST_TEST((*a)->reply == "ok");
    c.stop_all();
}

// Oversize requests and replies: the call completes with a specific error as
// soon as the limit is hit, never by its (here, hour-long) timeout. The
// harness runs virtual time, bounded by call_sync's 30 s limit.
static cohort::router_config hour_long_calls(bool retry = false) {
    cohort::router_config rc;
    rc.call_timeout = std::chrono::hours(1);
    rc.retry_on_owner_failure = retry;
    return rc;
}

BOOST_AUTO_TEST_CASE(a_request_over_the_frame_limit_fails_at_once_with_frame_too_large) {
    router_cluster c(1, hour_long_calls(true), 4096);  // retry on: not retried either
    c.form(2);
    serve_echo(c);
    auto const key = c.key_owned_by(0, 1);
    auto const r = c.call_sync(0, key, "echo", std::string(8000, 'q'));
    BOOST_TEST(r.ec == error::frame_too_large, r.ec.message());
    BOOST_TEST(r.reply.empty());
    auto const k = c.router(0).counters();
    BOOST_TEST(k.requests_too_large == 1u);
    BOOST_TEST(k.timeouts == 0u);
    BOOST_TEST(k.retries == 0u);
    BOOST_TEST(k.owner_failures == 0u);
    BOOST_TEST(c.router(1).counters().requests_served == 0u);
    BOOST_TEST(c.router(0).pending_calls() == 0u);

    // A cast says the same.
    std::optional<boost::system::error_code> cast;
    auto const big = bytes(std::string(8000, 'c'));
    c.router(0).async_cast(key, "echo", big, [&](boost::system::error_code ec) { cast = ec; });
    BOOST_REQUIRE(c.run_until([&] { return cast.has_value(); }, 1s));
    BOOST_TEST(*cast == error::frame_too_large);
    BOOST_TEST(c.router(0).counters().requests_too_large == 2u);

    // The owner is not suspected for it, and a small call still goes through.
    auto const ok = c.call_sync(0, key, "echo", "small");
    BOOST_TEST(!ok.ec, ok.ec.message());
    BOOST_TEST(ok.reply == "r1:small");
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_request_over_the_codec_limit_fails_at_once_with_length_over_limit) {
    router_cluster c(1, hour_long_calls());  // frames of 4 MiB, byte fields of 64 KiB
    c.form(2);
    serve_echo(c);
    auto const r = c.call_sync(0, c.key_owned_by(0, 1), "echo", std::string(100'000, 'q'));
    BOOST_TEST(r.ec == error::length_over_limit, r.ec.message());
    BOOST_TEST(c.router(0).counters().requests_too_large == 1u);
    BOOST_TEST(c.router(0).counters().timeouts == 0u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_reply_over_the_frame_limit_completes_the_call_with_reply_too_large) {
    router_cluster c(1, hour_long_calls(), 4096);
    c.form(2);
    for (std::size_t i = 0; i < 2; ++i)
        c.router(i).handle("big", [](cohort::route_context const&, std::span<std::byte const> p) {
            return cohort::route_result(bytes(std::string(std::stoul(text(p)), 'r')));
        });
    auto const key = c.key_owned_by(0, 1);
    auto const r = c.call_sync(0, key, "big", "8000");
    BOOST_TEST(r.ec == error::reply_too_large, r.ec.message());
    // The bytes are the owner's note: the size and the limit that refused it.
    BOOST_TEST(r.reply.find("8000") != std::string::npos, r.reply);
    BOOST_TEST(r.reply.find("frame") != std::string::npos, r.reply);
    BOOST_TEST(c.router(0).counters().timeouts == 0u);
    BOOST_TEST(c.router(0).counters().owner_failures == 0u);
    BOOST_TEST(c.router(1).counters().replies_too_large == 1u);
    BOOST_TEST(c.router(0).pending_calls() == 0u);

    // Just under the limit still answers; a local call has no limit.
    auto const fits = c.call_sync(0, key, "big", "3000");
    BOOST_TEST(!fits.ec, fits.ec.message());
    BOOST_TEST(fits.reply.size() == 3000u);
    auto const local = c.call_sync(1, key, "big", "8000");
    BOOST_TEST(!local.ec, local.ec.message());
    BOOST_TEST(local.reply.size() == 8000u);
    BOOST_TEST(c.router(1).counters().replies_too_large == 1u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_reply_over_the_codec_limit_completes_the_call_with_reply_too_large) {
    router_cluster c(1, hour_long_calls());
    c.form(2);
    // An asynchronous handler's answer takes the same path.
    c.router(1).handle_async("big", [](cohort::route_context const&, std::vector<std::byte>,
                                       cohort::route_responder r) {
        r(cohort::route_result(std::vector<std::byte>(100'000, std::byte{1})));
    });
    auto const r = c.call_sync(0, c.key_owned_by(0, 1), "big", "");
    BOOST_TEST(r.ec == error::reply_too_large, r.ec.message());
    BOOST_TEST(r.reply.find("100000") != std::string::npos, r.reply);
    BOOST_TEST(c.router(0).counters().timeouts == 0u);
    BOOST_TEST(c.router(1).counters().replies_too_large == 1u);
    c.stop_all();
}

BOOST_AUTO_TEST_SUITE_END()

// ---- completion tokens (issue 11) -----------------------------------------------------------

BOOST_AUTO_TEST_SUITE(router_memory_tokens)

// A forwarded call awaited with use_awaitable inside co_spawn returns the
// owner's reply; an error comes out as a system_error, and as a value with
// as_tuple(use_awaitable).
BOOST_AUTO_TEST_CASE(calls_complete_with_use_awaitable_in_a_coroutine) {
    router_cluster c(41);
    c.form(3);
    serve_echo(c);
    auto const key = c.key_owned_by(0, 2);
    auto const local_key = c.key_owned_by(0, 0);
    std::vector<std::string> steps;
    bool done = false;
    asio::co_spawn(
        c.ctx,
        [&]() -> asio::awaitable<void> {
            auto const p = bytes("aw");
            auto const reply = co_await c.router(0).async_call(key, "echo", p, asio::use_awaitable);
            steps.push_back(text(reply));
            auto const local =
                co_await c.router(0).async_call(local_key, "echo", p, asio::use_awaitable);
            steps.push_back(text(local));
            try {
                co_await c.router(0).async_call(key, "no-such-topic", p, asio::use_awaitable);
                steps.push_back("no error");
            } catch (boost::system::system_error const& e) {
                steps.push_back(e.code() == error::no_handler ? "threw no_handler"
                                                              : "threw " + e.code().message());
            }
            auto const [ec, r] = co_await c.router(0).async_call(key, "no-such-topic", p,
                                                                 asio::as_tuple(asio::use_awaitable));
            steps.push_back(ec == error::no_handler ? "tuple no_handler" : "tuple " + ec.message());
            done = true;
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    BOOST_REQUIRE(c.run_until([&] { return done; }, 30s));
    std::vector<std::string> const expected{"r2:aw", "r0:aw", "threw no_handler",
                                            "tuple no_handler"};
    BOOST_TEST(steps == expected, boost::test_tools::per_element());
    BOOST_TEST(c.router(2).counters().requests_served >= 1u);
    c.stop_all();
}

// With use_future: the future becomes ready while this thread polls the
// context (virtual time), and get() returns the owner's reply or throws.
BOOST_AUTO_TEST_CASE(calls_complete_with_use_future_while_the_context_is_polled) {
    router_cluster c(42);
    c.form(3);
    serve_echo(c);
    auto const key = c.key_owned_by(1, 2);
    auto const p = bytes("fut");
    auto const ready = [](auto const& f) {
        return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    };
    std::future<std::vector<std::byte>> reply =
        c.router(1).async_call(key, "echo", p, asio::use_future);
    BOOST_TEST(!ready(reply));  // never inside the initiating call
    BOOST_REQUIRE(c.run_until([&] { return ready(reply); }, 30s));
    BOOST_TEST(text(reply.get()) == "r2:fut");

    auto failing = c.router(1).async_call(key, "no-such-topic", p, asio::use_future);
    BOOST_REQUIRE(c.run_until([&] { return ready(failing); }, 30s));
    BOOST_CHECK_EXCEPTION(failing.get(), boost::system::system_error,
                          [](auto const& e) { return e.code() == error::no_handler; });

    // Several futures outstanding at once, each with its own owner's reply.
    std::vector<std::future<std::vector<std::byte>>> many;
    std::vector<std::string> expected;
    for (std::size_t owner = 0; owner < 3; ++owner) {
        many.push_back(c.router(0).async_call(c.key_owned_by(0, owner), "echo", p, asio::use_future));
        expected.push_back("r" + std::to_string(owner) + ":fut");
    }
    BOOST_REQUIRE(c.run_until(
        [&] { return std::all_of(many.begin(), many.end(), [&](auto const& f) { return ready(f); }); },
        30s));
    std::vector<std::string> got;
    for (auto& f : many) got.push_back(text(f.get()));
    BOOST_TEST(got == expected, boost::test_tools::per_element());
    c.stop_all();
}

BOOST_AUTO_TEST_SUITE_END()
