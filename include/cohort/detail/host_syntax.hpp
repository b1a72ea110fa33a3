// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DETAIL_HOST_SYNTAX_HPP
#define COHORT_DETAIL_HOST_SYNTAX_HPP

// Syntax checks for the host part of a node_id, written without Asio so that
// node_id stays a pure value type. IPv6 text is canonicalised (RFC 5952) so
// that two spellings of one address compare equal.

#include <cohort/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cohort::detail {

inline constexpr bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }
inline constexpr bool is_ascii_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline constexpr int hex_value(char c) noexcept {
    if (is_ascii_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Dotted-quad IPv4: exactly four decimal octets 0..255, no leading zeros
/// (which some resolvers read as octal), nothing else.
inline std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view s) noexcept {
    std::array<std::uint8_t, 4> out{};
    std::size_t part = 0;
    std::size_t i = 0;
    while (true) {
        std::size_t start = i;
        unsigned value = 0;
        while (i < s.size() && is_ascii_digit(s[i]) && i - start < 3) {
            value = value * 10 + static_cast<unsigned>(s[i] - '0');
            ++i;
        }
        std::size_t digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0')) return std::nullopt;
        out[part++] = static_cast<std::uint8_t>(value);
        if (part == 4) break;
        if (i >= s.size() || s[i] != '.') return std::nullopt;
        ++i;
    }
    if (i != s.size()) return std::nullopt;
    return out;
}

/// IPv6 text (RFC 4291 section 2.2, without a zone id) to 16 bytes.
inline std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view s) noexcept {
    std::array<std::uint16_t, 8> groups{};
    std::size_t count = 0;
    std::optional<std::size_t> gap;  // index in groups where "::" stands
    std::size_t i = 0;

    if (s.size() < 2) return std::nullopt;
    if (s[0] == ':') {
        if (s[1] != ':') return std::nullopt;
        gap = 0;
        i = 2;
        if (i == s.size()) return std::array<std::uint8_t, 16>{};
    }
    while (i < s.size()) {
        if (count == 8) return std::nullopt;
        std::size_t start = i;
        unsigned value = 0;
        while (i < s.size() && hex_value(s[i]) >= 0 && i - start < 4) {
            value = value * 16 + static_cast<unsigned>(hex_value(s[i]));
            ++i;
        }
        if (i < s.size() && s[i] == '.') {
            // Embedded IPv4 in the last 32 bits.
            if (count > 6) return std::nullopt;
            auto v4 = parse_ipv4(s.substr(start));
            if (!v4) return std::nullopt;
            groups[count++] = static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]);
            groups[count++] = static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]);
            i = s.size();
            break;
        }
        if (i == start) return std::nullopt;  // empty group or a non-hex character
        groups[count++] = static_cast<std::uint16_t>(value);
        if (i == s.size()) break;
        if (s[i] != ':') return std::nullopt;  // also rejects a fifth hex digit
        ++i;
        if (i < s.size() && s[i] == ':') {
            if (gap) return std::nullopt;  // "::" twice
            gap = count;
            ++i;
            if (i == s.size()) break;
        } else if (i == s.size()) {
            return std::nullopt;  // trailing single ':'
        }
    }
    if (gap) {
        if (count == 8) return std::nullopt;  // "::" must stand for at least one group
        std::size_t tail = count - *gap;
        for (std::size_t k = 0; k < tail; ++k) groups[7 - k] = groups[count - 1 - k];
        for (std::size_t k = *gap; k < 8 - tail; ++k) groups[k] = 0;
    } else if (count != 8) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 16> out{};
    for (std::size_t k = 0; k < 8; ++k) {
        out[2 * k] = static_cast<std::uint8_t>(groups[k] >> 8);
        out[2 * k + 1] = static_cast<std::uint8_t>(groups[k] & 0xff);
    }
    return out;
}

/// RFC 5952 text: lowercase, no leading zeros, the longest run (>= 2) of zero
/// groups as "::" (the first when tied), IPv4-mapped addresses in dotted form.
inline std::string format_ipv6(std::array<std::uint8_t, 16> const& b) {
    std::array<unsigned, 8> g{};
    for (std::size_t k = 0; k < 8; ++k) g[k] = (unsigned{b[2 * k]} << 8) | b[2 * k + 1];

    std::string out;
    bool v4_mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 &&
                     g[5] == 0xffff;
    std::size_t hex_groups = v4_mapped ? 6 : 8;

    std::size_t best_start = 8, best_len = 0;
    for (std::size_t k = 0; k < hex_groups;) {
        if (g[k] != 0) { ++k; continue; }
        std::size_t start = k;
        while (k < hex_groups && g[k] == 0) ++k;
        if (k - start > best_len) { best_start = start; best_len = k - start; }
    }
    if (best_len < 2) best_start = 8;

    constexpr char digits[] = "0123456789abcdef";
    for (std::size_t k = 0; k < hex_groups; ++k) {
        if (k == best_start) {
            out += "::";
            k += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned nibble = (g[k] >> shift) & 0xf;
            if (nibble != 0 || started || shift == 0) {
                out += digits[nibble];
                started = true;
            }
        }
    }
    if (v4_mapped) {
        if (out.back() != ':') out += ':';
        for (std::size_t k = 12; k < 16; ++k) {
            out += std::to_string(b[k]);
            if (k != 15) out += '.';
        }
    }
    return out;
}

/// RFC 1123 hostname: dot-separated labels of 1..63 letters, digits and '-',
/// no label starting or ending with '-', 253 characters in all.
inline boost::system::error_code check_hostname(std::string_view s) noexcept {
    if (s.size() > 253) return error::host_too_long;
    std::size_t label = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
                return error::hostname_invalid;
            label = 0;
            continue;
        }
        char c = s[i];
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '-') return error::hostname_invalid;
        ++label;
    }
    return {};
}

} // namespace cohort::detail

#endif // COHORT_DETAIL_HOST_SYNTAX_HPP
