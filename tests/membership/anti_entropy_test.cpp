// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// Anti-entropy by digest: a node sends a view_digest; only a receiver whose
// view differs answers with its full state. Cores fed by hand, outboxes read.

#include <cohort/membership/detail/view_digest.hpp>
#include <cohort/membership/protocol.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

node_id id(std::string const& text) { return node_id::parse(text).value(); }

envelope from(node_id const& sender, message body) {
    envelope e;
    e.sender = sender;
    e.incarnation = 1;
    e.body = std::move(body);
    return e;
}

template <class M>
std::vector<M> sent(membership_protocol& p, node_id const& to) {
    std::vector<M> out;
    for (auto const& o : p.outbox())
        if (o.to == peer_address::of(to))
            if (auto const* m = std::get_if<M>(&o.body)) out.push_back(*m);
    return out;
}

// A core that knows `self` and the members `others` (all active at incarnation 1).
void know(membership_protocol& p, node_id const& sender, std::vector<node_id> const& others) {
    gossip g;
    for (auto const& o : others) g.rumors.push_back(rumor{o, 1, node_state::active, {}, {}});
    p.on_message(from(sender, std::move(g)), 1s);
}

} // namespace

BOOST_AUTO_TEST_SUITE(anti_entropy)

BOOST_AUTO_TEST_CASE(entry_digest_covers_every_field) {
    auto const a = id("a@10.0.0.1:1");
    auto const base = detail::entry_digest(a, 7, node_state::active, {{"dc", "east"}});
    BOOST_TEST(base == detail::entry_digest(a, 7, node_state::active, {{"dc", "east"}}));
    BOOST_TEST(base != detail::entry_digest(id("a@10.0.0.2:1"), 7, node_state::active, {{"dc", "east"}}));
    BOOST_TEST(base != detail::entry_digest(a, 8, node_state::active, {{"dc", "east"}}));
    BOOST_TEST(base != detail::entry_digest(a, 7, node_state::unknown, {{"dc", "east"}}));
    BOOST_TEST(base != detail::entry_digest(a, 7, node_state::active, {{"dc", "west"}}));
    BOOST_TEST(base != detail::entry_digest(a, 7, node_state::active, {{"d", "ceast"}}));
    BOOST_TEST(base != detail::entry_digest(a, 7, node_state::active, {}));
}

BOOST_AUTO_TEST_CASE(the_periodic_exchange_is_a_digest_and_equal_views_answer_nothing) {
    auto const a = id("a@127.0.0.1:7001"), b = id("b@127.0.0.1:7002"),
               c = id("c@127.0.0.1:7003");
    auto cfg = membership_config::lan();
    membership_protocol pa(cfg, a, 1, {}, 1), pb(cfg, b, 1, {}, 2);
    pa.start(0s);
    pb.start(0s);
    know(pa, b, {b, c});
    know(pb, a, {a, c});
    BOOST_TEST_REQUIRE(pa.find("b") != nullptr);

    // a's push-pull timer fires: a digest goes out, not its whole view.
    pa.outbox().clear();
    pa.on_tick(cfg.push_pull_interval + 1s);
    BOOST_TEST(pa.counters().digests_sent == 1U);
    std::vector<view_digest> digests;
    node_id to;
    for (auto const& o : pa.outbox())
        if (auto const* d = std::get_if<view_digest>(&o.body)) {
            digests.push_back(*d);
            BOOST_TEST((o.how == delivery::frame));
        }
    for (auto const& o : pa.outbox()) BOOST_TEST(!std::holds_alternative<push_pull>(o.body));
    BOOST_TEST_REQUIRE(digests.size() == 1U);
    BOOST_TEST(digests[0].members == 3U);

    // b holds the same three members in the same states: nothing to say.
    pb.outbox().clear();
    pb.on_message(from(a, digests[0]), cfg.push_pull_interval + 1s);
    BOOST_TEST(sent<push_pull>(pb, a).empty());
    BOOST_TEST(pb.counters().digest_mismatches == 0U);
}

BOOST_AUTO_TEST_CASE(a_different_view_answers_with_its_full_state_and_both_converge) {
    auto const a = id("a@127.0.0.1:7001"), b = id("b@127.0.0.1:7002"),
               c = id("c@127.0.0.1:7003"), d = id("d@127.0.0.1:7004");
    auto cfg = membership_config::lan();
    membership_protocol pa(cfg, a, 1, {}, 1), pb(cfg, b, 1, {}, 2);
    pa.start(0s);
    pb.start(0s);
    know(pa, b, {b, c});      // a never heard of d,
    know(pb, a, {a, c, d});   // b did (its rumor ran out before reaching a)

    pa.outbox().clear();
    pa.on_tick(cfg.push_pull_interval + 1s);
    view_digest digest;
    for (auto const& o : pa.outbox())
        if (auto const* x = std::get_if<view_digest>(&o.body)) digest = *x;

    pb.outbox().clear();
    auto const t = cfg.push_pull_interval + 1s;
    pb.on_message(from(a, digest), t);
    BOOST_TEST(pb.counters().digest_mismatches == 1U);
    auto const pushes = sent<push_pull>(pb, a);
    BOOST_TEST_REQUIRE(pushes.size() == 1U);

    // The full exchange follows as for any push-pull: a merges b's state and answers.
    pa.outbox().clear();
    pa.on_message(from(b, pushes[0]), t);
    BOOST_TEST_REQUIRE(pa.find("d") != nullptr);
    auto const replies = sent<push_pull_reply>(pa, b);
    BOOST_TEST_REQUIRE(replies.size() == 1U);
    pb.on_message(from(a, replies[0]), t);

    // Now the views agree: a's next digest is answered by nothing.
    pa.outbox().clear();
    pa.on_tick(3 * cfg.push_pull_interval);
    for (auto const& o : pa.outbox())
        if (auto const* x = std::get_if<view_digest>(&o.body)) digest = *x;
    pb.outbox().clear();
    pb.on_message(from(a, digest), 3 * cfg.push_pull_interval);
    BOOST_TEST(sent<push_pull>(pb, a).empty());
}

BOOST_AUTO_TEST_CASE(answers_to_digests_are_rate_limited) {
    auto const a = id("a@127.0.0.1:7001"), b = id("b@127.0.0.1:7002");
    auto cfg = membership_config::lan();
    membership_protocol pb(cfg, b, 1, {}, 2);
    pb.start(0s);
    know(pb, a, {a});
    pb.outbox().clear();
    // A flood of mismatching digests within one eighth of the interval.
    for (int i = 0; i < 1000; ++i)
        pb.on_message(from(a, view_digest{static_cast<std::uint64_t>(i), 1}), 2s + i * 1ms);
    BOOST_TEST(sent<push_pull>(pb, a).size() == 1U);
    BOOST_TEST(pb.counters().digest_mismatches == 1000U);
    // After it, one more.
    pb.on_message(from(a, view_digest{12345, 1}), 2s + cfg.push_pull_interval / 8 + 1ms);
    BOOST_TEST(sent<push_pull>(pb, a).size() == 2U);
}

BOOST_AUTO_TEST_SUITE_END()
