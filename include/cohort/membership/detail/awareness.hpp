// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_DETAIL_AWARENESS_HPP
#define COHORT_MEMBERSHIP_DETAIL_AWARENESS_HPP

// Lifeguard's local health multiplier (memberlist's awareness): a node that
// has to refute suspicions of itself, or whose indirect probes go
// unanswered, is probably the slow or lossy one, so it waits longer before
// suspecting anybody else.

#include <chrono>
#include <cstdint>

namespace cohort::detail {

class awareness {
public:
    /// Scores run 0..max_multiplier-1; max_multiplier >= 1.
    explicit awareness(unsigned max_multiplier = 8) noexcept
        : max_(max_multiplier == 0 ? 0 : max_multiplier - 1) {}

    /// Adds `delta` (negative for good news), clamped to the range.
    void apply(int delta) noexcept {
        long long s = static_cast<long long>(score_) + delta;
        if (s < 0) s = 0;
        if (s > static_cast<long long>(max_)) s = max_;
        score_ = static_cast<unsigned>(s);
    }

    unsigned score() const noexcept { return score_; }

    /// `d` stretched by the current health: d * (score + 1).
    std::chrono::nanoseconds scale(std::chrono::nanoseconds d) const noexcept {
        return d * static_cast<std::int64_t>(score_ + 1);
    }

private:
    unsigned max_;
    unsigned score_ = 0;
};

} // namespace cohort::detail

#endif // COHORT_MEMBERSHIP_DETAIL_AWARENESS_HPP
