// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_EXAMPLES_COHORT_NODE_KEYS_HPP
#define COHORT_EXAMPLES_COHORT_NODE_KEYS_HPP

// cohort-node's encryption keys, as `serf keys`: the keyring file, the
// request one agent sends every member to install, use, remove or list a key
// (router topic keys_topic), and the per-node answers summed up the way serf
// does (nodes, responses, errors, nodes per key).
//
// The keyring file is a JSON array of base64 keys, the primary first (serf's
// format). It is written with mode 0600 to a temporary file in the same
// directory, synced, then renamed over the old one, and only after every key
// in it was checked; one readable by group or others is refused at start, as
// ssh refuses such a private key.

#include <cohort/security/keyring.hpp>

#include <boost/json.hpp>
#include <boost/system/result.hpp>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace cohort_node {

/// The router topic agents serve key requests on.
inline constexpr std::string_view keys_topic = "cohort-node.keys";
/// Most keys a keyring file or an answer may hold.
inline constexpr std::size_t max_keys = 64;
/// Largest keyring file read (64 keys of 32 bytes are under 4 KiB).
inline constexpr std::size_t max_keyring_file_bytes = 64 * 1024;

enum class key_op { install, use, remove, list };

inline std::string_view to_string(key_op op) {
    switch (op) {
        case key_op::install: return "install";
        case key_op::use: return "use";
        case key_op::remove: return "remove";
        case key_op::list: return "list";
    }
    return "?";
}

inline std::optional<key_op> parse_key_op(std::string_view s) {
    for (auto op : {key_op::install, key_op::use, key_op::remove, key_op::list})
        if (to_string(op) == s) return op;
    return std::nullopt;
}

/// install/use/remove carry a key (base64, checked); list carries none.
struct keys_request {
    key_op op = key_op::list;
    std::string key;
};

/// Reads "op" and "key" of a request object (the RPC's, or a peer's). The
/// caller has already refused unknown fields. The error is one sentence.
inline boost::system::result<keys_request, std::string> parse_keys_fields(
    boost::json::object const& obj) {
    using R = boost::system::result<keys_request, std::string>;
    auto const fail = [](std::string m) { return R(boost::system::in_place_error, std::move(m)); };
    auto const* op_v = obj.if_contains("op");
    if (!op_v || !op_v->is_string())
        return fail("field \"op\" (install, use, remove or list) is required");
    auto op = parse_key_op(op_v->get_string());
    if (!op) return fail("\"op\" must be install, use, remove or list");
    keys_request r{*op, {}};
    auto const* key_v = obj.if_contains("key");
    if (*op == key_op::list) {
        if (key_v) return fail("list takes no \"key\"");
        return r;
    }
    if (!key_v || !key_v->is_string()) return fail("field \"key\" (a base64 key) is required");
    std::string_view const key = key_v->get_string();
    auto bytes = cohort::decode_key(key);
    if (!bytes) return fail("\"key\" must be a base64 key of 16, 24 or 32 bytes");
    cohort::detail::wipe(*bytes);
    r.key = std::string(key);
    return r;
}

/// The body of a peer request: {"op": ..., "key": ...}.
inline std::string serialize_keys_payload(keys_request const& r) {
    boost::json::object o;
    o["op"] = to_string(r.op);
    if (r.op != key_op::list) o["key"] = r.key;
    return boost::json::serialize(o);
}

/// Parses a peer's request body (hostile bytes, bounded by the router).
inline boost::system::result<keys_request, std::string> parse_keys_payload(
    std::span<std::byte const> bytes) {
    using R = boost::system::result<keys_request, std::string>;
    boost::json::parse_options opts;
    opts.max_depth = 4;
    boost::system::error_code ec;
    auto v = boost::json::parse(
        std::string_view(reinterpret_cast<char const*>(bytes.data()), bytes.size()), ec, {}, opts);
    if (ec || !v.is_object()) return R(boost::system::in_place_error, "not a JSON object");
    for (auto const& kv : v.get_object())
        if (kv.key() != "op" && kv.key() != "key")
            return R(boost::system::in_place_error, "unknown field");
    return parse_keys_fields(v.get_object());
}

/// Applies `r` to `ring`. Remove is idempotent (a key already gone is
/// success), so that a rotation step that failed on some node can be run again.
inline boost::system::result<void, std::string> apply_keys_request(cohort::keyring& ring,
                                                                   keys_request const& r) {
    using R = boost::system::result<void, std::string>;
    auto const fail = [](boost::system::error_code ec) {
        return R(boost::system::in_place_error, ec.message());
    };
    switch (r.op) {
        case key_op::install:
            if (ring.size() >= max_keys) return R(boost::system::in_place_error, "keyring is full");
            if (auto x = ring.install(std::string_view(r.key)); !x) return fail(x.error());
            return {};
        case key_op::use:
            if (auto x = ring.use(std::string_view(r.key)); !x) return fail(x.error());
            return {};
        case key_op::remove:
            if (auto x = ring.remove(std::string_view(r.key));
                !x && x.error() != cohort::error::key_not_installed)
                return fail(x.error());
            return {};
        case key_op::list: return {};
    }
    return {};
}

/// A node's answer: {"ok": true, "keys": [{"key": K, "primary": B}, ...]}
/// or {"ok": false, "error": TEXT}.
inline std::string keys_answer(cohort::keyring const& ring,
                               boost::system::result<void, std::string> const& outcome) {
    boost::json::object o;
    o["ok"] = outcome.has_value();
    if (!outcome) o["error"] = outcome.error();
    boost::json::array keys;
    for (auto const& k : ring.list()) {
        boost::json::object e;
        e["key"] = k.key;
        e["primary"] = k.primary;
        keys.push_back(std::move(e));
    }
    o["keys"] = std::move(keys);
    return boost::json::serialize(o);
}

/// The cluster-wide outcome (serf's NumNodes, NumResp, NumErr, Messages, Keys).
struct keys_summary {
    std::size_t nodes = 0;                          ///< members asked
    std::size_t responses = 0;                      ///< members that answered
    std::map<std::string, std::string> errors;      ///< member name -> why it failed
    std::map<std::string, std::size_t> keys;        ///< key -> members holding it
    std::map<std::string, std::size_t> primary_keys;///< key -> members sealing with it

    /// Every member answered and none failed.
    bool complete() const { return responses == nodes && errors.empty(); }

    /// Counts a member's answer: `reply` is its keys_answer, or `failure`
    /// says why none came (timeout, unreachable).
    void add(std::string const& member, std::optional<std::string_view> reply,
             std::string failure = {}) {
        if (!reply) {
            errors[member] = failure.empty() ? "no answer" : std::move(failure);
            return;
        }
        ++responses;
        boost::json::parse_options opts;
        opts.max_depth = 4;
        boost::system::error_code ec;
        auto v = boost::json::parse(*reply, ec, {}, opts);
        auto const* o = ec ? nullptr : v.if_object();
        auto const* ok = o ? o->if_contains("ok") : nullptr;
        if (!ok || !ok->is_bool()) {
            errors[member] = "unreadable answer";
            return;
        }
        if (!ok->get_bool()) {
            auto const* e = o->if_contains("error");
            errors[member] = e && e->is_string() ? std::string(e->get_string()) : "failed";
        }
        auto const* ks = o->if_contains("keys");
        if (!ks || !ks->is_array()) return;
        std::size_t seen = 0;
        for (auto const& k : ks->get_array()) {
            if (++seen > max_keys) break;
            auto const* ko = k.if_object();
            auto const* key = ko ? ko->if_contains("key") : nullptr;
            if (!key || !key->is_string()) continue;
            std::string const text(key->get_string());
            ++keys[text];
            if (auto const* p = ko->if_contains("primary"); p && p->is_bool() && p->get_bool())
                ++primary_keys[text];
        }
    }

    boost::json::object to_json() const {
        boost::json::object o;
        o["nodes"] = nodes;
        o["responses"] = responses;
        boost::json::object errs, ks, ps;
        for (auto const& [n, e] : errors) errs[n] = e;
        for (auto const& [k, c] : keys) ks[k] = c;
        for (auto const& [k, c] : primary_keys) ps[k] = c;
        o["errors"] = std::move(errs);
        o["keys"] = std::move(ks);
        o["primary_keys"] = std::move(ps);
        return o;
    }
};

// ---- the keyring file ------------------------------------------------------------------------

/// Reads a keyring file into a new keyring (the first key the primary).
inline boost::system::result<std::shared_ptr<cohort::keyring>, std::string> load_keyring_file(
    std::string const& path) {
    using R = boost::system::result<std::shared_ptr<cohort::keyring>, std::string>;
    auto const fail = [&](std::string m) {
        return R(boost::system::in_place_error, "--keyring-file " + path + ": " + std::move(m));
    };
    int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return fail(std::strerror(errno));
    struct fd_guard {
        int fd;
        ~fd_guard() { ::close(fd); }
    } guard{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail("not a regular file");
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return fail(std::string("readable by others (mode ") + mode + "): chmod 600 it");
    }
    if (static_cast<std::size_t>(st.st_size) > max_keyring_file_bytes)
        return fail("larger than 64 KiB");
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        auto const n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(n < 0 ? std::strerror(errno) : "shorter than its size");
        got += static_cast<std::size_t>(n);
    }
    boost::json::parse_options opts;
    opts.max_depth = 2;
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec, {}, opts);
    std::fill(text.begin(), text.end(), '\0');
    auto const* arr = ec ? nullptr : v.if_array();
    if (!arr) return fail("not a JSON array of base64 keys");
    if (arr->empty() || arr->size() > max_keys) return fail("holds 1 to 64 keys");
    auto ring = std::make_shared<cohort::keyring>();
    for (auto const& k : *arr) {
        auto const* s = k.if_string();
        if (!s) return fail("each key is a string");
        if (auto x = ring->install(std::string_view(*s)); !x)
            return fail("key " + std::to_string(ring->size() + 1) + ": " + x.error().message());
    }
    if (auto x = ring->use(std::string_view(arr->front().get_string())); !x)
        return fail(x.error().message());
    return ring;
}

/// Writes `ring` to `path` (see the file comment). Every key is checked
/// before a byte is written: a file this writes always loads.
inline boost::system::result<void, std::string> save_keyring_file(std::string const& path,
                                                                  cohort::keyring const& ring) {
    using R = boost::system::result<void, std::string>;
    auto const fail = [&](std::string m) {
        return R(boost::system::in_place_error, "keyring file " + path + ": " + std::move(m));
    };
    auto const keys = ring.list();
    if (keys.empty()) return fail("no key to write");
    boost::json::array arr;
    for (auto const& k : keys)
        if (k.primary) arr.emplace_back(k.key);
    for (auto const& k : keys)
        if (!k.primary) arr.emplace_back(k.key);
    if (arr.size() != keys.size()) return fail("the keyring has no primary key");
    for (auto const& k : arr) {
        auto bytes = cohort::decode_key(k.get_string());
        if (!bytes) return fail("a key does not decode");
        cohort::detail::wipe(*bytes);
    }
    std::string const text = boost::json::serialize(arr) + '\n';

    std::string const tmp = path + ".tmp";
    ::unlink(tmp.c_str());  // a leftover of a crash; O_EXCL below refuses anything else
    int const fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return fail(std::strerror(errno));
    bool ok = ::fchmod(fd, 0600) == 0;  // whatever the umask
    for (std::size_t put = 0; ok && put < text.size();) {
        auto const n = ::write(fd, text.data() + put, text.size() - put);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) put += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    int const saved = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        int const e = ok ? errno : saved;
        ::unlink(tmp.c_str());
        return fail(std::strerror(e));
    }
    return {};
}

} // namespace cohort_node

#endif // COHORT_EXAMPLES_COHORT_NODE_KEYS_HPP
