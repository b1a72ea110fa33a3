// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_EXAMPLES_COHORT_NODE_AGENT_HPP
#define COHORT_EXAMPLES_COHORT_NODE_AGENT_HPP

// `cohort-node agent`: one cohort::node on UDP+TCP, its events printed one
// per line, and the control protocol of rpc.hpp served on a loopback TCP
// address. Everything runs on one thread (one io_context).
//
// Shutdown. SIGINT, SIGTERM or a "leave" request: the node leaves gracefully
// (bounded by leave_bound), then stops; the agent exits once nothing is left
// to run. A "leave" request is answered before the node stops. A second
// signal stops the node at once, without waiting for the leave.
//
// Keys. With --encrypt or --keyring-file the node seals all its traffic
// (node_config::security). A "keys" request is sent to every member not
// failed or gone (this one included) as a router call on keys_topic; each
// applies it to its keyring, rewrites its keyring file, and answers with its
// keys; the agent sums the answers up (keys.hpp) and replies once every
// member answered or keys_call_timeout passed.
//
// Seeds. Numeric seeds only: one async_join, retried as --retry-interval and
// --retry-max say (Serf's retry-join). A hostname or srv: seed: the seeds are
// looked up again and again by a dns_seed_resolver (--dns-server: that
// server) and basic_seed_discovery bootstraps and heals the node after Akka's
// rules (--bootstrap-expect contacts, 5 s stable answers, lowest forms; heal
// lookups every --retry-interval); its steps are printed as bootstrap_* lines.
//
// Admin HTTP. With --http the admin server (cohort/admin/admin_server.hpp)
// serves /metrics, /livez, /readyz and /cluster/members on that address, on
// the same thread, router counters included; it closes with the RPC listener.
//
// Event time. Each line carries the wall clock (ISO 8601, UTC, ms) and an HLC
// time from the node's own clock (hlc_now()): the stamp follows every message
// the node had sent or heard when the event was printed.

#include "keys.hpp"
#include "options.hpp"
#include "rpc.hpp"

#include <cohort/admin/admin_server.hpp>
#include <cohort/discovery/dns_seed_resolver.hpp>
#include <cohort/discovery/seed_discovery.hpp>
#include <cohort/hlc.hpp>
#include <cohort/node.hpp>
#include <cohort/routing/router.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <string>
#include <unordered_set>
#include <utility>

namespace cohort_node {

/// "2026-11-22T05:50:00.123Z"
inline std::string iso8601_now() {
    auto const now = std::chrono::system_clock::now();
    auto const secs = std::chrono::system_clock::to_time_t(now);
    auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
    return buf;
}

class agent {
public:
    static constexpr std::size_t max_sessions = 32;
    static constexpr std::chrono::seconds request_deadline{5};
    static constexpr std::chrono::seconds leave_bound{10};
    static constexpr std::chrono::seconds keys_call_timeout{5};

    /// Binds the node's UDP+TCP port, the RPC listener and the admin server
    /// (--http); throws boost::system::system_error when one cannot be bound.
    agent(boost::asio::io_context& ctx, agent_options opts)
        : ctx_(ctx), opts_(std::move(opts)), acceptor_(ctx), signals_(ctx, SIGINT, SIGTERM),
          leave_bound_timer_(ctx), left_signal_(ctx, std::chrono::steady_clock::time_point::max()) {
        cohort::udp_tcp_config tcfg;
        tcfg.bind = opts_.bind;
        tcfg.advertise = opts_.advertise;
        cohort::udp_tcp_transport transport(ctx, tcfg);
        auto const here = transport.local_endpoint();
        cohort::node_config cfg;
        auto id = cohort::node_id::from_parts(opts_.name, here.address().to_string(), here.port());
        if (!id)
            throw boost::system::system_error(id.error(), "node id " + opts_.name + "@" +
                                                              here.address().to_string());
        cfg.id = std::move(*id);
        cfg.membership = opts_.membership();
        cfg.tags = opts_.tags;
        keyring_ = open_keyring();
        cfg.security.keyring = keyring_;
        node_ = std::make_unique<cohort::node>(std::move(transport), std::move(cfg));
        router_ = std::make_unique<cohort::router>(*node_);
        router_->handle(std::string(keys_topic), [this](auto const&, auto payload) {
            return serve_keys(payload);
        });

        acceptor_.open(opts_.rpc.protocol());
        acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
        acceptor_.bind(opts_.rpc);
        acceptor_.listen();

        if (opts_.http) {
            cohort::admin_config acfg;
            acfg.listen = *opts_.http;
            admin_ = std::make_unique<cohort::admin_server>(*node_, acfg);
            admin_->set_router(*router_);
            // With seeds, ready only once a join through them succeeded (the
            // node alone is a cluster of one, active at once), or, bootstrapping
            // through DNS, once this node formed the cluster or joined one.
            if (!opts_.seeds.empty())
                admin_->set_ready_check([this]() -> std::string {
                    if (discovery_) {
                        auto const p = discovery_->phase();
                        return p == cohort::bootstrap_phase::forming ||
                                       p == cohort::bootstrap_phase::joined
                                   ? std::string()
                                   : std::string("bootstrapping through --seeds");
                    }
                    return joined_ ? std::string() : std::string("joining through --seeds");
                });
            // Serving before the node starts: /readyz says 503 until it joined.
            if (auto ec = admin_->start()) {
                std::ostringstream what;
                what << "--http " << *opts_.http;
                throw boost::system::system_error(ec, what.str());
            }
        }
    }

    /// Runs until the node has left and stopped; returns the exit status.
    int run() {
        using boost::asio::detached;
        wait_signal();
        node_->async_start([this](boost::system::error_code ec) {
            if (ec) {
                std::string why = ec.message();
                if (auto p = node_->config_problem()) why += " (" + p->message() + ")";
                print("start_failed error=\"" + why + "\"");
                status_ = 1;
                return shutdown_now();
            }
            std::ostringstream os;
            os << "agent_started id=" << node_->local_id() << " rpc=" << acceptor_.local_endpoint();
            if (admin_) os << " http=" << admin_->local_endpoint();
            os << " profile=" << opts_.profile;
            if (!opts_.label.empty()) os << " label=" << opts_.label;
            if (keyring_) os << " encrypted keys=" << keyring_->size();
            print(os.str());
            if (admin_ && !admin_->local_endpoint().address().is_loopback())
                print("http_warning reason=\"the admin endpoints are not on loopback and have no "
                      "authentication: they show every member's address and tags\"");
            if (encrypt_ignored_)
                print("encrypt_ignored reason=\"the keyring file exists; its keys are used\"");
            boost::asio::co_spawn(ctx_, accept_loop(), detached);
            if (opts_.dns_seeds()) {
                start_discovery();
            } else if (!opts_.seeds.empty())
                node_->async_join(opts_.numeric_seeds(), opts_.retry_join,
                                  [this](boost::system::error_code ec) {
                                      // each attempt's join_completed and join_retrying are
                                      // printed with the other events; this is the outcome
                                      if (!ec) joined_ = true;
                                      if (ec && ec != boost::asio::error::operation_aborted)
                                          print("join_failed error=\"" + ec.message() + "\"");
                                  });
        });
        boost::asio::co_spawn(ctx_, event_loop(), detached);
        ctx_.run();
        return status_;
    }

private:
    // ---- DNS seeds ----------------------------------------------------------------------------

    void start_discovery() {
        cohort::dns_seed_resolver_config rcfg;
        rcfg.nameserver = opts_.dns_server;
        resolver_ = std::make_unique<cohort::dns_seed_resolver>(ctx_.get_executor(), rcfg);
        cohort::bootstrap_config bcfg;
        bcfg.required_contacts = opts_.bootstrap_expect;
        bcfg.heal_interval = opts_.retry_join.interval;
        discovery_ = std::make_unique<discovery_type>(*node_, *resolver_, opts_.seeds, bcfg);
        discovery_->set_listener([this](cohort::seed_discovery_event const& e) {
            using kind = cohort::seed_discovery_event::kind;
            std::ostringstream os;
            switch (e.what) {
                case kind::lookup_failed: {
                    // once per run of failed lookups, not every second
                    auto const n = discovery_->counters().lookups;
                    bool const again = last_failed_lookup_ != 0 && n == last_failed_lookup_ + 1;
                    last_failed_lookup_ = n;
                    if (again) return;
                    os << "bootstrap_lookup_failed";
                    for (auto const& f : e.failures)
                        os << " seed=" << f.seed << " error=\"" << f.ec.message() << '"';
                    break;
                }
                case kind::formed: os << "bootstrap_formed"; break;
                case kind::joining:
                    os << "bootstrap_joining contacts=";
                    for (std::size_t i = 0; i < e.contacts.size(); ++i)
                        os << (i ? "," : "") << e.contacts[i];
                    break;
                case kind::joined: os << "bootstrap_joined"; break;
                case kind::join_failed:
                    os << "bootstrap_join_failed error=\"" << e.ec.message() << '"';
                    break;
            }
            print(os.str());
        });
        discovery_->start();
    }

    // ---- keys ---------------------------------------------------------------------------------

    // The keyring --encrypt and --keyring-file describe; null for neither.
    // Throws std::runtime_error when the file cannot be read or written.
    std::shared_ptr<cohort::keyring> open_keyring() {
        if (opts_.keyring_file) {
            struct stat st {};
            if (::stat(opts_.keyring_file->c_str(), &st) == 0) {
                auto ring = load_keyring_file(*opts_.keyring_file);
                if (!ring) throw std::runtime_error(ring.error());
                encrypt_ignored_ = opts_.encrypt.has_value();
                return std::move(*ring);
            }
            if (!opts_.encrypt)
                throw std::runtime_error("--keyring-file " + *opts_.keyring_file +
                                         " does not exist: give --encrypt KEY for its first key");
        }
        if (!opts_.encrypt) return nullptr;
        auto ring = std::make_shared<cohort::keyring>();
        if (auto id = ring->install(std::string_view(*opts_.encrypt)); !id)
            throw std::runtime_error("--encrypt: " + id.error().message());
        if (opts_.keyring_file)
            if (auto w = save_keyring_file(*opts_.keyring_file, *ring); !w)
                throw std::runtime_error(w.error());
        return ring;
    }

    // A member's keys request (a router call, possibly from this node).
    cohort::route_result serve_keys(std::span<std::byte const> payload) {
        auto answer = [](std::string const& text) {
            auto const b = std::as_bytes(std::span(text));
            return std::vector<std::byte>(b.begin(), b.end());
        };
        if (!keyring_) return answer(R"({"ok":false,"error":"encryption is not enabled"})");
        auto req = parse_keys_payload(payload);
        if (!req) {
            cohort::keyring empty;
            return answer(keys_answer(empty, boost::system::result<void, std::string>(
                                                 boost::system::in_place_error, req.error())));
        }
        auto outcome = apply_keys_request(*keyring_, *req);
        if (outcome && req->op != key_op::list && opts_.keyring_file)
            if (auto w = save_keyring_file(*opts_.keyring_file, *keyring_); !w)
                outcome = boost::system::result<void, std::string>(
                    boost::system::in_place_error, "applied, but not saved: " + w.error());
        print("keys op=" + std::string(to_string(req->op)) +
              (outcome ? std::string(" ok") : " error=\"" + outcome.error() + "\"") +
              " keys=" + std::to_string(keyring_->size()));
        return answer(keys_answer(*keyring_, outcome));
    }

    // Sends `req` to every member not failed or gone and sums up the answers.
    boost::asio::awaitable<std::string> keys_everywhere(keys_request req) {
        using boost::asio::as_tuple;
        using boost::asio::use_awaitable;
        struct gather {
            keys_summary summary;
            std::size_t waiting = 0;
            boost::asio::steady_timer done;
            explicit gather(boost::asio::io_context& ctx)
                : done(ctx, std::chrono::steady_clock::time_point::max()) {}
        };
        auto g = std::make_shared<gather>(ctx_);
        auto const payload = serialize_keys_payload(req);
        for (auto const& m : node_->members()) {
            if (m.state == cohort::node_state::failed || m.state == cohort::node_state::leaving)
                continue;
            ++g->summary.nodes;
            ++g->waiting;
            std::string name(m.id.name());
            router_->async_call_member(
                m.id, "", keys_topic, std::as_bytes(std::span(payload)),
                cohort::call_options{keys_call_timeout, false},
                [g, name](boost::system::error_code ec, std::vector<std::byte> reply) {
                    if (ec)
                        g->summary.add(name, std::nullopt, ec.message());
                    else
                        g->summary.add(name, std::string_view(
                                                 reinterpret_cast<char const*>(reply.data()),
                                                 reply.size()));
                    if (--g->waiting == 0) g->done.cancel();
                });
        }
        if (g->waiting > 0) co_await g->done.async_wait(as_tuple(use_awaitable));
        co_return ok_response(g->summary.to_json());
    }

    // ---- output -----------------------------------------------------------------------------

    // The agent never sets node_config::hlc, so the node has its clock.
    cohort::hlc_timestamp stamp() { return node_->hlc_now(); }

    void print(std::string_view text) {
        std::string line = iso8601_now();
        line += " hlc=";
        line += cohort::to_string(stamp());
        line += ' ';
        line += text;
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
    }

    static std::string describe(cohort::node_event const& ev) {
        std::ostringstream os;
        std::visit(
            [&](auto const& e) {
                using T = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<T, cohort::node_up>) {
                    os << "node_up id=" << e.id;
                } else if constexpr (std::is_same_v<T, cohort::node_down>) {
                    os << "node_down id=" << e.id << " reason=" << e.reason;
                } else if constexpr (std::is_same_v<T, cohort::state_changed>) {
                    os << "state_changed id=" << e.id << " from="
                       << (e.from ? cohort::to_string(*e.from) : std::string_view("none"))
                       << " to=" << e.to << " incarnation=" << e.incarnation;
                } else if constexpr (std::is_same_v<T, cohort::leader_changed>) {
                    os << "leader_changed leader=";
                    if (e.leader) os << *e.leader; else os << "none";
                } else if constexpr (std::is_same_v<T, cohort::tags_changed>) {
                    os << "tags_changed id=" << e.id;
                } else if constexpr (std::is_same_v<T, cohort::join_completed>) {
                    os << "join_completed";
                    if (e.ec) os << " error=\"" << e.ec.message() << '"'; else os << " ok";
                } else if constexpr (std::is_same_v<T, cohort::leave_completed>) {
                    os << "leave_completed";
                } else if constexpr (std::is_same_v<T, cohort::node_unreachable>) {
                    os << "node_unreachable id=" << e.id;
                } else if constexpr (std::is_same_v<T, cohort::node_reachable>) {
                    os << "node_reachable id=" << e.id;
                } else if constexpr (std::is_same_v<T, cohort::clock_offset_exceeded>) {
                    using std::chrono::duration_cast;
                    using std::chrono::milliseconds;
                    os << "clock_offset_exceeded peer=" << e.peer
                       << " offset_ms=" << duration_cast<milliseconds>(e.offset).count()
                       << " max_offset_ms=" << duration_cast<milliseconds>(e.max_offset).count()
                       << " refused_by=" << (e.refused_by_peer ? "peer" : "self");
                } else if constexpr (std::is_same_v<T, cohort::join_retrying>) {
                    os << "join_retrying attempt=" << e.attempt << " error=\"" << e.ec.message()
                       << "\" retry_in_ms="
                       << std::chrono::duration_cast<std::chrono::milliseconds>(e.retry_in).count();
                } else {
                    os << "status_changed status=" << e.status;
                }
            },
            ev);
        return os.str();
    }

    boost::asio::awaitable<void> event_loop() {
        using boost::asio::as_tuple;
        using boost::asio::use_awaitable;
        for (;;) {
            // Opened with the node, before start: no event is missed.
            auto [ec, ev] = co_await node_->async_next_event(as_tuple(use_awaitable));
            if (ec) co_return;  // stopped and drained
            print(describe(ev));
        }
    }

    // ---- signals and shutdown ---------------------------------------------------------------

    void wait_signal() {
        signals_.async_wait([this](boost::system::error_code ec, int sig) {
            if (ec) return;  // cancelled at exit
            char const* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
            if (!leaving_) {
                print(std::string("signal ") + name + ": leaving gracefully");
                begin_leave();
            } else {
                print(std::string("signal ") + name + " again: stopping now");
                shutdown_now();
            }
            wait_signal();
        });
    }

    // Leaves (bounded by leave_bound), then stops unless a "leave" request
    // still has to be answered: its session stops the node after replying.
    void begin_leave() {
        if (leaving_) return;
        leaving_ = true;
        acceptor_.close();  // no new requests once leaving
        leave_bound_timer_.expires_after(leave_bound);
        leave_bound_timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) on_left(boost::asio::error::timed_out);
        });
        node_->async_leave([this](boost::system::error_code ec) { on_left(ec); });
    }

    void on_left(boost::system::error_code ec) {
        if (left_) return;
        left_ = true;
        leave_ec_ = ec;
        leave_bound_timer_.cancel();
        if (ec) print("leave_failed error=\"" + ec.message() + "\"");
        left_signal_.cancel();  // wakes the sessions waiting to answer "leave"
        if (leave_waiters_ == 0) shutdown_now();
    }

    void shutdown_now() {
        if (stopping_) return;
        stopping_ = true;
        leaving_ = true;
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        if (admin_) admin_->close();
        leave_bound_timer_.cancel();
        left_signal_.cancel();
        router_->close();  // pending keys calls end now
        if (discovery_) discovery_->stop();  // no more lookups or joins
        // The leave, if any, is done (or given up on): stop at once.
        node_->async_stop(cohort::stop_mode::abrupt, [this](boost::system::error_code) {
            signals_.cancel();
            // sessions still waiting for a request line end now
            for (auto* s : idle_) {
                boost::system::error_code e;
                s->close(e);
            }
        });
    }

    // ---- the control protocol ---------------------------------------------------------------

    boost::asio::awaitable<void> accept_loop() {
        using boost::asio::as_tuple;
        using boost::asio::use_awaitable;
        while (acceptor_.is_open()) {
            auto [ec, sock] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
            if (!acceptor_.is_open() || ec == boost::asio::error::operation_aborted) co_return;
            if (ec) {
                // e.g. out of file descriptors: pause instead of spinning
                boost::asio::steady_timer t(ctx_, std::chrono::milliseconds(100));
                co_await t.async_wait(as_tuple(use_awaitable));
                continue;
            }
            auto s = std::make_shared<boost::asio::ip::tcp::socket>(std::move(sock));
            boost::asio::co_spawn(ctx_, session(std::move(s)), boost::asio::detached);
        }
    }

    // Outside the coroutines: g++ 12 miscompiles braced string literals in a coroutine frame.
    static std::string refuse(std::string_view code, std::string detail) {
        return error_response(rpc_error{code, std::move(detail)});
    }

    std::string joined_response() const {
        boost::json::object o;
        o["members"] = node_->members().size();
        return ok_response(std::move(o));
    }

    // Writes the answer and closes. `unread` (the client may still be sending):
    // half-close, then discard what arrives until the client closes (bounded by
    // the session's deadline), so that closing with unread bytes does not
    // reset the connection before the client has read the answer.
    boost::asio::awaitable<void> reply(std::shared_ptr<boost::asio::ip::tcp::socket> s,
                                       std::string text, bool unread = false) {
        using boost::asio::as_tuple;
        using boost::asio::use_awaitable;
        auto [ec, n] = co_await boost::asio::async_write(*s, boost::asio::buffer(text),
                                                         as_tuple(use_awaitable));
        boost::system::error_code ignored;
        if (!ec && unread) {
            s->shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
            std::array<char, 4096> sink;
            for (;;) {
                auto [rec, m] = co_await s->async_read_some(boost::asio::buffer(sink),
                                                            as_tuple(use_awaitable));
                if (rec) break;
            }
        }
        s->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        s->close(ignored);
    }

    boost::asio::awaitable<void> session(std::shared_ptr<boost::asio::ip::tcp::socket> s) {
        using boost::asio::as_tuple;
        using boost::asio::use_awaitable;
        if (sessions_ >= max_sessions || stopping_) {
            co_await reply(s, refuse(stopping_ ? rpc_errc::shutting_down : rpc_errc::busy,
                                              "try again later"));
            co_return;
        }
        ++sessions_;
        struct count_guard {
            std::size_t& n;
            ~count_guard() { --n; }
        } guard{sessions_};

        // A slow or silent client is cut off at the deadline.
        boost::asio::steady_timer deadline(ctx_);
        auto const arm = [&](std::chrono::steady_clock::duration d) {
            deadline.expires_after(d);
            deadline.async_wait([s](boost::system::error_code ec) {
                boost::system::error_code ignored;
                if (!ec) s->close(ignored);
            });
        };
        arm(request_deadline);

        std::string buf;
        idle_.insert(s.get());
        auto [ec, n] = co_await boost::asio::async_read_until(
            *s, boost::asio::dynamic_buffer(buf, max_line_bytes + 1), '\n', as_tuple(use_awaitable));
        idle_.erase(s.get());
        if (ec == boost::asio::error::not_found) {
            co_await reply(s, refuse(rpc_errc::line_too_long,
                                     "a request is one line of at most 65536 bytes"),
                           true);
            deadline.cancel();
            co_return;
        }
        if (ec == boost::asio::error::eof && !buf.empty()) {
            n = buf.size();  // a last line without its newline
        } else if (ec) {
            deadline.cancel();
            co_return;  // the client went away or was too slow
        }
        std::string_view line(buf.data(), n);
        if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

        auto req = parse_request(line);
        if (!req) {
            co_await reply(s, error_response(req.error()));
        } else if (std::holds_alternative<members_request>(*req)) {
            co_await reply(s, members_response(node_->local_id(), node_->members(), node_->leader()));
        } else if (auto* k = std::get_if<keys_request>(&*req)) {
            if (!keyring_) {
                co_await reply(s, refuse(rpc_errc::encryption_disabled,
                                         "the agent runs without --encrypt or --keyring-file"));
            } else if (leaving_) {
                co_await reply(s, refuse(rpc_errc::shutting_down, "the agent is leaving"));
            } else {
                arm(keys_call_timeout + request_deadline);
                std::string answer = co_await keys_everywhere(std::move(*k));
                co_await reply(s, std::move(answer));
            }
        } else if (auto* j = std::get_if<join_request>(&*req)) {
            if (leaving_) {
                co_await reply(s, refuse(rpc_errc::shutting_down, "the agent is leaving"));
            } else {
                arm(opts_.membership().join_timeout + request_deadline);
                auto [jec] = co_await node_->async_join(j->seeds, as_tuple(use_awaitable));
                if (jec)
                    co_await reply(s, refuse(rpc_errc::join_failed, jec.message()));
                else
                    co_await reply(s, joined_response());
            }
        } else {
            // leave: answered once the leave is done, then the node stops
            ++leave_waiters_;
            arm(leave_bound + request_deadline);
            begin_leave();
            if (!left_) co_await left_signal_.async_wait(as_tuple(use_awaitable));
            if (leave_ec_)
                co_await reply(s, refuse(rpc_errc::leave_failed, leave_ec_.message()));
            else
                co_await reply(s, ok_response());
            if (--leave_waiters_ == 0) shutdown_now();
        }
        deadline.cancel();
    }

    boost::asio::io_context& ctx_;
    agent_options opts_;
    std::shared_ptr<cohort::keyring> keyring_;  // null without encryption
    bool encrypt_ignored_ = false;              // --encrypt given, the keyring file used
    std::unique_ptr<cohort::node> node_;
    std::unique_ptr<cohort::router> router_;    // after node_: destroyed first
    std::unique_ptr<cohort::admin_server> admin_;  // after router_: destroyed before it
    using discovery_type = cohort::basic_seed_discovery<cohort::node, cohort::dns_seed_resolver>;
    std::unique_ptr<cohort::dns_seed_resolver> resolver_;  // DNS seeds only
    std::unique_ptr<discovery_type> discovery_;            // after resolver_: destroyed first
    std::uint64_t last_failed_lookup_ = 0;  // the last failed lookup's number (counters().lookups), 0: none
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer leave_bound_timer_;
    boost::asio::steady_timer left_signal_;  // never expires; cancelled when the leave ends

    std::unordered_set<boost::asio::ip::tcp::socket*> idle_;
    std::size_t sessions_ = 0;
    std::size_t leave_waiters_ = 0;
    bool leaving_ = false;
    bool joined_ = false;  // a join through --seeds succeeded (/readyz)
    bool left_ = false;
    bool stopping_ = false;
    boost::system::error_code leave_ec_;
    int status_ = 0;
};

} // namespace cohort_node

#endif // COHORT_EXAMPLES_COHORT_NODE_AGENT_HPP
