// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// What one received membership message costs a basic_node as its view grows:
// the node decodes it, checks label and stamp, hands it to the core, and
// publishes what changed for members() / counters() (issue 11 #9). Before,
// publish() copied and sorted the whole view after every input, so the cost
// grew with N; now it copies the view only when the core's view_version()
// moved, and otherwise updates the sender's last_heard and the monitored
// members' phi in place.
//
// Method: node A on a memory_network in manual time with zero latency; a raw
// memory_transport peer P sends it the same encoded `ack` packet (an unknown
// seq: the core only looks it up) once per iteration, and the benchmark
// thread delivers and runs it. The view: P's push-pull of N made-up members,
// merged before timing. Virtual time does not move, so no probe round or
// suspicion runs inside the timed loop.
//
// Baseline, in the same run: the same message to the same node with a view
// of 10 (BM_node_receive_small_view). BENCHMARKS.md reports N = 1,000 and
// 10,000 over it.

#include <cohort/node.hpp>
#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/memory_transport.hpp>
#include <cohort/wire/binary_codec.hpp>

#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using endpoint = asio::ip::udp::endpoint;

endpoint ep(std::string const& host) { return {asio::ip::make_address(host), 7946}; }

std::vector<std::byte> encode(cohort::envelope const& e) {
    std::vector<std::byte> out;
    cohort::binary_codec codec;
    if (codec.encode(e, out)) throw std::runtime_error("encode failed");
    return out;
}

struct fixture {
    asio::io_context ctx;
    cohort::memory_network net;
    cohort::memory_transport a_transport;
    cohort::memory_transport peer;
    std::optional<cohort::basic_node<cohort::memory_transport>> a;
    cohort::node_id peer_id = cohort::node_id::parse("peer@10.0.0.2:7946").value();

    static cohort::memory_network_config network() {
        cohort::memory_network_config c;
        c.time_source = cohort::memory_time_source::manual;
        c.faults.latency_min = std::chrono::nanoseconds(0);
        c.faults.latency_max = std::chrono::nanoseconds(0);
        return c;
    }

    explicit fixture(std::size_t members)
        : net(ctx, network()), a_transport(net, ep("10.0.0.1")), peer(net, ep("10.0.0.2")) {
        cohort::node_config cfg;
        cfg.id = cohort::node_id::parse("a@10.0.0.1:7946").value();
        cfg.membership = cohort::membership_config::lan();
        cfg.seed = 1;
        a.emplace(a_transport, cfg);
        std::optional<boost::system::error_code> started;
        a->async_start([&](boost::system::error_code ec) { started = ec; });
        pump();
        if (!started || *started) throw std::runtime_error("start failed");

        // The view: P's whole state, P and `members - 2` others (A is the last).
        cohort::push_pull state;
        state.members.push_back({peer_id, 1, cohort::node_state::active, {}});
        for (std::size_t i = 0; i + 2 < members; ++i) {
            auto const host = "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
            state.members.push_back({cohort::node_id::parse("m" + std::to_string(i) + "@" + host +
                                                            ":7946")
                                         .value(),
                                     1, cohort::node_state::active, {}});
        }
        send(encode(envelope_of(cohort::message(std::move(state)))), cohort::delivery::frame);
        pump();
        if (a->members().size() != members)
            throw std::runtime_error("view has " + std::to_string(a->members().size()) + " members");
    }

    cohort::envelope envelope_of(cohort::message body) const {
        cohort::envelope e;
        e.sender = peer_id;
        e.incarnation = 1;
        e.time = cohort::hlc_timestamp{cohort::system_wall_clock{}.now(), 0};
        e.body = std::move(body);
        return e;
    }

    void send(std::vector<std::byte> const& bytes, cohort::delivery how) {
        auto const done = [](boost::system::error_code, std::size_t = 0) {};
        if (how == cohort::delivery::frame)
            peer.async_send_frame(a_transport.local_endpoint(), bytes, done);
        else
            peer.async_send_packet(a_transport.local_endpoint(), bytes, done);
    }

    // Delivers what is due now and runs every handler that is ready.
    void pump() {
        ctx.poll();
        net.advance_to(net.now());
        ctx.poll();
    }
};

void receive(benchmark::State& state, std::size_t members) {
    fixture f(members);
    auto const packet = encode(f.envelope_of(cohort::message(cohort::ack{0xFFFFFFFFu})));
    auto const before = f.a->counters().messages_in[2];
    for (auto _ : state) {
        f.send(packet, cohort::delivery::packet);
        f.pump();
    }
    auto const handled = f.a->counters().messages_in[2] - before;
    if (handled != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("not every message reached the node");
    state.counters["members"] = static_cast<double>(members);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
void BM_node_receive(benchmark::State& state) {
    receive(state, static_cast<std::size_t>(state.range(0)));
}
void BM_node_receive_small_view(benchmark::State& state) { receive(state, 10); }
BENCHMARK(BM_node_receive)->Arg(1000)->Arg(10000);
BENCHMARK(BM_node_receive_small_view);

} // namespace
