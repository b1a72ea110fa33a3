// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TESTS_DISCOVERY_DNS_WIRE_HPP
#define COHORT_TESTS_DISCOVERY_DNS_WIRE_HPP

// Builds DNS responses byte by byte for the decoder's tests and fuzz corpus.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace dns_wire {

struct message {
    std::vector<std::byte> b;

    message& u8(unsigned v) {
        b.push_back(static_cast<std::byte>(v & 0xff));
        return *this;
    }
    message& u16(unsigned v) { return u8(v >> 8).u8(v); }
    message& u32(std::uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
    message& name(std::string_view n) {
        while (!n.empty()) {
            auto const dot = n.find('.');
            auto const label = n.substr(0, dot);
            u8(static_cast<unsigned>(label.size()));
            for (char c : label) u8(static_cast<unsigned char>(c));
            n = dot == std::string_view::npos ? std::string_view{} : n.substr(dot + 1);
        }
        return u8(0);
    }
    message& pointer(std::size_t to) { return u16(0xc000 | static_cast<unsigned>(to)); }
    std::size_t size() const { return b.size(); }

    // header: a response with one question
    static message response(unsigned an, unsigned ar = 0, unsigned rcode = 0, unsigned ns = 0) {
        message m;
        m.u16(0x1234).u16(0x8180 | rcode).u16(1).u16(an).u16(ns).u16(ar);
        return m;
    }
    message& question(std::string_view n, unsigned type) { return name(n).u16(type).u16(1); }
    // an SRV record whose owner is a pointer to the question (offset 12)
    message& srv(unsigned prio, unsigned weight, unsigned port, std::string_view target) {
        pointer(12).u16(33).u16(1).u32(30);
        std::size_t const len_at = size();
        u16(0).u16(prio).u16(weight).u16(port).name(target);
        auto const len = size() - len_at - 2;
        b[len_at] = static_cast<std::byte>(len >> 8);
        b[len_at + 1] = static_cast<std::byte>(len & 0xff);
        return *this;
    }
    message& a(std::string_view owner, unsigned a0, unsigned a1, unsigned a2, unsigned a3) {
        return name(owner).u16(1).u16(1).u32(30).u16(4).u8(a0).u8(a1).u8(a2).u8(a3);
    }
    message& aaaa_loopback(std::string_view owner) {
        name(owner).u16(28).u16(1).u32(30).u16(16);
        for (int i = 0; i < 15; ++i) u8(0);
        return u8(1);
    }
};

} // namespace dns_wire

#endif // COHORT_TESTS_DISCOVERY_DNS_WIRE_HPP
