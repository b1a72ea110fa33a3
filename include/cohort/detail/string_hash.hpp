// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DETAIL_STRING_HASH_HPP
#define COHORT_DETAIL_STRING_HASH_HPP

// Helpers for the bounded string-keyed tables several layers keep (the
// membership core's, the secure channel's).

#include <cstddef>
#include <functional>
#include <string_view>

namespace cohort::detail {

/// Transparent string hash: look a std::string key up by string_view
/// without building a string.
struct string_hash {
    using is_transparent = void;
    // Deliberately not noexcept: libstdc++ then stores each key's hash in its
    // node, so a lookup does not rehash every neighbour's key it walks past
    // (that was a quarter of the simulator's time at 1,000 members).
    std::size_t operator()(std::string_view s) const {
        return std::hash<std::string_view>{}(s);
    }
};

/// Erases the entry of `table` whose value's `last_used` is smallest: the
/// eviction of a table bounded by least recent use (O(size), run only when
/// a full table meets a new key).
template <class Table>
void erase_least_recent(Table& table) {
    auto oldest = table.begin();
    for (auto it = table.begin(); it != table.end(); ++it)
        if (it->second.last_used < oldest->second.last_used) oldest = it;
    if (oldest != table.end()) table.erase(oldest);
}

} // namespace cohort::detail

#endif // COHORT_DETAIL_STRING_HASH_HPP
