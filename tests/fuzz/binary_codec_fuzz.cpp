// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// libFuzzer target for binary_codec::decode. Any input must decode to an
// envelope or to a wire error. An envelope that decodes must re-encode to the
// very same bytes (the binary form is canonical), decode again to itself, and
// cross to JSON and back unchanged.

#include "fuzz_support.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    static cohort::binary_codec const binary(cohort_fuzz::fuzz_limits());
    static cohort::json_codec const json(cohort_fuzz::roomy_limits());

    std::span<std::byte const> const input(reinterpret_cast<std::byte const*>(data), size);
    auto const decoded = binary.decode(input);
    // The node's path: one envelope reused across inputs, node_ids through a
    // small (often evicting) cache. Same verdict, same envelope.
    static cohort::envelope reused;
    static cohort::detail::node_id_cache ids(4);
    auto const ec = binary.decode(input, reused, &ids);
    if (ec != (decoded ? boost::system::error_code{} : decoded.error())) cohort_fuzz::finding();
    if (decoded && !(reused == *decoded)) cohort_fuzz::finding();
    if (ids.size() > ids.capacity()) cohort_fuzz::finding();
    if (!decoded) {
        if (!cohort_fuzz::is_wire_error(decoded.error())) cohort_fuzz::finding();
        return 0;
    }
    std::vector<std::byte> out;
    if (binary.encode(*decoded, out)) cohort_fuzz::finding();
    if (!std::equal(out.begin(), out.end(), input.begin(), input.end())) cohort_fuzz::finding();
    cohort_fuzz::check_round_trip(binary, *decoded, out);
    cohort_fuzz::check_round_trip(json, *decoded, out);
    return 0;
}
