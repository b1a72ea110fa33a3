// cohort::error in boost::system: category, codes, conditions, config_error.
#include <cohort/error.hpp>

#include <boost/system/result.hpp>
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

BOOST_AUTO_TEST_SUITE(error_code)

BOOST_AUTO_TEST_CASE(category_is_named_cohort_and_unique) {
    boost::system::error_code ec = cohort::error::clock_offset_exceeded;
    BOOST_TEST(std::string(ec.category().name()) == "cohort");
    BOOST_TEST((ec.category() == cohort::error_category()));
    BOOST_TEST(ec == cohort::error::clock_offset_exceeded);
    BOOST_TEST(ec != cohort::error::invalid_config);
    BOOST_TEST(static_cast<bool>(ec));
}

BOOST_AUTO_TEST_CASE(every_value_has_its_own_message) {
    std::set<std::string> seen;
    for (int v = static_cast<int>(cohort::error::node_name_empty);
         v <= static_cast<int>(cohort::error::dns_lookup_failed); ++v) {
        auto ec = cohort::make_error_code(static_cast<cohort::error>(v));
        std::string m = ec.message();
        BOOST_TEST(!m.empty());
        BOOST_TEST(m != "unknown cohort error", "value " << v);
        BOOST_TEST(seen.insert(m).second, "duplicate message: " << m);
    }
    BOOST_TEST(cohort::make_error_code(static_cast<cohort::error>(9999)).message() ==
               "unknown cohort error");
}

BOOST_AUTO_TEST_CASE(result_carries_cohort_errors) {
    boost::system::result<int> r = cohort::error::port_out_of_range;
    BOOST_TEST(!r.has_value());
    BOOST_TEST(r.error() == cohort::error::port_out_of_range);
    BOOST_CHECK_THROW(r.value(), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(config_error_names_the_field_when_thrown) {
    boost::system::result<void, cohort::config_error> r =
        cohort::config_error{cohort::error::invalid_config, "x_config.size", "must be positive"};
    BOOST_TEST(r.error().message() == "x_config.size: must be positive");
    try {
        r.value();
        BOOST_FAIL("value() of an error result must throw");
    } catch (boost::system::system_error const& e) {
        BOOST_TEST(e.code() == cohort::error::invalid_config);
        BOOST_TEST(std::string(e.what()).find("x_config.size: must be positive") !=
                   std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
