// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ADMIN_DETAIL_ADMIN_CONNECTION_HPP
#define COHORT_ADMIN_DETAIL_ADMIN_CONNECTION_HPP

// One client of the standalone admin server: an async chain on the node's
// executor (read a request, answer it, again while keep-alive allows), every
// step bounded by admin_config. `State` (admin_server.hpp's admin_state)
// gives the config, handle() and the bookkeeping.

#include <cohort/admin/admin_config.hpp>

#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

namespace cohort::detail {

template <class State>
class admin_connection : public std::enable_shared_from_this<admin_connection<State>> {
public:
    using executor_type = typename State::executor_type;
    using socket_type = boost::asio::basic_stream_socket<boost::asio::ip::tcp, executor_type>;
    using stream_type = boost::beast::basic_stream<boost::asio::ip::tcp, executor_type>;
    using request = boost::beast::http::request<boost::beast::http::string_body>;
    using response = boost::beast::http::response<boost::beast::http::string_body>;

    admin_connection(std::shared_ptr<State> state, socket_type socket)
        : state_(std::move(state)), stream_(std::move(socket)),
          buffer_(state_->config().header_limit + state_->config().body_limit + 1024) {
        state_->connections.insert(this);
        state_->open.fetch_add(1, std::memory_order_relaxed);
    }
    ~admin_connection() {
        state_->connections.erase(this);
        state_->open.fetch_sub(1, std::memory_order_relaxed);
    }

    void start() { read_request(); }

    /// Ends the connection now (the server closes); pending operations abort.
    void close() {
        boost::system::error_code ignored;
        stream_.socket().shutdown(socket_type::shutdown_both, ignored);
        stream_.close();
    }

private:
    void read_request() {
        auto const& cfg = state_->config();
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(
            std::min<std::size_t>(cfg.header_limit, 0xffffffffu)));
        parser_->body_limit(cfg.body_limit);
        // One absolute deadline for the whole request, however it trickles in.
        stream_.expires_after(cfg.read_timeout);
        boost::beast::http::async_read(
            stream_, buffer_, *parser_,
            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                self->on_read(ec);
            });
    }

    void on_read(boost::system::error_code ec) {
        namespace http = boost::beast::http;
        if (ec == http::error::end_of_stream) return close();  // the client is done
        if (ec == boost::beast::error::timeout) {
            state_->note_read_timeout();
            return;  // basic_stream closed the socket
        }
        if (ec == http::error::header_limit)
            return refuse(http::status::request_header_fields_too_large,
                          "request head over the header limit\n");
        if (ec == http::error::body_limit)
            return refuse(http::status::payload_too_large, "request bodies are refused\n");
        if (ec && ec.category() == http::make_error_code(http::error::bad_target).category())
            return refuse(http::status::bad_request, "malformed request\n");
        if (ec) return close();  // reset, aborted by close(), ...

        request const& req = parser_->get();
        bool const keep = req.keep_alive() &&
                          ++served_ < state_->config().max_requests_per_connection;
        response res = state_->handle(req);
        res.keep_alive(keep);
        write(std::move(res), keep);
    }

    // Answers an unparseable request, then closes without resetting it.
    void refuse(boost::beast::http::status status, char const* text) {
        namespace http = boost::beast::http;
        response res{status, 11};
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = text;
        res.keep_alive(false);
        res.prepare_payload();
        state_->note_status(res.result_int());
        write(std::move(res), false);
    }

    void write(response res, bool keep) {
        res_ = std::move(res);
        stream_.expires_after(state_->config().write_timeout);
        boost::beast::http::async_write(
            stream_, *res_,
            [self = this->shared_from_this(), keep](boost::system::error_code ec, std::size_t) {
                self->res_.reset();
                if (ec) return self->close();
                if (keep) return self->read_request();
                self->linger();
            });
    }

    // Half-closes, then discards what the client still sends until it closes
    // (bounded in time and bytes): closing with unread bytes would reset the
    // connection and could destroy the answer before the client read it.
    void linger() {
        boost::system::error_code ignored;
        stream_.socket().shutdown(socket_type::shutdown_send, ignored);
        stream_.expires_after(std::min<std::chrono::milliseconds>(state_->config().read_timeout,
                                                                  std::chrono::seconds(2)));
        drain();
    }

    void drain() {
        stream_.async_read_some(
            boost::asio::buffer(sink_),
            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                self->drained_ += n;
                if (ec || self->drained_ > 64 * 1024) return self->close();
                self->drain();
            });
    }

    std::shared_ptr<State> state_;
    stream_type stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::optional<response> res_;
    std::size_t served_ = 0;
    std::size_t drained_ = 0;
    std::array<char, 4096> sink_{};
};

} // namespace cohort::detail

#endif // COHORT_ADMIN_DETAIL_ADMIN_CONNECTION_HPP
