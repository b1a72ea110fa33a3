// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// cohort-node's pure parts: the control protocol's request parser (hostile
// input table, seeded mutations, round trips) and the command line.
#include "options.hpp"
#include "rpc.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <sys/stat.h>
#include <unistd.h>
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

// Two 32-byte keys, base64.
constexpr std::string_view key_a = "Ct2L52GD6HaeJJH1az0R/8KGfBmqnbMTYylAAgvNe7c=";
constexpr std::string_view key_b = "mV1P8dwZ+xYS7sWYugosIMND6Mw+/8g6wNstQwf8EzM=";

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
        cn::serialize(cn::keys_request{cn::key_op::install, std::string(key_a)}),
    };
    std::set<std::string_view> const known = {"ok",
                                              cn::rpc_errc::line_too_long,
                                              cn::rpc_errc::bad_json,
                                              cn::rpc_errc::bad_request,
                                              cn::rpc_errc::unknown_command,
                                              cn::rpc_errc::bad_seed,
                                              cn::rpc_errc::bad_key};
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
    BOOST_TEST(!d.http);  // no admin server unless asked

    auto h = std::get<cn::agent_options>(parse_ok({"agent", "--name", "x", "--http", "127.0.0.1:0"}));
    BOOST_REQUIRE(h.http);
    BOOST_TEST(h.http->port() == 0);
    BOOST_TEST(h.http->address().is_loopback());
    // read-only: another address is taken (the agent warns), unlike --rpc
    auto h6 = std::get<cn::agent_options>(parse_ok({"agent", "--name", "x", "--http=[::]:9100"}));
    BOOST_TEST(h6.http->address().is_unspecified());
    BOOST_TEST(parse_error({"agent", "--name", "x", "--http", "localhost:80"}).find("--http") != std::string::npos);

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

BOOST_AUTO_TEST_CASE(agent_dns_seeds_command_line) {
    auto a = std::get<cn::agent_options>(parse_ok(
        {"agent", "--name", "x", "--seeds",
         "srv:_cohort._udp.default.svc.cluster.local,db.example:7946,10.0.0.2:7000,[::1]:7001",
         "--dns-server", "[::1]:5353", "--bootstrap-expect", "3"}));
    BOOST_REQUIRE(a.seeds.size() == 4u);
    BOOST_TEST((a.seeds[0].kind == cohort::seed_kind::srv));
    BOOST_TEST(a.seeds[0].host == "_cohort._udp.default.svc.cluster.local");
    BOOST_TEST((a.seeds[1].kind == cohort::seed_kind::address));
    BOOST_TEST(a.seeds[1].host == "db.example");
    BOOST_TEST(a.seeds[1].port == 7946);
    BOOST_TEST(a.dns_seeds());
    BOOST_TEST((a.numeric_seeds() ==
                std::vector<cohort::peer_address>{{"10.0.0.2", 7000}, {"::1", 7001}}));
    BOOST_REQUIRE(a.dns_server);
    BOOST_TEST(a.dns_server->address().is_v6());
    BOOST_TEST(a.dns_server->port() == 5353);
    BOOST_TEST(a.bootstrap_expect == 3u);

    // numeric seeds only: one join with retries, as before
    auto n = std::get<cn::agent_options>(parse_ok({"agent", "--name", "x", "--seeds", "10.0.0.2:7000"}));
    BOOST_TEST(!n.dns_seeds());
    BOOST_TEST(n.numeric_seeds().size() == 1u);
    BOOST_TEST(!n.dns_server);
    BOOST_TEST(n.bootstrap_expect == 1u);
    auto h = std::get<cn::agent_options>(parse_ok({"agent", "--name", "x", "--seeds", "localhost:7946"}));
    BOOST_TEST(h.dns_seeds());

    BOOST_TEST(parse_error({"agent", "--name", "x", "--seeds", "srv:"}).find("--seeds srv:") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--seeds", "bad_host:1"}).find("srv:NAME") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--seeds", "srv:a b"}).find("--seeds") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--seeds", "srv:x.test", "--dns-server", "localhost:53"})
                   .find("numeric") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--seeds", "srv:x.test", "--dns-server", "0.0.0.0:53"})
                   .find("--dns-server") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--dns-server", "127.0.0.1:53"})
                   .find("needs a hostname or srv:NAME") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "x", "--seeds", "10.0.0.2:1", "--bootstrap-expect", "2"})
                   .find("--bootstrap-expect: needs") != std::string::npos);
    for (char const* bad : {"0", "-1", "two", "1001"})
        BOOST_TEST(parse_error({"agent", "--name", "x", "--seeds", "srv:x.test", "--bootstrap-expect", bad})
                       .find("--bootstrap-expect") != std::string::npos);
    std::string many = "srv:s0.test";
    for (int i = 1; i < 65; ++i) many += ",srv:s" + std::to_string(i) + ".test";
    BOOST_TEST(parse_error({"agent", "--name", "x", "--seeds", many.c_str()}).find("at most 64") != std::string::npos);
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

// ---- keys -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(keys_requests_parse_and_refuse_bad_keys) {
    auto r = cn::parse_request(R"({"cmd":"keys","op":"install","key":"Ct2L52GD6HaeJJH1az0R/8KGfBmqnbMTYylAAgvNe7c="})");
    BOOST_REQUIRE(r);
    auto const& k = std::get<cn::keys_request>(*r);
    BOOST_TEST((k.op == cn::key_op::install));
    BOOST_TEST(k.key == key_a);
    BOOST_TEST(code_of(R"({"cmd":"keys","op":"list"})") == "ok");
    BOOST_TEST(code_of(R"({"cmd":"keys","op":"list","key":"Ct2L52GD6HaeJJH1az0R/8KGfBmqnbMTYylAAgvNe7c="})") == cn::rpc_errc::bad_key);
    BOOST_TEST(code_of(R"({"cmd":"keys","op":"install"})") == cn::rpc_errc::bad_key);
    BOOST_TEST(code_of(R"({"cmd":"keys","op":"install","key":"c2hvcnQ="})") == cn::rpc_errc::bad_key);
    BOOST_TEST(code_of(R"({"cmd":"keys","op":"install","key":"!!!"})") == cn::rpc_errc::bad_key);
    BOOST_TEST(code_of(R"({"cmd":"keys","op":"rotate","key":"c2hvcnQ="})") == cn::rpc_errc::bad_key);
    BOOST_TEST(code_of(R"({"cmd":"keys","op":7})") == cn::rpc_errc::bad_key);
    BOOST_TEST(code_of(R"({"cmd":"keys","op":"list","x":1})") == cn::rpc_errc::bad_request);
    // the round trip, and the peer payload's own parser
    for (auto op : {cn::key_op::install, cn::key_op::use, cn::key_op::remove, cn::key_op::list}) {
        cn::keys_request const req{op, op == cn::key_op::list ? std::string() : std::string(key_b)};
        auto line = cn::serialize(req);
        line.pop_back();
        auto back = cn::parse_request(line);
        BOOST_REQUIRE(back);
        BOOST_TEST((std::get<cn::keys_request>(*back).op == op));
        auto const payload = cn::serialize_keys_payload(req);
        auto peer = cn::parse_keys_payload(std::as_bytes(std::span(payload)));
        BOOST_REQUIRE(peer);
        BOOST_TEST((peer->op == op));
        BOOST_TEST(peer->key == req.key);
    }
    std::string_view const junk[] = {"", "[]", "{\"op\":\"list\",\"cmd\":\"x\"}", "{\"op\":1}", "\xff\xfe"};
    for (auto j : junk) BOOST_TEST(!cn::parse_keys_payload(std::as_bytes(std::span(j))));
    // a peer's body is hostile: seeded mutations never throw, and parse only to valid requests
    std::mt19937_64 rng(20261207);
    auto const base = cn::serialize_keys_payload({cn::key_op::remove, std::string(key_a)});
    std::size_t parsed = 0;
    for (int i = 0; i < 5000; ++i) {
        std::string s = base;
        for (int e = 0; e < 1 + static_cast<int>(rng() % 3) && !s.empty(); ++e)
            s[rng() % s.size()] = static_cast<char>(rng() & 0xff);
        boost::system::result<cn::keys_request, std::string> r = std::string();
        BOOST_REQUIRE_NO_THROW(r = cn::parse_keys_payload(std::as_bytes(std::span(s))));
        if (!r) continue;
        ++parsed;
        if (r->op != cn::key_op::list) BOOST_TEST(cohort::decode_key(r->key).has_value());
    }
    BOOST_TEST(parsed < 5000u);
}

BOOST_AUTO_TEST_CASE(keys_requests_change_the_keyring_as_serf_does) {
    cohort::keyring ring;
    BOOST_REQUIRE(ring.install(key_a));
    BOOST_TEST(cn::apply_keys_request(ring, {cn::key_op::install, std::string(key_b)}).has_value());
    BOOST_TEST(ring.size() == 2u);
    // the primary cannot go; a key never installed cannot be used
    auto const no = cn::apply_keys_request(ring, {cn::key_op::remove, std::string(key_a)});
    BOOST_REQUIRE(!no);
    BOOST_TEST(no.error().find("primary") != std::string::npos);
    cohort::keyring other;
    BOOST_REQUIRE(other.install(key_b));
    BOOST_TEST(!cn::apply_keys_request(other, {cn::key_op::use, std::string(key_a)}));
    BOOST_TEST(cn::apply_keys_request(ring, {cn::key_op::use, std::string(key_b)}).has_value());
    BOOST_TEST(cn::apply_keys_request(ring, {cn::key_op::remove, std::string(key_a)}).has_value());
    // removing again succeeds: a rotation step can be re-run after a partial failure
    BOOST_TEST(cn::apply_keys_request(ring, {cn::key_op::remove, std::string(key_a)}).has_value());
    BOOST_TEST(ring.size() == 1u);
}

BOOST_AUTO_TEST_CASE(keys_answers_add_up_per_key_and_name_the_silent) {
    cohort::keyring one, two;
    BOOST_REQUIRE(one.install(key_a));
    BOOST_REQUIRE(two.install(key_a));
    BOOST_REQUIRE(two.install(key_b));
    cn::keys_summary sum;
    sum.nodes = 4;
    sum.add("n1", cn::keys_answer(one, {}));
    sum.add("n2", cn::keys_answer(two, {}));
    sum.add("n3", cn::keys_answer(two, boost::system::result<void, std::string>(
                                           boost::system::in_place_error, "no such key")));
    sum.add("n4", std::nullopt, "call timed out");
    BOOST_TEST(sum.responses == 3u);
    BOOST_TEST(sum.keys[std::string(key_a)] == 3u);
    BOOST_TEST(sum.keys[std::string(key_b)] == 2u);
    BOOST_TEST(sum.primary_keys[std::string(key_a)] == 3u);
    BOOST_TEST(sum.errors.size() == 2u);
    BOOST_TEST(sum.errors["n3"] == "no such key");
    BOOST_TEST(sum.errors["n4"] == "call timed out");
    BOOST_TEST(!sum.complete());
    cn::keys_summary bad;
    bad.nodes = 1;
    bad.add("n9", std::string_view("{\"keys\":[]}"));
    BOOST_TEST(bad.errors["n9"] == "unreadable answer");
    cn::keys_summary fine;
    fine.nodes = 1;
    fine.add("n1", cn::keys_answer(one, {}));
    BOOST_TEST(fine.complete());
}

BOOST_AUTO_TEST_CASE(the_keyring_file_is_0600_round_trips_and_refuses_bad_files) {
    namespace fs = std::filesystem;
    auto const dir = fs::temp_directory_path() / ("cohort-ring-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto const path = (dir / "ring.json").string();
    cohort::keyring ring;
    BOOST_REQUIRE(ring.install(key_a));
    BOOST_REQUIRE(ring.install(key_b));
    BOOST_REQUIRE(ring.use(key_b));
    ::umask(0);  // the file must be 0600 whatever the umask
    BOOST_REQUIRE(cn::save_keyring_file(path, ring));
    ::umask(022);
    BOOST_TEST(((fs::status(path).permissions() & fs::perms::all) ==
                (fs::perms::owner_read | fs::perms::owner_write)));
    BOOST_TEST(!fs::exists(path + ".tmp"));
    auto back = cn::load_keyring_file(path);
    BOOST_REQUIRE_MESSAGE(back, (back ? std::string() : back.error()));
    auto const loaded = (*back)->list();  // the primary first, as written
    BOOST_REQUIRE(loaded.size() == 2u);
    BOOST_TEST(loaded[0].key == key_b);
    BOOST_TEST(loaded[0].primary);
    BOOST_TEST(loaded[1].key == key_a);
    BOOST_TEST(!loaded[1].primary);

    auto const refused = [&](std::string const& text, std::string_view why,
                             fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
        auto const p = (dir / "bad.json").string();
        fs::remove(p);
        { std::ofstream(p) << text; }
        fs::permissions(p, perms);
        auto r = cn::load_keyring_file(p);
        BOOST_TEST_MESSAGE(text.substr(0, 40) << " -> " << (r ? std::string("loaded") : r.error()));
        return !r && r.error().find(why) != std::string::npos;
    };
    std::string const good = "[\"" + std::string(key_a) + "\"]";
    BOOST_TEST(refused(good, "chmod 600", fs::perms::owner_read | fs::perms::group_read));
    BOOST_TEST(refused("{}", "JSON array"));
    BOOST_TEST(refused("[", "JSON array"));
    BOOST_TEST(refused("[]", "1 to 64"));
    BOOST_TEST(refused("[1]", "string"));
    BOOST_TEST(refused("[\"c2hvcnQ=\"]", "key 1"));
    BOOST_TEST(refused(std::string(70000, ' '), "64 KiB"));
    BOOST_TEST(!cn::load_keyring_file((dir / "missing.json").string()));
    // nothing to write: refused before a byte is written
    cohort::keyring empty;
    auto const never = (dir / "never.json").string();
    BOOST_TEST(!cn::save_keyring_file(never, empty));
    BOOST_TEST(!fs::exists(never));
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(keys_and_encrypt_command_lines) {
    auto cl = parse_ok({"keys", "--install", key_a.data(), "--rpc", "127.0.0.1:9000"});
    auto const& c = std::get<cn::client_options>(cl);
    BOOST_TEST(c.command == "keys");
    BOOST_REQUIRE(c.keys);
    BOOST_TEST((c.keys->op == cn::key_op::install));
    BOOST_TEST(c.keys->key == key_a);
    BOOST_TEST((std::get<cn::client_options>(parse_ok({"keys", "--list"})).keys->op == cn::key_op::list));
    BOOST_TEST(parse_error({"keys"}).find("one of") != std::string::npos);
    BOOST_TEST(parse_error({"keys", "--list", "--use", key_a.data()}).find("one of") != std::string::npos);
    BOOST_TEST(parse_error({"keys", "--use", "c2hvcnQ="}).find("16, 24 or 32") != std::string::npos);
    BOOST_TEST(parse_error({"keys", "--rotate", key_a.data()}).find("unknown option") != std::string::npos);
    BOOST_TEST(std::get<cn::client_options>(parse_ok({"keygen"})).command == "keygen");
    BOOST_TEST(parse_error({"keygen", "x"}).find("no argument") != std::string::npos);

    auto ag = parse_ok({"agent", "--name", "a", "--encrypt", key_a.data(), "--keyring-file", "/tmp/r"});
    auto const& a = std::get<cn::agent_options>(ag);
    BOOST_TEST(*a.encrypt == key_a);
    BOOST_TEST(*a.keyring_file == "/tmp/r");
    BOOST_TEST(parse_error({"agent", "--name", "a", "--encrypt", "c2hvcnQ="}).find("keygen") != std::string::npos);
    BOOST_TEST(parse_error({"agent", "--name", "a", "--keyring-file="}).find("path") != std::string::npos);
}
