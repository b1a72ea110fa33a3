// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// A user-written codec: cohort's binary form followed by a CRC-32C of it, for
// a network path where corruption must be caught end to end. It satisfies
// cohort::codec, so anything generic over codecs accepts it in place of
// binary_codec or json_codec. The program round-trips a message through it,
// prints the message, then shows a flipped bit being caught.

#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/json_codec.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace {

// CRC-32C (Castagnoli), bit by bit: short, and fast enough for an example.
std::uint32_t crc32c(std::span<std::byte const> bytes) {
    std::uint32_t crc = 0xFFFFFFFFU;
    for (auto b : bytes) {
        crc ^= static_cast<std::uint32_t>(b);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78U & (0U - (crc & 1U)));
    }
    return ~crc;
}

class checksummed_codec {
public:
    static constexpr std::size_t checksum_size = 4;

    explicit checksummed_codec(cohort::wire_limits limits = {}) : inner_(limits) {}

    // Appends the binary form, then its CRC-32C (big-endian). Like every
    // codec, leaves `out` as it was on failure.
    boost::system::error_code encode(cohort::envelope const& e, std::vector<std::byte>& out) const {
        std::size_t const start = out.size();
        if (auto ec = inner_.encode(e, out)) return ec;
        if (out.size() - start + checksum_size > inner_.limits().max_message_size) {
            out.resize(start);
            return cohort::error::message_too_large;
        }
        std::uint32_t const crc = crc32c(std::span(out).subspan(start));
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte(crc >> shift));
        return {};
    }

    boost::system::result<cohort::envelope> decode(std::span<std::byte const> in) const {
        if (in.size() > inner_.limits().max_message_size) return cohort::error::message_too_large;
        if (in.size() < checksum_size) return cohort::error::message_truncated;
        auto const body = in.first(in.size() - checksum_size);
        std::uint32_t expected = 0;
        for (auto b : in.last(checksum_size)) expected = expected << 8 | std::uint32_t(b);
        if (crc32c(body) != expected) return cohort::error::invalid_field;
        return inner_.decode(body);
    }

private:
    cohort::binary_codec inner_;
};

static_assert(cohort::codec<checksummed_codec>);

// Written once for every codec, as basic_node's message loop is.
template <cohort::codec Codec>
boost::system::result<cohort::envelope>
send_and_receive(Codec const& codec, cohort::envelope const& e, std::vector<std::byte>& wire) {
    wire.clear();
    if (auto ec = codec.encode(e, wire)) return ec;
    return codec.decode(wire);
}

std::string as_json(cohort::envelope const& e) {
    std::vector<std::byte> out;
    if (auto ec = cohort::json_codec().encode(e, out)) return "<" + ec.message() + ">";
    return std::string(reinterpret_cast<char const*>(out.data()), out.size());
}

}  // namespace

int main() {
    cohort::envelope e;
    e.label = "prod";
    e.sender = cohort::node_id::parse("node-1@10.0.0.1:7946").value();
    e.incarnation = 7;
    e.time = {1732233600000000123ULL, 0};
    e.body = cohort::alive{cohort::node_id::parse("node-1@10.0.0.1:7946").value(),
                           7,
                           {{"role", "edge"}, {"zone", "eu-west-1a"}}};

    checksummed_codec const codec;
    std::vector<std::byte> wire;
    auto const received = send_and_receive(codec, e, wire);
    if (!received) {
        std::printf("round trip failed: %s\n", received.error().message().c_str());
        return 1;
    }
    std::printf("%zu bytes on the wire (binary form + 4-byte CRC-32C):\n  ", wire.size());
    for (auto b : wire) std::printf("%02x", static_cast<unsigned>(b));
    std::printf("\nreceived, shown as JSON:\n  %s\n", as_json(*received).c_str());
    std::printf("identical to what was sent: %s\n", *received == e ? "yes" : "no");

    wire[wire.size() / 2] ^= std::byte{0x10};
    auto const corrupted = codec.decode(wire);
    std::printf("after flipping one bit: %s\n",
                corrupted ? "decoded (unexpected)" : corrupted.error().message().c_str());
    return *received == e && !corrupted ? 0 : 1;
}
