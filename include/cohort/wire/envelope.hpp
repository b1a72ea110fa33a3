// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_ENVELOPE_HPP
#define COHORT_WIRE_ENVELOPE_HPP

// What travels between nodes: one message, plus who sent it, when, for which
// cluster, and room for an authentication tag. The codecs (binary_codec.hpp,
// json_codec.hpp) turn an envelope into bytes and back.

#include <cohort/hlc_timestamp.hpp>
#include <cohort/node_id.hpp>
#include <cohort/wire/messages.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// The protocol version this build speaks. Decoders refuse any other
/// (error::unsupported_version); encoders write only this one.
inline constexpr std::uint8_t protocol_version = 1;

/// The first two bytes of every binary_codec message. 0xC0 never occurs in
/// UTF-8, so a binary message can never be mistaken for JSON or text.
inline constexpr std::array<std::byte, 2> binary_magic{std::byte{0xC0}, std::byte{0x4F}};

/// The key that opens every json_codec message; its value is the version.
inline constexpr std::string_view json_magic_key = "cohort";

/// One message with its metadata.
struct envelope {
    /// Protocol version; must be protocol_version to encode.
    std::uint8_t version = protocol_version;
    /// The cluster's label: nodes of a cluster with another label are never
    /// merged (memberlist's label). May be empty.
    std::string label;
    /// The sending member; a valid (non-empty) id.
    node_id sender;
    /// The sender's current incarnation.
    std::uint64_t incarnation = 0;
    /// The sender's hybrid logical clock when it sent the message.
    hlc_timestamp time;
    /// The message itself.
    message body;
    /// An authentication tag over the rest of the message. Empty until the
    /// security layer fills it; the binary form places it last, after every
    /// byte it will authenticate.
    std::vector<std::byte> auth_tag;

    friend bool operator==(envelope const&, envelope const&) = default;
};

}  // namespace cohort

#endif  // COHORT_WIRE_ENVELOPE_HPP
