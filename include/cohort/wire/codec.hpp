// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_CODEC_HPP
#define COHORT_WIRE_CODEC_HPP

// The codec concept, and the limits every cohort codec enforces.
//
// A codec is a value that turns an envelope into bytes and bytes back into an
// envelope. Decoders take bytes straight from the network, so bad input is
// the normal case: any byte string decodes to an envelope or to a specific
// cohort::error, never to an exception, a crash or an allocation the limits do
// not allow. Encoders refuse what a decoder with the same limits would refuse,
// so whatever one node encodes its peers decode.

#include <cohort/error.hpp>
#include <cohort/wire/detail/fields.hpp>
#include <cohort/wire/detail/utf8.hpp>
#include <cohort/wire/envelope.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace cohort {

static_assert(detail::has_unique_wire_names<message>(),
              "every message type needs its own static constexpr wire_name");

/// Bounds on what a codec accepts, the same for encoding and decoding. A node
/// and its peers should agree on them.
struct wire_limits {
    /// Largest encoded message, in bytes (1 MiB). Larger input is refused
    /// before it is looked at (error::message_too_large), and an encoder
    /// refuses to produce more. Must be in [1, 2^30].
    std::size_t max_message_size = std::size_t{1} << 20;

    /// Longest string or byte field, in bytes (64 KiB), counting the label,
    /// node ids and the auth tag (error::length_over_limit). Must be at least 1.
    std::size_t max_string_length = 64 * 1024;

    /// Most elements in one sequence field (65536) (error::length_over_limit).
    /// Must be at least 1.
    std::size_t max_sequence_length = 65536;

    /// Deepest nesting of JSON arrays and objects json_codec parses (16); the
    /// binary form's nesting is fixed by the message types. Must be at least
    /// wire_min_json_depth (what cohort's own messages need) and at most 256
    /// (Boost.JSON's parser recurses once per level).
    std::size_t max_depth = 16;

    friend bool operator==(wire_limits const&, wire_limits const&) = default;
};

/// The JSON nesting depth the deepest envelope needs: the envelope object,
/// then the deepest message body (or the timestamp object).
inline constexpr std::size_t wire_min_json_depth =
    1 + std::max<std::size_t>(1, detail::json_variant_depth<message>());

/// The largest max_message_size validate() accepts.
inline constexpr std::size_t wire_max_message_size = std::size_t{1} << 30;

/// The largest max_depth validate() accepts.
inline constexpr std::size_t wire_max_json_depth = 256;

/// Checks `limits`; the error names the field that broke a rule.
inline boost::system::result<void, config_error> validate(wire_limits const& limits) noexcept {
    auto const fail = [](std::string_view field, std::string_view rule) {
        return config_error{error::invalid_config, field, rule};
    };
    if (limits.max_message_size == 0 || limits.max_message_size > wire_max_message_size)
        return fail("wire_limits.max_message_size", "must be between 1 and 2^30");
    if (limits.max_string_length == 0)
        return fail("wire_limits.max_string_length", "must be at least 1");
    if (limits.max_sequence_length == 0)
        return fail("wire_limits.max_sequence_length", "must be at least 1");
    if (limits.max_depth < wire_min_json_depth)
        return fail("wire_limits.max_depth",
                    "must be at least wire_min_json_depth (the nesting cohort's messages need)");
    if (limits.max_depth > wire_max_json_depth)
        return fail("wire_limits.max_depth", "must not exceed 256");
    return {};
}

/// A type `C` is a codec when a `C const` can
///
///   - `encode(envelope const&, std::vector<std::byte>& out)`: append the
///     encoding to `out` and return a default error_code; or return an error
///     (error::message_too_large when the encoding would exceed the maximum
///     message size, ...) and leave `out` as it was;
///   - `decode(std::span<std::byte const>)`: return the envelope the bytes
///     hold, or the error that says why they hold none, for any input.
///
/// binary_codec and json_codec model it; so can a user's own codec (see
/// examples/custom_codec.cpp).
template <class C>
concept codec = requires(C const& c, envelope const& e, std::vector<std::byte>& out,
                         std::span<std::byte const> in) {
    { c.encode(e, out) } -> std::same_as<boost::system::error_code>;
    { c.decode(in) } -> std::same_as<boost::system::result<envelope>>;
};

namespace detail {

// The checks an encoder makes on the fields a decoder would also check; both
// codecs call them, so both refuse the same envelopes.

inline boost::system::error_code check_text(std::string_view text,
                                            wire_limits const& limits) noexcept {
    if (text.size() > limits.max_string_length) return error::length_over_limit;
    if (!is_valid_utf8(text)) return error::invalid_field;
    return {};
}

inline boost::system::error_code check_bytes(std::size_t size, wire_limits const& limits) noexcept {
    if (size > limits.max_string_length) return error::length_over_limit;
    return {};
}

// An empty node_id names no member: it is never put on the wire.
inline boost::system::error_code check_node_id(node_id const& id,
                                               wire_limits const& limits) noexcept {
    if (id.empty()) return error::invalid_field;
    if (id.str().size() > limits.max_string_length) return error::length_over_limit;
    return {};
}

inline boost::system::error_code check_count(std::size_t count,
                                             wire_limits const& limits) noexcept {
    if (count > limits.max_sequence_length) return error::length_over_limit;
    return {};
}

inline boost::system::error_code check_envelope(envelope const& e,
                                                wire_limits const& limits) noexcept {
    if (e.version != protocol_version) return error::unsupported_version;
    if (e.body.valueless_by_exception()) return error::invalid_field;
    if (auto ec = check_text(e.label, limits)) return ec;
    if (auto ec = check_node_id(e.sender, limits)) return ec;
    return check_bytes(e.auth_tag.size(), limits);
}

}  // namespace detail

}  // namespace cohort

#endif  // COHORT_WIRE_CODEC_HPP
