// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// cohort::node over udp_tcp_transport with TLS (udp_tcp_config::tls) on
// 127.0.0.1. Two nodes with certificates from the cluster's CA converge; a
// third with another CA's certificate asks to join and never becomes a
// member: joining is a push-pull frame, and TLS refuses its stream.
//
// What TLS does not cover: packets. A stranger that gossips its own alive
// over UDP is taken in by a TLS-only cluster (probes and acks are packets),
// so the second test shows that, and that node_config::security (sealed
// packets and frames) is what keeps it out there. Every wait is bounded.

#include "../loopback/test_certificates.hpp"

#include <cohort/hlc.hpp>
#include <cohort/node.hpp>
#include <cohort/security/keyring.hpp>
#include <cohort/transport/tls_context.hpp>
#include <cohort/wire/binary_codec.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct authorities {
    cohort_test::test_ca cluster{"cohort node test cluster CA"};
    cohort_test::test_ca other{"another CA"};
};
authorities& cas() {
    static authorities a;
    return a;
}

// Nodes 0 and 1 hold certificates of the cluster's CA; node 2 one of the
// other CA (it trusts the cluster's CA: only the cluster's check refuses
// it). With `sealed`, 0 and 1 also share a key in node_config::security;
// the stranger has none.
struct tls_cluster {
    explicit tls_cluster(bool sealed) {
        std::shared_ptr<cohort::keyring> ring;
        if (sealed) {
            ring = std::make_shared<cohort::keyring>();
            BOOST_REQUIRE(ring->install(std::vector<std::byte>(32, std::byte{7})));
        }
        for (std::size_t i = 0; i < 3; ++i) {
            auto pem = (i < 2 ? cas().cluster : cas().other).issue("n" + std::to_string(i));
            pem.ca = cas().cluster.cert_pem();
            cohort::udp_tcp_config tc;
            tc.seed = 11 + i;
            tc.tls = cohort_test::context_of(pem);
            tc.reconnect_base_delay = 50ms;
            tc.reconnect_max_delay = 200ms;
            transports.push_back(std::make_unique<cohort::udp_tcp_transport>(ctx, tc));
            cohort::node_config cfg;
            cfg.membership = cohort::membership_config::local();
            cfg.membership.push_pull_interval = 500ms; // frames often: a refusal shows soon
            cfg.seed = 7 + i;
            cfg.id = cohort::node_id::from_parts("n" + std::to_string(i), "127.0.0.1",
                                                 transports.back()->local_endpoint().port())
                         .value();
            if (i < 2 && ring)
                cfg.security.keyring = ring;
            nodes.push_back(std::make_unique<cohort::node>(*transports.back(), cfg));
        }
    }

    // A test that fails half-way destroys the nodes first: close the
    // transports before, so no pending receive outlives its node.
    ~tls_cluster() {
        for (auto& t : transports)
            t->close();
    }

    asio::io_context ctx;
    std::vector<std::unique_ptr<cohort::udp_tcp_transport>> transports;
    std::vector<std::unique_ptr<cohort::node>> nodes;

    template <class Pred>
    bool run_until(Pred pred, int rounds = 150) {
        for (int round = 0; round < rounds && !pred(); ++round)
            ctx.run_for(100ms);
        return pred();
    }

    std::size_t active(std::size_t i) const {
        if (!nodes[i]->has_view())
            return 0;
        std::size_t n = 0;
        for (auto const& m : nodes[i]->members())
            n += m.state == cohort::node_state::active;
        return n;
    }

    bool sees(std::size_t i, std::string_view name) const {
        for (auto const& m : nodes[i]->members())
            if (m.id.name() == name)
                return true;
        return false;
    }

    // Starts all three; n1 joins through n0 and the two converge.
    void form_pair() {
        std::size_t started = 0;
        for (auto& node : nodes)
            node->async_start([&](boost::system::error_code ec) {
                BOOST_TEST(!ec);
                ++started;
            });
        std::optional<boost::system::error_code> joined;
        nodes[1]->async_join({seed()}, [&](boost::system::error_code ec) { joined = ec; });
        BOOST_REQUIRE(run_until([&] { return joined && active(0) == 2 && active(1) == 2; }));
        BOOST_TEST(started == 3u);
        BOOST_TEST(!*joined);
    }

    cohort::peer_address seed() const { return cohort::peer_address::of(nodes[0]->local_id()); }

    void stop_all() {
        std::size_t stopped = 0;
        for (auto& node : nodes)
            node->async_stop([&](boost::system::error_code) { ++stopped; });
        run_until([&] { return stopped == nodes.size(); }, 30);
        for (auto& t : transports)
            t->close();
        ctx.run_for(100ms);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(node_tls_loopback)

BOOST_AUTO_TEST_CASE(nodes_of_one_ca_converge_and_a_stranger_never_joins) {
    tls_cluster c(false);
    c.form_pair();
    for (std::size_t i = 0; i < 2; ++i) {
        auto const k = c.nodes[i]->counters();
        BOOST_TEST(k.transport.tls_handshake_failures == 0u);
        BOOST_TEST(k.transport.frames_in > 0u); // the join's push-pull went over TLS
        BOOST_TEST(k.decode_errors == 0u);
    }

    // The stranger asks n0 to join: its push-pull frame is refused in the
    // handshake, so it learns no member and none learns of it.
    std::optional<boost::system::error_code> joined;
    c.nodes[2]->async_join({c.seed()}, [&](boost::system::error_code ec) { joined = ec; });
    auto const refused = [&] {
        return c.nodes[0]->counters().transport.tls_handshake_failures > 0u;
    };
    BOOST_REQUIRE(c.run_until(refused));
    c.run_until([] { return false; }, 30); // 3 s: it would have joined by now
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST(!c.sees(i, "n2"));
        BOOST_TEST(c.active(i) == 2u);
    }
    BOOST_TEST(!c.sees(2, "n0"));
    BOOST_TEST((!joined || joined->failed())); // still trying, or given up
    BOOST_TEST(c.nodes[2]->counters().transport.frames_out == 0u);
    BOOST_TEST(c.nodes[2]->counters().transport.tls_handshake_failures > 0u);
    c.stop_all();
}

namespace {

// What a stranger can send without any stream: one UDP packet from its own
// port announcing itself alive, encoded as any node would (not sealed).
void gossip_self_over_udp(tls_cluster& c) {
    auto const& me = c.nodes[2]->local_id();
    cohort::envelope e;
    e.sender = me;
    e.incarnation = 1;
    cohort::hlc clock;
    e.time = clock.now();
    e.body = cohort::gossip{{cohort::rumor{me, 1, cohort::node_state::active, {}, std::nullopt}}};
    std::vector<std::byte> bytes;
    BOOST_REQUIRE(!cohort::binary_codec{}.encode(e, bytes));
    auto const to = c.transports[0]->local_endpoint();
    bool sent = false;
    c.transports[2]->async_send_packet(to, bytes, [&](boost::system::error_code ec) {
        BOOST_TEST(!ec);
        sent = true;
    });
    BOOST_REQUIRE(c.run_until([&] { return sent; }, 10));
}

} // namespace

BOOST_AUTO_TEST_CASE(packets_are_outside_tls_so_security_keeps_a_gossiping_stranger_out) {
    // TLS alone: the gossiped stranger enters n0's view (over UDP only:
    // its frames are still refused). This is the documented limit, not a
    // wish: if it ever fails, packets got covered and the docs must say so.
    {
        tls_cluster c(false);
        c.form_pair();
        gossip_self_over_udp(c);
        BOOST_TEST(c.run_until([&] { return c.sees(0, "n2"); }, 30));
        BOOST_TEST(c.nodes[2]->counters().transport.frames_out == 0u);
        c.stop_all();
    }
    // TLS and node_config::security: the unsealed packet is refused and the
    // stranger stays out.
    {
        tls_cluster c(true);
        c.form_pair();
        gossip_self_over_udp(c);
        BOOST_REQUIRE(c.run_until([&] {
            return c.nodes[0]->counters().security.plaintext_refused > 0u;
        }, 30));
        c.run_until([] { return false; }, 30); // 3 s
        for (std::size_t i = 0; i < 2; ++i) {
            BOOST_TEST(!c.sees(i, "n2"));
            BOOST_TEST(c.active(i) == 2u);
        }
        c.stop_all();
    }
}

BOOST_AUTO_TEST_SUITE_END()
