// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// Writes the fuzzers' seed corpus: a few valid encodings of varied messages,
// in both forms, each within the fuzzers' limits.
//
//   cohort_fuzz_make_corpus tests/fuzz/corpus
//
// writes <dir>/binary/<name>.bin and <dir>/json/<name>.json. The output is
// deterministic, so tools/fuzz.sh can check the committed seeds are current.

#include "fuzz_support.hpp"

#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/json_codec.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
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
