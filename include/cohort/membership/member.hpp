// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_MEMBER_HPP
#define COHORT_MEMBERSHIP_MEMBER_HPP

// What one node knows of a member, a snapshot of the whole view, and
// peer_address: where to reach a seed that may have no name yet.

#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>
#include <cohort/wire/messages.hpp>

#include <boost/system/result.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// A host and port to send to: a seed given as "host:port" (nameless) or
/// "name@host:port", or a member's address. IPv6 hosts are held without
/// brackets, in RFC 5952 form.
struct peer_address {
    std::string host;
    std::uint16_t port = 0;

    /// Parses "name@host:port" or "host:port" with node_id's rules (the name,
    /// if any, is checked and dropped: a seed is contacted by address).
    static boost::system::result<peer_address> parse(std::string_view text) {
        auto id = text.find('@') != std::string_view::npos
                      ? node_id::parse(text)
                      : node_id::parse(std::string("seed@").append(text));
        if (!id) return id.error();
        return of(*id);
    }

    /// The address part of a member id.
    static peer_address of(node_id const& id) { return {std::string(id.host()), id.port()}; }

    friend bool operator==(peer_address const&, peer_address const&) = default;
    friend std::ostream& operator<<(std::ostream& os, peer_address const& a) {
        if (a.host.find(':') != std::string::npos) return os << '[' << a.host << "]:" << a.port;
        return os << a.host << ':' << a.port;
    }
};

/// One member as this node sees it. The name identifies a member; `id`
/// carries its current address (a newer incarnation may bring a new one).
struct member {
    node_id id;
    std::uint64_t incarnation = 0;
    node_state state = node_state::joining;
    std::vector<tag> tags;
    /// When this node last saw the state change (the protocol's time base).
    std::chrono::nanoseconds state_since{};

    friend bool operator==(member const&, member const&) = default;
};

/// A copy of the whole view, sorted by id, with the leader.
struct membership_snapshot {
    std::vector<member> members;
    std::optional<node_id> leader;

    /// The member called `name`, or null.
    member const* find(std::string_view name) const noexcept {
        auto it = std::find_if(members.begin(), members.end(),
                               [&](member const& m) { return m.id.name() == name; });
        return it == members.end() ? nullptr : &*it;
    }
    /// How many members are in state `s`.
    std::size_t count(node_state s) const noexcept {
        return static_cast<std::size_t>(std::count_if(
            members.begin(), members.end(), [&](member const& m) { return m.state == s; }));
    }
};

} // namespace cohort

#endif // COHORT_MEMBERSHIP_MEMBER_HPP
