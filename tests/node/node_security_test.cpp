// basic_node with a keyring (issue 12) on memory_network: a cluster with one
// key forms with every message sealed; another key, no key, another label, a
// tampered byte, a replayed or stale message are each refused and counted and
// never join or deliver; a key rotation across a running cluster fails no one;
// a running plaintext cluster upshifts to sealed node by node, no one suspected.
#include "memory_cluster.hpp"

#include <cohort/node.hpp>
#include <cohort/security/secure_channel.hpp>
#include <cohort/wire/binary_codec.hpp>

#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace cohort_node_test;

namespace {

std::vector<std::byte> key_of(unsigned char fill) { return std::vector<std::byte>(32, std::byte{fill}); }
using key_list = std::vector<std::vector<std::byte>>;

// A cluster whose node i gets keys_for(i) (empty: no security) in its own keyring.
struct keyed_cluster {
    std::vector<std::shared_ptr<cohort::keyring>> rings;
    std::function<key_list(std::size_t)> keys_for;
    std::function<void(std::size_t, cohort::node_config&)> extra;
    memory_cluster c{1, [this](cohort::node_config& cfg) {
                         auto const i = rings.size();
                         auto const keys = keys_for(i);
                         rings.push_back(nullptr);
                         if (!keys.empty()) {
                             rings[i] = std::make_shared<cohort::keyring>();
                             for (auto const& k : keys) BOOST_REQUIRE(rings[i]->install(k));
                             cfg.security.keyring = rings[i];
                         }
                         if (extra) extra(i, cfg);
                     }};

    explicit keyed_cluster(decltype(keys_for) f) : keys_for(std::move(f)) {}

    bool sees(std::size_t i, std::string_view name) {
        for (auto const& m : c.at(i).members())
            if (m.id.name() == name) return true;
        return false;
    }

    std::size_t downs(std::size_t i) const {
        return c.count<cohort::node_down>(i, [](auto const&) { return true; });
    }

    // Suspicions (node_unreachable) and downs that nodes `among` reported
    // about one another.
    std::size_t troubles(std::vector<std::size_t> const& among) const {
        auto const ours = [&](cohort::node_id const& id) {
            for (auto j : among)
                if (id.name() == "n" + std::to_string(j)) return true;
            return false;
        };
        std::size_t n = 0;
        for (auto i : among) {
            n += c.count<cohort::node_down>(i, [&](auto const& e) { return ours(e.id); });
            n += c.count<cohort::node_unreachable>(i, [&](auto const& e) { return ours(e.id); });
        }
        return n;
    }

    // Adds a node (keys_for and extra decide its security), starts it and
    // joins it through n0 (bounded by the join timeout); whether it got in
    // (the join succeeded and n0 sees it active). It is stopped afterwards:
    // gracefully if it got in, so that its leave is gossiped.
    bool probe_joins() {
        auto const i = c.add();
        c.start(i);
        std::optional<boost::system::error_code> joined;
        c.at(i).async_join({seed_of(0)}, [&](boost::system::error_code ec) { joined = ec; });
        auto const name = "n" + std::to_string(i);
        auto const in = [&] {
            for (auto const& m : c.at(0).members())
                if (m.id.name() == name && m.state == cohort::node_state::active) return true;
            return false;
        };
        c.run_until([&] { return joined && (*joined || in()); }, 15s);
        bool const got_in = joined && !*joined && in();
        bool stopped = false;
        c.at(i).async_stop(got_in ? cohort::stop_mode::graceful : cohort::stop_mode::abrupt,
                           [&](boost::system::error_code) { stopped = true; });
        BOOST_REQUIRE(c.run_until([&] { return stopped && joined; }, 10s));
        return got_in;
    }
};

void switches_off(std::size_t, cohort::node_config& cfg) {
    cfg.security.verify_incoming = false;
    cfg.security.verify_outgoing = false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(node_security)

BOOST_AUTO_TEST_CASE(a_cluster_with_one_key_forms_and_seals_every_message) {
    keyed_cluster k([](std::size_t) { return key_list{key_of(1)}; });
    auto const ids = k.c.form(3);
    k.c.run_for(3s);
    for (auto i : ids) {
        auto const s = k.c.at(i).counters().security;
        BOOST_TEST(s.sealed > 0u);
        BOOST_TEST(s.opened > 0u);
        BOOST_TEST(s.refused() == 0u, "node " << i);
        BOOST_TEST(s.sent_plaintext == 0u);
    }
    k.c.stop_all();
}

BOOST_AUTO_TEST_CASE(another_key_no_key_or_another_label_never_joins) {
    keyed_cluster k([](std::size_t i) {
        if (i == 3) return key_list{key_of(9)};  // another cluster's key
        if (i == 4) return key_list{};  // plaintext
        return key_list{key_of(1)};
    });
    k.extra = [](std::size_t i, cohort::node_config& cfg) {
        if (i == 5) cfg.membership.label = "other";  // the right key, another cluster label
    };
    auto const ids = k.c.form(3);
    for (std::size_t i = 3; i < 6; ++i) {
        k.c.add();
        k.c.start(i);
        k.c.at(i).async_join({seed_of(0)}, [](boost::system::error_code) {});
    }
    k.c.run_for(20s, 10ms);
    for (auto i : ids)
        for (auto const* name : {"n3", "n4", "n5"}) BOOST_TEST(!k.sees(i, name), i << " sees " << name);
    for (std::size_t i = 3; i < 6; ++i) BOOST_TEST(k.c.active_seen_by(i) == 1u);
    auto const seed = k.c.at(0).counters();
    BOOST_TEST(seed.security.unknown_key > 0u);
    BOOST_TEST(seed.security.plaintext_refused > 0u);
    BOOST_TEST(seed.label_drops > 0u);
    BOOST_TEST(k.c.all_see_active(ids, 3));
    k.c.stop_all();
}

BOOST_AUTO_TEST_CASE(tampered_replayed_stale_and_plaintext_messages_are_refused_by_reason) {
    keyed_cluster k([](std::size_t) { return key_list{key_of(1)}; });
    auto const ids = k.c.form(2);
    std::size_t delivered = 0;
    auto sub = k.c.at(0).subscribe_application([&](cohort::envelope&) { ++delivered; });

    // What n1 would send n0, sealed by an attacker's copy of the channel (a
    // recording of a real message is the same bytes).
    cohort::memory_transport spy(k.c.net, address_of(9));
    cohort::binary_codec codec;
    cohort::secure_channel attacker(cohort::security_config{k.rings[1]});
    auto const make = [&](cohort::hlc_timestamp stamp, bool seal = true) {
        cohort::envelope e;
        e.label = cohort::membership_config::local().label;
        e.sender = k.c.at(1).local_id();
        e.incarnation = 1;
        e.time = stamp;
        e.body = cohort::user_message{"topic", {std::byte{1}, std::byte{2}}};
        std::vector<std::byte> plain, sealed;
        BOOST_REQUIRE(!codec.encode(e, plain));
        if (!seal) return plain;
        BOOST_REQUIRE(!attacker.seal(plain, sealed));
        return sealed;
    };
    auto const send = [&](std::vector<std::byte> const& bytes) {
        spy.async_send_packet(address_of(0), bytes, [](boost::system::error_code) {});
        k.c.run_for(20ms);
    };
    auto const now = [] { return cohort::hlc_timestamp{cohort::system_wall_clock{}.now(), 0}; };
    auto const before = k.c.at(0).counters().security;

    auto const original = make(now());
    send(original);
    BOOST_TEST(delivered == 1u);
    send(original);  // replayed
    auto tampered = make(now());
    tampered[tampered.size() / 2] ^= std::byte{0x10};
    send(tampered);
    send(make({now().wall_ns - 60'000'000'000, 0}));  // recorded a minute ago
    send(make(now(), false));                        // plaintext
    cohort::secure_channel stranger(cohort::security_config{std::make_shared<cohort::keyring>()});
    BOOST_REQUIRE(stranger.config().keyring->install(key_of(7)));
    std::vector<std::byte> other_key;
    BOOST_REQUIRE(!stranger.seal(make(now(), false), other_key));
    send(other_key);

    BOOST_TEST(delivered == 1u);
    auto const after = k.c.at(0).counters().security;
    BOOST_TEST(after.replayed - before.replayed == 1u);
    BOOST_TEST(after.bad_tag - before.bad_tag == 1u);
    BOOST_TEST(after.too_old - before.too_old == 1u);
    BOOST_TEST(after.plaintext_refused - before.plaintext_refused == 1u);
    BOOST_TEST(after.unknown_key - before.unknown_key == 1u);
    BOOST_TEST(k.c.all_see_active(ids, 2));
    spy.close();
    k.c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_rotation_across_a_running_cluster_fails_no_one) {
    keyed_cluster k([](std::size_t) { return key_list{key_of(1)}; });
    auto const ids = k.c.form(5);
    k.c.run_for(2s);
    // install everywhere, then use everywhere one node at a time, then remove
    for (auto i : ids) BOOST_REQUIRE(k.rings[i]->install(key_of(2)));
    k.c.run_for(1s);
    for (auto i : ids) {
        BOOST_REQUIRE(k.rings[i]->use(key_of(2)));
        k.c.run_for(1s);
    }
    for (auto i : ids) {
        BOOST_REQUIRE(k.rings[i]->remove(key_of(1)));
        k.c.run_for(500ms);
    }
    k.c.run_for(5s);
    BOOST_TEST(k.c.all_see_active(ids, 5));
    for (auto i : ids) {
        BOOST_TEST(k.downs(i) == 0u, "node " << i);
        auto const s = k.c.at(i).counters().security;
        BOOST_TEST(s.refused() == 0u, "node " << i);
        BOOST_TEST(k.rings[i]->size() == 1u);
    }
    // a node that kept only the old key cannot come in
    k.keys_for = [](std::size_t) { return key_list{key_of(1)}; };
    auto const late = k.c.add();
    k.c.start(late);
    k.c.at(late).async_join({seed_of(0)}, [](boost::system::error_code) {});
    k.c.run_for(15s, 10ms);
    BOOST_TEST(!k.sees(0, "n5"));
    BOOST_TEST(k.c.at(0).counters().security.unknown_key > 0u);
    k.c.stop_all();
}

// Consul #719: a member partitioned away during install and use holds only
// the old key; while the others still hold it, it must get back in after the
// heal. They answer it in its own primary (secure_channel.hpp, "speaking the
// peer's key"); with the old key removed it is shut out.
BOOST_AUTO_TEST_CASE(a_member_that_missed_a_rotation_gets_back_in_while_the_old_key_is_installed) {
    keyed_cluster k([](std::size_t) { return key_list{key_of(1)}; });
    auto const ids = k.c.form(5);
    std::vector<std::size_t> const rest{0, 1, 2, 3};
    cohort::memory_network::endpoint_set left, right{address_of(4)};
    for (auto i : rest) left.push_back(address_of(i));
    k.c.net.partition(left, right);
    BOOST_REQUIRE(k.c.run_until([&] { return k.c.all_see_active(rest, 4); }, 60s));
    for (auto i : rest) BOOST_REQUIRE(k.rings[i]->install(key_of(2)));
    for (auto i : rest) BOOST_REQUIRE(k.rings[i]->use(key_of(2)));
    k.c.run_for(2s);
    k.c.net.heal();
    BOOST_TEST(k.c.run_until([&] { return k.c.all_see_active(ids, 5); }, 30s));
    BOOST_TEST(k.c.at(0).counters().security.sealed_in_peer_key > 0u);
    // and it stays in; what it could not open came before anyone had heard it
    // since the heal (their first messages went out in the new primary)
    auto const refused_by_4 = k.c.at(4).counters().security.unknown_key;
    k.c.run_for(10s);
    BOOST_TEST(k.c.all_see_active(ids, 5));
    BOOST_TEST(k.c.at(4).counters().security.unknown_key == refused_by_4);
    // the operator installs the new key on it too: everyone converges on key 2
    BOOST_REQUIRE(k.rings[4]->install(key_of(2)));
    BOOST_REQUIRE(k.rings[4]->use(key_of(2)));
    k.c.run_for(3s);
    auto const echoed = k.c.at(0).counters().security.sealed_in_peer_key;
    for (auto i : ids) BOOST_REQUIRE(k.rings[i]->remove(key_of(1)));
    k.c.run_for(5s);
    BOOST_TEST(k.c.all_see_active(ids, 5));
    BOOST_TEST(k.c.at(0).counters().security.sealed_in_peer_key == echoed);
    for (auto i : rest) BOOST_TEST(k.c.at(i).counters().security.unknown_key == 0u, i);
    BOOST_TEST(k.c.at(4).counters().security.unknown_key == refused_by_4);
    k.c.stop_all();
}

// Upshift without downtime (memberlist's GossipVerifyIncoming/Outgoing,
// without its rolling restart per step): a running cluster turns sealing on
// node by node through set_security_verify, and no member is suspected.
BOOST_AUTO_TEST_CASE(a_running_plaintext_cluster_upshifts_node_by_node_without_a_restart) {
    // Every member holds the key with both switches off: the state after the
    // one restart that gives a plaintext node its keyring (a keyring cannot
    // be added to a running node). From here on, no restart. Probes n5..n8
    // join later: n5 and n7 without a key, n6 and n8 with the key but both
    // switches left off (a node that skipped the upshift).
    std::size_t const n = 5;
    keyed_cluster k([](std::size_t i) {
        return i < 5 || i == 6 || i == 8 ? key_list{key_of(1)} : key_list{};
    });
    k.extra = switches_off;
    auto const ids = k.c.form(n);
    k.c.run_for(2s);
    auto const security = [&](std::size_t i) { return k.c.at(i).counters().security; };
    auto const step_ok = [&](std::string_view what) {
        k.c.run_for(1s);
        BOOST_TEST(k.c.all_see_active(ids, n), what);
        BOOST_TEST(k.troubles(ids) == 0u, what);
    };
    for (auto i : ids) {
        BOOST_TEST(!k.c.at(i).security_verifies_incoming());
        BOOST_TEST(!k.c.at(i).security_verifies_outgoing());
        BOOST_TEST(security(i).sent_plaintext > 0u, i);
        BOOST_TEST(security(i).accepted_plaintext > 0u, i);
        BOOST_TEST(security(i).sealed == 0u, i);
    }
    BOOST_TEST(k.probe_joins());  // n5: a plaintext cluster lets a keyless node in
    step_ok("after n5");

    // Step 1: each node seals what it sends; the others open it or, still
    // sending plaintext, are accepted.
    for (auto i : ids) {
        BOOST_REQUIRE(!k.c.at(i).set_security_verify(false, true));
        BOOST_TEST(k.c.at(i).security_verifies_outgoing());
        step_ok("outgoing on up to n" + std::to_string(i));
    }
    std::vector<std::uint64_t> plaintext(n), sealed(n);
    for (auto i : ids) {
        plaintext[i] = security(i).sent_plaintext;
        sealed[i] = security(i).sealed;
    }
    k.c.run_for(2s);
    for (auto i : ids) {
        BOOST_TEST(security(i).sent_plaintext == plaintext[i], i);  // everything sent is sealed
        BOOST_TEST(security(i).sealed > sealed[i], i);
    }

    // Step 2: each node refuses plaintext, the seed last.
    for (auto i = n - 1; i > 0; --i) {
        BOOST_REQUIRE(!k.c.at(i).set_security_verify(true, true));
        step_ok("incoming on down to n" + std::to_string(i));
    }
    // Before the last step, a node with the key that skipped the upshift
    // still gets in through the seed, which accepts its plaintext; the
    // verifying members already refuse it.
    std::uint64_t refused_before = 0;
    for (std::size_t i = 1; i < n; ++i) refused_before += security(i).plaintext_refused;
    BOOST_TEST(k.probe_joins());  // n6
    std::uint64_t refused_after = 0;
    for (std::size_t i = 1; i < n; ++i) refused_after += security(i).plaintext_refused;
    BOOST_TEST(refused_after > refused_before);
    step_ok("after n6");
    BOOST_REQUIRE(!k.c.at(0).set_security_verify(true, true));
    step_ok("incoming on everywhere");

    // Sealed throughout now: nothing plaintext is sent or accepted, and
    // neither a node without the key nor one that skipped the upshift joins.
    for (auto i : ids) {
        plaintext[i] = security(i).sent_plaintext;
        BOOST_TEST(k.c.at(i).security_verifies_incoming());
    }
    auto const accepted_by_seed = security(0).accepted_plaintext;
    auto const refused_by_seed = security(0).plaintext_refused;
    BOOST_TEST(!k.probe_joins());  // n7, without the key
    auto const refused_keyless = security(0).plaintext_refused;
    BOOST_TEST(refused_keyless > refused_by_seed);
    BOOST_TEST(!k.probe_joins());  // n8, with the key, switches off
    BOOST_TEST(security(0).plaintext_refused > refused_keyless);
    BOOST_TEST(security(0).accepted_plaintext == accepted_by_seed);
    for (auto const* name : {"n7", "n8"}) BOOST_TEST(!k.sees(0, name), name);
    step_ok("at the end");
    for (auto i : ids) {
        BOOST_TEST(security(i).sent_plaintext == plaintext[i], i);
        BOOST_TEST(k.c.at(i).counters().frames_for_packets == 0u, i);
    }
    k.c.stop_all();
}

// The core fills gossip packets to its budget; a packet filled while the
// node sent plaintext must still fit once sealing is turned on, so the
// seal's overhead is reserved from the start. A long label makes the
// envelope large enough that a full packet plus the seal overflows the
// transport's budget unless reserved; tag changes of many sizes fill packets.
BOOST_AUTO_TEST_CASE(packets_filled_before_sealing_was_turned_on_still_fit_once_sealed) {
    std::size_t const n = 5;
    keyed_cluster k([](std::size_t) { return key_list{key_of(1)}; });
    k.extra = [](std::size_t i, cohort::node_config& cfg) {
        switches_off(i, cfg);
        cfg.membership.label = std::string(195, 'L');
    };
    auto const ids = k.c.form(n);
    for (auto i : ids) BOOST_REQUIRE(!k.c.at(i).set_security_verify(false, true));
    for (std::size_t round = 0; round < 40; ++round) {
        for (auto i : ids) {
            std::size_t const size = 100 + (round * 37 + i * 101) % 400;
            k.c.at(i).async_set_tags({{"pad", std::string(size, 'x')}},
                                     [](boost::system::error_code ec) { BOOST_TEST(!ec); });
        }
        k.c.run_for(200ms);
    }
    k.c.run_for(2s);
    BOOST_TEST(k.c.all_see_active(ids, n));
    for (auto i : ids) {
        auto const c = k.c.at(i).counters();
        BOOST_TEST(c.security.sent_plaintext > 0u, i);  // from before the switch
        BOOST_TEST(c.security.sealed > 0u, i);
        BOOST_TEST(c.frames_for_packets == 0u, i);
        BOOST_TEST(c.membership.rumors_sent > 0u, i);
    }
    k.c.stop_all();
}

BOOST_AUTO_TEST_CASE(the_switches_need_a_keyring_and_sealing_needs_a_key) {
    // n0 without a keyring, n1 with an empty one (allowed while it sends plaintext)
    std::vector<std::shared_ptr<cohort::keyring>> rings;
    memory_cluster c(1, [&](cohort::node_config& cfg) {
        if (!rings.empty()) {
            cfg.security.keyring = std::make_shared<cohort::keyring>();
            switches_off(0, cfg);
        }
        rings.push_back(cfg.security.keyring);
    });
    auto const ids = c.form(2);
    BOOST_TEST(c.at(0).set_security_verify(false, false) ==
               boost::asio::error::operation_not_supported);
    BOOST_TEST(!c.at(0).security_verifies_outgoing());
    BOOST_TEST(c.at(1).set_security_verify(true, true) == cohort::error::no_primary_key);
    BOOST_TEST(!c.at(1).security_verifies_incoming());  // neither switch moved
    BOOST_TEST(!c.at(1).security_verifies_outgoing());
    c.run_for(2s);
    BOOST_TEST(c.all_see_active(ids, 2));
    BOOST_TEST(c.at(1).counters().security.seal_failures == 0u);
    // with a key it can
    BOOST_REQUIRE(rings[1]->install(key_of(1)));
    BOOST_TEST(!c.at(1).set_security_verify(false, true));
    c.run_for(1s);
    BOOST_TEST(c.at(1).counters().security.sealed > 0u);
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_keyring_without_a_key_is_a_configuration_error) {
    memory_cluster c(1, [](cohort::node_config& cfg) {
        cfg.security.keyring = std::make_shared<cohort::keyring>();
    });
    c.add();
    std::optional<boost::system::error_code> result;
    c.at(0).async_start([&](boost::system::error_code ec) { result = ec; });
    c.run_for(1ms);
    BOOST_REQUIRE(result);
    BOOST_TEST(*result == cohort::error::invalid_config);
}

BOOST_AUTO_TEST_CASE(switches_set_before_the_start_are_what_the_start_checks) {
    // an empty keyring with the default switches is refused (above); turning
    // sealing off first makes it a valid start
    memory_cluster c(1, [](cohort::node_config& cfg) {
        cfg.security.keyring = std::make_shared<cohort::keyring>();
    });
    c.add();
    BOOST_TEST(c.at(0).security_verifies_outgoing());
    BOOST_REQUIRE(!c.at(0).set_security_verify(true, false));
    c.start(0);
    BOOST_TEST(c.at(0).security_verifies_incoming());
    BOOST_TEST(!c.at(0).security_verifies_outgoing());
    c.stop_all();
}

BOOST_AUTO_TEST_SUITE_END()
