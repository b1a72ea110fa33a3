// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The one TU that defines the Boost.Test module for discovery on loopback
// (dns_seed_resolver against a real dnsmasq).
#define BOOST_TEST_MODULE cohort_discovery_loopback
#include <boost/test/unit_test.hpp>
