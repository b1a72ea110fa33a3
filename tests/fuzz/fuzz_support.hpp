// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TESTS_FUZZ_SUPPORT_HPP
#define COHORT_TESTS_FUZZ_SUPPORT_HPP

// What both fuzz targets and the corpus generator share: the limits the
// fuzzers decode under, and the checks a decoded envelope must pass.

#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/json_codec.hpp>

#include <cstddef>
#include <span>
#include <vector>

namespace cohort_fuzz {

// Small limits, so that short inputs reach every limit check. tools/fuzz.sh
// passes -max_len a little above max_message_size, so that the size check is
// reached too; change both together.
inline cohort::wire_limits fuzz_limits() {
    cohort::wire_limits limits;
    limits.max_message_size = 4096;
    limits.max_string_length = 256;
    limits.max_sequence_length = 16;
    return limits;
}

// The same, with room for a re-encoding to spell a value longer than the input
// did (JSON: a wall_ns given as a number comes back as a string).
inline cohort::wire_limits roomy_limits() {
    auto limits = fuzz_limits();
    limits.max_message_size *= 4;
    return limits;
}

// Findings are traps, not exceptions: an exception escaping a decoder must be
// reported by libFuzzer as one, so nothing here catches.
[[noreturn]] inline void finding() { __builtin_trap(); }

inline bool is_wire_error(boost::system::error_code ec) {
    auto const v = ec.value();
    return ec.category() == cohort::error_category() &&
           v >= static_cast<int>(cohort::error::message_truncated) &&
           v <= static_cast<int>(cohort::error::message_too_large);
}

// An envelope that decoded must encode with `codec`, and decode from that to
// itself.
template <class Codec>
void check_round_trip(Codec const& codec, cohort::envelope const& e, std::vector<std::byte>& out) {
    out.clear();
    if (codec.encode(e, out)) finding();
    auto const again = codec.decode(out);
    if (!again || !(*again == e)) finding();
}

}  // namespace cohort_fuzz

#endif  // COHORT_TESTS_FUZZ_SUPPORT_HPP
