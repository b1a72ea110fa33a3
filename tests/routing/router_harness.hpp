// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TESTS_ROUTING_ROUTER_HARNESS_HPP
#define COHORT_TESTS_ROUTING_ROUTER_HARNESS_HPP

// N nodes with a router each on one memory_network in manual (virtual) time:
// every run of a test is the same run.

#include <cohort/node.hpp>
#include <cohort/routing/router.hpp>
#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/memory_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using mem_node = cohort::basic_node<cohort::memory_transport>;
using mem_router = cohort::basic_router<mem_node>;

inline std::vector<std::byte> bytes(std::string_view s) {
    auto const* p = reinterpret_cast<std::byte const*>(s.data());
    return {p, p + s.size()};
}
inline std::string text(std::span<std::byte const> b) {
    return {reinterpret_cast<char const*>(b.data()), b.size()};
}

inline asio::ip::udp::endpoint address_of(std::size_t i) {
    return {asio::ip::make_address("10.0.1." + std::to_string(i + 1)), 7946};
}

inline cohort::node_config config_of(std::size_t i, std::uint64_t seed) {
    cohort::node_config c;
    c.id = cohort::node_id::parse("r" + std::to_string(i) + "@10.0.1." + std::to_string(i + 1) +
                                  ":7946")
               .value();
    c.membership = cohort::membership_config::local();
    c.seed = seed * 100 + i + 1;
    return c;
}

/// The result of one call, once it completed.
struct call_result {
    boost::system::error_code ec;
    std::string reply;
};

struct router_cluster {
    explicit router_cluster(std::uint64_t seed = 1, cohort::router_config rc = {},
                            std::size_t max_frame_size = std::size_t{4} << 20)
        : seed(seed), rcfg(rc), frame_limit(max_frame_size) {}

    std::uint64_t seed;
    cohort::router_config rcfg;
    std::size_t frame_limit;  // the network's max_frame_size
    asio::io_context ctx;
    cohort::memory_network net{ctx, [this] {
                                   cohort::memory_network_config c;
                                   c.time_source = cohort::memory_time_source::manual;
                                   c.max_frame_size = frame_limit;
                                   c.faults.latency_min = 1ms;
                                   c.faults.latency_max = 3ms;
                                   return c;
                               }()};
    std::vector<std::unique_ptr<cohort::memory_transport>> transports;
    std::vector<std::unique_ptr<mem_node>> nodes;
    std::vector<std::unique_ptr<mem_router>> routers;

    std::size_t add() {
        auto const i = nodes.size();
        transports.push_back(std::make_unique<cohort::memory_transport>(net, address_of(i)));
        nodes.push_back(std::make_unique<mem_node>(*transports.back(), config_of(i, seed)));
        routers.push_back(std::make_unique<mem_router>(*nodes.back(), rcfg));
        return i;
    }

    mem_node& node(std::size_t i) { return *nodes.at(i); }
    mem_router& router(std::size_t i) { return *routers.at(i); }
    cohort::node_id const& id(std::size_t i) { return nodes.at(i)->local_id(); }

    void start(std::size_t i) {
        std::optional<boost::system::error_code> result;
        node(i).async_start([&](boost::system::error_code ec) { result = ec; });
        run_for(2ms);
        BOOST_REQUIRE(result);
        BOOST_REQUIRE(!*result);
    }

    void run_for(std::chrono::nanoseconds d, std::chrono::nanoseconds step = 2ms) {
        for (std::chrono::nanoseconds t{}; t < d; t += step) {
            cohort::run_virtual_for(ctx, net, step);
            for (auto& n : nodes) n->poll_time();
            for (auto& r : routers)
                if (r) r->poll_time();
            ctx.poll();
        }
    }

    template <class Pred>
    bool run_until(Pred pred, std::chrono::nanoseconds limit, std::chrono::nanoseconds step = 2ms) {
        for (std::chrono::nanoseconds t{}; t < limit; t += 20ms) {
            if (pred()) return true;
            run_for(20ms, step);
        }
        return pred();
    }

    std::size_t owners_seen_by(std::size_t i) { return router(i).ownership()->size(); }

    /// Joins `i` through node 0 and waits until every running node's router
    /// sees `expected` owners.
    void join(std::size_t i, std::size_t expected) {
        std::optional<boost::system::error_code> joined;
        node(i).async_join({cohort::peer_address::of(id(0))},
                           [&](boost::system::error_code ec) { joined = ec; });
        BOOST_REQUIRE(run_until([&] { return joined.has_value(); }, 10s));
        BOOST_REQUIRE(!*joined);
        settle(expected);
    }

    void settle(std::size_t expected) {
        BOOST_REQUIRE(run_until(
            [&] {
                for (std::size_t k = 0; k < nodes.size(); ++k)
                    if (node(k).status() == cohort::node_status::running &&
                        !net.crashed(address_of(k)) && owners_seen_by(k) != expected)
                        return false;
                return true;
            },
            20s));
        // every running node agrees on the table
        std::optional<std::uint64_t> fp;
        for (std::size_t k = 0; k < nodes.size(); ++k) {
            if (node(k).status() != cohort::node_status::running || net.crashed(address_of(k)))
                continue;
            if (!fp) fp = router(k).fingerprint();
            BOOST_REQUIRE_EQUAL(router(k).fingerprint(), *fp);
        }
    }

    /// Starts n nodes; 1.. join through 0; waits until all agree.
    void form(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) add();
        for (std::size_t i = 0; i < n; ++i) start(i);
        for (std::size_t i = 1; i < n; ++i) {
            std::optional<boost::system::error_code> joined;
            node(i).async_join({cohort::peer_address::of(id(0))},
                               [&joined](boost::system::error_code ec) { joined = ec; });
            BOOST_REQUIRE(run_until([&] { return joined.has_value(); }, 10s));
            BOOST_REQUIRE(!*joined);
        }
        settle(n);
    }

    /// Starts a call from node `from` and returns where its result lands.
    std::shared_ptr<std::optional<call_result>> call(std::size_t from, std::string_view key,
                                                     std::string_view topic,
                                                     std::string_view payload,
                                                     cohort::call_options opts = {}) {
        auto out = std::make_shared<std::optional<call_result>>();
        auto const p = bytes(payload);
        router(from).async_call(key, topic, p, opts,
                                [out](boost::system::error_code ec, std::vector<std::byte> r) {
                                    BOOST_TEST(!out->has_value(), "completed twice");
                                    *out = call_result{ec, text(r)};
                                });
        return out;
    }

    /// A call, run to completion (bounded in virtual time).
    call_result call_sync(std::size_t from, std::string_view key, std::string_view topic,
                          std::string_view payload, cohort::call_options opts = {},
                          std::chrono::nanoseconds limit = 30s) {
        auto r = call(from, key, topic, payload, opts);
        BOOST_REQUIRE(run_until([&] { return r->has_value(); }, limit));
        return **r;
    }

    /// A key that `owner` owns in router `viewer`'s table.
    std::string key_owned_by(std::size_t viewer, std::size_t owner, std::string_view prefix = "k") {
        for (int i = 0; i < 100000; ++i) {
            std::string k = std::string(prefix) + std::to_string(i);
            if (router(viewer).owner(k) == id(owner)) return k;
        }
        BOOST_FAIL("no key found");
        return {};
    }

    void stop_all() {
        for (auto& r : routers)
            if (r) r->close();
        for (auto& n : nodes)
            if (n->status() == cohort::node_status::running)
                n->async_stop(cohort::stop_mode::abrupt, [](boost::system::error_code) {});
        run_for(10ms);
    }
};

} // namespace cohort_test

#endif // COHORT_TESTS_ROUTING_ROUTER_HARNESS_HPP
