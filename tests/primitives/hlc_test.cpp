// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// hlc_timestamp's forms and order; basic_hlc's properties, each on a manual
// clock; concurrent callers, which are meant to run under ThreadSanitizer too.

#include <cohort/hlc.hpp>
#include <cohort/hlc_timestamp.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

BOOST_AUTO_TEST_SUITE(hlc)

namespace {

using cohort::hlc_timestamp;
using namespace std::chrono_literals;

// basic_hlc holds its clock by value, so the time lives outside and copies of
// the clock share it.
struct manual_clock {
    std::atomic<std::uint64_t>* time;
    std::uint64_t now() const noexcept { return time->load(std::memory_order_relaxed); }
};
static_assert(cohort::wall_clock<manual_clock>);
static_assert(cohort::wall_clock<cohort::system_wall_clock>);

using manual_hlc = cohort::basic_hlc<manual_clock>;

constexpr std::uint64_t q = manual_hlc::wall_granularity_ns;
static_assert(q == 65'536);
static_assert(manual_hlc::max_logical == 65'535);

// 2024-11-22T00:00:00Z rounded down to the HLC's granularity.
constexpr std::uint64_t t0 = 1'732'233'600'000'000'000 / q * q;
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t two_pow_63 = std::uint64_t{1} << 63;

std::vector<std::byte> bytes_of(std::initializer_list<unsigned> values) {
    std::vector<std::byte> out;
    for (unsigned v : values)
        out.push_back(static_cast<std::byte>(v));
    return out;
}

} // namespace

// ---------------------------------------------------------------- value type

BOOST_AUTO_TEST_CASE(timestamp_total_order) {
    hlc_timestamp const zero;
    BOOST_TEST(zero.wall_ns == 0u);
    BOOST_TEST(zero.logical == 0u);

    // Sorted ascending; wall_ns dominates logical.
    std::vector<hlc_timestamp> const sorted = {
        {0, 0}, {0, 1}, {0, u32_max}, {1, 0}, {1, 7}, {t0, 0}, {t0, 1}, {u64_max, 0},
        {u64_max, u32_max}};
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        for (std::size_t j = 0; j < sorted.size(); ++j) {
            BOOST_TEST((sorted[i] < sorted[j]) == (i < j));
            BOOST_TEST((sorted[i] == sorted[j]) == (i == j));
            BOOST_TEST(((sorted[i] <=> sorted[j]) > 0) == (i > j));
        }
    }
    auto shuffled = sorted;
    std::reverse(shuffled.begin(), shuffled.end());
    std::sort(shuffled.begin(), shuffled.end());
    BOOST_TEST((shuffled == sorted));
}

BOOST_AUTO_TEST_CASE(wire_form_is_big_endian) {
    auto const b = cohort::to_bytes({0x0102030405060708, 0x090a0b0c});
    auto const want = bytes_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    BOOST_TEST(b.size() == cohort::hlc_timestamp_wire_size);
    BOOST_TEST(std::equal(b.begin(), b.end(), want.begin(), want.end()));

    auto const c = cohort::to_bytes({two_pow_63 + 12345, u32_max});
    auto const want_c =
        bytes_of({0x80, 0, 0, 0, 0, 0, 0x30, 0x39, 0xff, 0xff, 0xff, 0xff});
    BOOST_TEST(std::equal(c.begin(), c.end(), want_c.begin(), want_c.end()));

    // Hand-written bytes decode to the expected fields.
    auto const d = cohort::hlc_timestamp_from_bytes(want);
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(d->wall_ns == 0x0102030405060708u);
    BOOST_TEST(d->logical == 0x090a0b0cu);
}

BOOST_AUTO_TEST_CASE(wire_round_trip_and_byte_order_matches_order) {
    std::vector<hlc_timestamp> const samples = {
        {0, 0}, {0, 1}, {1, 0}, {255, 256}, {t0, 42}, {t0 + q, 0}, {two_pow_63 + 12345, u32_max},
        {u64_max, u32_max}};
    for (auto const& ts : samples) {
        auto const b = cohort::to_bytes(ts);
        auto const back = cohort::hlc_timestamp_from_bytes(b);
        BOOST_REQUIRE(back.has_value());
        BOOST_TEST((*back == ts));
    }
    for (auto const& x : samples) {
        for (auto const& y : samples) {
            auto const bx = cohort::to_bytes(x);
            auto const by = cohort::to_bytes(y);
            bool const bytes_less =
                std::lexicographical_compare(bx.begin(), bx.end(), by.begin(), by.end());
            BOOST_TEST(bytes_less == (x < y));
        }
    }
}

BOOST_AUTO_TEST_CASE(wire_rejects_wrong_sizes) {
    std::array<std::byte, 32> buf{};
    for (std::size_t n : {0u, 1u, 11u, 13u, 16u, 32u}) {
        auto const r = cohort::hlc_timestamp_from_bytes(std::span<std::byte const>(buf.data(), n));
        BOOST_REQUIRE(r.has_error());
        BOOST_TEST((r.error() == cohort::error::timestamp_invalid));
    }
    auto const ok = cohort::hlc_timestamp_from_bytes(std::span<std::byte const>(buf.data(), 12));
    BOOST_TEST(ok.has_value());
}

BOOST_AUTO_TEST_CASE(string_form_hand_checked) {
    struct example {
        hlc_timestamp ts;
        std::string_view text;
    };
    std::vector<example> const examples = {
        {{0, 0}, "0.000000000,0"},
        {{1'732'233'600'000'000'123, 4}, "1732233600.000000123,4"},
        {{1'000'000'000, 0}, "1.000000000,0"},
        {{999'999'999, 1}, "0.999999999,1"},
        {{1'500'000'000, 10}, "1.500000000,10"},
        {{two_pow_63 + 12345, u32_max}, "9223372036.854788153,4294967295"},
        {{u64_max, u32_max}, "18446744073.709551615,4294967295"},
    };
    for (auto const& e : examples) {
        BOOST_TEST(cohort::to_string(e.ts) == e.text);
        auto const parsed = cohort::parse_hlc_timestamp(e.text);
        BOOST_REQUIRE(parsed.has_value());
        BOOST_TEST((*parsed == e.ts));

        std::ostringstream os;
        os << e.ts;
        BOOST_TEST(os.str() == e.text);
    }
}

BOOST_AUTO_TEST_CASE(string_round_trip) {
    std::uint64_t wall = 1;
    for (int i = 0; i < 200; ++i) {
        hlc_timestamp const ts{wall, static_cast<std::uint32_t>(wall >> 7)};
        auto const back = cohort::parse_hlc_timestamp(cohort::to_string(ts));
        BOOST_REQUIRE(back.has_value());
        BOOST_TEST((*back == ts));
        wall = wall * 3 + 7;  // walks through every digit count, wrapping past 2^64
    }
}

BOOST_AUTO_TEST_CASE(string_rejects_malformed) {
    using namespace std::string_view_literals;
    std::vector<std::string_view> const bad = {
        ""sv,
        "1"sv,
        "1.000000000"sv,               // no logical
        "1,0"sv,                       // no fraction
        ".000000000,0"sv,              // no seconds
        "1.000000000,"sv,              // empty logical
        "1.00000000,0"sv,              // 8 fraction digits
        "1.0000000000,0"sv,            // 10 fraction digits
        "1.,0"sv,
        "+1.000000000,0"sv,
        "-1.000000000,0"sv,
        " 1.000000000,0"sv,
        "1.000000000,0 "sv,
        "1 .000000000,0"sv,
        "1.000000000, 0"sv,
        "1.000000000,+0"sv,
        "1.000000000,-0"sv,
        "1.-00000000,0"sv,
        "1.+00000000,0"sv,
        "1.00000000a,0"sv,
        "1.000000000,0x1"sv,
        "0x1.000000000,0"sv,
        "01.000000000,0"sv,            // leading zero: not canonical
        "00.000000000,0"sv,
        "1.000000000,01"sv,
        "1.000000000,0,0"sv,
        "1.000000000.0,0"sv,
        "1,000000000.0"sv,
        "1.000000000,4294967296"sv,    // logical beyond uint32
        "1.000000000,99999999999999999999"sv,
        "18446744073.709551616,0"sv,   // 2^64 ns
        "18446744074.000000000,0"sv,
        "99999999999999999999.000000000,0"sv,
        "1.000000000,0\0"sv,
        "1.000000000;0"sv,
    };
    for (auto s : bad) {
        BOOST_TEST_CONTEXT("input \"" << s << '"') {
            auto const r = cohort::parse_hlc_timestamp(s);
            BOOST_TEST(r.has_error());
            if (r.has_error())
                BOOST_TEST((r.error() == cohort::error::timestamp_invalid));
        }
    }
}

BOOST_AUTO_TEST_CASE(json_round_trip_exact_beyond_2_pow_53) {
    hlc_timestamp const ts{two_pow_63 + 12345, u32_max};
    boost::json::value const jv = boost::json::value_from(ts);
    BOOST_TEST(boost::json::serialize(jv) ==
               R"({"wall_ns":"9223372036854788153","logical":4294967295})");

    auto const text = boost::json::serialize(jv);
    auto const back = boost::json::value_to<hlc_timestamp>(boost::json::parse(text));
    BOOST_TEST((back == ts));

    auto const tried = boost::json::try_value_to<hlc_timestamp>(jv);
    BOOST_REQUIRE(tried.has_value());
    BOOST_TEST((*tried == ts));

    for (hlc_timestamp const t : {hlc_timestamp{}, hlc_timestamp{t0, 3},
                                  hlc_timestamp{u64_max, 0}, hlc_timestamp{(1ull << 53) + 1, 1}}) {
        auto const r = boost::json::try_value_to<hlc_timestamp>(
            boost::json::parse(boost::json::serialize(boost::json::value_from(t))));
        BOOST_REQUIRE(r.has_value());
        BOOST_TEST((*r == t));
    }
}

BOOST_AUTO_TEST_CASE(json_accepts_integer_wall_ns) {
    struct example {
        std::string_view json;
        hlc_timestamp want;
    };
    std::vector<example> const examples = {
        {R"({"wall_ns":9223372036854788153,"logical":7})", {two_pow_63 + 12345, 7}},  // uint64
        {R"({"wall_ns":18446744073709551615,"logical":0})", {u64_max, 0}},
        {R"({"logical":4294967295,"wall_ns":123})", {123, u32_max}},  // int64, any key order
        {R"({"wall_ns":0,"logical":0})", {0, 0}},
        {R"({"wall_ns":"0","logical":0})", {0, 0}},
    };
    for (auto const& e : examples) {
        BOOST_TEST_CONTEXT("input " << e.json) {
            auto const r = boost::json::try_value_to<hlc_timestamp>(boost::json::parse(e.json));
            BOOST_REQUIRE(r.has_value());
            BOOST_TEST((*r == e.want));
        }
    }
    // Built in memory rather than parsed: a uint64-kind logical within range.
    boost::json::value jv = {{"wall_ns", 5}, {"logical", std::uint64_t{9}}};
    auto const r = boost::json::try_value_to<hlc_timestamp>(jv);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST((*r == hlc_timestamp{5, 9}));
}

BOOST_AUTO_TEST_CASE(json_rejects_bad_shapes) {
    std::vector<std::string_view> const bad = {
        R"(null)",
        R"(42)",
        R"("1.000000000,0")",
        R"([1, 0])",
        R"({})",
        R"({"wall_ns":"1"})",
        R"({"logical":1})",
        R"({"wall_ns":"1","logical":1,"extra":0})",
        R"({"wall":"1","logical":1})",
        R"({"wall_ns":-1,"logical":0})",
        R"({"wall_ns":1.5,"logical":0})",
        R"({"wall_ns":1e3,"logical":0})",
        R"({"wall_ns":18446744073709551616,"logical":0})",
        R"({"wall_ns":"18446744073709551616","logical":0})",
        R"({"wall_ns":"+1","logical":0})",
        R"({"wall_ns":"-1","logical":0})",
        R"({"wall_ns":"01","logical":0})",
        R"({"wall_ns":"","logical":0})",
        R"({"wall_ns":" 1","logical":0})",
        R"({"wall_ns":"12a","logical":0})",
        R"({"wall_ns":"1.5","logical":0})",
        R"({"wall_ns":null,"logical":0})",
        R"({"wall_ns":true,"logical":0})",
        R"({"wall_ns":["1"],"logical":0})",
        R"({"wall_ns":"1","logical":-1})",
        R"({"wall_ns":"1","logical":4294967296})",
        R"({"wall_ns":"1","logical":18446744073709551615})",
        R"({"wall_ns":"1","logical":1.0})",
        R"({"wall_ns":"1","logical":"1"})",
        R"({"wall_ns":"1","logical":null})",
        R"({"wall_ns":"1","logical":false})",
    };
    for (auto s : bad) {
        BOOST_TEST_CONTEXT("input " << s) {
            auto const jv = boost::json::parse(s);
            auto const r = boost::json::try_value_to<hlc_timestamp>(jv);
            BOOST_TEST(r.has_error());
            if (r.has_error())
                BOOST_TEST((r.error() == cohort::error::timestamp_invalid));
            BOOST_CHECK_EXCEPTION(
                (void)boost::json::value_to<hlc_timestamp>(jv), boost::system::system_error,
                [](boost::system::system_error const& e) {
                    return e.code() == cohort::error::timestamp_invalid;
                });
        }
    }
}

BOOST_AUTO_TEST_CASE(hash_agrees_with_equality) {
    std::hash<hlc_timestamp> const h;
    BOOST_TEST(h(hlc_timestamp{t0, 5}) == h(hlc_timestamp{t0, 5}));

    // Neighbouring timestamps, as a clock issues them, get distinct hashes.
    std::unordered_set<std::size_t> hashes;
    std::unordered_set<hlc_timestamp> set;
    for (std::uint32_t l = 0; l < 500; ++l) {
        for (std::uint64_t w : {t0, t0 + q}) {
            hashes.insert(h(hlc_timestamp{w, l}));
            set.insert(hlc_timestamp{w, l});
            set.insert(hlc_timestamp{w, l});
        }
    }
    BOOST_TEST(hashes.size() == 1000u);
    BOOST_TEST(set.size() == 1000u);
    BOOST_TEST(set.count(hlc_timestamp{t0 + q, 499}) == 1u);
    BOOST_TEST(set.count(hlc_timestamp{t0 + q, 500}) == 0u);
}

// ---------------------------------------------------------------- the clock

BOOST_AUTO_TEST_CASE(now_strictly_increasing_with_frozen_clock) {
    std::atomic<std::uint64_t> time{t0 + 1234};
    manual_hlc clock(manual_clock{&time});
    BOOST_TEST((clock.last() == hlc_timestamp{}));

    auto prev = clock.now();
    BOOST_TEST((prev == hlc_timestamp{t0, 0}));  // physical time rounded down
    BOOST_TEST((clock.last() == prev));
    for (std::uint32_t i = 1; i <= 1000; ++i) {
        auto const ts = clock.now();
        BOOST_TEST_REQUIRE((ts > prev));
        BOOST_TEST_REQUIRE((ts == hlc_timestamp{t0, i}));
        BOOST_TEST_REQUIRE((clock.last() == ts));
        prev = ts;
    }
}

BOOST_AUTO_TEST_CASE(now_follows_advancing_clock) {
    std::atomic<std::uint64_t> time{t0 + 5};
    manual_hlc clock(manual_clock{&time});

    BOOST_TEST((clock.now() == hlc_timestamp{t0, 0}));
    BOOST_TEST((clock.now() == hlc_timestamp{t0, 1}));
    BOOST_TEST((clock.now() == hlc_timestamp{t0, 2}));

    time = t0 + q + 100;  // next quantum: logical restarts
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + q, 0}));
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + q, 1}));

    time = t0 + q + (q - 1);  // same quantum, later nanosecond: logical keeps counting
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + q, 2}));

    time = t0 + 10 * q + 7;
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + 10 * q, 0}));

    // Every issued wall_ns is a multiple of the granularity and at most physical time.
    for (int i = 0; i < 100; ++i) {
        time += 12'345;
        auto const ts = clock.now();
        BOOST_TEST_REQUIRE(ts.wall_ns % q == 0u);
        BOOST_TEST_REQUIRE(ts.wall_ns <= time.load());
        BOOST_TEST_REQUIRE(time.load() - ts.wall_ns < q);
    }
}

BOOST_AUTO_TEST_CASE(now_survives_backward_jump) {
    std::atomic<std::uint64_t> time{t0 + 3 * q + 9};
    manual_hlc clock(manual_clock{&time});
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + 3 * q, 0}));

    time = t0;  // NTP steps the clock back three quanta
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + 3 * q, 1}));
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + 3 * q, 2}));

    time = 0;  // and all the way to the epoch
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + 3 * q, 3}));

    time = t0 + 3 * q + 50;  // back where it was: still the same quantum
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + 3 * q, 4}));

    time = t0 + 4 * q;  // physical time overtakes the HLC again
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + 4 * q, 0}));
}

BOOST_AUTO_TEST_CASE(logical_overflow_carries_into_wall) {
    std::atomic<std::uint64_t> time{t0};
    manual_hlc clock(manual_clock{&time});

    auto prev = clock.now();
    BOOST_TEST((prev == hlc_timestamp{t0, 0}));
    for (std::uint32_t i = 1; i <= manual_hlc::max_logical; ++i) {
        auto const ts = clock.now();
        BOOST_TEST_REQUIRE((ts > prev));
        BOOST_TEST_REQUIRE((ts == hlc_timestamp{t0, i}));
        prev = ts;
    }
    // 65,536 timestamps in one frozen quantum: the next one carries.
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + q, 0}));
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + q, 1}));

    // Physical time reaching the carried quantum does not reset logical.
    time = t0 + q + 3;
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + q, 2}));
    time = t0 + 2 * q;
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + 2 * q, 0}));
}

BOOST_AUTO_TEST_CASE(update_exceeds_remote_and_history) {
    std::atomic<std::uint64_t> time{t0 + 1000};
    manual_hlc clock(manual_clock{&time});
    BOOST_TEST((clock.now() == hlc_timestamp{t0, 0}));

    struct step {
        char const* name;
        hlc_timestamp remote;
        hlc_timestamp want;
    };
    // Applied in order to one clock; each `want` is the smallest timestamp
    // greater than both the remote and the previous result.
    std::vector<step> const steps = {
        {"remote far behind", {t0 - 10 * q, 7}, {t0, 1}},
        {"remote equal to last", {t0, 1}, {t0, 2}},
        {"remote just ahead in same quantum", {t0, 40}, {t0, 41}},
        {"remote ahead within offset", {t0 + 100 * q, 5}, {t0 + 100 * q, 6}},
        {"remote behind the pushed clock", {t0 + 50 * q, 9}, {t0 + 100 * q, 7}},
        {"remote logical 0xFFFFFFFF", {t0 + 200 * q, u32_max}, {t0 + 201 * q, 0}},
        {"remote wall not a multiple of 2^16", {t0 + 300 * q + 1, 0}, {t0 + 301 * q, 0}},
        {"remote wall one below a quantum", {t0 + 302 * q - 1, 3}, {t0 + 302 * q, 0}},
        {"remote logical 65534", {t0 + 400 * q, 65'534}, {t0 + 400 * q, 65'535}},
        {"remote logical 65535", {t0 + 500 * q, 65'535}, {t0 + 501 * q, 0}},
        {"remote logical beyond 16 bits", {t0 + 600 * q, 70'000}, {t0 + 601 * q, 0}},
        {"remote zero", {0, 0}, {t0 + 601 * q, 1}},
    };
    auto prev = clock.last();
    for (auto const& s : steps) {
        BOOST_TEST_CONTEXT(s.name) {
            auto const r = clock.update(s.remote);
            BOOST_REQUIRE(r.has_value());
            BOOST_TEST((*r > s.remote));
            BOOST_TEST((*r > prev));
            BOOST_TEST((*r == s.want));
            BOOST_TEST((clock.last() == *r));
            prev = *r;
        }
    }
    // now() continues from the pushed state.
    BOOST_TEST((clock.now() == hlc_timestamp{t0 + 601 * q, 2}));

    // Physical time ahead of the remote dominates.
    time = t0 + 700 * q + 17;
    auto const r = clock.update({t0 + 650 * q, 3});
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST((*r == hlc_timestamp{t0 + 700 * q, 0}));
}

BOOST_AUTO_TEST_CASE(update_rejects_excessive_offset_and_leaves_clock_unchanged) {
    std::atomic<std::uint64_t> time{t0 + 12'345};
    manual_hlc clock(manual_clock{&time});
    auto const first = clock.now();
    BOOST_TEST((first == hlc_timestamp{t0, 0}));

    std::uint64_t const limit = t0 + 12'345 + 500'000'000;  // physical + default 500 ms
    for (hlc_timestamp remote : {hlc_timestamp{limit + 1, 0}, hlc_timestamp{limit + q, 0},
                                 hlc_timestamp{u64_max, u32_max}}) {
        auto const r = clock.update(remote);
        BOOST_REQUIRE(r.has_error());
        BOOST_TEST((r.error() == cohort::error::clock_offset_exceeded));
        BOOST_TEST((clock.last() == first));
    }
    BOOST_TEST((clock.now() == hlc_timestamp{t0, 1}));  // not dragged forward

    // Exactly max_offset ahead of the (unrounded) physical time is accepted.
    auto const at_limit = clock.update({limit, 0});
    BOOST_REQUIRE(at_limit.has_value());
    BOOST_TEST((*at_limit > hlc_timestamp{limit, 0}));
    BOOST_TEST((*at_limit == hlc_timestamp{limit / q * q + q, 0}));
}

BOOST_AUTO_TEST_CASE(update_uses_configured_max_offset) {
    std::atomic<std::uint64_t> time{t0 + 7};
    manual_hlc clock(manual_clock{&time}, cohort::hlc_config{1ms});
    BOOST_TEST((clock.config().max_offset == 1ms));
    BOOST_TEST(clock.clock().time == &time);

    auto const rejected = clock.update({t0 + 7 + 1'000'001, 0});
    BOOST_REQUIRE(rejected.has_error());
    BOOST_TEST((rejected.error() == cohort::error::clock_offset_exceeded));
    BOOST_TEST((clock.last() == hlc_timestamp{}));

    auto const accepted = clock.update({t0 + 7 + 1'000'000, 4});
    BOOST_REQUIRE(accepted.has_value());
    BOOST_TEST((*accepted > hlc_timestamp{t0 + 7 + 1'000'000, 4}));

    // The bound moves with physical time.
    time = t0 + 10'000'000;
    BOOST_TEST(clock.update({t0 + 11'000'000, 0}).has_value());
    BOOST_TEST(clock.update({t0 + 11'000'001, 0}).has_error());
}

BOOST_AUTO_TEST_CASE(invalid_config_is_rejected) {
    BOOST_TEST(cohort::validate(cohort::hlc_config{}).has_value());
    BOOST_TEST(cohort::validate(cohort::hlc_config{1ns}).has_value());
    BOOST_TEST((cohort::hlc_config{}.max_offset == 500ms));

    std::atomic<std::uint64_t> time{t0};
    for (auto bad : {0ns, -1ns, std::chrono::nanoseconds(-500ms)}) {
        auto const v = cohort::validate(cohort::hlc_config{bad});
        BOOST_REQUIRE(v.has_error());
        BOOST_TEST(v.error().field == "hlc_config.max_offset");
        BOOST_TEST((v.error().code == cohort::error::invalid_config));

        BOOST_CHECK_EXCEPTION(manual_hlc(manual_clock{&time}, cohort::hlc_config{bad}),
                              boost::system::system_error,
                              [](boost::system::system_error const& e) {
                                  return e.code() == cohort::error::invalid_config &&
                                         std::string(e.what()).find("hlc_config.max_offset") !=
                                             std::string::npos;
                              });
    }
}

BOOST_AUTO_TEST_CASE(physical_time_beyond_2262_is_clamped) {
    constexpr std::uint64_t max_wall = manual_hlc::max_wall_ns;
    static_assert(max_wall == two_pow_63 - 1);
    constexpr std::uint64_t top = max_wall / q * q;  // 2^63 - 2^16

    std::atomic<std::uint64_t> time{u64_max};
    manual_hlc clock(manual_clock{&time});
    auto prev = clock.now();
    BOOST_TEST((prev == hlc_timestamp{top, 0}));
    // The clock no longer follows physical time but still strictly increases,
    // carrying past 2^63 without wrapping.
    for (int i = 0; i < 65'540; ++i) {
        auto const ts = clock.now();
        BOOST_TEST_REQUIRE((ts > prev));
        prev = ts;
    }
    BOOST_TEST((prev == hlc_timestamp{two_pow_63, 4}));

    for (hlc_timestamp remote : {hlc_timestamp{u64_max, 0}, hlc_timestamp{max_wall + 1, 0}}) {
        auto const r = clock.update(remote);
        BOOST_REQUIRE(r.has_error());
        BOOST_TEST((r.error() == cohort::error::clock_offset_exceeded));
        BOOST_TEST((clock.last() == prev));
    }
    auto const r = clock.update({max_wall, u32_max});
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST((*r == hlc_timestamp{two_pow_63, 5}));

    // Even an unbounded max_offset cannot take a remote beyond the range.
    std::atomic<std::uint64_t> now_time{t0};
    manual_hlc lax(manual_clock{&now_time}, cohort::hlc_config{std::chrono::nanoseconds::max()});
    BOOST_TEST(lax.update({u64_max, 0}).has_error());
    BOOST_TEST(lax.update({max_wall + 1, 0}).has_error());
    BOOST_TEST((lax.last() == hlc_timestamp{}));
    auto const far = lax.update({two_pow_63 / 2 + 1, 0});
    BOOST_REQUIRE(far.has_value());
    BOOST_TEST((*far == hlc_timestamp{two_pow_63 / 2 + q, 0}));
}

BOOST_AUTO_TEST_CASE(system_clock_hlc) {
    cohort::hlc clock;
    BOOST_TEST((clock.config().max_offset == 500ms));

    auto const before = cohort::system_wall_clock{}.now();
    auto const a = clock.now();
    auto const b = clock.now();
    auto const after = cohort::system_wall_clock{}.now();

    BOOST_TEST(before > 1'700'000'000'000'000'000u);  // after 2023: really nanoseconds since 1970
    BOOST_TEST(a.wall_ns >= before / q * q);
    BOOST_TEST(a.wall_ns <= after);
    BOOST_TEST((b > a));

    auto const r = clock.update({after + 100'000'000, 0});
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST((*r > hlc_timestamp{after + 100'000'000, 0}));
    BOOST_TEST(clock.update({after + 10'000'000'000, 0}).has_error());
}

namespace {

struct thread_record {
    std::vector<hlc_timestamp> stamps;
    std::vector<std::pair<hlc_timestamp, hlc_timestamp>> updates;  // remote, result
    int update_errors = 0;
};

// Boost.Test assertions are not thread-safe: the threads only record, and the
// test thread checks.
void check_records(std::vector<thread_record> const& records, std::size_t per_thread) {
    std::vector<hlc_timestamp> all;
    for (std::size_t t = 0; t < records.size(); ++t) {
        auto const& r = records[t];
        BOOST_TEST_CONTEXT("thread " << t) {
            BOOST_TEST(r.stamps.size() == per_thread);
            BOOST_TEST(r.update_errors == 0);
            BOOST_TEST((std::adjacent_find(r.stamps.begin(), r.stamps.end(),
                                           std::greater_equal<>{}) == r.stamps.end()));
            BOOST_TEST(std::all_of(r.updates.begin(), r.updates.end(),
                                   [](auto const& u) { return u.second > u.first; }));
        }
        all.insert(all.end(), r.stamps.begin(), r.stamps.end());
    }
    std::sort(all.begin(), all.end());
    BOOST_TEST((std::adjacent_find(all.begin(), all.end()) == all.end()));
    BOOST_TEST(all.size() == per_thread * records.size());
}

} // namespace

BOOST_AUTO_TEST_CASE(concurrent_now_and_update) {
    constexpr std::size_t threads = 4;
    constexpr std::size_t calls = 50'000;
    std::atomic<std::uint64_t> time{t0};
    // The carries of 200,000 events in a mostly frozen quantum, plus updates,
    // push the clock ahead of physical time; keep the remotes acceptable.
    manual_hlc clock(manual_clock{&time}, cohort::hlc_config{std::chrono::seconds(60)});

    std::vector<thread_record> records(threads);
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto& rec = records[t];
            rec.stamps.reserve(calls);
            for (std::size_t i = 0; i < calls; ++i) {
                // First half: physical time races ahead, so calls keep jumping
                // the state forward while others increment it. Second half:
                // frozen, so 100,000 calls carry through logical overflow.
                if (t == 0 && i < calls / 2 && i % 50 == 49)
                    time.fetch_add(q, std::memory_order_relaxed);
                if (t == 1 && i % 10'000 == 9'999)
                    time.fetch_sub(2 * q, std::memory_order_relaxed);  // backward jumps
                if (i % 100 == 50 && !rec.stamps.empty()) {
                    auto const base = rec.stamps.back();
                    hlc_timestamp const remote{base.wall_ns + (i % 3) * q + (i % 5),
                                               static_cast<std::uint32_t>(i * 7919)};
                    auto const r = clock.update(remote);
                    if (r) {
                        rec.stamps.push_back(*r);
                        rec.updates.emplace_back(remote, *r);
                    } else {
                        ++rec.update_errors;
                        rec.stamps.push_back(clock.now());
                    }
                } else {
                    rec.stamps.push_back(clock.now());
                }
            }
        });
    }
    for (auto& w : workers)
        w.join();

    check_records(records, calls);
    BOOST_TEST(records[0].updates.size() == calls / 100);
    // Everything issued is below the final state.
    for (auto const& r : records)
        BOOST_TEST((r.stamps.back() <= clock.last()));
}

BOOST_AUTO_TEST_CASE(concurrent_now_on_system_clock) {
    constexpr std::size_t threads = 4;
    constexpr std::size_t calls = 20'000;
    cohort::hlc clock;
    std::vector<thread_record> records(threads);
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            records[t].stamps.reserve(calls);
            for (std::size_t i = 0; i < calls; ++i)
                records[t].stamps.push_back(clock.now());
        });
    }
    for (auto& w : workers)
        w.join();
    check_records(records, calls);
}

BOOST_AUTO_TEST_SUITE_END()
