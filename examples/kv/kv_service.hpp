// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_EXAMPLES_KV_KV_SERVICE_HPP
#define COHORT_EXAMPLES_KV_KV_SERVICE_HPP

// A sharded in-memory key-value service on a cohort router: an example, not
// a database.
//
//   - Any node accepts get, put and delete (async_get, async_put, async_del)
//     and routes them to the key's owner.
//   - The owner applies a write, then copies it to the key's other replicas
//     (owners(key, replicas), 2 by default) with direct calls, and answers
//     once they answered (a replica that fails is skipped: the write is then
//     held by fewer copies until the next rebalance).
//   - A read asks the owner; when that fails (the owner crashed, timed out,
//     or was declared failed), it asks the replicas in order.
//   - After every ownership change each node pushes the keys it now owns to
//     their replicas (an idempotent re-replication): after a failure, the
//     survivor that became owner restores the replica count.
// No versions, no read repair, no anti-entropy beyond that: last write to
// arrive wins.

#include <cohort/routing/router.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort_kv {

inline std::vector<std::byte> to_bytes(std::string_view s) {
    auto const* p = reinterpret_cast<std::byte const*>(s.data());
    return {p, p + s.size()};
}
inline std::string to_string(std::span<std::byte const> b) {
    return {reinterpret_cast<char const*>(b.data()), b.size()};
}

namespace topic {
inline constexpr std::string_view put = "kv/put";
inline constexpr std::string_view del = "kv/del";
inline constexpr std::string_view get = "kv/get";
inline constexpr std::string_view replica_put = "kv/replica_put";
inline constexpr std::string_view replica_del = "kv/replica_del";
inline constexpr std::string_view read_local = "kv/read_local";
} // namespace topic

template <class Router>
class kv_service {
public:
    using get_handler = boost::asio::any_completion_handler<void(boost::system::error_code,
                                                                 std::optional<std::string>)>;
    using ec_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;

    /// Serves the kv topics on `router`, which must outlive the service.
    explicit kv_service(Router& router, std::size_t replicas = 2)
        : router_(&router), replicas_(replicas) {
        router.handle(std::string(topic::get), [this](auto const& ctx, auto) {
            return cohort::route_result(encode_found(local_get(ctx.key)));
        });
        router.handle(std::string(topic::read_local), [this](auto const& ctx, auto) {
            return cohort::route_result(encode_found(local_get(ctx.key)));
        });
        router.handle(std::string(topic::replica_put), [this](auto const& ctx, auto payload) {
            store_[std::string(ctx.key)] = to_string(payload);
            return cohort::route_result(std::vector<std::byte>{});
        });
        router.handle(std::string(topic::replica_del), [this](auto const& ctx, auto) {
            store_.erase(std::string(ctx.key));
            return cohort::route_result(std::vector<std::byte>{});
        });
        router.handle_async(std::string(topic::put),
                            [this](auto const& ctx, std::vector<std::byte> payload,
                                   cohort::route_responder r) {
                                store_[std::string(ctx.key)] = to_string(payload);
                                replicate(std::string(ctx.key), topic::replica_put,
                                          std::move(payload), std::move(r));
                            });
        router.handle_async(std::string(topic::del),
                            [this](auto const& ctx, std::vector<std::byte>,
                                   cohort::route_responder r) {
                                store_.erase(std::string(ctx.key));
                                replicate(std::string(ctx.key), topic::replica_del, {},
                                          std::move(r));
                            });
        auto const on_change = [this](auto const&) { schedule_rebalance(); };
        router.on_acquired(on_change);
        router.on_released(on_change);
    }

    kv_service(kv_service const&) = delete;
    kv_service& operator=(kv_service const&) = delete;
    /// Detaches from the router (on its executor, or while nothing runs).
    ~kv_service() {
        *alive_ = false;
        for (auto t : {topic::get, topic::read_local, topic::replica_put, topic::replica_del,
                       topic::put, topic::del})
            router_->unhandle(t);
        router_->on_acquired({});
        router_->on_released({});
    }

    /// Stores `value` under `key` on the key's owner and its replicas.
    /// Signature: void(error_code).
    template <class Token>
    auto async_put(std::string key, std::string value, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
            [this](ec_handler h, std::string key, std::string value) {
                router_->async_call(key, topic::put, to_bytes(value),
                                    [h = std::move(h)](boost::system::error_code ec,
                                                       std::vector<std::byte>) mutable {
                                        std::move(h)(ec);
                                    });
            },
            token, std::move(key), std::move(value));
    }

    /// Deletes `key` on its owner and replicas. Signature: void(error_code).
    template <class Token>
    auto async_del(std::string key, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
            [this](ec_handler h, std::string key) {
                router_->async_call(key, topic::del, std::span<std::byte const>{},
                                    [h = std::move(h)](boost::system::error_code ec,
                                                       std::vector<std::byte>) mutable {
                                        std::move(h)(ec);
                                    });
            },
            token, std::move(key));
    }

    /// The value of `key` (nothing when absent), from its owner or, when the
    /// owner cannot answer, from a replica. Signature:
    /// void(error_code, std::optional<std::string>).
    template <class Token>
    auto async_get(std::string key, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code,
                                                       std::optional<std::string>)>(
            [this](get_handler h, std::string key) {
                auto replicas = router_->owners(key, replicas_);
                router_->async_call(
                    key, topic::get, std::span<std::byte const>{},
                    [this, alive = alive_, key, replicas = std::move(replicas),
                     h = std::move(h)](boost::system::error_code ec,
                                       std::vector<std::byte> reply) mutable {
                        if (!ec) return std::move(h)(ec, decode_found(reply));
                        if (!*alive || !fallback_worthy(ec)) return std::move(h)(ec, std::nullopt);
                        // The owner did not answer: the replicas, in order (the
                        // owner among them is skipped by the first failure).
                        read_replica(std::move(key), std::move(replicas), 1, std::move(h), ec);
                    });
            },
            token, std::move(key));
    }

    /// This node's copy of `key`.
    std::optional<std::string> local_get(std::string_view key) const {
        auto it = store_.find(std::string(key));
        if (it == store_.end()) return std::nullopt;
        return it->second;
    }
    std::size_t local_size() const noexcept { return store_.size(); }
    std::map<std::string, std::string> const& local_store() const noexcept { return store_; }

private:
    static bool fallback_worthy(boost::system::error_code ec) {
        return ec == cohort::error::owner_failed || ec == cohort::error::call_timeout ||
               ec == cohort::error::redirect_limit || ec == cohort::error::no_handler;
    }

    static std::vector<std::byte> encode_found(std::optional<std::string> const& v) {
        std::vector<std::byte> out;
        out.push_back(std::byte{v ? std::uint8_t{1} : std::uint8_t{0}});
        if (v) {
            auto const b = to_bytes(*v);
            out.insert(out.end(), b.begin(), b.end());
        }
        return out;
    }
    static std::optional<std::string> decode_found(std::span<std::byte const> b) {
        if (b.empty() || b[0] != std::byte{1}) return std::nullopt;
        return to_string(b.subspan(1));
    }

    void read_replica(std::string key, std::vector<cohort::node_id> replicas, std::size_t i,
                      get_handler h, boost::system::error_code last) {
        if (i >= replicas.size()) return std::move(h)(last, std::nullopt);
        auto member = replicas[i];
        router_->async_call_member(
            member, key, topic::read_local, std::span<std::byte const>{},
            [this, alive = alive_, key, replicas = std::move(replicas), i,
             h = std::move(h)](boost::system::error_code ec, std::vector<std::byte> reply) mutable {
                if (!ec) return std::move(h)(ec, decode_found(reply));
                if (!*alive) return std::move(h)(ec, std::nullopt);
                read_replica(std::move(key), std::move(replicas), i + 1, std::move(h), ec);
            });
    }

    // The owner's half of a write: copy to the other replicas, then answer.
    void replicate(std::string key, std::string_view what, std::vector<std::byte> payload,
                   cohort::route_responder r) {
        auto targets = router_->owners(key, replicas_);
        std::erase(targets, router_->node().local_id());
        if (targets.empty()) return r(cohort::route_result(std::vector<std::byte>{}));
        struct join_state {
            std::size_t left;
            cohort::route_responder responder;
        };
        auto state = std::make_shared<join_state>(join_state{targets.size(), std::move(r)});
        for (auto const& t : targets)
            router_->async_call_member(t, key, what, payload,
                                       [state](boost::system::error_code, std::vector<std::byte>) {
                                           if (--state->left == 0)
                                               state->responder(cohort::route_result(
                                                   std::vector<std::byte>{}));
                                       });
    }

    void schedule_rebalance() {
        if (rebalance_pending_) return;
        rebalance_pending_ = true;
        boost::asio::post(router_->get_executor(), [this, alive = alive_] {
            if (!*alive) return;
            rebalance_pending_ = false;
            rebalance();
        });
    }

    // Pushes every key this node owns to its current replicas.
    void rebalance() {
        auto const& self = router_->node().local_id();
        for (auto const& [key, value] : store_) {
            auto owners = router_->owners(key, replicas_);
            if (owners.empty() || owners.front() != self) continue;
            for (std::size_t i = 1; i < owners.size(); ++i)
                router_->async_call_member(owners[i], key, topic::replica_put, to_bytes(value),
                                           [](boost::system::error_code, std::vector<std::byte>) {});
        }
    }

    Router* router_;
    std::size_t replicas_;
    std::map<std::string, std::string> store_;
    bool rebalance_pending_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace cohort_kv

#endif // COHORT_EXAMPLES_KV_KV_SERVICE_HPP
