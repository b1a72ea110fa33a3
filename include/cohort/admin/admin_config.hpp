// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ADMIN_ADMIN_CONFIG_HPP
#define COHORT_ADMIN_ADMIN_CONFIG_HPP

// Configuration of basic_admin_server (admin/admin_server.hpp): where the
// standalone server listens, and the bounds it puts on every client, who is
// assumed hostile.

#include <cohort/error.hpp>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <string_view>

namespace cohort {

/// Configuration of basic_admin_server; every field is checked by validate().
struct admin_config {
    /// Where the standalone server listens (port 0: any free port; see
    /// local_endpoint()). The default is loopback only: the admin server has
    /// no authentication, so a non-loopback address exposes the member list,
    /// addresses and tags to whoever can reach it. Any address is accepted.
    boost::asio::ip::tcp::endpoint listen{boost::asio::ip::address_v4::loopback(), 0};

    /// Largest request head (request line and headers), in bytes (8 KiB, as
    /// most servers). A longer one is answered 431 and the connection
    /// closed. Must be at least 256.
    std::size_t header_limit = 8 * 1024;

    /// Largest request body, in bytes. Every route is a GET, so the default
    /// 0 refuses any body: 413, and the connection closed.
    std::size_t body_limit = 0;

    /// Time a client has to send one complete request, counted from the
    /// first wait for it (so it bounds keep-alive idleness too): a slow
    /// client (slowloris) is disconnected when it runs out (10 s). Must be
    /// greater than zero.
    std::chrono::milliseconds read_timeout{10'000};

    /// Time allowed to write one response (10 s). Must be greater than zero.
    std::chrono::milliseconds write_timeout{10'000};

    /// Connections served at once; one more is accepted and closed at once
    /// (64). Must be at least 1.
    std::size_t max_connections = 64;

    /// Requests served on one keep-alive connection before the server
    /// closes it (100). Must be at least 1.
    std::size_t max_requests_per_connection = 100;

    /// /readyz answers 503 on a minority side (true): when this node reaches
    /// (active or joining) at most half of the members it has not seen leave
    /// (suspected and failed ones count against it), so that a load balancer
    /// sends nothing to the side a split-brain resolver would down (Akka's
    /// keep-majority). On an exact half, the side holding the lowest member
    /// id stays ready. A failed member counts until its tombstone is reaped
    /// (membership_config::reap_interval) or it comes back. false: ready
    /// whatever the rest of the cluster does.
    bool ready_requires_majority = true;
};

/// Checks `cfg`; the error names the field that broke a rule.
inline boost::system::result<void, config_error> validate(admin_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return config_error{error::invalid_config, field, rule};
    };
    using std::chrono::milliseconds;
    if (cfg.header_limit < 256) return fail("admin_config.header_limit", "must be at least 256");
    if (cfg.read_timeout <= milliseconds::zero())
        return fail("admin_config.read_timeout", "must be greater than zero");
    if (cfg.write_timeout <= milliseconds::zero())
        return fail("admin_config.write_timeout", "must be greater than zero");
    if (cfg.max_connections < 1)
        return fail("admin_config.max_connections", "must be at least 1");
    if (cfg.max_requests_per_connection < 1)
        return fail("admin_config.max_requests_per_connection", "must be at least 1");
    return {};
}

} // namespace cohort

#endif // COHORT_ADMIN_ADMIN_CONFIG_HPP
