// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// udp_tcp_transport with udp_tcp_config::tls over real sockets on
// 127.0.0.1, with certificates made in the test (test_certificates.hpp):
// nodes of one CA exchange frames both ways; a certificate of another CA, no
// certificate, and a plain peer are refused, their frames fail and nothing of
// theirs is delivered; handshakes are bounded by their timeouts. Every wait
// is bounded (run_until: a predicate or a limit, then the test fails).

#include "test_certificates.hpp"

#include <cohort/transport/tls_context.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using cohort::udp_tcp_config;
using endpoint = asio::ip::udp::endpoint;
using inbound = cohort::basic_inbound<endpoint>;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

template <class Pred>
bool run_until(asio::io_context& ioc, Pred pred, std::chrono::milliseconds limit = 10s) {
    auto const deadline = clock_type::now() + limit;
    while (!pred()) {
        if (clock_type::now() >= deadline)
            return false;
        if (ioc.stopped())
            ioc.restart();
        ioc.run_one_for(5ms);
    }
    return true;
}

// Runs for `d` whatever happens: to show that something does not happen.
void run_for(asio::io_context& ioc, std::chrono::milliseconds d) {
    auto const deadline = clock_type::now() + d;
    while (clock_type::now() < deadline) {
        if (ioc.stopped())
            ioc.restart();
        ioc.run_one_for(5ms);
    }
}

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& b : v) {
        x = x * 1664525u + 1013904223u;
        b = std::byte(x >> 24);
    }
    return v;
}

// Keeps one async_receive pending and stores what arrives.
class collector {
public:
    struct data {
        std::vector<inbound> messages;
    };
    explicit collector(cohort::udp_tcp_transport& t) : t_(t), d_(std::make_shared<data>()) {
        start();
    }
    std::vector<inbound> const& messages() const { return d_->messages; }
    std::size_t size() const { return d_->messages.size(); }

private:
    void start() {
        t_.async_receive([this, d = d_](error_code ec, inbound m) {
            if (ec)
                return;
            d->messages.push_back(std::move(m));
            start();
        });
    }
    cohort::udp_tcp_transport& t_;
    std::shared_ptr<data> d_;
};

struct result {
    bool done = false;
    error_code ec;
};
using result_ptr = std::shared_ptr<result>;

result_ptr send_frame(cohort::udp_tcp_transport& t, endpoint const& to,
                      std::vector<std::byte> const& b) {
    auto r = std::make_shared<result>();
    t.async_send_frame(to, b, [r](error_code ec) {
        r->done = true;
        r->ec = ec;
    });
    return r;
}

bool all_done(std::vector<result_ptr> const& rs) {
    return std::all_of(rs.begin(), rs.end(), [](auto const& r) { return r->done; });
}

udp_tcp_config tls_config(std::shared_ptr<asio::ssl::context> ctx) {
    udp_tcp_config cfg;
    cfg.tls = std::move(ctx);
    cfg.reconnect_base_delay = 20ms;
    cfg.reconnect_max_delay = 100ms;
    return cfg;
}

// The cluster's CA and a stranger's. Made once: key generation is the
// slow part of these tests.
struct authorities {
    cohort_test::test_ca cluster{"cohort test cluster CA"};
    cohort_test::test_ca other{"another CA"};
};
authorities& cas() {
    static authorities a;
    return a;
}

// A stranger's context: its certificate is from the other CA, yet it
// trusts the cluster's CA, so that only the cluster side's check can refuse.
std::shared_ptr<asio::ssl::context> stranger_context() {
    auto pem = cas().other.issue("stranger");
    pem.ca = cas().cluster.cert_pem();
    return cohort_test::context_of(pem);
}

// A frame from `from` to `to` fails, and `to` delivers nothing, however
// long `from` keeps trying (through its reconnects).
void refused(asio::io_context& ioc, cohort::udp_tcp_transport& from,
             cohort::udp_tcp_transport& to, collector const& to_inbox) {
    for (unsigned attempt = 0; attempt < 3; ++attempt) {
        auto const r = send_frame(from, to.local_endpoint(), pattern(100, attempt));
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return r->done; }));
        BOOST_TEST(r->ec.failed());
        BOOST_TEST_MESSAGE("refused frame completed with: " << r->ec.message());
    }
    run_for(ioc, 200ms); // anything in flight would arrive now
    BOOST_TEST(to_inbox.size() == 0u);
    BOOST_TEST(to.counters().frames_in == 0u);
    BOOST_TEST(from.counters().frames_out == 0u);
    BOOST_TEST(from.counters().connects == 0u); // never established
}

} // namespace

BOOST_AUTO_TEST_SUITE(udp_tcp_tls)

BOOST_AUTO_TEST_CASE(tls_context_from_pem_and_files_and_its_errors) {
    auto pem = cas().cluster.issue("n0");
    BOOST_TEST(cohort::make_cluster_tls_context(pem).has_value());

    auto bad = pem;
    bad.ca = "not a certificate";
    BOOST_TEST(cohort::make_cluster_tls_context(bad).has_error());
    bad = pem;
    bad.ca.clear(); // trusting nothing is a mistake, not a configuration
    BOOST_TEST(cohort::make_cluster_tls_context(bad).has_error());
    bad = pem;
    bad.private_key = cas().cluster.issue("n1").private_key; // not this certificate's key
    BOOST_TEST(cohort::make_cluster_tls_context(bad).has_error());

    auto const dir = std::filesystem::temp_directory_path() /
                     ("cohort_tls_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto const write = [&](char const* name, std::string const& text) {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    };
    auto const ca = write("ca.pem", pem.ca);
    auto const chain = write("node.pem", pem.cert_chain);
    auto const key = write("node.key", pem.private_key);
    BOOST_TEST(cohort::make_cluster_tls_context(ca, chain, key).has_value());
    BOOST_TEST(cohort::make_cluster_tls_context((dir / "missing.pem").string(), chain, key)
                   .has_error());
    BOOST_TEST(cohort::make_cluster_tls_context(ca, chain, ca).has_error()); // no key there
    std::filesystem::remove_all(dir);

    // The default is plain TCP.
    BOOST_TEST(!udp_tcp_config{}.tls);
}

BOOST_AUTO_TEST_CASE(nodes_of_one_ca_exchange_frames_both_ways) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, tls_config(cohort_test::context_of(cas().cluster.issue("a"))));
    cohort::udp_tcp_transport b(ioc, tls_config(cohort_test::context_of(cas().cluster.issue("b"))));
    collector ra(a);
    collector rb(b);

    // Request and reply: the reply rides the connection a opened.
    for (unsigned i = 0; i < 20; ++i) {
        auto const ask = send_frame(a, b.local_endpoint(), pattern(20 + i, i));
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return rb.size() == i + 1 && ask->done; }));
        BOOST_TEST(!ask->ec);
        BOOST_TEST(rb.messages()[i].from == a.local_endpoint());
        BOOST_TEST((rb.messages()[i].bytes == pattern(20 + i, i)));
        auto const answer = send_frame(b, rb.messages()[i].from, pattern(30, 1000 + i));
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ra.size() == i + 1 && answer->done; }));
        BOOST_TEST(!answer->ec);
        BOOST_TEST(ra.messages()[i].from == b.local_endpoint());
        BOOST_TEST((ra.messages()[i].bytes == pattern(30, 1000 + i)));
    }
    // Bursts both ways: batches of up to 64 frames over TLS records, in
    // order, with frames larger than a record among them.
    std::vector<result_ptr> burst;
    for (unsigned i = 0; i < 300; ++i) {
        std::size_t const size = i % 50 == 0 ? 100'000 + i : 10 + i;
        burst.push_back(send_frame(b, a.local_endpoint(), pattern(size, i)));
        burst.push_back(send_frame(a, b.local_endpoint(), pattern(size, 7 * i)));
    }
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return all_done(burst); }));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ra.size() == 320 && rb.size() == 320; }));
    for (auto const& r : burst)
        BOOST_TEST(!r->ec);
    for (unsigned i = 0; i < 300; ++i) {
        std::size_t const size = i % 50 == 0 ? 100'000 + i : 10 + i;
        BOOST_TEST((ra.messages()[20 + i].bytes == pattern(size, i)));
        BOOST_TEST((rb.messages()[20 + i].bytes == pattern(size, 7 * i)));
    }
    BOOST_TEST(a.counters().connects == 1u);
    BOOST_TEST(b.counters().connects == 0u); // b answered on a's connection
    BOOST_TEST(b.counters().accepts == 1u);
    BOOST_TEST(a.counters().tls_handshake_failures == 0u);
    BOOST_TEST(b.counters().tls_handshake_failures == 0u);
    BOOST_TEST(a.counters().drops_closed == 0u);

    // Closing does not wait for the peer: b sees the connection go.
    a.close();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return b.counters().disconnects == 1u; }));
}

BOOST_AUTO_TEST_CASE(a_certificate_from_another_ca_is_refused) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, tls_config(cohort_test::context_of(cas().cluster.issue("a"))));
    cohort::udp_tcp_transport b(ioc, tls_config(cohort_test::context_of(cas().cluster.issue("b"))));
    cohort::udp_tcp_transport s(ioc, tls_config(stranger_context()));
    collector ra(a);
    collector rs(s);

    // The stranger opens: a refuses its certificate.
    refused(ioc, s, a, ra);
    BOOST_TEST(a.counters().tls_handshake_failures >= 1u);
    BOOST_TEST(s.counters().tls_handshake_failures >= 1u);
    BOOST_TEST(s.counters().connect_failures == 0u); // TCP itself connected

    // a opens to the stranger: a refuses the server certificate.
    auto const before = a.counters().tls_handshake_failures;
    refused(ioc, a, s, rs);
    BOOST_TEST(a.counters().tls_handshake_failures > before);

    // a carries on with the cluster.
    collector rb(b);
    auto const ok = send_frame(a, b.local_endpoint(), pattern(10, 1));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ok->done && rb.size() == 1; }));
    BOOST_TEST(!ok->ec);
}

BOOST_AUTO_TEST_CASE(a_peer_without_a_certificate_is_refused) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, tls_config(cohort_test::context_of(cas().cluster.issue("a"))));
    // Trusts the cluster's CA, presents nothing.
    auto bare = std::make_shared<asio::ssl::context>(asio::ssl::context::tls);
    bare->set_verify_mode(asio::ssl::verify_peer);
    bare->add_certificate_authority(asio::buffer(cas().cluster.cert_pem()));
    cohort::udp_tcp_transport n(ioc, tls_config(bare));
    collector ra(a);
    refused(ioc, n, a, ra);
    BOOST_TEST(a.counters().tls_handshake_failures >= 1u);
    BOOST_TEST(n.counters().tls_handshake_failures >= 1u);
}

BOOST_AUTO_TEST_CASE(plain_and_tls_peers_refuse_each_other) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, tls_config(cohort_test::context_of(cas().cluster.issue("a"))));
    udp_tcp_config plain_cfg;
    plain_cfg.reconnect_base_delay = 20ms;
    plain_cfg.reconnect_max_delay = 100ms;
    cohort::udp_tcp_transport p(ioc, plain_cfg);
    collector ra(a);
    collector rp(p);

    // Plain to TLS: a's handshake reads a hello, not a ClientHello. p's
    // frames may be taken by its kernel before a closes (plain TCP has no
    // answer to wait for), but a delivers nothing.
    for (unsigned i = 0; i < 3; ++i) {
        auto const r = send_frame(p, a.local_endpoint(), pattern(100, i));
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return r->done; }));
    }
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return a.counters().tls_handshake_failures >= 1u; }));
    run_for(ioc, 200ms);
    BOOST_TEST(ra.size() == 0u);
    BOOST_TEST(a.counters().frames_in == 0u);

    // TLS to plain: p reads a ClientHello where a hello belongs and drops it.
    auto const before = a.counters().tls_handshake_failures;
    refused(ioc, a, p, rp);
    BOOST_TEST(a.counters().tls_handshake_failures > before);
    BOOST_TEST(p.counters().decode_errors >= 1u);

    BOOST_TEST(a.is_open());
    BOOST_TEST(p.is_open());
}

BOOST_AUTO_TEST_CASE(handshakes_are_bounded_by_the_timeouts) {
    asio::io_context ioc;
    auto cfg = tls_config(cohort_test::context_of(cas().cluster.issue("a")));
    cfg.read_timeout = 150ms;
    cfg.connect_timeout = 150ms;
    cohort::udp_tcp_transport a(ioc, cfg);

    // Inbound: a client that connects and never says anything is closed
    // after read_timeout.
    asio::ip::tcp::socket silent(ioc);
    silent.connect(asio::ip::tcp::endpoint(a.local_endpoint().address(), a.local_endpoint().port()));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return a.counters().tls_handshake_failures == 1u; }));
    BOOST_TEST(a.counters().disconnects == 1u);

    // Outbound: a listener that accepts and never answers the ClientHello
    // fails the frame with connect_timeout.
    asio::ip::tcp::acceptor mute(ioc, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    asio::ip::tcp::socket held(ioc);
    mute.async_accept(held, [](error_code) {});
    auto const r = send_frame(a, endpoint(asio::ip::address_v4::loopback(),
                                          mute.local_endpoint().port()),
                              pattern(10, 0));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return r->done; }));
    BOOST_TEST((r->ec == cohort::error::connect_timeout));
    BOOST_TEST(a.counters().tls_handshake_failures == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
