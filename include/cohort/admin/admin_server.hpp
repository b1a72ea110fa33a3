// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ADMIN_ADMIN_SERVER_HPP
#define COHORT_ADMIN_ADMIN_SERVER_HPP

// basic_admin_server: a node's operator surface over HTTP/1.1 (Boost.Beast),
// read-only. Two ways to use it:
//
//   mounted     handle(request) -> response, for a server that already runs
//               Beast: route the paths below to it. Pure request handling:
//               it reads the node (thread-safe queries) and builds the answer.
//   standalone  start() listens on admin_config::listen (127.0.0.1, any free
//               port by default) and serves each connection as an async chain
//               on the node's executor; close() ends it.
//
// Routes (GET or HEAD; another method on a known path is 405 with
// "Allow: GET, HEAD"; an unknown path is 404; a request with a body is 413):
//
//   /metrics                 Prometheus text 0.0.4 (admin/node_metrics.hpp's
//                            families, then the admin server's own, below);
//                            Content-Type: text/plain; version=0.0.4; charset=utf-8
//   /livez                   200 while the node runs (starting, running or
//                            stopping), else 503
//   /readyz                  200 once joined: status running, this node
//                            active in its own view, not on a minority side
//                            (admin_config::ready_requires_majority), and
//                            the application's own check (set_ready_check)
//                            passes; else 503.
//                            A node started without a join is a cluster of
//                            one, active at once: an application that joins
//                            seeds says "not yet" through set_ready_check
//   /cluster/members         admin/cluster_members.hpp's document (503
//                            before the node has a view)
//   /cluster/members/{name}  one member's object (`name`, or the whole id
//                            "name@host:port"); 404 if not in the view
//
// /livez and /readyz answer application/json:
//   {"live"|"ready": bool, "status": node_status, "state": node_state | null,
//    "reason": text}                                  reason only when false
//
// The admin server's own families in /metrics:
//
//   cohort_admin_requests_total{code}         C  answers by status code (200, 400, 404,
//                                                405, 413, 431, 503)
//   cohort_admin_request_duration_seconds     H  time handle() took to build an answer
//   cohort_admin_connections                  G  connections open now (standalone)
//   cohort_admin_connections_refused_total    C  connections closed over max_connections
//   cohort_admin_read_timeouts_total          C  connections cut off at read_timeout
//
// Hostile clients. Every bound is an admin_config field: the request head
// (431), the body (413), the time to send one whole request (then the
// connection is closed: slowloris), the time to take an answer, the
// connections at once (more are closed as soon as accepted) and the
// requests per keep-alive connection. A malformed request is answered 400.
// After a refusal the server half-closes and drains what the client still
// sends (bounded) before closing, so that the answer is not lost to a reset.
//
// Threading. handle() may be called from any thread, except with a router
// attached (set_router): router counters are read on the executor, so then
// call it there (the standalone server does). start(), close() and the
// destructor: on the executor, or with its context not running.

#include <cohort/admin/admin_config.hpp>
#include <cohort/admin/cluster_members.hpp>
#include <cohort/admin/detail/admin_connection.hpp>
#include <cohort/histogram.hpp>
#include <cohort/admin/node_metrics.hpp>
#include <cohort/admin/prometheus_text.hpp>
#include <cohort/node.hpp>
#include <cohort/node/status.hpp>
#include <cohort/node_state.hpp>
#include <cohort/routing/router_counters.hpp>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace cohort {

namespace detail {

// Everything a connection shares with the server, kept alive by both: a
// connection may outlive a closed server until its handler has run.
template <class Node>
struct admin_state : std::enable_shared_from_this<admin_state<Node>> {
    using executor_type = typename Node::executor_type;
    using request = boost::beast::http::request<boost::beast::http::string_body>;
    using response = boost::beast::http::response<boost::beast::http::string_body>;
    using acceptor_type = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, executor_type>;
    using connection = admin_connection<admin_state>;

    static constexpr std::array<unsigned, 7> codes{200, 400, 404, 405, 413, 431, 503};

    admin_state(Node& n, admin_config c)
        : node(&n), cfg(std::move(c)), acceptor(n.get_executor()), retry_timer(n.get_executor()) {}

    admin_config const& config() const noexcept { return cfg; }

    void note_status(unsigned code) noexcept {
        for (std::size_t i = 0; i < codes.size(); ++i)
            if (codes[i] == code) answers[i].fetch_add(1, std::memory_order_relaxed);
    }
    void note_read_timeout() noexcept { read_timeouts.fetch_add(1, std::memory_order_relaxed); }

    response handle(request const& req) {
        auto const t0 = std::chrono::steady_clock::now();
        response res = route(req);
        res.version(req.version());
        res.keep_alive(req.keep_alive());
        res.set(boost::beast::http::field::cache_control, "no-store");
        res.prepare_payload();
        if (req.method() == boost::beast::http::verb::head) {
            auto const n = res.body().size();
            res.body().clear();
            res.content_length(n);
        }
        note_status(res.result_int());
        duration.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                             .count());
        return res;
    }

    static response answer(boost::beast::http::status s, std::string_view type, std::string body) {
        response res{s, 11};
        res.set(boost::beast::http::field::content_type, type);
        res.body() = std::move(body);
        return res;
    }
    static response json(boost::beast::http::status s, boost::json::value const& v) {
        return answer(s, "application/json", boost::json::serialize(v) + '\n');
    }

    response route(request const& req) {
        namespace http = boost::beast::http;
        std::string_view path = req.target();
        path = path.substr(0, path.find('?'));
        std::string_view const prefix = "/cluster/members/";
        bool const known = path == "/metrics" || path == "/livez" || path == "/readyz" ||
                           path == "/cluster/members" ||
                           (path.starts_with(prefix) && path.size() > prefix.size());
        if (!known)
            return json(http::status::not_found,
                        {{"error", "not_found"},
                         {"detail", "routes: /metrics /livez /readyz /cluster/members[/NAME]"}});
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            auto res = json(http::status::method_not_allowed,
                            {{"error", "method_not_allowed"}, {"detail", "read-only: GET, HEAD"}});
            res.set(http::field::allow, "GET, HEAD");
            return res;
        }
        if (!req.body().empty())
            return json(http::status::payload_too_large,
                        {{"error", "payload_too_large"}, {"detail", "requests carry no body"}});
        if (path == "/metrics") return metrics();
        if (path == "/livez") return livez();
        if (path == "/readyz") return readyz();
        if (!node->has_view())
            return json(http::status::service_unavailable,
                        {{"error", "no_view"}, {"detail", "the node has not started"}});
        if (path == "/cluster/members")
            return json(http::status::ok,
                        members_document(node->local_id(), node->status(), node->members(),
                                         node->leader(), node->hlc_now()));
        return one_member(path.substr(prefix.size()));
    }

    response metrics() {
        std::string out;
        out.reserve(last_metrics_size.load(std::memory_order_relaxed) + 256);
        std::optional<router_metrics> rc;
        if (router_source) rc = router_source();
        render_node_metrics(out, node->counters(), metrics_view_of(*node), rc ? &*rc : nullptr);
        render_own(out);
        last_metrics_size.store(out.size(), std::memory_order_relaxed);
        return answer(boost::beast::http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                      std::move(out));
    }

    void render_own(std::string& out) {
        prometheus_writer w(out);
        w.family("cohort_admin_requests_total", metric_type::counter,
                 "Admin server answers, by HTTP status code.");
        for (std::size_t i = 0; i < codes.size(); ++i) {
            char code[4] = {char('0' + codes[i] / 100), char('0' + codes[i] / 10 % 10),
                            char('0' + codes[i] % 10), 0};
            // This answer is not counted yet: it is being built.
            w.sample("cohort_admin_requests_total", {{"code", code}},
                     answers[i].load(std::memory_order_relaxed));
        }
        w.histogram("cohort_admin_request_duration_seconds",
                    "Time the admin server took to build an answer.", duration.snapshot());
        w.family("cohort_admin_connections", metric_type::gauge,
                 "Connections to the admin server open now.");
        w.sample("cohort_admin_connections", std::uint64_t{open.load(std::memory_order_relaxed)});
        w.counter("cohort_admin_connections_refused_total",
                  "Connections closed at once: max_connections were open.",
                  refused.load(std::memory_order_relaxed));
        w.counter("cohort_admin_read_timeouts_total",
                  "Connections closed for not sending a whole request in time.",
                  read_timeouts.load(std::memory_order_relaxed));
    }

    response livez() {
        auto const s = node->status();
        bool const live = s == node_status::starting || s == node_status::running ||
                          s == node_status::stopping;
        boost::json::object o{{"live", live}, {"status", to_string(s)}, {"state", nullptr}};
        if (!live) o["reason"] = s == node_status::created ? "not started" : "stopped";
        return json(live ? boost::beast::http::status::ok
                         : boost::beast::http::status::service_unavailable,
                    o);
    }

    response readyz() {
        auto const s = node->status();
        boost::json::object o{{"ready", false}, {"status", to_string(s)}, {"state", nullptr}};
        std::string_view reason;
        if (s != node_status::running) {
            reason = "the node is not running";
        } else if (auto self = node->member(node->local_id().name());
                   !self || self->id != node->local_id()) {
            reason = "this node is not in its own view";
        } else {
            o["state"] = to_string(self->state);
            if (self->state != node_state::active)
                reason = "this node is not active in its own view (not joined, or left)";
            else if (cfg.ready_requires_majority && !on_majority_side())
                reason = "this node reaches at most half of the cluster (minority side)";
        }
        std::string extra;
        if (reason.empty() && ready_check) {
            extra = ready_check();
            reason = extra;
        }
        if (reason.empty()) {
            o["ready"] = true;
            return json(boost::beast::http::status::ok, o);
        }
        o["reason"] = reason;
        return json(boost::beast::http::status::service_unavailable, o);
    }

    // admin_config::ready_requires_majority's rule: O(1) but for an exact
    // half, which reads the view for its lowest id.
    bool on_majority_side() const {
        auto const count = [&](node_state s) { return node->member_count(s); };
        auto const reached = count(node_state::active) + count(node_state::joining);
        auto const known = reached + count(node_state::unknown) + count(node_state::failed);
        if (reached * 2 != known) return reached * 2 > known;
        for (auto const& m : node->members())  // sorted by id
            if (m.state != node_state::leaving)
                return m.state == node_state::active || m.state == node_state::joining;
        return false;
    }

    response one_member(std::string_view wanted) {
        auto const at = wanted.find('@');
        auto const m = node->member(wanted.substr(0, at));
        if (!m || (at != std::string_view::npos && m->id.str() != wanted))
            return json(boost::beast::http::status::not_found,
                        {{"error", "not_found"},
                         {"detail", "no member " + std::string(wanted.substr(0, 300)) +
                                        " in this node's view"}});
        return json(boost::beast::http::status::ok, member_document(*m));
    }

    // ---- standalone -------------------------------------------------------------------------

    void accept() {
        acceptor.async_accept([self = this->shared_from_this()](
                                  boost::system::error_code ec,
                                  typename connection::socket_type socket) {
            if (!self->acceptor.is_open()) return;
            if (ec) {
                // e.g. out of file descriptors: pause instead of spinning
                self->retry_timer.expires_after(std::chrono::milliseconds(100));
                self->retry_timer.async_wait([self](boost::system::error_code e) {
                    if (!e && self->acceptor.is_open()) self->accept();
                });
                return;
            }
            if (self->connections.size() >= self->cfg.max_connections) {
                self->refused.fetch_add(1, std::memory_order_relaxed);
                boost::system::error_code ignored;
                socket.close(ignored);
            } else {
                std::make_shared<connection>(self, std::move(socket))->start();
            }
            self->accept();
        });
    }

    void close() {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        retry_timer.cancel();
        // close() may end a connection's last operation, never its object here.
        for (auto* c : std::unordered_set<connection*>(connections)) c->close();
    }

    Node* node;
    admin_config cfg;
    std::function<router_metrics()> router_source;
    std::function<std::string()> ready_check;
    acceptor_type acceptor;
    boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                      boost::asio::wait_traits<std::chrono::steady_clock>,
                                      executor_type>
        retry_timer;
    std::unordered_set<connection*> connections;  // on the executor
    std::atomic<std::size_t> open{0};             // connections.size(), for any thread
    std::array<std::atomic<std::uint64_t>, codes.size()> answers{};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> read_timeouts{0};
    std::atomic<std::size_t> last_metrics_size{0};
    fixed_histogram duration{fixed_histogram::latency_bounds()};
};

} // namespace detail

/// The admin HTTP server of a `Node` (a basic_node). See the top of this header.
template <class Node>
class basic_admin_server {
    using state_type = detail::admin_state<Node>;

public:
    using node_type = Node;
    using executor_type = typename Node::executor_type;
    using request = typename state_type::request;
    using response = typename state_type::response;
    using endpoint_type = boost::asio::ip::tcp::endpoint;

    /// A server for `node`, which must outlive it. Nothing listens before start().
    explicit basic_admin_server(Node& node, admin_config cfg = {})
        : state_(std::make_shared<state_type>(node, std::move(cfg))) {}

    basic_admin_server(basic_admin_server const&) = delete;
    basic_admin_server& operator=(basic_admin_server const&) = delete;

    ~basic_admin_server() { state_->close(); }

    executor_type get_executor() const noexcept { return state_->node->get_executor(); }
    admin_config const& config() const noexcept { return state_->cfg; }

    /// Adds `r`'s counters (a basic_router over the same node, which must
    /// outlive this server) to /metrics; they are read on the executor.
    template <class Router>
    void set_router(Router const& r) {
        state_->router_source = [&r] { return router_metrics_of(r); };
    }

    /// Adds the application's own condition to /readyz: `why_not()` returns
    /// an empty string when ready, else the reason given in the 503. Called
    /// where handle() runs (on the executor when standalone), only once the
    /// node itself is ready.
    void set_ready_check(std::function<std::string()> why_not) {
        state_->ready_check = std::move(why_not);
    }

    /// Answers one request (see the top of this header): for mounting into
    /// a user's own Beast server, whose parser bounds the request.
    response handle(request const& req) { return state_->handle(req); }

    /// Validates the configuration (error::invalid_config; config_problem()
    /// names the field), listens on config().listen and accepts connections
    /// on the executor until close(). The error of open, bind or listen
    /// otherwise (the server then does nothing). A second start() fails with
    /// boost::asio::error::already_open.
    boost::system::error_code start() {
        if (auto v = validate(state_->cfg); !v) {
            problem_ = v.error();
            return v.error().code;
        }
        auto& a = state_->acceptor;
        if (a.is_open()) return boost::asio::error::already_open;
        boost::system::error_code ec;
        a.open(state_->cfg.listen.protocol(), ec);
        if (!ec) a.set_option(boost::asio::socket_base::reuse_address(true), ec);
        if (!ec) a.bind(state_->cfg.listen, ec);
        if (!ec) a.listen(boost::asio::socket_base::max_listen_connections, ec);
        if (ec) {
            boost::system::error_code ignored;
            a.close(ignored);
            return ec;
        }
        state_->accept();
        return {};
    }

    /// The address it listens on (with the port chosen for port 0); after start().
    endpoint_type local_endpoint() const {
        boost::system::error_code ec;
        return state_->acceptor.local_endpoint(ec);
    }

    /// Stops accepting and closes every connection (their pending operations
    /// complete at once). On the executor.
    void close() { state_->close(); }

    /// Why the last start() failed with error::invalid_config.
    std::optional<config_error> config_problem() const { return problem_; }

private:
    std::shared_ptr<state_type> state_;
    std::optional<config_error> problem_;
};

/// The admin server of a node over UDP and TCP.
using admin_server = basic_admin_server<node>;

} // namespace cohort

#endif // COHORT_ADMIN_ADMIN_SERVER_HPP
