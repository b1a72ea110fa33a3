// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_DETAIL_VARINT_HPP
#define COHORT_WIRE_DETAIL_VARINT_HPP

// Unsigned LEB128 varints (as protobuf): seven bits per byte, least
// significant group first, high bit set on every byte but the last. Decoding
// accepts only the shortest form, so each number has one encoding.

#include <cohort/error.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>

namespace cohort::detail {

/// Longest varint: ceil(64 / 7) bytes.
inline constexpr std::size_t max_varint_size = 10;

/// Bytes the varint of `v` takes.
constexpr std::size_t varint_size(std::uint64_t v) noexcept {
    std::size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

/// Writes the varint of `v` at `p`; returns the end of what it wrote.
inline std::byte* write_varint(std::byte* p, std::uint64_t v) noexcept {
    while (v >= 0x80) {
        *p++ = static_cast<std::byte>(v | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<std::byte>(v);
    return p;
}

/// Reads a varint from [p, end) into `v`, advancing `p`.
/// error::message_truncated when the input ends inside it; error::invalid_field
/// when it is longer than its shortest form or does not fit 64 bits.
inline boost::system::error_code read_varint(std::byte const*& p, std::byte const* end,
                                             std::uint64_t& v) noexcept {
    std::uint64_t result = 0;
    for (std::size_t i = 0; i < max_varint_size; ++i) {
        if (p == end) return error::message_truncated;
        auto const b = static_cast<std::uint64_t>(*p++);
        if (i == max_varint_size - 1 && b > 1) return error::invalid_field;  // beyond 64 bits
        result |= (b & 0x7F) << (7 * i);
        if ((b & 0x80) == 0) {
            if (b == 0 && i != 0) return error::invalid_field;  // overlong: a zero last group
            v = result;
            return {};
        }
    }
    return error::invalid_field;  // an eleventh byte would be needed
}

/// Zigzag mapping of signed to unsigned (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...),
/// so small negative numbers stay short as varints.
constexpr std::uint64_t zigzag_encode(std::int64_t v) noexcept {
    return (static_cast<std::uint64_t>(v) << 1) ^ (v < 0 ? ~std::uint64_t{0} : 0);
}

constexpr std::int64_t zigzag_decode(std::uint64_t u) noexcept {
    return static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
}

}  // namespace cohort::detail

#endif  // COHORT_WIRE_DETAIL_VARINT_HPP
