// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// cohort-node's pure parts: the control protocol's request parser (hostile
// input table, seeded mutations, round trips) and the command line.
#include "options.hpp"
#include "rpc.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cn = cohort_node;

namespace {

std::string_view code_of(std::string_view line) {
    auto r = cn::parse_request(line);
    return r ? std::string_view("ok") : r.error().code;
}

cn::command_line parse_ok(std::vector<char const*> args) {
    auto r = cn::parse_command_line(args);
    BOOST_REQUIRE_MESSAGE(r, (r ? std::string() : r.error()));
    return *r;
}

std::string parse_error(std::vector<char const*> args) {
    auto r = cn::parse_command_line(args);
    BOOST_REQUIRE(!r);
    return r.error();
}

} // namespace

BOOST_AUTO_TEST_SUITE(agent_rpc)

BOOST_AUTO_TEST_CASE(valid_requests) {
    auto m = cn::parse_request(R"({"cmd":"members"})");
    BOOST_REQUIRE(m);
    BOOST_TEST(std::holds_alternative<cn::members_request>(*m));
    auto l = cn::parse_request(R"( {"cmd" : "leave"} )");
    BOOST_REQUIRE(l);
    BOOST_TEST(std::holds_alternative<cn::leave_request>(*l));
    auto j = cn::parse_request(R"({"cmd":"join","seeds":["127.0.0.1:7946","[::1]:8000"]})");
    BOOST_REQUIRE(j);
    auto const& seeds = std::get<cn::join_request>(*j).seeds;
    BOOST_REQUIRE_EQUAL(seeds.size(), 2u);
    BOOST_TEST(seeds[0].host == "127.0.0.1");
    BOOST_TEST(seeds[0].port == 7946);
    BOOST_TEST(seeds[1].host == "::1");
    BOOST_TEST(seeds[1].port == 8000);
}

BOOST_AUTO_TEST_CASE(hostile_requests_get_specific_errors) {
    struct row {
        std::string line;
        std::string_view code;
    };
    std::vector<row> const rows = {
        {"", cn::rpc_errc::bad_json},
        {"not json", cn::rpc_errc::bad_json},
        {"{\"cmd\":\"members\"", cn::rpc_errc::bad_json},
        {"{\"cmd\":\"members\"}{}", cn::rpc_errc::bad_json},
        {"\xff\xfe", cn::rpc_errc::bad_json},
        {"{\"cmd\":\"\xc3\x28\"}", cn::rpc_errc::bad_json},
        {std::string(100, '['), cn::rpc_errc::bad_json},
        {"[]", cn::rpc_errc::bad_request},
        {"\"members\"", cn::rpc_errc::bad_request},
        {"null", cn::rpc_errc::bad_request},
        {"{}", cn::rpc_errc::bad_request},
        {"{\"cmd\":7}", cn::rpc_errc::bad_request},
        {"{\"cmd\":null}", cn::rpc_errc::bad_request},
        {"{\"cmd\":\"members\",\"extra\":1}", cn::rpc_errc::bad_request},
        {"{\"cmd\":\"leave\",\"seeds\":[]}", cn::rpc_errc::bad_request},
        {"{\"cmd\":\"join\"}", cn::rpc_errc::bad_request},
        {"{\"cmd\":\"join\",\"seeds\":\"127.0.0.1:1\"}", cn::rpc_errc::bad_request},
        {"{\"cmd\":\"join\",\"seeds\":[]}", cn::rpc_errc::bad_request},
        {"{\"cmd\":\"join\",\"seeds\":[1]}", cn::rpc_errc::bad_request},
        {"{\"cmd\":\"join\",\"seeds\":[\"localhost:7946\"]}", cn::rpc_errc::bad_seed},
        {"{\"cmd\":\"join\",\"seeds\":[\"127.0.0.1\"]}", cn::rpc_errc::bad_seed},
        {"{\"cmd\":\"join\",\"seeds\":[\"127.0.0.1:0\"]}", cn::rpc_errc::bad_seed},
        {"{\"cmd\":\"join\",\"seeds\":[\"127.0.0.1:65536\"]}", cn::rpc_errc::bad_seed},
        {"{\"cmd\":\"join\",\"seeds\":[\"[::1:7946\"]}", cn::rpc_errc::bad_seed},
        {"{\"cmd\":\"shutdown\"}", cn::rpc_errc::unknown_command},
        {"{\"cmd\":\"MEMBERS\"}", cn::rpc_errc::unknown_command},
        {std::string(cn::max_line_bytes + 1, ' '), cn::rpc_errc::line_too_long},
    };
    for (auto const& r : rows) BOOST_TEST(code_of(r.line) == r.code, "line: " << r.line.substr(0, 60));

    std::string many = R"({"cmd":"join","seeds":[)";
    for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + "\"127.0.0.1:7946\"";
    many += "]}";
    BOOST_TEST(code_of(many) == cn::rpc_errc::bad_request);
}

// Seeded mutations of valid requests: every outcome is a request or a known error.
BOOST_AUTO_TEST_CASE(mutated_requests_never_escape) {
    std::vector<std::string> const seeds = {
        cn::serialize(cn::members_request{}),
        cn::serialize(cn::leave_request{}),
        cn::serialize(cn::join_request{{{"127.0.0.1", 7946}, {"::1", 7000}}}),
    };
    std::set<std::string_view> const known = {"ok",
                                              cn::rpc_errc::line_too_long,
                                              cn::rpc_errc::bad_json,
                                              cn::rpc_errc::bad_request,
                                              cn::rpc_errc::unknown_command,
                                              cn::rpc_errc::bad_seed};
    std::mt19937_64 rng(20261122);
    std::size_t ok = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s = seeds[rng() % seeds.size()];
        int const edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits && !s.empty(); ++e) {
            auto const pos = rng() % s.size();
            switch (rng() % 3) {
            case 0: s[pos] = static_cast<char>(rng() & 0xff); break;
            case 1: s.erase(pos, 1); break;
            default: s.insert(pos, 1, static_cast<char>(rng() & 0xff)); break;
            }
        }
        std::string_view code;
        BOOST_REQUIRE_NO_THROW(code = code_of(s));
        BOOST_TEST(known.count(code) == 1u);
        ok += code == "ok";
    }
    BOOST_TEST(ok < 20000u);  // the mutations did reach the error paths
}

BOOST_AUTO_TEST_CASE(requests_round_trip) {
    cn::request const reqs[] = {cn::members_request{}, cn::leave_request{},
                                cn::join_request{{{"10.0.0.1", 1}, {"2001:db8::1", 65535}}}};
    for (auto const& r : reqs) {
        std::string line = cn::serialize(r);
        BOOST_REQUIRE(!line.empty() && line.back() == '\n');
        line.pop_back();
        auto back = cn::parse_request(line);
        BOOST_REQUIRE(back);
        BOOST_TEST(back->index() == r.index());
        if (auto const* j = std::get_if<cn::join_request>(&r))
            BOOST_TEST((std::get<cn::join_request>(*back).seeds == j->seeds));
    }
}

BOOST_AUTO_TEST_CASE(agent_command_line) {
    auto cl = parse_ok({"agent", "--name", "web-1", "--bind=10.0.0.1:7000", "--seeds",
                        "10.0.0.2:7000,10.0.0.3:7000", "--label", "prod", "--profile", "wan",
                        "--tag", "zone=a", "--rpc", "127.0.0.1:9000"});
    auto const& a = std::get<cn::agent_options>(cl);
    BOOST_TEST(a.name == "web-1");
    BOOST_TEST(a.bind.port() == 7000);
    BOOST_TEST(a.seeds.size() == 2u);
    BOOST_TEST(a.membership().label == "prod");
    BOOST_TEST((a.membership().heartbeat_interval == cohort::membership_config::wan().heartbeat_interval));
    BOOST_REQUIRE(a.tags.size() == 1u);
    BOOST_TEST(a.tags[0].key == "zone");
    BOOST_TEST(a.rpc.port() == 9000);

    auto d = std::get<cn::agent_options>(parse_ok({"agent", "--name", "x", "--bind", "127.0.0.1:0"}));
    BOOST_TEST(d.bind.port() == 0);
    BOOST_TEST(d.profile == "lan");

    BOOST_TEST(parse_error({"agent"}).find("--name is required") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name"}).find("needs a value") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "a b"}).find("--name") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--profile", "fast"}).find("--profile") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--bind", "host:1"}).find("numeric") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--bind", "0.0.0.0:7946"}).find("--advertise") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--rpc", "10.1.1.1:7373"}).find("loopback") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--tag", "novalue"}).find("KEY=VALUE") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--seeds", "1.2.3.4"}).find("--seeds") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--frobnicate", "1"}).find("unknown option") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "stray"}).find("positional") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--acceptable-pause", "-1"}).find("--acceptable-pause") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--acceptable-pause", "5s"}).find("--acceptable-pause") != std::string::npos);
    auto p = std::get<cn::agent_options>(parse_ok({"agent", "--name", "x", "--acceptable-pause", "0"}));
    BOOST_TEST(p.membership().failure_detector.acceptable_heartbeat_pause.count() == 0);
    BOOST_TEST((d.membership().failure_detector.acceptable_heartbeat_pause ==
                cohort::membership_config::lan().failure_detector.acceptable_heartbeat_pause));
    BOOST_TEST(d.retry_join.max_attempts == 0u);  // serf's agent: retry forever
    BOOST_TEST((d.retry_join.interval == std::chrono::seconds(30)));
    auto r = std::get<cn::agent_options>(
        parse_ok({"agent", "--name", "x", "--retry-interval", "250", "--retry-max", "4"}));
    BOOST_TEST((r.retry_join.interval == std::chrono::milliseconds(250)));
    BOOST_TEST(r.retry_join.max_attempts == 4u);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--retry-interval", "0"}).find("--retry-interval") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--retry-max", "-2"}).find("--retry-max") != std::string::npos);
    std::string const big_tag = "k=" + std::string(600, 'v');
    BOOST_TEST(parse_error({"agent", "--name", "x", "--tag", big_tag.c_str()}).find("512") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(client_command_lines) {
    auto m = std::get<cn::client_options>(
        parse_ok({"members", "--rpc", "127.0.0.1:9000", "--json", "--status", "failed", "--name", "a"}));
    BOOST_TEST(m.command == "members");
    BOOST_TEST(m.json);
    BOOST_TEST((m.status == cohort::node_state::failed));
    BOOST_TEST(*m.name == "a");
    auto j = std::get<cn::client_options>(parse_ok({"join", "10.0.0.1:1,10.0.0.2:2", "10.0.0.3:3"}));
    BOOST_TEST(j.seeds.size() == 3u);
    BOOST_TEST(std::holds_alternative<cn::help_request>(parse_ok({"--help"})));
    BOOST_TEST(std::holds_alternative<cn::help_request>(parse_ok({"members", "--help"})));

    BOOST_TEST(parse_error({}).find("command is required") != std::string::npos);
    BOOST_TEST(parse_error({"frob"}).find("unknown command") != std::string::npos);
    BOOST_TEST(parse_error({"members", "--status", "alive"}).find("--status") != std::string::npos);
    BOOST_TEST(parse_error({"join"}).find("seed") != std::string::npos);
    BOOST_TEST(parse_error({"leave", "--json"}).find("--json") != std::string::npos);
    BOOST_TEST(parse_error({"leave", "extra"}).find("positional") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
