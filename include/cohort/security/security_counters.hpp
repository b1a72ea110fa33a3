// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SECURITY_SECURITY_COUNTERS_HPP
#define COHORT_SECURITY_SECURITY_COUNTERS_HPP

#include <cstdint>

namespace cohort {

/// What secure_channel did, every refusal by its reason.
struct security_counters {
    std::uint64_t sealed = 0;              ///< messages sealed for sending
    std::uint64_t sealed_in_peer_key = 0;  ///< of those, in the peer's primary (a rotation it missed)
    std::uint64_t sent_plaintext = 0;      ///< sent unsealed (verify_outgoing off)
    std::uint64_t opened = 0;              ///< sealed messages that verified
    std::uint64_t accepted_plaintext = 0;  ///< unsealed, accepted (verify_incoming off)
    std::uint64_t malformed = 0;           ///< sealed header or length wrong
    std::uint64_t unknown_key = 0;         ///< key id not in the keyring
    std::uint64_t bad_tag = 0;             ///< tampered, or sealed with another key of that id
    std::uint64_t wrong_mode = 0;          ///< sealed in the other mode
    std::uint64_t plaintext_refused = 0;   ///< unsealed while verify_incoming is on
    std::uint64_t replayed = 0;            ///< stamp already seen from that sender
    std::uint64_t too_old = 0;             ///< stamp older than the replay window
    std::uint64_t seal_failures = 0;       ///< could not seal (no primary key, OpenSSL)

    /// Every refused incoming message.
    std::uint64_t refused() const noexcept {
        return malformed + unknown_key + bad_tag + wrong_mode + plaintext_refused + replayed +
               too_old;
    }
};

} // namespace cohort

#endif // COHORT_SECURITY_SECURITY_COUNTERS_HPP
