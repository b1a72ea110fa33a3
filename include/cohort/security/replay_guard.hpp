// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SECURITY_REPLAY_GUARD_HPP
#define COHORT_SECURITY_REPLAY_GUARD_HPP

// Replay protection for authenticated messages (pure: no I/O, time passed in).
//
// Every envelope a node sends carries a fresh HLC stamp, strictly rising per
// sender, inside the sealed part, so an attacker cannot change it. A receiver
// refuses a stamp that is older than `window` against its own wall clock
// (stamp_too_old) or that it has already seen from that sender
// (replayed_message). memberlist has no such check (its SECURITY.md says so).
//
// Stamps are sparse, so instead of IPsec's bitmap each sender keeps its
// `history` newest stamps, sorted: datagrams and stream frames may arrive out
// of order, up to `history` messages deep. A stamp below all of a full history
// is refused as too old, since the guard can no longer tell whether it is new.
//
// Memory is bounded: at most `max_senders` histories; when full, the one used
// least recently is dropped. Only senders that passed authentication get here,
// so an attacker without a key cannot fill the table. A dropped sender's
// replays are still refused once older than `window`.

#include <cohort/detail/string_hash.hpp>
#include <cohort/hlc_timestamp.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cohort {

/// Bounds of the replay check.
struct replay_config {
    /// Oldest stamp accepted, behind the receiver's wall clock (30 s). Must
    /// exceed the longest delivery delay plus the clocks' offset.
    std::chrono::nanoseconds window = std::chrono::seconds(30);
    /// Stamps remembered per sender (256): how far out of order messages may arrive.
    std::size_t history = 256;
    /// Senders remembered (4096); the least recently heard is forgotten first.
    std::size_t max_senders = 4096;
};

enum class replay_verdict { fresh, replayed, too_old };

class replay_guard {
public:
    explicit replay_guard(replay_config cfg = {}) : cfg_(cfg) {
        if (cfg_.history == 0) cfg_.history = 1;
        if (cfg_.max_senders == 0) cfg_.max_senders = 1;
    }

    /// Judges `stamp` from `sender` at wall time `now_ns`, and remembers it when fresh.
    replay_verdict check(std::string_view sender, hlc_timestamp stamp, std::uint64_t now_ns) {
        auto const window = static_cast<std::uint64_t>(cfg_.window.count());
        if (now_ns > window && stamp.wall_ns < now_ns - window) return replay_verdict::too_old;
        auto it = senders_.find(sender);
        if (it == senders_.end()) {
            if (senders_.size() >= cfg_.max_senders) detail::erase_least_recent(senders_);
            it = senders_.emplace(std::string(sender), history{}).first;
        }
        auto& h = it->second;
        h.last_used = ++tick_;
        auto& s = h.stamps;
        if (s.size() >= cfg_.history && stamp < s.front()) return replay_verdict::too_old;
        auto const at = std::lower_bound(s.begin(), s.end(), stamp);
        if (at != s.end() && *at == stamp) return replay_verdict::replayed;
        s.insert(at, stamp);
        if (s.size() > cfg_.history) s.erase(s.begin());
        return replay_verdict::fresh;
    }

    std::size_t senders() const noexcept { return senders_.size(); }
    replay_config const& config() const noexcept { return cfg_; }

private:
    struct history {
        std::vector<hlc_timestamp> stamps;  // sorted, at most cfg_.history
        std::uint64_t last_used = 0;
    };
    replay_config cfg_;
    std::unordered_map<std::string, history, detail::string_hash, std::equal_to<>> senders_;
    std::uint64_t tick_ = 0;
};

} // namespace cohort

#endif // COHORT_SECURITY_REPLAY_GUARD_HPP
