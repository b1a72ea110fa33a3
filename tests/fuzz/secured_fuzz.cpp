// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// libFuzzer target for the secured receive path (issue 12): secure_channel::open
// in both modes on hostile bytes, then the binary decoder and the replay check
// on whatever opens, as basic_node runs them. Any input must open or fail with
// one of the documented errors. And every input, taken as a plaintext, must
// seal and open back to itself, and must not open once any one byte of the
// sealed form is changed.

#include "fuzz_support.hpp"

#include <cohort/security/secure_channel.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace {

bool is_open_error(boost::system::error_code ec) {
    using cohort::error;
    for (error e : {error::message_truncated, error::unsupported_version, error::wrong_security_mode,
                    error::unknown_key_id, error::bad_auth_tag, error::plaintext_refused})
        if (ec == e) return true;
    return false;
}

cohort::security_config fuzz_config(cohort::security_mode mode) {
    static auto const ring = [] {
        auto r = std::make_shared<cohort::keyring>();
        (void)r->install(std::vector<std::byte>(32, std::byte{0x42}));
        (void)r->install(std::vector<std::byte>(16, std::byte{0x17}));
        return r;
    }();
    cohort::security_config cfg;
    cfg.keyring = ring;
    cfg.mode = mode;
    return cfg;
}

void receive_path(cohort::secure_channel& channel, std::span<std::byte const> input) {
    static cohort::binary_codec const binary(cohort_fuzz::fuzz_limits());
    auto const opened = channel.open(input);
    if (!opened) {
        if (!is_open_error(opened.error())) cohort_fuzz::finding();
        return;
    }
    if (opened->plaintext.size() > input.size()) cohort_fuzz::finding();
    auto const decoded = binary.decode(opened->plaintext);
    if (!decoded) {
        if (!cohort_fuzz::is_wire_error(decoded.error())) cohort_fuzz::finding();
        return;
    }
    if (opened->sealed) (void)channel.admit(decoded->sender.str(), decoded->time, decoded->time.wall_ns);
    if (channel.replay_senders() > channel.config().replay.max_senders) cohort_fuzz::finding();
}

void round_trip(cohort::secure_channel& sender, cohort::secure_channel& receiver,
                std::span<std::byte const> input) {
    std::vector<std::byte> sealed;
    if (sender.seal(input, sealed)) cohort_fuzz::finding();
    auto const opened = receiver.open(sealed);
    if (!opened || !opened->sealed) cohort_fuzz::finding();
    if (!std::equal(opened->plaintext.begin(), opened->plaintext.end(), input.begin(), input.end()))
        cohort_fuzz::finding();
    // Change one byte, chosen by the input, by a value the input chooses.
    std::size_t const at = input.empty() ? 0 : std::to_integer<std::size_t>(input[0]) * 131 % sealed.size();
    auto const delta = input.size() > 1 ? (std::to_integer<unsigned>(input[1]) | 1u) : 1u;
    sealed[at] ^= static_cast<std::byte>(delta);
    if (receiver.open(sealed)) cohort_fuzz::finding();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    static cohort::secure_channel encrypting(fuzz_config(cohort::security_mode::encrypt));
    static cohort::secure_channel authenticating(fuzz_config(cohort::security_mode::authenticate));
    static cohort::secure_channel encrypt_sender(fuzz_config(cohort::security_mode::encrypt));
    static cohort::secure_channel authenticate_sender(fuzz_config(cohort::security_mode::authenticate));

    std::span<std::byte const> const input(reinterpret_cast<std::byte const*>(data), size);
    receive_path(encrypting, input);
    receive_path(authenticating, input);
    // The same input behind a sealed header, so that the key lookup and tag
    // checks see it rather than the plaintext refusal.
    std::vector<std::byte> framed{cohort::sealed_magic[0], cohort::sealed_magic[1], cohort::sealed_version};
    framed.insert(framed.end(), input.begin(), input.end());
    receive_path(encrypting, framed);
    receive_path(authenticating, framed);
    round_trip(encrypt_sender, encrypting, input);
    round_trip(authenticate_sender, authenticating, input);
    return 0;
}
