// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DISCOVERY_BOOTSTRAP_HPP
#define COHORT_DISCOVERY_BOOTSTRAP_HPP

// seed_bootstrap: what a node does with the contacts a seed lookup returns
// (DNS names of a Kubernetes headless service, SRV records), so that a cold
// start where every node starts at once forms one cluster. Pure: time and
// answers are passed in; basic_seed_discovery drives it.
//
// The rules, after Akka's Cluster Bootstrap:
//   - A lookup's answer counts only once it has stayed the same (as a set)
//     for stable_margin and holds at least required_contacts addresses; a
//     failed lookup starts the wait again.
//   - Then the contact with the lowest address forms the cluster: it joins
//     no one and waits for the others. Every other node joins the contacts,
//     lowest first. Nodes that saw the same answer agree on who forms.
//   - A node already in a cluster of more than one keeps looking up every
//     heal_interval and joins the contacts that are not its members; a
//     node that formed and is still alone after stable_margin joins the
//     others too.
// Unlike Akka's, cohort's membership merges two clusters that meet (a join
// brings both views together), so the last rule ends a split that
// inconsistent answers caused (a node listed late, a stale record) instead of
// leaving two clusters for good; the first two keep a cold start on
// consistent answers from forming two at all.

#include <cohort/detail/host_syntax.hpp>
#include <cohort/error.hpp>
#include <cohort/membership/member.hpp>

#include <boost/system/result.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

namespace cohort {

struct bootstrap_config {
    /// Addresses a lookup must return (this node's included, when listed)
    /// before anyone forms a cluster (Akka's required-contact-point-nr: 2).
    /// Must be at least 1.
    std::size_t required_contacts = 2;

    /// How long an answer must stay the same before it counts (Akka's
    /// stable-margin: 5 s). Must not be negative.
    std::chrono::nanoseconds stable_margin = std::chrono::seconds(5);

    /// Between lookups until the node is in a cluster (1 s). Must be positive.
    std::chrono::nanoseconds lookup_interval = std::chrono::seconds(1);

    /// Between lookups once it is (30 s, Serf's retry-join interval): the
    /// contacts that are not members are joined. Must be positive.
    std::chrono::nanoseconds heal_interval = std::chrono::seconds(30);
};

inline boost::system::result<void, config_error> validate(bootstrap_config const& cfg) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return config_error{error::invalid_config, field, rule};
    };
    if (cfg.required_contacts < 1)
        return fail("bootstrap_config.required_contacts", "must be at least 1");
    if (cfg.stable_margin < std::chrono::nanoseconds::zero())
        return fail("bootstrap_config.stable_margin", "must not be negative");
    if (cfg.lookup_interval <= std::chrono::nanoseconds::zero())
        return fail("bootstrap_config.lookup_interval", "must be positive");
    if (cfg.heal_interval <= std::chrono::nanoseconds::zero())
        return fail("bootstrap_config.heal_interval", "must be positive");
    return {};
}

/// Address order: numeric addresses by their bytes (IPv4 before IPv6), then
/// the port; names (memory_network's) by their text, after every number.
inline bool address_less(peer_address const& a, peer_address const& b) {
    auto const key = [](peer_address const& p) {
        std::array<std::uint8_t, 17> bytes{};  // [0]: 0 v4, 1 v6, 2 a name
        if (auto v4 = detail::parse_ipv4(p.host)) {
            std::copy(v4->begin(), v4->end(), bytes.begin() + 1);
        } else if (auto v6 = detail::parse_ipv6(p.host)) {
            bytes[0] = 1;
            std::copy(v6->begin(), v6->end(), bytes.begin() + 1);
        } else {
            bytes[0] = 2;
        }
        return bytes;
    };
    auto const ka = key(a), kb = key(b);
    return std::tie(ka, a.host, a.port) < std::tie(kb, b.host, b.port);
}

enum class bootstrap_phase {
    discovering,  ///< waiting for a stable answer
    forming,      ///< lowest contact: formed, waiting to be joined
    joining,      ///< a join to the contacts is under way
    joined,       ///< in a cluster of more than one; healing
};

/// What the driver does after a lookup.
struct bootstrap_decision {
    enum class action {
        none,  ///< nothing this time
        form,  ///< this node forms the cluster (joins no one)
        join,  ///< join `contacts` (lowest first)
    };
    action what = action::none;
    std::vector<peer_address> contacts;
};

class seed_bootstrap {
public:
    using duration = std::chrono::nanoseconds;

    /// `self`: this node's address as peers reach it (node_id's host:port).
    seed_bootstrap(bootstrap_config cfg, peer_address self) : cfg_(cfg), self_(std::move(self)) {}

    bootstrap_phase phase() const noexcept { return phase_; }
    bootstrap_config const& config() const noexcept { return cfg_; }

    /// When the next lookup is due.
    duration next_lookup() const noexcept { return next_lookup_; }

    /// A lookup's answer at `now` (nothing: the lookup failed), with the
    /// addresses of the members in the node's view now that are not failed
    /// or gone (this node included).
    bootstrap_decision on_lookup(duration now, std::optional<std::vector<peer_address>> answer,
                                 std::vector<peer_address> const& members) {
        bool const in_cluster = members.size() > 1;
        next_lookup_ = now + (in_cluster ? cfg_.heal_interval : cfg_.lookup_interval);
        if (!answer) {
            contacts_.clear();
            stable_since_ = now;
            return {};
        }
        auto contacts = normalise(std::move(*answer));
        if (contacts != contacts_) {
            contacts_ = contacts;
            stable_since_ = now;
        }
        auto const strangers = [&] {
            std::vector<peer_address> out;
            for (auto const& c : contacts_)
                if (c != self_ && std::find(members.begin(), members.end(), c) == members.end())
                    out.push_back(c);
            return out;
        };
        if (in_cluster) {
            phase_ = bootstrap_phase::joined;
            auto out = strangers();
            if (out.empty()) return {};
            return {bootstrap_decision::action::join, std::move(out)};
        }
        if (phase_ == bootstrap_phase::joining) return {};  // its outcome comes first
        if (phase_ == bootstrap_phase::joined) phase_ = bootstrap_phase::discovering;  // alone again
        if (phase_ == bootstrap_phase::forming) {
            // Formed and still alone: the others may have formed elsewhere.
            if (now - formed_at_ < cfg_.stable_margin) return {};
            auto out = strangers();
            if (out.empty()) return {};
            phase_ = bootstrap_phase::joining;
            return {bootstrap_decision::action::join, std::move(out)};
        }
        bool const stable = contacts_.size() >= cfg_.required_contacts &&
                            now - stable_since_ >= cfg_.stable_margin;
        if (!stable) return {};
        if (contacts_.front() == self_) {
            phase_ = bootstrap_phase::forming;
            formed_at_ = now;
            return {bootstrap_decision::action::form, {}};
        }
        auto out = strangers();
        if (out.empty()) return {};
        phase_ = bootstrap_phase::joining;
        return {bootstrap_decision::action::join, std::move(out)};
    }

    /// The join the last decision asked for completed (`ok`: it found a
    /// seed). A failed join goes back to discovering, to be tried at the
    /// next stable answer.
    void on_join_completed(duration now, bool ok) {
        if (phase_ != bootstrap_phase::joining) return;
        phase_ = ok ? bootstrap_phase::joined : bootstrap_phase::discovering;
        if (!ok) next_lookup_ = std::min(next_lookup_, now + cfg_.lookup_interval);
    }

private:
    static std::vector<peer_address> normalise(std::vector<peer_address> v) {
        std::sort(v.begin(), v.end(), address_less);
        v.erase(std::unique(v.begin(), v.end()), v.end());
        return v;
    }

    bootstrap_config cfg_;
    peer_address self_;
    bootstrap_phase phase_ = bootstrap_phase::discovering;
    std::vector<peer_address> contacts_;
    duration stable_since_{};
    duration formed_at_{};
    duration next_lookup_{};
};

} // namespace cohort

#endif // COHORT_DISCOVERY_BOOTSTRAP_HPP
