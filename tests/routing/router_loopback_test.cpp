// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The router and examples/kv over udp_tcp_transport on 127.0.0.1: forwarded
// calls and casts over real TCP, a call to a stopped owner fails (never
// silence), oversize requests and replies fail with their size errors, and a
// killed node's keys are read from its replicas. Every wait
// is bounded by io_context::run_for.

#include <kv/kv_service.hpp>

#include <cohort/node.hpp>
#include <cohort/routing/router.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using kv = cohort_kv::kv_service<cohort::router>;

namespace {

struct loopback_cluster {
    asio::io_context ctx;
    std::vector<std::unique_ptr<cohort::udp_tcp_transport>> transports;
    std::vector<std::unique_ptr<cohort::node>> nodes;
    std::vector<std::unique_ptr<cohort::router>> routers;
    std::vector<std::unique_ptr<kv>> stores;

    explicit loopback_cluster(std::size_t n, cohort::udp_tcp_config tcfg = {}) {
        for (std::size_t i = 0; i < n; ++i) {
            transports.push_back(std::make_unique<cohort::udp_tcp_transport>(ctx, tcfg));
            cohort::node_config cfg;
            cfg.id = cohort::node_id::from_parts("n" + std::to_string(i), "127.0.0.1",
                                                 transports.back()->local_endpoint().port())
                         .value();
            cfg.membership = cohort::membership_config::local();
            cfg.seed = 7 + i;
            nodes.push_back(std::make_unique<cohort::node>(*transports.back(), cfg));
            cohort::router_config rc;
            rc.call_timeout = 3s;
            routers.push_back(std::make_unique<cohort::router>(*nodes.back(), rc));
            stores.push_back(std::make_unique<kv>(*routers.back()));
        }
        for (auto& node : nodes) node->async_start([](boost::system::error_code ec) {
            BOOST_TEST(!ec);
        });
        std::vector<std::optional<boost::system::error_code>> joined(n);
        auto const seed = cohort::peer_address::of(nodes[0]->local_id());
        for (std::size_t i = 1; i < n; ++i)
            nodes[i]->async_join({seed}, [&joined, i](boost::system::error_code ec) { joined[i] = ec; });
        BOOST_REQUIRE(run_until([&] { return agreed(n); }, 15s));
    }

    template <class Pred>
    bool run_until(Pred pred, std::chrono::milliseconds limit) {
        for (auto waited = 0ms; waited < limit && !pred(); waited += 20ms) ctx.run_for(20ms);
        return pred();
    }

    bool agreed(std::size_t owners) {
        std::optional<std::uint64_t> fp;
        for (auto& r : routers) {
            if (!r) continue;
            if (r->ownership()->size() != owners) return false;
            if (fp && *fp != r->fingerprint()) return false;
            fp = r->fingerprint();
        }
        return true;
    }

    std::size_t index_of(cohort::node_id const& id) {
        for (std::size_t i = 0; i < nodes.size(); ++i)
            if (nodes[i]->local_id() == id) return i;
        return nodes.size();
    }

    void kill(std::size_t i) {
        stores[i].reset();
        routers[i].reset();
        bool stopped = false;
        nodes[i]->async_stop(cohort::stop_mode::abrupt,  // a crash: no leave
                             [&](boost::system::error_code) { stopped = true; });
        BOOST_REQUIRE(run_until([&] { return stopped; }, 2s));
        transports[i]->close();
    }

    ~loopback_cluster() {
        stores.clear();
        routers.clear();
        std::size_t pending = 0;
        for (auto& n : nodes)
            if (n->status() == cohort::node_status::running) {
                ++pending;
                n->async_stop(cohort::stop_mode::abrupt,
                              [&](boost::system::error_code) { --pending; });
            }
        run_until([&] { return pending == 0; }, 2s);
        for (auto& t : transports) t->close();
        ctx.run_for(100ms);
    }
};

std::vector<std::byte> bytes(std::string const& s) {
    auto const* p = reinterpret_cast<std::byte const*>(s.data());
    return {p, p + s.size()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(router_loopback)

BOOST_AUTO_TEST_CASE(calls_are_forwarded_over_tcp_and_a_stopped_owner_fails_the_call) {
    loopback_cluster c(3);
    for (std::size_t i = 0; i < 3; ++i) {
        std::string const name(c.nodes[i]->local_id().name());
        c.routers[i]->handle("echo", [name](cohort::route_context const&,
                                            std::span<std::byte const> p) {
            return cohort::route_result(
                bytes(name + ":" + std::string(reinterpret_cast<char const*>(p.data()), p.size())));
        });
    }
    std::size_t done = 0;
    std::size_t remote = 0;
    for (int k = 0; k < 30; ++k) {
        auto const key = "key" + std::to_string(k);
        auto const owner = c.routers[0]->owner(key);
        BOOST_REQUIRE(owner);
        if (*owner != c.nodes[0]->local_id()) ++remote;
        std::string const expected = std::string(owner->name()) + ":" + key;
        c.routers[0]->async_call(key, "echo", bytes(key),
                                 [&, expected](boost::system::error_code ec,
                                               std::vector<std::byte> r) {
                                     BOOST_TEST(!ec, ec.message());
                                     BOOST_TEST(std::string(reinterpret_cast<char const*>(r.data()),
                                                            r.size()) == expected);
                                     ++done;
                                 });
    }
    BOOST_REQUIRE(c.run_until([&] { return done == 30; }, 5s));
    BOOST_TEST(remote > 0u);
    BOOST_TEST(c.routers[0]->counters().calls_forwarded == remote);

    // Stop the owner of some key: the call fails, with an error.
    std::string victim_key;
    for (int k = 0; victim_key.empty(); ++k)
        if (c.routers[0]->owner("v" + std::to_string(k)) == c.nodes[2]->local_id())
            victim_key = "v" + std::to_string(k);
    c.kill(2);
    std::optional<boost::system::error_code> failed;
    c.routers[0]->async_call(victim_key, "echo", bytes("x"),
                             [&](boost::system::error_code ec, std::vector<std::byte>) { failed = ec; });
    BOOST_REQUIRE(c.run_until([&] { return failed.has_value(); }, 5s));
    BOOST_TEST((*failed == cohort::error::owner_failed || *failed == cohort::error::call_timeout),
               failed->message());
}

// Size errors over TCP: the call's timeout is an hour, and the test waits
// at most seconds (io_context::run_for), so the errors came from the limits.
BOOST_AUTO_TEST_CASE(oversize_requests_and_replies_fail_with_their_size_errors_over_tcp) {
    cohort::udp_tcp_config tcfg;
    tcfg.max_frame_size = 16 * 1024;  // below the codec's 64 KiB fields
    loopback_cluster c(2, tcfg);
    for (auto& r : c.routers)
        r->handle("big", [](cohort::route_context const&, std::span<std::byte const> p) {
            return cohort::route_result(std::vector<std::byte>(
                std::stoul(std::string(reinterpret_cast<char const*>(p.data()), p.size())),
                std::byte{'r'}));
        });
    std::string key;
    for (int k = 0; key.empty(); ++k)
        if (c.routers[0]->owner("b" + std::to_string(k)) == c.nodes[1]->local_id())
            key = "b" + std::to_string(k);
    cohort::call_options hour;
    hour.timeout = std::chrono::hours(1);
    auto const call = [&](std::vector<std::byte> const& payload) {
        std::optional<std::pair<boost::system::error_code, std::size_t>> out;
        c.routers[0]->async_call(key, "big", payload, hour,
                                 [&](boost::system::error_code ec, std::vector<std::byte> r) {
                                     out.emplace(ec, r.size());
                                 });
        BOOST_REQUIRE(c.run_until([&] { return out.has_value(); }, 5s));
        return *out;
    };
    BOOST_TEST(call(bytes("1000")).first == boost::system::error_code{});
    // The request: over the frame limit, then over the codec's field limit.
    BOOST_TEST(call(std::vector<std::byte>(20'000, std::byte{'1'})).first ==
               cohort::error::frame_too_large);
    BOOST_TEST(call(std::vector<std::byte>(100'000, std::byte{'1'})).first ==
               cohort::error::length_over_limit);
    // The reply: over the frame limit at the owner, then over the field limit.
    BOOST_TEST(call(bytes("20000")).first == cohort::error::reply_too_large);
    BOOST_TEST(call(bytes("100000")).first == cohort::error::reply_too_large);
    BOOST_TEST(c.routers[0]->counters().requests_too_large == 2u);
    BOOST_TEST(c.routers[1]->counters().replies_too_large == 2u);
    BOOST_TEST(c.routers[0]->counters().timeouts == 0u);
    BOOST_TEST(call(bytes("1000")).second == 1000u);
}

BOOST_AUTO_TEST_CASE(kv_data_survives_a_killed_node_on_loopback) {
    loopback_cluster c(3);
    std::size_t put = 0;
    for (int k = 0; k < 24; ++k)
        c.stores[static_cast<std::size_t>(k) % 3]->async_put(
            "key" + std::to_string(k), "value" + std::to_string(k),
            [&](boost::system::error_code ec) {
                BOOST_TEST(!ec, ec.message());
                ++put;
            });
    BOOST_REQUIRE(c.run_until([&] { return put == 24; }, 5s));
    std::size_t held = 0;
    for (auto& s : c.stores) held += s->local_size();
    BOOST_TEST(held == 48u);  // two copies of each

    c.kill(1);
    std::size_t read = 0;
    std::size_t good = 0;
    for (int k = 0; k < 24; ++k)
        c.stores[0]->async_get("key" + std::to_string(k),
                               [&, k](boost::system::error_code ec, std::optional<std::string> v) {
                                   BOOST_TEST(!ec, ec.message());
                                   if (v == "value" + std::to_string(k)) ++good;
                                   ++read;
                               });
    BOOST_REQUIRE(c.run_until([&] { return read == 24; }, 20s));
    BOOST_TEST(good == 24u);

    // After the view moved, through the other survivor.
    BOOST_REQUIRE(c.run_until([&] { return c.agreed(2); }, 20s));
    read = good = 0;
    for (int k = 0; k < 24; ++k)
        c.stores[2]->async_get("key" + std::to_string(k),
                               [&, k](boost::system::error_code ec, std::optional<std::string> v) {
                                   BOOST_TEST(!ec);
                                   if (v == "value" + std::to_string(k)) ++good;
                                   ++read;
                               });
    BOOST_REQUIRE(c.run_until([&] { return read == 24; }, 10s));
    BOOST_TEST(good == 24u);
}

BOOST_AUTO_TEST_SUITE_END()
