// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_DETAIL_XXHASH_HPP
#define COHORT_ROUTING_DETAIL_XXHASH_HPP

// xxHash (Collet; the system's <xxhash.h>, Debian libxxhash-dev, >= 0.8.0 for
// a stable XXH3) in its header-only mode, so users link nothing. In that mode
// every XXH symbol is static inline and renamed (XXH_INLINE_*), so this does
// not clash with a program that also links libxxhash. XXH_INLINE_ALL is
// undefined again afterwards unless the includer had defined it.

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#define COHORT_DETAIL_UNDEF_XXH_INLINE_ALL
#endif
#include <xxhash.h>
#ifdef COHORT_DETAIL_UNDEF_XXH_INLINE_ALL
#undef XXH_INLINE_ALL
#undef COHORT_DETAIL_UNDEF_XXH_INLINE_ALL
#endif

#if XXH_VERSION_NUMBER < 800
#error "cohort routing needs xxHash >= 0.8.0 (a stable XXH3)"
#endif

#include <cstdint>
#include <string_view>

namespace cohort::detail {

/// XXH3-64, seed 0: placement's one hash, of key bytes and node labels alike.
inline std::uint64_t xxh3_64(void const* data, std::size_t size) noexcept {
    return XXH3_64bits(data, size);
}

inline std::uint64_t xxh3_64(std::string_view text) noexcept {
    return XXH3_64bits(text.data(), text.size());
}

/// XXH3-128, seed 0, as two 64-bit halves (Maglev's offset and skip).
struct hash128 {
    std::uint64_t low;
    std::uint64_t high;
};

inline hash128 xxh3_128(std::string_view text) noexcept {
    XXH128_hash_t const h = XXH3_128bits(text.data(), text.size());
    return {h.low64, h.high64};
}

/// SplitMix64's finaliser (Steele, Lea and Flood, 2014; Stafford's Mix13):
/// a bijective 64-bit mixer, used where a table combines two xxh3 values.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

} // namespace cohort::detail

#endif // COHORT_ROUTING_DETAIL_XXHASH_HPP
