// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// Both codecs give back what they were given: every message type with seeded
// random values and with the extremes, the exact formats, the encode contract
// (appends; refuses what a decoder would refuse, leaving the buffer alone),
// the codec concept and the limits' validation.

#include "wire_test_support.hpp"

#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/json_codec.hpp>

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using namespace cohort;
using cohort_test::bytes_of;
using cohort_test::random_source;
using cohort_test::show;
using cohort_test::text_of;

namespace {

node_id id(std::string_view text) { return node_id::parse(text).value(); }

envelope make_envelope(message body) {
    envelope e;
    e.label = "dc1";
    e.sender = id("a@h:1");
    e.incarnation = 300;
    e.time = {0x0102030405060708ULL, 0x090A0B0CU};
    e.body = std::move(body);
    return e;
}

// A user's codec in its simplest form: enough to satisfy the concept.
struct null_codec {
    boost::system::error_code encode(envelope const&, std::vector<std::byte>&) const { return {}; }
    boost::system::result<envelope> decode(std::span<std::byte const>) const {
        return error::message_truncated;
    }
};

struct encode_returns_bool {
    bool encode(envelope const&, std::vector<std::byte>&) const { return true; }
    boost::system::result<envelope> decode(std::span<std::byte const>) const { return envelope{}; }
};

struct decode_returns_optional {
    boost::system::error_code encode(envelope const&, std::vector<std::byte>&) const { return {}; }
    std::optional<envelope> decode(std::span<std::byte const>) const { return std::nullopt; }
};

struct mutable_encode {
    boost::system::error_code encode(envelope const&, std::vector<std::byte>&) { return {}; }
    boost::system::result<envelope> decode(std::span<std::byte const>) const { return envelope{}; }
};

// Encodes, decodes, and checks the decoded envelope and its re-encoding.
template <class Codec>
void check_round_trip(Codec const& codec, envelope const& e) {
    std::vector<std::byte> out;
    auto const ec = codec.encode(e, out);
    BOOST_TEST_REQUIRE(!ec, ec.message() << " encoding " << show(e));
    auto const decoded = codec.decode(out);
    BOOST_TEST_REQUIRE(decoded.has_value(), decoded.error().message() << " decoding " << show(e));
    BOOST_TEST((*decoded == e), "decoded differs: " << show(*decoded) << " vs " << show(e));
    std::vector<std::byte> again;
    BOOST_TEST(!codec.encode(*decoded, again));
    BOOST_TEST((again == out), "re-encoding differs");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wire_round_trip)

BOOST_AUTO_TEST_CASE(every_message_type_round_trips_with_seeded_random_values) {
    binary_codec const binary;
    json_codec const json;
    random_source random(0xC0407C0DEC0DEULL);
    for (std::size_t type = 0; type < cohort_test::message_type_count; ++type) {
        BOOST_TEST_CONTEXT("message type " << cohort_test::message_type_name(type)) {
            for (int i = 0; i < 300; ++i) {
                envelope const e = random.envelope(type);
                BOOST_TEST_REQUIRE(e.body.index() == type);
                check_round_trip(binary, e);
                check_round_trip(json, e);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_message_crosses_from_binary_to_json_and_back) {
    binary_codec const binary;
    json_codec const json;
    random_source random(42);
    for (int i = 0; i < 500; ++i) {
        envelope const e = random.envelope(random.below(cohort_test::message_type_count));
        std::vector<std::byte> b;
        BOOST_TEST_REQUIRE(!binary.encode(e, b));
        auto const from_binary = binary.decode(b);
        BOOST_TEST_REQUIRE(from_binary.has_value());
        std::vector<std::byte> j;
        BOOST_TEST_REQUIRE(!json.encode(*from_binary, j));
        auto const from_json = json.decode(j);
        BOOST_TEST_REQUIRE(from_json.has_value());
        BOOST_TEST((*from_json == e), show(e));
    }
}

BOOST_AUTO_TEST_CASE(extreme_values_round_trip) {
    wire_limits limits;
    limits.max_sequence_length = 300;  // a full sequence of push_pull members stays quick
    binary_codec const binary(limits);
    json_codec const json(limits);
    auto both = [&](envelope const& e) {
        check_round_trip(binary, e);
        check_round_trip(json, e);
    };

    constexpr auto u64_max = std::numeric_limits<std::uint64_t>::max();
    constexpr auto u32_max = std::numeric_limits<std::uint32_t>::max();

    // numbers at both ends, in the envelope and in the body
    for (std::uint64_t v :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{127}, std::uint64_t{128},
          std::uint64_t{1} << 53, (std::uint64_t{1} << 53) + 1, u64_max - 1, u64_max}) {
        auto e = make_envelope(suspect{id("m@h:1"), v, id("f@h:2")});
        e.incarnation = v;
        e.time = {v, static_cast<std::uint32_t>(v)};
        both(e);
    }
    for (std::uint32_t seq : {0U, 1U, u32_max}) {
        both(make_envelope(ping{seq, id("t@h:1")}));
        both(make_envelope(ack{seq}));
        both(make_envelope(nack{seq}));
    }

    // node ids of every host kind, at their longest and shortest
    std::string const long_name = "n" + std::string(63, 'x');
    std::string long_host;
    for (int i = 0; i < 4; ++i) long_host += (i ? "." : "") + std::string(62, 'h') + char('a' + i);
    long_host.resize(253);
    for (std::string const& text :
         {std::string("a@b:1"), long_name + "@" + long_host + ":65535", std::string("a@0.0.0.0:1"),
          std::string("a@255.255.255.255:65535"), std::string("a@[::]:1"),
          std::string("a@[::1]:7946"), std::string("a@[2001:db8::ff00:42:8329]:7946"),
          std::string("a@[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"),
          std::string("a@[1:0:0:2:0:0:0:3]:9")}) {
        BOOST_TEST_CONTEXT(text) {
            auto e = make_envelope(indirect_ping{u32_max, id(text), id(text)});
            e.sender = id(text);
            both(e);
        }
    }

    // every node state, and empty and full sequences
    push_pull full;
    for (std::size_t i = 0; i < limits.max_sequence_length; ++i) {
        auto const state = static_cast<node_state>(i % 5);
        full.members.push_back({id("m" + std::to_string(i) + "@h:1"), i, state, {}});
    }
    both(make_envelope(full));
    both(make_envelope(push_pull{true, {}}));
    for (auto s : {node_state::joining, node_state::active, node_state::leaving, node_state::failed,
                   node_state::unknown})
        both(make_envelope(push_pull{false, {{id("m@h:1"), u64_max, s, {{"", ""}}}}}));

    // strings and bytes: empty, and exactly the limit (ASCII and multi-byte)
    std::string const max_ascii(limits.max_string_length, 'x');
    std::string max_utf8;
    while (max_utf8.size() + 4 <= limits.max_string_length) max_utf8 += "\xF0\x9F\x98\x80";
    max_utf8 += std::string(limits.max_string_length - max_utf8.size(), '\x7F');
    std::string const controls("\0\x01\x1F\"\\/\b\f\n\r\t", 11);
    for (std::string const& s : {std::string(), max_ascii, max_utf8, controls}) {
        auto e = make_envelope(user_message{s, {}});
        e.label = s;
        both(e);
        both(make_envelope(alive{id("m@h:1"), 0, {{s, s}}}));
        both(make_envelope(join{id("m@h:1"), 0, {{s, ""}, {"", s}}}));
    }
    std::vector<std::byte> max_bytes(limits.max_string_length);
    for (std::size_t i = 0; i < max_bytes.size(); ++i) max_bytes[i] = std::byte(i * 7);
    for (std::size_t n :
         {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, max_bytes.size()}) {
        std::vector<std::byte> payload(max_bytes.begin(), max_bytes.begin() + static_cast<long>(n));
        auto e = make_envelope(user_message{"topic", payload});
        e.auth_tag = payload;
        both(e);
    }
    both(make_envelope(leave{id("m@h:1"), u64_max}));
    both(make_envelope(failed{id("m@h:1"), 0, id("m@h:1")}));

    // router messages: extremes of every field
    std::vector<std::byte> const small(max_bytes.begin(), max_bytes.begin() + 300);
    both(make_envelope(route_request{u64_max, small, max_ascii, u64_max, 0xFFFFFFFFU, false, {}, true}));
    both(make_envelope(route_request{0, {}, "", 0, 0, true, small, false}));
    both(make_envelope(route_reply{u64_max, route_status::redirect, id("o@[::1]:65535"), u64_max, {}}));
    both(make_envelope(route_reply{0, route_status::handler_error, std::nullopt, 0, small}));
    both(make_envelope(route_reply{1, route_status::reply_too_large, std::nullopt, 2, small}));
    both(make_envelope(view_digest{u64_max, u64_max}));
    both(make_envelope(view_digest{}));
    auto constexpr i64_min = std::numeric_limits<std::int64_t>::min();
    auto constexpr i64_max = std::numeric_limits<std::int64_t>::max();
    both(make_envelope(clock_offset_refused{i64_min, i64_max}));
    both(make_envelope(clock_offset_refused{-2'000'000'000, 500'000'000}));
    both(make_envelope(clock_offset_refused{}));
}

BOOST_AUTO_TEST_CASE(encode_appends_to_the_buffer) {
    auto const e = make_envelope(ping{7, id("b@h:2")});
    auto check = [&](auto const& codec) {
        std::vector<std::byte> alone;
        BOOST_TEST_REQUIRE(!codec.encode(e, alone));
        std::vector<std::byte> out = bytes_of("prefix");
        BOOST_TEST_REQUIRE(!codec.encode(e, out));
        BOOST_TEST_REQUIRE(out.size() == 6 + alone.size());
        BOOST_TEST(text_of(std::span(out).first(6)) == "prefix");
        BOOST_TEST((std::vector<std::byte>(out.begin() + 6, out.end()) == alone));
        BOOST_TEST_REQUIRE(!codec.encode(e, out));  // twice: both copies present
        BOOST_TEST(out.size() == 6 + 2 * alone.size());
    };
    check(binary_codec{});
    check(json_codec{});
}

BOOST_AUTO_TEST_CASE(message_too_large_leaves_the_buffer_as_it_was) {
    auto const e = make_envelope(user_message{"t", std::vector<std::byte>(100)});
    auto check = [&](auto make) {
        std::vector<std::byte> exact;
        BOOST_TEST_REQUIRE(!make(wire_limits{}).encode(e, exact));
        wire_limits limits;
        limits.max_message_size = exact.size();  // exactly fits
        std::vector<std::byte> out;
        BOOST_TEST(!make(limits).encode(e, out));
        BOOST_TEST(out.size() == exact.size());

        limits.max_message_size = exact.size() - 1;  // one byte short
        std::vector<std::byte> kept = bytes_of("kept");
        auto const ec = make(limits).encode(e, kept);
        BOOST_TEST(ec == make_error_code(error::message_too_large));
        BOOST_TEST(text_of(kept) == "kept");
        BOOST_TEST(kept.capacity() >= 4);
    };
    check([](wire_limits l) { return binary_codec(l); });
    check([](wire_limits l) { return json_codec(l); });
}

BOOST_AUTO_TEST_CASE(encode_refuses_what_a_decoder_would_refuse) {
    wire_limits limits;
    limits.max_string_length = 16;
    limits.max_sequence_length = 2;
    auto const good = make_envelope(ping{1, id("b@h:2")});
    struct refusal {
        char const* what;
        envelope e;
        error expected;
    };
    std::vector<refusal> cases;
    auto add = [&](char const* what, auto change, error expected) {
        envelope e = good;
        change(e);
        cases.push_back({what, std::move(e), expected});
    };
    add(
        "version 2", [](envelope& e) { e.version = 2; }, error::unsupported_version);
    add(
        "empty sender", [](envelope& e) { e.sender = node_id(); }, error::invalid_field);
    add(
        "empty node id in the body",
        [](envelope& e) {
            e.body = ping{1, node_id()};
        },
        error::invalid_field);
    add(
        "label not UTF-8", [](envelope& e) { e.label = "\xC0\xAF"; }, error::invalid_field);
    add(
        "topic with a lone surrogate",
        [](envelope& e) {
            e.body = user_message{"\xED\xA0\x80", {}};
        },
        error::invalid_field);
    add(
        "label over the limit", [](envelope& e) { e.label = std::string(17, 'x'); },
        error::length_over_limit);
    add(
        "sender over the limit", [](envelope& e) { e.sender = id("abcdefgh@host:7946"); },
        error::length_over_limit);
    add(
        "auth tag over the limit", [](envelope& e) { e.auth_tag.resize(17); },
        error::length_over_limit);
    add(
        "payload over the limit",
        [](envelope& e) {
            e.body = user_message{"t", std::vector<std::byte>(17)};
        },
        error::length_over_limit);
    add(
        "sequence over the limit",
        [](envelope& e) {
            e.body = alive{id("m@h:1"), 0, {{}, {}, {}}};
        },
        error::length_over_limit);
    add(
        "state outside the enumerators",
        [](envelope& e) {
            e.body = push_pull{false, {{id("m@h:1"), 0, static_cast<node_state>(9), {}}}};
        },
        error::invalid_field);

    for (auto const& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            for (int codec = 0; codec < 2; ++codec) {
                std::vector<std::byte> out = bytes_of("kept");
                auto const ec = codec == 0 ? binary_codec(limits).encode(c.e, out)
                                           : json_codec(limits).encode(c.e, out);
                BOOST_TEST(ec == make_error_code(c.expected), (codec ? "json" : "binary"));
                BOOST_TEST(text_of(out) == "kept");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(codecs_and_a_user_codec_model_the_concept) {
    static_assert(codec<binary_codec>);
    static_assert(codec<json_codec>);
    static_assert(codec<null_codec>);
    static_assert(!codec<encode_returns_bool>);
    static_assert(!codec<decode_returns_optional>);
    static_assert(!codec<mutable_encode>);
    static_assert(!codec<int>);
    static_assert(std::is_nothrow_move_constructible_v<binary_codec>);
    static_assert(std::is_copy_constructible_v<json_codec>);

    null_codec const user;
    std::vector<std::byte> out;
    BOOST_TEST(!user.encode(envelope{}, out));
    BOOST_TEST(user.decode(out).error() == make_error_code(error::message_truncated));
}

BOOST_AUTO_TEST_CASE(wire_limits_are_validated) {
    BOOST_TEST(validate(wire_limits{}).has_value());
    BOOST_TEST((binary_codec().limits() == wire_limits{}));
    BOOST_TEST(wire_min_json_depth == 6U);  // envelope > push_pull > members > member > tags > tag

    auto field_of = [](wire_limits const& l) { return std::string(validate(l).error().field); };
    wire_limits l;
    l.max_message_size = 0;
    BOOST_TEST(field_of(l) == "wire_limits.max_message_size");
    l.max_message_size = wire_max_message_size + 1;
    BOOST_TEST(field_of(l) == "wire_limits.max_message_size");
    l = {};
    l.max_message_size = wire_max_message_size;
    BOOST_TEST(validate(l).has_value());
    l = {};
    l.max_string_length = 0;
    BOOST_TEST(field_of(l) == "wire_limits.max_string_length");
    l = {};
    l.max_sequence_length = 0;
    BOOST_TEST(field_of(l) == "wire_limits.max_sequence_length");
    l = {};
    l.max_depth = wire_min_json_depth - 1;
    BOOST_TEST(field_of(l) == "wire_limits.max_depth");
    l.max_depth = wire_max_json_depth + 1;
    BOOST_TEST(field_of(l) == "wire_limits.max_depth");
    l.max_depth = wire_min_json_depth;
    BOOST_TEST(validate(l).has_value());

    wire_limits bad;
    bad.max_sequence_length = 0;
    BOOST_CHECK_THROW(binary_codec{bad}, boost::system::system_error);
    try {
        json_codec{bad};
        BOOST_FAIL("no exception");
    } catch (boost::system::system_error const& e) {
        BOOST_TEST(std::string(e.what()).find("wire_limits.max_sequence_length") !=
                   std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(the_smallest_allowed_json_depth_carries_every_message) {
    wire_limits limits;
    limits.max_depth = wire_min_json_depth;
    json_codec const json(limits);
    check_round_trip(
        json, make_envelope(push_pull{true, {{id("m@h:1"), 1, node_state::active, {{"k", "v"}}}}}));
    random_source random(7);
    for (std::size_t type = 0; type < cohort_test::message_type_count; ++type)
        check_round_trip(json, random.envelope(type));
}

BOOST_AUTO_TEST_CASE(binary_format_is_stable) {
    // clang-format off
    static constexpr char golden[] =
        "\xC0\x4F\x01"                                          // magic, version
        "\x03" "dc1"                                             // label
        "\x05" "a@h:1"                                           // sender
        "\xAC\x02"                                              // incarnation 300
        "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C"      // time
        "\x00"                                                  // type 0: ping
        "\x07"                                                  // seq
        "\x05" "b@h:2"                                           // target
        "\x00";                                                 // auth_tag: empty
    // clang-format on
    std::string const expected(golden, sizeof golden - 1);
    std::vector<std::byte> out;
    BOOST_TEST_REQUIRE(!binary_codec().encode(make_envelope(ping{7, id("b@h:2")}), out));
    BOOST_TEST((out == bytes_of(expected)));

    // the type number is the variant index: appending types never renumbers
    BOOST_TEST(message(ping{}).index() == 0U);
    BOOST_TEST(message(ack{}).index() == 2U);
    BOOST_TEST(message(push_pull{}).index() == 9U);
    BOOST_TEST(message(user_message{}).index() == 10U);
    BOOST_TEST(message(push_pull_reply{}).index() == 12U);
    BOOST_TEST(message(route_request{}).index() == 13U);
    BOOST_TEST(message(route_reply{}).index() == 14U);
    BOOST_TEST(message(view_digest{}).index() == 15U);
    BOOST_TEST(message(clock_offset_refused{}).index() == 16U);
}

BOOST_AUTO_TEST_CASE(json_format_is_stable) {
    auto e = make_envelope(push_pull{
        true, {{id("M@Host:1"), 1ULL << 60, node_state::unknown, {{"k\"", "\xC3\xA9\n"}}}}});
    e.auth_tag = {std::byte{0xDE}, std::byte{0xAD}, std::byte{0xBE}, std::byte{0xEF}};
    std::vector<std::byte> out;
    BOOST_TEST_REQUIRE(!json_codec().encode(e, out));
    BOOST_TEST(text_of(out) ==
               R"({"cohort":1,"label":"dc1","sender":"a@h:1","incarnation":"300",)"
               R"("time":{"wall_ns":"72623859790382856","logical":151653132},)"
               R"("type":"push_pull","body":{"join":true,"members":[{"id":"M@host:1",)"
               R"("incarnation":"1152921504606846976","state":"unknown",)"
               R"("tags":[{"key":"k\"","value":"é\n"}]}]},"auth_tag":"3q2+7w=="})");

    std::vector<std::byte> small;
    BOOST_TEST_REQUIRE(!json_codec().encode(make_envelope(ack{4294967295U}), small));
    BOOST_TEST(text_of(small).find(R"("type":"ack","body":{"seq":4294967295})") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_accepts_any_key_order_whitespace_and_node_id_spelling) {
    std::string const text = R"(
        { "auth_tag" : "" , "body" : { "target" : "B@[0:0:0:0:0:0:0:1]:0002", "seq" : 7 },
          "type" : "ping", "time" : { "logical" : 3, "wall_ns" : "5" },
          "incarnation" : "0", "sender" : "A@EXAMPLE.org:1", "label" : "", "cohort" : 1 }
    )";
    auto const decoded = json_codec().decode(bytes_of(text));
    BOOST_TEST_REQUIRE(decoded.has_value(), decoded.error().message());
    BOOST_TEST(decoded->sender.str() == "A@example.org:1");
    auto const& p = std::get<ping>(decoded->body);
    BOOST_TEST(p.seq == 7U);
    BOOST_TEST(p.target.str() == "B@[::1]:2");
    BOOST_TEST((decoded->time == hlc_timestamp{5, 3}));
}

// ---- the generic walker, on field kinds no cohort message uses yet -------------

enum class signed_color : std::int8_t { red = -2, green = 0, blue = 5 };
BOOST_DESCRIBE_ENUM(signed_color, red, green, blue)

struct probe_base {
    std::int16_t delta = 0;
    friend bool operator==(probe_base const&, probe_base const&) = default;
};
BOOST_DESCRIBE_STRUCT(probe_base, (), (delta))

struct probe_fields : probe_base {
    std::int8_t i8 = 0;
    std::int64_t i64 = 0;
    std::uint8_t u8 = 0;
    std::uint16_t u16 = 0;
    signed_color color = signed_color::green;
    std::optional<std::string> note;
    std::optional<node_id> peer;
    std::vector<bool> flags;
    std::vector<std::vector<std::uint32_t>> grid;
    std::vector<std::byte> blob;
    hlc_timestamp at;
    message inner;
    friend bool operator==(probe_fields const&, probe_fields const&) = default;
};
BOOST_DESCRIBE_STRUCT(probe_fields, (probe_base),
                      (i8, i64, u8, u16, color, note, peer, flags, grid, blob, at, inner))

BOOST_AUTO_TEST_CASE(generic_field_kinds_round_trip) {
    static_assert(detail::field_count<probe_fields>() == 13);
    static_assert(detail::wire_kind_of<signed_color>() == detail::wire_kind::enumeration);
    static_assert(detail::wire_kind_of<char>() == detail::wire_kind::unsupported);
    static_assert(detail::wire_kind_of<float>() == detail::wire_kind::unsupported);
    static_assert(detail::min_binary_size<hlc_timestamp>() == 12);
    static_assert(detail::min_binary_size<ack>() == 1);

    wire_limits const limits;
    random_source random(99);
    for (int i = 0; i < 2000; ++i) {
        probe_fields value;
        random.fill(value);

        // binary: measure, write, read
        detail::binary_sizer sizer{limits, 0, {}};
        detail::binary_measure(sizer, value);
        BOOST_TEST_REQUIRE(!sizer.ec);
        std::vector<std::byte> buf(sizer.size);
        detail::binary_writer w{buf.data()};
        detail::binary_write(w, value);
        BOOST_TEST_REQUIRE(w.p == buf.data() + buf.size());
        detail::binary_reader r{buf.data(), buf.data() + buf.size(), limits};
        probe_fields from_binary;
        BOOST_TEST_REQUIRE(!detail::binary_read(r, from_binary));
        BOOST_TEST(r.p == r.end);
        BOOST_TEST((from_binary == value));

        // JSON: write, parse, read
        std::vector<std::byte> text;
        detail::json_writer jw{text, limits};
        BOOST_TEST_REQUIRE(!detail::json_write(jw, value));
        boost::system::error_code ec;
        auto const jv = boost::json::parse(
            std::string_view(reinterpret_cast<char const*>(text.data()), text.size()), ec);
        BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << text_of(text));
        probe_fields from_json;
        BOOST_TEST_REQUIRE(!detail::json_read(jv, from_json, limits));
        BOOST_TEST((from_json == value));
    }

    // signed numbers: zigzag in binary, 64-bit as strings in JSON
    probe_fields v;
    v.delta = -1;
    v.i64 = std::numeric_limits<std::int64_t>::min();
    v.color = signed_color::red;
    v.inner = ack{};
    std::vector<std::byte> text;
    detail::json_writer jw{text, limits};
    BOOST_TEST_REQUIRE(!detail::json_write(jw, v));
    BOOST_TEST(text_of(text).find(R"("delta":-1,)") != std::string::npos);
    BOOST_TEST(text_of(text).find(R"("i64":"-9223372036854775808")") != std::string::npos);
    BOOST_TEST(text_of(text).find(R"("color":"red")") != std::string::npos);
    BOOST_TEST(text_of(text).find(R"("note":null)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
