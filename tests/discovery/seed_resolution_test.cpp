// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// How seeds become addresses (detail/seed_resolution.hpp) over a scripted DNS
// backend: glue used instead of lookups, targets without glue looked up, the
// name and address bounds, failures per seed, order and duplicates.
#include <cohort/discovery/detail/seed_resolution.hpp>

#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <vector>

namespace {

using cohort::peer_address;
using cohort::detail::dns_answer;

struct scripted_dns {
    std::map<std::string, boost::system::result<dns_answer>> srv_answers;
    std::map<std::string, boost::system::result<std::vector<std::string>>> hosts;
    std::vector<std::string> asked;  // every name, in order

    boost::system::result<dns_answer> srv(std::string const& name) {
        asked.push_back("srv:" + name);
        auto it = srv_answers.find(name);
        if (it == srv_answers.end()) return cohort::error::dns_name_not_found;
        return it->second;
    }
    boost::system::result<std::vector<std::string>> addresses(std::string const& host) {
        asked.push_back(host);
        auto it = hosts.find(host);
        if (it == hosts.end()) return cohort::error::dns_name_not_found;
        return it->second;
    }
};

std::vector<cohort::seed> seeds(std::vector<std::string> const& texts) {
    std::vector<cohort::seed> out;
    for (auto const& t : texts) out.push_back(cohort::seed::parse(t).value());
    return out;
}

dns_answer srv_answer(std::vector<std::pair<std::string, std::uint16_t>> targets,
                      std::vector<std::pair<std::string, std::string>> glue = {}) {
    dns_answer a;
    a.question_type = 33;
    for (auto& [t, p] : targets) a.srv.push_back({0, 0, p, t});
    for (auto& [n, addr] : glue) a.addresses.push_back({n, addr});
    return a;
}

cohort::seed_lookup run(scripted_dns& dns, std::vector<std::string> const& texts,
                        std::size_t max_names = 64, std::size_t max_addresses = 1024) {
    auto const s = seeds(texts);
    return cohort::detail::resolve_seeds(s, dns, max_names, max_addresses);
}

} // namespace

BOOST_AUTO_TEST_SUITE(seed_resolution)

BOOST_AUTO_TEST_CASE(glue_is_used_and_only_unglued_targets_are_looked_up) {
    scripted_dns dns;
    dns.srv_answers["_c._udp.x"] =
        srv_answer({{"a.x", 7001}, {"b.x", 7002}}, {{"a.x", "10.0.0.2"}, {"a.x", "::1"}});
    dns.hosts["b.x"] = std::vector<std::string>{"10.0.0.1"};
    auto l = run(dns, {"srv:_c._udp.x"});
    BOOST_TEST(l.complete());
    BOOST_TEST((l.addresses ==
                std::vector<peer_address>{{"10.0.0.1", 7002}, {"10.0.0.2", 7001}, {"::1", 7001}}));
    BOOST_TEST((dns.asked == std::vector<std::string>{"srv:_c._udp.x", "b.x"}));
}

BOOST_AUTO_TEST_CASE(numeric_seeds_need_no_lookup_and_duplicates_go) {
    scripted_dns dns;
    dns.hosts["h.x"] = std::vector<std::string>{"10.0.0.9", "10.0.0.10"};
    auto l = run(dns, {"10.0.0.10:1", "h.x:1", "[::1]:5"});
    BOOST_TEST(l.complete());
    BOOST_TEST((l.addresses ==
                std::vector<peer_address>{{"10.0.0.9", 1}, {"10.0.0.10", 1}, {"::1", 5}}));
    BOOST_TEST((dns.asked == std::vector<std::string>{"h.x"}));
}

BOOST_AUTO_TEST_CASE(a_failing_seed_or_target_is_reported_and_the_rest_kept) {
    scripted_dns dns;
    dns.srv_answers["_c._udp.x"] = srv_answer({{"gone.x", 7001}});
    dns.hosts["h.x"] = std::vector<std::string>{"10.0.0.1"};
    dns.hosts["down.x"] = cohort::error::dns_lookup_failed;
    auto l = run(dns, {"srv:_c._udp.x", "h.x:2", "down.x:3", "srv:_none._udp.x"});
    BOOST_TEST((l.addresses == std::vector<peer_address>{{"10.0.0.1", 2}}));
    BOOST_REQUIRE(l.failures.size() == 3u);
    BOOST_TEST(l.failures[0].seed.host == "_c._udp.x");
    BOOST_TEST((l.failures[0].ec == cohort::error::dns_name_not_found));  // its target
    BOOST_TEST((l.failures[1].ec == cohort::error::dns_lookup_failed));
    BOOST_TEST((l.failures[2].ec == cohort::error::dns_name_not_found));
}

BOOST_AUTO_TEST_CASE(names_looked_up_are_bounded) {
    scripted_dns dns;
    dns.srv_answers["_c._udp.x"] = srv_answer({{"a.x", 1}, {"b.x", 2}, {"c.x", 3}});
    for (auto h : {"a.x", "b.x", "c.x"}) dns.hosts[h] = std::vector<std::string>{"10.0.0.1"};
    auto l = run(dns, {"srv:_c._udp.x", "a.x:9"}, 3);
    BOOST_TEST(dns.asked.size() == 3u);  // the SRV name, a.x, b.x: then the bound
    BOOST_REQUIRE(l.failures.size() == 2u);
    BOOST_TEST((l.failures[0].ec == cohort::error::dns_too_many_records));
    BOOST_TEST((l.failures[1].ec == cohort::error::dns_too_many_records));
    BOOST_TEST(l.addresses.size() == 2u);
}

BOOST_AUTO_TEST_CASE(addresses_kept_are_bounded) {
    scripted_dns dns;
    std::vector<std::string> many;
    for (int i = 0; i < 50; ++i) many.push_back("10.0.1." + std::to_string(i));
    dns.hosts["big.x"] = many;
    auto l = run(dns, {"big.x:1", "10.0.0.1:1"}, 64, 8);
    BOOST_TEST(l.addresses.size() == 8u);
    BOOST_REQUIRE(l.failures.size() == 2u);  // the one that overflowed, and every later one
    BOOST_TEST((l.failures[0].ec == cohort::error::dns_too_many_records));
    BOOST_TEST((l.failures[1].ec == cohort::error::dns_too_many_records));
}

BOOST_AUTO_TEST_SUITE_END()
