// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The metrics renderer and the admin server's request handling (handle(), no
// sockets) on nodes over a memory_network in virtual time: exact member-state
// samples, well-formed families, output independent of the member count,
// every route and refusal, /readyz across start, join and leave.
#include <cohort/admin/admin_server.hpp>
#include <cohort/admin/node_metrics.hpp>
#include <cohort/routing/router.hpp>

#include "../node/memory_cluster.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using cohort_node_test::memory_cluster;
using cohort_node_test::mem_node;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

using server = cohort::basic_admin_server<mem_node>;

std::string metrics_of(mem_node& n, cohort::router_metrics const* r = nullptr) {
    std::string out;
    cohort::render_node_metrics(out, n.counters(), cohort::metrics_view_of(n), r);
    return out;
}

bool has_line(std::string const& text, std::string_view line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l == line) return true;
    return false;
}

// The format's structure, as promtool checks it: every sample belongs to the
// family whose HELP and TYPE precede it, no family twice, counters end in
// _total, every sample line is "name[{labels}] value".
void check_well_formed(std::string const& text) {
    std::istringstream in(text);
    std::set<std::string> families;
    std::string current, type;
    for (std::string l; std::getline(in, l);) {
        BOOST_REQUIRE(!l.empty());
        if (l.starts_with("# HELP ")) {
            current = l.substr(7, l.find(' ', 7) - 7);
            BOOST_TEST_INFO("family " << current);
            BOOST_TEST(families.insert(current).second);
            BOOST_TEST(current.starts_with("cohort_"));
            continue;
        }
        if (l.starts_with("# TYPE ")) {
            BOOST_TEST(l.substr(7, current.size()) == current);
            type = l.substr(8 + current.size());
            if (type == "counter") BOOST_TEST(current.ends_with("_total"));
            continue;
        }
        auto const name = l.substr(0, l.find_first_of("{ "));
        BOOST_TEST_INFO("line " << l);
        if (type == "histogram")
            BOOST_TEST((name == current + "_bucket" || name == current + "_sum" ||
                        name == current + "_count"));
        else
            BOOST_TEST(name == current);
        BOOST_TEST(l.find(' ', l.find('}') == std::string::npos ? 0 : l.find('}')) != std::string::npos);
    }
}

http::request<http::string_body> get(std::string target, http::verb v = http::verb::get) {
    http::request<http::string_body> r{v, target, 11};
    r.set(http::field::host, "localhost");
    return r;
}

boost::json::value body_json(http::response<http::string_body> const& r) {
    return boost::json::parse(r.body());
}

} // namespace

BOOST_AUTO_TEST_SUITE(node_metrics)

BOOST_AUTO_TEST_CASE(three_nodes_report_three_active_and_zero_elsewhere) {
    memory_cluster c;
    c.form(3);
    c.run_for(3s);  // a few probe rounds
    for (std::size_t i = 0; i < 3; ++i) {
        auto const text = metrics_of(c.at(i));
        BOOST_TEST_INFO("node " << i);
        BOOST_TEST(has_line(text, "cohort_members{state=\"active\"} 3"));
        for (auto s : {"joining", "leaving", "failed", "unknown"})
            BOOST_TEST(has_line(text, std::string("cohort_members{state=\"") + s + "\"} 0"));
        BOOST_TEST(has_line(text, "cohort_node_status{status=\"running\"} 1"));
        BOOST_TEST(has_line(text, "cohort_node_status{status=\"stopped\"} 0"));
        BOOST_TEST(has_line(text, i == 0 ? "cohort_leader 1" : "cohort_leader 0"));
        BOOST_TEST(text.find("cohort_messages_received_total{type=\"ping\"} ") != std::string::npos);
        BOOST_TEST(!has_line(text, "cohort_messages_received_total{type=\"ping\"} 0"));
        BOOST_TEST(has_line(text, "cohort_security_refusals_total{reason=\"bad_tag\"} 0"));
        BOOST_TEST(has_line(text, "cohort_transport_drops_total{reason=\"partition\"} 0"));
        BOOST_TEST(text.find("cohort_router_") == std::string::npos);  // no router given
        check_well_formed(text);
    }
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_failed_member_moves_one_sample) {
    memory_cluster c;
    c.form(3);
    c.net.crash(cohort_node_test::address_of(2));
    BOOST_REQUIRE(c.run_until([&] { return c.at(0).member_count(cohort::node_state::failed) == 1; },
                              30s));
    auto const text = metrics_of(c.at(0));
    BOOST_TEST(has_line(text, "cohort_members{state=\"active\"} 2"));
    BOOST_TEST(has_line(text, "cohort_members{state=\"failed\"} 1"));
    BOOST_TEST((!has_line(text, "cohort_failures_total{source=\"declared\"} 0") ||
                !has_line(text, "cohort_failures_total{source=\"heard\"} 0")));
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(output_does_not_grow_with_the_member_count) {
    cohort::node_counters counters;
    cohort::node_metrics_view small, large;
    small.members[static_cast<std::size_t>(cohort::node_state::active)] = 3;
    large.members[static_cast<std::size_t>(cohort::node_state::active)] = 100000;
    std::string a, b;
    cohort::render_node_metrics(a, counters, small);
    cohort::render_node_metrics(b, counters, large);
    BOOST_TEST(b.size() == a.size() + 5);  // "100000" against "3": the digits only
    check_well_formed(a);
}

BOOST_AUTO_TEST_CASE(router_counters_when_a_router_is_given) {
    memory_cluster c;
    c.form(1);
    cohort::router_metrics r;
    r.counters.calls_local = 7;
    r.counters.timeouts = 2;
    auto const text = metrics_of(c.at(0), &r);
    BOOST_TEST(has_line(text, "cohort_router_calls_total{target=\"local\"} 7"));
    BOOST_TEST(has_line(text, "cohort_router_calls_total{target=\"remote\"} 0"));
    BOOST_TEST(has_line(text, "cohort_router_timeouts_total 2"));
    check_well_formed(text);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(every_message_type_has_its_wire_name) {
    auto const& names = cohort::detail::message_type_names;
    BOOST_TEST(names.size() == std::variant_size_v<cohort::message>);
    BOOST_TEST(names[0] == "ping");
    BOOST_TEST(std::set<std::string_view>(names.begin(), names.end()).size() == names.size());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(admin_handle)

BOOST_AUTO_TEST_CASE(before_start_live_and_ready_fail_and_metrics_answer) {
    memory_cluster c;
    c.add();
    server s(c.at(0));
    auto r = s.handle(get("/readyz"));
    BOOST_TEST(r.result() == http::status::service_unavailable);
    BOOST_TEST(body_json(r).at("ready").as_bool() == false);
    BOOST_TEST(body_json(r).at("status").as_string() == "created");
    BOOST_TEST(s.handle(get("/livez")).result() == http::status::service_unavailable);
    BOOST_TEST(s.handle(get("/cluster/members")).result() == http::status::service_unavailable);
    auto m = s.handle(get("/metrics"));
    BOOST_TEST(m.result() == http::status::ok);
    BOOST_TEST(m[http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
    BOOST_TEST(has_line(m.body(), "cohort_members{state=\"active\"} 0"));
    BOOST_TEST(has_line(m.body(), "cohort_node_status{status=\"created\"} 1"));
    check_well_formed(m.body());
}

BOOST_AUTO_TEST_CASE(routes_and_refusals) {
    memory_cluster c;
    c.form(3);
    server s(c.at(0));

    auto live = s.handle(get("/livez"));
    BOOST_TEST(live.result() == http::status::ok);
    BOOST_TEST(body_json(live).at("live").as_bool());

    auto members = s.handle(get("/cluster/members?pretty=1"));  // a query is ignored
    BOOST_REQUIRE(members.result() == http::status::ok);
    BOOST_TEST(members[http::field::content_type] == "application/json");
    auto const doc = body_json(members).as_object();
    BOOST_TEST(doc.at("selfNode").as_string() == c.at(0).local_id().str());
    BOOST_TEST(doc.at("selfStatus").as_string() == "running");
    BOOST_TEST(doc.at("leader").as_string() == c.at(0).local_id().str());
    BOOST_TEST(cohort::parse_hlc_timestamp(doc.at("hlc").as_string()).has_value());
    BOOST_TEST(doc.at("unreachable").as_array().empty());
    auto const& list = doc.at("members").as_array();
    BOOST_REQUIRE(list.size() == 3u);
    for (auto const& v : list) {
        auto const& m = v.as_object();
        BOOST_TEST(m.at("status").as_string() == "active");
        BOOST_TEST(m.at("node").as_string() ==
                   std::string(m.at("name").as_string()) + "@" + std::string(m.at("address").as_string()));
        BOOST_TEST(m.at("incarnation").is_number());
        BOOST_TEST(m.at("tags").is_object());
        BOOST_TEST((m.at("phi").is_double() || m.at("phi").is_null()));
        BOOST_TEST(m.at("monitored").is_bool());
        BOOST_TEST((m.at("lastHeard").is_string() || m.at("lastHeard").is_null()));
    }

    auto one = s.handle(get("/cluster/members/n1"));
    BOOST_REQUIRE(one.result() == http::status::ok);
    BOOST_TEST(body_json(one).at("node").as_string() == c.at(1).local_id().str());
    BOOST_TEST(s.handle(get("/cluster/members/" + c.at(1).local_id().str())).result() ==
               http::status::ok);
    BOOST_TEST(s.handle(get("/cluster/members/n1@10.9.9.9:1")).result() == http::status::not_found);
    BOOST_TEST(s.handle(get("/cluster/members/nobody")).result() == http::status::not_found);
    BOOST_TEST(s.handle(get("/cluster/members/")).result() == http::status::not_found);
    BOOST_TEST(s.handle(get("/nope")).result() == http::status::not_found);
    BOOST_TEST(s.handle(get("/metrics/../etc/passwd")).result() == http::status::not_found);
    BOOST_TEST(s.handle(get("")).result() == http::status::not_found);

    for (auto v : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::options}) {
        auto r = s.handle(get("/metrics", v));
        BOOST_TEST(r.result() == http::status::method_not_allowed);
        BOOST_TEST(r[http::field::allow] == "GET, HEAD");
    }
    BOOST_TEST(s.handle(get("/nope", http::verb::post)).result() == http::status::not_found);

    auto with_body = get("/metrics");
    with_body.body() = "x";
    with_body.prepare_payload();
    BOOST_TEST(s.handle(with_body).result() == http::status::payload_too_large);

    auto head = s.handle(get("/metrics", http::verb::head));
    BOOST_TEST(head.result() == http::status::ok);
    BOOST_TEST(head.body().empty());
    BOOST_TEST(head[http::field::content_length] != "0");

    // the server counts its own answers: seven 404s so far, and one 405 per method
    auto m = s.handle(get("/metrics"));
    BOOST_TEST(has_line(m.body(), "cohort_admin_requests_total{code=\"404\"} 7"));
    BOOST_TEST(has_line(m.body(), "cohort_admin_requests_total{code=\"405\"} 4"));
    BOOST_TEST(has_line(m.body(), "cohort_admin_requests_total{code=\"413\"} 1"));
    BOOST_TEST(m.body().find("cohort_admin_request_duration_seconds_bucket{le=\"+Inf\"} ") !=
               std::string::npos);
    check_well_formed(m.body());
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(readyz_follows_start_join_and_leave) {
    memory_cluster c;
    auto const a = c.add();
    auto const b = c.add();
    server sa(c.at(a)), sb(c.at(b));
    BOOST_TEST(sb.handle(get("/readyz")).result() == http::status::service_unavailable);
    c.start(a);
    c.start(b);
    // started alone, b is a cluster of one, active at once: the application
    // says that it still has to join
    BOOST_TEST(sb.handle(get("/readyz")).result() == http::status::ok);
    bool joined = false;
    sb.set_ready_check([&]() -> std::string { return joined ? "" : "joining the seeds"; });
    auto waiting = sb.handle(get("/readyz"));
    BOOST_TEST(waiting.result() == http::status::service_unavailable);
    BOOST_TEST(body_json(waiting).at("reason").as_string() == "joining the seeds");
    BOOST_TEST(body_json(waiting).at("state").as_string() == "active");
    c.join({b}, a);
    joined = true;
    BOOST_REQUIRE(c.run_until([&] { return c.all_see_active({a, b}, 2); }, 10s));
    auto ready = sb.handle(get("/readyz"));
    BOOST_TEST(ready.result() == http::status::ok);
    BOOST_TEST(body_json(ready).at("state").as_string() == "active");

    std::optional<boost::system::error_code> left;
    c.at(b).async_leave([&](boost::system::error_code ec) { left = ec; });
    BOOST_REQUIRE(c.run_until([&] { return left.has_value(); }, 10s));
    auto after = sb.handle(get("/readyz"));
    BOOST_TEST(after.result() == http::status::service_unavailable);
    BOOST_TEST(body_json(after).at("state").as_string() == "leaving");
    BOOST_TEST(sb.handle(get("/livez")).result() == http::status::ok);  // still running
    BOOST_TEST(sa.handle(get("/readyz")).result() == http::status::ok);  // the other stays
    c.stop_all();
    BOOST_TEST(sb.handle(get("/livez")).result() == http::status::service_unavailable);
    BOOST_TEST(sb.handle(get("/readyz")).result() == http::status::service_unavailable);
}

BOOST_AUTO_TEST_CASE(config_is_validated_by_start) {
    memory_cluster c;
    c.add();
    cohort::admin_config cfg;
    cfg.max_connections = 0;
    server s(c.at(0), cfg);
    BOOST_TEST(s.start() == cohort::error::invalid_config);
    BOOST_REQUIRE(s.config_problem());
    BOOST_TEST(s.config_problem()->field == "admin_config.max_connections");
    BOOST_TEST(cohort::validate(cohort::admin_config{}).has_value());
    cohort::admin_config t;
    t.read_timeout = std::chrono::milliseconds(0);
    BOOST_TEST(cohort::validate(t).error().field == "admin_config.read_timeout");
    t = {};
    t.header_limit = 100;
    BOOST_TEST(cohort::validate(t).error().field == "admin_config.header_limit");
}

BOOST_AUTO_TEST_SUITE_END()
