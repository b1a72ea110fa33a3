// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_FRAMING_HPP
#define COHORT_TRANSPORT_DETAIL_FRAMING_HPP

// The stream wire format of udp_tcp_transport. Every frame is a 4-byte
// big-endian payload length followed by the payload. The first frame on
// every connection is the hello, which names the endpoint the connecting
// side listens on (its advertised address), so that the accepting side can
// attribute the frames to that peer rather than to an ephemeral source port:
//
//   hello payload  "coho" | version (1) | family (4 or 6) | address (4 or 16) | port (BE16)
//                  12 bytes for IPv4, 24 bytes for IPv6
//
// Over TLS (udp_tcp_config::tls) the accepting side writes its own hello
// first, once its handshake is done, and the connecting side writes nothing
// before it has read it: it only says "accepted" (its address is not used).

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace cohort::detail {

/// Bytes of the length prefix in front of every frame.
inline constexpr std::size_t frame_header_size = 4;

inline constexpr std::array<std::byte, 4> hello_magic{std::byte{'c'}, std::byte{'o'},
                                                       std::byte{'h'}, std::byte{'o'}};
// Version 1: the opener only writes on the connection. Version 2 (sent
// since connections became two-way): the opener also reads it, so the
// acceptor may send its own frames to the opener there.
inline constexpr std::byte hello_version_one_way{1};
inline constexpr std::byte hello_version{2};
inline constexpr std::size_t hello_v4_size = 4 + 1 + 1 + 4 + 2;
inline constexpr std::size_t hello_v6_size = 4 + 1 + 1 + 16 + 2;

inline void store_u32_be(std::byte* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::byte>(v >> 24);
    p[1] = static_cast<std::byte>(v >> 16);
    p[2] = static_cast<std::byte>(v >> 8);
    p[3] = static_cast<std::byte>(v);
}

inline std::uint32_t load_u32_be(std::byte const* p) noexcept {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) |
           (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

/// The frame for `payload`: length prefix and a copy of the payload, in one
/// allocation. The caller has checked that the size fits 32 bits.
inline std::vector<std::byte> make_frame(std::span<std::byte const> payload) {
    std::vector<std::byte> frame;
    frame.reserve(frame_header_size + payload.size());  // written once, not zeroed first
    frame.resize(frame_header_size);
    store_u32_be(frame.data(), static_cast<std::uint32_t>(payload.size()));
    frame.insert(frame.end(), payload.begin(), payload.end());
    return frame;
}

/// The complete hello frame (length prefix included) announcing `self`.
inline std::vector<std::byte> make_hello_frame(boost::asio::ip::udp::endpoint const& self) {
    auto const address = self.address();
    std::size_t const size = address.is_v4() ? hello_v4_size : hello_v6_size;
    std::vector<std::byte> frame(frame_header_size + size);
    std::byte* p = frame.data();
    store_u32_be(p, static_cast<std::uint32_t>(size));
    p += frame_header_size;
    std::memcpy(p, hello_magic.data(), hello_magic.size());
    p += hello_magic.size();
    *p++ = hello_version;
    if (address.is_v4()) {
        *p++ = std::byte{4};
        auto const bytes = address.to_v4().to_bytes();
        std::memcpy(p, bytes.data(), bytes.size());
        p += bytes.size();
    } else {
        *p++ = std::byte{6};
        auto const bytes = address.to_v6().to_bytes();
        std::memcpy(p, bytes.data(), bytes.size());
        p += bytes.size();
    }
    *p++ = static_cast<std::byte>(self.port() >> 8);
    *p = static_cast<std::byte>(self.port() & 0xff);
    return frame;
}

/// What a hello announces.
struct hello_info {
    boost::asio::ip::udp::endpoint from; ///< the opener's advertised endpoint
    bool two_way = false;                ///< the opener reads frames sent back on it
};

/// What a hello payload announces, or nothing when the payload is not a
/// well-formed hello (wrong size, magic, version or family, port 0).
inline std::optional<hello_info> parse_hello(std::span<std::byte const> payload) noexcept {
    if (payload.size() != hello_v4_size && payload.size() != hello_v6_size)
        return std::nullopt;
    if (std::memcmp(payload.data(), hello_magic.data(), hello_magic.size()) != 0)
        return std::nullopt;
    std::byte const* p = payload.data() + hello_magic.size();
    auto const version = *p++;
    if (version != hello_version && version != hello_version_one_way)
        return std::nullopt;
    auto const family = *p++;
    boost::asio::ip::address address;
    if (family == std::byte{4} && payload.size() == hello_v4_size) {
        boost::asio::ip::address_v4::bytes_type bytes;
        std::memcpy(bytes.data(), p, bytes.size());
        p += bytes.size();
        address = boost::asio::ip::address_v4(bytes);
    } else if (family == std::byte{6} && payload.size() == hello_v6_size) {
        boost::asio::ip::address_v6::bytes_type bytes;
        std::memcpy(bytes.data(), p, bytes.size());
        p += bytes.size();
        address = boost::asio::ip::address_v6(bytes);
    } else {
        return std::nullopt;
    }
    auto const port =
        static_cast<unsigned short>((std::to_integer<unsigned>(p[0]) << 8) |
                                    std::to_integer<unsigned>(p[1]));
    if (port == 0)
        return std::nullopt;
    return hello_info{boost::asio::ip::udp::endpoint(address, port), version == hello_version};
}

} // namespace cohort::detail

#endif // COHORT_TRANSPORT_DETAIL_FRAMING_HPP
