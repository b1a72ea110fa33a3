// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// cohort_example_kv: three nodes on 127.0.0.1 in one process, each with a
// router and the sharded key-value service of kv_service.hpp. It writes keys
// through every node, reads them back through the others, kills one node
// (stops it without a leave, as a crash), and reads every key again: each
// survives on its replica. Exit status 0 when every read matched.
//
//   cohort_example_kv [keys, default 30]

#include "kv_service.hpp"

#include <cohort/node.hpp>
#include <cohort/routing/router.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using kv = cohort_kv::kv_service<cohort::router>;

namespace {

struct member {
    std::unique_ptr<cohort::udp_tcp_transport> transport;
    std::unique_ptr<cohort::node> node;
    std::unique_ptr<cohort::router> router;
    std::unique_ptr<kv> store;
};

asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Waits (bounded) until every live router sees `owners` owners, all with one table.
asio::awaitable<bool> settle(std::vector<member>& ms, std::size_t owners) {
    for (int i = 0; i < 300; ++i) {
        bool ok = true;
        std::optional<std::uint64_t> fp;
        for (auto& m : ms) {
            if (!m.router) continue;
            if (m.router->ownership()->size() != owners) ok = false;
            if (fp && *fp != m.router->fingerprint()) ok = false;
            fp = m.router->fingerprint();
        }
        if (ok) co_return true;
        co_await sleep(100ms);
    }
    co_return false;
}

// Reads every key through node `via`; returns how many matched.
asio::awaitable<int> read_all(kv& store, int keys) {
    int good = 0;
    for (int k = 0; k < keys; ++k) {
        auto [ec, value] = co_await store.async_get("key-" + std::to_string(k),
                                                    asio::as_tuple(asio::use_awaitable));
        if (!ec && value == "value-" + std::to_string(k)) ++good;
    }
    co_return good;
}

int fail(char const* what, std::string const& detail = {}) {
    std::printf("%s %s\n", what, detail.c_str());
    return 1;
}

asio::awaitable<int> demo(std::vector<member>& ms, int keys) {
    for (auto& m : ms) {
        auto [ec] = co_await m.node->async_start(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return fail("start:", ec.message());
    }
    std::vector<cohort::peer_address> seeds;
    seeds.push_back(cohort::peer_address::of(ms[0].node->local_id()));
    for (std::size_t i = 1; i < ms.size(); ++i) {
        auto [ec] = co_await ms[i].node->async_join(seeds, asio::as_tuple(asio::use_awaitable));
        if (ec) co_return fail("join:", ec.message());
    }
    if (!co_await settle(ms, ms.size())) co_return fail("no agreement");
    std::printf("cluster of %zu, ownership fingerprint %016llx\n", ms.size(),
                static_cast<unsigned long long>(ms[0].router->fingerprint()));

    for (int k = 0; k < keys; ++k) {
        auto& via = *ms[static_cast<std::size_t>(k) % ms.size()].store;
        auto [ec] = co_await via.async_put("key-" + std::to_string(k), "value-" + std::to_string(k),
                                           asio::as_tuple(asio::use_awaitable));
        if (ec) co_return fail("put:", ec.message());
    }
    for (std::size_t i = 0; i < ms.size(); ++i)
        std::printf("  %s holds %zu keys\n", std::string(ms[i].node->local_id().name()).c_str(),
                    ms[i].store->local_size());
    int const before = co_await read_all(*ms[1].store, keys);
    std::printf("read through n1: %d/%d\n", before, keys);

    // Kill n2: no leave, its sockets just close.
    auto& victim = ms.back();
    victim.store.reset();
    victim.router.reset();
    co_await victim.node->async_stop(cohort::stop_mode::abrupt,
                                     asio::as_tuple(asio::use_awaitable));
    victim.transport->close();
    std::printf("n2 killed\n");
    int const at_once = co_await read_all(*ms[0].store, keys);
    std::printf("read through n0 at once: %d/%d (replicas answer for n2)\n", at_once, keys);
    if (!co_await settle(ms, ms.size() - 1)) co_return fail("no new agreement");
    int const after = co_await read_all(*ms[0].store, keys);
    std::printf("read through n0 after the view moved: %d/%d\n", after, keys);

    for (auto& m : ms) {
        if (!m.router) continue;
        m.store.reset();
        m.router.reset();
        co_await m.node->async_stop(asio::as_tuple(asio::use_awaitable));
        m.transport->close();
    }
    co_return (before == keys && at_once == keys && after == keys) ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    int const keys = argc > 1 ? std::atoi(argv[1]) : 30;
    asio::io_context ctx;
    std::vector<member> ms(3);
    for (std::size_t i = 0; i < ms.size(); ++i) {
        auto& m = ms[i];
        m.transport = std::make_unique<cohort::udp_tcp_transport>(ctx);
        cohort::node_config cfg;
        cfg.id = cohort::node_id::from_parts("n" + std::to_string(i), "127.0.0.1",
                                             m.transport->local_endpoint().port())
                     .value();
        cfg.membership = cohort::membership_config::local();
        m.node = std::make_unique<cohort::node>(*m.transport, cfg);
        cohort::router_config rc;
        rc.call_timeout = 2s;
        m.router = std::make_unique<cohort::router>(*m.node, rc);
        m.store = std::make_unique<kv>(*m.router);
    }
    int status = 1;
    asio::co_spawn(ctx, demo(ms, keys), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
        ctx.stop();
    });
    ctx.run_for(120s);
    std::printf("%s\n", status == 0 ? "every key survived" : "FAILED");
    return status;
}
