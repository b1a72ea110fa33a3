// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// How a refutation reaches the nodes that missed it: one membership_protocol
// fed envelopes by hand, its outbox read back.

#include <cohort/membership/protocol.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

using namespace cohort;
using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;

namespace {

node_id id(std::string const& text) { return node_id::parse(text).value(); }

envelope gossip_from(node_id const& sender, std::vector<rumor> rumors) {
    envelope e;
    e.sender = sender;
    e.incarnation = 1;
    e.body = gossip{std::move(rumors)};
    return e;
}

// Rumors about `name` in gossip packets of the outbox sent to `to`.
std::vector<rumor> rumors_to(membership_protocol& p, node_id const& to, std::string_view name) {
    std::vector<rumor> out;
    for (auto const& o : p.outbox()) {
        if (o.to != peer_address::of(to)) continue;
        if (auto const* g = std::get_if<gossip>(&o.body))
            for (auto const& r : g->rumors)
                if (r.member.name() == name) out.push_back(r);
    }
    return out;
}

// Rumors about `name` in any gossip packet of the outbox.
std::vector<rumor> rumors_about(membership_protocol& p, std::string_view name) {
    std::vector<rumor> out;
    for (auto const& o : p.outbox())
        if (auto const* g = std::get_if<gossip>(&o.body))
            for (auto const& r : g->rumors)
                if (r.member.name() == name) out.push_back(r);
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(refutation)

BOOST_AUTO_TEST_CASE(an_accusation_already_refuted_makes_the_member_send_its_refutation_again) {
    auto const a = id("a@127.0.0.1:7001"), b = id("b@127.0.0.1:7002");
    membership_protocol p(membership_config::lan(), a, 10, {}, 1);
    p.start(0s);
    p.on_message(gossip_from(b, {rumor{b, 1, node_state::active, {}, {}}}), 1s);
    BOOST_TEST_REQUIRE(p.find("b") != nullptr);

    // b suspects a: a refutes at 11.
    p.outbox().clear();
    p.on_message(gossip_from(b, {rumor{a, 10, node_state::unknown, {}, b}}), 2s);
    BOOST_TEST(p.incarnation() == 11U);
    BOOST_TEST(p.counters().refutations == 1U);
    // Its refutation spreads until its retransmit limit is spent.
    for (int i = 0; i < 50; ++i) p.on_tick(3s + i * 200ms);
    p.outbox().clear();
    p.on_tick(20s);
    BOOST_TEST(rumors_about(p, "a").empty());

    // The old accusation comes round again: someone missed the refutation.
    p.on_message(gossip_from(b, {rumor{a, 10, node_state::unknown, {}, b}}), 21s);
    BOOST_TEST(p.incarnation() == 11U);  // no new incarnation needed
    BOOST_TEST(p.counters().refutations == 1U);
    BOOST_TEST(p.counters().refutations_resent == 1U);
    // It rides on the next packet to anyone: here the ack to b's ping.
    envelope probe;
    probe.sender = b;
    probe.incarnation = 1;
    probe.body = ping{77, a};
    p.on_message(probe, 22s);
    auto const sent = rumors_to(p, b, "a");
    BOOST_TEST_REQUIRE(!sent.empty());
    BOOST_TEST(sent.front().incarnation == 11U);
    BOOST_TEST((sent.front().state == node_state::active));

    // News about a at its current incarnation or praise is no accusation.
    p.on_message(gossip_from(b, {rumor{a, 10, node_state::active, {}, {}}}), 23s);
    BOOST_TEST(p.counters().refutations_resent == 1U);
}

BOOST_AUTO_TEST_CASE(a_sender_doubting_a_member_at_a_superseded_incarnation_is_corrected) {
    auto const a = id("a@127.0.0.1:7001"), b = id("b@127.0.0.1:7002"),
               c = id("c@127.0.0.1:7003");
    membership_protocol p(membership_config::lan(), a, 1, {}, 1);
    p.start(0s);
    p.on_message(gossip_from(b, {rumor{b, 1, node_state::active, {}, {}},
                                 rumor{c, 5, node_state::active, {}, {}}}),
                 1s);
    BOOST_TEST_REQUIRE(p.find("c") != nullptr);

    p.outbox().clear();
    p.on_message(gossip_from(b, {rumor{c, 3, node_state::unknown, {}, b}}), 2s);
    auto const fix = rumors_to(p, b, "c");
    BOOST_TEST_REQUIRE(fix.size() == 1U);
    BOOST_TEST(fix.front().incarnation == 5U);
    BOOST_TEST((fix.front().state == node_state::active));
    BOOST_TEST(p.counters().corrections_sent == 1U);
    BOOST_TEST((p.find("c")->state == node_state::active));  // and c stays active here

    // A doubt at the current incarnation is a suspicion, not stale news: no correction.
    p.outbox().clear();
    p.on_message(gossip_from(b, {rumor{c, 5, node_state::unknown, {}, b}}), 3s);
    BOOST_TEST(rumors_to(p, b, "c").empty());
    BOOST_TEST(p.counters().corrections_sent == 1U);
    BOOST_TEST((p.find("c")->state == node_state::unknown));
    // And while c is suspected here, an older doubt is not answered either.
    p.on_message(gossip_from(b, {rumor{c, 4, node_state::failed, {}, b}}), 4s);
    BOOST_TEST(p.counters().corrections_sent == 1U);
}

BOOST_AUTO_TEST_CASE(one_correction_packet_is_bounded) {
    auto const a = id("a@127.0.0.1:7001"), b = id("b@127.0.0.1:7002");
    membership_protocol p(membership_config::lan(), a, 1, {}, 1);
    p.start(0s);
    std::vector<rumor> members{rumor{b, 1, node_state::active, {}, {}}};
    std::vector<rumor> doubts;
    for (int i = 0; i < 40; ++i) {
        auto const m = id("m" + std::to_string(i) + "@127.0.0.1:" + std::to_string(8000 + i));
        members.push_back(rumor{m, 9, node_state::active, {}, {}});
        doubts.push_back(rumor{m, 2, node_state::unknown, {}, b});
    }
    p.on_message(gossip_from(b, members), 1s);
    p.outbox().clear();
    p.on_message(gossip_from(b, doubts), 2s);
    std::size_t packets = 0, rumors = 0;
    for (auto const& o : p.outbox())
        if (o.to == peer_address::of(b))
            if (auto const* g = std::get_if<gossip>(&o.body)) {
                ++packets;
                rumors += g->rumors.size();
            }
    BOOST_TEST(packets == 1U);
    BOOST_TEST(rumors > 0U);
    BOOST_TEST(rumors <= 8U);
}

BOOST_AUTO_TEST_SUITE_END()
