// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// Boost.JSON compiled into the static cohort-node (COHORT_NODE_STATIC), in
// place of the shared libboost_json.
#include <boost/json/src.hpp>
