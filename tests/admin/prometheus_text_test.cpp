// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The text exposition writer and the fixed-bucket histogram: exact output for
// escaping, numbers and a histogram's cumulative buckets; observe() from
// several threads loses no count.
#include <cohort/histogram.hpp>
#include <cohort/admin/prometheus_text.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

BOOST_AUTO_TEST_SUITE(prometheus_text)

BOOST_AUTO_TEST_CASE(counter_family_is_help_type_then_sample) {
    std::string out;
    cohort::prometheus_writer w(out);
    w.counter("cohort_x_total", "Things done.", 42);
    BOOST_TEST(out == "# HELP cohort_x_total Things done.\n"
                      "# TYPE cohort_x_total counter\n"
                      "cohort_x_total 42\n");
}

BOOST_AUTO_TEST_CASE(label_values_escape_backslash_quote_and_newline) {
    std::string out;
    cohort::prometheus_writer w(out);
    w.sample("m", {{"a", "x\\y\"z\nw"}, {"b", "plain"}}, std::uint64_t{1});
    BOOST_TEST(out == "m{a=\"x\\\\y\\\"z\\nw\",b=\"plain\"} 1\n");
}

BOOST_AUTO_TEST_CASE(help_escapes_backslash_and_newline_but_keeps_quotes) {
    std::string out;
    cohort::prometheus_writer w(out);
    w.family("g", cohort::metric_type::gauge, "a \"quoted\" C:\\path\nsecond line");
    BOOST_TEST(out == "# HELP g a \"quoted\" C:\\\\path\\nsecond line\n# TYPE g gauge\n");
}

BOOST_AUTO_TEST_CASE(numbers_exact_integers_shortest_doubles_and_specials) {
    std::string out;
    cohort::prometheus_writer w(out);
    w.sample("a", std::numeric_limits<std::uint64_t>::max());
    w.sample("b", 0.1);
    w.sample("c", 2.5e-7);
    w.sample("d", std::numeric_limits<double>::infinity());
    w.sample("e", -std::numeric_limits<double>::infinity());
    w.sample("f", std::numeric_limits<double>::quiet_NaN());
    w.sample("g", 3.0);
    BOOST_TEST(out == "a 18446744073709551615\nb 0.1\nc 2.5e-07\nd +Inf\ne -Inf\nf NaN\ng 3\n");
}

BOOST_AUTO_TEST_CASE(names_are_checked) {
    BOOST_TEST(cohort::is_metric_name("cohort_members"));
    BOOST_TEST(cohort::is_metric_name("a:b_c9"));
    BOOST_TEST(!cohort::is_metric_name("9a"));
    BOOST_TEST(!cohort::is_metric_name("a-b"));
    BOOST_TEST(!cohort::is_metric_name(""));
    BOOST_TEST(cohort::is_label_name("state"));
    BOOST_TEST(!cohort::is_label_name("__name__"));
    BOOST_TEST(!cohort::is_label_name("a:b"));
}

BOOST_AUTO_TEST_CASE(histogram_buckets_are_cumulative_and_end_with_inf) {
    cohort::fixed_histogram h{0.1, 1.0};
    for (double v : {0.05, 0.1, 0.5, 5.0}) h.observe(v);  // 0.1 lands in le="0.1": inclusive
    h.observe(std::numeric_limits<double>::quiet_NaN());  // not counted
    auto const s = h.snapshot();
    BOOST_TEST(s.count() == 4u);
    std::string out;
    cohort::prometheus_writer w(out);
    w.histogram("cohort_t_seconds", "Times.", s);
    BOOST_TEST(out == "# HELP cohort_t_seconds Times.\n"
                      "# TYPE cohort_t_seconds histogram\n"
                      "cohort_t_seconds_bucket{le=\"0.1\"} 2\n"
                      "cohort_t_seconds_bucket{le=\"1\"} 3\n"
                      "cohort_t_seconds_bucket{le=\"+Inf\"} 4\n"
                      "cohort_t_seconds_sum 5.65\n"
                      "cohort_t_seconds_count 4\n");
}

BOOST_AUTO_TEST_CASE(histogram_labels_come_before_le) {
    cohort::fixed_histogram h{1.0};
    h.observe(2.0);
    std::string out;
    cohort::prometheus_writer w(out);
    w.histogram_samples("h", {{"route", "/x"}}, h.snapshot());
    BOOST_TEST(out == "h_bucket{route=\"/x\",le=\"1\"} 0\n"
                      "h_bucket{route=\"/x\",le=\"+Inf\"} 1\n"
                      "h_sum{route=\"/x\"} 2\n"
                      "h_count{route=\"/x\"} 1\n");
}

BOOST_AUTO_TEST_CASE(an_empty_histogram_counts_zero_everywhere) {
    cohort::fixed_histogram h(cohort::fixed_histogram::latency_bounds());
    auto const s = h.snapshot();
    BOOST_TEST(s.buckets.size() == s.bounds.size() + 1);
    BOOST_TEST(s.count() == 0u);
    BOOST_TEST(s.sum == 0.0);
}

BOOST_AUTO_TEST_CASE(observe_from_four_threads_loses_nothing) {
    cohort::fixed_histogram h{1.0, 2.0, 3.0};
    constexpr int per_thread = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&h, t] {
            for (int i = 0; i < per_thread; ++i) h.observe(0.5 + t);  // one bucket per thread
        });
    for (auto& t : threads) t.join();
    auto const s = h.snapshot();
    BOOST_TEST(s.count() == 4u * per_thread);
    for (std::size_t b = 0; b < 4; ++b) BOOST_TEST(s.buckets[b] == std::uint64_t{per_thread});
    // sums of halves are exact in binary floating point
    BOOST_TEST(s.sum == per_thread * (0.5 + 1.5 + 2.5 + 3.5));
}

BOOST_AUTO_TEST_SUITE_END()
