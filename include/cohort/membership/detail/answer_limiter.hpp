// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_DETAIL_ANSWER_LIMITER_HPP
#define COHORT_MEMBERSHIP_DETAIL_ANSWER_LIMITER_HPP

// answer_limiter: at most one full-state answer per destination address per
// interval, over a table of bounded size. Pure: time is passed in.
//
// Why: a push-pull, a digest or a message from a stranger makes a node send
// its whole view (kilobytes) to the address the message claims, so without a
// bound anyone who knows the label can aim a node's full state at any
// address, as often as they like (a reflection with a large gain). With it, a
// victim address receives at most one full state per interval from each
// node, and the table cannot grow past `capacity` whatever the senders claim:
// a full table first forgets entries older than the interval, and refuses
// (allow() is false) while none is. Authenticated traffic (the keyring) is
// what stops the forging itself; this bounds what forging can cost.

#include <cohort/detail/string_hash.hpp>
#include <cohort/membership/member.hpp>

#include <chrono>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <unordered_map>

namespace cohort::detail {

class answer_limiter {
public:
    using duration = std::chrono::nanoseconds;

    answer_limiter(duration interval, std::size_t capacity) noexcept
        : interval_(interval), capacity_(capacity) {}

    /// Whether a full-state answer to `to` may go at `now`; if so, it counts
    /// as sent.
    bool allow(peer_address const& to, duration now) {
        key_.assign(to.host);
        key_ += '|';
        key_ += std::to_string(to.port);
        if (auto it = last_.find(key_); it != last_.end()) {
            if (now - it->second < interval_) return false;
            it->second = now;
            return true;
        }
        if (last_.size() >= capacity_) {
            // One O(capacity) sweep per interval at most: a flood of new
            // addresses into a full table costs a lookup each, not a sweep.
            if (swept_ && now - *swept_ < interval_) return false;
            swept_ = now;
            std::erase_if(last_, [&](auto const& kv) { return now - kv.second >= interval_; });
            if (last_.size() >= capacity_) return false;
        }
        last_.emplace(key_, now);
        return true;
    }

    std::size_t size() const noexcept { return last_.size(); }

private:
    duration interval_;
    std::size_t capacity_;
    std::optional<duration> swept_;
    std::string key_;  // reused: no allocation per call once it has grown
    std::unordered_map<std::string, duration, string_hash, std::equal_to<>> last_;
};

} // namespace cohort::detail

#endif // COHORT_MEMBERSHIP_DETAIL_ANSWER_LIMITER_HPP
