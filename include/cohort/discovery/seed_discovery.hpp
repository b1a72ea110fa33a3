// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DISCOVERY_SEED_DISCOVERY_HPP
#define COHORT_DISCOVERY_SEED_DISCOVERY_HPP

// basic_seed_discovery: bootstraps and heals a basic_node from seeds that are
// looked up again and again (a Kubernetes headless service, SRV records),
// after Akka's Cluster Bootstrap. It drives seed_bootstrap (bootstrap.hpp):
//   - looks the seeds up through the Resolver every lookup_interval until the
//     node is in a cluster of more than one, then every heal_interval;
//   - hands each answer to seed_bootstrap, with the node's members that are
//     not failed or leaving; a lookup in which any seed failed counts as a
//     failed lookup (the answer is not trusted: the wait starts again);
//   - does what it decides: form (nothing to do: a started node is a cluster
//     of one), or join the contacts (node.async_join, one attempt), and
//     reports the join's outcome back.
// Contacts of the other address family than the node's own (an IPv6 address
// for a node on IPv4) are dropped: the node could not reach them, and a
// dual-stack name would otherwise list every peer twice.
//
// Resolver: anything with
//   async_resolve(std::vector<seed>, handler)   handler: void(error_code, seed_lookup)
// such as dns_seed_resolver; tests script one. It must outlive the discovery.
//
// Time. Lookups are due on the node's monotonic time (monotonic_now()); a
// steady_clock timer on the node's executor wakes the discovery, or, on a
// manual-time memory_network (no timer sees virtual time move), poll_time()
// after advancing it, as for the node.
//
// Threading. start(), stop(), poll_time(), the accessors and destruction on
// the node's executor. stop() (and the destructor) cancels the lookup and the
// join under way; their late completions find nothing to do. The discovery
// must be stopped or destroyed before the node.

#include <cohort/detail/host_syntax.hpp>
#include <cohort/discovery/bootstrap.hpp>
#include <cohort/discovery/seed.hpp>
#include <cohort/discovery/seed_lookup.hpp>
#include <cohort/error.hpp>
#include <cohort/membership/member.hpp>
#include <cohort/node/config.hpp>
#include <cohort/node_state.hpp>
#include <cohort/routing/detail/virtual_time.hpp>
#include <cohort/transport/memory_network.hpp>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <boost/throw_exception.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace cohort {

struct seed_discovery_counters {
    std::uint64_t lookups = 0;         ///< lookups completed
    std::uint64_t lookups_failed = 0;  ///< of which a seed failed (answer not trusted)
    std::uint64_t formed = 0;          ///< times this node formed the cluster
    std::uint64_t joins = 0;           ///< joins started (bootstrap and heal)
    std::uint64_t joins_failed = 0;    ///< of which failed
};

/// What the discovery did, for logs (basic_seed_discovery::set_listener).
struct seed_discovery_event {
    enum class kind {
        lookup_failed,  ///< `failures`: the seeds that did not resolve
        formed,         ///< this node is the lowest contact: it forms the cluster
        joining,        ///< a join through `contacts` started
        joined,         ///< that join succeeded
        join_failed,    ///< that join failed with `ec`
    };
    kind what = kind::lookup_failed;
    std::vector<peer_address> contacts;
    std::vector<seed_failure> failures;
    boost::system::error_code ec;
};

template <class Node, class Resolver>
class basic_seed_discovery {
public:
    using node_type = Node;
    using resolver_type = Resolver;
    using executor_type = typename Node::executor_type;
    using listener = std::function<void(seed_discovery_event const&)>;

    /// Throws boost::system::system_error (invalid_config) for a bad `cfg`
    /// or no seeds.
    basic_seed_discovery(Node& node, Resolver& resolver, std::vector<seed> seeds,
                         bootstrap_config cfg = {})
        : node_(&node), resolver_(&resolver), seeds_(std::move(seeds)),
          boot_(checked(cfg, seeds_), peer_address::of(node.local_id())),
          timer_(node.get_executor()) {
        if constexpr (detail::virtual_time_transport<typename Node::transport_type>)
            virtual_time_ = node.transport().network().config().time_source ==
                            memory_time_source::manual;
    }

    basic_seed_discovery(basic_seed_discovery const&) = delete;
    basic_seed_discovery& operator=(basic_seed_discovery const&) = delete;
    ~basic_seed_discovery() { stop(); }

    /// Starts looking up (the first lookup at once). Call once the node has
    /// started.
    void start() {
        if (running_ || stopped_) return;
        running_ = true;
        lookup();
    }

    /// Stops for good: no more lookups or joins.
    void stop() {
        if (stopped_) return;
        stopped_ = true;
        running_ = false;
        alive_.reset();  // completions under way find nothing to do
        timer_.cancel();
        if (lookup_in_flight_) lookup_cancel_.emit(boost::asio::cancellation_type::all);
        if (join_in_flight_) join_cancel_.emit(boost::asio::cancellation_type::all);
    }

    /// With virtual time: looks up if one is due. Call on the executor after
    /// advancing the network's time. No effect otherwise.
    void poll_time() {
        if (virtual_time_) on_due();
    }

    void set_listener(listener l) { listener_ = std::move(l); }

    bootstrap_phase phase() const noexcept { return boot_.phase(); }
    seed_discovery_counters const& counters() const noexcept { return counters_; }
    std::vector<seed> const& seeds() const noexcept { return seeds_; }

private:
    using timer_type =
        boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                          boost::asio::wait_traits<std::chrono::steady_clock>,
                                          executor_type>;

    static bootstrap_config checked(bootstrap_config const& cfg, std::vector<seed> const& seeds) {
        if (auto r = validate(cfg); !r) throw_exception_from_error(r.error(), BOOST_CURRENT_LOCATION);
        if (seeds.empty())
            throw_exception_from_error(
                config_error{error::invalid_config, "seeds", "must not be empty"},
                BOOST_CURRENT_LOCATION);
        return cfg;
    }

    void emit(seed_discovery_event e) {
        if (listener_) listener_(e);
    }

    // Whether `a` is of the node's own address family (always, for names).
    bool reachable(peer_address const& a) const {
        auto const& self = node_->local_id();
        std::string_view const host = self.host();
        bool const self_v4 = detail::parse_ipv4(host).has_value();
        bool const self_v6 = !self_v4 && detail::parse_ipv6(host).has_value();
        if (self_v4) return detail::parse_ipv4(a.host).has_value();
        if (self_v6) return detail::parse_ipv6(a.host).has_value();
        return true;
    }

    std::vector<peer_address> live_members() const {
        std::vector<peer_address> out;
        if (!node_->has_view()) return out;
        for (auto const& m : node_->members())
            if (m.state != node_state::failed && m.state != node_state::leaving)
                out.push_back(peer_address::of(m.id));
        return out;
    }

    void arm() {
        if (!running_ || virtual_time_ || lookup_in_flight_) return;
        auto const next = boot_.next_lookup();
        timer_.expires_at(std::chrono::steady_clock::time_point(
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(next)));
        timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
            if (ec || alive.expired()) return;
            on_due();
        });
    }

    void on_due() {
        if (!running_ || lookup_in_flight_) return;
        if (node_->monotonic_now() < boot_.next_lookup()) {
            arm();
            return;
        }
        lookup();
    }

    void lookup() {
        lookup_in_flight_ = true;
        resolver_->async_resolve(
            seeds_, boost::asio::bind_cancellation_slot(
                        lookup_cancel_.slot(),
                        [this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code,
                                                                    seed_lookup found) {
                            if (alive.expired()) return;
                            lookup_in_flight_ = false;
                            if (running_) on_answer(std::move(found));
                        }));
    }

    void on_answer(seed_lookup found) {
        ++counters_.lookups;
        auto const now = node_->monotonic_now();
        std::optional<std::vector<peer_address>> answer;
        if (found.complete()) {
            answer.emplace();
            for (auto& a : found.addresses)
                if (reachable(a)) answer->push_back(std::move(a));
        } else {
            ++counters_.lookups_failed;
            emit({seed_discovery_event::kind::lookup_failed, {}, found.failures, {}});
        }
        auto d = boot_.on_lookup(now, std::move(answer), live_members());
        if (d.what == bootstrap_decision::action::form) {
            ++counters_.formed;
            emit({seed_discovery_event::kind::formed, {}, {}, {}});
        } else if (d.what == bootstrap_decision::action::join) {
            // A heal join while the last one is still under way waits for
            // the next lookup (a bootstrap join never overlaps: seed_bootstrap
            // decides nothing while it is joining).
            if (!join_in_flight_) join(std::move(d.contacts));
        }
        arm();
    }

    void join(std::vector<peer_address> contacts) {
        ++counters_.joins;
        join_in_flight_ = true;
        emit({seed_discovery_event::kind::joining, contacts, {}, {}});
        node_->async_join(
            std::move(contacts), join_retry{std::chrono::seconds(1), 1},
            boost::asio::bind_cancellation_slot(
                join_cancel_.slot(),
                [this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
                    if (alive.expired()) return;
                    join_in_flight_ = false;
                    if (!running_) return;
                    if (ec) ++counters_.joins_failed;
                    boot_.on_join_completed(node_->monotonic_now(), !ec);
                    emit({ec ? seed_discovery_event::kind::join_failed
                             : seed_discovery_event::kind::joined,
                          {}, {}, ec});
                    arm();  // the next lookup may be sooner now
                }));
    }

    Node* node_;
    Resolver* resolver_;
    std::vector<seed> seeds_;
    seed_bootstrap boot_;
    timer_type timer_;
    bool virtual_time_ = false;
    bool running_ = false;
    bool stopped_ = false;
    bool lookup_in_flight_ = false;
    bool join_in_flight_ = false;
    boost::asio::cancellation_signal lookup_cancel_;
    boost::asio::cancellation_signal join_cancel_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    seed_discovery_counters counters_;
    listener listener_;
};

} // namespace cohort

#endif // COHORT_DISCOVERY_SEED_DISCOVERY_HPP
