// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_DISCOVERY_SEED_LOOKUP_HPP
#define COHORT_DISCOVERY_SEED_LOOKUP_HPP

// What one lookup of a list of seeds found: the addresses, and the seeds that
// could not be resolved with why. dns_seed_resolver produces it; any resolver
// basic_seed_discovery drives (a scripted one in tests) does too.

#include <cohort/discovery/seed.hpp>
#include <cohort/membership/member.hpp>

#include <boost/system/error_code.hpp>

#include <vector>

namespace cohort {

struct seed_failure {
    cohort::seed seed;
    boost::system::error_code ec;
    friend bool operator==(seed_failure const&, seed_failure const&) = default;
};

struct seed_lookup {
    /// Every address found, sorted by address_less (bootstrap.hpp), without
    /// duplicates.
    std::vector<peer_address> addresses;
    /// The seeds that failed (in the order given), each with its error.
    std::vector<seed_failure> failures;

    /// Whether every seed resolved (an answer basic_seed_discovery trusts).
    bool complete() const noexcept { return failures.empty(); }
};

} // namespace cohort

#endif // COHORT_DISCOVERY_SEED_LOOKUP_HPP
