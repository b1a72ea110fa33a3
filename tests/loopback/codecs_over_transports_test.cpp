// Both codecs over both transports: what one node encodes and sends, the other
// receives and decodes to the same envelope — a small gossip message as a
// packet, a 100-member state exchange as a frame — and a garbage packet
// reaches the decoder as a specific error, never as a crash.
#include <cohort/transport/memory_transport.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>
#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/json_codec.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

cohort::node_id id(std::string const& text) { return cohort::node_id::parse(text).value(); }

cohort::envelope envelope_with(cohort::message body) {
    cohort::envelope e;
    e.label = "prod-eu";
    e.sender = id("sender@[::1]:7946");
    e.incarnation = 0xFFFF'FFFF'FFFF'FFF0ULL;  // beyond 2^53: JSON must stay exact
    e.time = {0x1869'F7A0'4E3B'0000ULL, 7};
    e.body = std::move(body);
    return e;
}

cohort::envelope gossip() {
    return envelope_with(cohort::alive{
        id("chat-3@10.0.0.3:7946"), 42, {{"zone", "eu-west-1a"}, {"role", "chat"}}});
}

cohort::envelope state_exchange() {
    cohort::push_pull p;
    p.join = true;
    for (int i = 0; i < 100; ++i) {
        p.members.push_back({id("member-" + std::to_string(i) + "@10.1." +
                                std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) +
                                ":7946"),
                             static_cast<std::uint64_t>(i) * 3,
                             i % 7 == 0 ? cohort::node_state::unknown : cohort::node_state::active,
                             {{"zone", "z" + std::to_string(i % 3)}}});
    }
    return envelope_with(std::move(p));
}

struct outcome {
    std::optional<cohort::envelope> packet;
    std::optional<cohort::envelope> frame;
    std::optional<boost::system::error_code> garbage_error;
    int finished = 0;  // coroutines done
};

// Node a sends a gossip packet, a state-exchange frame and a garbage packet
// to node b, which decodes everything it receives.
template <class Codec, class Transport>
asio::awaitable<void> send_all(Codec const& codec, Transport& a,
                               typename Transport::endpoint_type to) {
    std::vector<std::byte> bytes;
    BOOST_REQUIRE(!codec.encode(gossip(), bytes));
    BOOST_REQUIRE_LE(bytes.size(), a.packet_budget());
    co_await a.async_send_packet(to, bytes, asio::use_awaitable);

    bytes.clear();
    BOOST_REQUIRE(!codec.encode(state_exchange(), bytes));
    BOOST_REQUIRE_GT(bytes.size(), a.packet_budget());  // too big for a packet: needs a frame
    co_await a.async_send_frame(to, bytes, asio::use_awaitable);

    std::vector<std::byte> const garbage{std::byte{0x7b}, std::byte{0xff}, std::byte{0x00}};
    co_await a.async_send_packet(to, garbage, asio::use_awaitable);
}

template <class Codec, class Transport>
asio::awaitable<void> receive_all(Codec const& codec, Transport& b, outcome& out) {
    for (int i = 0; i < 3; ++i) {
        auto in = co_await b.async_receive(asio::use_awaitable);
        auto decoded = codec.decode(in.bytes);
        if (in.kind == cohort::delivery::frame) {
            BOOST_REQUIRE(decoded.has_value());
            out.frame = *decoded;
        } else if (decoded.has_value()) {
            out.packet = *decoded;
        } else {
            out.garbage_error = decoded.error();
        }
    }
}

void rethrow(std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
}

// Runs the sender and the receiver; once both are done, closes the transports
// so that the io_context runs out of work and returns.
template <class Codec, class Transport>
void run_exchange(asio::io_context& ctx, Codec const& codec, Transport& a, Transport& b,
                  outcome& out) {
    auto done = [&a, &b, &out](std::exception_ptr e) {
        if (++out.finished == 2) {
            a.close();
            b.close();
        }
        rethrow(e);
    };
    asio::co_spawn(ctx, receive_all(codec, b, out), done);
    asio::co_spawn(ctx, send_all(codec, a, b.local_endpoint()), done);
}

void check(outcome const& out) {
    BOOST_REQUIRE(out.packet.has_value());
    BOOST_TEST((*out.packet == gossip()));
    BOOST_REQUIRE(out.frame.has_value());
    BOOST_TEST((*out.frame == state_exchange()));
    BOOST_REQUIRE(out.garbage_error.has_value());
    // Each decoder names what is wrong: no binary magic, or JSON cut short.
    BOOST_TEST((*out.garbage_error == cohort::error::bad_magic ||
                *out.garbage_error == cohort::error::malformed_json ||
                *out.garbage_error == cohort::error::message_truncated));
}

template <class Codec>
void over_memory_transport(Codec const& codec) {
    asio::io_context ctx;
    cohort::memory_network_config cfg;
    cfg.time_source = cohort::memory_time_source::manual;
    cfg.faults.latency_min = 1ms;
    cfg.faults.latency_max = 3ms;
    cohort::memory_network net(ctx, cfg);
    cohort::memory_transport a(net, {asio::ip::make_address("10.0.0.1"), 7946});
    cohort::memory_transport b(net, {asio::ip::make_address("10.0.0.2"), 7946});
    outcome out;
    run_exchange(ctx, codec, a, b, out);
    cohort::run_virtual_for(ctx, net, 1s);
    check(out);
}

template <class Codec>
void over_udp_tcp_transport(Codec const& codec, char const* loopback) {
    asio::io_context ctx;
    cohort::udp_tcp_config cfg;
    cfg.bind = {asio::ip::make_address(loopback), 0};
    cohort::udp_tcp_transport a(ctx, cfg);
    cohort::udp_tcp_transport b(ctx, cfg);
    outcome out;
    run_exchange(ctx, codec, a, b, out);
    ctx.run_for(10s);  // bounded; returns early once run_exchange closes both transports
    check(out);
}

} // namespace

BOOST_AUTO_TEST_SUITE(codecs_over_transports)

BOOST_AUTO_TEST_CASE(binary_codec_over_memory_transport) {
    over_memory_transport(cohort::binary_codec{});
}

BOOST_AUTO_TEST_CASE(json_codec_over_memory_transport) {
    over_memory_transport(cohort::json_codec{});
}

BOOST_AUTO_TEST_CASE(binary_codec_over_udp_tcp_ipv4) {
    over_udp_tcp_transport(cohort::binary_codec{}, "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(json_codec_over_udp_tcp_ipv4) {
    over_udp_tcp_transport(cohort::json_codec{}, "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(binary_codec_over_udp_tcp_ipv6) {
    over_udp_tcp_transport(cohort::binary_codec{}, "::1");
}

BOOST_AUTO_TEST_CASE(json_codec_over_udp_tcp_ipv6) {
    over_udp_tcp_transport(cohort::json_codec{}, "::1");
}

BOOST_AUTO_TEST_SUITE_END()
