// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_HLC_TIMESTAMP_HPP
#define COHORT_HLC_TIMESTAMP_HPP

// The hybrid-logical-clock timestamp as a value: total order, a fixed 12-byte
// wire form, CockroachDB's string form and a JSON form that stays exact beyond
// 2^53. The clock that issues these lives in hlc.hpp.

#include <cohort/error.hpp>

#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>

#include <array>
#include <charconv>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace cohort {

/// A hybrid logical clock timestamp: physical time in nanoseconds since the
/// Unix epoch, then a logical counter that orders events within one wall time.
/// Ordered by `wall_ns`, then by `logical`.
struct hlc_timestamp {
    std::uint64_t wall_ns = 0;  ///< nanoseconds since 1970-01-01T00:00:00Z
    std::uint32_t logical = 0;  ///< tie-breaker for equal `wall_ns`

    friend constexpr auto operator<=>(hlc_timestamp const&, hlc_timestamp const&) = default;
    friend constexpr bool operator==(hlc_timestamp const&, hlc_timestamp const&) = default;
};

/// Size of the wire form produced by `to_bytes`.
inline constexpr std::size_t hlc_timestamp_wire_size = 12;

/// The wire form: `wall_ns` as 8 bytes big-endian, then `logical` as 4 bytes
/// big-endian. Big-endian so that bytewise comparison agrees with `operator<=>`.
constexpr std::array<std::byte, hlc_timestamp_wire_size> to_bytes(hlc_timestamp ts) noexcept {
    std::array<std::byte, hlc_timestamp_wire_size> out{};
    for (std::size_t i = 0; i < 8; ++i)
        out[i] = static_cast<std::byte>(ts.wall_ns >> (8 * (7 - i)));
    for (std::size_t i = 0; i < 4; ++i)
        out[8 + i] = static_cast<std::byte>(ts.logical >> (8 * (3 - i)));
    return out;
}

/// Decodes the wire form. Fails with `error::timestamp_invalid` unless `bytes`
/// holds exactly `hlc_timestamp_wire_size` bytes; every 12-byte input is valid.
inline boost::system::result<hlc_timestamp>
hlc_timestamp_from_bytes(std::span<std::byte const> bytes) noexcept {
    if (bytes.size() != hlc_timestamp_wire_size)
        return error::timestamp_invalid;
    hlc_timestamp ts;
    for (std::size_t i = 0; i < 8; ++i)
        ts.wall_ns = (ts.wall_ns << 8) | static_cast<std::uint64_t>(bytes[i]);
    for (std::size_t i = 8; i < 12; ++i)
        ts.logical = (ts.logical << 8) | static_cast<std::uint32_t>(bytes[i]);
    return ts;
}

namespace detail {

inline constexpr std::uint64_t hlc_ns_per_second = 1'000'000'000;

// Canonical unsigned decimal: at least one digit, digits only, no leading zero
// (except "0" itself), no overflow. One spelling per number keeps string
// equality and timestamp equality the same thing.
constexpr bool parse_canonical_u64(std::string_view s, std::uint64_t& out) noexcept {
    if (s.empty() || (s.size() > 1 && s[0] == '0'))
        return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        auto const d = static_cast<std::uint64_t>(c - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
            return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

// Longest string form: 11 digits of seconds, '.', 9 digits, ',', 10 digits.
inline constexpr std::size_t hlc_string_max_size = 32;

} // namespace detail

/// The string form, as CockroachDB prints it: `"<unix seconds>.<9-digit
/// nanoseconds>,<logical>"`, e.g. `"1732233600.000000123,4"`.
inline std::string to_string(hlc_timestamp ts) {
    char buf[detail::hlc_string_max_size];
    char* const end = buf + sizeof buf;
    auto r = std::to_chars(buf, end, ts.wall_ns / detail::hlc_ns_per_second);
    *r.ptr++ = '.';
    auto frac = static_cast<std::uint32_t>(ts.wall_ns % detail::hlc_ns_per_second);
    for (int i = 8; i >= 0; --i) {
        r.ptr[i] = static_cast<char>('0' + frac % 10);
        frac /= 10;
    }
    r.ptr += 9;
    *r.ptr++ = ',';
    r = std::to_chars(r.ptr, end, ts.logical);
    return std::string(buf, r.ptr);
}

/// Parses the string form of `to_string`, strictly: seconds and logical in
/// canonical decimal (no sign, space or leading zero), exactly 9 fraction
/// digits, and a total that fits the fields. Anything else is
/// `error::timestamp_invalid`.
inline boost::system::result<hlc_timestamp> parse_hlc_timestamp(std::string_view s) noexcept {
    auto const dot = s.find('.');
    if (dot == std::string_view::npos)
        return error::timestamp_invalid;
    auto const comma = s.find(',', dot + 1);
    if (comma == std::string_view::npos || comma - dot - 1 != 9)
        return error::timestamp_invalid;

    std::uint64_t seconds = 0;
    if (!detail::parse_canonical_u64(s.substr(0, dot), seconds))
        return error::timestamp_invalid;
    std::uint64_t nanos = 0;
    for (char c : s.substr(dot + 1, 9)) {
        if (c < '0' || c > '9')
            return error::timestamp_invalid;
        nanos = nanos * 10 + static_cast<std::uint64_t>(c - '0');
    }
    std::uint64_t logical = 0;
    if (!detail::parse_canonical_u64(s.substr(comma + 1), logical) ||
        logical > std::numeric_limits<std::uint32_t>::max())
        return error::timestamp_invalid;
    if (seconds > (std::numeric_limits<std::uint64_t>::max() - nanos) / detail::hlc_ns_per_second)
        return error::timestamp_invalid;
    return hlc_timestamp{seconds * detail::hlc_ns_per_second + nanos,
                         static_cast<std::uint32_t>(logical)};
}

/// Writes the string form of `to_string`.
inline std::ostream& operator<<(std::ostream& os, hlc_timestamp ts) {
    return os << to_string(ts);
}

// JSON. The overloads are templates constrained to boost::json::value, and take
// the tags by reference, so that this header needs only <boost/json/fwd.hpp>
// (the documented way to convert "without a physical dependency on Boost.JSON"):
// the HLC costs no Boost.JSON parsing time, and whoever calls value_from or
// value_to has included the rest.

/// `boost::json::value_from(ts)` gives `{"wall_ns":"<decimal>","logical":<n>}`.
/// `wall_ns` is a string so that parsers that read numbers as doubles
/// (JavaScript, many others) keep it exact beyond 2^53.
template <class JsonValue>
    requires std::same_as<JsonValue, boost::json::value>
void tag_invoke(boost::json::value_from_tag const&, JsonValue& jv, hlc_timestamp const& ts) {
    char buf[std::numeric_limits<std::uint64_t>::digits10 + 1];
    auto const r = std::to_chars(buf, buf + sizeof buf, ts.wall_ns);
    auto& obj = jv.emplace_object();
    obj.reserve(2);
    obj["wall_ns"].emplace_string().assign(buf, static_cast<std::size_t>(r.ptr - buf));
    obj["logical"].emplace_int64() = ts.logical;
}

/// Non-throwing conversion used by `boost::json::try_value_to<hlc_timestamp>`
/// (and by `value_to`, which throws `boost::system::system_error` with its
/// error). Accepts an object with exactly the keys `wall_ns` (a canonical
/// decimal string, or a JSON integer >= 0) and `logical` (an integer in
/// uint32 range); anything else is `error::timestamp_invalid`.
template <class JsonValue>
    requires std::same_as<JsonValue, boost::json::value>
boost::system::result<hlc_timestamp>
tag_invoke(boost::json::try_value_to_tag<hlc_timestamp> const&, JsonValue const& jv) noexcept {
    auto const* obj = jv.if_object();
    if (obj == nullptr || obj->size() != 2)
        return error::timestamp_invalid;
    auto const* wall = obj->if_contains("wall_ns");
    auto const* logical = obj->if_contains("logical");
    if (wall == nullptr || logical == nullptr)
        return error::timestamp_invalid;

    hlc_timestamp ts;
    if (auto const* s = wall->if_string()) {
        if (!detail::parse_canonical_u64(std::string_view(s->data(), s->size()), ts.wall_ns))
            return error::timestamp_invalid;
    } else if (auto const* u = wall->if_uint64()) {
        ts.wall_ns = *u;
    } else if (auto const* i = wall->if_int64(); i != nullptr && *i >= 0) {
        ts.wall_ns = static_cast<std::uint64_t>(*i);
    } else {
        return error::timestamp_invalid;
    }

    constexpr auto logical_max = std::numeric_limits<std::uint32_t>::max();
    if (auto const* u = logical->if_uint64(); u != nullptr && *u <= logical_max)
        ts.logical = static_cast<std::uint32_t>(*u);
    else if (auto const* i = logical->if_int64(); i != nullptr && *i >= 0 && *i <= logical_max)
        ts.logical = static_cast<std::uint32_t>(*i);
    else
        return error::timestamp_invalid;
    return ts;
}

} // namespace cohort

/// Hashes both fields; equal timestamps hash equally.
template <>
struct std::hash<cohort::hlc_timestamp> {
    std::size_t operator()(cohort::hlc_timestamp const& ts) const noexcept {
        // splitmix64's finaliser: issued timestamps differ mostly in low bits
        // of one field, and an identity hash would cluster them in buckets.
        std::uint64_t x = ts.wall_ns ^ (std::uint64_t{ts.logical} * 0x9e3779b97f4a7c15ULL);
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return static_cast<std::size_t>(x ^ (x >> 31));
    }
};

#endif // COHORT_HLC_TIMESTAMP_HPP
