// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_ROUTE_CONTEXT_HPP
#define COHORT_ROUTING_ROUTE_CONTEXT_HPP

// route_context: what a basic_router handler (router.hpp) learns about the
// request it serves: the key and its hash, the topic, the caller, and whether
// the call is local or a cast. Apart from the router because handlers are
// written against it, not against the router.

#include <cohort/node_id.hpp>
#include <cohort/routing/key_hash.hpp>

#include <string_view>

namespace cohort {

/// What a handler learns about the request it serves. Valid during the
/// handler call only.
struct route_context {
    std::string_view key;
    hashed_key hash;
    std::string_view topic;
    node_id const& from;    ///< the calling node (this node for a local call)
    bool local = false;     ///< called on this node, without the network
    bool want_reply = true; ///< false for a cast: the answer is discarded
};

} // namespace cohort

#endif // COHORT_ROUTING_ROUTE_CONTEXT_HPP
