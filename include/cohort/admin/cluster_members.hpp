// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ADMIN_CLUSTER_MEMBERS_HPP
#define COHORT_ADMIN_CLUSTER_MEMBERS_HPP

// The JSON of GET /cluster/members and /cluster/members/{name}: Akka
// Management's shape (selfNode, members with status and tags, unreachable,
// leader) with what cohort knows besides (incarnation, phi, last heard, the
// HLC). Pure: values in, a boost::json value out.
//
//   members_document := {
//     "selfNode":    ID,                 this node, "name@host:port"
//     "selfStatus":  "created" | "starting" | "running" | "stopping" | "stopped",
//     "leader":      ID | null,          the smallest active id (Akka's leader)
//     "hlc":         HLC,                this node's clock when the answer was made
//     "members":     [member, ...],      the whole view, this node included, by id
//     "unreachable": [{"node": ID, "status": "unknown" | "failed"}, ...]
//   }                                    members this node suspects or declared failed
//   member := {
//     "node":        ID,
//     "name":        NAME,
//     "address":     "host:port" ("[v6]:port"),
//     "status":      "joining" | "active" | "leaving" | "failed" | "unknown",
//     "tags":        {KEY: VALUE, ...},  (Akka's "roles" are cohort's tags)
//     "incarnation": uint,
//     "phi":         number | null,      this node's detector for it (0 when not monitored;
//                                        null if not finite)
//     "monitored":   bool,               whether this node probes it
//     "lastHeard":   HLC | null          HLC time of the last message from it
//   }
//   HLC := "<seconds>.<9 digits>[.<logical>]" as cohort::to_string(hlc_timestamp)
//
// Akka's "oldest" is left out: cohort members carry no up-number. The
// statuses are cohort's state names, not Akka's ("Up" is "active").

#include <cohort/hlc_timestamp.hpp>
#include <cohort/node/node_member.hpp>
#include <cohort/node/status.hpp>
#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace cohort {

/// One member as the members document shows it.
inline boost::json::object member_document(node_member const& m) {
    boost::json::object o;
    auto const& id = m.id.str();
    o["node"] = id;
    o["name"] = m.id.name();
    o["address"] = std::string_view(id).substr(m.id.name().size() + 1);
    o["status"] = to_string(m.state);
    boost::json::object tags;
    for (auto const& t : m.tags) tags[t.key] = t.value;
    o["tags"] = std::move(tags);
    o["incarnation"] = m.incarnation;
    if (std::isfinite(m.phi))
        o["phi"] = m.phi;
    else
        o["phi"] = nullptr;
    o["monitored"] = m.monitored;
    if (m.last_heard == hlc_timestamp{})
        o["lastHeard"] = nullptr;
    else
        o["lastHeard"] = to_string(m.last_heard);
    return o;
}

/// The whole document (see the top of this header).
inline boost::json::object members_document(node_id const& self, node_status self_status,
                                            std::vector<node_member> const& view,
                                            std::optional<node_id> const& leader,
                                            hlc_timestamp now) {
    boost::json::object o;
    o["selfNode"] = self.str();
    o["selfStatus"] = to_string(self_status);
    if (leader)
        o["leader"] = leader->str();
    else
        o["leader"] = nullptr;
    o["hlc"] = to_string(now);
    boost::json::array members;
    boost::json::array unreachable;
    members.reserve(view.size());
    for (auto const& m : view) {
        members.push_back(member_document(m));
        if (m.state == node_state::unknown || m.state == node_state::failed)
            unreachable.push_back(boost::json::object{{"node", m.id.str()},
                                                      {"status", to_string(m.state)}});
    }
    o["members"] = std::move(members);
    o["unreachable"] = std::move(unreachable);
    return o;
}

} // namespace cohort

#endif // COHORT_ADMIN_CLUSTER_MEMBERS_HPP
