// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// udp_tcp_transport against bare Asio sockets doing the same work, over
// loopback, in the same run. Target: at least 80% of the bare baseline's
// messages per second.
//
// Method, identical for baseline and transport: sender and receiver live in
// one process, on one io_context run by the benchmark thread. Each benchmark
// iteration runs until `batch` more messages have been *delivered*; items/s
// counts delivered messages only. The sender keeps at most `window` messages
// in flight:
//   UDP  sent and not yet delivered: the receiver paces the sender, since a
//        datagram socket has no back-pressure; 64 datagrams of 1 KiB stay well
//        under Linux's default 208 KiB receive buffer, so loopback loses
//        nothing. Should it lose datagrams anyway, 100 ms without a delivery
//        writes the in-flight ones off (counter "lost") and the run goes on:
//        losses lower the rate instead of stalling it.
//   TCP  sends not yet completed: the stream's flow control paces the sender,
//        as it would in an application; each completion sends the next frame.
//
// Baselines:
//   BM_udp_bare_asio_datagrams      async_send_to / async_receive_from, one
//                                   datagram per operation, no copies.
//   BM_tcp_bare_asio_frames         each frame its own async_write (header and
//                                   payload gathered), one write in flight,
//                                   the others queued; the receiver reads 64
//                                   KiB at a time and parses frames in place.
//   BM_tcp_bare_asio_frames_batched as above, but each write takes every
//                                   queued frame (one gather write): the
//                                   physical limit of this workload.
// BM_tcp_transport_frames_tls is the transport over TLS, to compare with the
// plain transport (not with a bare baseline).
// The transport also copies every message on send and on receive and parks
// a completion handler per operation (see udp_tcp_transport.hpp).

#include <cohort/transport/detail/framing.hpp>
#include <cohort/security/secure_channel.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>

#include "../tests/loopback/test_certificates.hpp" // in-memory test CA for the TLS case

#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using asio::ip::tcp;
using asio::ip::udp;

constexpr std::uint64_t window = 64;
constexpr std::uint64_t batch = 256;
constexpr auto silence = std::chrono::milliseconds(100);

udp::endpoint loopback() { return {asio::ip::address_v4::loopback(), 0}; }

// The flow control shared by every benchmark. set_sender() gives the action
// that sends one message; the receiver calls on_delivered() for each message
// it gets; the sender calls on_sent() when a send completed. The window counts messages in
// flight: for UDP, sent and not yet delivered (the receiver paces the
// sender: a datagram socket has no back-pressure); for TCP, sends not yet
// completed (the stream's own flow control paces the sender, as it would
// in an application).
class window_driver {
public:
    enum class pacing { receiver, sender };

    window_driver(asio::io_context& ioc, pacing p) : ioc_(ioc), pacing_(p), watchdog_(ioc) {}

    void set_sender(std::function<void()> send_one) { send_one_ = std::move(send_one); }

    void pump() {
        while (in_flight() < window) {
            ++sent_;
            send_one_();
        }
    }

    void on_delivered() {
        if (++delivered_ == target_)
            ioc_.stop();
    }

    void on_sent() { ++completed_; }

    // Runs the io_context until `batch` more messages were delivered.
    void run_batch() {
        target_ += batch;
        if (!watching_)
            watch();
        pump();
        ioc_.restart();
        ioc_.run();
    }

    void report(benchmark::State& state, std::size_t payload) const {
        state.SetItemsProcessed(static_cast<std::int64_t>(delivered_));
        state.SetBytesProcessed(static_cast<std::int64_t>(delivered_ * payload));
        state.counters["lost"] = static_cast<double>(lost_);
    }

private:
    std::uint64_t in_flight() const {
        std::uint64_t const done =
            pacing_ == pacing::receiver ? delivered_ + lost_ : completed_;
        return sent_ > done ? sent_ - done : 0;
    }

    // Every `silence`: if nothing was delivered since the last look, the
    // messages in flight are written off as lost and the window refilled.
    void watch() {
        watching_ = true;
        watchdog_.expires_after(silence);
        watchdog_.async_wait([this](error_code ec) {
            if (ec)
                return;
            if (delivered_ == seen_ && pacing_ == pacing::receiver && in_flight() > 0) {
                lost_ += in_flight();
                pump();
            }
            seen_ = delivered_;
            watch();
        });
    }

    asio::io_context& ioc_;
    pacing pacing_;
    asio::steady_timer watchdog_;
    std::function<void()> send_one_;
    bool watching_ = false;
    std::uint64_t sent_ = 0;
    std::uint64_t completed_ = 0;
    std::uint64_t delivered_ = 0;
    std::uint64_t lost_ = 0;
    std::uint64_t seen_ = 0;
    std::uint64_t target_ = 0;
};

// ---- UDP ---------------------------------------------------------------------------------

void BM_udp_bare_asio_datagrams(benchmark::State& state) {
    auto const size = static_cast<std::size_t>(state.range(0));
    asio::io_context ioc(1);
    udp::socket tx(ioc, loopback());
    udp::socket rx(ioc, loopback());
    auto const to = rx.local_endpoint();
    std::vector<std::byte> payload(size, std::byte{0x5a});
    std::vector<std::byte> buffer(65536);
    udp::endpoint from;
    window_driver driver(ioc, window_driver::pacing::receiver);

    driver.set_sender([&] {
        tx.async_send_to(asio::buffer(payload), to, [](error_code, std::size_t) {});
    });
    std::function<void()> receive = [&] {
        rx.async_receive_from(asio::buffer(buffer), from, [&](error_code ec, std::size_t n) {
            if (!ec) {
                benchmark::DoNotOptimize(n);
                driver.on_delivered();
                driver.pump();
            }
            receive();
        });
    };
    receive();
    for (auto _ : state)
        driver.run_batch();
    driver.report(state, size);
}
BENCHMARK(BM_udp_bare_asio_datagrams)->Arg(64)->Arg(1024)->UseRealTime();

void BM_udp_transport_datagrams(benchmark::State& state) {
    auto const size = static_cast<std::size_t>(state.range(0));
    asio::io_context ioc(1);
    cohort::udp_tcp_config cfg;
    cfg.bind = loopback();
    cohort::udp_tcp_transport a(ioc, cfg);
    cohort::udp_tcp_transport b(ioc, cfg);
    auto const to = b.local_endpoint();
    std::vector<std::byte> payload(size, std::byte{0x5a});
    window_driver driver(ioc, window_driver::pacing::receiver);

    driver.set_sender([&] { a.async_send_packet(to, payload, [](error_code) {}); });
    std::function<void()> receive = [&] {
        b.async_receive([&](error_code ec, cohort::udp_tcp_transport::inbound_type m) {
            if (ec)
                return;
            benchmark::DoNotOptimize(m.bytes.data());
            driver.on_delivered();
            driver.pump();
            receive();
        });
    };
    receive();
    for (auto _ : state)
        driver.run_batch();
    driver.report(state, size);
    a.close();
    b.close();
}
BENCHMARK(BM_udp_transport_datagrams)->Arg(64)->Arg(1024)->UseRealTime();

// ---- TCP ---------------------------------------------------------------------------------

// A connected pair of bare sockets.
struct tcp_pair {
    explicit tcp_pair(asio::io_context& ioc) : tx(ioc), rx(ioc) {
        tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        tx.connect(acceptor.local_endpoint());
        acceptor.accept(rx);
        tx.set_option(tcp::no_delay(true));
    }
    tcp::socket tx;
    tcp::socket rx;
};

// The receiving side of the bare baselines: 64 KiB reads, frames parsed in place.
class bare_frame_reader {
public:
    bare_frame_reader(tcp::socket& s, window_driver& d) : socket_(s), driver_(d) {}

    void start() {
        socket_.async_read_some(asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
                                [this](error_code ec, std::size_t n) {
                                    if (ec)
                                        return;
                                    end_ += n;
                                    parse();
                                    start();
                                });
    }

private:
    void parse() {
        std::size_t begin = 0;
        while (end_ - begin >= 4) {
            std::size_t const length = cohort::detail::load_u32_be(buffer_.data() + begin);
            if (end_ - begin < 4 + length)
                break;
            benchmark::DoNotOptimize(buffer_.data() + begin + 4);
            driver_.on_delivered();
            begin += 4 + length;
        }
        std::memmove(buffer_.data(), buffer_.data() + begin, end_ - begin);
        end_ -= begin;
    }

    tcp::socket& socket_;
    window_driver& driver_;
    std::vector<std::byte> buffer_ = std::vector<std::byte>(64 * 1024);
    std::size_t end_ = 0;
};

// The sending side of the bare baselines: a queue of frames and one write in
// flight, taking one frame (batched = false) or all waiting frames (true).
class bare_frame_writer {
public:
    bare_frame_writer(tcp::socket& s, window_driver& d, std::size_t size, bool batched)
        : socket_(s), driver_(d), batched_(batched), payload_(size, std::byte{0x5a}) {
        cohort::detail::store_u32_be(header_.data(), static_cast<std::uint32_t>(size));
    }

    void send_one() {
        ++waiting_;
        if (!writing_)
            write();
    }

private:
    void write() {
        std::size_t const n = batched_ ? waiting_ : 1;
        waiting_ -= n;
        buffers_.clear();
        for (std::size_t i = 0; i < n; ++i) {
            buffers_.push_back(asio::buffer(header_));
            buffers_.push_back(asio::buffer(payload_));
        }
        writing_ = true;
        asio::async_write(socket_, buffers_, [this, n](error_code ec, std::size_t) {
            writing_ = false;
            if (ec)
                return;
            for (std::size_t i = 0; i < n; ++i) // one completion per frame
                driver_.on_sent();
            driver_.pump();
            if (waiting_ > 0 && !writing_)
                write();
        });
    }

    tcp::socket& socket_;
    window_driver& driver_;
    bool batched_;
    std::vector<std::byte> payload_;
    std::array<std::byte, 4> header_{};
    std::vector<asio::const_buffer> buffers_;
    std::size_t waiting_ = 0;
    bool writing_ = false;
};

void bare_frames(benchmark::State& state, bool batched) {
    auto const size = static_cast<std::size_t>(state.range(0));
    asio::io_context ioc(1);
    tcp_pair pair(ioc);
    window_driver driver(ioc, window_driver::pacing::sender);
    bare_frame_writer writer(pair.tx, driver, size, batched);
    bare_frame_reader reader(pair.rx, driver);
    driver.set_sender([&] { writer.send_one(); });
    reader.start();
    for (auto _ : state)
        driver.run_batch();
    driver.report(state, size);
}

void BM_tcp_bare_asio_frames(benchmark::State& state) { bare_frames(state, false); }
BENCHMARK(BM_tcp_bare_asio_frames)->Arg(64)->Arg(1024)->UseRealTime();

void BM_tcp_bare_asio_frames_batched(benchmark::State& state) { bare_frames(state, true); }
BENCHMARK(BM_tcp_bare_asio_frames_batched)->Arg(64)->Arg(1024)->UseRealTime();

// `tls_a` and `tls_b` null: plain TCP.
void transport_frames(benchmark::State& state, std::shared_ptr<asio::ssl::context> tls_a = {},
                      std::shared_ptr<asio::ssl::context> tls_b = {}) {
    auto const size = static_cast<std::size_t>(state.range(0));
    asio::io_context ioc(1);
    cohort::udp_tcp_config cfg;
    cfg.bind = loopback();
    cfg.tls = std::move(tls_a);
    cohort::udp_tcp_transport a(ioc, cfg);
    cfg.tls = std::move(tls_b);
    cohort::udp_tcp_transport b(ioc, cfg);
    auto const to = b.local_endpoint();
    std::vector<std::byte> payload(size, std::byte{0x5a});
    window_driver driver(ioc, window_driver::pacing::sender);

    driver.set_sender([&] {
        a.async_send_frame(to, payload, [&](error_code ec) {
            if (ec)
                return;
            driver.on_sent();
            driver.pump();
        });
    });
    std::function<void()> receive = [&] {
        b.async_receive([&](error_code ec, cohort::udp_tcp_transport::inbound_type m) {
            if (ec)
                return;
            benchmark::DoNotOptimize(m.bytes.data());
            driver.on_delivered();
            receive();
        });
    };
    receive();
    for (auto _ : state)
        driver.run_batch();
    driver.report(state, size);
    a.close();
    b.close();
}

void BM_tcp_transport_frames(benchmark::State& state) { transport_frames(state); }
BENCHMARK(BM_tcp_transport_frames)->Arg(64)->Arg(1024)->UseRealTime();

// The same over TLS (udp_tcp_config::tls, make_cluster_tls_context with EC
// P-256 certificates of one test CA; TLS 1.3 with OpenSSL's first suite,
// AES-256-GCM): one handshake, amortised over the run, so this is the record
// layer's cost beside BM_tcp_transport_frames.
void BM_tcp_transport_frames_tls(benchmark::State& state) {
    static cohort_test::test_ca ca("bench CA");
    transport_frames(state, cohort_test::context_of(ca.issue("a")),
                     cohort_test::context_of(ca.issue("b")));
}
BENCHMARK(BM_tcp_transport_frames_tls)->Arg(64)->Arg(1024)->UseRealTime();

// ---- sealed (issue 12: >= 80% of the plain transport) ------------------------------------
// The same workloads with every message sealed by the sender's secure_channel
// (AES-256-GCM) before the send and opened by the receiver's after it.

cohort::security_config sealed_config() {
    cohort::security_config cfg;
    cfg.keyring = std::make_shared<cohort::keyring>();
    (void)cfg.keyring->install(std::vector<std::byte>(32, std::byte{0x33}));
    return cfg;
}

void BM_udp_transport_datagrams_sealed(benchmark::State& state) {
    auto const size = static_cast<std::size_t>(state.range(0));
    asio::io_context ioc(1);
    cohort::udp_tcp_config cfg;
    cfg.bind = loopback();
    cohort::udp_tcp_transport a(ioc, cfg);
    cohort::udp_tcp_transport b(ioc, cfg);
    auto const to = b.local_endpoint();
    auto const security = sealed_config();
    cohort::secure_channel sealer(security), opener(security);
    std::vector<std::byte> payload(size, std::byte{0x5a});
    std::vector<std::byte> sealed;
    window_driver driver(ioc, window_driver::pacing::receiver);

    driver.set_sender([&] {
        sealed.clear();
        (void)sealer.seal(payload, sealed);
        a.async_send_packet(to, sealed, [](error_code) {});
    });
    std::function<void()> receive = [&] {
        b.async_receive([&](error_code ec, cohort::udp_tcp_transport::inbound_type m) {
            if (ec)
                return;
            auto opened = opener.open(m.bytes);
            if (!opened) state.SkipWithError("open failed");
            benchmark::DoNotOptimize(opened->plaintext.data());
            driver.on_delivered();
            driver.pump();
            receive();
        });
    };
    receive();
    for (auto _ : state)
        driver.run_batch();
    driver.report(state, size);
    a.close();
    b.close();
}
BENCHMARK(BM_udp_transport_datagrams_sealed)->Arg(64)->Arg(1024)->UseRealTime();

void BM_tcp_transport_frames_sealed(benchmark::State& state) {
    auto const size = static_cast<std::size_t>(state.range(0));
    asio::io_context ioc(1);
    cohort::udp_tcp_config cfg;
    cfg.bind = loopback();
    cohort::udp_tcp_transport a(ioc, cfg);
    cohort::udp_tcp_transport b(ioc, cfg);
    auto const to = b.local_endpoint();
    auto const security = sealed_config();
    cohort::secure_channel sealer(security), opener(security);
    std::vector<std::byte> payload(size, std::byte{0x5a});
    std::vector<std::byte> sealed;
    window_driver driver(ioc, window_driver::pacing::sender);

    driver.set_sender([&] {
        sealed.clear();
        (void)sealer.seal(payload, sealed);
        a.async_send_frame(to, sealed, [&](error_code ec) {
            if (ec)
                return;
            driver.on_sent();
            driver.pump();
        });
    });
    std::function<void()> receive = [&] {
        b.async_receive([&](error_code ec, cohort::udp_tcp_transport::inbound_type m) {
            if (ec)
                return;
            auto opened = opener.open(m.bytes);
            if (!opened) state.SkipWithError("open failed");
            benchmark::DoNotOptimize(opened->plaintext.data());
            driver.on_delivered();
            receive();
        });
    };
    receive();
    for (auto _ : state)
        driver.run_batch();
    driver.report(state, size);
    a.close();
    b.close();
}
BENCHMARK(BM_tcp_transport_frames_sealed)->Arg(64)->Arg(1024)->UseRealTime();

} // namespace
