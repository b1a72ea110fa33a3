// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// memory_network and memory_transport: the pure fault model and partition
// table, then the transport's behaviour on manual (virtual) time, where no
// test sleeps and every run is the same; one test runs on steady_clock.
//
// Rates are checked against the configured probability p with a tolerance of
// 4.5 binomial standard deviations, 4.5 * sqrt(p (1 - p) / n): for p = 0.1
// and n = 20,000 that is 0.95 percentage points. A correct implementation
// fails it with probability below 1e-5 for an arbitrary seed; the seeds here
// are fixed, so the outcome is the same on every run.

#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/memory_transport.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

BOOST_AUTO_TEST_SUITE(memory_transport)

namespace {

using namespace std::chrono_literals;
using boost::system::error_code;
using cohort::delivery;
using cohort::fault_model;
using cohort::memory_network;
using cohort::memory_network_config;
using cohort::partition_direction;
using endpoint = boost::asio::ip::udp::endpoint;
using inbound = cohort::basic_inbound<endpoint>;
namespace asio = boost::asio;

static_assert(cohort::transport<cohort::memory_transport>);
static_assert(cohort::transport<cohort::basic_memory_transport<asio::io_context::executor_type>>);

// 10.0.0.<host>:7946
endpoint ep(unsigned host, unsigned short port = 7946) {
    return {asio::ip::address_v4(0x0a000000u + host), port};
}

memory_network_config manual(std::uint64_t seed = 1, fault_model faults = {}) {
    memory_network_config cfg;
    cfg.seed = seed;
    cfg.faults = faults;
    cfg.time_source = cohort::memory_time_source::manual;
    cfg.receive_queue_capacity = std::size_t{1} << 20;  // statistics tests send in bulk
    return cfg;
}

std::vector<std::byte> text(std::string_view s) {
    std::vector<std::byte> v(s.size());
    std::memcpy(v.data(), s.data(), s.size());
    return v;
}

// A payload that carries a sequence number and a send time.
std::vector<std::byte> stamped(std::uint64_t seq, std::chrono::nanoseconds sent) {
    std::vector<std::byte> v(16);
    auto const t = static_cast<std::uint64_t>(sent.count());
    std::memcpy(v.data(), &seq, 8);
    std::memcpy(v.data() + 8, &t, 8);
    return v;
}
std::uint64_t seq_of(std::vector<std::byte> const& v) {
    std::uint64_t s = 0;
    std::memcpy(&s, v.data(), 8);
    return s;
}
std::chrono::nanoseconds sent_of(std::vector<std::byte> const& v) {
    std::uint64_t t = 0;
    std::memcpy(&t, v.data() + 8, 8);
    return std::chrono::nanoseconds(static_cast<std::int64_t>(t));
}

double tolerance(double p, std::size_t n) {
    return 4.5 * std::sqrt(p * (1.0 - p) / static_cast<double>(n));
}

// Receives until an error, recording each message with its arrival time.
struct recorder {
    explicit recorder(cohort::memory_transport& t) : transport(t) {}

    cohort::memory_transport& transport;
    std::vector<std::pair<std::chrono::nanoseconds, inbound>> got;
    std::optional<error_code> stopped;

    void start() {
        transport.async_receive([this](error_code ec, inbound m) {
            if (ec) {
                stopped = ec;
                return;
            }
            got.emplace_back(transport.network().now(), std::move(m));
            start();
        });
    }
};

// Runs the ready handlers; an io_context that ran out of work is stopped
// until restarted.
void poll(asio::io_context& ctx) {
    if (ctx.stopped())
        ctx.restart();
    ctx.poll();
}

// Sends and asserts the send succeeded.
void send_ok(cohort::memory_transport& t, endpoint const& to, std::vector<std::byte> const& b,
             delivery kind = delivery::packet) {
    auto const check = [](error_code ec) { BOOST_TEST(!ec, ec.message()); };
    if (kind == delivery::packet)
        t.async_send_packet(to, b, check);
    else
        t.async_send_frame(to, b, check);
}

// Sends and returns the completion's error after the executor ran it.
error_code send_result(asio::io_context& ctx, cohort::memory_transport& t, endpoint const& to,
                       std::vector<std::byte> const& b, delivery kind) {
    std::optional<error_code> r;
    if (kind == delivery::packet)
        t.async_send_packet(to, b, [&](error_code ec) { r = ec; });
    else
        t.async_send_frame(to, b, [&](error_code ec) { r = ec; });
    BOOST_TEST(!r.has_value());  // never completed inline
    poll(ctx);
    BOOST_REQUIRE(r.has_value());
    return *r;
}

std::uint64_t drops(cohort::transport_counters const& c) {
    return c.drops_loss + c.drops_partition + c.drops_crashed + c.drops_closed +
           c.drops_queue_full;
}

} // namespace

// The pure pieces -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(validate_names_the_field) {
    BOOST_TEST(cohort::validate(fault_model{}).has_value());
    BOOST_TEST(cohort::validate(memory_network_config{}).has_value());
    auto const field = [](fault_model m) { return std::string(validate(m).error().field); };
    BOOST_TEST(field({.loss = 1.5}) == "fault_model.loss");
    BOOST_TEST(field({.loss = std::nan("")}) == "fault_model.loss");
    BOOST_TEST(field({.duplicate = -0.1}) == "fault_model.duplicate");
    BOOST_TEST(field({.reorder = 2}) == "fault_model.reorder");
    BOOST_TEST(field({.reorder_delay = 0ns}) == "fault_model.reorder_delay");
    BOOST_TEST(field({.latency_min = -1ns}) == "fault_model.latency_min");
    BOOST_TEST(field({.latency_min = 2ms, .latency_max = 1ms}) == "fault_model.latency_max");
    BOOST_TEST(field({.latency_max = 2h}) == "fault_model.latency_max");

    memory_network_config cfg;
    cfg.receive_queue_capacity = 0;
    BOOST_TEST(std::string(validate(cfg).error().field) ==
               "memory_network_config.receive_queue_capacity");
    asio::io_context ctx;
    try {
        memory_network net(ctx, cfg);
        BOOST_FAIL("a bad config was accepted");
    } catch (boost::system::system_error const& e) {
        BOOST_TEST(e.code() == cohort::error::invalid_config);
        BOOST_TEST(std::string(e.what()).find("receive_queue_capacity") != std::string::npos);
    }
    memory_network net(ctx);
    BOOST_CHECK_THROW(net.set_faults(fault_model{.loss = -1}), boost::system::system_error);
    BOOST_TEST((net.faults() == fault_model{}));
}

// The draws are defined on mt19937_64's raw output (itself fixed by the
// standard), so these values hold on every standard library.
BOOST_AUTO_TEST_CASE(draws_are_platform_exact) {
    std::mt19937_64 g;  // default seed 5489
    g.discard(9999);
    BOOST_TEST(g() == 9981545732273789042ULL);  // [rand.predef]

    std::mt19937_64 a(42);
    std::uint64_t h = 0;
    for (int i = 0; i < 1000; ++i) {
        h = h * 31 + cohort::detail::draw_uniform(a, 3, 1'000'003);
        h = h * 31 + (cohort::detail::draw_bernoulli(a, 0.3) ? 1 : 0);
        h = h * 31 + static_cast<std::uint64_t>(cohort::detail::draw_unit(a) * 1e9);
    }
    BOOST_TEST(h == 14827781139432023782ULL, "golden hash " << h);

    fault_model const m{.loss = 0.1, .duplicate = 0.1, .reorder = 0.1,
                        .reorder_delay = 5ms, .latency_min = 1ms, .latency_max = 9ms,
                        .shape = cohort::latency_shape::bell};
    std::mt19937_64 b(7);
    std::uint64_t fates = 0;
    for (int i = 0; i < 1000; ++i) {
        auto const f = cohort::decide_packet(m, b);
        fates = fates * 31 + static_cast<std::uint64_t>(f.delay.count()) +
                static_cast<std::uint64_t>(f.duplicate_delay.count()) + (f.lost ? 1 : 0);
    }
    BOOST_TEST(fates == 1044432173258823587ULL, "golden fates " << fates);
}

BOOST_AUTO_TEST_CASE(draw_uniform_covers_its_range_evenly) {
    std::mt19937_64 g(3);
    std::vector<int> hist(7);
    for (int i = 0; i < 70'000; ++i) {
        auto const v = cohort::detail::draw_uniform(g, 10, 16);
        BOOST_REQUIRE(v >= 10 && v <= 16);
        ++hist[v - 10];
    }
    for (int c : hist)  // expected 10,000 each, sd ~ 93
        BOOST_TEST(std::abs(c - 10'000) < 450);
    BOOST_TEST(cohort::detail::draw_uniform(g, 5, 5) == 5u);
    BOOST_TEST(!cohort::detail::draw_bernoulli(g, 0.0));
    BOOST_TEST(cohort::detail::draw_bernoulli(g, 1.0));
}

BOOST_AUTO_TEST_CASE(decide_packet_rates_match_the_model) {
    fault_model const m{.loss = 0.2, .duplicate = 0.05, .reorder = 0.1,
                        .reorder_delay = 1ms, .latency_min = 10ms, .latency_max = 20ms};
    std::mt19937_64 g(11);
    std::size_t const n = 200'000;
    std::size_t lost = 0, dup = 0, reord = 0, kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto const f = cohort::decide_packet(m, g);
        if (f.lost) {
            ++lost;
            continue;
        }
        ++kept;
        dup += f.duplicated;
        reord += f.reordered;
        BOOST_REQUIRE(f.delay >= m.latency_min);
        BOOST_REQUIRE(f.delay <= m.latency_max + (f.reordered ? m.reorder_delay : 0ns));
        if (f.duplicated)
            BOOST_REQUIRE(f.duplicate_delay >= m.latency_min && f.duplicate_delay <= m.latency_max);
    }
    auto const rate = [](std::size_t k, std::size_t of) { return double(k) / double(of); };
    BOOST_TEST(std::abs(rate(lost, n) - 0.2) <= tolerance(0.2, n));
    BOOST_TEST(std::abs(rate(dup, kept) - 0.05) <= tolerance(0.05, kept));
    BOOST_TEST(std::abs(rate(reord, kept) - 0.1) <= tolerance(0.1, kept));

    // Nothing configured: no draw at all, so the generator is untouched.
    std::mt19937_64 quiet(1), reference(1);
    fault_model const fixed{.latency_min = 3ms, .latency_max = 3ms};
    auto const f = cohort::decide_packet(fixed, quiet);
    BOOST_TEST(!f.lost);
    BOOST_TEST(f.delay.count() == std::chrono::nanoseconds(3ms).count());
    BOOST_TEST(quiet() == reference());
}

BOOST_AUTO_TEST_CASE(bell_latency_is_centred_and_narrow) {
    fault_model const m{.latency_min = 10ms, .latency_max = 30ms,
                        .shape = cohort::latency_shape::bell};
    std::mt19937_64 g(5);
    std::size_t const n = 100'000;
    double sum = 0, sum2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto const d = cohort::sample_latency(m, g);
        BOOST_REQUIRE(d >= m.latency_min && d <= m.latency_max);
        double const x = std::chrono::duration<double, std::milli>(d).count();
        sum += x;
        sum2 += x * x;
    }
    double const mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
    double const expected_sd = 20.0 / std::sqrt(48.0);  // 2.89 ms
    BOOST_TEST(std::abs(mean - 20.0) < 4.5 * expected_sd / std::sqrt(double(n)));
    BOOST_TEST(std::abs(sd - expected_sd) < 0.05);
}

BOOST_AUTO_TEST_CASE(partition_table_blocks_and_carves) {
    cohort::detail::partition_table t;
    std::vector<std::uint32_t> const a{0, 1}, b{2, 3}, one{1}, three{3};
    BOOST_TEST(!t.blocked(0, 2));
    t.block(a, b);
    BOOST_TEST(t.blocked(0, 2));
    BOOST_TEST(t.blocked(1, 3));
    BOOST_TEST(!t.blocked(2, 0));  // one way
    BOOST_TEST(!t.blocked(0, 1));
    BOOST_TEST(!t.blocked(0, 99));  // an index the rule never heard of
    t.unblock(one, three);
    BOOST_TEST(!t.blocked(1, 3));
    BOOST_TEST(t.blocked(1, 2));
    BOOST_TEST(t.blocked(0, 3));
    BOOST_TEST(t.blocked(0, 2));
    t.unblock(a, b);
    BOOST_TEST(t.empty());
    t.block(a, b);
    t.clear();
    BOOST_TEST(!t.blocked(0, 2));
}

// Delivery ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(packets_and_frames_arrive_with_their_sender) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 5ms, .latency_max = 5ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2, 9000));
    BOOST_TEST(a.local_endpoint() == ep(1));
    BOOST_TEST(a.packet_budget() == 1400u);
    BOOST_TEST((a.get_executor() == net.get_executor()));
    recorder rb{b};
    rb.start();

    send_ok(a, ep(2, 9000), text("ping"));
    send_ok(a, ep(2, 9000), text("state"), delivery::frame);
    run_virtual_for(ctx, net, 4ms);
    BOOST_TEST(rb.got.empty());
    run_virtual_for(ctx, net, 1ms);
    BOOST_REQUIRE(rb.got.size() == 2u);
    BOOST_TEST(rb.got[0].first.count() == std::chrono::nanoseconds(5ms).count());
    BOOST_TEST((rb.got[0].second.kind == delivery::packet));
    BOOST_TEST(rb.got[0].second.from == ep(1));
    BOOST_TEST((rb.got[0].second.bytes == text("ping")));
    BOOST_TEST((rb.got[1].second.kind == delivery::frame));
    BOOST_TEST(rb.got[1].second.from == ep(1));
    BOOST_TEST((rb.got[1].second.bytes == text("state")));

    auto const ca = a.counters(), cb = b.counters();
    BOOST_TEST(ca.packets_out == 1u);
    BOOST_TEST(ca.frames_out == 1u);
    BOOST_TEST(ca.bytes_out == 9u);
    BOOST_TEST(cb.packets_in == 1u);
    BOOST_TEST(cb.frames_in == 1u);
    BOOST_TEST(cb.bytes_in == 9u);
    BOOST_TEST(drops(ca) + drops(cb) == 0u);
    BOOST_TEST(net.counters().packets_in == 1u);
}

BOOST_AUTO_TEST_CASE(completion_tokens_and_no_inline_completion) {
    asio::io_context ctx;
    memory_network net(ctx, manual());
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    auto const msg = text("x");

    // Callback: not run inside the initiating call.
    bool done = false;
    a.async_send_packet(ep(2), msg, [&](error_code) { done = true; });
    BOOST_TEST(!done);
    poll(ctx);
    BOOST_TEST(done);

    // Deferred: the bytes are copied when the operation is created.
    auto buffer = text("deferred");
    auto op = a.async_send_frame(ep(2), buffer, asio::deferred);
    buffer.assign(buffer.size(), std::byte{0});
    std::optional<error_code> deferred_result;
    std::move(op)([&](error_code ec) { deferred_result = ec; });
    poll(ctx);
    BOOST_TEST((deferred_result && !*deferred_result));

    // use_future.
    auto fut = a.async_send_packet(ep(2), msg, asio::use_future);
    poll(ctx);
    fut.get();

    // as_tuple(deferred), and a receive that completes at once from the queue.
    run_virtual_for(ctx, net, 1ms);
    std::vector<std::vector<std::byte>> got;
    for (int i = 0; i < 3; ++i) {
        b.async_receive(asio::as_tuple(asio::deferred))([&](std::tuple<error_code, inbound> r) {
            BOOST_TEST(!std::get<0>(r));
            got.push_back(std::move(std::get<1>(r).bytes));
        });
        BOOST_TEST(got.size() == std::size_t(i));  // posted even when a message is queued
        poll(ctx);
    }
    BOOST_REQUIRE(got.size() == 3u);
    BOOST_TEST((got[0] == msg));
    BOOST_TEST((got[1] == text("deferred")));  // in send order
    BOOST_TEST((got[2] == msg));
}

BOOST_AUTO_TEST_CASE(use_awaitable_and_as_tuple) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 3ms, .latency_max = 3ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    std::optional<std::chrono::nanoseconds> pong_at;
    auto const rethrow = [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    };
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            auto m = co_await b.async_receive(asio::use_awaitable);
            co_await b.async_send_packet(m.from, text("pong"), asio::use_awaitable);
        },
        rethrow);
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            co_await a.async_send_packet(ep(2), text("ping"), asio::use_awaitable);
            auto [ec, m] = co_await a.async_receive(asio::as_tuple(asio::use_awaitable));
            BOOST_TEST(!ec);
            BOOST_TEST((m.bytes == text("pong")));
            pong_at = net.now();
            auto [ec2] = co_await a.async_send_packet(ep(2), std::vector<std::byte>(1401),
                                                      asio::as_tuple(asio::use_awaitable));
            BOOST_TEST(ec2 == cohort::error::packet_too_large);
        },
        rethrow);
    run_virtual_for(ctx, net, 1s);
    BOOST_REQUIRE(pong_at.has_value());
    BOOST_TEST(pong_at->count() == std::chrono::nanoseconds(6ms).count());
}

BOOST_AUTO_TEST_CASE(packet_over_budget_is_refused) {
    asio::io_context ctx;
    memory_network net(ctx, manual());
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    std::vector<std::byte> const fits(1400), over(1401);
    BOOST_TEST(!send_result(ctx, a, ep(2), fits, delivery::packet));
    BOOST_TEST(send_result(ctx, a, ep(2), over, delivery::packet) ==
               cohort::error::packet_too_large);
    BOOST_TEST(a.counters().drops_oversize == 1u);
    BOOST_TEST(a.counters().packets_out == 1u);
    BOOST_TEST(net.counters().drops_oversize == 1u);
}

BOOST_AUTO_TEST_CASE(frames_up_to_the_maximum_size) {
    asio::io_context ctx;
    memory_network net(ctx, manual());
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    BOOST_TEST(a.max_frame_size() == std::size_t{4} << 20);
    std::vector<std::byte> big(a.max_frame_size());
    big.front() = std::byte{1};
    big.back() = std::byte{2};
    BOOST_TEST(!send_result(ctx, a, ep(2), big, delivery::frame));
    big.push_back(std::byte{3});
    BOOST_TEST(send_result(ctx, a, ep(2), big, delivery::frame) ==
               cohort::error::frame_too_large);
    recorder rb{b};
    rb.start();
    run_virtual_for(ctx, net, 1ms);
    BOOST_REQUIRE(rb.got.size() == 1u);
    BOOST_TEST(rb.got[0].second.bytes.size() == a.max_frame_size());
    BOOST_TEST((rb.got[0].second.bytes.back() == std::byte{2}));
    BOOST_TEST(a.counters().drops_oversize == 1u);
}

// Fault statistics ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(loss_rate_within_tolerance) {
    std::size_t const n = 20'000;
    double const p = 0.1;
    for (std::uint64_t seed : {1, 2, 3}) {
        asio::io_context ctx;
        memory_network net(ctx, manual(seed, {.loss = p, .latency_min = 1ms, .latency_max = 2ms}));
        cohort::memory_transport a(net, ep(1)), b(net, ep(2));
        recorder rb{b};
        rb.start();
        for (std::size_t i = 0; i < n; ++i)
            send_ok(a, ep(2), stamped(i, 0ns));
        run_virtual_for(ctx, net, 10ms);
        std::size_t const lost = n - rb.got.size();
        double const measured = double(lost) / double(n);
        BOOST_TEST_MESSAGE("seed " << seed << ": loss " << measured << " +- "
                                   << tolerance(p, n));
        BOOST_TEST(std::abs(measured - p) <= tolerance(p, n));
        BOOST_TEST(std::abs(measured - p) <= 0.01);
        BOOST_TEST(a.counters().drops_loss == lost);
        BOOST_TEST(net.counters().drops_loss == lost);
        BOOST_TEST(b.counters().packets_in == rb.got.size());
        BOOST_TEST(a.counters().packets_out == n);
    }
}

BOOST_AUTO_TEST_CASE(duplication_rate_within_tolerance) {
    std::size_t const n = 20'000;
    double const p = 0.05;
    asio::io_context ctx;
    memory_network net(ctx, manual(9, {.duplicate = p, .latency_min = 1ms, .latency_max = 5ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    recorder rb{b};
    rb.start();
    for (std::size_t i = 0; i < n; ++i)
        send_ok(a, ep(2), stamped(i, 0ns));
    run_virtual_for(ctx, net, 10ms);
    std::vector<int> copies(n);
    for (auto const& [t, m] : rb.got)
        ++copies[seq_of(m.bytes)];
    std::size_t const twice = static_cast<std::size_t>(std::count(copies.begin(), copies.end(), 2));
    BOOST_TEST(std::count(copies.begin(), copies.end(), 0) == 0);
    BOOST_TEST(twice + static_cast<std::size_t>(std::count(copies.begin(), copies.end(), 1)) == n);
    double const measured = double(twice) / double(n);
    BOOST_TEST_MESSAGE("duplicate " << measured << " +- " << tolerance(p, n));
    BOOST_TEST(std::abs(measured - p) <= tolerance(p, n));
    BOOST_TEST(net.fault_counters().duplicated == twice);
    BOOST_TEST(b.counters().packets_in == n + twice);
}

BOOST_AUTO_TEST_CASE(latency_within_bounds_and_centred) {
    std::size_t const n = 20'000;
    for (auto shape : {cohort::latency_shape::uniform, cohort::latency_shape::bell}) {
        asio::io_context ctx;
        memory_network net(ctx, manual(4, {.latency_min = 1ms, .latency_max = 3ms,
                                           .shape = shape}));
        cohort::memory_transport a(net, ep(1)), b(net, ep(2));
        recorder rb{b};
        rb.start();
        // Sent over 2 ms of virtual time, 100 ns apart.
        for (std::size_t i = 0; i < n; ++i) {
            run_virtual_until(ctx, net, std::chrono::nanoseconds(100 * i));
            send_ok(a, ep(2), stamped(i, net.now()));
        }
        run_virtual_for(ctx, net, 10ms);
        BOOST_REQUIRE(rb.got.size() == n);
        double sum = 0;
        auto lo = std::chrono::nanoseconds::max(), hi = std::chrono::nanoseconds::min();
        for (auto const& [t, m] : rb.got) {
            auto const latency = t - sent_of(m.bytes);
            lo = std::min(lo, latency);
            hi = std::max(hi, latency);
            sum += std::chrono::duration<double, std::micro>(latency).count();
        }
        double const mean = sum / double(n);
        // sd of the latency: 2 ms / sqrt(12) (uniform) or / sqrt(48) (bell)
        double const sd = 2000.0 / std::sqrt(shape == cohort::latency_shape::bell ? 48.0 : 12.0);
        BOOST_TEST_MESSAGE("mean latency " << mean << " us, range [" << lo.count() << ", "
                                           << hi.count() << "] ns");
        BOOST_TEST((lo >= 1ms));
        BOOST_TEST((hi <= 3ms));
        BOOST_TEST(std::abs(mean - 2000.0) <= 4.5 * sd / std::sqrt(double(n)));
        if (shape == cohort::latency_shape::uniform) {  // the range is used
            BOOST_TEST((lo < 1010us));
            BOOST_TEST((hi > 2990us));
        }
    }
}

namespace {

// Sends n packets A -> B at one virtual instant; returns the receive order.
std::vector<std::uint64_t> arrival_order(fault_model const& m, std::size_t n,
                                         std::uint64_t& reordered) {
    asio::io_context ctx;
    memory_network net(ctx, manual(21, m));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    recorder rb{b};
    rb.start();
    for (std::size_t i = 0; i < n; ++i)
        send_ok(a, ep(2), stamped(i, 0ns));
    run_virtual_for(ctx, net, 1s);
    std::vector<std::uint64_t> order;
    for (auto const& [t, msg] : rb.got)
        order.push_back(seq_of(msg.bytes));
    reordered = net.fault_counters().reordered;
    return order;
}

std::size_t inversions_of_neighbours(std::vector<std::uint64_t> const& v) {
    std::size_t k = 0;
    for (std::size_t i = 1; i < v.size(); ++i)
        k += v[i] < v[i - 1];
    return k;
}

} // namespace

BOOST_AUTO_TEST_CASE(reordering_only_when_configured) {
    std::size_t const n = 20'000;
    std::uint64_t reordered = 0;
    auto const in_order = arrival_order({.latency_min = 2ms, .latency_max = 2ms}, n, reordered);
    BOOST_REQUIRE(in_order.size() == n);
    BOOST_TEST(inversions_of_neighbours(in_order) == 0u);
    BOOST_TEST(reordered == 0u);

    double const p = 0.1;
    auto const shuffled = arrival_order(
        {.reorder = p, .reorder_delay = 5ms, .latency_min = 2ms, .latency_max = 2ms}, n,
        reordered);
    BOOST_REQUIRE(shuffled.size() == n);
    BOOST_TEST(inversions_of_neighbours(shuffled) > 0u);
    // Every held-back packet is overtaken by all those sent with it.
    BOOST_TEST(std::abs(double(reordered) / double(n) - p) <= tolerance(p, n));
    std::vector<std::uint64_t> sorted = shuffled;
    std::sort(sorted.begin(), sorted.end());
    BOOST_TEST((std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()));
}

BOOST_AUTO_TEST_CASE(frames_never_lost_duplicated_or_reordered) {
    asio::io_context ctx;
    memory_network net(ctx, manual(5, {.loss = 0.5, .duplicate = 0.5, .reorder = 0.5,
                                       .reorder_delay = 50ms, .latency_min = 0ms,
                                       .latency_max = 20ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2)), c(net, ep(3));
    recorder rb{b};
    rb.start();
    std::size_t const n = 2'000;
    for (std::size_t i = 0; i < n; ++i) {
        run_virtual_until(ctx, net, std::chrono::microseconds(10 * i));
        send_ok(a, ep(2), stamped(i, net.now()), delivery::frame);
        send_ok(c, ep(2), stamped(n + i, net.now()), delivery::frame);
    }
    run_virtual_for(ctx, net, 1s);
    std::vector<std::uint64_t> from_a, from_c;
    for (auto const& [t, m] : rb.got) {
        BOOST_TEST((m.kind == delivery::frame));
        (m.from == ep(1) ? from_a : from_c).push_back(seq_of(m.bytes));
    }
    BOOST_REQUIRE(from_a.size() == n);
    BOOST_REQUIRE(from_c.size() == n);
    for (std::size_t i = 0; i < n; ++i) {
        BOOST_TEST(from_a[i] == i);
        BOOST_TEST(from_c[i] == n + i);
    }
    BOOST_TEST(drops(net.counters()) == 0u);
    BOOST_TEST(net.fault_counters().duplicated == 0u);
}

// Partitions -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(one_way_partition) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 1ms, .latency_max = 1ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    recorder ra{a}, rb{b};
    ra.start();
    rb.start();
    net.partition({ep(1)}, {ep(2)}, partition_direction::a_to_b);
    BOOST_TEST(net.partitioned(ep(1), ep(2)));
    BOOST_TEST(!net.partitioned(ep(2), ep(1)));

    send_ok(a, ep(2), text("lost"));
    BOOST_TEST(send_result(ctx, a, ep(2), text("f"), delivery::frame) ==
               asio::error::host_unreachable);
    send_ok(b, ep(1), text("flows"));
    send_ok(b, ep(1), text("frame"), delivery::frame);
    run_virtual_for(ctx, net, 5ms);
    BOOST_TEST(rb.got.empty());
    BOOST_TEST(ra.got.size() == 2u);
    BOOST_TEST(a.counters().drops_partition == 2u);
    BOOST_TEST(net.counters().drops_partition == 2u);

    net.heal();
    send_ok(a, ep(2), text("healed"));
    run_virtual_for(ctx, net, 5ms);
    BOOST_TEST(rb.got.size() == 1u);
}

BOOST_AUTO_TEST_CASE(two_way_partition_and_partial_heal) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 1ms, .latency_max = 1ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2)), c(net, ep(3));
    recorder ra{a}, rb{b}, rc{c};
    ra.start();
    rb.start();
    rc.start();
    auto const everyone_sends = [&] {
        for (auto* t : {&a, &b, &c})
            for (unsigned to = 1; to <= 3; ++to)
                if (ep(to) != t->local_endpoint())
                    t->async_send_packet(ep(to), text("hi"), [](error_code) {});
        run_virtual_for(ctx, net, 5ms);
    };
    net.partition({ep(1), ep(2)}, {ep(3)});
    everyone_sends();
    BOOST_TEST(ra.got.size() == 1u);  // from b only
    BOOST_TEST(rb.got.size() == 1u);
    BOOST_TEST(rc.got.empty());
    BOOST_TEST(send_result(ctx, c, ep(1), text("f"), delivery::frame) ==
               asio::error::host_unreachable);

    net.heal({ep(1)}, {ep(3)});  // a <-> c again; b <-> c still cut
    BOOST_TEST(!net.partitioned(ep(1), ep(3)));
    BOOST_TEST(!net.partitioned(ep(3), ep(1)));
    BOOST_TEST(net.partitioned(ep(2), ep(3)));
    BOOST_TEST(net.partitioned(ep(3), ep(2)));
    everyone_sends();
    BOOST_TEST(ra.got.size() == 3u);  // b and c
    BOOST_TEST(rb.got.size() == 2u);  // a only
    BOOST_TEST(rc.got.size() == 1u);  // a only

    net.heal({ep(2)}, {ep(3)}, partition_direction::a_to_b);  // b -> c only
    BOOST_TEST(!net.partitioned(ep(2), ep(3)));
    BOOST_TEST(net.partitioned(ep(3), ep(2)));
    everyone_sends();
    BOOST_TEST(ra.got.size() == 5u);
    BOOST_TEST(rb.got.size() == 3u);  // a only
    BOOST_TEST(rc.got.size() == 3u);  // a and b

    net.heal();
    everyone_sends();
    BOOST_TEST(ra.got.size() == 7u);
    BOOST_TEST(rb.got.size() == 5u);
    BOOST_TEST(rc.got.size() == 5u);
}

BOOST_AUTO_TEST_CASE(partition_drops_messages_in_flight) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 10ms, .latency_max = 10ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    recorder rb{b};
    rb.start();
    send_ok(a, ep(2), text("p"));
    send_ok(a, ep(2), text("f"), delivery::frame);
    run_virtual_for(ctx, net, 5ms);
    net.partition({ep(1)}, {ep(2)});
    run_virtual_for(ctx, net, 10ms);
    BOOST_TEST(rb.got.empty());
    BOOST_TEST(b.counters().drops_partition == 2u);  // decided at delivery: the receiver's
    BOOST_TEST(a.counters().drops_partition == 0u);
    BOOST_TEST(net.counters().drops_partition == 2u);
}

// Crashes ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(crash_drops_and_refuses_restart_recovers) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 10ms, .latency_max = 10ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));

    // Two packets queued at b, three packets and a frame in flight.
    send_ok(a, ep(2), text("q1"));
    send_ok(a, ep(2), text("q2"));
    run_virtual_for(ctx, net, 10ms);
    for (int i = 0; i < 3; ++i)
        send_ok(a, ep(2), text("in flight"));
    send_ok(a, ep(2), text("frame"), delivery::frame);
    run_virtual_for(ctx, net, 5ms);
    BOOST_TEST(net.in_flight() == 4u);

    recorder rb{b};
    rb.start();  // takes q1 and q2 from the queue, then waits
    run_virtual_for(ctx, net, 0ms);
    BOOST_TEST(rb.got.size() == 2u);
    rb.got.clear();
    send_ok(a, ep(2), text("q3"));  // in flight too: five in all

    net.crash(ep(2));
    BOOST_TEST(net.crashed(ep(2)));
    BOOST_TEST(!rb.stopped.has_value());  // posted, not inline
    poll(ctx);
    BOOST_TEST((rb.stopped && *rb.stopped == asio::error::network_down));
    run_virtual_for(ctx, net, 20ms);
    BOOST_TEST(rb.got.empty());
    BOOST_TEST(b.counters().drops_crashed == 5u);  // dropped when due: the receiver's

    // While crashed: sends to it are dropped or refused; its own operations fail.
    send_ok(a, ep(2), text("to the dead"));
    BOOST_TEST(a.counters().drops_crashed == 1u);
    BOOST_TEST(send_result(ctx, a, ep(2), text("f"), delivery::frame) ==
               asio::error::connection_refused);
    BOOST_TEST(a.counters().drops_crashed == 2u);
    BOOST_TEST(send_result(ctx, b, ep(1), text("x"), delivery::packet) ==
               asio::error::network_down);
    BOOST_TEST(send_result(ctx, b, ep(1), text("x"), delivery::frame) ==
               asio::error::network_down);
    std::optional<error_code> r;
    b.async_receive([&](error_code ec, inbound) { r = ec; });
    poll(ctx);
    BOOST_TEST((r && *r == asio::error::network_down));

    // Sent before a crash, due after the restart: lost (it was sent to the
    // old incarnation).
    net.restart(ep(2));
    BOOST_TEST(!net.crashed(ep(2)));
    send_ok(a, ep(2), text("old"));
    poll(ctx);
    net.crash(ep(2));
    net.restart(ep(2));
    recorder rb2{b}, ra{a};
    rb2.start();
    ra.start();
    send_ok(a, ep(2), text("after restart"));
    send_ok(b, ep(1), text("b is back"));
    run_virtual_for(ctx, net, 20ms);
    BOOST_REQUIRE(rb2.got.size() == 1u);
    BOOST_TEST((rb2.got[0].second.bytes == text("after restart")));
    BOOST_TEST(ra.got.size() == 1u);
    BOOST_TEST(b.counters().drops_crashed == 6u);
    BOOST_TEST(net.counters().drops_crashed == 8u);
}

BOOST_AUTO_TEST_CASE(a_new_transport_at_a_crashed_address_restarts_it) {
    asio::io_context ctx;
    memory_network net(ctx, manual());
    cohort::memory_transport a(net, ep(1));
    std::optional<cohort::memory_transport> b(std::in_place, net, ep(2));
    net.crash(ep(2));
    BOOST_CHECK_THROW(cohort::memory_transport(net, ep(2)), boost::system::system_error);
    b.reset();
    b.emplace(net, ep(2));
    BOOST_TEST(!net.crashed(ep(2)));
    recorder rb{*b};
    rb.start();
    send_ok(a, ep(2), text("hello again"));
    run_virtual_for(ctx, net, 1ms);
    BOOST_TEST(rb.got.size() == 1u);
}

// Determinism ------------------------------------------------------------------------

namespace {

struct trace_entry {
    std::chrono::nanoseconds at;
    endpoint from;
    endpoint to;
    std::size_t bytes;
    friend bool operator==(trace_entry const&, trace_entry const&) = default;
};

// Five endpoints gossip under every fault, a partition comes and goes, one
// endpoint crashes and restarts; each packet whose first byte is 0 is
// answered by its receiver, so handlers send at their arrival times.
std::vector<trace_entry> run_scenario(std::uint64_t seed) {
    asio::io_context ctx;
    memory_network net(ctx, manual(seed, {.loss = 0.1, .duplicate = 0.05, .reorder = 0.1,
                                          .reorder_delay = 3ms, .latency_min = 1ms,
                                          .latency_max = 20ms}));
    std::vector<std::unique_ptr<cohort::memory_transport>> nodes;
    for (unsigned i = 1; i <= 5; ++i)
        nodes.push_back(std::make_unique<cohort::memory_transport>(net, ep(i)));
    std::vector<trace_entry> trace;
    std::function<void(cohort::memory_transport*)> receive = [&](cohort::memory_transport* t) {
        t->async_receive([&, t](error_code ec, inbound m) {
            if (ec)  // crashed or closed
                return;
            trace.push_back({net.now(), m.from, t->local_endpoint(), m.bytes.size()});
            if (m.kind == delivery::packet && m.bytes[0] == std::byte{0}) {
                std::vector<std::byte> reply(m.bytes.size() + 1, std::byte{1});
                t->async_send_packet(m.from, reply, [](error_code) {});
            }
            receive(t);
        });
    };
    for (auto& n : nodes)
        receive(n.get());
    std::mt19937_64 workload(1234);  // the same workload for every seed
    for (int step = 0; step < 400; ++step) {
        run_virtual_until(ctx, net, std::chrono::milliseconds(step));
        if (step == 100)
            net.partition({ep(1), ep(2)}, {ep(3), ep(4), ep(5)});
        if (step == 200)
            net.heal();
        if (step == 250)
            net.crash(ep(4));
        if (step == 300) {
            net.restart(ep(4));
            receive(nodes[3].get());
        }
        for (auto& n : nodes) {
            auto const to = ep(static_cast<unsigned>(workload() % 5 + 1));
            std::vector<std::byte> payload(workload() % 100 + 1, std::byte{0});
            if (step % 10 == 0)
                n->async_send_frame(to, payload, [](error_code) {});
            else
                n->async_send_packet(to, payload, [](error_code) {});
        }
    }
    run_virtual_for(ctx, net, 1s);
    for (auto& n : nodes)
        n->close();
    poll(ctx);
    return trace;
}

} // namespace

BOOST_AUTO_TEST_CASE(same_seed_same_trace_different_seed_different_trace) {
    auto const first = run_scenario(77);
    auto const second = run_scenario(77);
    auto const other = run_scenario(78);
    BOOST_TEST(first.size() > 1000u);
    BOOST_TEST(first.size() == second.size());
    BOOST_TEST((first == second));
    BOOST_TEST((first != other));
}

// Operations ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(cancelled_receive_loses_no_message) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 1ms, .latency_max = 1ms}));
    asio::cancellation_signal signal;  // must outlive the operations bound to it
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    std::optional<error_code> r;
    inbound got;
    auto const receive = [&] {
        r.reset();
        b.async_receive(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, inbound m) {
            r = ec;
            got = std::move(m);
        }));
    };

    // Cancelled while waiting: operation_aborted, and the next message waits
    // for the next receive.
    receive();
    poll(ctx);
    BOOST_TEST(!r.has_value());
    signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST(!r.has_value());  // posted, not inline
    poll(ctx);
    BOOST_TEST((r && *r == asio::error::operation_aborted));
    send_ok(a, ep(2), text("one"));
    run_virtual_for(ctx, net, 2ms);
    receive();
    poll(ctx);
    BOOST_TEST((r && !*r));
    BOOST_TEST((got.bytes == text("one")));

    // Cancelled after the message was bound to the completion: it arrives.
    receive();
    send_ok(a, ep(2), text("two"));
    poll(ctx);
    net.advance_to(net.now() + 1ms);  // delivered; completion posted
    signal.emit(asio::cancellation_type::terminal);
    poll(ctx);
    BOOST_TEST((r && !*r));
    BOOST_TEST((got.bytes == text("two")));

    // The stale slot has no handler left: emitting again does nothing.
    signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST(b.counters().packets_in == 2u);
}

BOOST_AUTO_TEST_CASE(close_completes_pending_operations_with_transport_closed) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 1ms, .latency_max = 1ms}));
    cohort::memory_transport a(net, ep(1));
    std::optional<cohort::memory_transport> b(std::in_place, net, ep(2));
    send_ok(a, ep(2), text("queued"));
    run_virtual_for(ctx, net, 2ms);  // queued at b: nobody receives yet
    send_ok(a, ep(2), text("in flight"));

    std::optional<error_code> r1, r2;
    cohort::memory_transport c(net, ep(3));
    c.async_receive([&](error_code ec, inbound) { r1 = ec; });
    poll(ctx);
    c.close();
    c.close();  // idempotent
    BOOST_TEST(!c.is_open());
    BOOST_TEST(!r1.has_value());
    poll(ctx);
    BOOST_TEST((r1 && *r1 == cohort::error::transport_closed));
    c.async_receive([&](error_code ec, inbound) { r2 = ec; });
    poll(ctx);
    BOOST_TEST((r2 && *r2 == cohort::error::transport_closed));
    BOOST_TEST(send_result(ctx, c, ep(1), text("x"), delivery::packet) ==
               cohort::error::transport_closed);
    BOOST_TEST(send_result(ctx, c, ep(1), text("x"), delivery::frame) ==
               cohort::error::transport_closed);

    b->close();
    BOOST_TEST(b->counters().drops_closed == 1u);  // the queued packet
    run_virtual_for(ctx, net, 2ms);                // the one in flight finds nobody
    BOOST_TEST(net.counters().drops_closed == 2u);
    BOOST_TEST(send_result(ctx, a, ep(2), text("f"), delivery::frame) ==
               asio::error::connection_refused);
    // The address is free again.
    b.emplace(net, ep(2));
    recorder rb{*b};
    rb.start();
    send_ok(a, ep(2), text("new"));
    run_virtual_for(ctx, net, 2ms);
    BOOST_TEST(rb.got.size() == 1u);
}

BOOST_AUTO_TEST_CASE(destruction_aborts_pending_receive_and_frees_the_address) {
    asio::io_context ctx;
    memory_network net(ctx, manual());
    std::optional<error_code> r;
    {
        cohort::memory_transport b(net, ep(2));
        BOOST_CHECK_THROW(cohort::memory_transport(net, ep(2)), boost::system::system_error);
        b.async_receive([&](error_code ec, inbound) { r = ec; });
        poll(ctx);
    }
    poll(ctx);
    BOOST_TEST((r && *r == asio::error::operation_aborted));
    cohort::memory_transport again(net, ep(2));

    // A moved transport keeps its endpoint; the moved-from one is closed.
    cohort::memory_transport moved(std::move(again));
    BOOST_TEST(!again.is_open());
    BOOST_TEST(moved.is_open());
    cohort::memory_transport a(net, ep(1));
    recorder rm{moved};
    rm.start();
    send_ok(a, ep(2), text("to the moved"));
    run_virtual_for(ctx, net, 1ms);
    BOOST_TEST(rm.got.size() == 1u);
}

// As on a socket, a waiting receive is outstanding work: run() does not
// return for lack of work while one waits.
BOOST_AUTO_TEST_CASE(waiting_receive_is_outstanding_work) {
    asio::io_context ctx;
    memory_network net(ctx, manual());
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    ctx.poll();
    BOOST_TEST(ctx.stopped());  // nothing to do
    ctx.restart();
    std::optional<error_code> r;
    b.async_receive([&](error_code ec, inbound) { r = ec; });
    ctx.poll();
    BOOST_TEST(!ctx.stopped());
    b.close();
    ctx.poll();
    BOOST_TEST((r && *r == cohort::error::transport_closed));
    BOOST_TEST(ctx.stopped());
}

BOOST_AUTO_TEST_CASE(receive_queue_is_bounded_for_packets_only) {
    asio::io_context ctx;
    auto cfg = manual();
    cfg.receive_queue_capacity = 4;
    memory_network net(ctx, cfg);
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    for (int i = 0; i < 10; ++i)
        send_ok(a, ep(2), text("p"));
    for (int i = 0; i < 3; ++i)
        send_ok(a, ep(2), text("frame"), delivery::frame);
    run_virtual_for(ctx, net, 1ms);
    BOOST_TEST(b.counters().drops_queue_full == 6u);
    recorder rb{b};
    rb.start();
    poll(ctx);
    BOOST_TEST(rb.got.size() == 7u);
    BOOST_TEST(b.counters().packets_in == 4u);
    BOOST_TEST(b.counters().frames_in == 3u);
}

BOOST_AUTO_TEST_CASE(per_pair_fault_model) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 1ms, .latency_max = 1ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2)), c(net, ep(3));
    net.set_faults(ep(1), ep(2), {.loss = 1.0});
    BOOST_TEST(net.faults(ep(1), ep(2)).loss == 1.0);
    BOOST_TEST(net.faults(ep(1), ep(3)).loss == 0.0);
    recorder rb{b}, rc{c};
    rb.start();
    rc.start();
    send_ok(a, ep(2), text("x"));
    send_ok(a, ep(3), text("x"));
    send_ok(a, ep(2), text("frame"), delivery::frame);  // frames are never lost
    run_virtual_for(ctx, net, 5ms);
    BOOST_TEST(rb.got.size() == 1u);
    BOOST_TEST(rc.got.size() == 1u);
    net.clear_faults(ep(1), ep(2));
    send_ok(a, ep(2), text("x"));
    run_virtual_for(ctx, net, 5ms);
    BOOST_TEST(rb.got.size() == 2u);
}

BOOST_AUTO_TEST_CASE(handlers_answer_at_their_arrival_time) {
    asio::io_context ctx;
    memory_network net(ctx, manual(1, {.latency_min = 3ms, .latency_max = 3ms}));
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    std::optional<std::chrono::nanoseconds> pong_at;
    b.async_receive([&](error_code ec, inbound m) {
        BOOST_TEST(!ec);
        b.async_send_packet(m.from, text("pong"), [](error_code) {});
    });
    a.async_receive([&](error_code ec, inbound) {
        BOOST_TEST(!ec);
        pong_at = net.now();
    });
    run_virtual_until(ctx, net, 1ms);
    send_ok(a, ep(2), text("ping"));
    run_virtual_for(ctx, net, 1s);
    BOOST_REQUIRE(pong_at.has_value());
    BOOST_TEST(pong_at->count() == std::chrono::nanoseconds(7ms).count());
    BOOST_TEST(net.now().count() == std::chrono::nanoseconds(1001ms).count());
}

BOOST_AUTO_TEST_CASE(counters_balance) {
    asio::io_context ctx;
    auto cfg = manual(3, {.loss = 0.2, .duplicate = 0.1, .reorder = 0.1, .latency_min = 1ms,
                          .latency_max = 9ms});
    cfg.receive_queue_capacity = 50;
    memory_network net(ctx, cfg);
    std::vector<std::unique_ptr<cohort::memory_transport>> nodes;
    for (unsigned i = 1; i <= 4; ++i)
        nodes.push_back(std::make_unique<cohort::memory_transport>(net, ep(i)));
    std::mt19937_64 w(5);
    for (int step = 0; step < 200; ++step) {
        run_virtual_until(ctx, net, std::chrono::milliseconds(step));
        if (step == 50)
            net.partition({ep(1)}, {ep(2), ep(3)}, partition_direction::a_to_b);
        if (step == 80)
            net.crash(ep(4));
        if (step == 120)
            nodes[2]->close();
        for (auto& n : nodes) {
            std::vector<std::byte> const payload(w() % 50 + 1);
            auto const to = ep(static_cast<unsigned>(w() % 5 + 1));  // 5: nobody there
            if (w() % 4 == 0)
                n->async_send_frame(to, payload, [](error_code) {});
            else
                n->async_send_packet(to, payload, [](error_code) {});
        }
    }
    run_virtual_for(ctx, net, 1s);
    BOOST_TEST(net.in_flight() == 0u);
    for (auto& n : nodes) {  // drain the queues
        if (n->is_open() && !net.crashed(n->local_endpoint())) {
            recorder r{*n};
            r.start();
            poll(ctx);
            n->close();
            poll(ctx);
        }
    }
    auto const c = net.counters();
    auto const f = net.fault_counters();
    BOOST_TEST(c.packets_out + c.frames_out + f.duplicated ==
               c.packets_in + c.frames_in + drops(c));
    cohort::transport_counters sum;
    for (auto& n : nodes) {
        auto const t = n->counters();
        sum.packets_out += t.packets_out;
        sum.frames_out += t.frames_out;
        sum.bytes_out += t.bytes_out;
        sum.packets_in += t.packets_in;
        sum.frames_in += t.frames_in;
        sum.bytes_in += t.bytes_in;
    }
    BOOST_TEST(sum.packets_out == c.packets_out);
    BOOST_TEST(sum.frames_out == c.frames_out);
    BOOST_TEST(sum.bytes_out == c.bytes_out);
    BOOST_TEST(sum.packets_in == c.packets_in);
    BOOST_TEST(sum.frames_in == c.frames_in);
    BOOST_TEST(sum.bytes_in == c.bytes_in);
    BOOST_TEST(c.drops_loss > 0u);
    BOOST_TEST(c.drops_partition > 0u);
    BOOST_TEST(c.drops_crashed > 0u);
    BOOST_TEST(c.drops_closed > 0u);
    BOOST_TEST(c.drops_queue_full > 0u);
}

// Real time -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(steady_clock_delivers_after_the_latency) {
    asio::io_context ctx;
    memory_network_config cfg;  // steady_clock
    cfg.faults = {.latency_min = 20ms, .latency_max = 20ms};
    memory_network net(ctx, cfg);
    cohort::memory_transport a(net, ep(1)), b(net, ep(2));
    std::vector<std::pair<std::string, std::chrono::nanoseconds>> got;
    std::function<void()> receive = [&] {
        b.async_receive([&](error_code ec, inbound m) {
            if (ec)
                return;
            got.emplace_back(std::string(reinterpret_cast<char const*>(m.bytes.data()),
                                         m.bytes.size()),
                             net.now());
            if (got.size() == 2)
                ctx.stop();
            else
                receive();
        });
    };
    receive();
    auto const start = net.now();
    send_ok(a, ep(2), text("slow"));
    // A later, faster packet re-arms the timer earlier.
    net.set_faults({.latency_min = 1ms, .latency_max = 1ms});
    send_ok(a, ep(2), text("fast"));
    ctx.run_for(5s);  // bounded; stopped by the second arrival
    BOOST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].first == "fast");
    BOOST_TEST(got[1].first == "slow");
    BOOST_TEST((got[0].second - start >= 1ms));
    BOOST_TEST((got[1].second - start >= 20ms));
}

BOOST_AUTO_TEST_CASE(network_outlived_by_its_timer_completion) {
    asio::io_context ctx;
    {
        memory_network net(ctx, memory_network_config{.faults = {.latency_min = 1ms,
                                                                 .latency_max = 1ms}});
        cohort::memory_transport a(net, ep(1)), b(net, ep(2));
        send_ok(a, ep(2), text("never delivered"));
        poll(ctx);
    }
    // The cancelled wait completes without touching the dead network (ASan
    // would see it), and nothing of the network is left waiting: the context
    // runs out of work instead of waiting out the 50 ms.
    auto const ran = ctx.run_for(50ms);
    BOOST_TEST(ran >= 1u);
    BOOST_TEST(ctx.stopped());
}

BOOST_AUTO_TEST_SUITE_END()
