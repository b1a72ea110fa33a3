// The replay check: seen stamps, old stamps, reordering depth, bounded senders.
#include <cohort/security/replay_guard.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

using cohort::hlc_timestamp;
using cohort::replay_verdict;

namespace {
constexpr std::uint64_t second = 1'000'000'000;
constexpr std::uint64_t now = 1'000 * second;
} // namespace

BOOST_AUTO_TEST_SUITE(replay_guard_checks)

BOOST_AUTO_TEST_CASE(a_stamp_is_fresh_once_then_replayed) {
    cohort::replay_guard guard;
    hlc_timestamp const s{now, 3};
    BOOST_TEST((guard.check("a@h:1", s, now) == replay_verdict::fresh));
    BOOST_TEST((guard.check("a@h:1", s, now) == replay_verdict::replayed));
    // the same stamp from another sender is its own
    BOOST_TEST((guard.check("b@h:1", s, now) == replay_verdict::fresh));
    BOOST_TEST((guard.check("a@h:1", hlc_timestamp{now, 4}, now) == replay_verdict::fresh));
}

BOOST_AUTO_TEST_CASE(a_stamp_older_than_the_window_is_too_old) {
    cohort::replay_guard guard({.window = std::chrono::seconds(30)});
    BOOST_TEST((guard.check("a@h:1", {now - 31 * second, 0}, now) == replay_verdict::too_old));
    BOOST_TEST((guard.check("a@h:1", {now - 29 * second, 0}, now) == replay_verdict::fresh));
    BOOST_TEST(guard.senders() == 1u);
}

BOOST_AUTO_TEST_CASE(out_of_order_stamps_within_the_history_are_accepted_once) {
    cohort::replay_guard guard({.history = 8});
    for (std::uint32_t i : {5u, 1u, 7u, 3u, 2u, 8u, 4u, 6u})
        BOOST_TEST((guard.check("a@h:1", {now, i}, now) == replay_verdict::fresh), i);
    for (std::uint32_t i = 1; i <= 8; ++i)
        BOOST_TEST((guard.check("a@h:1", {now, i}, now) == replay_verdict::replayed), i);
}

BOOST_AUTO_TEST_CASE(a_stamp_below_a_full_history_is_too_old) {
    cohort::replay_guard guard({.history = 4});
    for (std::uint32_t i = 10; i < 14; ++i) BOOST_REQUIRE(guard.check("a@h:1", {now, i}, now) == replay_verdict::fresh);
    BOOST_TEST((guard.check("a@h:1", {now, 9}, now) == replay_verdict::too_old));
    BOOST_TEST((guard.check("a@h:1", {now, 14}, now) == replay_verdict::fresh));
    // 10 fell out of the history: it can no longer be told from a replay
    BOOST_TEST((guard.check("a@h:1", {now, 10}, now) == replay_verdict::too_old));
}

BOOST_AUTO_TEST_CASE(the_sender_table_is_bounded_and_forgets_the_least_recent) {
    cohort::replay_guard guard({.max_senders = 16});
    for (int i = 0; i < 1000; ++i) {
        guard.check("s" + std::to_string(i) + "@h:1", {now, 1}, now);
        guard.check("s0@h:1", {now, static_cast<std::uint32_t>(2 + i)}, now);  // keeps s0 recent
        BOOST_REQUIRE(guard.senders() <= 16u);
    }
    // s0 was used last every round, so it was never forgotten
    BOOST_TEST((guard.check("s0@h:1", {now, 1001}, now) == replay_verdict::replayed));
}

BOOST_AUTO_TEST_SUITE_END()
