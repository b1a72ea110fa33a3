// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_DETAIL_VIEW_DIGEST_HPP
#define COHORT_MEMBERSHIP_DETAIL_VIEW_DIGEST_HPP

// The digest of a membership view, for cheap anti-entropy (wire `view_digest`):
// the sum, modulo 2^64, of one 64-bit hash per entry over the entry's id text
// (name and address), incarnation, state and tags. A sum is independent of
// the order entries are visited in, so two nodes holding the same view compute
// the same digest whatever their table layout. Every node must compute it
// alike: it is part of the protocol, never change it within one
// protocol_version.

#include <cohort/membership/detail/ring.hpp>
#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>
#include <cohort/wire/messages.hpp>

#include <cstdint>
#include <vector>

namespace cohort::detail {

/// splitmix64's finaliser: spreads every input bit over the whole word.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

/// One entry's share of a view digest.
inline std::uint64_t entry_digest(node_id const& id, std::uint64_t incarnation, node_state state,
                                  std::vector<tag> const& tags) noexcept {
    std::uint64_t h = fnv1a_64(id.str());
    h = mix64(h ^ mix64(incarnation + 0x9E3779B97F4A7C15ULL));
    h = mix64(h + static_cast<std::uint64_t>(state) + 1);
    for (auto const& t : tags) {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        h = mix64(h ^ (t.key.size() + 1)) ^ fnv1a_64(t.key);
        h = mix64(h ^ (t.value.size() + 1)) ^ fnv1a_64(t.value);
    }
    return mix64(h);
}

} // namespace cohort::detail

#endif // COHORT_MEMBERSHIP_DETAIL_VIEW_DIGEST_HPP
