// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_DETAIL_BYTES_HPP
#define COHORT_ROUTING_DETAIL_BYTES_HPP

// The router's conversions between text and bytes: a key or a message as a
// byte vector for the wire, and received bytes viewed as text, without
// decoding. Kept apart as the one place that reinterprets chars as bytes.

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace cohort::detail {

inline std::vector<std::byte> to_bytes(std::string_view s) {
    auto const* p = reinterpret_cast<std::byte const*>(s.data());
    return {p, p + s.size()};
}

inline std::string_view to_text(std::span<std::byte const> b) {
    return {reinterpret_cast<char const*>(b.data()), b.size()};
}

} // namespace cohort::detail

#endif // COHORT_ROUTING_DETAIL_BYTES_HPP
