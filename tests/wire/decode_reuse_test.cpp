// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// binary_codec::decode(bytes, envelope&, node_id_cache*): decoding into a
// reused envelope through a cache of node_ids gives exactly what a fresh
// decode gives, for valid and for mangled bytes; and the cache itself stays
// within its bound, forgets the oldest id first, and matches exact bytes only.

#include "wire_test_support.hpp"

#include <cohort/wire/detail/node_id_cache.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace cohort;
using cohort_test::random_source;

node_id id_number(std::uint64_t i) {
    return node_id::from_parts("n" + std::to_string(i), "10.0." + std::to_string(i % 250) + ".1",
                               static_cast<std::uint16_t>(1000 + i % 60000))
        .value();
}

// A few random edits: bit flips, byte changes, cuts, and splices of another message.
std::vector<std::byte> mangle(random_source& random, std::vector<std::byte> b,
                              std::vector<std::vector<std::byte>> const& pool) {
    for (auto edits = 1 + random.below(3); edits != 0; --edits) {
        std::size_t const at = b.empty() ? 0 : random.below(b.size());
        switch (random.below(5)) {
        case 0:
            if (!b.empty()) b[at] ^= static_cast<std::byte>(1U << random.below(8));
            break;
        case 1:
            if (!b.empty()) b[at] = static_cast<std::byte>(random.below(256));
            break;
        case 2: b.resize(at); break;
        case 3:
            if (!b.empty()) b.erase(b.begin() + static_cast<long>(at));
            break;
        default: {
            auto const& other = pool[random.below(pool.size())];
            std::size_t const from = random.below(other.size());
            b.resize(at);
            b.insert(b.end(), other.begin() + static_cast<long>(from), other.end());
            break;
        }
        }
    }
    return b;
}

} // namespace

BOOST_AUTO_TEST_SUITE(wire_decode_reuse)

BOOST_AUTO_TEST_CASE(node_id_cache_finds_exact_text_only) {
    detail::node_id_cache cache(4);
    auto const a = node_id::parse("alpha@10.0.0.1:7946").value();
    BOOST_TEST(cache.find(a.str()) == nullptr);
    BOOST_TEST(cache.insert(a) == a);
    BOOST_TEST_REQUIRE(cache.find("alpha@10.0.0.1:7946") != nullptr);
    BOOST_TEST(*cache.find("alpha@10.0.0.1:7946") == a);
    // Same id spelled otherwise, a prefix, an extension: no hit.
    BOOST_TEST(cache.find("alpha@10.0.0.1:07946") == nullptr);
    BOOST_TEST(cache.find("alpha@10.0.0.1:794") == nullptr);
    BOOST_TEST(cache.find("alpha@10.0.0.1:79460") == nullptr);
    BOOST_TEST(cache.find("Alpha@10.0.0.1:7946") == nullptr);
    BOOST_TEST(cache.find("") == nullptr);
    // Inserting it again keeps one entry.
    cache.insert(a);
    BOOST_TEST(cache.size() == 1u);
}

BOOST_AUTO_TEST_CASE(node_id_cache_is_bounded_and_forgets_the_oldest) {
    detail::node_id_cache cache(3);
    for (std::uint64_t i = 0; i < 3; ++i) cache.insert(id_number(i));
    BOOST_TEST(cache.size() == 3u);
    cache.insert(id_number(3));  // evicts 0
    BOOST_TEST(cache.size() == 3u);
    BOOST_TEST(cache.find(id_number(0).str()) == nullptr);
    for (std::uint64_t i = 1; i < 4; ++i) BOOST_TEST(cache.find(id_number(i).str()) != nullptr);
    cache.insert(id_number(4));  // evicts 1
    BOOST_TEST(cache.find(id_number(1).str()) == nullptr);
    BOOST_TEST(cache.find(id_number(4).str()) != nullptr);
    cache.clear();
    BOOST_TEST(cache.size() == 0u);
    BOOST_TEST(cache.find(id_number(4).str()) == nullptr);
    BOOST_TEST(detail::node_id_cache(0).capacity() == 1u);
}

BOOST_AUTO_TEST_CASE(node_id_cache_matches_a_model_under_random_operations) {
    for (std::size_t const capacity : {1u, 2u, 7u, 64u}) {
        BOOST_TEST_CONTEXT("capacity " << capacity) {
            detail::node_id_cache cache(capacity);
            std::deque<std::string> model;  // insertion order, oldest first
            std::mt19937_64 rng(0xC0E1 + capacity);
            for (int op = 0; op < 20000; ++op) {
                auto const id = id_number(rng() % (capacity * 3 + 2));
                auto const in_model = std::find(model.begin(), model.end(), id.str()) != model.end();
                if (rng() % 3 == 0) {
                    auto const* hit = cache.find(id.str());
                    BOOST_TEST_REQUIRE((hit != nullptr) == in_model);
                    if (hit) BOOST_TEST_REQUIRE(*hit == id);
                } else {
                    BOOST_TEST_REQUIRE(cache.insert(id) == id);
                    if (!in_model) {
                        if (model.size() == capacity) model.pop_front();
                        model.push_back(id.str());
                    }
                }
                BOOST_TEST_REQUIRE(cache.size() == model.size());
                BOOST_TEST_REQUIRE(cache.size() <= capacity);
            }
            for (auto const& text : model) BOOST_TEST(cache.find(text) != nullptr);
        }
    }
}

BOOST_AUTO_TEST_CASE(reused_decode_equals_fresh_decode_for_valid_and_mangled_bytes) {
    binary_codec const codec;
    random_source random(0x5EED);
    std::vector<std::vector<std::byte>> pool;
    for (std::size_t i = 0; i < 96; ++i) {
        std::vector<std::byte> out;
        BOOST_TEST_REQUIRE(!codec.encode(random.envelope(i % cohort_test::message_type_count), out));
        pool.push_back(std::move(out));
    }
    detail::node_id_cache ids(8);  // small: evictions happen
    envelope reused;
    std::size_t decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        auto const& base = pool[random.below(pool.size())];
        auto const input = random.one_in(3) ? base : mangle(random, base, pool);
        BOOST_TEST_CONTEXT("input " << i) {
            auto const fresh = codec.decode(input);
            boost::system::error_code ec;
            BOOST_REQUIRE_NO_THROW(ec = codec.decode(input, reused, random.one_in(4) ? nullptr : &ids));
            BOOST_TEST_REQUIRE(ec == (fresh ? boost::system::error_code{} : fresh.error()));
            if (fresh) {
                ++decoded;
                BOOST_TEST_REQUIRE((reused == *fresh), cohort_test::show(reused));
            }
            BOOST_TEST_REQUIRE(ids.size() <= ids.capacity());
        }
    }
    BOOST_TEST(decoded > 6000u);  // both paths exercised
}

BOOST_AUTO_TEST_CASE(a_cached_sender_still_needs_canonical_bytes) {
    binary_codec const codec;
    detail::node_id_cache ids;
    envelope e;
    e.sender = node_id::parse("alpha@10.0.0.1:7946").value();
    e.body = user_message{"topic", {}};
    std::vector<std::byte> good;
    BOOST_TEST_REQUIRE(!codec.encode(e, good));
    envelope reused;
    BOOST_TEST_REQUIRE(!codec.decode(good, reused, &ids));
    BOOST_TEST(reused.sender == e.sender);
    BOOST_TEST(ids.find("alpha@10.0.0.1:7946") != nullptr);
    // Bytes that differ from the cached text are parsed, never matched:
    // another port is another id, a leading zero is not canonical, a letter
    // is no port.
    auto const pattern = cohort_test::bytes_of(":7946");
    auto const at = std::search(good.begin(), good.end(), pattern.begin(), pattern.end());
    BOOST_TEST_REQUIRE((at != good.end()));
    auto const digit = static_cast<std::size_t>(at - good.begin()) + 4;  // the '6'
    auto with = [&](char c) {
        auto b = good;
        b[digit] = static_cast<std::byte>(c);
        return b;
    };
    BOOST_TEST_REQUIRE(!codec.decode(with('7'), reused, &ids));
    BOOST_TEST(reused.sender.str() == "alpha@10.0.0.1:7947");
    auto const first = static_cast<std::size_t>(at - good.begin()) + 1;  // the '7'
    auto leading_zero = good;
    leading_zero[first] = std::byte{'0'};
    BOOST_TEST(codec.decode(leading_zero, reused, &ids) == make_error_code(error::invalid_field));
    BOOST_TEST(codec.decode(with('x'), reused, &ids) == make_error_code(error::invalid_field));
    BOOST_TEST(codec.decode(with('x')).error() == make_error_code(error::invalid_field));
    BOOST_TEST(ids.find("alpha@10.0.0.1:0946") == nullptr);
    // The original bytes still decode to the cached id.
    BOOST_TEST_REQUIRE(!codec.decode(good, reused, &ids));
    BOOST_TEST(reused.sender == e.sender);
}

BOOST_AUTO_TEST_SUITE_END()
