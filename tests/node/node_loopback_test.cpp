// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// Three cohort::node instances over real UDP and TCP on 127.0.0.1 with the
// local() profile: they converge to one view and stop cleanly. Every wait is
// bounded by io_context::run_for.
#include <cohort/node.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
