// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_DETAIL_PENDING_CALL_HPP
#define COHORT_ROUTING_DETAIL_PENDING_CALL_HPP

// One call a basic_router (router.hpp) waits on: its completion handler, the
// request it sent (kept for redirects and retries), the target it went to and
// how far it has got. Held in the router's detail::slab (slab.hpp), whose
// slots are reused, so its members are reset by the router, not by a
// constructor. A plain record, apart from the router so that the state a call
// carries can be read in one place.

#include <cohort/node_id.hpp>
#include <cohort/routing/key_hash.hpp>
#include <cohort/wire/messages.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cohort::detail {

// What a call completes with: void(error_code, the reply bytes).
using router_call_handler = boost::asio::any_completion_handler<void(boost::system::error_code,
                                                                     std::vector<std::byte>)>;

enum class router_call_state : std::uint8_t {
    in_flight,         // sent to `target` (or running locally)
    waiting_for_view,  // the owner failed; retry when the view names another
};

struct router_pending_call {
    router_call_handler handler;
    // The route_request sent (key, topic and payload kept for redirects
    // and retries), held as the message the node encodes: no copy per send.
    message request;
    hashed_key hash;
    node_id target;
    std::chrono::nanoseconds started{};  // the node's monotonic time at the call (latency)
    std::uint32_t attempts = 0;  // identifies the send a failure belongs to
    std::uint32_t hops = 0;
    bool retry = false;
    bool direct = false;  // async_call_member: no ownership check at the receiver
    router_call_state state = router_call_state::in_flight;
};

} // namespace cohort::detail

#endif // COHORT_ROUTING_DETAIL_PENDING_CALL_HPP
