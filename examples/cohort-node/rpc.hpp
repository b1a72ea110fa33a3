// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_EXAMPLES_COHORT_NODE_RPC_HPP
#define COHORT_EXAMPLES_COHORT_NODE_RPC_HPP

// cohort-node's control protocol: one JSON line each way over TCP on a
// loopback address, one request per connection. Pure: no sockets here.
//
//   request  := {"cmd": "members"}
//             | {"cmd": "join", "seeds": ["host:port", ...]}   1..max_seeds numeric addresses
//             | {"cmd": "leave"}
//             | {"cmd": "keys", "op": "install"|"use"|"remove", "key": BASE64}
//             | {"cmd": "keys", "op": "list"}
//   response := {"ok": true, ...}                      members: "self", "leader", "members"
//                                                      keys: keys.hpp's keys_summary
//             | {"ok": false, "error": CODE, "detail": TEXT}
//
// The agent treats every request as hostile: a line longer than
// max_line_bytes, bytes that are not JSON (or nest deeper than
// max_json_depth), a request that is not an object, an unknown field (of
// repeated ones Boost.JSON keeps the last), a field of the wrong type, an
// unknown command and a bad seed each give their own error code; nothing
// throws out of parse_request.

#include "keys.hpp"

#include <cohort/membership/member.hpp>
#include <cohort/node.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/system/result.hpp>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cohort_node {

inline constexpr std::size_t max_line_bytes = 64 * 1024;
inline constexpr std::size_t max_json_depth = 8;
inline constexpr std::size_t max_seeds = 64;

/// Error codes of a refused request (the "error" field of a response).
namespace rpc_errc {
inline constexpr std::string_view line_too_long = "line_too_long";
inline constexpr std::string_view bad_json = "bad_json";
inline constexpr std::string_view bad_request = "bad_request";
inline constexpr std::string_view unknown_command = "unknown_command";
inline constexpr std::string_view bad_seed = "bad_seed";
inline constexpr std::string_view busy = "busy";
inline constexpr std::string_view shutting_down = "shutting_down";
inline constexpr std::string_view join_failed = "join_failed";
inline constexpr std::string_view leave_failed = "leave_failed";
inline constexpr std::string_view bad_key = "bad_key";
inline constexpr std::string_view encryption_disabled = "encryption_disabled";
} // namespace rpc_errc

struct members_request {};
struct join_request {
    std::vector<cohort::peer_address> seeds;
};
struct leave_request {};
using request = std::variant<members_request, join_request, leave_request, keys_request>;

struct rpc_error {
    std::string_view code;  // one of rpc_errc
    std::string detail;
};

/// Parses a numeric "host:port" ("[v6]:port" for IPv6). Hostnames are refused:
/// the node sends only to IP addresses for now.
inline boost::system::result<cohort::peer_address, std::string> parse_numeric_address(
    std::string_view text) {
    using R = boost::system::result<cohort::peer_address, std::string>;
    auto a = cohort::peer_address::parse(text);
    if (!a) return R(boost::system::in_place_error, a.error().message());
    boost::system::error_code ec;
    boost::asio::ip::make_address(a->host, ec);
    if (ec)
        return R(boost::system::in_place_error,
                 "host must be a numeric IP address (hostnames are not resolved yet)");
    return *a;
}

/// Parses one request line (without its newline).
inline boost::system::result<request, rpc_error> parse_request(std::string_view line) {
    using R = boost::system::result<request, rpc_error>;
    auto const fail = [](std::string_view code, std::string detail) {
        return R(boost::system::in_place_error, rpc_error{code, std::move(detail)});
    };
    if (line.size() > max_line_bytes)
        return fail(rpc_errc::line_too_long, "a request is at most 65536 bytes");
    boost::json::parse_options opts;
    opts.max_depth = max_json_depth;
    boost::system::error_code ec;
    // The line is bounded, so the parser's memory is too.
    boost::json::value v = boost::json::parse(line, ec, {}, opts);
    if (ec) return fail(rpc_errc::bad_json, ec.message());
    auto const* obj = v.if_object();
    if (!obj) return fail(rpc_errc::bad_request, "a request is a JSON object");
    auto const* cmd_v = obj->if_contains("cmd");
    if (!cmd_v || !cmd_v->is_string())
        return fail(rpc_errc::bad_request, "field \"cmd\" (a string) is required");
    std::string_view const cmd = cmd_v->get_string();
    auto const allow_only = [&](std::initializer_list<std::string_view> fields)
        -> boost::system::result<void, rpc_error> {
        for (auto const& kv : *obj) {
            bool known = false;
            for (auto f : fields) known = known || kv.key() == f;
            if (!known)
                return rpc_error{rpc_errc::bad_request,
                                 "unknown field \"" + std::string(kv.key().substr(0, 64)) + "\""};
        }
        return {};
    };
    if (cmd == "members") {
        if (auto r = allow_only({"cmd"}); !r) return r.error();
        return request{members_request{}};
    }
    if (cmd == "leave") {
        if (auto r = allow_only({"cmd"}); !r) return r.error();
        return request{leave_request{}};
    }
    if (cmd == "join") {
        if (auto r = allow_only({"cmd", "seeds"}); !r) return r.error();
        auto const* seeds_v = obj->if_contains("seeds");
        auto const* arr = seeds_v ? seeds_v->if_array() : nullptr;
        if (!arr) return fail(rpc_errc::bad_request, "field \"seeds\" (an array) is required");
        if (arr->empty() || arr->size() > max_seeds)
            return fail(rpc_errc::bad_request, "\"seeds\" holds 1 to 64 addresses");
        join_request j;
        for (auto const& s : *arr) {
            auto const* str = s.if_string();
            if (!str) return fail(rpc_errc::bad_request, "each seed is a string");
            auto a = parse_numeric_address(*str);
            if (!a)
                return fail(rpc_errc::bad_seed,
                            "\"" + std::string(str->subview(0, std::min<std::size_t>(str->size(), 80))) +
                                "\": " + a.error());
            j.seeds.push_back(std::move(*a));
        }
        return request{std::move(j)};
    }
    if (cmd == "keys") {
        if (auto r = allow_only({"cmd", "op", "key"}); !r) return r.error();
        auto k = parse_keys_fields(*obj);
        if (!k) return fail(rpc_errc::bad_key, k.error());
        return request{std::move(*k)};
    }
    return fail(rpc_errc::unknown_command, "known commands: members, join, leave, keys");
}

/// The request line for a command (what the client sends).
inline std::string serialize(request const& r) {
    boost::json::object o;
    std::visit(
        [&](auto const& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, members_request>) {
                o["cmd"] = "members";
            } else if constexpr (std::is_same_v<T, leave_request>) {
                o["cmd"] = "leave";
            } else if constexpr (std::is_same_v<T, keys_request>) {
                o["cmd"] = "keys";
                o["op"] = to_string(x.op);
                if (x.op != key_op::list) o["key"] = x.key;
            } else {
                o["cmd"] = "join";
                boost::json::array seeds;
                for (auto const& s : x.seeds) {
                    std::ostringstream os;
                    os << s;
                    seeds.emplace_back(os.str());
                }
                o["seeds"] = std::move(seeds);
            }
        },
        r);
    return boost::json::serialize(o) + '\n';
}

inline std::string error_response(rpc_error const& e) {
    boost::json::object o;
    o["ok"] = false;
    o["error"] = e.code;
    o["detail"] = e.detail;
    return boost::json::serialize(o) + '\n';
}

inline std::string ok_response(boost::json::object o = {}) {
    o["ok"] = true;
    return boost::json::serialize(o) + '\n';
}

inline boost::json::object member_to_json(cohort::node_member const& m) {
    boost::json::object o;
    o["name"] = m.id.name();
    std::ostringstream addr;
    addr << cohort::peer_address::of(m.id);
    o["address"] = addr.str();
    o["state"] = cohort::to_string(m.state);
    o["incarnation"] = m.incarnation;
    boost::json::object tags;
    for (auto const& t : m.tags) tags[t.key] = t.value;
    o["tags"] = std::move(tags);
    o["phi"] = m.phi;
    o["monitored"] = m.monitored;
    o["last_heard"] = cohort::to_string(m.last_heard);
    return o;
}

/// The answer to "members": this node's view.
inline std::string members_response(cohort::node_id const& self,
                                    std::vector<cohort::node_member> const& view,
                                    std::optional<cohort::node_id> const& leader) {
    boost::json::object o;
    o["self"] = self.name();
    if (leader)
        o["leader"] = leader->str();
    else
        o["leader"] = nullptr;
    boost::json::array members;
    for (auto const& m : view) members.push_back(member_to_json(m));
    o["members"] = std::move(members);
    return ok_response(std::move(o));
}

} // namespace cohort_node

#endif // COHORT_EXAMPLES_COHORT_NODE_RPC_HPP
