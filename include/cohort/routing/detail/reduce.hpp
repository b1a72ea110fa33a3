// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_DETAIL_REDUCE_HPP
#define COHORT_ROUTING_DETAIL_REDUCE_HPP

// Mapping a 64-bit hash onto n slots by Lemire's multiply-shift reduction,
// slot = (hash * n) >> 64, instead of hash % n: one multiplication instead of
// a division, and slot s owns one contiguous hash range, which is what lets
// diff() report changes as hash ranges.

#include <cstdint>

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

namespace cohort::detail {

/// floor(hash * n / 2^64): the slot of `hash` among `n` equal hash ranges.
inline std::uint64_t reduce(std::uint64_t hash, std::uint64_t n) noexcept {
#if defined(__SIZEOF_INT128__)
    return static_cast<std::uint64_t>((static_cast<__uint128_t>(hash) * n) >> 64);
#else
    return __umulh(hash, n);
#endif
}

/// The smallest hash whose slot is `slot` (slot < n): ceil(slot * 2^64 / n).
inline std::uint64_t reduce_range_start(std::uint64_t slot, std::uint64_t n) noexcept {
    if (slot == 0) return 0;
#if defined(__SIZEOF_INT128__)
    auto const num = (static_cast<__uint128_t>(slot) << 64) + (n - 1);
    return static_cast<std::uint64_t>(num / n);
#else
    std::uint64_t rem = 0;
    std::uint64_t q = _udiv128(slot, 0, n, &rem);
    return q + (rem != 0 ? 1 : 0);
#endif
}

} // namespace cohort::detail

#endif // COHORT_ROUTING_DETAIL_REDUCE_HPP
