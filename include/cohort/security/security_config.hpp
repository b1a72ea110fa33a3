// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SECURITY_SECURITY_CONFIG_HPP
#define COHORT_SECURITY_SECURITY_CONFIG_HPP

// How a node seals what it sends and what it accepts (secure_channel).

#include <cohort/security/keyring.hpp>
#include <cohort/security/replay_guard.hpp>

#include <memory>

namespace cohort {

enum class security_mode {
    /// AES-GCM (256, 192 or 128 by key length): secret and authenticated.
    encrypt,
    /// HMAC-SHA256 over the exact bytes sent (noex's clusterSecret): readable
    /// on the wire, but unforgeable without the key.
    authenticate,
};

struct security_config {
    /// The keys; null means no security (every other field is ignored).
    std::shared_ptr<cohort::keyring> keyring;

    /// encrypt (default) or authenticate.
    security_mode mode = security_mode::encrypt;

    /// Refuse unsealed messages (true). Turn off, as memberlist's
    /// GossipVerifyIncoming, while a running plaintext cluster upshifts:
    /// first every node accepts both, then every node seals, then every node
    /// verifies. Both switches are the starting state: they change at run
    /// time, without a restart, through basic_node::set_security_verify
    /// (secure_channel::set_verify).
    bool verify_incoming = true;

    /// Seal what this node sends (true). Off: send plaintext while still
    /// opening sealed messages (memberlist's GossipVerifyOutgoing); the
    /// keyring may then be empty until it is turned on.
    bool verify_outgoing = true;

    /// The replay check on sealed messages.
    replay_config replay{};
};

} // namespace cohort

#endif // COHORT_SECURITY_SECURITY_CONFIG_HPP
