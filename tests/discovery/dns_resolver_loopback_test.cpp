// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// dns_seed_resolver against a real dnsmasq on 127.0.0.1 and ::1 (pointed at
// it with the nameserver override): SRV targets with the answer's glue, a
// target without glue and one behind a CNAME looked up, all A and AAAA
// records of a hostname, NXDOMAIN, a name without the record type, a server
// that never answers, cancellation; and getaddrinfo's path with `localhost`
// (from /etc/hosts, no DNS).
#include "dnsmasq_fixture.hpp"

#include <cohort/discovery/dns_seed_resolver.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using cohort::peer_address;
using namespace std::chrono_literals;

std::vector<std::string> records() {
    return {"--srv-host=_cohort._udp.test,n1.test,7001",
            "--srv-host=_cohort._udp.test,n2.test,7002",
            "--host-record=n1.test,127.0.0.11",
            "--host-record=n2.test,127.0.0.12,::1",
            "--host-record=multi.test,127.0.0.21",
            "--host-record=multi.test,127.0.0.22,2001:db8::22",
            // no glue: --address answers are not added to an SRV answer
            "--srv-host=_far._udp.test,far.test,7004",
            "--address=/far.test/127.0.0.31",
            // a target that is an alias
            "--srv-host=_cn._udp.test,alias.test,7005",
            "--cname=alias.test,n1.test"};
}

std::vector<cohort::seed> seeds(std::vector<std::string> const& texts) {
    std::vector<cohort::seed> out;
    for (auto const& t : texts) out.push_back(cohort::seed::parse(t).value());
    return out;
}

std::string show(std::vector<peer_address> const& v) {
    std::ostringstream os;
    for (auto const& a : v) os << a << ' ';
    return os.str();
}

struct lookup_outcome {
    boost::system::error_code ec;
    cohort::seed_lookup lookup;
    bool on_caller_thread = false;
};

// async_resolve on an io_context run by this thread, bounded at 20 s.
lookup_outcome resolve(cohort::dns_seed_resolver_config cfg, std::vector<std::string> const& texts) {
    asio::io_context ctx;
    cohort::dns_seed_resolver r(ctx.get_executor(), cfg);
    std::optional<lookup_outcome> out;
    auto const me = std::this_thread::get_id();
    r.async_resolve(seeds(texts), [&](boost::system::error_code ec, cohort::seed_lookup l) {
        out = lookup_outcome{ec, std::move(l), std::this_thread::get_id() == me};
    });
    ctx.run_for(20s);
    BOOST_REQUIRE_MESSAGE(out, "no completion within 20 s");
    return std::move(*out);
}

cohort::dns_seed_resolver_config at(asio::ip::udp::endpoint server) {
    cohort::dns_seed_resolver_config c;
    c.nameserver = server;
    c.timeout = 1s;
    c.attempts = 1;
    return c;
}

} // namespace

BOOST_AUTO_TEST_SUITE(dns_seed_resolver_on_dnsmasq)

BOOST_AUTO_TEST_CASE(srv_targets_give_their_glue_addresses_and_ports) {
    dnsmasq_test::server dns(records());
    for (auto server : {dns.v4(), dns.v6()}) {
        auto o = resolve(at(server), {"srv:_cohort._udp.test"});
        BOOST_TEST(!o.ec);
        BOOST_TEST(o.on_caller_thread);
        BOOST_TEST(o.lookup.complete());
        std::vector<peer_address> const want{{"127.0.0.11", 7001}, {"127.0.0.12", 7002}, {"::1", 7002}};
        BOOST_TEST(o.lookup.addresses == want, "via " << server << ": " << show(o.lookup.addresses));
    }
}

BOOST_AUTO_TEST_CASE(targets_without_glue_are_looked_up_cnames_followed) {
    dnsmasq_test::server dns(records());
    auto o = resolve(at(dns.v4()), {"srv:_far._udp.test", "srv:_cn._udp.test."});
    BOOST_TEST(!o.ec);
    BOOST_TEST(o.lookup.complete());
    std::vector<peer_address> const want{{"127.0.0.11", 7005}, {"127.0.0.31", 7004}};
    BOOST_TEST(o.lookup.addresses == want, show(o.lookup.addresses));
}

BOOST_AUTO_TEST_CASE(a_hostname_gives_all_its_a_and_aaaa_records) {
    dnsmasq_test::server dns(records());
    auto o = resolve(at(dns.v6()), {"multi.test:7946", "10.9.9.9:1"});
    BOOST_TEST(!o.ec);
    BOOST_TEST(o.lookup.complete());
    std::vector<peer_address> const want{
        {"10.9.9.9", 1}, {"127.0.0.21", 7946}, {"127.0.0.22", 7946}, {"2001:db8::22", 7946}};
    BOOST_TEST(o.lookup.addresses == want, show(o.lookup.addresses));
}

BOOST_AUTO_TEST_CASE(nxdomain_is_its_own_error_and_fails_only_its_seed) {
    dnsmasq_test::server dns(records());
    auto alone = resolve(at(dns.v4()), {"nope.test:7946"});
    BOOST_TEST((alone.ec == cohort::error::dns_name_not_found), alone.ec.message());
    BOOST_TEST(alone.lookup.addresses.empty());
    auto srv = resolve(at(dns.v4()), {"srv:_nope._udp.test"});
    BOOST_TEST((srv.ec == cohort::error::dns_name_not_found), srv.ec.message());

    auto mixed = resolve(at(dns.v4()), {"nope.test:1", "n1.test:7946"});
    BOOST_TEST(!mixed.ec);  // an address was found
    BOOST_TEST((mixed.lookup.addresses == std::vector<peer_address>{{"127.0.0.11", 7946}}));
    BOOST_REQUIRE(mixed.lookup.failures.size() == 1u);
    BOOST_TEST(mixed.lookup.failures[0].seed.host == "nope.test");
    BOOST_TEST((mixed.lookup.failures[0].ec == cohort::error::dns_name_not_found));
    BOOST_TEST(!mixed.lookup.complete());
}

BOOST_AUTO_TEST_CASE(a_name_without_records_of_the_type_is_an_empty_answer) {
    dnsmasq_test::server dns(records());
    auto o = resolve(at(dns.v4()), {"srv:n1.test"});  // an A record, no SRV
    BOOST_TEST(!o.ec);
    BOOST_TEST(o.lookup.complete());
    BOOST_TEST(o.lookup.addresses.empty());
}

BOOST_AUTO_TEST_CASE(no_server_answering_is_lookup_failed) {
    // A socket that reads nothing: every query times out.
    asio::io_context ctx;
    asio::ip::udp::socket silent(ctx, {asio::ip::make_address("127.0.0.1"), 0});
    auto o = resolve(at(silent.local_endpoint()), {"srv:_cohort._udp.test", "n1.test:1"});
    BOOST_TEST((o.ec == cohort::error::dns_lookup_failed), o.ec.message());
    BOOST_TEST(o.lookup.failures.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_lookup_completes_at_once_with_operation_aborted) {
    asio::io_context ctx;
    asio::ip::udp::socket silent(ctx, {asio::ip::make_address("127.0.0.1"), 0});
    std::optional<boost::system::error_code> got;
    int calls = 0;
    {
        auto cfg = at(silent.local_endpoint());
        cfg.timeout = 3s;
        cohort::dns_seed_resolver r(ctx.get_executor(), cfg);
        asio::cancellation_signal cancel;
        r.async_resolve(seeds({"srv:_cohort._udp.test"}),
                        asio::bind_cancellation_slot(
                            cancel.slot(), [&](boost::system::error_code ec, cohort::seed_lookup l) {
                                ++calls;
                                got = ec;
                                BOOST_TEST(l.addresses.empty());
                            }));
        cancel.emit(asio::cancellation_type::terminal);
        // The abort is posted: it runs long before the 3 s query times out.
        for (int i = 0; i < 100 && !got; ++i) ctx.run_one_for(10ms);
        BOOST_REQUIRE(got);
        BOOST_TEST((*got == asio::error::operation_aborted));
    }  // the destructor waits for the query under way
    ctx.restart();
    ctx.poll();  // the discarded result does not call the handler again
    BOOST_TEST(calls == 1);
}

// Without the override a hostname goes through getaddrinfo, so /etc/hosts
// serves `localhost` (no DNS server is asked).
BOOST_AUTO_TEST_CASE(getaddrinfo_resolves_localhost) {
    cohort::dns_seed_resolver_config cfg;
    auto o = resolve(cfg, {"localhost:7946"});
    BOOST_TEST(!o.ec, o.ec.message());
    bool v4 = false;
    for (auto const& a : o.lookup.addresses) {
        BOOST_TEST((a.host == "127.0.0.1" || a.host == "::1"), a.host);
        BOOST_TEST(a.port == 7946);
        v4 = v4 || a.host == "127.0.0.1";
    }
    BOOST_TEST(v4);
}

BOOST_AUTO_TEST_CASE(a_bad_configuration_is_refused) {
    asio::io_context ctx;
    cohort::dns_seed_resolver_config cfg;
    cfg.attempts = 0;
    BOOST_TEST(cohort::validate(cfg).error().field == "dns_seed_resolver_config.attempts");
    BOOST_CHECK_THROW(cohort::dns_seed_resolver(ctx.get_executor(), cfg), boost::system::system_error);
    cfg = {};
    cfg.nameserver = asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    BOOST_TEST(cohort::validate(cfg).error().field == "dns_seed_resolver_config.nameserver");
    cfg = {};
    cfg.timeout = 0ms;
    BOOST_TEST(cohort::validate(cfg).error().field == "dns_seed_resolver_config.timeout");
    cfg = {};
    cfg.max_names = 0;
    BOOST_TEST(cohort::validate(cfg).error().field == "dns_seed_resolver_config.max_names");
}

BOOST_AUTO_TEST_SUITE_END()
