// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_KEY_HASH_HPP
#define COHORT_ROUTING_KEY_HASH_HPP

// How a key becomes a position: the 64-bit XXH3 hash (xxHash 0.8, seed 0) of
// the key's bytes, exactly as given (no normalisation, no terminator). XXH3's
// output is specified bit for bit and is the same on every platform and
// endianness, so any two nodes, and any non-C++ client that wants to route
// by itself, compute the same position for the same key.

#include <cohort/routing/detail/xxhash.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace cohort {

/// A key's placement hash, precomputed. A distinct type so that owner(hash)
/// and owner(key) cannot be confused.
struct hashed_key {
    std::uint64_t value = 0;
    friend constexpr bool operator==(hashed_key, hashed_key) noexcept = default;
};

/// xxh3-64, seed 0, of the key bytes.
inline hashed_key hash_key(std::string_view key) noexcept {
    return {detail::xxh3_64(key.data(), key.size())};
}

/// xxh3-64, seed 0, of the key bytes.
inline hashed_key hash_key(std::span<std::byte const> key) noexcept {
    return {detail::xxh3_64(key.data(), key.size())};
}

} // namespace cohort

#endif // COHORT_ROUTING_KEY_HASH_HPP
