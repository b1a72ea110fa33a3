// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// membership_view (node members -> ring members): the per-state choices,
// weights from a tag; golden fingerprints that catch placement drift across
// compilers and platforms; and the node's router hooks (application
// messages, view listener) over a memory_network in virtual time.

#include "router_harness.hpp"

#include <cohort/node.hpp>
#include <cohort/routing/bounded_partitions.hpp>
#include <cohort/routing/membership_view.hpp>
#include <cohort/routing/ownership.hpp>
#include <cohort/routing/vnode_ring.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

node_id id(char const* text) { return node_id::parse(text).value(); }

node_member make_member(char const* text, node_state s, std::vector<tag> tags = {}) {
    return node_member{id(text), s, 1, std::move(tags), {}, 0.0};
}

std::vector<node_member> mixed_view() {
    return {make_member("a@10.0.0.1:7946", node_state::active),
            make_member("b@10.0.0.2:7946", node_state::unknown),
            make_member("c@10.0.0.3:7946", node_state::joining),
            make_member("d@10.0.0.4:7946", node_state::leaving),
            make_member("e@10.0.0.5:7946", node_state::failed),
            make_member("f@10.0.0.6:7946", node_state::active)};
}

std::vector<std::string> names(std::vector<ring_member> const& v) {
    std::vector<std::string> out;
    for (auto const& m : v) out.emplace_back(m.id.name());
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(membership_view_choices)

BOOST_AUTO_TEST_CASE(active_and_suspected_members_own_keys_by_default) {
    auto const ring = membership_view(mixed_view());
    BOOST_TEST(names(ring) == (std::vector<std::string>{"a", "b", "f"}),
               boost::test_tools::per_element());
    for (auto const& m : ring) BOOST_TEST(m.weight == 1u);
    BOOST_TEST((ring[1].state == node_state::unknown));
}

BOOST_AUTO_TEST_CASE(suspicion_alone_does_not_move_ownership) {
    auto view = mixed_view();
    ring_ownership const before(membership_view(view));
    view[0].state = node_state::unknown;  // a suspected
    view[1].state = node_state::active;   // b refuted
    ring_ownership const after(membership_view(view));
    BOOST_TEST(before.fingerprint() == after.fingerprint());
    for (int i = 0; i < 200; ++i) {
        auto const k = "key" + std::to_string(i);
        BOOST_TEST(before.owner(k) == after.owner(k));
    }
    // The verdict moves it.
    view[0].state = node_state::failed;
    ring_ownership const failed(membership_view(view));
    BOOST_TEST(failed.fingerprint() != before.fingerprint());
}

BOOST_AUTO_TEST_CASE(the_drop_policy_routes_around_suspects_at_once) {
    membership_view_config cfg;
    cfg.suspected = suspected_policy::drop;
    BOOST_TEST(names(membership_view(mixed_view(), cfg)) == (std::vector<std::string>{"a", "f"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(weights_come_from_a_tag_when_asked) {
    std::vector<node_member> view{
        make_member("a@10.0.0.1:1", node_state::active, {{"weight", "3"}}),
        make_member("b@10.0.0.2:1", node_state::active, {{"weight", "0"}}),
        make_member("c@10.0.0.3:1", node_state::active, {{"weight", "x1"}}),
        make_member("d@10.0.0.4:1", node_state::active, {{"weight", "5000"}}),
        make_member("e@10.0.0.5:1", node_state::active, {{"other", "7"}}),
        make_member("f@10.0.0.6:1", node_state::active, {{"weight", ""}})};
    auto const plain = membership_view(view);
    for (auto const& m : plain) BOOST_TEST(m.weight == 1u);

    membership_view_config cfg;
    cfg.weight_tag = "weight";
    cfg.default_weight = 2;
    auto const weighted = membership_view(view, cfg);
    BOOST_REQUIRE_EQUAL(weighted.size(), 6u);
    std::vector<std::uint32_t> w;
    for (auto const& m : weighted) w.push_back(m.weight);
    BOOST_TEST(w == (std::vector<std::uint32_t>{3, 0, 2, 2, 2, 2}), boost::test_tools::per_element());
    // Weight 0 drains: b owns nothing.
    ring_ownership const o(weighted);
    BOOST_TEST(o.size() == 5u);
}

// Placement bytes are specified (vnode_ring.hpp, bounded_partitions.hpp,
// ownership.hpp): any platform, compiler or standard library must produce
// these exact values for this membership. They were checked against an
// independent reimplementation of the canonical form and the ring in Python
// over Debian's libxxhash 0.8.1 (XXH3_64bits), not copied from this code's
// output. A change here breaks mixed-version clusters and must bump the
// fingerprint's format version (v2: points are placed by member name).
BOOST_AUTO_TEST_CASE(golden_fingerprints_and_owners) {
    auto const ring_members = membership_view(mixed_view());  // a, b (suspected), f
    ring_ownership const ring(ring_members);
    BOOST_TEST(ring.fingerprint() == 17093338718858152812ULL);
    BOOST_TEST(ring.owner("user:1").name() == "b");
    BOOST_TEST(ring.owner("user:2").name() == "a");
    BOOST_TEST(ring.owner("user:4").name() == "b");
    BOOST_TEST(ring.owner("user:42").name() == "b");
    basic_ownership<bounded_partitions> const parts(ring_members);
    BOOST_TEST(parts.fingerprint() == 15764849495676434529ULL);
    BOOST_TEST(hash_key("user:42").value == 0x9fc1e605fa7174aaULL);
    // The empty table has a fingerprint too: what a node with no owner sends.
    BOOST_TEST(ring_ownership().fingerprint() == 10121624042251885120ULL);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(node_router_hooks)

BOOST_AUTO_TEST_CASE(application_messages_go_to_the_handler_not_the_core) {
    cohort_test::router_cluster c;
    // Nodes without routers: the test installs the hooks itself.
    for (std::size_t i = 0; i < 2; ++i) {
        c.add();
        c.routers.back().reset();
    }
    std::vector<envelope> got;
    auto app = c.node(1).subscribe_application([&](envelope& e) { got.push_back(std::move(e)); });
    int views = 0;
    auto view = c.node(0).subscribe_view([&] { ++views; });
    auto const v0 = c.node(0).view_version();
    c.start(0);
    c.start(1);
    std::optional<boost::system::error_code> joined;
    c.node(1).async_join({peer_address::of(c.id(0))},
                         [&](boost::system::error_code ec) { joined = ec; });
    BOOST_REQUIRE(c.run_until([&] { return joined && c.node(0).members().size() == 2; }, 10s));
    c.run_for(50ms);
    BOOST_TEST(views >= 1);
    BOOST_TEST(c.node(0).view_version() > v0);
    auto const settled = c.node(0).view_version();
    c.run_for(2s);  // probes and acks move phi and last_heard, not the view
    BOOST_TEST(c.node(0).view_version() == settled);

    std::optional<boost::system::error_code> sent;
    c.node(0).async_send_application(c.id(1), message(user_message{"t", {std::byte{7}}}),
                                     [&](boost::system::error_code ec) { sent = ec; });
    BOOST_REQUIRE(c.run_until([&] { return !got.empty(); }, 1s));
    BOOST_REQUIRE(sent);
    BOOST_TEST(!*sent);
    BOOST_REQUIRE_EQUAL(got.size(), 1u);
    BOOST_TEST(got[0].sender == c.id(0));
    BOOST_TEST(got[0].time.wall_ns > 0u);  // stamped with the HLC
    BOOST_TEST((std::get<user_message>(got[0].body) == user_message{"t", {std::byte{7}}}));
    // Counters are published with the next membership input.
    BOOST_REQUIRE(c.run_until([&] { return c.node(1).counters().messages_in[10] == 1u; }, 3s));
    BOOST_TEST(c.node(1).counters().membership.received[10] == 0u);
    // The message still counted as a heartbeat of its sender.
    for (auto const& m : c.node(1).members())
        if (m.id == c.id(0)) BOOST_TEST(m.last_heard.wall_ns > 0u);

    // As a packet, too.
    c.node(0).async_send_application(c.id(1), message(user_message{"p", {}}), delivery::packet,
                                     [](boost::system::error_code) {});
    BOOST_REQUIRE(c.run_until([&] { return got.size() == 2; }, 1s));
    BOOST_TEST(c.node(0).counters().transport.packets_out > 0u);

    // A host that is no IP address.
    std::optional<boost::system::error_code> unresolved;
    c.node(0).async_send_application(id("x@example.com:1"), message(user_message{}),
                                     [&](boost::system::error_code ec) { unresolved = ec; });
    c.run_for(2ms);
    BOOST_REQUIRE(unresolved);
    BOOST_TEST(*unresolved == error::unresolved_address);

    // Before start: not_started.
    c.add();
    c.routers.back().reset();
    std::optional<boost::system::error_code> early;
    c.node(2).async_send_application(c.id(0), message(user_message{}),
                                     [&](boost::system::error_code ec) { early = ec; });
    c.run_for(2ms);
    BOOST_REQUIRE(early);
    BOOST_TEST(*early == error::not_started);

    // Without a handler the message is dropped, after being counted.
    app.reset();
    BOOST_TEST(!app.active());
    c.node(0).async_send_application(c.id(1), message(user_message{"t", {}}),
                                     [](boost::system::error_code) {});
    BOOST_REQUIRE(c.run_until([&] { return c.node(1).counters().messages_in[10] == 3u; }, 3s));
    BOOST_TEST(got.size() == 2u);
    BOOST_TEST(c.node(1).counters().application_drops == 1u);
    c.stop_all();
}

BOOST_AUTO_TEST_SUITE_END()
