// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The membership internals, one by one: ring, broadcast queue, suspicion
// timeout, awareness; and the config and address helpers.

#include <cohort/membership/config.hpp>
#include <cohort/membership/detail/answer_limiter.hpp>
#include <cohort/membership/detail/awareness.hpp>
#include <cohort/membership/detail/broadcast_queue.hpp>
#include <cohort/membership/detail/ring.hpp>
#include <cohort/membership/detail/suspicion.hpp>
#include <cohort/membership/member.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

using namespace cohort;
using namespace std::chrono_literals;

namespace {
node_id id(std::string const& text) { return node_id::parse(text).value(); }
rumor r(std::string const& name, std::uint64_t inc, node_state s = node_state::active) {
    return rumor{id(name + "@h:1"), inc, s, {}, {}};
}
} // namespace

BOOST_AUTO_TEST_SUITE(membership_detail)

BOOST_AUTO_TEST_CASE(fnv1a_64_matches_reference_values) {
    BOOST_TEST(detail::fnv1a_64("") == 0xcbf29ce484222325ULL);
    BOOST_TEST(detail::fnv1a_64("a") == 0xaf63dc4c8601ec8cULL);
    BOOST_TEST(detail::fnv1a_64("foobar") == 0x85944171f73967e8ULL);
}

BOOST_AUTO_TEST_CASE(ring_successors_and_predecessors_wrap_and_agree) {
    std::vector<std::string> names;
    for (int i = 0; i < 10; ++i) names.push_back("n" + std::to_string(i));
    detail::monitoring_ring ring;
    for (auto const& n : names) BOOST_TEST(ring.insert(n));
    BOOST_TEST(!ring.insert(names[0]));
    BOOST_TEST(ring.size() == 10U);

    // Each member is watched by exactly k observers: k successors of each,
    // counted per target, equal k.
    std::map<std::string, int> watched;
    std::vector<std::string_view> out;
    for (auto const& n : names) {
        ring.successors(n, 3, out);
        BOOST_TEST(out.size() == 3U);
        for (auto v : out) {
            BOOST_TEST(v != n);
            ++watched[std::string(v)];
        }
        // predecessors are the inverse relation
        std::vector<std::string_view> pred;
        ring.predecessors(out.front(), 1, pred);
        BOOST_TEST(pred.size() == 1U);
        BOOST_TEST(pred.front() == n);
    }
    for (auto const& [n, c] : watched) BOOST_TEST(c == 3, n);

    // asking for more than there are: everyone else, once
    ring.successors(names[0], 50, out);
    BOOST_TEST(out.size() == 9U);
    BOOST_TEST(ring.erase(names[3]));
    BOOST_TEST(!ring.contains(names[3]));
    ring.successors(names[3], 50, out);  // from a name not on the ring
    BOOST_TEST(out.size() == 9U);
}

BOOST_AUTO_TEST_CASE(retransmit_limit_follows_memberlist) {
    BOOST_TEST(detail::retransmit_limit(4, 0) == 1U);
    BOOST_TEST(detail::retransmit_limit(4, 1) == 4U);
    BOOST_TEST(detail::retransmit_limit(4, 9) == 4U);
    BOOST_TEST(detail::retransmit_limit(4, 10) == 8U);
    BOOST_TEST(detail::retransmit_limit(4, 99) == 8U);
    BOOST_TEST(detail::retransmit_limit(4, 100) == 12U);
    BOOST_TEST(detail::retransmit_limit(3, 10000) == 15U);
}

BOOST_AUTO_TEST_CASE(broadcast_queue_fewest_sent_first_newer_replaces_limit_drops) {
    detail::broadcast_queue q;
    q.push(r("a", 1));
    q.push(r("b", 1));
    BOOST_TEST(q.size() == 2U);
    std::vector<rumor> out;
    q.take(10000, 1, 3, out);  // newest first among equals
    BOOST_TEST_REQUIRE(out.size() == 1U);
    BOOST_TEST(out[0].member.name() == "b");
    out.clear();
    q.take(10000, 1, 3, out);  // a has fewer sends now
    BOOST_TEST(out[0].member.name() == "a");

    // a newer rumor about a replaces the old one, with a fresh count
    q.push(r("a", 2, node_state::unknown));
    BOOST_TEST(q.size() == 2U);
    BOOST_TEST(q.transmits("a") == 0U);
    out.clear();
    q.take(10000, 10, 3, out);  // never the same rumor twice in one packet
    BOOST_TEST(out.size() == 2U);
    BOOST_TEST(out[0].member.name() == "a");
    BOOST_TEST(out[0].incarnation == 2U);

    // each is dropped after 3 sends
    for (int i = 0; i < 5; ++i) {
        out.clear();
        q.take(10000, 10, 3, out);
    }
    BOOST_TEST(q.empty());

    // the byte budget limits a packet
    for (int i = 0; i < 100; ++i) q.push(r("m" + std::to_string(i), 1));
    out.clear();
    q.take(400, 1000, 3, out);
    std::size_t bytes = 0;
    for (auto const& x : out) bytes += detail::estimated_size(x);
    BOOST_TEST(!out.empty());
    BOOST_TEST(bytes <= 400U);
    q.erase("m99");
    BOOST_TEST(!q.contains("m99"));
}

BOOST_AUTO_TEST_CASE(suspicion_timeout_formula) {
    using detail::suspicion_timeout;
    auto const min = 4s, max = 24s;
    BOOST_TEST(suspicion_timeout(min, max, 4, 0).count() == std::chrono::nanoseconds(max).count());
    BOOST_TEST(suspicion_timeout(min, max, 4, 4).count() == std::chrono::nanoseconds(min).count());
    BOOST_TEST(suspicion_timeout(min, max, 4, 9).count() == std::chrono::nanoseconds(min).count());
    BOOST_TEST(suspicion_timeout(min, max, 0, 0).count() == std::chrono::nanoseconds(min).count());
    // one of four: max - (max - min) * ln 2 / ln 5
    double const expect = 24e9 - 20e9 * std::log(2.0) / std::log(5.0);
    BOOST_TEST(static_cast<double>(suspicion_timeout(min, max, 4, 1).count()) == expect,
               boost::test_tools::tolerance(1e-6));
    // strictly shrinking with confirmations
    for (std::size_t c = 0; c < 4; ++c)
        BOOST_TEST(suspicion_timeout(min, max, 4, c + 1) < suspicion_timeout(min, max, 4, c));

    detail::suspicion s(7, 10s, min, max, 2, "a");
    BOOST_TEST(s.deadline().count() == std::chrono::nanoseconds(34s).count());
    BOOST_TEST(!s.confirm("a"));  // the first suspecter does not confirm itself
    BOOST_TEST(s.confirm("b"));
    BOOST_TEST(!s.confirm("b"));
    BOOST_TEST(s.confirm("c"));
    BOOST_TEST(!s.confirm("d"));  // k reached
    BOOST_TEST(s.confirmations() == 2U);
    BOOST_TEST(s.deadline().count() == std::chrono::nanoseconds(14s).count());
    BOOST_TEST(s.incarnation() == 7U);
}

BOOST_AUTO_TEST_CASE(awareness_score_is_clamped_and_scales) {
    detail::awareness a(3);
    BOOST_TEST(a.score() == 0U);
    a.apply(-1);
    BOOST_TEST(a.score() == 0U);
    a.apply(1);
    BOOST_TEST(a.scale(500ms).count() == std::chrono::nanoseconds(1s).count());
    a.apply(5);
    BOOST_TEST(a.score() == 2U);
    BOOST_TEST(a.scale(500ms).count() == std::chrono::nanoseconds(1500ms).count());
    a.apply(-1);
    BOOST_TEST(a.score() == 1U);
}

BOOST_AUTO_TEST_CASE(peer_address_parses_both_forms) {
    auto a = peer_address::parse("db-1@10.0.0.1:7946");
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST((*a == peer_address{"10.0.0.1", 7946}));
    auto b = peer_address::parse("Node.Example.COM:80");
    BOOST_TEST_REQUIRE(b.has_value());
    BOOST_TEST((*b == peer_address{"node.example.com", 80}));
    auto c = peer_address::parse("[0:0::1]:7000");
    BOOST_TEST_REQUIRE(c.has_value());
    BOOST_TEST((*c == peer_address{"::1", 7000}));
    BOOST_TEST(peer_address::parse("10.0.0.1").error() == make_error_code(error::node_id_missing_port));
    BOOST_TEST(peer_address::parse("1x@h:1").error() ==
               make_error_code(error::node_name_invalid_start));
    BOOST_TEST(peer_address::parse("h:0").error() == make_error_code(error::port_out_of_range));
}

BOOST_AUTO_TEST_CASE(config_profiles_validate_and_errors_name_the_field) {
    BOOST_TEST(validate(membership_config::lan()).has_value());
    BOOST_TEST(validate(membership_config::wan()).has_value());
    BOOST_TEST(validate(membership_config::local()).has_value());
    BOOST_TEST(membership_config::wan().heartbeat_interval > membership_config::lan().heartbeat_interval);
    BOOST_TEST(membership_config::local().probe_timeout < membership_config::lan().probe_timeout);

    auto field = [](membership_config const& c) { return std::string(validate(c).error().field); };
    membership_config c;
    c.heartbeat_interval = 0s;
    BOOST_TEST(field(c) == "membership_config.heartbeat_interval");
    c = {};
    c.monitored_by = 0;
    BOOST_TEST(field(c) == "membership_config.monitored_by");
    c = {};
    c.failure_detector.threshold = -1;
    BOOST_TEST(field(c) == "phi_accrual_config.threshold");
    c = {};
    c.join_retry_max_interval = 1ms;
    BOOST_TEST(field(c) == "membership_config.join_retry_max_interval");
    c = {};
    c.label = std::string(256, 'x');
    BOOST_TEST(field(c) == "membership_config.label");
    c = {};
    c.suspicion_max_timeout_mult = 0.5;
    BOOST_TEST(field(c) == "membership_config.suspicion_max_timeout_mult");
    c = {};
    c.full_state_answer_addresses = 0;
    BOOST_TEST(field(c) == "membership_config.full_state_answer_addresses");
}

BOOST_AUTO_TEST_CASE(answer_limiter_allows_one_answer_per_address_per_interval) {
    detail::answer_limiter limiter(1s, 3);
    peer_address const a{"127.0.0.1", 7946};
    peer_address const a_other_port{"127.0.0.1", 7947};
    BOOST_TEST(limiter.allow(a, 10s));
    BOOST_TEST(!limiter.allow(a, 10s));
    BOOST_TEST(!limiter.allow(a, 10s + 999ms));
    BOOST_TEST(limiter.allow(a_other_port, 10s));  // host|port is the key
    BOOST_TEST(limiter.allow(a, 11s));
    BOOST_TEST(!limiter.allow(a, 11s + 1ms));
}

BOOST_AUTO_TEST_CASE(answer_limiter_table_never_grows_past_its_capacity) {
    detail::answer_limiter limiter(1s, 3);
    auto addr = [](int i) { return peer_address{"10.0.0." + std::to_string(i), 1}; };
    for (int i = 0; i < 3; ++i) BOOST_TEST(limiter.allow(addr(i), 0s));
    // Full, and every entry younger than the interval: new addresses refused.
    for (int i = 3; i < 1000; ++i) BOOST_TEST(!limiter.allow(addr(i), 500ms));
    BOOST_TEST(limiter.size() == 3U);
    // Once the entries age out, the next sweep (at most one per interval)
    // makes room again.
    BOOST_TEST(limiter.allow(addr(3), 1500ms));
    BOOST_TEST(limiter.size() == 1U);
    BOOST_TEST(limiter.allow(addr(4), 1500ms));
    BOOST_TEST(limiter.allow(addr(5), 1500ms));
    BOOST_TEST(!limiter.allow(addr(6), 1600ms));  // full again, swept < 1 s ago
    BOOST_TEST(limiter.size() == 3U);
}

BOOST_AUTO_TEST_SUITE_END()
