// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_EXAMPLES_COHORT_NODE_CLIENT_HPP
#define COHORT_EXAMPLES_COHORT_NODE_CLIENT_HPP

// `cohort-node members|join|leave|keys`: one request to an agent's RPC
// address, one answer, printed (and `keygen`, which needs no agent). Exit
// status: 0 done, 1 the agent refused or could not be reached (the reason on
// stderr), or for keys, some member did not answer or failed.

#include "options.hpp"
#include "rpc.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

namespace cohort_node {

// Larger than any members answer of a real cluster, small enough to bound memory.
inline constexpr std::size_t max_response_bytes = std::size_t{16} << 20;

/// Sends `line`, returns the answer as a JSON object or a sentence saying why not.
inline boost::system::result<boost::json::object, std::string> call_agent(
    boost::asio::ip::tcp::endpoint const& rpc, std::string const& line,
    std::chrono::milliseconds timeout) {
    using R = boost::system::result<boost::json::object, std::string>;
    namespace asio = boost::asio;
    std::ostringstream where;
    where << rpc;
    asio::io_context ctx;
    asio::ip::tcp::socket s(ctx);
    std::string in;
    std::optional<std::string> failure;
    bool done = false;
    s.async_connect(rpc, [&](boost::system::error_code ec) {
        if (ec) {
            failure = "cannot reach the agent at " + where.str() + ": " + ec.message();
            return;
        }
        asio::async_write(s, asio::buffer(line), [&](boost::system::error_code ec, std::size_t) {
            if (ec) {
                failure = "cannot send to the agent: " + ec.message();
                return;
            }
            asio::async_read_until(
                s, asio::dynamic_buffer(in, max_response_bytes), '\n',
                [&](boost::system::error_code ec, std::size_t) {
                    if (ec && !(ec == asio::error::eof && !in.empty())) {
                        failure = "no answer from the agent: " + ec.message();
                        return;
                    }
                    done = true;
                });
        });
    });
    ctx.run_for(timeout);
    if (!done && !failure)
        failure = "no answer from the agent at " + where.str() + " within " +
                  std::to_string(timeout.count() / 1000) + " s";
    if (failure) return R(boost::system::in_place_error, *failure);
    boost::system::error_code ec;
    auto v = boost::json::parse(in, ec);
    if (ec || !v.is_object())
        return R(boost::system::in_place_error, "the agent's answer is not a JSON object");
    auto& o = v.as_object();
    auto const* ok = o.if_contains("ok");
    if (!ok || !ok->is_bool())
        return R(boost::system::in_place_error, "the agent's answer has no \"ok\"");
    if (!ok->get_bool()) {
        std::string msg = "the agent refused: ";
        if (auto const* e = o.if_contains("error"); e && e->is_string()) msg += e->get_string();
        if (auto const* d = o.if_contains("detail"); d && d->is_string())
            msg += std::string(" (") + std::string(d->get_string()) + ")";
        return R(boost::system::in_place_error, msg);
    }
    return std::move(o);
}

inline std::string json_text(boost::json::value const* v) {
    if (!v) return "";
    if (v->is_string()) return std::string(v->get_string());
    return boost::json::serialize(*v);
}

/// Prints a keys answer as serf does; returns the exit status.
inline int print_keys(key_op op, boost::json::object const& a) {
    // a count in the answer, or -1 when it is missing or not a whole number
    auto const as_count = [](boost::json::value const* v) -> std::int64_t {
        if (!v) return -1;
        boost::system::error_code ec;
        auto const n = v->to_number<std::int64_t>(ec);
        return ec ? -1 : n;
    };
    auto const nodes = as_count(a.if_contains("nodes"));
    auto const responses = as_count(a.if_contains("responses"));
    std::size_t errors = 0;
    if (auto const* e = a.if_contains("errors"); e && e->is_object()) {
        errors = e->get_object().size();
        for (auto const& kv : e->get_object())
            std::cerr << "cohort-node keys: " << std::string_view(kv.key()) << ": "
                      << json_text(&kv.value()) << '\n';
    }
    std::cout << to_string(op) << ": " << responses << "/" << nodes << " members answered, "
              << errors << " failed\n";
    if (op == key_op::list) {
        auto const* ps = a.if_contains("primary_keys");
        if (auto const* ks = a.if_contains("keys"); ks && ks->is_object())
            for (auto const& kv : ks->get_object()) {
                std::int64_t primary = 0;
                if (ps && ps->is_object())
                    primary = std::max<std::int64_t>(0, as_count(ps->get_object().if_contains(kv.key())));
                std::cout << "  " << std::string_view(kv.key()) << "  " << json_text(&kv.value())
                          << "/" << nodes << "  primary on " << primary << '\n';
            }
    }
    return nodes >= 0 && responses == nodes && errors == 0 ? 0 : 1;
}

/// A fresh 32-byte key, base64; empty if the system's random source failed.
inline std::string generate_key() {
    std::array<std::byte, 32> key{};
    if (!cohort::detail::random_bytes(key)) return {};
    auto text = cohort::encode_key(key);
    cohort::detail::wipe(key);
    return text;
}

/// Runs members, join, leave, keys or keygen; returns the exit status.
inline int run_client(client_options const& o) {
    using namespace std::chrono_literals;
    if (o.command == "keygen") {
        auto const key = generate_key();
        if (key.empty()) {
            std::cerr << "cohort-node keygen: no random bytes from the system\n";
            return 1;
        }
        std::cout << key << '\n';
        return 0;
    }
    request req;
    auto timeout = 10'000ms;
    if (o.command == "keys") {
        req = *o.keys;
        timeout = 30'000ms;  // longer than the agent's wait for the slowest member
    } else if (o.command == "members") {
        req = members_request{};
    } else if (o.command == "join") {
        req = join_request{o.seeds};
        timeout = 120'000ms;  // longer than any profile's join_timeout
    } else {
        req = leave_request{};
        timeout = 30'000ms;
    }
    auto answer = call_agent(o.rpc, serialize(req), timeout);
    if (!answer) {
        std::cerr << "cohort-node " << o.command << ": " << answer.error() << '\n';
        return 1;
    }
    if (o.command == "join") {
        std::cout << "joined; the agent knows " << json_text(answer->if_contains("members"))
                  << " members\n";
        return 0;
    }
    if (o.command == "leave") {
        std::cout << "left gracefully; the agent is stopping\n";
        return 0;
    }
    if (o.command == "keys") return print_keys(o.keys->op, *answer);

    // members: filter, then print as JSON or as aligned columns
    boost::json::array kept;
    if (auto const* ms = answer->if_contains("members"); ms && ms->is_array()) {
        for (auto const& m : ms->get_array()) {
            if (!m.is_object()) continue;
            auto const& mo = m.get_object();
            if (o.status && json_text(mo.if_contains("state")) != cohort::to_string(*o.status))
                continue;
            if (o.name && json_text(mo.if_contains("name")) != *o.name) continue;
            kept.push_back(m);
        }
    }
    if (o.json) {
        boost::json::object out;
        out["self"] = answer->contains("self") ? answer->at("self") : nullptr;
        out["leader"] = answer->contains("leader") ? answer->at("leader") : nullptr;
        out["members"] = kept;
        std::cout << boost::json::serialize(out) << '\n';
        return 0;
    }
    std::size_t wn = 0, wa = 0, ws = 0;
    for (auto const& m : kept) {
        auto const& mo = m.get_object();
        wn = std::max(wn, json_text(mo.if_contains("name")).size());
        wa = std::max(wa, json_text(mo.if_contains("address")).size());
        ws = std::max(ws, json_text(mo.if_contains("state")).size());
    }
    for (auto const& m : kept) {
        auto const& mo = m.get_object();
        auto pad = [](std::string s, std::size_t w) {
            s.resize(std::max(w, s.size()), ' ');
            return s;
        };
        std::string tags;
        if (auto const* t = mo.if_contains("tags"); t && t->is_object())
            for (auto const& kv : t->get_object()) {
                if (!tags.empty()) tags += ',';
                tags += std::string(kv.key()) + "=" + json_text(&kv.value());
            }
        std::string line = pad(json_text(mo.if_contains("name")), wn) + "  " +
                           pad(json_text(mo.if_contains("address")), wa) + "  " +
                           pad(json_text(mo.if_contains("state")), ws) + "  " +
                           json_text(mo.if_contains("incarnation"));
        if (!tags.empty()) line += "  " + tags;
        std::cout << line << '\n';
    }
    return 0;
}

} // namespace cohort_node

#endif // COHORT_EXAMPLES_COHORT_NODE_CLIENT_HPP
