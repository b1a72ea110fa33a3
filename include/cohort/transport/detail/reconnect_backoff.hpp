// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_RECONNECT_BACKOFF_HPP
#define COHORT_TRANSPORT_DETAIL_RECONNECT_BACKOFF_HPP

// The reconnect delay after `failures` failed connects in a row (pure, so
// its bounds are tested without sockets): base * 2^(failures-1), times a
// uniform factor in [1 - jitter, 1 + jitter], never above `max`.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

namespace cohort::detail {

template <class Rng>
std::chrono::nanoseconds reconnect_delay(std::chrono::nanoseconds base_delay,
                                         std::chrono::nanoseconds max_delay, double jitter,
                                         unsigned failures, Rng& rng) {
    using ms = std::chrono::duration<double, std::milli>;
    double const base = ms(base_delay).count();
    double const max = ms(max_delay).count();
    // ldexp saturates to infinity for a long run of failures; min() caps it.
    double delay = std::min(max, std::ldexp(base, static_cast<int>(std::min(failures, 1024u)) - 1));
    if (jitter > 0.0) {
        std::uniform_real_distribution<double> factor(1.0 - jitter, 1.0 + jitter);
        delay = std::min(max, delay * factor(rng));
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(ms(delay));
}

} // namespace cohort::detail

#endif // COHORT_TRANSPORT_DETAIL_RECONNECT_BACKOFF_HPP
