// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_IMPL_NODE_RESOLVER_HPP
#define COHORT_NODE_IMPL_NODE_RESOLVER_HPP

// Hostname resolution: the cache of resolved hosts (answers kept for
// resolve_ttl, failures for resolve_failure_ttl, refreshed in the background
// past the TTL), the messages and callbacks waiting for a host's first answer,
// and the Asio resolver's completion. Self-contained: the rest of the node
// only calls address_now(), entry_for(), wait_for_address() and
// with_address().
//
// Included at the end of node.hpp (Beast-style impl header).

#include <cohort/node.hpp>

namespace cohort {

// ---- hostname resolution ----------------------------------------------------------------

// The address of `host` now: numeric, or the cached answer. An answer
// past its TTL is still used while a new lookup refreshes it, so that
// messages to a known host never wait.
template <transport Transport, codec Codec, wall_clock Clock>
auto basic_node<Transport, Codec, Clock>::address_now(std::string const& host)
    -> std::optional<address_type> {
    boost::system::error_code ec;
    auto const a = boost::asio::ip::make_address(host, ec);
    if (!ec) return a;
    auto it = resolved_.find(host);
    if (it == resolved_.end() || !it->second.address) return std::nullopt;
    if (!it->second.pending && now() >= it->second.expires) start_lookup(host, it->second);
    return it->second.address;
}

// The cache entry for `host`, looked up if it has no fresh answer; null
// when the cache is full.
template <transport Transport, codec Codec, wall_clock Clock>
auto basic_node<Transport, Codec, Clock>::entry_for(std::string const& host) -> resolve_entry* {
    auto it = resolved_.find(host);
    if (it == resolved_.end()) {
        if (resolved_.size() >= cfg_.resolve_cache_limit) {
            auto const t = now();
            std::erase_if(resolved_, [&](auto const& kv) {
                return !kv.second.pending && kv.second.expires <= t;
            });
            if (resolved_.size() >= cfg_.resolve_cache_limit) return nullptr;
        }
        it = resolved_.emplace(host, resolve_entry{}).first;
    }
    resolve_entry& entry = it->second;
    if (!entry.pending && now() >= entry.expires) start_lookup(host, entry);
    return &entry;
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::wait_for_address(peer_address const& to, delivery how,
                                                           std::size_t type) {
    resolve_entry* entry = entry_for(to.host);
    if (!entry || !entry->pending || waiting_messages_ >= cfg_.resolve_queue_limit) {
        // Cache full, a recent failure, or too many waiting already.
        ++counters_.unresolved_addresses;
        return;
    }
    ++waiting_messages_;
    entry->messages.push_back({to, how, type, buffer_});
}

// Calls `fn(address or nullopt)` now when the answer is known, else once looked up.
template <transport Transport, codec Codec, wall_clock Clock>
template <class Fn>
void basic_node<Transport, Codec, Clock>::with_address(std::string const& host, Fn fn) {
    if (auto a = address_now(host)) return fn(a);
    resolve_entry* entry = entry_for(host);
    if (!entry || !entry->pending) return fn(std::optional<address_type>{});
    entry->callbacks.emplace_back(std::move(fn));
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::start_lookup(std::string const& host,
                                                       resolve_entry& entry) {
    entry.pending = true;
    ++counters_.resolve_lookups;
    resolver_.async_resolve(
        host, "0", resolver_type::numeric_service,
        [this, alive = std::weak_ptr<int>(alive_), host](
            boost::system::error_code ec, typename resolver_type::results_type results) {
            if (alive.expired()) return;
            on_resolved(host, ec, results);
        });
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::on_resolved(
    std::string const& host, boost::system::error_code ec,
    typename resolver_type::results_type const& results) {
    auto it = resolved_.find(host);
    if (it == resolved_.end()) return;
    resolve_entry& entry = it->second;
    entry.pending = false;
    // Prefer the transport's family: an IPv4 socket cannot send to ::1.
    std::optional<address_type> pick;
    if (!ec) {
        bool const v6 = t_->local_endpoint().address().is_v6();
        for (auto const& r : results) {
            auto const a = r.endpoint().address();
            if (!pick) pick = a;
            if (a.is_v6() == v6) {
                pick = a;
                break;
            }
        }
    }
    bool const found = pick.has_value();
    if (!found && ec != boost::asio::error::operation_aborted) ++counters_.resolve_failures;
    // A failed refresh keeps the last answer (a DNS hiccup must not cut a
    // member off) and retries after resolve_failure_ttl.
    if (found) entry.address = pick;
    else pick = entry.address;
    entry.expires = now() + (found ? cfg_.resolve_ttl : cfg_.resolve_failure_ttl);
    auto messages = std::move(entry.messages);
    auto callbacks = std::move(entry.callbacks);
    entry.messages.clear();
    entry.callbacks.clear();
    waiting_messages_ -= messages.size();
    for (auto& m : messages) {
        if (pick && running_)
            send_encoded(endpoint_type(*pick, m.to.port), m.to, m.how, m.type, m.bytes);
        else if (running_)
            ++counters_.unresolved_addresses;
    }
    for (auto& cb : callbacks) cb(pick);
    if (core_) publish();
}

} // namespace cohort

#endif // COHORT_NODE_IMPL_NODE_RESOLVER_HPP
