// node_state: transition table, illegal moves, precedence, names.
#include <cohort/node_state.hpp>

#include <boost/test/unit_test.hpp>

#include <set>
#include <sstream>
#include <utility>

using cohort::node_state;
using cohort::state_trigger;

namespace {
constexpr node_state all_states[] = {node_state::joining, node_state::active, node_state::leaving,
                                     node_state::failed, node_state::unknown};
constexpr state_trigger all_triggers[] = {
    state_trigger::join_acknowledged, state_trigger::suspicion,
    state_trigger::refutation,        state_trigger::failure_confirmed,
    state_trigger::graceful_leave,    state_trigger::restart};
} // namespace

BOOST_AUTO_TEST_SUITE(node_state_machine)

BOOST_AUTO_TEST_CASE(lifecycle_moves) {
    BOOST_TEST(*cohort::transition(node_state::joining, state_trigger::join_acknowledged) ==
               node_state::active);
    BOOST_TEST(*cohort::transition(node_state::active, state_trigger::suspicion) ==
               node_state::unknown);
    BOOST_TEST(*cohort::transition(node_state::unknown, state_trigger::refutation) ==
               node_state::active);
    BOOST_TEST(*cohort::transition(node_state::unknown, state_trigger::failure_confirmed) ==
               node_state::failed);
    BOOST_TEST(*cohort::transition(node_state::active, state_trigger::graceful_leave) ==
               node_state::leaving);
    BOOST_TEST(*cohort::transition(node_state::failed, state_trigger::restart) ==
               node_state::joining);
    BOOST_TEST(*cohort::transition(node_state::failed, state_trigger::refutation) ==
               node_state::active);
}

BOOST_AUTO_TEST_CASE(illegal_moves_are_errors) {
    // A member that announced its leave is never suspected or reported failed.
    for (auto t : {state_trigger::suspicion, state_trigger::failure_confirmed,
                   state_trigger::refutation, state_trigger::join_acknowledged,
                   state_trigger::graceful_leave}) {
        auto r = cohort::transition(node_state::leaving, t);
        BOOST_TEST(!r.has_value(), "leaving --" << t << "--> must be illegal");
        BOOST_TEST(r.error() == cohort::error::illegal_transition);
    }
    BOOST_TEST(!cohort::transition(node_state::active, state_trigger::join_acknowledged));
    BOOST_TEST(!cohort::transition(node_state::active, state_trigger::refutation));
    BOOST_TEST(!cohort::transition(node_state::failed, state_trigger::suspicion));
    BOOST_TEST(!cohort::transition(node_state::unknown, state_trigger::suspicion));
    BOOST_TEST(!cohort::transition(node_state::joining, state_trigger::refutation));
}

BOOST_AUTO_TEST_CASE(table_is_a_function_and_restart_is_always_legal) {
    std::set<std::pair<node_state, state_trigger>> keys;
    for (auto const& row : cohort::node_state_transitions)
        BOOST_TEST(keys.insert({row.from, row.trigger}).second, "duplicate row " << row.from);
    std::size_t legal = 0;
    for (auto s : all_states) {
        BOOST_TEST(*cohort::transition(s, state_trigger::restart) == node_state::joining);
        for (auto t : all_triggers) legal += cohort::next_state(s, t).has_value();
    }
    BOOST_TEST(legal == cohort::node_state_transitions.size());
}

BOOST_AUTO_TEST_CASE(precedence_order_and_merge) {
    BOOST_TEST(cohort::precedence(node_state::joining) < cohort::precedence(node_state::active));
    BOOST_TEST(cohort::precedence(node_state::active) < cohort::precedence(node_state::unknown));
    BOOST_TEST(cohort::precedence(node_state::unknown) < cohort::precedence(node_state::failed));
    BOOST_TEST(cohort::precedence(node_state::failed) < cohort::precedence(node_state::leaving));
    BOOST_TEST(cohort::merge_at_equal_incarnation(node_state::active, node_state::unknown) ==
               node_state::unknown);
    BOOST_TEST(cohort::merge_at_equal_incarnation(node_state::leaving, node_state::failed) ==
               node_state::leaving);
    for (auto a : all_states)
        for (auto b : all_states)
            BOOST_TEST(cohort::merge_at_equal_incarnation(a, b) ==
                       cohort::merge_at_equal_incarnation(b, a));
}

BOOST_AUTO_TEST_CASE(every_step_up_the_precedence_is_a_legal_transition) {
    // Merging views must never need a move the table forbids.
    for (auto from : all_states) {
        for (auto to : all_states) {
            if (cohort::precedence(to) <= cohort::precedence(from)) continue;
            bool reachable = false;
            for (auto t : all_triggers) reachable |= cohort::next_state(from, t) == to;
            BOOST_TEST(reachable, from << " -> " << to << " has no trigger");
        }
    }
}

BOOST_AUTO_TEST_CASE(names_round_trip) {
    for (auto s : all_states) {
        auto parsed = cohort::parse_node_state(cohort::to_string(s));
        BOOST_REQUIRE(parsed.has_value());
        BOOST_TEST(*parsed == s);
        std::ostringstream os;
        os << s;
        BOOST_TEST(os.str() == cohort::to_string(s));
    }
    BOOST_TEST(cohort::to_string(node_state::unknown) == "unknown");
    BOOST_TEST(cohort::parse_node_state("Active").error() == cohort::error::node_state_unknown_name);
    BOOST_TEST(!cohort::parse_node_state(""));
    BOOST_TEST(cohort::to_string(state_trigger::failure_confirmed) == "failure_confirmed");
}

BOOST_AUTO_TEST_SUITE_END()
