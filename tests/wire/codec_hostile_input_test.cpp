// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// Bad input from the network is the normal case. A fixed table of hostile
// inputs, each with the exact error it must give; every prefix of valid
// messages; and seeded random mutations of valid messages, which must decode
// to a message or to a wire error, never to a crash, an exception or
// undefined behaviour (the ASan+UBSan build gives that teeth).

#include "wire_test_support.hpp"

#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/json_codec.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

using namespace cohort;
using cohort_test::bytes_of;
using cohort_test::is_wire_error;
using cohort_test::random_source;
using cohort_test::show;
using cohort_test::text_of;

namespace {

template <class T>
constexpr std::uint64_t type_of() {
    return message(T{}).index();
}

// Writes binary messages by hand, right or wrong.
struct wire_bytes {
    std::vector<std::byte> b;

    wire_bytes& raw(std::initializer_list<unsigned> bytes) {
        for (auto x : bytes) b.push_back(static_cast<std::byte>(x));
        return *this;
    }
    wire_bytes& raw(std::string_view s) {
        for (char c : s) b.push_back(static_cast<std::byte>(c));
        return *this;
    }
    wire_bytes& varint(std::uint64_t v) {
        do {
            b.push_back(static_cast<std::byte>((v & 0x7F) | (v >= 0x80 ? 0x80 : 0)));
            v >>= 7;
        } while (v != 0);
        return *this;
    }
    wire_bytes& str(std::string_view s) { return varint(s.size()).raw(s); }
    wire_bytes& time() { return raw({0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2}); }

    // magic, version, label, sender, incarnation, time
    wire_bytes& header(std::string_view sender = "a@h:1") {
        return raw({0xC0, 0x4F, 0x01}).str("").str(sender).varint(5).time();
    }
};

wire_bytes with_header() { return wire_bytes().header(); }

struct binary_case {
    char const* what;
    std::vector<std::byte> input;
    error expected;
};

std::vector<binary_case> binary_cases() {
    std::vector<binary_case> c;
    auto add = [&](char const* what, wire_bytes const& w, error e) { c.push_back({what, w.b, e}); };

    // framing
    add("empty", wire_bytes(), error::message_truncated);
    add("one byte, not the magic", wire_bytes().raw({0x00}), error::message_truncated);
    add("one byte of the magic", wire_bytes().raw({0xC0}), error::message_truncated);
    add("magic only", wire_bytes().raw({0xC0, 0x4F}), error::message_truncated);
    add("JSON fed to the binary codec", wire_bytes().raw(R"({"cohort":1})"), error::bad_magic);
    add("bad magic", wire_bytes().raw({0xC0, 0x4E, 0x01}).raw("rest"), error::bad_magic);
    add("version 0", wire_bytes().raw({0xC0, 0x4F, 0x00}).str("").str("a@h:1"),
        error::unsupported_version);
    add("version 2", wire_bytes().raw({0xC0, 0x4F, 0x02}), error::unsupported_version);
    add("version 255", wire_bytes().raw({0xC0, 0x4F, 0xFF}), error::unsupported_version);
    add("unknown type index", with_header().varint(std::variant_size_v<message>).varint(1),
        error::unknown_message_type);
    add("type index 2^64-1", with_header().varint(~std::uint64_t{0}), error::unknown_message_type);
    add("overlong type index", with_header().raw({0x80, 0x00}), error::invalid_field);
    add("trailing byte", with_header().varint(type_of<ack>()).varint(1).varint(0).raw({0}),
        error::trailing_bytes);
    add("trailing message", with_header().varint(type_of<ack>()).varint(1).varint(0).header(),
        error::trailing_bytes);

    // lengths and counts
    add("label length 2^60", wire_bytes().raw({0xC0, 0x4F, 0x01}).varint(std::uint64_t{1} << 60),
        error::length_over_limit);
    add("label length 2^64-1", wire_bytes().raw({0xC0, 0x4F, 0x01}).varint(~std::uint64_t{0}),
        error::length_over_limit);
    add("label over max_string_length, no bytes behind it",
        wire_bytes().raw({0xC0, 0x4F, 0x01}).varint(64 * 1024 + 1), error::length_over_limit);
    add("label within the limit, longer than the input",
        wire_bytes().raw({0xC0, 0x4F, 0x01}).varint(64 * 1024).raw("abc"),
        error::message_truncated);
    add("auth_tag length 2^60", with_header().varint(type_of<ack>()).varint(1).varint(1ULL << 60),
        error::length_over_limit);
    add("member count over max_sequence_length",
        with_header().varint(type_of<push_pull>()).raw({0}).varint(65537),
        error::length_over_limit);
    add("member count 2^60", with_header().varint(type_of<push_pull>()).raw({0}).varint(1ULL << 60),
        error::length_over_limit);
    add("member count within the limit, more than the input holds",
        with_header().varint(type_of<push_pull>()).raw({0}).varint(65536).raw({1, 2, 3}),
        error::message_truncated);
    add("tag count over max_sequence_length",
        with_header().varint(type_of<alive>()).str("m@h:1").varint(1).varint(65537),
        error::length_over_limit);
    add("payload length over max_string_length",
        with_header().varint(type_of<user_message>()).str("t").varint(64 * 1024 + 1),
        error::length_over_limit);
    add("route_request key length over max_string_length",
        with_header().varint(type_of<route_request>()).varint(1).varint(64 * 1024 + 1),
        error::length_over_limit);
    add("route_request payload length 2^60",
        with_header()
            .varint(type_of<route_request>())
            .varint(1)
            .str("k")
            .str("t")
            .varint(9)
            .varint(0)
            .raw({1})
            .varint(1ULL << 60),
        error::length_over_limit);
    add("route_request hops above 2^32-1",
        with_header()
            .varint(type_of<route_request>())
            .varint(1)
            .str("k")
            .str("t")
            .varint(9)
            .varint(1ULL << 32),
        error::invalid_field);
    add("route_request want_reply neither 0 nor 1",
        with_header()
            .varint(type_of<route_request>())
            .varint(1)
            .str("k")
            .str("t")
            .varint(9)
            .varint(0)
            .raw({2}),
        error::invalid_field);
    add("route_request truncated inside the payload",
        with_header()
            .varint(type_of<route_request>())
            .varint(1)
            .str("k")
            .str("t")
            .varint(9)
            .varint(0)
            .raw({1})
            .varint(10)
            .raw("abc"),
        error::message_truncated);
    add("route_request direct neither 0 nor 1",
        with_header()
            .varint(type_of<route_request>())
            .varint(1)
            .str("k")
            .str("t")
            .varint(9)
            .varint(0)
            .raw({1})
            .str("p")
            .raw({7}),
        error::invalid_field);
    add("route_request ends before direct",
        with_header()
            .varint(type_of<route_request>())
            .varint(1)
            .str("k")
            .str("t")
            .varint(9)
            .varint(0)
            .raw({1})
            .str("p"),
        error::message_truncated);
    add("route_reply status past the last enumerator",
        with_header()
            .varint(type_of<route_reply>())
            .varint(1)
            .varint(static_cast<std::uint64_t>(route_status::reply_too_large) + 1),
        error::invalid_field);
    add("route_reply owner not a node_id",
        with_header().varint(type_of<route_reply>()).varint(1).varint(1).raw({1}).str("nohost"),
        error::invalid_field);

    // field values
    add("label not UTF-8 (lone continuation byte)",
        wire_bytes().raw({0xC0, 0x4F, 0x01}).str("\x80"), error::invalid_field);
    add("label not UTF-8 (overlong '/')", wire_bytes().raw({0xC0, 0x4F, 0x01}).str("\xC0\xAF"),
        error::invalid_field);
    add("topic not UTF-8 (surrogate)",
        with_header().varint(type_of<user_message>()).str("\xED\xA0\x80"), error::invalid_field);
    add("topic not UTF-8 (above U+10FFFF)",
        with_header().varint(type_of<user_message>()).str("\xF4\x90\x80\x80"),
        error::invalid_field);
    add("tag value truncated UTF-8",
        with_header()
            .varint(type_of<join>())
            .str("m@h:1")
            .varint(1)
            .varint(1)
            .str("k")
            .str("\xE2\x82"),
        error::invalid_field);
    add("sender empty", wire_bytes().header(""), error::invalid_field);
    add("sender without '@'", wire_bytes().header("no-at-sign"), error::invalid_field);
    add("sender with port 0", wire_bytes().header("a@h:0"), error::invalid_field);
    add("sender with a bad IPv6", wire_bytes().header("a@[1::2::3]:1"), error::invalid_field);
    add("sender not canonical (upper-case host)", wire_bytes().header("a@HOST:1"),
        error::invalid_field);
    add("sender not canonical (IPv6 not RFC 5952)", wire_bytes().header("a@[0:0::1]:1"),
        error::invalid_field);
    add("sender not canonical (port with a leading zero)", wire_bytes().header("a@h:01"),
        error::invalid_field);
    add("sender with a NUL", wire_bytes().header(std::string_view("a@h\0:1", 6)),
        error::invalid_field);
    add("ping target invalid", with_header().varint(type_of<ping>()).varint(1).str("b@-h:1"),
        error::invalid_field);
    add("bool 2 (push_pull.join)", with_header().varint(type_of<push_pull>()).raw({2}),
        error::invalid_field);
    add("bool 0xFF (push_pull.join)", with_header().varint(type_of<push_pull>()).raw({0xFF}),
        error::invalid_field);
    add("node_state 5 (past the enumerators)",
        with_header()
            .varint(type_of<push_pull>())
            .raw({0})
            .varint(1)
            .str("m@h:1")
            .varint(1)
            .varint(5),
        error::invalid_field);
    add("node_state 2^63",
        with_header()
            .varint(type_of<push_pull>())
            .raw({0})
            .varint(1)
            .str("m@h:1")
            .varint(1)
            .varint(1ULL << 63),
        error::invalid_field);
    add("seq 2^32 (over uint32)", with_header().varint(type_of<ack>()).varint(1ULL << 32),
        error::invalid_field);
    add("overlong varint (0 in two bytes)",
        wire_bytes().raw({0xC0, 0x4F, 0x01}).str("").str("a@h:1").raw({0x80, 0x00}),
        error::invalid_field);
    add("overlong varint (1 in ten bytes)",
        wire_bytes()
            .raw({0xC0, 0x4F, 0x01})
            .str("")
            .str("a@h:1")
            .raw({0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}),
        error::invalid_field);
    add("varint over 64 bits (tenth byte 2)",
        wire_bytes()
            .raw({0xC0, 0x4F, 0x01})
            .str("")
            .str("a@h:1")
            .raw({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}),
        error::invalid_field);
    add("varint of eleven bytes",
        wire_bytes()
            .raw({0xC0, 0x4F, 0x01})
            .str("")
            .str("a@h:1")
            .raw({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x81, 0x01}),
        error::invalid_field);
    add("varint cut short", wire_bytes().raw({0xC0, 0x4F, 0x01}).raw({0x80, 0x80}),
        error::message_truncated);
    add("time cut short",
        wire_bytes()
            .raw({0xC0, 0x4F, 0x01})
            .str("")
            .str("a@h:1")
            .varint(1)
            .raw({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
        error::message_truncated);
    return c;
}

struct json_case {
    char const* what;
    std::string input;
    error expected;
};

// A valid envelope around `type` and `body`, with `extra` spliced in.
std::string json_envelope(std::string_view type, std::string_view body,
                          std::string_view extra = "") {
    return std::string(R"({"cohort":1,"label":"","sender":"a@h:1","incarnation":"5",)") +
           R"("time":{"wall_ns":"1","logical":2},"type":")" + std::string(type) + R"(","body":)" +
           std::string(body) + R"(,"auth_tag":"")" + std::string(extra) + "}";
}

// The same, with the value of `key` replaced by `value` (the key must exist).
std::string json_with(std::string_view key, std::string_view value) {
    std::string s = json_envelope("ping", R"({"seq":1,"target":"b@h:2"})");
    auto const at = s.find("\"" + std::string(key) + "\":") + key.size() + 3;
    std::size_t end = at;
    int depth = 0;
    bool in_string = false;
    for (; end < s.size(); ++end) {  // the end of the JSON value at `at`
        char const c = s[end];
        if (in_string) {
            if (c == '\\')
                ++end;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '{' || c == '[')
            ++depth;
        else if (c == '}' || c == ']') {
            if (depth-- == 0) break;
        } else if (c == ',' && depth == 0)
            break;
    }
    return s.substr(0, at) + std::string(value) + s.substr(end);
}

std::vector<json_case> json_cases() {
    std::vector<json_case> c;
    auto add = [&](char const* what, std::string input, error e) {
        c.push_back({what, std::move(input), e});
    };
    std::string const ping_body = R"({"seq":1,"target":"b@h:2"})";

    // framing and syntax
    add("empty", "", error::message_truncated);
    add("whitespace only", " \n\t ", error::message_truncated);
    add("cut inside the object", json_envelope("ping", ping_body).substr(0, 40),
        error::message_truncated);
    add("not JSON", "hello", error::malformed_json);
    add("binary fed to the JSON codec", std::string("\xC0\x4F\x01", 3), error::malformed_json);
    add("a JSON array", "[1,2,3]", error::malformed_json);
    add("a JSON string", R"("cohort")", error::malformed_json);
    add("invalid UTF-8 in a string", json_with("label", "\"\xC0\xAF\""), error::malformed_json);
    add("a comment", "/* hi */" + json_envelope("ping", ping_body), error::malformed_json);
    add("a trailing comma", json_envelope("ping", ping_body, ","), error::malformed_json);
    add("trailing garbage", json_envelope("ping", ping_body) + "x", error::trailing_bytes);
    add("a second object", json_envelope("ping", ping_body) + "{}", error::trailing_bytes);
    add("10,000 nested arrays", std::string(10000, '['), error::length_over_limit);
    add("10,000 nested objects in the label",
        json_with("label",
                  [] {
                      std::string s;
                      for (int i = 0; i < 10000; ++i) s += "{\"a\":";
                      return s + "1" + std::string(10000, '}');
                  }()),
        error::length_over_limit);
    add("17 levels (over max_depth 16)", std::string(17, '[') + std::string(17, ']'),
        error::length_over_limit);

    // magic and version
    add("empty object", "{}", error::bad_magic);
    add("no cohort key", R"({"label":"","sender":"a@h:1"})", error::bad_magic);
    add("version 2", json_with("cohort", "2"), error::unsupported_version);
    add("version 0", json_with("cohort", "0"), error::unsupported_version);
    add("version -1", json_with("cohort", "-1"), error::unsupported_version);
    add("version 2^64-1", json_with("cohort", "18446744073709551615"), error::unsupported_version);
    add("version as a string", json_with("cohort", R"("1")"), error::malformed_json);
    add("version 1.0", json_with("cohort", "1.0"), error::malformed_json);

    // shape: missing, extra and mistyped keys
    add(
        "auth_tag missing",
        [] {
            std::string s = json_envelope("ack", R"({"seq":1})");
            return s.replace(s.find(R"(,"auth_tag":"")"), 14, "");
        }(),
        error::malformed_json);
    add("an extra key", json_envelope("ping", ping_body, R"(,"extra":0)"), error::malformed_json);
    add("body missing a field", json_envelope("ping", R"({"seq":1})"), error::malformed_json);
    add("body with an extra field", json_envelope("ack", R"({"seq":1,"x":2})"),
        error::malformed_json);
    add("body with a misspelt field", json_envelope("ack", R"({"sequence":1})"),
        error::malformed_json);
    add("body not an object", json_envelope("ack", "[1]"), error::malformed_json);
    add("type not a string", json_with("type", "2"), error::malformed_json);
    add("type unknown", json_envelope("pong", ping_body), error::unknown_message_type);
    add("type empty", json_envelope("", ping_body), error::unknown_message_type);
    add("label a number", json_with("label", "5"), error::malformed_json);
    add("label null", json_with("label", "null"), error::malformed_json);
    add("sender a number", json_with("sender", "5"), error::malformed_json);
    add("incarnation a number", json_with("incarnation", "5"), error::malformed_json);
    add("incarnation a number beyond 2^53", json_with("incarnation", "9007199254740993"),
        error::malformed_json);
    add("time a string", json_with("time", R"("1.000000000,0")"), error::malformed_json);
    add("auth_tag an array", json_with("auth_tag", "[1,2]"), error::malformed_json);
    add("seq a string", json_envelope("ack", R"({"seq":"1"})"), error::malformed_json);
    add("seq a fraction", json_envelope("ack", R"({"seq":1.5})"), error::malformed_json);
    add("seq 1e400 (a huge number)", json_envelope("ack", R"({"seq":1e400})"),
        error::malformed_json);
    add("seq with 40 digits",
        json_envelope("ack", R"({"seq":1234567890123456789012345678901234567890})"),
        error::malformed_json);
    add("join a number", json_envelope("push_pull", R"({"join":1,"members":[]})"),
        error::malformed_json);
    add("members an object", json_envelope("push_pull", R"({"join":true,"members":{}})"),
        error::malformed_json);
    add("state a number",
        json_envelope(
            "push_pull",
            R"({"join":false,"members":[{"id":"m@h:1","incarnation":"1","state":1,"tags":[]}]})"),
        error::malformed_json);

    // values the field cannot hold
    add("seq -1", json_envelope("ack", R"({"seq":-1})"), error::invalid_field);
    add("seq 2^32", json_envelope("ack", R"({"seq":4294967296})"), error::invalid_field);
    add("seq 2^64-1", json_envelope("ack", R"({"seq":18446744073709551615})"),
        error::invalid_field);
    add("incarnation with a leading zero", json_with("incarnation", R"("05")"),
        error::invalid_field);
    add("incarnation negative", json_with("incarnation", R"("-1")"), error::invalid_field);
    add("incarnation 2^64", json_with("incarnation", R"("18446744073709551616")"),
        error::invalid_field);
    add("incarnation empty", json_with("incarnation", R"("")"), error::invalid_field);
    add("incarnation with a space", json_with("incarnation", R"(" 1")"), error::invalid_field);
    add("sender invalid", json_with("sender", R"("nobody")"), error::invalid_field);
    add("sender empty", json_with("sender", R"("")"), error::invalid_field);
    add("ping target invalid", json_envelope("ping", R"({"seq":1,"target":"b@h:99999"})"),
        error::invalid_field);
    add("time without logical", json_with("time", R"({"wall_ns":"1"})"), error::invalid_field);
    add("time logical 2^32", json_with("time", R"({"wall_ns":"1","logical":4294967296})"),
        error::invalid_field);
    add("state unknown name",
        json_envelope("push_pull", R"({"join":false,"members":[{"id":"m@h:1","incarnation":"1",)"
                                   R"("state":"zombie","tags":[]}]})"),
        error::invalid_field);
    add("auth_tag not base64", json_with("auth_tag", R"("***")"), error::invalid_field);
    add("auth_tag base64 without padding", json_with("auth_tag", R"("3q2+7w")"),
        error::invalid_field);
    add("auth_tag base64 with stray bits", json_with("auth_tag", R"("3q2+7x==")"),
        error::invalid_field);
    add("auth_tag base64url", json_with("auth_tag", R"("3q2-7w==")"), error::invalid_field);

    // limits
    add("label over max_string_length",
        json_with("label", "\"" + std::string(64 * 1024 + 1, 'x') + "\""),
        error::length_over_limit);
    add("route_reply status unknown name",
        json_envelope("route_reply",
                      R"({"id":"1","status":"maybe","owner":null,"fingerprint":"0","payload":""})"),
        error::invalid_field);
    add("route_request hops negative",
        json_envelope("route_request",
                      R"({"id":"1","key":"","topic":"t","fingerprint":"0","hops":-1,)"
                      R"("want_reply":true,"payload":"","direct":false})"),
        error::invalid_field);
    add("payload over max_string_length",
        json_envelope("user_message", R"({"topic":"t","payload":")" +
                                          std::string((64 * 1024 / 3 + 1) * 4, 'A') + "\"}"),
        error::length_over_limit);
    add(
        "members over max_sequence_length",
        [] {
            std::string members = "[";
            for (int i = 0; i <= 65536; ++i) members += i ? ",0" : "0";
            return json_envelope("push_pull", R"({"join":false,"members":)" + members + "]}");
        }(),
        error::length_over_limit);
    return c;
}

void check_decode_property(auto const& codec, auto const& reencoder,
                           std::span<std::byte const> input) {
    boost::system::result<envelope> decoded = error::message_truncated;
    BOOST_REQUIRE_NO_THROW(decoded = codec.decode(input));
    if (!decoded) {
        BOOST_TEST_REQUIRE(is_wire_error(decoded.error()), decoded.error().message());
        return;
    }
    // What decodes re-encodes, and decodes again to the same envelope.
    std::vector<std::byte> again;
    auto const ec = reencoder.encode(*decoded, again);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " re-encoding " << show(*decoded));
    auto const twice = reencoder.decode(again);
    BOOST_TEST_REQUIRE(twice.has_value());
    BOOST_TEST_REQUIRE((*twice == *decoded));
}

// Random edits of valid messages: a few at a time, of the kinds that find
// length, varint and syntax bugs.
std::vector<std::byte> mutate(random_source& random, std::vector<std::byte> b,
                              std::vector<std::vector<std::byte>> const& pool, bool json) {
    static constexpr std::string_view tokens[] = {"{",
                                                  "}",
                                                  "[",
                                                  "]",
                                                  "\"",
                                                  ",",
                                                  ":",
                                                  "null",
                                                  "true",
                                                  "0",
                                                  "-1",
                                                  "1e400",
                                                  "18446744073709551616",
                                                  "\\u0000",
                                                  "\\ud800",
                                                  "\"type\"",
                                                  "\"body\"",
                                                  "\xC3",
                                                  " "};
    static constexpr unsigned interesting[] = {0x00, 0x01, 0x02, 0x7F, 0x80,
                                               0x81, 0xFF, 0xC0, 0x4F};
    for (auto edits = 1 + random.below(4); edits != 0; --edits) {
        std::size_t const at = b.empty() ? 0 : random.below(b.size());
        switch (random.below(json ? 9 : 8)) {
        case 0:
            if (!b.empty()) b[at] ^= static_cast<std::byte>(1U << random.below(8));
            break;
        case 1:
            if (!b.empty()) b[at] = static_cast<std::byte>(random.below(256));
            break;
        case 2:
            if (!b.empty())
                b[at] = static_cast<std::byte>(interesting[random.below(std::size(interesting))]);
            break;
        case 3:
            b.insert(b.begin() + static_cast<long>(at), static_cast<std::byte>(random.below(256)));
            break;
        case 4:
            if (!b.empty()) b.erase(b.begin() + static_cast<long>(at));
            break;
        case 5: b.resize(at); break;
        case 6: {  // duplicate a slice
            if (b.empty()) break;
            std::size_t const n = 1 + random.below(std::min<std::size_t>(16, b.size() - at));
            std::vector<std::byte> slice(b.begin() + static_cast<long>(at),
                                         b.begin() + static_cast<long>(at + n));
            b.insert(b.begin() + static_cast<long>(at), slice.begin(), slice.end());
            break;
        }
        case 7: {  // splice in the tail of another message
            auto const& other = pool[random.below(pool.size())];
            std::size_t const from = random.below(other.size());
            b.resize(at);
            b.insert(b.end(), other.begin() + static_cast<long>(from), other.end());
            break;
        }
        default: {  // JSON: a syntax token
            auto const t = tokens[random.below(std::size(tokens))];
            auto const* p = reinterpret_cast<std::byte const*>(t.data());
            b.insert(b.begin() + static_cast<long>(at), p, p + t.size());
            break;
        }
        }
    }
    return b;
}

template <class Codec>
void mutation_loop(bool json, std::uint64_t seed) {
    Codec const codec;
    wire_limits roomy;
    roomy.max_message_size *= 4;  // a JSON re-encoding may spell a value longer
    Codec const reencoder(roomy);
    random_source random(seed);
    std::vector<std::vector<std::byte>> pool;
    for (int i = 0; i < 64; ++i) {
        std::vector<std::byte> out;
        BOOST_TEST_REQUIRE(
            !codec.encode(random.envelope(i % cohort_test::message_type_count), out));
        pool.push_back(std::move(out));
    }
    std::size_t decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        auto const input = mutate(random, pool[random.below(pool.size())], pool, json);
        BOOST_TEST_CONTEXT("mutation " << i << ": " << text_of(input)) {
            check_decode_property(codec, reencoder, input);
            decoded += codec.decode(input).has_value() ? 1 : 0;
        }
    }
    BOOST_TEST_MESSAGE(decoded << " of 20000 mutations still decoded");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wire_hostile_input)

BOOST_AUTO_TEST_CASE(binary_hostile_inputs_give_their_exact_errors) {
    binary_codec const codec;
    for (auto const& c : binary_cases()) {
        BOOST_TEST_CONTEXT(c.what) {
            auto const r = codec.decode(c.input);
            BOOST_TEST_REQUIRE(!r.has_value());
            BOOST_TEST(r.error() == make_error_code(c.expected));
        }
    }
    // the table's builder writes valid messages too
    auto const ok = codec.decode(with_header().varint(type_of<ack>()).varint(1).varint(0).b);
    BOOST_TEST_REQUIRE(ok.has_value(), ok.error().message());
    BOOST_TEST(std::get<ack>(ok->body).seq == 1U);
}

BOOST_AUTO_TEST_CASE(binary_input_over_max_message_size_is_refused_unread) {
    wire_limits limits;
    limits.max_message_size = 64;
    std::vector<std::byte> big(65, std::byte{0xC0});
    BOOST_TEST(binary_codec(limits).decode(big).error() ==
               make_error_code(error::message_too_large));
    BOOST_TEST(json_codec(limits).decode(big).error() == make_error_code(error::message_too_large));
}

BOOST_AUTO_TEST_CASE(every_prefix_of_a_valid_message_is_truncated) {
    binary_codec const binary;
    json_codec const json;
    random_source random(0x7E57);
    for (std::size_t type = 0; type < cohort_test::message_type_count; ++type) {
        BOOST_TEST_CONTEXT("message type " << cohort_test::message_type_name(type)) {
            for (int i = 0; i < 8; ++i) {
                envelope const e = random.envelope(type);
                std::vector<std::byte> b;
                std::vector<std::byte> j;
                BOOST_TEST_REQUIRE(!binary.encode(e, b));
                BOOST_TEST_REQUIRE(!json.encode(e, j));
                for (std::size_t n = 0; n < b.size(); ++n) {
                    auto const r = binary.decode(std::span(b).first(n));
                    BOOST_TEST_REQUIRE(!r.has_value());
                    BOOST_TEST_REQUIRE(r.error() == make_error_code(error::message_truncated),
                                       "binary prefix of " << n
                                                           << " bytes: " << r.error().message());
                }
                for (std::size_t n = 0; n < j.size(); ++n) {
                    auto const r = json.decode(std::span(j).first(n));
                    BOOST_TEST_REQUIRE(!r.has_value());
                    BOOST_TEST_REQUIRE(r.error() == make_error_code(error::message_truncated),
                                       "JSON prefix " << text_of(std::span(j).first(n)) << ": "
                                                      << r.error().message());
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(json_hostile_inputs_give_their_exact_errors) {
    json_codec const codec;
    // the table's builders write valid messages
    for (auto const& valid :
         {json_envelope("ping", R"({"seq":1,"target":"b@h:2"})"), json_with("label", R"("x")"),
          json_with("time", R"({"wall_ns":"1","logical":2})")}) {
        auto const r = codec.decode(bytes_of(valid));
        BOOST_TEST_REQUIRE(r.has_value(), valid << ": " << r.error().message());
    }
    for (auto const& c : json_cases()) {
        BOOST_TEST_CONTEXT(c.what) {
            auto const r = codec.decode(bytes_of(c.input));
            BOOST_TEST_REQUIRE(!r.has_value());
            BOOST_TEST(r.error() == make_error_code(c.expected));
        }
    }
}

BOOST_AUTO_TEST_CASE(json_decoding_stays_within_its_memory_budget) {
    // The budget is far above what any JSON text within max_message_size needs
    // (that is the point), so the refusal path is driven with a small one.
    std::string members = "[";
    for (int i = 0; i < 2000; ++i) members += i ? ",0" : "0";
    std::string const text =
        json_envelope("push_pull", R"({"join":false,"members":)" + members + "]}");
    auto const input = bytes_of(text);
    wire_limits const limits;
    boost::system::result<envelope> r = error::message_truncated;
    BOOST_REQUIRE_NO_THROW(r = detail::json_decode_envelope(input, limits, 16 * 1024));
    BOOST_TEST(r.error() == make_error_code(error::length_over_limit));
    // with the codec's own budget, the same input parses and fails on its shape
    BOOST_TEST(json_codec().decode(input).error() == make_error_code(error::malformed_json));
    BOOST_TEST(json_memory_budget(text.size()) >= 28 * text.size());
}

BOOST_AUTO_TEST_CASE(binary_random_mutations_decode_or_fail_cleanly) {
    mutation_loop<binary_codec>(false, 0xB1AA7);
}

BOOST_AUTO_TEST_CASE(json_random_mutations_decode_or_fail_cleanly) {
    mutation_loop<json_codec>(true, 0x150A);
}

BOOST_AUTO_TEST_CASE(binary_decoding_is_canonical) {
    // Each valid message has one encoding: whatever decodes re-encodes to the
    // very bytes it came from.
    binary_codec const codec;
    random_source random(0xCA70);
    std::vector<std::vector<std::byte>> pool;
    for (int i = 0; i < 32; ++i) {
        std::vector<std::byte> out;
        BOOST_TEST_REQUIRE(
            !codec.encode(random.envelope(i % cohort_test::message_type_count), out));
        pool.push_back(std::move(out));
    }
    for (int i = 0; i < 5000; ++i) {
        auto const input = mutate(random, pool[random.below(pool.size())], pool, false);
        auto const r = codec.decode(input);
        if (!r) continue;
        std::vector<std::byte> again;
        BOOST_TEST_REQUIRE(!codec.encode(*r, again));
        BOOST_TEST_REQUIRE((again == input));
    }
}

BOOST_AUTO_TEST_SUITE_END()
