// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// Writes the fuzzers' seed corpus: a few valid encodings of varied messages,
// in both forms, each within the fuzzers' limits; and DNS answers for the
// DNS decoder's fuzzer.
//
//   cohort_fuzz_make_corpus tests/fuzz/corpus
//
// writes <dir>/binary/<name>.bin, <dir>/json/<name>.json and
// <dir>/dns/<name>.bin. The output is deterministic, so tools/fuzz.sh can
// check the committed seeds are current.

#include "fuzz_support.hpp"
#include "../discovery/dns_wire.hpp"

#include <cohort/discovery/detail/dns_message.hpp>

#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/json_codec.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace cohort;

node_id id(char const* text) { return node_id::parse(text).value(); }

envelope with(message body, char const* sender = "node-1@10.0.0.1:7946") {
    envelope e;
    e.sender = id(sender);
    e.incarnation = 3;
    e.time = {1732233600000000123ULL, 4};
    e.body = std::move(body);
    return e;
}

std::vector<std::pair<char const*, envelope>> seeds() {
    std::vector<std::pair<char const*, envelope>> s;
    s.emplace_back("ping", with(ping{1, id("node-2@10.0.0.2:7946")}));
    s.emplace_back("indirect_ping", with(indirect_ping{4294967295U, id("db@[2001:db8::1]:7000"),
                                                       id("node-1@10.0.0.1:7946")},
                                         "db-2@[::1]:65535"));
    s.emplace_back("ack", with(ack{0}));
    s.emplace_back("nack", with(nack{128}));
    s.emplace_back("suspect",
                   with(suspect{id("edge@node3.example.com:4369"), 7, id("node-1@10.0.0.1:7946")}));
    s.emplace_back("alive", with(alive{id("edge@node3.example.com:4369"),
                                       8,
                                       {{"role", "edge"}, {"zone", "eu-west-1a"}}}));
    s.emplace_back("failed", with(failed{id("n@h:1"), std::numeric_limits<std::uint64_t>::max(),
                                         id("node-1@10.0.0.1:7946")}));
    s.emplace_back("leave", with(leave{id("node-1@10.0.0.1:7946"), 4}));

    auto j = with(join{id("new@10.0.0.9:7946"), 1, {{"version", "0.1.0"}, {"", ""}}});
    j.label = "prod";
    j.auth_tag = {std::byte{0xDE}, std::byte{0xAD}, std::byte{0xBE}, std::byte{0xEF}};
    s.emplace_back("join_labelled", std::move(j));

    push_pull state{true, {}};
    char const* const members[] = {"a@10.0.0.1:1", "b@[fe80::1]:2", "c@c.example:3", "d@10.0.0.4:4",
                                   "e@[::]:5"};
    for (std::size_t i = 0; i < 5; ++i)
        state.members.push_back({id(members[i]), i * 1000, static_cast<node_state>(i),
                                 i % 2 ? std::vector<tag>{{"dc", "east"}} : std::vector<tag>{}});
    s.emplace_back("push_pull", with(std::move(state)));

    gossip g;
    g.rumors.push_back({id("a@10.0.0.1:1"), 5, node_state::unknown, {}, id("b@[fe80::1]:2")});
    g.rumors.push_back({id("c@c.example:3"), 1ULL << 40, node_state::active, {{"dc", "west"}}, {}});
    g.rumors.push_back({id("d@10.0.0.4:4"), 2, node_state::leaving, {}, {}});
    s.emplace_back("gossip", with(std::move(g)));

    s.emplace_back("view_digest", with(view_digest{0x9E3779B97F4A7C15ULL, 12}));
    s.emplace_back("clock_offset_refused", with(clock_offset_refused{-2'000'000'000, 500'000'000}));

    push_pull_reply reply;
    reply.members.push_back({id("a@10.0.0.1:1"), 7, node_state::active, {{"role", "db"}}});
    reply.members.push_back({id("e@[::]:5"), 3, node_state::failed, {}});
    s.emplace_back("push_pull_reply", with(std::move(reply)));

    auto u = with(user_message{
        "deploy/\xC3\xA9t\xC3\xA9 \"quoted\"\n",
        {std::byte{0}, std::byte{1}, std::byte{0x7F}, std::byte{0x80}, std::byte{0xFF}}});
    u.label = "\xE2\x9C\x93";
    s.emplace_back("user_message", std::move(u));

    s.emplace_back("route_request",
                   with(route_request{42,
                                      {std::byte{'u'}, std::byte{'s'}, std::byte{'e'}, std::byte{'r'},
                                       std::byte{':'}, std::byte{0xFF}},
                                      "kv/put",
                                      0x9E3779B97F4A7C15ULL,
                                      1,
                                      true,
                                      {std::byte{0}, std::byte{0x80}, std::byte{0xFF}},
                                      false}));
    s.emplace_back("route_cast", with(route_request{0, {}, "", 0, 0, false, {}, true}));
    s.emplace_back("route_reply_redirect",
                   with(route_reply{42, route_status::redirect, id("owner@[2001:db8::7]:7946"),
                                    std::numeric_limits<std::uint64_t>::max(), {}}));
    s.emplace_back("route_reply_ok",
                   with(route_reply{7, route_status::ok, std::nullopt, 1, {std::byte{'v'}}}));
    return s;
}

// DNS answers: what dnsmasq sends, and the shapes the decoder handles.
std::vector<std::pair<char const*, std::vector<std::byte>>> dns_seeds() {
    std::vector<std::pair<char const*, std::vector<std::byte>>> s;
    // dnsmasq 2.90's answer to `_cohort._udp.test SRV`, with its glue (as in
    // tests/discovery/discovery_test.cpp)
    constexpr std::string_view dnsmasq =
        "168585800001000200000003075f636f686f7274045f75647004746573740000210001c00c00210001000000"
        "00000f000000001b5a026e32047465737400c00c0021000100000000000f000000001b59026e310474657374"
        "00c050000100010000000000047f00000bc035000100010000000000047f00000cc035001c00010000000000"
        "1000000000000000000000000000000001";
    std::vector<std::byte> captured;
    for (std::size_t i = 0; i + 1 < dnsmasq.size(); i += 2)
        captured.push_back(static_cast<std::byte>(std::stoi(std::string(dnsmasq.substr(i, 2)), nullptr, 16)));
    s.emplace_back("dnsmasq_srv", std::move(captured));

    auto srv = dns_wire::message::response(2, 2);
    srv.question("_cohort._udp.Example", 33);
    srv.srv(1, 5, 7946, "Node-1.example").srv(0, 0, 1, "");
    srv.a("node-1.example", 10, 0, 0, 1).aaaa_loopback("node-1.example");
    s.emplace_back("srv_glue", std::move(srv.b));

    auto a = dns_wire::message::response(2);
    a.question("multi.test", 1);
    a.pointer(12).u16(1).u16(1).u32(30).u16(4).u32(0x7f000015);
    a.pointer(12).u16(1).u16(1).u32(30).u16(4).u32(0x7f000016);
    s.emplace_back("a_two", std::move(a.b));

    // a CNAME (skipped) and the target's A record
    auto cname = dns_wire::message::response(2);
    cname.question("alias.test", 1);
    std::size_t const target = cname.size() + 12;
    cname.pointer(12).u16(5).u16(1).u32(30).u16(9).name("n1.test");
    cname.pointer(target).u16(1).u16(1).u32(30).u16(4).u32(0x7f00000b);
    s.emplace_back("cname_a", std::move(cname.b));

    // an authority section record (ignored) and an OPT record
    auto auth = dns_wire::message::response(0, 1, 0, 1);
    auth.question("x.test", 28);
    auth.pointer(12).u16(6).u16(1).u32(30).u16(0);
    auth.u8(0).u16(41).u16(4096).u32(0).u16(0);
    s.emplace_back("authority_opt", std::move(auth.b));

    auto nx = dns_wire::message::response(0, 0, 3);
    nx.question("nope.test", 33);
    s.emplace_back("nxdomain", std::move(nx.b));
    return s;
}

bool write_file(std::filesystem::path const& path, std::vector<std::byte> const& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<char const*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    std::filesystem::path const root = argv[1];
    binary_codec const binary(cohort_fuzz::fuzz_limits());
    json_codec const json(cohort_fuzz::fuzz_limits());
    std::filesystem::create_directories(root / "binary");
    std::filesystem::create_directories(root / "json");
    std::filesystem::create_directories(root / "dns");
    for (auto const& [name, bytes] : dns_seeds()) {
        if (!write_file(root / "dns" / (std::string(name) + ".bin"), bytes)) {
            std::fprintf(stderr, "%s: cannot write under %s\n", name, root.c_str());
            return 1;
        }
    }
    for (auto const& [name, e] : seeds()) {
        std::vector<std::byte> b;
        std::vector<std::byte> j;
        if (auto ec = binary.encode(e, b)) {
            std::fprintf(stderr, "%s: binary: %s\n", name, ec.message().c_str());
            return 1;
        }
        if (auto ec = json.encode(e, j)) {
            std::fprintf(stderr, "%s: json: %s\n", name, ec.message().c_str());
            return 1;
        }
        if (!write_file(root / "binary" / (std::string(name) + ".bin"), b) ||
            !write_file(root / "json" / (std::string(name) + ".json"), j)) {
            std::fprintf(stderr, "%s: cannot write under %s\n", name, root.c_str());
            return 1;
        }
    }
    return 0;
}
