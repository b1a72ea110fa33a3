// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TESTS_NODE_MEMORY_CLUSTER_HPP
#define COHORT_TESTS_NODE_MEMORY_CLUSTER_HPP

// basic_node instances on one memory_network in manual (virtual) time, each
// with a log of its events. Every wait is bounded in virtual time.

#include <cohort/node.hpp>
#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/memory_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace cohort_node_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using mem_node = cohort::basic_node<cohort::memory_transport>;

inline asio::ip::udp::endpoint address_of(std::size_t i) {
    return {asio::ip::make_address("10.0.1." + std::to_string(i + 1)), 7946};
}

inline cohort::peer_address seed_of(std::size_t i) {
    return {"10.0.1." + std::to_string(i + 1), 7946};
}

// Fixed seeds keep every run of a test the same run.
inline cohort::node_config config_of(std::size_t i, std::uint64_t cluster_seed = 1) {
    cohort::node_config c;
    c.id = cohort::node_id::parse("n" + std::to_string(i) + "@10.0.1." + std::to_string(i + 1) +
                                  ":7946")
               .value();
    c.membership = cohort::membership_config::local();
    c.seed = cluster_seed * 100 + i + 1;
    return c;
}

inline cohort::memory_network_config manual_network() {
    cohort::memory_network_config c;
    c.time_source = cohort::memory_time_source::manual;
    c.faults.latency_min = 1ms;
    c.faults.latency_max = 3ms;
    return c;
}

// A wall clock on the network's virtual time (from late 2023) plus an offset
// a test may move (clock skew, an NTP step), so that an HLC catching up after
// a step back takes virtual time, not real time.
struct skewed_wall_clock {
    cohort::memory_network const* net = nullptr;
    std::shared_ptr<std::atomic<std::int64_t>> offset_ns =
        std::make_shared<std::atomic<std::int64_t>>(0);
    std::uint64_t now() const noexcept {
        return static_cast<std::uint64_t>(1'700'000'000'000'000'000 + net->now().count() +
                                          offset_ns->load());
    }
    void set(std::chrono::nanoseconds offset) const noexcept { offset_ns->store(offset.count()); }
};
using skewed_node =
    cohort::basic_node<cohort::memory_transport, cohort::binary_codec, skewed_wall_clock>;

template <class Node>
struct basic_memory_cluster {
    using node_type = Node;
    using clock_type = typename Node::clock_type;

    explicit basic_memory_cluster(std::uint64_t seed = 1,
                                  std::function<void(cohort::node_config&)> tune = {})
        : seed(seed), tune(std::move(tune)) {}

    std::uint64_t seed;
    std::function<void(cohort::node_config&)> tune;
    asio::io_context ctx;
    cohort::memory_network net{ctx, manual_network()};
    std::vector<std::unique_ptr<cohort::memory_transport>> transports;
    std::vector<std::unique_ptr<Node>> nodes;
    std::vector<clock_type> clocks;  // copies share their state (skewed_wall_clock)
    std::vector<std::vector<cohort::node_event>> logs;

    std::size_t add() {
        auto const i = nodes.size();
        transports.push_back(std::make_unique<cohort::memory_transport>(net, address_of(i)));
        auto cfg = config_of(i, seed);
        if (tune) tune(cfg);
        if constexpr (std::is_same_v<clock_type, skewed_wall_clock>)
            clocks.push_back(skewed_wall_clock{&net});
        else
            clocks.emplace_back();
        nodes.push_back(std::make_unique<Node>(*transports.back(), cfg,
                                               typename Node::codec_type{}, clocks.back()));
        logs.emplace_back();
        return i;
    }

    Node& at(std::size_t i) { return *nodes.at(i); }

    void start(std::size_t i) {
        std::optional<boost::system::error_code> result;
        at(i).async_start([&](boost::system::error_code ec) { result = ec; });
        run_for(1ms);
        BOOST_REQUIRE(result);
        BOOST_REQUIRE(!*result);
        pump(i);
    }

    // Logs node i's events until its queue ends.
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

    // Whether every node of `among` sees exactly `n` active members.
    bool all_see_active(std::vector<std::size_t> const& among, std::size_t n) {
        for (auto i : among)
            if (active_seen_by(i) != n) return false;
        return true;
    }

    // Joins each of `joiners` through `seed` and waits for the answers.
    void join(std::vector<std::size_t> const& joiners, std::size_t seed) {
        std::vector<std::optional<boost::system::error_code>> joined(joiners.size());
        for (std::size_t k = 0; k < joiners.size(); ++k)
            at(joiners[k]).async_join({seed_of(seed)},
                                      [&joined, k](boost::system::error_code ec) { joined[k] = ec; });
        BOOST_REQUIRE(run_until(
            [&] {
                for (auto const& j : joined)
                    if (!j) return false;
                return true;
            },
            10s));
        for (auto const& j : joined) BOOST_REQUIRE(!*j);
    }

    // Adds, starts and joins n nodes through the first; waits for one view.
    std::vector<std::size_t> form(std::size_t n) {
        std::vector<std::size_t> ids;
        for (std::size_t k = 0; k < n; ++k) ids.push_back(add());
        for (auto i : ids) start(i);
        join(std::vector<std::size_t>(ids.begin() + 1, ids.end()), ids.front());
        BOOST_REQUIRE(run_until([&] { return all_see_active(ids, n); }, 10s));
        return ids;
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
        std::size_t asked = 0;
        for (auto& n : nodes)
            if (n->status() == cohort::node_status::running) {
                ++asked;
                n->async_stop([&](boost::system::error_code ec) {
                    BOOST_TEST(!ec);
                    ++stopped;
                });
            }
        // Graceful: each leaves first, within its leave_timeout.
        run_until([&] { return stopped == asked; }, 10s);
        BOOST_TEST(stopped == asked);
    }
};

using memory_cluster = basic_memory_cluster<mem_node>;

} // namespace cohort_node_test

#endif // COHORT_TESTS_NODE_MEMORY_CLUSTER_HPP
