// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// /readyz on a split cluster (admin_config::ready_requires_majority) and the
// latency histograms in /metrics, through handle() on nodes over a
// memory_network in virtual time.
#include <cohort/admin/admin_server.hpp>
#include <cohort/routing/router.hpp>

#include "../node/memory_cluster.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using cohort_node_test::address_of;
using cohort_node_test::memory_cluster;
using cohort_node_test::mem_node;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using server = cohort::basic_admin_server<mem_node>;

http::response<http::string_body> get(server& s, std::string target) {
    http::request<http::string_body> r{http::verb::get, target, 11};
    r.set(http::field::host, "localhost");
    return s.handle(r);
}

bool ready(server& s) { return get(s, "/readyz").result() == http::status::ok; }

std::vector<std::unique_ptr<server>> servers_for(memory_cluster& c, std::size_t n,
                                                 cohort::admin_config cfg = {}) {
    std::vector<std::unique_ptr<server>> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(std::make_unique<server>(c.at(i), cfg));
    return out;
}

// The value of the sample line that starts with `prefix` ("name{labels} "), or -1.
double sample(std::string const& text, std::string const& prefix) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l.starts_with(prefix)) return std::stod(l.substr(prefix.size()));
    return -1;
}

} // namespace

BOOST_AUTO_TEST_SUITE(admin_readiness)

BOOST_AUTO_TEST_CASE(the_minority_side_of_a_partition_is_not_ready_until_it_heals) {
    memory_cluster c;
    c.form(3);
    auto s = servers_for(c, 3);
    for (auto& one : s) BOOST_TEST(ready(*one));

    c.net.partition({address_of(0), address_of(1)}, {address_of(2)});
    BOOST_REQUIRE(c.run_until([&] { return !ready(*s[2]); }, 30s));
    auto const why = boost::json::parse(get(*s[2], "/readyz").body());
    BOOST_TEST(why.at("reason").as_string().find("minority") != std::string::npos);
    BOOST_TEST(why.at("state").as_string() == "active");
    // the majority side stays ready throughout, and once it has failed node 2
    BOOST_REQUIRE(c.run_until([&] {
        return c.at(0).member_count(cohort::node_state::failed) == 1 &&
               c.at(1).member_count(cohort::node_state::failed) == 1;
    }, 60s));
    BOOST_TEST(ready(*s[0]));
    BOOST_TEST(ready(*s[1]));
    BOOST_TEST(!ready(*s[2]));

    c.net.heal();
    BOOST_REQUIRE(c.run_until([&] { return c.all_see_active({0, 1, 2}, 3); }, 30s));
    for (auto& one : s) BOOST_TEST(ready(*one));
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(an_even_split_keeps_the_side_with_the_lowest_id_ready) {
    memory_cluster c;
    c.form(4);
    auto s = servers_for(c, 4);
    // node 0 has the lowest id (the leader)
    BOOST_REQUIRE(c.at(0).leader() == c.at(0).local_id());
    c.net.partition({address_of(0), address_of(1)}, {address_of(2), address_of(3)});
    BOOST_REQUIRE(c.run_until([&] {
        for (std::size_t i = 0; i < 4; ++i)
            if (c.at(i).member_count(cohort::node_state::active) != 2) return false;
        return true;
    }, 60s));
    BOOST_TEST(ready(*s[0]));
    BOOST_TEST(ready(*s[1]));
    BOOST_TEST(!ready(*s[2]));
    BOOST_TEST(!ready(*s[3]));
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_graceful_leave_does_not_count_against_the_majority) {
    memory_cluster c;
    c.form(3);
    auto s = servers_for(c, 3);
    for (std::size_t i : {1u, 2u}) {
        std::optional<boost::system::error_code> left;
        c.at(i).async_leave([&](boost::system::error_code ec) { left = ec; });
        BOOST_REQUIRE(c.run_until([&] { return left.has_value(); }, 10s));
    }
    BOOST_REQUIRE(c.run_until(
        [&] { return c.at(0).member_count(cohort::node_state::leaving) == 2; }, 10s));
    BOOST_TEST(ready(*s[0]));  // alone, but nobody it lost failed
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(the_majority_rule_can_be_switched_off) {
    memory_cluster c;
    c.form(3);
    cohort::admin_config cfg;
    cfg.ready_requires_majority = false;
    auto s = servers_for(c, 3, cfg);
    c.net.partition({address_of(0), address_of(1)}, {address_of(2)});
    BOOST_REQUIRE(c.run_until(
        [&] { return c.at(2).member_count(cohort::node_state::failed) == 2; }, 60s));
    BOOST_TEST(ready(*s[2]));
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(metrics_carry_probe_round_trips) {
    memory_cluster c;
    c.form(2);
    c.run_for(3s);
    server s(c.at(0));
    auto text = get(s, "/metrics").body();
    auto const count = sample(text, "cohort_probe_round_trip_seconds_count ");
    BOOST_TEST(count > 0);
    BOOST_TEST(count == static_cast<double>(c.at(0).probe_round_trips().snapshot().count()));
    // two legs of 1 to 3 ms: nothing at or under 1 ms, everything by 10 ms
    BOOST_TEST(sample(text, "cohort_probe_round_trip_seconds_bucket{le=\"0.001\"} ") == 0);
    BOOST_TEST(sample(text, "cohort_probe_round_trip_seconds_bucket{le=\"0.01\"} ") == count);
    BOOST_TEST(sample(text, "cohort_probe_round_trip_seconds_bucket{le=\"+Inf\"} ") == count);
    BOOST_TEST(text.find("cohort_router_call_duration_seconds") == std::string::npos);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(metrics_carry_router_call_durations_once_a_router_is_set) {
    memory_cluster c;
    c.form(1);  // every call is local: the router needs no virtual-time poll
    server s(c.at(0));
    cohort::basic_router<mem_node> router(c.at(0));
    router.handle("echo", [](cohort::route_context const&, std::span<std::byte const> p) {
        return cohort::route_result(std::vector<std::byte>(p.begin(), p.end()));
    });
    s.set_router(router);
    int done = 0;
    for (int i = 0; i < 3; ++i)
        router.async_call("key-" + std::to_string(i), "echo", std::vector<std::byte>{},
                          [&](boost::system::error_code, std::vector<std::byte>) { ++done; });
    BOOST_REQUIRE(c.run_until([&] { return done == 3; }, 5s));
    auto const text = get(s, "/metrics").body();
    BOOST_TEST(sample(text, "cohort_router_call_duration_seconds_count ") == 3);
    BOOST_TEST(sample(text, "cohort_router_call_duration_seconds_bucket{le=\"+Inf\"} ") == 3);
    router.close();
    c.stop_all();
}

BOOST_AUTO_TEST_SUITE_END()
