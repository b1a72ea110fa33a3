// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// libFuzzer target for json_codec::decode. Any input must decode to an
// envelope or to a wire error. An envelope that decodes must re-encode, decode
// again to itself, and cross to the binary form and back unchanged.

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    static cohort::json_codec const json(cohort_fuzz::fuzz_limits());
    static cohort::json_codec const json_roomy(cohort_fuzz::roomy_limits());
    static cohort::binary_codec const binary(cohort_fuzz::roomy_limits());

    std::span<std::byte const> const input(reinterpret_cast<std::byte const*>(data), size);
    auto const decoded = json.decode(input);
    if (!decoded) {
        if (!cohort_fuzz::is_wire_error(decoded.error())) cohort_fuzz::finding();
        return 0;
    }
    std::vector<std::byte> out;
    cohort_fuzz::check_round_trip(json_roomy, *decoded, out);
    cohort_fuzz::check_round_trip(binary, *decoded, out);
    return 0;
}
