// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DETAIL_PHI_ACCRUAL_WINDOW_HPP
#define COHORT_DETAIL_PHI_ACCRUAL_WINDOW_HPP

// The sliding window of heartbeat intervals behind the phi accrual detector:
// a ring buffer with running sums, so adding a sample and reading the mean or
// variance are O(1) and allocate nothing after construction.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cohort::detail {

// The sum of squares is exact in 128-bit integers; without them it falls back
// to long double, which rounds and so may drift slowly over many evictions.
// Defining COHORT_PHI_ACCRUAL_NO_INT128 forces the fallback (to test it).
#if defined(__SIZEOF_INT128__) && !defined(COHORT_PHI_ACCRUAL_NO_INT128)
__extension__ typedef unsigned __int128 phi_square_sum;
inline constexpr bool phi_exact_variance = true;
#else
typedef long double phi_square_sum;
inline constexpr bool phi_exact_variance = false;
#endif

class interval_window {
public:
    // The one allocation: capacity must be at least 1.
    explicit interval_window(std::size_t capacity) : samples_(capacity) {}

    // Adds a sample in [0, max]; the caller guarantees that capacity * max
    // fits in 63 bits, so neither running sum can overflow.
    void push(std::int64_t x) noexcept {
        if (count_ == samples_.size()) {
            std::int64_t const old = samples_[next_];
            sum_ -= old;
            sum_sq_ -= square(old);
        } else {
            ++count_;
        }
        samples_[next_] = x;
        sum_ += x;
        sum_sq_ += square(x);
        if (++next_ == samples_.size())
            next_ = 0;
    }

    std::size_t size() const noexcept { return count_; }
    std::size_t capacity() const noexcept { return samples_.size(); }
    std::int64_t sum() const noexcept { return sum_; }

    double mean() const noexcept {
        return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
    }

    // Population variance (n*sumsq - sum^2) / n^2. The numerator is computed
    // exactly, so the only rounding is in the final conversion and division.
    double variance() const noexcept {
        if (count_ == 0)
            return 0.0;
        phi_square_sum const n = static_cast<phi_square_sum>(count_);
        phi_square_sum const s = static_cast<phi_square_sum>(sum_);
        double const nn = static_cast<double>(count_) * static_cast<double>(count_);
#if defined(__SIZEOF_INT128__) && !defined(COHORT_PHI_ACCRUAL_NO_INT128)
        // Cauchy-Schwarz: n*sumsq >= sum^2, so the subtraction cannot wrap.
        return static_cast<double>(n * sum_sq_ - s * s) / nn;
#else
        phi_square_sum const num = n * sum_sq_ - s * s;
        return num <= 0 ? 0.0 : static_cast<double>(num) / nn;
#endif
    }

private:
    static phi_square_sum square(std::int64_t x) noexcept {
        phi_square_sum const v = static_cast<phi_square_sum>(x);
        return v * v;
    }

    std::vector<std::int64_t> samples_;
    std::size_t next_ = 0;   // slot the next sample goes to (the oldest once full)
    std::size_t count_ = 0;
    std::int64_t sum_ = 0;
    phi_square_sum sum_sq_ = 0;
};

} // namespace cohort::detail

#endif // COHORT_DETAIL_PHI_ACCRUAL_WINDOW_HPP
