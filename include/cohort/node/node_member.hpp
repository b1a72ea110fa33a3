// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_NODE_MEMBER_HPP
#define COHORT_NODE_NODE_MEMBER_HPP

// One member of a basic_node's view, as members() reports it.

#include <cohort/hlc_timestamp.hpp>
#include <cohort/membership/member.hpp>
#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>

#include <cstdint>
#include <vector>

namespace cohort {

/// One member as members() reports it.
struct node_member {
    node_id id;
    node_state state = node_state::joining;
    std::uint64_t incarnation = 0;
    std::vector<tag> tags;
    /// The HLC time of the last message heard from it; {0, 0} if none (and for self).
    hlc_timestamp last_heard{};
    /// phi of this node's ack-based detector for it when the view was
    /// published: the value that drives its suspicion here. 0 when `monitored`
    /// is false (self, and members other observers watch) and before its first ack.
    double phi = 0.0;
    /// Whether this node probes it (one of its `monitored_by` observers).
    bool monitored = false;
};

} // namespace cohort

#endif // COHORT_NODE_NODE_MEMBER_HPP
