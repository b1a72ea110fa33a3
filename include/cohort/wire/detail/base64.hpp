// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_DETAIL_BASE64_HPP
#define COHORT_WIRE_DETAIL_BASE64_HPP

// Base64 (RFC 4648 section 4: standard alphabet, '=' padding) for byte fields
// in JSON, as Go's encoding/json and JavaScript's atob/btoa expect. Decoding
// is strict: one spelling per byte string, so that decode then encode gives
// the input back.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cohort::detail {

inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Characters base64_encode writes for `n` bytes.
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept {
    return (n / 3 + (n % 3 != 0 ? 1 : 0)) * 4;
}

/// Writes base64_encoded_size(in.size()) characters at `out`.
inline void base64_encode(std::span<std::byte const> in, char* out) noexcept {
    std::size_t i = 0;
    for (; in.size() - i >= 3; i += 3) {
        auto const v = (std::uint32_t(in[i]) << 16) | (std::uint32_t(in[i + 1]) << 8) |
                       std::uint32_t(in[i + 2]);
        *out++ = base64_alphabet[(v >> 18) & 63];
        *out++ = base64_alphabet[(v >> 12) & 63];
        *out++ = base64_alphabet[(v >> 6) & 63];
        *out++ = base64_alphabet[v & 63];
    }
    if (std::size_t const rest = in.size() - i; rest != 0) {
        std::uint32_t v = std::uint32_t(in[i]) << 16;
        if (rest == 2) v |= std::uint32_t(in[i + 1]) << 8;
        *out++ = base64_alphabet[(v >> 18) & 63];
        *out++ = base64_alphabet[(v >> 12) & 63];
        *out++ = rest == 2 ? base64_alphabet[(v >> 6) & 63] : '=';
        *out++ = '=';
    }
}

/// The number of bytes `text` decodes to, judged from its length and padding
/// alone (so a caller can check a limit before allocating); nothing when the
/// length is not a multiple of four.
constexpr std::optional<std::size_t> base64_decoded_size(std::string_view text) noexcept {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t n = text.size() / 4 * 3;
    if (!text.empty() && text.back() == '=') --n;
    if (text.size() >= 2 && text[text.size() - 2] == '=') --n;
    return n;
}

constexpr int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/// Decodes `text` into `out`, which must hold *base64_decoded_size(text)
/// bytes. False on anything but canonical base64: a character outside the
/// alphabet, padding other than one or two final '=', or non-zero bits in
/// the padding.
inline bool base64_decode(std::string_view text, std::byte* out) noexcept {
    if (text.size() % 4 != 0) return false;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        bool const last = i + 4 == text.size();
        int const a = base64_value(text[i]);
        int const b = base64_value(text[i + 1]);
        if (a < 0 || b < 0) return false;
        std::uint32_t v = std::uint32_t(a) << 18 | std::uint32_t(b) << 12;
        if (last && text[i + 2] == '=') {
            if (text[i + 3] != '=' || (b & 0x0F) != 0) return false;
            *out++ = std::byte(v >> 16);
            return true;
        }
        int const c = base64_value(text[i + 2]);
        if (c < 0) return false;
        v |= std::uint32_t(c) << 6;
        if (last && text[i + 3] == '=') {
            if ((c & 0x03) != 0) return false;
            *out++ = std::byte(v >> 16);
            *out++ = std::byte(v >> 8);
            return true;
        }
        int const d = base64_value(text[i + 3]);
        if (d < 0) return false;
        v |= std::uint32_t(d);
        *out++ = std::byte(v >> 16);
        *out++ = std::byte(v >> 8);
        *out++ = std::byte(v);
    }
    return true;
}

}  // namespace cohort::detail

#endif  // COHORT_WIRE_DETAIL_BASE64_HPP
