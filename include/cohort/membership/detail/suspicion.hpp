// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_DETAIL_SUSPICION_HPP
#define COHORT_MEMBERSHIP_DETAIL_SUSPICION_HPP

// Lifeguard's dynamic suspicion timeout: a suspicion starts with a long
// timeout that shrinks, logarithmically, as independent observers confirm it,
// so a real failure is declared quickly while a lone, possibly mistaken
// observer waits long enough for the member to refute.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::detail {

/// max(min, max - (max - min) * ln(c + 1) / ln(k + 1)) for `c` confirmations
/// out of `k` expected; `min` when no confirmation is expected (k == 0) or
/// when max <= min, as in memberlist.
inline std::chrono::nanoseconds suspicion_timeout(std::chrono::nanoseconds min,
                                                  std::chrono::nanoseconds max, std::size_t k,
                                                  std::size_t c) noexcept {
    if (k == 0 || max <= min) return min;
    double const frac =
        std::log(static_cast<double>(c) + 1.0) / std::log(static_cast<double>(k) + 1.0);
    double const span = static_cast<double>((max - min).count());
    auto const cut = static_cast<std::int64_t>(span * std::min(frac, 1.0));
    auto const t = max - std::chrono::nanoseconds(cut);
    return std::max(min, t);
}

/// One suspicion of one member as this node tracks it.
class suspicion {
public:
    suspicion() = default;
    suspicion(std::uint64_t incarnation, std::chrono::nanoseconds start,
              std::chrono::nanoseconds min, std::chrono::nanoseconds max, std::size_t k,
              std::string_view first_suspecter)
        : incarnation_(incarnation), start_(start), min_(min), max_(max), k_(k) {
        suspecters_.emplace_back(first_suspecter);
    }

    /// Records `who` as a suspecter; true when it is new and counted (at most
    /// k confirmations count: more cannot shorten the timeout further).
    bool confirm(std::string_view who) {
        if (confirmations() >= k_) return false;
        if (std::find(suspecters_.begin(), suspecters_.end(), who) != suspecters_.end())
            return false;
        suspecters_.emplace_back(who);
        return true;
    }

    /// Distinct suspecters besides the first.
    std::size_t confirmations() const noexcept {
        return suspecters_.empty() ? 0 : suspecters_.size() - 1;
    }
    std::uint64_t incarnation() const noexcept { return incarnation_; }
    
    std::chrono::nanoseconds deadline() const noexcept {
        return start_ + suspicion_timeout(min_, max_, k_, confirmations());
    }

private:
    std::uint64_t incarnation_ = 0;
    std::chrono::nanoseconds start_{};
    std::chrono::nanoseconds min_{};
    std::chrono::nanoseconds max_{};
    std::size_t k_ = 0;
    std::vector<std::string> suspecters_;
};

} // namespace cohort::detail

#endif // COHORT_MEMBERSHIP_DETAIL_SUSPICION_HPP
