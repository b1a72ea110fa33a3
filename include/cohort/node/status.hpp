// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_STATUS_HPP
#define COHORT_NODE_STATUS_HPP

// The local node's own lifecycle, as basic_node::status() and its
// status_changed events report it.

#include <cstdint>
#include <ostream>
#include <string_view>

namespace cohort {

/// The local node's own lifecycle.
enum class node_status : std::uint8_t {
    created,   ///< constructed, not started
    starting,  ///< async_start is bringing it up
    running,   ///< the driver runs
    stopping,  ///< async_stop is winding it down
    stopped,   ///< the driver has ended
};

constexpr std::string_view to_string(node_status s) noexcept {
    switch (s) {
    case node_status::created: return "created";
    case node_status::starting: return "starting";
    case node_status::running: return "running";
    case node_status::stopping: return "stopping";
    case node_status::stopped: return "stopped";
    }
    return "invalid";
}
inline std::ostream& operator<<(std::ostream& os, node_status s) { return os << to_string(s); }

/// How async_stop ends the node.
enum class stop_mode : std::uint8_t {
    graceful,  ///< leave first (bounded by node_config::leave_timeout), then stop
    abrupt,    ///< stop at once: to its peers, as a crash (for tests and emergencies)
};

/// The local node's status changed.
struct status_changed {
    node_status status = node_status::created;
};

} // namespace cohort

#endif // COHORT_NODE_STATUS_HPP
