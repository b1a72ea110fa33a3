// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_DETAIL_UTF8_HPP
#define COHORT_WIRE_DETAIL_UTF8_HPP

// Strict UTF-8 validation. Both codecs require string fields to be UTF-8, so
// that every message one codec accepts the other can carry (JSON cannot hold
// arbitrary bytes in a string).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace cohort::detail {

/// True when `text` is well-formed UTF-8 as Unicode defines it (table 3-7):
/// no overlong forms, no surrogates, nothing above U+10FFFF, no truncated
/// sequence.
inline bool is_valid_utf8(std::string_view text) noexcept {
    auto const* p = reinterpret_cast<unsigned char const*>(text.data());
    std::size_t const n = text.size();
    std::size_t i = 0;
    while (i < n) {
        // Most text is ASCII: skip it eight bytes at a time.
        while (n - i >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p + i, 8);
            if ((word & 0x8080808080808080ULL) != 0) break;
            i += 8;
        }
        if (i == n) break;
        unsigned const c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        unsigned low = 0x80;  // bounds of the second byte
        unsigned high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            if (c == 0xE0) low = 0xA0;   // overlong
            if (c == 0xED) high = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            if (c == 0xF0) low = 0x90;   // overlong
            if (c == 0xF4) high = 0x8F;  // above U+10FFFF
        } else {
            return false;  // continuation byte, C0, C1 or F5..FF
        }
        if (n - i < length) return false;
        if (p[i + 1] < low || p[i + 1] > high) return false;
        for (std::size_t k = 2; k < length; ++k)
            if ((p[i + k] & 0xC0) != 0x80) return false;
        i += length;
    }
    return true;
}

}  // namespace cohort::detail

#endif  // COHORT_WIRE_DETAIL_UTF8_HPP
