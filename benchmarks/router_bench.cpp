// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// Forwarded router calls between two nodes over udp_tcp_transport on
// 127.0.0.1, against a bare Asio TCP request/response pair doing the same
// work, in the same run. Target: at least 70% of the bare pair's calls per
// second.
//
// Method, identical for both: caller and server live in one process, on one
// io_context run by the benchmark thread. Each iteration completes `batch`
// calls of `payload` bytes answered by `payload` bytes, keeping `concurrency`
// calls outstanding (1: pure round trips; 32: pipelined). Counters: items/s
// (calls), p50_us and p99_us (latency of each call, from initiation to
// completion, over the whole run).
//
// The router path: async_call -> route_request (key, topic, fingerprint) in
// an envelope (label, sender, incarnation, HLC time) -> binary codec -> frame
// on the caller's connection to the owner; the owner decodes, checks label,
// clock and ownership, runs the handler, and answers with a route_reply on
// its own connection back (udp_tcp_transport's connections are one-way).
//
// Baselines, both on one TCP connection where the client writes 4-byte
// length-prefixed requests and the server echoes each as a response frame:
//   BM_router_bare_asio_per_message       the textbook Asio pair: one
//                                         async_write per frame (queued), two
//                                         async_reads per frame (header, body).
//   BM_router_bare_asio_request_response  both sides gather every queued frame
//                                         into one write and read 64 KiB at a
//                                         time, parsing frames in place: no
//                                         copies, no allocations per call. The
//                                         physical limit of this workload on
//                                         one thread.
// Neither encodes, routes, checks or times anything out.

#include <cohort/node.hpp>
#include <cohort/routing/router.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>

#include <benchmark/benchmark.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t batch = 256;
constexpr std::size_t payload_size = 128;

// Latencies of every call of a run, for percentiles.
struct latencies {
    std::vector<double> us;
    void add(clock_type::time_point start) {
        us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - start).count());
    }
    void report(benchmark::State& state, std::size_t calls) {
        state.SetItemsProcessed(static_cast<std::int64_t>(calls));
        if (us.empty()) return;
        std::sort(us.begin(), us.end());
        state.counters["p50_us"] = us[us.size() / 2];
        state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
    }
};

// ---- baseline: bare Asio request/response ----------------------------------------------------

// One direction of a framed stream: gathers every queued frame into one write.
class frame_writer {
public:
    explicit frame_writer(tcp::socket& s) : socket_(s) {}

    void send(std::byte const* data, std::size_t n) {
        auto& out = writing_ ? next_ : current_;
        std::uint32_t const len = static_cast<std::uint32_t>(n);
        std::array<std::byte, 4> header{std::byte(len >> 24), std::byte(len >> 16),
                                        std::byte(len >> 8), std::byte(len)};
        out.insert(out.end(), header.begin(), header.end());
        out.insert(out.end(), data, data + n);
        if (!writing_) flush();
    }

private:
    void flush() {
        writing_ = true;
        asio::async_write(socket_, asio::buffer(current_), [this](error_code ec, std::size_t) {
            if (ec) return;
            current_.clear();
            writing_ = false;
            if (!next_.empty()) {
                current_.swap(next_);
                flush();
            }
        });
    }

    tcp::socket& socket_;
    std::vector<std::byte> current_;
    std::vector<std::byte> next_;
    bool writing_ = false;
};

// Reads frames in place from 64 KiB reads; calls on_frame(data, n) for each.
template <class OnFrame>
class frame_reader {
public:
    frame_reader(tcp::socket& s, OnFrame f) : socket_(s), on_frame_(std::move(f)) {}

    void start() {
        socket_.async_read_some(asio::buffer(buffer_.data() + used_, buffer_.size() - used_),
                                [this](error_code ec, std::size_t n) {
                                    if (ec) return;
                                    used_ += n;
                                    parse();
                                    start();
                                });
    }

private:
    void parse() {
        std::size_t at = 0;
        while (used_ - at >= 4) {
            auto const* p = buffer_.data() + at;
            std::size_t const len = (std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) |
                                    (std::size_t(p[2]) << 8) | std::size_t(p[3]);
            if (used_ - at < 4 + len) break;
            on_frame_(reinterpret_cast<std::byte const*>(p + 4), len);
            at += 4 + len;
        }
        std::memmove(buffer_.data(), buffer_.data() + at, used_ - at);
        used_ -= at;
    }

    tcp::socket& socket_;
    OnFrame on_frame_;
    std::array<unsigned char, 65536> buffer_{};
    std::size_t used_ = 0;
};

void BM_router_bare_asio_request_response(benchmark::State& state) {
    auto const concurrency = static_cast<std::size_t>(state.range(0));
    asio::io_context ioc(1);
    tcp::acceptor acceptor(ioc, {asio::ip::address_v4::loopback(), 0});
    tcp::socket client(ioc);
    tcp::socket server(ioc);
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    client.set_option(tcp::no_delay(true));
    server.set_option(tcp::no_delay(true));

    std::vector<std::byte> request(payload_size, std::byte{0x5a});
    frame_writer to_server(client);
    frame_writer to_client(server);
    auto echo = [&](std::byte const* data, std::size_t n) { to_client.send(data, n); };
    frame_reader server_reader(server, echo);

    latencies lat;
    std::deque<clock_type::time_point> started;  // FIFO on one connection
    std::size_t done = 0;
    std::size_t target = 0;
    std::size_t issued = 0;
    auto issue = [&] {
        while (issued < target && started.size() < concurrency) {
            ++issued;
            started.push_back(clock_type::now());
            to_server.send(request.data(), request.size());
        }
    };
    auto on_response = [&](std::byte const* data, std::size_t n) {
        benchmark::DoNotOptimize(data);
        if (n != payload_size) throw std::runtime_error("bad response");
        lat.add(started.front());
        started.pop_front();
        if (++done == target) ioc.stop();
        issue();
    };
    frame_reader client_reader(client, on_response);
    server_reader.start();
    client_reader.start();

    for (auto _ : state) {
        target += batch;
        issue();
        ioc.restart();
        ioc.run();
    }
    lat.report(state, done);
}
BENCHMARK(BM_router_bare_asio_request_response)->Arg(1)->Arg(32)->UseRealTime();

// The textbook Asio pair: every frame its own async_write (one in flight,
// the rest queued), every frame read with two async_reads (header, body).
class message_stream {
public:
    explicit message_stream(tcp::socket& s) : socket_(s) {}

    template <class OnFrame>
    void read(OnFrame on_frame) {
        asio::async_read(socket_, asio::buffer(header_), [this, on_frame](error_code ec, std::size_t) {
            if (ec) return;
            std::size_t const len = (std::size_t(header_[0]) << 24) | (std::size_t(header_[1]) << 16) |
                                    (std::size_t(header_[2]) << 8) | std::size_t(header_[3]);
            body_.resize(len);
            asio::async_read(socket_, asio::buffer(body_), [this, on_frame](error_code ec2, std::size_t) {
                if (ec2) return;
                on_frame(body_.data(), body_.size());
                read(on_frame);
            });
        });
    }

    void send(std::byte const* data, std::size_t n) {
        std::vector<std::byte> frame(4 + n);
        frame[0] = std::byte(n >> 24);
        frame[1] = std::byte(n >> 16);
        frame[2] = std::byte(n >> 8);
        frame[3] = std::byte(n);
        std::memcpy(frame.data() + 4, data, n);
        queue_.push_back(std::move(frame));
        if (queue_.size() == 1) write();
    }

private:
    void write() {
        asio::async_write(socket_, asio::buffer(queue_.front()), [this](error_code ec, std::size_t) {
            if (ec) return;
            queue_.pop_front();
            if (!queue_.empty()) write();
        });
    }

    tcp::socket& socket_;
    std::array<unsigned char, 4> header_{};
    std::vector<std::byte> body_;
    std::deque<std::vector<std::byte>> queue_;
};

void BM_router_bare_asio_per_message(benchmark::State& state) {
    auto const concurrency = static_cast<std::size_t>(state.range(0));
    asio::io_context ioc(1);
    tcp::acceptor acceptor(ioc, {asio::ip::address_v4::loopback(), 0});
    tcp::socket client(ioc);
    tcp::socket server(ioc);
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    client.set_option(tcp::no_delay(true));
    server.set_option(tcp::no_delay(true));
    message_stream client_side(client);
    message_stream server_side(server);
    std::vector<std::byte> request(payload_size, std::byte{0x5a});

    latencies lat;
    std::deque<clock_type::time_point> started;
    std::size_t done = 0;
    std::size_t target = 0;
    std::size_t issued = 0;
    auto issue = [&] {
        while (issued < target && started.size() < concurrency) {
            ++issued;
            started.push_back(clock_type::now());
            client_side.send(request.data(), request.size());
        }
    };
    server_side.read([&](std::byte const* data, std::size_t n) { server_side.send(data, n); });
    client_side.read([&](std::byte const* data, std::size_t n) {
        benchmark::DoNotOptimize(data);
        if (n != payload_size) throw std::runtime_error("bad response");
        lat.add(started.front());
        started.pop_front();
        if (++done == target) ioc.stop();
        issue();
    });
    for (auto _ : state) {
        target += batch;
        issue();
        ioc.restart();
        ioc.run();
    }
    lat.report(state, done);
}
BENCHMARK(BM_router_bare_asio_per_message)->Arg(1)->Arg(32)->UseRealTime();

// ---- the router ------------------------------------------------------------------------------

struct two_nodes {
    asio::io_context ioc{1};
    std::vector<std::unique_ptr<cohort::udp_tcp_transport>> transports;
    std::vector<std::unique_ptr<cohort::node>> nodes;
    std::vector<std::unique_ptr<cohort::router>> routers;
    std::vector<std::string> remote_keys;  // keys node 1 owns

    explicit two_nodes(bool with_routers = true) {
        cohort::udp_tcp_config tcfg;
        tcfg.bind = {asio::ip::address_v4::loopback(), 0};
        for (int i = 0; i < 2; ++i) {
            transports.push_back(std::make_unique<cohort::udp_tcp_transport>(ioc, tcfg));
            cohort::node_config cfg;
            cfg.id = cohort::node_id::from_parts("b" + std::to_string(i), "127.0.0.1",
                                                 transports.back()->local_endpoint().port())
                         .value();
            cfg.membership = cohort::membership_config::local();
            nodes.push_back(std::make_unique<cohort::node>(*transports.back(), cfg));
            cohort::router_config rc;
            rc.call_timeout = std::chrono::seconds(30);
            routers.push_back(std::make_unique<cohort::router>(*nodes.back(), rc));
        }
        if (!with_routers) {
            // Agree first (the routers say when), then take the hooks back.
            join_and_agree();
            routers.clear();
            return;
        }
        routers[1]->handle("echo", [](cohort::route_context const&,
                                      std::span<std::byte const> p) {
            return cohort::route_result(std::vector<std::byte>(p.begin(), p.end()));
        });
        join_and_agree();
        for (int k = 0; remote_keys.size() < 64; ++k) {
            auto key = "key-" + std::to_string(k);
            if (routers[0]->owner(key) == nodes[1]->local_id()) remote_keys.push_back(key);
        }
    }

    void join_and_agree() {
        for (auto& n : nodes) n->async_start([](error_code) {});
        nodes[1]->async_join({cohort::peer_address::of(nodes[0]->local_id())}, [](error_code) {});
        auto const agreed = [&] {
            return routers[0]->ownership()->size() == 2 && routers[1]->ownership()->size() == 2 &&
                   routers[0]->fingerprint() == routers[1]->fingerprint();
        };
        for (int i = 0; i < 200 && !agreed(); ++i) ioc.run_for(std::chrono::milliseconds(50));
        if (!agreed()) throw std::runtime_error("the two nodes did not agree");
    }

    ~two_nodes() {
        routers.clear();
        for (auto& n : nodes) n->async_stop(cohort::stop_mode::abrupt, [](error_code) {});
        ioc.restart();
        ioc.run_for(std::chrono::milliseconds(50));
        for (auto& t : transports) t->close();
        ioc.restart();
        ioc.run_for(std::chrono::milliseconds(20));
    }
};

void BM_router_forwarded_call(benchmark::State& state) {
    auto const concurrency = static_cast<std::size_t>(state.range(0));
    two_nodes c;
    auto& router = *c.routers[0];
    std::vector<std::byte> request(payload_size, std::byte{0x5a});
    latencies lat;
    std::size_t done = 0;
    std::size_t target = 0;
    std::size_t issued = 0;
    std::size_t outstanding = 0;
    std::size_t errors = 0;
    std::function<void()> issue = [&] {
        while (issued < target && outstanding < concurrency) {
            auto const& key = c.remote_keys[issued % c.remote_keys.size()];
            ++issued;
            ++outstanding;
            router.async_call(key, "echo", request,
                              [&, start = clock_type::now()](error_code ec,
                                                             std::vector<std::byte> reply) {
                                  if (ec || reply.size() != payload_size) ++errors;
                                  lat.add(start);
                                  --outstanding;
                                  if (++done == target) c.ioc.stop();
                                  issue();
                              });
        }
    };
    for (auto _ : state) {
        target += batch;
        issue();
        c.ioc.restart();
        c.ioc.run();
    }
    lat.report(state, done);
    state.counters["errors"] = static_cast<double>(errors);
    if (router.counters().calls_local != 0) state.SkipWithError("a call ran locally");
}
BENCHMARK(BM_router_forwarded_call)->Arg(1)->Arg(32)->UseRealTime();

// A decomposition, not a target: the node's application hooks alone (a
// user_message echoed by node 1's application handler), without the router's
// bookkeeping, one message outstanding. The router's own cost is the
// difference from BM_router_forwarded_call/1.
void BM_router_node_round_trip(benchmark::State& state) {
    two_nodes c(false);
    std::vector<std::byte> request(payload_size, std::byte{0x5a});
    auto const to0 = c.nodes[0]->local_id();
    auto const to1 = c.nodes[1]->local_id();
    auto& n1 = *c.nodes[1];
    auto echo = n1.subscribe_application([&](cohort::envelope& e) {
        n1.async_send_application(to0, std::move(e.body), [](error_code) {});
    });
    latencies lat;
    std::size_t done = 0;
    std::size_t target = 0;
    clock_type::time_point start;
    auto send = [&] {
        start = clock_type::now();
        c.nodes[0]->async_send_application(to1, cohort::message(cohort::user_message{"echo", request}),
                                           [](error_code) {});
    };
    auto replies = c.nodes[0]->subscribe_application([&](cohort::envelope&) {
        lat.add(start);
        if (++done == target) return c.ioc.stop();
        send();
    });
    for (auto _ : state) {
        target += batch;
        send();
        c.ioc.restart();
        c.ioc.run();
    }
    lat.report(state, done);
}
BENCHMARK(BM_router_node_round_trip)->UseRealTime();

} // namespace
