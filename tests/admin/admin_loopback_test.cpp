// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// The standalone admin server on 127.0.0.1, in front of a real node, driven
// by raw Asio sockets: oversize headers get 431, a request body 413, garbage
// 400, bad paths 404; a slowloris client (one header byte per 500 ms) is cut
// off at read_timeout; keep-alive serves two requests and the connection
// limit closes the one too many. One thread; every wait is bounded.
#include <cohort/admin/admin_server.hpp>
#include <cohort/node.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct fixture {
    asio::io_context ctx;
    cohort::udp_tcp_transport transport{ctx};
    std::unique_ptr<cohort::node> node;
    std::unique_ptr<cohort::admin_server> server;

    explicit fixture(cohort::admin_config cfg = {}) {
        cohort::node_config nc;
        nc.id = cohort::node_id::from_parts("a0", "127.0.0.1", transport.local_endpoint().port())
                    .value();
        nc.membership = cohort::membership_config::local();
        node = std::make_unique<cohort::node>(transport, nc);
        std::optional<boost::system::error_code> started;
        node->async_start([&](boost::system::error_code ec) { started = ec; });
        BOOST_REQUIRE(run_until([&] { return started.has_value(); }, 5s));
        BOOST_REQUIRE(!*started);
        server = std::make_unique<cohort::admin_server>(*node, cfg);
        BOOST_REQUIRE(!server->start());
        BOOST_REQUIRE(server->local_endpoint().address().is_loopback());
        BOOST_REQUIRE(server->local_endpoint().port() != 0);
    }

    ~fixture() {
        server->close();
        bool stopped = false;
        node->async_stop(cohort::stop_mode::abrupt, [&](boost::system::error_code) { stopped = true; });
        run_until([&] { return stopped; }, 5s);
    }

    template <class Pred>
    bool run_until(Pred pred, clock_type::duration limit) {
        auto const end = clock_type::now() + limit;
        while (!pred()) {
            if (clock_type::now() >= end) return false;
            ctx.restart();
            ctx.run_for(5ms);
        }
        return true;
    }

    asio::ip::tcp::socket connect() {
        asio::ip::tcp::socket s(ctx);
        s.connect(server->local_endpoint());  // loopback: the backlog takes it at once
        return s;
    }

    void send(asio::ip::tcp::socket& s, std::string const& bytes) {
        asio::write(s, asio::buffer(bytes));  // small: fits the socket buffer
    }

    // One response from `s` (bytes past it stay in `buf`), within 5 s.
    std::optional<http::response<http::string_body>> read_response(
        asio::ip::tcp::socket& s, boost::beast::flat_buffer& buf) {
        http::response_parser<http::string_body> p;
        std::optional<boost::system::error_code> done;
        http::async_read(s, buf, p, [&](boost::system::error_code ec, std::size_t) { done = ec; });
        if (!run_until([&] { return done.has_value(); }, 5s)) {
            s.cancel();
            run_until([&] { return done.has_value(); }, 1s);
            return std::nullopt;
        }
        if (*done) return std::nullopt;
        return p.release();
    }

    // Whether the server closes `s` within `limit` (reads and drops what comes).
    bool closed_within(asio::ip::tcp::socket& s, clock_type::duration limit) {
        bool closed = false;
        auto sink = std::make_shared<std::array<char, 4096>>();
        std::function<void()> next = [&, sink] {
            s.async_read_some(asio::buffer(*sink), [&](boost::system::error_code ec, std::size_t) {
                if (ec) closed = true;
                else next();
            });
        };
        next();
        bool const ok = run_until([&] { return closed; }, limit);
        if (!ok) {
            s.cancel();
            run_until([&] { return closed; }, 1s);
        }
        return ok;
    }

    std::string metrics() {
        http::request<http::string_body> r{http::verb::get, "/metrics", 11};
        return server->handle(r).body();
    }
};

std::string const get_metrics = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

} // namespace

BOOST_AUTO_TEST_SUITE(admin_loopback)

BOOST_AUTO_TEST_CASE(metrics_over_the_socket) {
    fixture f;
    auto s = f.connect();
    f.send(s, get_metrics);
    boost::beast::flat_buffer buf;
    auto r = f.read_response(s, buf);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->result() == http::status::ok);
    BOOST_TEST((*r)[http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
    BOOST_TEST(r->body().find("\ncohort_members{state=\"active\"} 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(oversize_headers_get_431_and_the_connection_closes) {
    fixture f;
    auto s = f.connect();
    f.send(s, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16 * 1024, 'a') +
                  "\r\n\r\n");
    boost::beast::flat_buffer buf;
    auto r = f.read_response(s, buf);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->result() == http::status::request_header_fields_too_large);
    BOOST_TEST(!r->keep_alive());
    BOOST_TEST(f.closed_within(s, 5s));
}

BOOST_AUTO_TEST_CASE(a_get_body_gets_413_and_garbage_400) {
    fixture f;
    {
        auto s = f.connect();
        f.send(s, "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        boost::beast::flat_buffer buf;
        auto r = f.read_response(s, buf);
        BOOST_REQUIRE(r);
        BOOST_TEST(r->result() == http::status::payload_too_large);
        BOOST_TEST(f.closed_within(s, 5s));
    }
    {
        auto s = f.connect();
        f.send(s, "HELLO WORLD\r\n\r\n");
        boost::beast::flat_buffer buf;
        auto r = f.read_response(s, buf);
        BOOST_REQUIRE(r);
        BOOST_TEST(r->result() == http::status::bad_request);
        BOOST_TEST(f.closed_within(s, 5s));
    }
}

BOOST_AUTO_TEST_CASE(bad_paths_get_404_and_other_methods_405) {
    fixture f;
    auto s = f.connect();
    boost::beast::flat_buffer buf;
    for (std::string path : {"/nope", "/metrics/x", "/cluster/members/nobody", "/%2e%2e/etc"}) {
        f.send(s, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
        auto r = f.read_response(s, buf);
        BOOST_REQUIRE(r);
        BOOST_TEST_INFO(path);
        BOOST_TEST(r->result() == http::status::not_found);
    }
    f.send(s, "DELETE /cluster/members/a0 HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = f.read_response(s, buf);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->result() == http::status::method_not_allowed);
    BOOST_TEST((*r)[http::field::allow] == "GET, HEAD");
}

BOOST_AUTO_TEST_CASE(slowloris_is_closed_at_the_read_timeout) {
    cohort::admin_config cfg;
    cfg.read_timeout = 1500ms;
    fixture f(cfg);
    auto s = f.connect();
    std::string const request = get_metrics;  // 42 bytes: 21 s at this pace
    std::size_t sent = 0;
    bool closed = false;
    asio::steady_timer tick(f.ctx);
    std::function<void()> drip = [&] {
        if (closed || sent == request.size()) return;
        asio::write(s, asio::buffer(&request[sent], 1));
        ++sent;
        tick.expires_after(500ms);
        tick.async_wait([&](boost::system::error_code ec) {
            if (!ec) drip();
        });
    };
    std::array<char, 256> sink{};
    s.async_read_some(asio::buffer(sink), [&](boost::system::error_code ec, std::size_t) {
        closed = ec.failed();  // the server sends nothing; it only closes
    });
    auto const t0 = clock_type::now();
    drip();
    BOOST_TEST(f.run_until([&] { return closed; }, 6s));
    tick.cancel();
    BOOST_TEST((clock_type::now() - t0 < 5s));
    BOOST_TEST(sent < request.size());
    BOOST_TEST(f.metrics().find("\ncohort_admin_read_timeouts_total 1\n") != std::string::npos);
    if (!closed) {
        s.close();
        f.run_until([&] { return closed; }, 1s);
    }
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_two_requests_then_the_limit_closes) {
    cohort::admin_config cfg;
    cfg.max_requests_per_connection = 2;
    fixture f(cfg);
    auto s = f.connect();
    boost::beast::flat_buffer buf;
    f.send(s, get_metrics);
    auto first = f.read_response(s, buf);
    BOOST_REQUIRE(first);
    BOOST_TEST(first->result() == http::status::ok);
    BOOST_TEST(first->keep_alive());
    f.send(s, "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
    auto second = f.read_response(s, buf);
    BOOST_REQUIRE(second);
    BOOST_TEST(second->result() == http::status::ok);
    BOOST_TEST(!second->keep_alive());  // the second of at most two
    BOOST_TEST(f.closed_within(s, 5s));
}

BOOST_AUTO_TEST_CASE(connections_over_the_limit_are_closed) {
    cohort::admin_config cfg;
    cfg.max_connections = 2;
    fixture f(cfg);
    auto a = f.connect();
    auto b = f.connect();
    BOOST_REQUIRE(f.run_until(
        [&] { return f.metrics().find("\ncohort_admin_connections 2\n") != std::string::npos; },
        5s));
    auto c = f.connect();
    BOOST_TEST(f.closed_within(c, 5s));
    BOOST_TEST(f.metrics().find("\ncohort_admin_connections_refused_total 1\n") != std::string::npos);
    f.send(a, get_metrics);  // the two admitted still work
    boost::beast::flat_buffer buf;
    auto r = f.read_response(a, buf);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->result() == http::status::ok);
}

BOOST_AUTO_TEST_CASE(close_ends_every_connection) {
    fixture f;
    auto a = f.connect();
    BOOST_REQUIRE(f.run_until(
        [&] { return f.metrics().find("\ncohort_admin_connections 1\n") != std::string::npos; },
        5s));
    auto const where = f.server->local_endpoint();
    f.server->close();
    BOOST_TEST(f.closed_within(a, 5s));
    boost::system::error_code ec;
    asio::ip::tcp::socket late(f.ctx);
    late.connect(where, ec);
    BOOST_TEST(ec.failed());  // nothing listens any more
}

BOOST_AUTO_TEST_SUITE_END()
