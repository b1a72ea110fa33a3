// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// cohort::node instances over real UDP and TCP on 127.0.0.1 with the
// local() profile: three converge to one view and stop cleanly; a peer whose
// transport closed (its TCP port refuses) is reported down with
// connection_refused; seeds and member addresses given as "localhost" are
// resolved (and re-resolved after the TTL). Every wait is bounded by
// io_context::run_for.
#include <cohort/node.hpp>
#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/memory_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <functional>
#include <variant>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(node_loopback)

BOOST_AUTO_TEST_CASE(three_nodes_converge_over_udp_tcp) {
    asio::io_context ctx;
    constexpr std::size_t n = 3;
    std::vector<std::unique_ptr<cohort::udp_tcp_transport>> transports;
    std::vector<std::unique_ptr<cohort::node>> nodes;
    for (std::size_t i = 0; i < n; ++i) {
        transports.push_back(std::make_unique<cohort::udp_tcp_transport>(ctx));
        cohort::node_config cfg;
        cfg.id = cohort::node_id::from_parts("n" + std::to_string(i), "127.0.0.1",
                                             transports.back()->local_endpoint().port())
                     .value();
        cfg.membership = cohort::membership_config::local();
        nodes.push_back(std::make_unique<cohort::node>(*transports.back(), cfg));
    }

    std::size_t started = 0;
    for (auto& node : nodes)
        node->async_start([&](boost::system::error_code ec) {
            BOOST_TEST(!ec);
            ++started;
        });
    std::vector<std::optional<boost::system::error_code>> joined(n);
    auto const seed = cohort::peer_address::of(nodes[0]->local_id());
    for (std::size_t i = 1; i < n; ++i)
        nodes[i]->async_join({seed}, [&joined, i](boost::system::error_code ec) { joined[i] = ec; });

    auto const converged = [&] {
        for (auto& node : nodes) {
            if (!node->has_view()) return false;
            std::size_t active = 0;
            for (auto const& m : node->members()) active += m.state == cohort::node_state::active;
            if (active != n) return false;
        }
        return true;
    };
    for (int round = 0; round < 150 && !converged(); ++round) ctx.run_for(100ms);
    BOOST_TEST(started == n);
    for (std::size_t i = 1; i < n; ++i) {
        BOOST_REQUIRE(joined[i]);
        BOOST_TEST(!*joined[i]);
    }
    BOOST_REQUIRE(converged());
    for (auto& node : nodes) {
        BOOST_REQUIRE(node->leader());
        BOOST_TEST(node->leader()->name() == "n0");
        BOOST_TEST(node->counters().decode_errors == 0u);
    }

    std::size_t stopped = 0;
    for (auto& node : nodes)
        node->async_stop([&](boost::system::error_code ec) {
            BOOST_TEST(!ec);
            ++stopped;
        });
    for (int round = 0; round < 50 && stopped < n; ++round) ctx.run_for(20ms);
    BOOST_TEST(stopped == n);
    for (auto& node : nodes) BOOST_TEST(node->status() == cohort::node_status::stopped);
    for (auto& t : transports) t->close();
    ctx.run_for(200ms);
    BOOST_TEST(ctx.stopped());  // nothing left running
}

namespace {

// n nodes on one io_context; `tune(i, cfg, transport_cfg)` adjusts each.
struct loopback_cluster {
    using tuner = std::function<void(std::size_t, cohort::node_config&, cohort::udp_tcp_config&)>;

    loopback_cluster(std::size_t n, tuner tune) {
        for (std::size_t i = 0; i < n; ++i) {
            cohort::node_config cfg;
            cfg.membership = cohort::membership_config::local();
            cfg.seed = 7 + i;
            cohort::udp_tcp_config tc;
            tc.seed = 11 + i;
            tune(i, cfg, tc);
            transports.push_back(std::make_unique<cohort::udp_tcp_transport>(ctx, tc));
            if (cfg.id.empty())
                cfg.id = cohort::node_id::from_parts("n" + std::to_string(i), "127.0.0.1",
                                                     transports.back()->local_endpoint().port())
                             .value();
            nodes.push_back(std::make_unique<cohort::node>(*transports.back(), cfg));
            logs.emplace_back();
        }
    }

    asio::io_context ctx;
    std::vector<std::unique_ptr<cohort::udp_tcp_transport>> transports;
    std::vector<std::unique_ptr<cohort::node>> nodes;
    std::vector<std::vector<cohort::node_event>> logs;

    void pump(std::size_t i) {
        nodes[i]->async_next_event([this, i](boost::system::error_code ec, cohort::node_event e) {
            if (ec) return;
            logs[i].push_back(std::move(e));
            pump(i);
        });
    }

    template <class Pred>
    bool run_until(Pred pred, int rounds = 150) {
        for (int round = 0; round < rounds && !pred(); ++round) ctx.run_for(100ms);
        return pred();
    }

    bool converged(std::size_t among) {
        for (std::size_t i = 0; i < among; ++i) {
            if (!nodes[i]->has_view()) return false;
            std::size_t active = 0;
            for (auto const& m : nodes[i]->members()) active += m.state == cohort::node_state::active;
            if (active != among) return false;
        }
        return true;
    }

    // Starts every node and joins the others through `seed`.
    void form(cohort::peer_address const& seed) {
        std::size_t started = 0;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            nodes[i]->async_start([&](boost::system::error_code ec) {
                BOOST_TEST(!ec);
                ++started;
            });
            pump(i);
        }
        std::vector<std::optional<boost::system::error_code>> joined(nodes.size());
        for (std::size_t i = 1; i < nodes.size(); ++i)
            nodes[i]->async_join({seed}, [&joined, i](boost::system::error_code ec) {
                joined[i] = ec;
            });
        BOOST_REQUIRE(run_until([&] { return converged(nodes.size()); }));
        BOOST_TEST(started == nodes.size());
        for (std::size_t i = 1; i < nodes.size(); ++i) {
            BOOST_REQUIRE(joined[i]);
            BOOST_TEST(!*joined[i]);
        }
    }

    void stop_all() {
        std::size_t stopped = 0, asked = 0;
        for (auto& node : nodes)
            if (node->status() == cohort::node_status::running) {
                ++asked;
                node->async_stop([&](boost::system::error_code ec) {
                    BOOST_TEST(!ec);
                    ++stopped;
                });
            }
        run_until([&] { return stopped == asked; }, 20);
        BOOST_TEST(stopped == asked);
        for (auto& t : transports) t->close();
        ctx.run_for(100ms);
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(closed_peer_is_down_with_connection_refused) {
    loopback_cluster c(2, [](std::size_t, cohort::node_config& cfg, cohort::udp_tcp_config& tc) {
        cfg.membership.push_pull_interval = 300ms;  // frames often, so a refusal shows soon
        tc.reconnect_base_delay = 50ms;
        tc.reconnect_max_delay = 200ms;
    });
    c.form(cohort::peer_address::of(c.nodes[0]->local_id()));
    auto const victim = c.nodes[1]->local_id();

    // n1's process ends without a leave: its driver stops, its sockets close.
    bool stopped = false;
    c.nodes[1]->async_stop(cohort::stop_mode::abrupt,
                           [&](boost::system::error_code ec) { stopped = !ec; });
    BOOST_REQUIRE(c.run_until([&] { return stopped; }, 20));
    c.transports[1]->close();

    auto const downs = [&](auto pred) {
        std::size_t n = 0;
        for (auto const& e : c.logs[0])
            if (auto const* d = std::get_if<cohort::node_down>(&e); d && d->id == victim && pred(*d))
                ++n;
        return n;
    };
    BOOST_REQUIRE(c.run_until([&] { return downs([](auto const&) { return true; }) == 1u; }));
    BOOST_TEST(downs([](cohort::node_down const& d) {
                   return d.reason == cohort::down_reason::connection_refused;
               }) == 1u);
    auto const k = c.nodes[0]->counters();
    BOOST_TEST(k.unreachable_reports >= 1u);
    BOOST_TEST(k.transport.connect_failures >= 1u);
    BOOST_TEST(k.membership.unreachable_suspicions >= 1u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(localhost_seeds_and_member_addresses_are_resolved) {
    loopback_cluster c(3, [](std::size_t i, cohort::node_config& cfg, cohort::udp_tcp_config&) {
        cfg.resolve_ttl = 300ms;  // short, so the cache expires while the test runs
        (void)i;
    });
    // n0 names itself by hostname: every peer resolves "localhost" to reach it.
    auto const port0 = c.transports[0]->local_endpoint().port();
    {
        auto cfg = c.nodes[0]->config();
        cfg.id = cohort::node_id::from_parts("n0", "localhost", port0).value();
        c.nodes[0] = std::make_unique<cohort::node>(*c.transports[0], cfg);
    }
    c.form(cohort::peer_address{"localhost", port0});
    for (std::size_t i = 1; i < 3; ++i) {
        auto const view = c.nodes[i]->members();
        BOOST_REQUIRE_EQUAL(view.size(), 3u);
        BOOST_TEST(view.front().id.host() == "localhost");  // n0 sorts first
        BOOST_TEST(view.front().state == cohort::node_state::active);
    }
    auto const lookups = c.nodes[1]->counters().resolve_lookups;
    BOOST_TEST(lookups >= 1u);
    c.ctx.run_for(1500ms);  // several TTLs: the name is looked up again
    for (std::size_t i = 1; i < 3; ++i) {
        auto const k = c.nodes[i]->counters();
        BOOST_TEST(k.resolve_failures == 0u);
        BOOST_TEST(k.unresolved_addresses == 0u);
        BOOST_TEST(k.messages_in[0] > 0u);  // pings from n0 (and the others)
    }
    BOOST_TEST(c.nodes[1]->counters().resolve_lookups > lookups);
    BOOST_TEST(c.converged(3));
    c.stop_all();
}

// A member named by hostname on a memory network (the resolver is real, so
// this lives with the loopback tests): messages to it wait for the lookup,
// or with resolve_queue_limit = 0 are dropped and counted; both converge.
BOOST_AUTO_TEST_CASE(messages_wait_for_a_lookup_within_the_queue_limit) {
    for (std::size_t limit : {std::size_t{256}, std::size_t{0}}) {
        BOOST_TEST_CONTEXT("resolve_queue_limit " << limit) {
            using mem_node = cohort::basic_node<cohort::memory_transport>;
            asio::io_context ctx;
            cohort::memory_network_config nc;
            nc.time_source = cohort::memory_time_source::manual;
            cohort::memory_network net(ctx, nc);
            cohort::memory_transport ta(net, {asio::ip::make_address("10.0.2.1"), 7946});
            cohort::memory_transport tb(net, {asio::ip::make_address("127.0.0.1"), 7001});
            cohort::node_config ca, cb;
            ca.id = cohort::node_id::parse("a@10.0.2.1:7946").value();
            cb.id = cohort::node_id::parse("b@localhost:7001").value();
            for (auto* c : {&ca, &cb}) {
                c->membership = cohort::membership_config::local();
                c->seed = 5;
                c->resolve_queue_limit = limit;
            }
            mem_node a(ta, ca), b(tb, cb);
            // Virtual time for the protocol, a little real time for the resolver.
            auto const step = [&] {
                cohort::run_virtual_for(ctx, net, 10ms);
                a.poll_time();
                b.poll_time();
                ctx.run_for(1ms);
            };
            a.async_start([](boost::system::error_code ec) { BOOST_TEST(!ec); });
            b.async_start([](boost::system::error_code ec) { BOOST_TEST(!ec); });
            std::optional<boost::system::error_code> joined;
            b.async_join({{"10.0.2.1", 7946}},
                         [&](boost::system::error_code ec) { joined = ec; });
            auto const active = [](mem_node& n) {
                std::size_t k = 0;
                if (!n.has_view()) return k;
                for (auto const& m : n.members()) k += m.state == cohort::node_state::active;
                return k;
            };
            for (int i = 0; i < 1000 && !(joined && active(a) == 2 && active(b) == 2); ++i) step();
            BOOST_REQUIRE(joined);
            BOOST_TEST(!*joined);
            BOOST_TEST(active(a) == 2u);
            BOOST_TEST(active(b) == 2u);
            auto const k = a.counters();
            BOOST_TEST(k.resolve_lookups >= 1u);
            BOOST_TEST(k.resolve_failures == 0u);
            if (limit == 0)
                BOOST_TEST(k.unresolved_addresses >= 1u);  // the first answers to b
            else
                BOOST_TEST(k.unresolved_addresses == 0u);
            bool stopped_a = false, stopped_b = false;
            a.async_stop([&](boost::system::error_code) { stopped_a = true; });
            b.async_stop([&](boost::system::error_code) { stopped_b = true; });
            // A graceful stop: each leaves first (bounded by leave_timeout).
            for (int i = 0; i < 1000 && !(stopped_a && stopped_b); ++i) step();
            BOOST_TEST(stopped_a);
            BOOST_TEST(stopped_b);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
