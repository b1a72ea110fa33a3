// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DISCOVERY_DNS_SEED_RESOLVER_HPP
#define COHORT_DISCOVERY_DNS_SEED_RESOLVER_HPP

// basic_dns_seed_resolver: turns seeds (seed.hpp: host:port, a hostname,
// srv:NAME) into peer addresses, off the event loop.
//
// Which path does what (detail/glibc_dns.hpp):
//   - a numeric seed is its own address;
//   - a hostname gives all its A and AAAA records through getaddrinfo (so
//     /etc/hosts and nsswitch apply, as for any program on the host);
//   - srv:NAME asks res_nquery for NAME's SRV records (the servers of
//     /etc/resolv.conf); each target's addresses come from the A/AAAA records
//     the server added to the answer, else from a lookup of the target as for
//     a hostname;
//   - with config.nameserver set, every name goes to that server instead, by
//     res_nquery (A and AAAA for hostnames); getaddrinfo, /etc/hosts and
//     resolv.conf are then not used.
// Errors are those of error.hpp's discovery group: dns_name_not_found
// (NXDOMAIN), dns_server_failure, dns_lookup_failed (no server answered),
// dns_too_many_records (a bound below), and the decoder's for a malformed
// answer.
//
// Threads. Lookups block, so they run one at a time on a thread the resolver
// owns; the completion handler runs on its associated executor (the
// resolver's by default), which keeps outstanding work meanwhile. The
// destructor waits for the lookups already asked for (each bounded by
// timeout and attempts); their handlers are then posted as usual.
//
// Cancellation. async_resolve honours its token's cancellation slot (any
// type): it completes at once with operation_aborted; the lookup under way
// finishes on the resolver's thread and is discarded. Emit the signal on the
// completion executor's thread, as for Asio's own operations.

#include <cohort/discovery/detail/glibc_dns.hpp>
#include <cohort/discovery/detail/seed_resolution.hpp>
#include <cohort/discovery/seed.hpp>
#include <cohort/discovery/seed_lookup.hpp>
#include <cohort/error.hpp>
#include <cohort/node_id.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort {

struct dns_seed_resolver_config {
    /// A DNS server (IPv4 or IPv6, with its port) to ask instead of
    /// /etc/resolv.conf's, for every name (see the top of this header).
    /// None by default.
    std::optional<boost::asio::ip::udp::endpoint> nameserver;

    /// How long one try waits for an answer (2 s; the C resolver counts in
    /// whole seconds, so it is rounded up). In 1 ms .. 30 s.
    std::chrono::milliseconds timeout = std::chrono::seconds(2);

    /// Tries per server (2). In 1 .. 5.
    int attempts = 2;

    /// Records kept from one DNS answer (256): a larger answer fails with
    /// dns_too_many_records. At least 1.
    std::size_t max_records = 256;

    /// Names looked up in one async_resolve: hostnames, SRV names and SRV
    /// targets without addresses in the answer (64). At least 1.
    std::size_t max_names = 64;

    /// Addresses one async_resolve returns (1024). At least 1.
    std::size_t max_addresses = 1024;
};

inline boost::system::result<void, config_error> validate(
    dns_seed_resolver_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return config_error{error::invalid_config, field, rule};
    };
    if (cfg.nameserver &&
        (cfg.nameserver->port() == 0 || cfg.nameserver->address().is_unspecified()))
        return fail("dns_seed_resolver_config.nameserver", "must be an address and a port");
    if (cfg.timeout <= std::chrono::milliseconds::zero() || cfg.timeout > std::chrono::seconds(30))
        return fail("dns_seed_resolver_config.timeout", "must be in 1 ms .. 30 s");
    if (cfg.attempts < 1 || cfg.attempts > 5)
        return fail("dns_seed_resolver_config.attempts", "must be in 1 .. 5");
    if (cfg.max_records < 1) return fail("dns_seed_resolver_config.max_records", "must be at least 1");
    if (cfg.max_names < 1) return fail("dns_seed_resolver_config.max_names", "must be at least 1");
    if (cfg.max_addresses < 1)
        return fail("dns_seed_resolver_config.max_addresses", "must be at least 1");
    return {};
}

template <class Executor = boost::asio::any_io_executor>
class basic_dns_seed_resolver {
public:
    using executor_type = Executor;

    /// Throws boost::system::system_error (invalid_config) for a bad
    /// configuration.
    explicit basic_dns_seed_resolver(executor_type ex, dns_seed_resolver_config cfg = {})
        : ex_(std::move(ex)), cfg_(std::move(cfg)) {
        if (auto r = validate(cfg_); !r)
            throw_exception_from_error(r.error(), BOOST_CURRENT_LOCATION);
    }

    basic_dns_seed_resolver(basic_dns_seed_resolver const&) = delete;
    basic_dns_seed_resolver& operator=(basic_dns_seed_resolver const&) = delete;

    ~basic_dns_seed_resolver() { pool_.join(); }

    executor_type get_executor() const noexcept { return ex_; }
    dns_seed_resolver_config const& config() const noexcept { return cfg_; }

    /// Resolves `seeds` (see the top of this header). Completes with every
    /// address found and the seeds that failed; the error is set only when
    /// no address was found and a seed failed (the first failure's).
    /// Signature: void(error_code, seed_lookup).
    template <class Token = boost::asio::default_completion_token_t<executor_type>>
    auto async_resolve(std::vector<seed> seeds, Token&& token = {}) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, seed_lookup)>(
            [this](auto h, std::vector<seed> s) { start(handler_type(std::move(h)), std::move(s)); },
            token, std::move(seeds));
    }

    /// The same lookup, blocking the calling thread.
    seed_lookup resolve(std::span<seed const> seeds) const { return run(cfg_, seeds); }

private:
    using handler_type =
        boost::asio::any_completion_handler<void(boost::system::error_code, seed_lookup)>;

    // One operation: its handler, until it completes (touched on ex_ only).
    struct pending {
        handler_type handler;
    };

    static seed_lookup run(dns_seed_resolver_config const& cfg, std::span<seed const> seeds) {
        detail::glibc_dns dns(cfg.nameserver, cfg.timeout, cfg.attempts, cfg.max_records);
        return detail::resolve_seeds(seeds, dns, cfg.max_names, cfg.max_addresses);
    }

    static void finish(std::shared_ptr<pending> const& p, boost::system::error_code ec,
                       seed_lookup result) {
        if (!p->handler) return;  // cancelled, or completed
        handler_type h;
        h.swap(p->handler);  // not operator=: Boost 1.81 wraps the handler in itself
        auto slot = boost::asio::get_associated_cancellation_slot(h);
        if (slot.is_connected()) slot.clear();
        boost::asio::dispatch(boost::asio::append(std::move(h), ec, std::move(result)));
    }

    void start(handler_type h, std::vector<seed> seeds) {
        auto p = std::make_shared<pending>();
        p->handler.swap(h);
        auto slot = boost::asio::get_associated_cancellation_slot(p->handler);
        if (slot.is_connected())
            slot.assign([p, ex = ex_](boost::asio::cancellation_type) {
                boost::asio::post(ex, [p] {
                    finish(p, make_error_code(boost::asio::error::operation_aborted), {});
                });
            });
        auto work = boost::asio::prefer(ex_, boost::asio::execution::outstanding_work.tracked);
        boost::asio::post(pool_, [p, work = std::move(work), cfg = cfg_,
                                  seeds = std::move(seeds)]() mutable {
            auto result = run(cfg, seeds);
            boost::system::error_code ec;
            if (result.addresses.empty() && !result.failures.empty())
                ec = result.failures.front().ec;
            boost::asio::post(work, [p, ec, result = std::move(result)]() mutable {
                finish(p, ec, std::move(result));
            });
        });
    }

    executor_type ex_;
    dns_seed_resolver_config cfg_;
    boost::asio::thread_pool pool_{1};
};

/// A resolver on any_io_executor.
using dns_seed_resolver = basic_dns_seed_resolver<>;

} // namespace cohort

#endif // COHORT_DISCOVERY_DNS_SEED_RESOLVER_HPP
