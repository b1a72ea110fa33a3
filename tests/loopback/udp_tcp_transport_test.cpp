// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// cohort::udp_tcp_transport over real sockets on 127.0.0.1 and ::1. Every wait is on
// an event, bounded: run_until() runs the io_context one handler at a time
// until a predicate holds or a generous limit passes (then the test fails).
// Timing is only ever asserted as a lower bound implied by the behaviour
// (a backoff or a timeout cannot end early).

#include <cohort/node/detail/addressing.hpp>
#include <cohort/transport/detail/reconnect_backoff.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>


#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using cohort::udp_tcp_config;
using endpoint = asio::ip::udp::endpoint;
using inbound = cohort::basic_inbound<endpoint>;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

static_assert(cohort::transport<cohort::udp_tcp_transport>);
static_assert(cohort::transport<
              cohort::basic_udp_tcp_transport<asio::strand<asio::io_context::executor_type>>>);
static_assert(std::is_same_v<cohort::udp_tcp_transport::endpoint_type, asio::ip::udp::endpoint>);

udp_tcp_config config_on(asio::ip::address const& address) {
    udp_tcp_config cfg;
    cfg.bind = endpoint(address, 0);
    return cfg;
}

udp_tcp_config v4() { return config_on(asio::ip::address_v4::loopback()); }
udp_tcp_config v6() { return config_on(asio::ip::address_v6::loopback()); }

std::vector<std::byte> bytes_of(std::string_view s) {
    std::vector<std::byte> v(s.size());
    std::transform(s.begin(), s.end(), v.begin(), [](char c) { return std::byte(c); });
    return v;
}

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& b : v) {
        x = x * 1664525u + 1013904223u;
        b = std::byte(x >> 24);
    }
    return v;
}

std::vector<std::byte> frame_header(std::uint32_t length) {
    return {std::byte(length >> 24), std::byte(length >> 16), std::byte(length >> 8),
            std::byte(length)};
}

// The hello a well-behaved transport writes first, spelled out as documented:
// length 12, "coho", version 1, family 4, address, port (big-endian).
std::vector<std::byte> hello_v4(endpoint const& self) {
    auto v = frame_header(12);
    for (char c : std::string_view("coho"))
        v.push_back(std::byte(c));
    v.push_back(std::byte{1});
    v.push_back(std::byte{4});
    for (auto b : self.address().to_v4().to_bytes())
        v.push_back(std::byte(b));
    v.push_back(std::byte(self.port() >> 8));
    v.push_back(std::byte(self.port() & 0xff));
    return v;
}

template <class Pred>
bool run_until(asio::io_context& ioc, Pred pred, std::chrono::milliseconds limit = 10s) {
    auto const deadline = clock_type::now() + limit;
    while (!pred()) {
        if (clock_type::now() >= deadline)
            return false;
        if (ioc.stopped())
            ioc.restart();
        ioc.run_one_for(5ms);
    }
    return true;
}

// Keeps one async_receive pending and stores what arrives. Its state is
// shared with the handler, so a late completion never touches a dead object.
class collector {
public:
    struct data {
        std::vector<inbound> messages;
        std::optional<error_code> error; // set when the receive loop ended
    };

    explicit collector(cohort::udp_tcp_transport& t) : t_(t), d_(std::make_shared<data>()) {
        start();
    }

    std::vector<inbound> const& messages() const { return d_->messages; }
    std::size_t size() const { return d_->messages.size(); }
    std::optional<error_code> error() const { return d_->error; }

private:
    void start() {
        t_.async_receive([this, d = d_](error_code ec, inbound m) {
            if (ec) {
                d->error = ec;
                return;
            }
            d->messages.push_back(std::move(m));
            start();
        });
    }

    cohort::udp_tcp_transport& t_;
    std::shared_ptr<data> d_;
};

struct result {
    bool done = false;
    error_code ec;
    clock_type::time_point at{};
};
using result_ptr = std::shared_ptr<result>;

auto recorder(result_ptr r) {
    return [r](error_code ec) {
        r->done = true;
        r->ec = ec;
        r->at = clock_type::now();
    };
}

result_ptr send_frame(cohort::udp_tcp_transport& t, endpoint const& to,
                      std::vector<std::byte> const& b) {
    auto r = std::make_shared<result>();
    t.async_send_frame(to, b, recorder(r));
    return r;
}

result_ptr send_packet(cohort::udp_tcp_transport& t, endpoint const& to,
                       std::vector<std::byte> const& b) {
    auto r = std::make_shared<result>();
    t.async_send_packet(to, b, recorder(r));
    return r;
}

bool all_done(std::vector<result_ptr> const& rs) {
    return std::all_of(rs.begin(), rs.end(), [](auto const& r) { return r->done; });
}

// A hand-driven TCP client, to play a misbehaving peer.
class raw_peer {
public:
    raw_peer(asio::io_context& ioc, endpoint const& to) : socket_(ioc) {
        socket_.connect(asio::ip::tcp::endpoint(to.address(), to.port()));
        watch();
    }

    void write(std::vector<std::byte> const& b) { asio::write(socket_, asio::buffer(b)); }

    // True once the transport closed the connection (EOF or reset).
    bool dropped() const { return state_->dropped; }

    // Every byte the transport wrote on this connection.
    std::vector<std::byte> const& received() const { return state_->received; }

private:
    struct state {
        bool dropped = false;
        std::array<std::byte, 256> buf{};
        std::vector<std::byte> received;
    };

    void watch() {
        socket_.async_read_some(asio::buffer(state_->buf), [this, s = state_](error_code ec,
                                                                              std::size_t n) {
            if (ec) {
                s->dropped = true;
                return;
            }
            s->received.insert(s->received.end(), s->buf.begin(),
                               s->buf.begin() + static_cast<std::ptrdiff_t>(n));
            watch();
        });
    }

    asio::ip::tcp::socket socket_;
    std::shared_ptr<state> state_ = std::make_shared<state>();
};

// A port that was just free for both UDP and TCP: nobody listens there.
endpoint dead_endpoint(asio::io_context& ioc) {
    cohort::udp_tcp_transport t(ioc, v4());
    return t.local_endpoint();
}

void packets_both_ways(udp_tcp_config const& cfg) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, cfg);
    cohort::udp_tcp_transport b(ioc, cfg);
    collector ra(a), rb(b);

    std::vector<result_ptr> sends;
    for (unsigned i = 0; i < 3; ++i) {
        sends.push_back(send_packet(a, b.local_endpoint(), pattern(100 + i, i)));
        sends.push_back(send_packet(b, a.local_endpoint(), pattern(200 + i, 10 + i)));
    }
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ra.size() == 3 && rb.size() == 3; }));
    BOOST_TEST(all_done(sends));
    for (auto const& s : sends)
        BOOST_TEST(!s->ec);
    for (unsigned i = 0; i < 3; ++i) {
        // One sender, loopback: the datagrams arrive in order.
        BOOST_TEST((rb.messages()[i].kind == cohort::delivery::packet));
        BOOST_TEST(rb.messages()[i].from == a.bound_endpoint());
        BOOST_TEST((rb.messages()[i].bytes == pattern(100 + i, i)));
        BOOST_TEST((ra.messages()[i].kind == cohort::delivery::packet));
        BOOST_TEST(ra.messages()[i].from == b.bound_endpoint());
        BOOST_TEST((ra.messages()[i].bytes == pattern(200 + i, 10 + i)));
    }
    auto const ca = a.counters();
    BOOST_TEST(ca.packets_out == 3u);
    BOOST_TEST(ca.packets_in == 3u);
    BOOST_TEST(ca.bytes_out == 100u + 101 + 102);
    BOOST_TEST(ca.bytes_in == 200u + 201 + 202);
    BOOST_TEST(ca.connects == 0u); // packets never open a stream
}

void frames_both_ways(udp_tcp_config const& cfg) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, cfg);
    cohort::udp_tcp_transport b(ioc, cfg);
    collector ra(a), rb(b);
    auto const max = a.max_frame_size();
    BOOST_TEST(max == std::size_t{4} << 20); // the default

    std::vector<std::vector<std::byte>> const to_b{bytes_of("hello"), {}, pattern(max, 7),
                                                   pattern(100000, 8)};
    std::vector<result_ptr> sends;
    for (auto const& f : to_b)
        sends.push_back(send_frame(a, b.local_endpoint(), f));
    sends.push_back(send_frame(b, a.local_endpoint(), bytes_of("back")));
    auto const over = send_frame(a, b.local_endpoint(), pattern(max + 1, 9));

    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return rb.size() == to_b.size() && ra.size() == 1 && all_done(sends) && over->done;
    }));
    for (auto const& s : sends)
        BOOST_TEST(!s->ec);
    BOOST_TEST((over->ec == cohort::error::frame_too_large));
    for (std::size_t i = 0; i < to_b.size(); ++i) {
        BOOST_TEST((rb.messages()[i].kind == cohort::delivery::frame));
        BOOST_TEST(rb.messages()[i].from == a.local_endpoint()); // from the hello
        BOOST_TEST((rb.messages()[i].bytes == to_b[i]));
    }
    BOOST_TEST(ra.messages()[0].from == b.local_endpoint());
    BOOST_TEST((ra.messages()[0].bytes == bytes_of("back")));

    auto const ca = a.counters();
    auto const cb = b.counters();
    BOOST_TEST(ca.frames_out == 4u);
    BOOST_TEST(ca.bytes_out == 5u + 0 + max + 100000);
    BOOST_TEST(ca.drops_oversize == 1u);
    BOOST_TEST(cb.frames_in == 4u);
    BOOST_TEST(cb.bytes_in == ca.bytes_out);
    BOOST_TEST(ca.connects == 1u); // one connection each way
    BOOST_TEST(cb.connects == 1u);
    BOOST_TEST(ca.accepts == 1u);
    BOOST_TEST(cb.accepts == 1u);
    BOOST_TEST(cb.decode_errors == 0u);
}


asio::awaitable<void> exchange_with_awaitables(cohort::udp_tcp_transport& a,
                                               cohort::udp_tcp_transport& b, bool& done) {
    auto const to = b.local_endpoint();
    co_await a.async_send_packet(to, bytes_of("p1"), asio::use_awaitable);
    auto m = co_await b.async_receive(asio::use_awaitable);
    BOOST_TEST((m.bytes == bytes_of("p1")));
    auto [ec] =
        co_await a.async_send_frame(to, bytes_of("f1"), asio::as_tuple(asio::use_awaitable));
    BOOST_TEST(!ec);
    auto [ec2, m2] = co_await b.async_receive(asio::as_tuple(asio::use_awaitable));
    BOOST_TEST(!ec2);
    BOOST_TEST((m2.kind == cohort::delivery::frame));
    BOOST_TEST((m2.bytes == bytes_of("f1")));
    done = true;
}

asio::awaitable<void> receive_or_timeout(cohort::udp_tcp_transport& a,
                                         cohort::udp_tcp_transport& b, int& timeouts,
                                         bool& done) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    // Nothing arrives: the timer wins and the receive is cancelled.
    timer.expires_after(20ms);
    auto first = co_await (b.async_receive(asio::use_awaitable) ||
                           timer.async_wait(asio::use_awaitable));
    timeouts += first.index() == 1;
    // Then a packet comes: the receive wins and nothing was lost.
    co_await a.async_send_packet(b.local_endpoint(), bytes_of("late"), asio::use_awaitable);
    timer.expires_after(10s);
    auto second = co_await (b.async_receive(asio::use_awaitable) ||
                            timer.async_wait(asio::use_awaitable));
    BOOST_TEST(second.index() == 0u);
    if (second.index() == 0)
        BOOST_TEST((std::get<0>(second).bytes == bytes_of("late")));
    done = true;
}


} // namespace

BOOST_AUTO_TEST_SUITE(udp_tcp_transport)

BOOST_AUTO_TEST_CASE(config_defaults_valid_and_bad_fields_named) {
    udp_tcp_config const defaults;
    BOOST_TEST(validate(defaults).has_value());
    BOOST_TEST(defaults.packet_budget == 1400u);
    BOOST_TEST(defaults.reconnect_base_delay == 1s);
    BOOST_TEST(defaults.reconnect_max_delay == 30s);

    auto field_of = [](auto mutate) {
        udp_tcp_config cfg;
        mutate(cfg);
        auto const r = validate(cfg);
        return r ? std::string("valid") : std::string(r.error().field);
    };
    using c = udp_tcp_config;
    BOOST_TEST(field_of([](c& x) { x.packet_budget = 0; }) == "udp_tcp_config.packet_budget");
    BOOST_TEST(field_of([](c& x) { x.packet_budget = 65508; }) ==
               "udp_tcp_config.packet_budget");
    BOOST_TEST(field_of([](c& x) { x.max_frame_size = 0; }) == "udp_tcp_config.max_frame_size");
    BOOST_TEST(field_of([](c& x) { x.max_frame_size = std::size_t{1} << 31; }) ==
               "udp_tcp_config.max_frame_size");
    BOOST_TEST(field_of([](c& x) { x.send_queue_limit = 0; }) ==
               "udp_tcp_config.send_queue_limit");
    BOOST_TEST(field_of([](c& x) { x.receive_queue_limit = 0; }) ==
               "udp_tcp_config.receive_queue_limit");
    BOOST_TEST(field_of([](c& x) { x.connect_timeout = 0ms; }) ==
               "udp_tcp_config.connect_timeout");
    BOOST_TEST(field_of([](c& x) { x.read_timeout = -1ms; }) == "udp_tcp_config.read_timeout");
    BOOST_TEST(field_of([](c& x) { x.write_timeout = 0ms; }) == "udp_tcp_config.write_timeout");
    BOOST_TEST(field_of([](c& x) { x.reconnect_base_delay = 0ms; }) ==
               "udp_tcp_config.reconnect_base_delay");
    BOOST_TEST(field_of([](c& x) { x.reconnect_max_delay = 999ms; }) ==
               "udp_tcp_config.reconnect_max_delay");
    BOOST_TEST(field_of([](c& x) { x.reconnect_jitter = 1.5; }) ==
               "udp_tcp_config.reconnect_jitter");
    BOOST_TEST(field_of([](c& x) { x.reconnect_jitter = std::nan(""); }) ==
               "udp_tcp_config.reconnect_jitter");
    BOOST_TEST(field_of([](c& x) { x.max_connections = 0; }) == "udp_tcp_config.max_connections");
    BOOST_TEST(field_of([](c& x) {
                   x.advertise = endpoint(asio::ip::address_v4::loopback(), 0);
               }) == "udp_tcp_config.advertise");
    BOOST_TEST(field_of([](c& x) { x.advertise = endpoint(asio::ip::address_v6::any(), 7); }) ==
               "udp_tcp_config.advertise");

    asio::io_context ioc;
    udp_tcp_config bad = v4();
    bad.packet_budget = 0;
    try {
        cohort::udp_tcp_transport t(ioc, bad);
        BOOST_FAIL("an invalid config must throw");
    } catch (boost::system::system_error const& e) {
        BOOST_TEST(std::string(e.what()).find("udp_tcp_config.packet_budget") !=
                   std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(binds_udp_and_tcp_on_one_port_and_refuses_a_taken_port) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, v4());
    auto const ep = a.local_endpoint();
    BOOST_TEST(ep.port() != 0);
    BOOST_TEST(ep == a.bound_endpoint());
    BOOST_TEST(a.packet_budget() == 1400u);
    BOOST_TEST(a.is_open());
    // TCP listens on the UDP port.
    asio::ip::tcp::socket probe(ioc);
    error_code ec;
    probe.connect(asio::ip::tcp::endpoint(ep.address(), ep.port()), ec);
    BOOST_TEST(!ec);
    // A second transport on the same port fails to bind.
    udp_tcp_config same = v4();
    same.bind = ep;
    BOOST_CHECK_THROW(cohort::udp_tcp_transport(ioc, same), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(packets_both_ways_v4) { packets_both_ways(v4()); }

BOOST_AUTO_TEST_CASE(packets_both_ways_v6) { packets_both_ways(v6()); }

BOOST_AUTO_TEST_CASE(packet_budget_enforced_on_send_and_receive) {
    asio::io_context ioc;
    udp_tcp_config small = v4();
    small.packet_budget = 100;
    cohort::udp_tcp_transport a(ioc, v4());
    cohort::udp_tcp_transport b(ioc, small);
    collector rb(b);

    auto const exact = send_packet(a, b.local_endpoint(), pattern(a.packet_budget(), 1));
    auto const over = send_packet(a, b.local_endpoint(), pattern(a.packet_budget() + 1, 2));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return exact->done && over->done; }));
    BOOST_TEST(!exact->ec); // a 1400-byte datagram leaves a; b's budget is 100
    BOOST_TEST((over->ec == cohort::error::packet_too_large));
    BOOST_TEST(a.counters().drops_oversize == 1u);
    BOOST_TEST(a.counters().packets_out == 1u);

    // b drops the 1400-byte datagram and an empty one, and keeps receiving.
    asio::ip::udp::socket raw(ioc, endpoint(asio::ip::address_v4::loopback(), 0));
    raw.send_to(asio::buffer(std::vector<std::byte>{}), b.local_endpoint());
    auto const fine = send_packet(a, b.local_endpoint(), pattern(100, 3));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        auto const c = b.counters();
        return rb.size() == 1 && c.drops_oversize == 1 && c.drops_garbage == 1;
    }));
    BOOST_TEST((rb.messages()[0].bytes == pattern(100, 3)));
    BOOST_TEST(b.counters().packets_in == 1u);
}

BOOST_AUTO_TEST_CASE(frames_both_ways_up_to_max_frame_size_v4) { frames_both_ways(v4()); }

BOOST_AUTO_TEST_CASE(frames_both_ways_up_to_max_frame_size_v6) { frames_both_ways(v6()); }

BOOST_AUTO_TEST_CASE(connection_reused_for_many_frames) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, v4());
    cohort::udp_tcp_transport b(ioc, v4());
    collector rb(b);

    std::vector<result_ptr> sends;
    for (unsigned i = 0; i < 300; ++i)
        sends.push_back(send_frame(a, b.local_endpoint(), pattern(10 + i, i)));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return rb.size() == 300 && all_done(sends); }));
    // A second wave after the first completed rides the same connection.
    for (unsigned i = 300; i < 350; ++i)
        sends.push_back(send_frame(a, b.local_endpoint(), pattern(10 + i, i)));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return rb.size() == 350 && all_done(sends); }));
    for (auto const& s : sends)
        BOOST_TEST(!s->ec);
    for (unsigned i = 0; i < 350; ++i) // in order
        BOOST_TEST((rb.messages()[i].bytes == pattern(10 + i, i)));
    BOOST_TEST(a.counters().connects == 1u);
    BOOST_TEST(a.counters().reconnects == 0u);
    BOOST_TEST(b.counters().accepts == 1u);
    BOOST_TEST(a.counters().frames_out == 350u);
}

BOOST_AUTO_TEST_CASE(frames_back_ride_the_connection_the_peer_opened) {
    asio::io_context ioc;
    udp_tcp_config cfg = v4();
    cfg.reconnect_base_delay = 20ms;
    cfg.reconnect_max_delay = 200ms;
    auto a = std::make_unique<cohort::udp_tcp_transport>(ioc, v4());
    cohort::udp_tcp_transport b(ioc, cfg);
    auto const a_ep = a->local_endpoint();
    auto ra = std::make_unique<collector>(*a);
    collector rb(b);

    // Request and reply, one at a time, then a burst back: all on a's connection.
    for (unsigned i = 0; i < 50; ++i) {
        auto const ask = send_frame(*a, b.local_endpoint(), pattern(20, i));
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return rb.size() == i + 1 && ask->done; }));
        BOOST_TEST(!ask->ec);
        auto const answer = send_frame(b, rb.messages()[i].from, pattern(30, 1000 + i));
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ra->size() == i + 1 && answer->done; }));
        BOOST_TEST(!answer->ec);
        BOOST_TEST(ra->messages()[i].from == b.local_endpoint()); // the endpoint a dialled
        BOOST_TEST((ra->messages()[i].bytes == pattern(30, 1000 + i)));
    }
    std::vector<result_ptr> burst;
    for (unsigned i = 0; i < 200; ++i)
        burst.push_back(send_frame(b, a_ep, pattern(10 + i, i)));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ra->size() == 250 && all_done(burst); }));
    for (unsigned i = 0; i < 200; ++i)
        BOOST_TEST((ra->messages()[50 + i].bytes == pattern(10 + i, i))); // in order
    BOOST_TEST(a->counters().connects == 1u);
    BOOST_TEST(b.counters().accepts == 1u);
    BOOST_TEST(b.counters().connects == 0u); // b never opened a connection of its own
    BOOST_TEST(a->counters().accepts == 0u);
    BOOST_TEST(b.counters().frames_out == 250u);

    // a goes away: b loses the connection it was writing on, and a later
    // frame to a connects (after the backoff) and is refused.
    ra.reset();
    a.reset();
    // Hold a's port, bound but not listening, so that no other process on
    // the machine (tests run in parallel) takes it and accepts the connect.
    asio::ip::tcp::socket hold(ioc);
    hold.open(a_ep.protocol() == asio::ip::udp::v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6());
    hold.set_option(asio::socket_base::reuse_address(true));
    hold.bind(asio::ip::tcp::endpoint(a_ep.address(), a_ep.port()));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return b.counters().disconnects == 1; }));
    auto const late = send_frame(b, a_ep, bytes_of("late"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return late->done; }));
    BOOST_TEST((late->ec == asio::error::connection_refused));
    BOOST_TEST(b.counters().connect_failures == 1u);
}

BOOST_AUTO_TEST_CASE(only_a_two_way_hello_is_answered_on_its_connection) {
    asio::io_context ioc;
    cohort::udp_tcp_transport b(ioc, v4());
    collector rb(b);
    auto const nobody = dead_endpoint(ioc); // the raw peers claim to listen here

    // Version 1: the opener does not read, so b connects to the address
    // the hello names (and is refused) rather than write where nobody reads.
    raw_peer one_way(ioc, b.local_endpoint());
    one_way.write(hello_v4(nobody));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return b.counters().accepts == 1; }));
    auto const refused = send_frame(b, nobody, bytes_of("x"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return refused->done; }));
    BOOST_TEST((refused->ec == asio::error::connection_refused));
    BOOST_TEST(one_way.received().empty());
    BOOST_TEST(!one_way.dropped());
}

BOOST_AUTO_TEST_CASE(a_two_way_hello_is_answered_on_its_connection) {
    asio::io_context ioc;
    cohort::udp_tcp_transport b(ioc, v4());
    collector rb(b);
    auto const nobody = dead_endpoint(ioc);

    raw_peer two_way(ioc, b.local_endpoint());
    two_way.write(cohort::detail::make_hello_frame(nobody));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return b.counters().accepts == 1; }));
    auto const sent = send_frame(b, nobody, bytes_of("back"));
    auto expected = frame_header(4); // no hello in this direction
    for (auto x : bytes_of("back"))
        expected.push_back(x);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return sent->done && two_way.received().size() >= expected.size();
    }));
    BOOST_TEST(!sent->ec);
    BOOST_TEST((two_way.received() == expected));
    BOOST_TEST(b.counters().connects == 0u);
    BOOST_TEST(b.counters().connect_failures == 0u);
}

BOOST_AUTO_TEST_CASE(a_peer_that_connects_ends_the_backoff) {
    asio::io_context ioc;
    udp_tcp_config slow = v4();
    slow.reconnect_base_delay = 60s; // the backoff outlasts the test unless it ends early
    slow.reconnect_max_delay = 60s;
    cohort::udp_tcp_transport b(ioc, slow);
    collector rb(b);
    auto a = std::make_unique<cohort::udp_tcp_transport>(ioc, v4());
    auto const a_ep = a->local_endpoint();
    auto ra = std::make_unique<collector>(*a);

    auto const first = send_frame(b, a_ep, bytes_of("one"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return first->done && ra->size() == 1; }));
    ra.reset();
    a.reset();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return b.counters().disconnects == 1; }));

    // b is in its backoff towards a_ep; this frame waits in the queue.
    auto const waiting = send_frame(b, a_ep, bytes_of("two"));
    // a comes back on the same port and opens a connection to b: b sends the
    // queued frame there at once instead of waiting out its backoff.
    udp_tcp_config same = v4();
    same.bind = a_ep;
    cohort::udp_tcp_transport a2(ioc, same);
    collector ra2(a2);
    auto const hello = send_frame(a2, b.local_endpoint(), bytes_of("back"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return waiting->done && ra2.size() == 1; }));
    BOOST_TEST(!waiting->ec);
    BOOST_TEST((ra2.messages()[0].bytes == bytes_of("two")));
    BOOST_TEST(ra2.messages()[0].from == b.local_endpoint());
    BOOST_TEST(b.counters().connects == 1u); // the first connection only
}

BOOST_AUTO_TEST_CASE(peer_restart_reconnects_after_backoff) {
    asio::io_context ioc;
    udp_tcp_config cfg = v4();
    cfg.reconnect_base_delay = 20ms;
    cfg.reconnect_max_delay = 200ms;
    cfg.reconnect_jitter = 0.2;
    cfg.seed = 42;
    cohort::udp_tcp_transport a(ioc, cfg);
    auto b = std::make_unique<cohort::udp_tcp_transport>(ioc, v4());
    auto const b_ep = b->local_endpoint();
    auto rb = std::make_unique<collector>(*b);

    auto const first = send_frame(a, b_ep, bytes_of("one"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return first->done && rb->size() == 1; }));
    BOOST_TEST(!first->ec);

    // b goes away; a sees its connection close.
    auto const t0 = clock_type::now();
    rb.reset();
    b.reset();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return a.counters().disconnects == 1; }));

    // A new b on the same port. The next frame waits out the backoff
    // (20 ms -20% at least), reconnects, and arrives.
    udp_tcp_config same = v4();
    same.bind = b_ep;
    cohort::udp_tcp_transport b2(ioc, same);
    collector rb2(b2);
    auto const second = send_frame(a, b_ep, bytes_of("two"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return second->done && rb2.size() == 1; }));
    BOOST_TEST(!second->ec);
    BOOST_TEST((second->at - t0 >= 16ms));
    BOOST_TEST((rb2.messages()[0].bytes == bytes_of("two")));
    auto const c = a.counters();
    BOOST_TEST(c.connects == 2u);
    BOOST_TEST(c.reconnects == 1u);
    BOOST_TEST(c.connect_failures == 0u);
}

BOOST_AUTO_TEST_CASE(failed_connects_back_off_exponentially) {
    asio::io_context ioc;
    udp_tcp_config cfg = v4();
    cfg.reconnect_base_delay = 20ms;
    cfg.reconnect_max_delay = 1s;
    cfg.reconnect_jitter = 0.0; // exact delays: 20 ms, then 40 ms
    cohort::udp_tcp_transport a(ioc, cfg);
    auto const dead = dead_endpoint(ioc);

    std::vector<result_ptr> rs;
    std::vector<clock_type::time_point> sent;
    for (int i = 0; i < 3; ++i) {
        sent.push_back(clock_type::now());
        rs.push_back(send_frame(a, dead, bytes_of("x")));
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return rs.back()->done; }));
        BOOST_TEST((rs.back()->ec == asio::error::connection_refused));
    }
    // Attempt k+1 starts no earlier than the k-th failure plus its delay, and
    // the k-th failure came after the k-th send.
    BOOST_TEST((rs[1]->at - sent[0] >= 20ms));
    BOOST_TEST((rs[2]->at - sent[1] >= 40ms));
    auto const c = a.counters();
    BOOST_TEST(c.connect_failures == 3u);
    BOOST_TEST(c.connects == 0u);
    BOOST_TEST(c.drops_closed == 3u);
}

BOOST_AUTO_TEST_CASE(the_backoff_never_exceeds_its_maximum) {
    using cohort::detail::reconnect_delay;
    std::mt19937_64 rng(7);
    auto const base = std::chrono::nanoseconds(100ms), max = std::chrono::nanoseconds(3s);
    // without jitter: exactly base * 2^(n-1) until the cap, then the cap, even
    // after more failures than a double's exponent holds
    BOOST_TEST((reconnect_delay(base, max, 0.0, 1, rng) == 100ms));
    BOOST_TEST((reconnect_delay(base, max, 0.0, 5, rng) == 1600ms));
    for (unsigned n : {6u, 7u, 64u, 2000u, 4'000'000'000u})
        BOOST_TEST((reconnect_delay(base, max, 0.0, n, rng) == max), n);
    // with jitter: inside [1 - j, 1 + j] of the exponential value, and never above max
    for (unsigned n = 1; n <= 40; ++n) {
        double const expected = std::min(3000.0, 100.0 * std::ldexp(1.0, static_cast<int>(n) - 1));
        for (int draw = 0; draw < 200; ++draw) {
            auto const d = std::chrono::duration<double, std::milli>(
                               reconnect_delay(base, max, 0.5, n, rng))
                               .count();
            BOOST_TEST_REQUIRE(d <= 3000.0 + 1e-6);
            BOOST_TEST_REQUIRE(d >= expected * 0.5 - 1e-6);
            BOOST_TEST_REQUIRE(d <= expected * 1.5 + 1e-6);
        }
    }
}

// A peer whose stream breaks under a frame being written (it resets the
// connection: SO_LINGER 0, then close) fails that frame with an error the
// node reads as down_reason::connection_closed.
BOOST_AUTO_TEST_CASE(a_stream_reset_by_the_peer_fails_frames_as_connection_closed) {
    asio::io_context ioc;
    auto cfg = v4();
    cfg.write_timeout = 5s;
    cohort::udp_tcp_transport a(ioc, cfg);
    asio::ip::tcp::acceptor raw(ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    endpoint const to(raw.local_endpoint().address(), raw.local_endpoint().port());
    asio::ip::tcp::socket peer(ioc);
    bool accepted = false;
    raw.async_accept(peer, [&](error_code ec) { accepted = !ec; });
    // Frames large enough that the kernel's buffers fill while the peer reads nothing.
    std::vector<std::byte> const big(std::size_t{1} << 20, std::byte{0x5a});
    std::vector<result_ptr> rs;
    for (int i = 0; i < 16; ++i) rs.push_back(send_frame(a, to, big));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return accepted; }));
    // let a's writes fill the socket buffers
    run_until(ioc, [] { return false; }, 200ms);
    raw.close();
    peer.set_option(asio::socket_base::linger(true, 0));
    peer.close();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return std::all_of(rs.begin(), rs.end(), [](auto const& r) { return r->done; });
    }));
    std::size_t closed = 0;
    for (auto const& r : rs) {
        if (!r->ec) continue;
        auto const reason = cohort::detail::down_reason_of(r->ec);
        BOOST_TEST_REQUIRE(reason.has_value(), r->ec.message());
        closed += *reason == cohort::down_reason::connection_closed;
    }
    BOOST_TEST(closed >= 1u);
    // and at least one frame did not get through
    BOOST_TEST(std::any_of(rs.begin(), rs.end(), [](auto const& r) { return bool(r->ec); }));
}

BOOST_AUTO_TEST_CASE(garbage_and_oversize_input_drop_only_that_connection) {
    asio::io_context ioc;
    cohort::udp_tcp_transport b(ioc, v4());
    cohort::udp_tcp_transport good(ioc, v4());
    collector rb(b);
    auto const to = b.local_endpoint();
    unsigned sent = 0;
    auto good_frame = [&] {
        auto r = send_frame(good, to, pattern(64, sent++));
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return r->done && rb.size() == sent; }));
        BOOST_TEST(!r->ec);
    };

    good_frame();
    // 1. A length of 2^31 where the hello belongs.
    raw_peer huge(ioc, to);
    huge.write(frame_header(0x80000000u));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return huge.dropped(); }));
    good_frame();
    // 2. Text junk.
    raw_peer junk(ioc, to);
    junk.write(bytes_of("GET / HTTP/1.1\r\nHost: cohort\r\n\r\n"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return junk.dropped(); }));
    // 3. A hello-sized frame that is not a hello.
    raw_peer fake(ioc, to);
    auto fake_hello = frame_header(12);
    auto const junk12 = bytes_of("not a hello!");
    fake_hello.insert(fake_hello.end(), junk12.begin(), junk12.end());
    fake.write(fake_hello);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return fake.dropped(); }));
    good_frame();
    // 4. A valid hello, then a frame one byte over the limit.
    raw_peer over(ioc, to);
    auto bytes = hello_v4(endpoint(asio::ip::address_v4::loopback(), 4242));
    auto const header = frame_header(static_cast<std::uint32_t>(b.max_frame_size() + 1));
    bytes.insert(bytes.end(), header.begin(), header.end());
    over.write(bytes);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return over.dropped(); }));
    good_frame();

    auto const c = b.counters();
    BOOST_TEST(c.decode_errors == 4u);
    BOOST_TEST(c.drops_garbage == 3u);
    BOOST_TEST(c.drops_oversize == 1u);
    BOOST_TEST(c.disconnects == 4u);
    BOOST_TEST(c.accepts == 5u);
    BOOST_TEST(c.frames_in == 4u);
    // The well-behaved peer never noticed.
    BOOST_TEST(good.counters().connects == 1u);
    BOOST_TEST(good.counters().disconnects == 0u);
    for (auto const& m : rb.messages())
        BOOST_TEST(m.from == good.local_endpoint());
}

BOOST_AUTO_TEST_CASE(stalled_partial_frame_dropped_after_read_timeout) {
    asio::io_context ioc;
    udp_tcp_config cfg = v4();
    cfg.read_timeout = 150ms;
    cohort::udp_tcp_transport b(ioc, cfg);
    collector rb(b);
    auto const to = b.local_endpoint();
    auto const from = endpoint(asio::ip::address_v4::loopback(), 4242);

    // An idle peer between frames keeps its connection.
    raw_peer idle(ioc, to);
    auto hello_and_frame = hello_v4(from);
    auto const h = frame_header(3);
    hello_and_frame.insert(hello_and_frame.end(), h.begin(), h.end());
    for (auto x : bytes_of("abc"))
        hello_and_frame.push_back(x);
    idle.write(hello_and_frame);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return rb.size() == 1; }));
    BOOST_TEST(rb.messages()[0].from == from);

    // Half a frame, then silence. Started after the idle peer went idle, so
    // a (wrong) idle timeout would have fired first.
    auto const t0 = clock_type::now();
    raw_peer stalled(ioc, to);
    auto half = hello_v4(from);
    auto const h100 = frame_header(100);
    half.insert(half.end(), h100.begin(), h100.end());
    auto const fifty = pattern(50, 1);
    half.insert(half.end(), fifty.begin(), fifty.end());
    stalled.write(half);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return stalled.dropped(); }));
    BOOST_TEST((clock_type::now() - t0 >= 150ms));
    BOOST_TEST(!idle.dropped());

    // A peer that never says hello is dropped too.
    raw_peer mute(ioc, to);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return mute.dropped(); }));
    BOOST_TEST(!idle.dropped());
    auto const c = b.counters();
    BOOST_TEST(c.disconnects == 2u);
    BOOST_TEST(c.decode_errors == 0u);
    BOOST_TEST(c.frames_in == 1u);
}

BOOST_AUTO_TEST_CASE(send_queue_overflow_refuses_new_frame_and_counts) {
    asio::io_context ioc;
    udp_tcp_config cfg = v4();
    cfg.send_queue_limit = 4;
    cohort::udp_tcp_transport a(ioc, cfg);
    cohort::udp_tcp_transport b(ioc, v4());
    collector rb(b);

    // Initiated before the io_context runs: all five wait for the connect.
    std::vector<result_ptr> rs;
    for (unsigned i = 0; i < 5; ++i)
        rs.push_back(send_frame(a, b.local_endpoint(), pattern(32, i)));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return all_done(rs) && rb.size() == 4; }));
    for (unsigned i = 0; i < 4; ++i) {
        BOOST_TEST(!rs[i]->ec);
        BOOST_TEST((rb.messages()[i].bytes == pattern(32, i))); // queued ones keep their order
    }
    BOOST_TEST((rs[4]->ec == cohort::error::send_queue_full));
    BOOST_TEST(a.counters().drops_queue_full == 1u);
    BOOST_TEST(a.counters().frames_out == 4u);
}

BOOST_AUTO_TEST_CASE(receive_queue_overflow_drops_packets_and_holds_frames) {
    asio::io_context ioc;
    udp_tcp_config cfg = v4();
    cfg.receive_queue_limit = 4;
    cohort::udp_tcp_transport a(ioc, v4());
    cohort::udp_tcp_transport b(ioc, cfg);
    auto const to = b.local_endpoint();

    // Nobody receives at b: four packets fit, six are dropped.
    std::vector<result_ptr> rs;
    for (unsigned i = 0; i < 10; ++i)
        rs.push_back(send_packet(a, to, pattern(20, i)));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        auto const c = b.counters();
        return all_done(rs) && c.packets_in + c.drops_queue_full == 10;
    }));
    BOOST_TEST(b.counters().packets_in == 4u);
    BOOST_TEST(b.counters().drops_queue_full == 6u);

    // Frames are not dropped: b stops reading until there is room.
    std::vector<result_ptr> fs;
    for (unsigned i = 0; i < 10; ++i)
        fs.push_back(send_frame(a, to, pattern(30, 100 + i)));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return all_done(fs); }));
    BOOST_TEST(b.counters().frames_in == 0u);
    collector rb(b);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return rb.size() == 14; }));
    for (unsigned i = 0; i < 10; ++i)
        BOOST_TEST((rb.messages()[4 + i].bytes == pattern(30, 100 + i)));
    BOOST_TEST(b.counters().drops_queue_full == 6u);
    BOOST_TEST(b.counters().frames_in == 10u);
}

BOOST_AUTO_TEST_CASE(max_connections_closes_extra_inbound_connections) {
    asio::io_context ioc;
    udp_tcp_config cfg = v4();
    cfg.max_connections = 1;
    cohort::udp_tcp_transport b(ioc, cfg);
    collector rb(b);
    raw_peer first(ioc, b.local_endpoint());
    first.write(hello_v4(endpoint(asio::ip::address_v4::loopback(), 4242)));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return b.counters().accepts == 1; }));
    raw_peer second(ioc, b.local_endpoint());
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return second.dropped(); }));
    BOOST_TEST(!first.dropped());
    BOOST_TEST(b.counters().accepts == 2u);
    BOOST_TEST(b.counters().disconnects == 1u);
}

BOOST_AUTO_TEST_CASE(cancelled_receive_loses_no_later_message) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, v4());
    cohort::udp_tcp_transport b(ioc, v4());

    for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                      asio::cancellation_type::total}) {
        asio::cancellation_signal signal;
        auto cancelled = std::make_shared<result>();
        b.async_receive(asio::bind_cancellation_slot(signal.slot(), [cancelled](error_code ec,
                                                                                inbound) {
            cancelled->done = true;
            cancelled->ec = ec;
        }));
        ioc.poll();
        BOOST_TEST(!cancelled->done);
        signal.emit(type);
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return cancelled->done; }));
        BOOST_TEST((cancelled->ec == asio::error::operation_aborted));

        bool got = false;
        b.async_receive([&](error_code ec, inbound m) {
            BOOST_TEST(!ec);
            BOOST_TEST((m.bytes == bytes_of("after")));
            got = true;
        });
        send_packet(a, b.local_endpoint(), bytes_of("after"));
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return got; }));
    }
    BOOST_TEST(b.counters().packets_in == 3u);
    BOOST_TEST(b.counters().drops_queue_full == 0u);

    // Cancellation racing a message: whichever wins, the message is taken
    // exactly once, by the cancelled receive or by the next one.
    asio::cancellation_signal signal;
    std::vector<inbound> got;
    std::optional<error_code> first;
    b.async_receive(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, inbound m) {
        first = ec;
        if (!ec)
            got.push_back(std::move(m));
    }));
    ioc.poll();
    auto const sent = send_packet(a, b.local_endpoint(), bytes_of("race"));
    ioc.poll(); // the datagram may or may not be in by now
    signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return first.has_value() && sent->done; }));
    if (*first) {
        BOOST_TEST((*first == asio::error::operation_aborted));
        b.async_receive([&](error_code ec, inbound m) {
            BOOST_TEST(!ec);
            got.push_back(std::move(m));
        });
    }
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return got.size() == 1; }));
    BOOST_TEST((got[0].bytes == bytes_of("race")));
    BOOST_TEST(b.counters().packets_in == 4u);
}

BOOST_AUTO_TEST_CASE(cancelled_queued_frame_is_removed) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, v4());
    cohort::udp_tcp_transport b(ioc, v4());
    collector rb(b);
    auto const to = b.local_endpoint();

    asio::cancellation_signal signal;
    auto const r1 = send_frame(a, to, bytes_of("1"));
    auto const r2 = std::make_shared<result>();
    a.async_send_frame(to, bytes_of("2"), asio::bind_cancellation_slot(signal.slot(),
                                                                         recorder(r2)));
    auto const r3 = send_frame(a, to, bytes_of("3"));
    signal.emit(asio::cancellation_type::terminal); // still queued: the connect is pending
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return r1->done && r2->done && r3->done && rb.size() == 2;
    }));
    BOOST_TEST(!r1->ec);
    BOOST_TEST((r2->ec == asio::error::operation_aborted));
    BOOST_TEST(!r3->ec);
    BOOST_TEST((rb.messages()[0].bytes == bytes_of("1")));
    BOOST_TEST((rb.messages()[1].bytes == bytes_of("3")));
    BOOST_TEST(a.counters().frames_out == 2u);
}

BOOST_AUTO_TEST_CASE(close_completes_operations_in_flight) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, v4());
    cohort::udp_tcp_transport b(ioc, v4());
    auto const dead = dead_endpoint(ioc);

    // Put the peer at `dead` into its (1 s) backoff, so frames wait there.
    auto const refused = send_frame(a, dead, bytes_of("x"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return refused->done; }));
    BOOST_TEST((refused->ec == asio::error::connection_refused));

    auto received = std::make_shared<result>();
    a.async_receive([received](error_code ec, inbound) {
        received->done = true;
        received->ec = ec;
    });
    std::vector<result_ptr> frames;
    for (int i = 0; i < 3; ++i)
        frames.push_back(send_frame(a, dead, bytes_of("waiting")));
    ioc.poll();
    // A packet whose initiation has not reached the executor yet.
    auto const packet = send_packet(a, b.local_endpoint(), bytes_of("late"));
    BOOST_TEST(!received->done);
    BOOST_TEST(!frames[0]->done);

    a.close();
    a.close(); // idempotent
    BOOST_TEST(!a.is_open());
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return received->done && all_done(frames); }));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return packet->done; }));
    BOOST_TEST((received->ec == cohort::error::transport_closed));
    for (auto const& f : frames)
        BOOST_TEST((f->ec == cohort::error::transport_closed));
    BOOST_TEST((packet->ec == cohort::error::transport_closed));

    // Anything after close fails the same way.
    auto const after = send_frame(a, b.local_endpoint(), bytes_of("no"));
    auto const after_packet = send_packet(a, b.local_endpoint(), bytes_of("no"));
    bool receive_after = false;
    a.async_receive([&](error_code ec, inbound) {
        BOOST_TEST((ec == cohort::error::transport_closed));
        receive_after = true;
    });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return after->done && after_packet->done && receive_after;
    }));
    BOOST_TEST((after->ec == cohort::error::transport_closed));
    BOOST_TEST((after_packet->ec == cohort::error::transport_closed));
    BOOST_TEST(a.counters().drops_closed == 1u + 3u + 1u); // refused + 3 waiting + packet
}

BOOST_AUTO_TEST_CASE(destroying_the_transport_completes_operations_in_flight) {
    asio::io_context ioc;
    udp_tcp_config slow = v4();
    slow.receive_queue_limit = 1; // b takes one frame, then stops reading
    cohort::udp_tcp_transport b(ioc, slow);
    auto a = std::make_unique<cohort::udp_tcp_transport>(ioc, v4());
    auto received = std::make_shared<result>();
    a->async_receive([received](error_code ec, inbound) {
        received->done = true;
        received->ec = ec;
    });
    // 16 frames of 4 MiB: far more than the socket buffers hold, so some are
    // being written and some queued when a goes away.
    std::vector<result_ptr> frames;
    auto const big = pattern(a->max_frame_size(), 5);
    for (int i = 0; i < 16; ++i)
        frames.push_back(send_frame(*a, b.local_endpoint(), big));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return b.counters().frames_in == 1; }));
    BOOST_TEST(!received->done);
    a.reset();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return received->done && all_done(frames); }));
    BOOST_TEST((received->ec == cohort::error::transport_closed));
    auto const closed = std::count_if(frames.begin(), frames.end(), [](auto const& f) {
        return f->ec == cohort::error::transport_closed;
    });
    auto const written = std::count_if(frames.begin(), frames.end(),
                                       [](auto const& f) { return !f->ec; });
    BOOST_TEST(closed >= 1);
    BOOST_TEST(closed + written == 16);
    // Once drained, b has every frame a completed as written, sees the
    // connection end, and carries on. transport_closed means "delivery
    // unknown", not "not delivered": the one frame a was writing may have
    // reached the kernel whole before its completion ran, so b may hold one
    // more than a reported written, never more than that (one connection
    // writes one frame at a time).
    collector rb(b);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return b.counters().disconnects == 1 && rb.size() == b.counters().frames_in;
    }));
    BOOST_TEST(rb.size() >= static_cast<std::size_t>(written));
    BOOST_TEST(rb.size() <= static_cast<std::size_t>(written) + 1u);
    BOOST_TEST(b.counters().frames_in == rb.size());
    BOOST_TEST(b.is_open());
}

BOOST_AUTO_TEST_CASE(closing_from_completion_handlers_is_safe) {
    asio::io_context ioc;
    cohort::udp_tcp_transport b(ioc, v4());
    auto a = std::make_unique<cohort::udp_tcp_transport>(ioc, v4());
    auto const to = b.local_endpoint();

    // b closes itself from the handler of its third frame, while more frames
    // wait in the same read buffer.
    int received = 0;
    std::optional<error_code> b_end;
    std::function<void()> receive = [&] {
        b.async_receive([&](error_code ec, inbound) {
            if (ec) {
                b_end = ec;
                return;
            }
            if (++received == 3)
                b.close();
            receive();
        });
    };
    receive();
    std::vector<result_ptr> sends;
    for (unsigned i = 0; i < 50; ++i)
        sends.push_back(send_frame(*a, to, pattern(100, i)));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return all_done(sends) && b_end.has_value(); }));
    BOOST_TEST(received == 3);
    BOOST_TEST((*b_end == cohort::error::transport_closed));

    // a destroys itself from the completion of its fifth frame, with more
    // frames to a healthy peer written in the same batch or still queued.
    cohort::udp_tcp_transport c(ioc, v4());
    collector rc(c);
    std::vector<result_ptr> more;
    int completed = 0;
    for (unsigned i = 0; i < 50; ++i) {
        auto r = std::make_shared<result>();
        more.push_back(r);
        a->async_send_frame(c.local_endpoint(), pattern(100, i), [&, r](error_code ec) {
            recorder(r)(ec);
            if (++completed == 5)
                a.reset();
        });
    }
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return all_done(more); }));
    BOOST_TEST(!a);
    for (auto const& r : more) // written, or cut short by the destruction
        BOOST_TEST((!r->ec || r->ec == cohort::error::transport_closed));
    BOOST_TEST(std::count_if(more.begin(), more.end(), [](auto const& r) { return !r->ec; }) >=
               5);
}

BOOST_AUTO_TEST_CASE(write_timeout_disconnects_a_peer_that_stops_reading) {
    asio::io_context ioc;
    udp_tcp_config cfg = v4();
    cfg.write_timeout = 200ms;
    udp_tcp_config stuck = v4();
    stuck.receive_queue_limit = 1; // nobody receives: b stops reading after one frame
    cohort::udp_tcp_transport a(ioc, cfg);
    cohort::udp_tcp_transport b(ioc, stuck);

    auto const t0 = clock_type::now();
    std::vector<result_ptr> frames;
    auto const big = pattern(a.max_frame_size(), 3);
    for (int i = 0; i < 16; ++i) // 64 MiB: far beyond the socket buffers
        frames.push_back(send_frame(a, b.local_endpoint(), big));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return all_done(frames); }));
    auto const timed_out = std::count_if(frames.begin(), frames.end(), [](auto const& f) {
        return f->ec == cohort::error::write_timeout;
    });
    auto const written = std::count_if(frames.begin(), frames.end(),
                                       [](auto const& f) { return !f->ec; });
    BOOST_TEST(timed_out >= 1);
    BOOST_TEST(timed_out + written == 16);
    // The write in flight waited its full timeout before giving up.
    auto const last = std::max_element(frames.begin(), frames.end(), [](auto const& x,
                                                                         auto const& y) {
        return x->at < y->at;
    });
    BOOST_TEST(((*last)->at - t0 >= 200ms));
    BOOST_TEST(a.counters().disconnects == 1u);
    BOOST_TEST(a.counters().drops_closed == static_cast<std::uint64_t>(timed_out));
}

BOOST_AUTO_TEST_CASE(connect_timeout_when_the_listener_never_answers) {
    asio::io_context ioc;
    // A listener whose accept queue is full (backlog 0, one connection
    // waiting, nobody accepting) drops further SYNs: the connect neither
    // succeeds nor fails until the transport gives up.
    asio::ip::tcp::acceptor full(ioc, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(),
                                                              0));
    full.listen(0);
    auto const port = full.local_endpoint().port();
    asio::ip::tcp::socket filler(ioc);
    bool filled = false;
    filler.async_connect(full.local_endpoint(), [&](error_code ec) { filled = !ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return filled; }));

    udp_tcp_config cfg = v4();
    cfg.connect_timeout = 150ms;
    cohort::udp_tcp_transport a(ioc, cfg);
    auto const t0 = clock_type::now();
    auto const r = send_frame(a, endpoint(asio::ip::address_v4::loopback(), port), bytes_of("x"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return r->done; }));
    BOOST_TEST((r->ec == cohort::error::connect_timeout));
    BOOST_TEST((r->at - t0 >= 150ms));
    BOOST_TEST(a.counters().connect_failures == 1u);
}

BOOST_AUTO_TEST_CASE(advertise_address_differs_from_bind) {
    asio::io_context ioc;
    udp_tcp_config cfg = v4();
    endpoint const public_ep(asio::ip::make_address("127.0.0.2"), 4711);
    cfg.advertise = public_ep;
    cohort::udp_tcp_transport a(ioc, cfg);
    cohort::udp_tcp_transport b(ioc, v4());
    collector rb(b);
    BOOST_TEST(a.local_endpoint() == public_ep);
    BOOST_TEST(a.bound_endpoint() != public_ep);
    BOOST_TEST(a.bound_endpoint().address() == asio::ip::address(asio::ip::address_v4::loopback()));

    // Frames carry the advertised address in the hello; packets show the
    // UDP source, i.e. the bound address.
    send_frame(a, b.local_endpoint(), bytes_of("f"));
    send_packet(a, b.local_endpoint(), bytes_of("p"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return rb.size() == 2; }));
    for (auto const& m : rb.messages()) {
        if (m.kind == cohort::delivery::frame)
            BOOST_TEST(m.from == public_ep);
        else
            BOOST_TEST(m.from == a.bound_endpoint());
    }
}

BOOST_AUTO_TEST_CASE(completion_tokens) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, v4());
    cohort::udp_tcp_transport b(ioc, v4());
    auto const to = b.local_endpoint();

    // use_awaitable and as_tuple.
    bool coroutine_done = false;
    asio::co_spawn(ioc, exchange_with_awaitables(a, b, coroutine_done), asio::detached);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return coroutine_done; }));

    // deferred: the bytes are copied when the operation is created, not when
    // it is launched.
    auto buffer = bytes_of("original");
    auto op = a.async_send_frame(to, buffer, asio::deferred);
    std::fill(buffer.begin(), buffer.end(), std::byte{0});
    auto const r = std::make_shared<result>();
    std::move(op)(recorder(r));
    std::optional<inbound> got;
    b.async_receive([&](error_code, inbound m) { got = std::move(m); });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return r->done && got.has_value(); }));
    BOOST_TEST((got->bytes == bytes_of("original")));

    // use_future.
    auto sent = a.async_send_packet(to, bytes_of("fut"), asio::use_future);
    auto next = b.async_receive(asio::use_future);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return sent.wait_for(0s) == std::future_status::ready &&
               next.wait_for(0s) == std::future_status::ready;
    }));
    BOOST_CHECK_NO_THROW(sent.get());
    BOOST_TEST((next.get().bytes == bytes_of("fut")));
}

BOOST_AUTO_TEST_CASE(receive_raced_against_a_timer_with_awaitable_operators) {
    asio::io_context ioc;
    cohort::udp_tcp_transport a(ioc, v4());
    cohort::udp_tcp_transport b(ioc, v4());
    int timeouts = 0;
    bool done = false;
    asio::co_spawn(ioc, receive_or_timeout(a, b, timeouts, done), asio::detached);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done; }));
    BOOST_TEST(timeouts == 1);
}

using strand_transport =
    cohort::basic_udp_tcp_transport<asio::strand<asio::io_context::executor_type>>;

struct strand_receiver : std::enable_shared_from_this<strand_receiver> {
    strand_receiver(strand_transport& t, std::atomic<int>& c, std::atomic<bool>& ok)
        : transport(t), count(c), order_ok(ok) {}
    void start() {
        transport.async_receive([self = shared_from_this()](error_code ec, inbound m) {
            if (ec)
                return;
            if (m.kind == cohort::delivery::frame) {
                if (m.bytes != pattern(16, static_cast<unsigned>(self->count.load())))
                    self->order_ok = false;
                ++self->count;
            }
            self->start();
        });
    }
    strand_transport& transport;
    std::atomic<int>& count;
    std::atomic<bool>& order_ok;
};

BOOST_AUTO_TEST_CASE(strands_on_a_two_thread_io_context) {
    using strand = asio::strand<asio::io_context::executor_type>;
    using transport = strand_transport;
    asio::io_context ioc(2);
    auto work = asio::make_work_guard(ioc);
    strand sa = asio::make_strand(ioc);
    strand sb = asio::make_strand(ioc);
    std::optional<transport> a(std::in_place, sa, v4());
    std::optional<transport> b(std::in_place, sb, v4());
    auto const to_a = a->local_endpoint();
    auto const to_b = b->local_endpoint();

    constexpr int n = 200;
    std::atomic<int> frames_at_b{0}, frames_at_a{0}, sent_ok{0};
    std::atomic<bool> order_ok{true};
    // Each side receives in a loop on its strand and checks the frames' order.
    auto la = std::make_shared<strand_receiver>(*a, frames_at_a, order_ok);
    auto lb = std::make_shared<strand_receiver>(*b, frames_at_b, order_ok);
    asio::dispatch(sa, [la] { la->start(); });
    asio::dispatch(sb, [lb] { lb->start(); });

    std::thread t1([&] { ioc.run(); });
    std::thread t2([&] { ioc.run(); });
    // Initiations from this thread, concurrently with both strands running.
    for (int i = 0; i < n; ++i) {
        a->async_send_frame(to_b, pattern(16, i), [&](error_code ec) { sent_ok += !ec; });
        b->async_send_frame(to_a, pattern(16, i), [&](error_code ec) { sent_ok += !ec; });
        a->async_send_packet(to_b, pattern(8, i), [](error_code) {});
        b->async_send_packet(to_a, pattern(8, i), [](error_code) {});
    }
    auto const deadline = clock_type::now() + 20s;
    while ((frames_at_a < n || frames_at_b < n || sent_ok < 2 * n) &&
           clock_type::now() < deadline)
        std::this_thread::sleep_for(1ms); // polling a condition, bounded
    BOOST_TEST(frames_at_a.load() == n);
    BOOST_TEST(frames_at_b.load() == n);
    BOOST_TEST(sent_ok.load() == 2 * n);
    BOOST_TEST(order_ok.load());

    // close() on each transport's own strand, then stop.
    std::promise<void> closed_a, closed_b;
    asio::dispatch(sa, [&] { a->close(); closed_a.set_value(); });
    asio::dispatch(sb, [&] { b->close(); closed_b.set_value(); });
    closed_a.get_future().wait();
    closed_b.get_future().wait();
    work.reset();
    t1.join();
    t2.join();
    BOOST_TEST(a->counters().frames_out == static_cast<std::uint64_t>(n));
    a.reset();
    b.reset();
}

BOOST_AUTO_TEST_CASE(hello_round_trip) {
    for (auto const& ep : {endpoint(asio::ip::make_address("10.1.2.3"), 7946),
                           endpoint(asio::ip::make_address("2001:db8::1"), 65535)}) {
        auto const frame = cohort::detail::make_hello_frame(ep);
        std::span<std::byte const> payload(frame.data() + 4, frame.size() - 4);
        BOOST_TEST(cohort::detail::load_u32_be(frame.data()) == payload.size());
        auto const parsed = cohort::detail::parse_hello(payload);
        BOOST_TEST_REQUIRE(parsed.has_value());
        BOOST_TEST(parsed->from == ep);
        BOOST_TEST(parsed->two_way); // this build reads what comes back
    }
    // Version 1 (an opener that only writes) still parses, as one-way.
    auto const v4_hello = hello_v4(endpoint(asio::ip::address_v4::loopback(), 4242));
    auto const one_way = cohort::detail::parse_hello({v4_hello.data() + 4, v4_hello.size() - 4});
    BOOST_TEST_REQUIRE(one_way.has_value());
    BOOST_TEST(!one_way->two_way);
    auto made = cohort::detail::make_hello_frame(endpoint(asio::ip::address_v4::loopback(), 4242));
    BOOST_TEST((made[8] == std::byte{2}));
    made[8] = std::byte{1};
    BOOST_TEST((v4_hello == made)); // same layout, only the version differs
    auto broken = v4_hello;
    broken[8] = std::byte{3}; // version
    BOOST_TEST(!cohort::detail::parse_hello({broken.data() + 4, broken.size() - 4}));
    auto zero_port = v4_hello;
    zero_port[14] = zero_port[15] = std::byte{0};
    BOOST_TEST(!cohort::detail::parse_hello({zero_port.data() + 4, zero_port.size() - 4}));
}

BOOST_AUTO_TEST_SUITE_END()
