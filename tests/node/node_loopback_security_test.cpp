// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// cohort::node with a keyring (issue 12) over real UDP and TCP on 127.0.0.1:
// nodes sharing a key converge with every message sealed; a node with another
// key and a node without one never join, refused by reason; datagrams from a
// raw socket (a replayed, a tampered, a stale, a plaintext one, one of another
// label or another key) are refused by reason and never delivered. The memory
// network versions are node_security_test.cpp. Every wait is bounded in
// rounds of io_context::run_for.
#include <cohort/node.hpp>
#include <cohort/security/secure_channel.hpp>
#include <cohort/wire/binary_codec.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::vector<std::byte> key_of(unsigned char fill) { return std::vector<std::byte>(32, std::byte{fill}); }
using key_list = std::vector<std::vector<std::byte>>;

// Node i gets a keyring holding keys_for(i) (none: no security).
struct sealed_cluster {
    sealed_cluster(std::size_t n, std::function<key_list(std::size_t)> keys_for) {
        for (std::size_t i = 0; i < n; ++i) {
            cohort::udp_tcp_config tc;
            tc.seed = 11 + i;
            transports.push_back(std::make_unique<cohort::udp_tcp_transport>(ctx, tc));
            cohort::node_config cfg;
            cfg.id = cohort::node_id::from_parts("n" + std::to_string(i), "127.0.0.1",
                                                 transports.back()->local_endpoint().port())
                         .value();
            cfg.membership = cohort::membership_config::local();
            cfg.membership.join_timeout = 3s;  // the refused joins end sooner
            cfg.seed = 7 + i;
            rings.push_back(nullptr);
            if (auto const keys = keys_for(i); !keys.empty()) {
                rings.back() = std::make_shared<cohort::keyring>();
                for (auto const& k : keys) BOOST_REQUIRE(rings.back()->install(k));
                cfg.security.keyring = rings.back();
            }
            nodes.push_back(std::make_unique<cohort::node>(*transports.back(), cfg));
        }
    }

    asio::io_context ctx;
    std::vector<std::unique_ptr<cohort::udp_tcp_transport>> transports;
    std::vector<std::shared_ptr<cohort::keyring>> rings;
    std::vector<std::unique_ptr<cohort::node>> nodes;

    template <class Pred>
    bool run_until(Pred pred, int rounds = 150) {
        for (int round = 0; round < rounds && !pred(); ++round) ctx.run_for(100ms);
        return pred();
    }

    bool sees(std::size_t i, std::string_view name) {
        for (auto const& m : nodes[i]->members())
            if (m.id.name() == name) return true;
        return false;
    }

    std::size_t active_seen_by(std::size_t i) {
        std::size_t active = 0;
        for (auto const& m : nodes[i]->members()) active += m.state == cohort::node_state::active;
        return active;
    }

    bool converged(std::size_t among) {
        for (std::size_t i = 0; i < among; ++i)
            if (!nodes[i]->has_view() || active_seen_by(i) != among) return false;
        return true;
    }

    void start_all() {
        std::size_t started = 0;
        for (auto& node : nodes)
            node->async_start([&](boost::system::error_code ec) {
                BOOST_TEST(!ec);
                ++started;
            });
        BOOST_REQUIRE(run_until([&] { return started == nodes.size(); }, 20));
    }

    // Joins nodes [from, to) through n0; the joins' results, once all ended.
    std::vector<std::optional<boost::system::error_code>> join(std::size_t from, std::size_t to) {
        std::vector<std::optional<boost::system::error_code>> joined(to - from);
        auto const seed = cohort::peer_address::of(nodes[0]->local_id());
        for (std::size_t i = from; i < to; ++i)
            nodes[i]->async_join({seed}, [&joined, k = i - from](boost::system::error_code ec) {
                joined[k] = ec;
            });
        BOOST_REQUIRE(run_until([&] {
            for (auto const& j : joined)
                if (!j) return false;
            return true;
        }));
        return joined;
    }

    void stop_all() {
        std::size_t stopped = 0, asked = 0;
        for (auto& node : nodes)
            if (node->status() == cohort::node_status::running) {
                ++asked;
                node->async_stop([&](boost::system::error_code ec) {
                    BOOST_TEST(!ec);
                    ++stopped;
                });
            }
        run_until([&] { return stopped == asked; }, 80);
        BOOST_TEST(stopped == asked);
        for (auto& t : transports) t->close();
        ctx.run_for(100ms);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(node_loopback_security)

BOOST_AUTO_TEST_CASE(one_key_converges_sealed_another_key_or_none_never_joins) {
    sealed_cluster c(5, [](std::size_t i) {
        if (i == 3) return key_list{key_of(9)};  // another cluster's key
        if (i == 4) return key_list{};           // plaintext
        return key_list{key_of(1)};
    });
    c.start_all();
    for (auto const& j : c.join(1, 3)) BOOST_TEST(!*j);
    BOOST_REQUIRE(c.run_until([&] { return c.converged(3); }));

    auto const refused = c.join(3, 5);
    for (auto const& j : refused) BOOST_TEST(*j == cohort::error::join_timeout);
    c.ctx.run_for(1s);  // their retries and probes, if any, would have landed by now
    for (std::size_t i = 0; i < 3; ++i)
        for (auto const* name : {"n3", "n4"}) BOOST_TEST(!c.sees(i, name), i << " sees " << name);
    for (std::size_t i = 3; i < 5; ++i) BOOST_TEST(c.active_seen_by(i) == 1u);
    BOOST_TEST(c.converged(3));

    auto const seed = c.nodes[0]->counters().security;
    BOOST_TEST(seed.unknown_key > 0u);        // n3's
    BOOST_TEST(seed.plaintext_refused > 0u);  // n4's
    BOOST_TEST(seed.bad_tag == 0u);
    for (std::size_t i = 0; i < 3; ++i) {
        auto const s = c.nodes[i]->counters().security;
        BOOST_TEST(s.sealed > 0u, i);
        BOOST_TEST(s.opened > 0u, i);
        BOOST_TEST(s.sent_plaintext == 0u, i);
        BOOST_TEST(s.accepted_plaintext == 0u, i);
    }
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(datagrams_from_a_raw_socket_are_refused_by_reason) {
    sealed_cluster c(2, [](std::size_t) { return key_list{key_of(1)}; });
    c.start_all();
    for (auto const& j : c.join(1, 2)) BOOST_TEST(!*j);
    BOOST_REQUIRE(c.run_until([&] { return c.converged(2); }));
    std::size_t delivered = 0;
    auto sub = c.nodes[0]->subscribe_application([&](cohort::envelope&) { ++delivered; });

    // What n1 would send n0, sealed by an attacker's copy of the key (a
    // recording of a real datagram is the same bytes), sent from a raw socket.
    asio::ip::udp::socket raw(c.ctx, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0));
    auto const to = c.transports[0]->local_endpoint();
    cohort::binary_codec codec;
    auto ring = std::make_shared<cohort::keyring>();
    BOOST_REQUIRE(ring->install(key_of(1)));
    cohort::secure_channel attacker(cohort::security_config{ring});
    auto const label = c.nodes[0]->config().membership.label;
    auto const make = [&](cohort::hlc_timestamp stamp, std::string const& l, bool seal = true) {
        cohort::envelope e;
        e.label = l;
        e.sender = c.nodes[1]->local_id();
        e.incarnation = 1;
        e.time = stamp;
        e.body = cohort::user_message{"topic", {std::byte{1}, std::byte{2}}};
        std::vector<std::byte> plain, sealed;
        BOOST_REQUIRE(!codec.encode(e, plain));
        if (!seal) return plain;
        BOOST_REQUIRE(!attacker.seal(plain, sealed));
        return sealed;
    };
    auto const now = [] { return cohort::hlc_timestamp{cohort::system_wall_clock{}.now(), 0}; };
    // Sends one datagram and waits (bounded) until n0 counted it somewhere.
    auto const seen = [&] {
        auto const k = c.nodes[0]->counters();
        return k.security.refused() + k.label_drops + delivered;
    };
    auto const send = [&](std::vector<std::byte> const& bytes) {
        auto const before = seen();
        raw.send_to(asio::buffer(bytes), to);
        BOOST_TEST(c.run_until([&] { return seen() > before; }, 30));
    };
    auto const before = c.nodes[0]->counters();

    auto const original = make(now(), label);
    send(original);
    BOOST_TEST(delivered == 1u);
    send(original);  // replayed
    auto tampered = make(now(), label);
    tampered[tampered.size() / 2] ^= std::byte{0x10};
    send(tampered);
    send(make(now(), "another cluster"));               // the right key, another label
    send(make({now().wall_ns - 60'000'000'000, 0}, label));  // recorded a minute ago
    send(make(now(), label, false));                     // plaintext
    cohort::secure_channel stranger(cohort::security_config{std::make_shared<cohort::keyring>()});
    BOOST_REQUIRE(stranger.config().keyring->install(key_of(7)));
    std::vector<std::byte> other_key;
    BOOST_REQUIRE(!stranger.seal(make(now(), label, false), other_key));
    send(other_key);

    BOOST_TEST(delivered == 1u);
    auto const after = c.nodes[0]->counters();
    BOOST_TEST(after.security.replayed - before.security.replayed == 1u);
    BOOST_TEST(after.security.bad_tag - before.security.bad_tag == 1u);
    BOOST_TEST(after.label_drops - before.label_drops == 1u);
    BOOST_TEST(after.security.too_old - before.security.too_old == 1u);
    BOOST_TEST(after.security.plaintext_refused - before.security.plaintext_refused == 1u);
    BOOST_TEST(after.security.unknown_key - before.security.unknown_key == 1u);
    BOOST_TEST(c.converged(2));
    raw.close();
    c.stop_all();
}

BOOST_AUTO_TEST_SUITE_END()
