// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// examples/kv on a memory_network in virtual time: writes land on
// owners(key, 2), any node reads them, a crashed node's keys are read from
// its replicas at once and from the new owners once the view moved, deletes
// reach every copy, and re-replication restores two copies after a failure.

#include "router_harness.hpp"

#include <kv/kv_service.hpp>

#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace cohort_test;
using kv = cohort_kv::kv_service<mem_router>;

namespace {

struct kv_cluster : router_cluster {
    std::vector<std::unique_ptr<kv>> stores;

    void form_kv(std::size_t n) {
        form(n);
        for (std::size_t i = 0; i < n; ++i) stores.push_back(std::make_unique<kv>(router(i)));
    }

    boost::system::error_code put(std::size_t via, std::string const& k, std::string const& v) {
        std::optional<boost::system::error_code> done;
        stores.at(via)->async_put(k, v, [&](boost::system::error_code ec) { done = ec; });
        BOOST_REQUIRE(run_until([&] { return done.has_value(); }, 30s));
        return *done;
    }
    boost::system::error_code del(std::size_t via, std::string const& k) {
        std::optional<boost::system::error_code> done;
        stores.at(via)->async_del(k, [&](boost::system::error_code ec) { done = ec; });
        BOOST_REQUIRE(run_until([&] { return done.has_value(); }, 30s));
        return *done;
    }
    std::pair<boost::system::error_code, std::optional<std::string>> get(std::size_t via,
                                                                         std::string const& k) {
        std::optional<std::pair<boost::system::error_code, std::optional<std::string>>> done;
        stores.at(via)->async_get(k, [&](boost::system::error_code ec,
                                         std::optional<std::string> v) { done.emplace(ec, v); });
        BOOST_REQUIRE(run_until([&] { return done.has_value(); }, 30s));
        return *done;
    }
    std::size_t copies(std::string const& k) {
        std::size_t n = 0;
        for (std::size_t i = 0; i < stores.size(); ++i)
            if (stores[i] && !net.crashed(address_of(i)) && stores[i]->local_get(k)) ++n;
        return n;
    }
};

std::string key(int i) { return "user:" + std::to_string(i); }
std::string value(int i) { return "v" + std::to_string(i * 7); }

} // namespace

BOOST_AUTO_TEST_SUITE(kv_memory)

BOOST_AUTO_TEST_CASE(writes_land_on_two_owners_and_any_node_reads_them) {
    kv_cluster c;
    c.form_kv(4);
    for (int i = 0; i < 40; ++i) BOOST_TEST(!c.put(static_cast<std::size_t>(i) % 4, key(i), value(i)));
    for (int i = 0; i < 40; ++i) {
        auto const owners = c.router(0).owners(key(i), 2);
        BOOST_REQUIRE_EQUAL(owners.size(), 2u);
        for (std::size_t n = 0; n < 4; ++n) {
            bool const is_owner = c.id(n) == owners[0] || c.id(n) == owners[1];
            BOOST_TEST(c.stores[n]->local_get(key(i)).has_value() == is_owner);
        }
        auto const [ec, v] = c.get(static_cast<std::size_t>(i + 1) % 4, key(i));
        BOOST_TEST(!ec);
        BOOST_TEST(v.value_or("<none>") == value(i));
    }
    auto const [ec, missing] = c.get(2, "absent");
    BOOST_TEST(!ec);
    BOOST_TEST(!missing.has_value());

    BOOST_TEST(!c.del(3, key(5)));
    BOOST_TEST(c.copies(key(5)) == 0u);
    BOOST_TEST(!c.get(0, key(5)).second.has_value());
    c.stop_all();
}

BOOST_AUTO_TEST_CASE(a_crashed_nodes_data_survives_on_its_replica) {
    kv_cluster c;
    c.form_kv(3);
    for (int i = 0; i < 30; ++i) BOOST_TEST(!c.put(static_cast<std::size_t>(i) % 3, key(i), value(i)));
    std::vector<int> on_victim;
    for (int i = 0; i < 30; ++i)
        if (c.router(0).owner(key(i)) == c.id(2)) on_victim.push_back(i);
    BOOST_REQUIRE(!on_victim.empty());

    c.net.crash(address_of(2));
    // At once: the view still names r2, the send is refused, the replica answers.
    for (int i = 0; i < 30; ++i) {
        auto const [ec, v] = c.get(0, key(i));
        BOOST_TEST(!ec, key(i) << ": " << ec.message());
        BOOST_TEST(v.value_or("<none>") == value(i));
    }
    // Once the view moved: the old replica owns the key and serves it.
    c.settle(2);
    for (int i : on_victim) {
        BOOST_TEST((c.router(1).owner(key(i)) != c.id(2)));
        auto const [ec, v] = c.get(1, key(i));
        BOOST_TEST(!ec);
        BOOST_TEST(v.value_or("<none>") == value(i));
    }
    // Re-replication: every key is held by both survivors again.
    BOOST_REQUIRE(c.run_until(
        [&] {
            for (int i = 0; i < 30; ++i)
                if (c.copies(key(i)) != 2u) return false;
            return true;
        },
        5s));
    // And writes go on.
    BOOST_TEST(!c.put(0, key(100), value(100)));
    BOOST_TEST(c.copies(key(100)) == 2u);
    c.stop_all();
}

BOOST_AUTO_TEST_SUITE_END()
