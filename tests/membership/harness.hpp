// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TESTS_MEMBERSHIP_HARNESS_HPP
#define COHORT_TESTS_MEMBERSHIP_HARNESS_HPP

// A tiny deterministic simulator for membership_protocol tests: N cores, a
// virtual clock, a priority queue of messages in flight with seeded loss and
// latency, partitions (groups), crashes, pauses and restarts. Packets may be
// lost; frames are not (but partitions and crashes cut both). Each core is
// ticked at its own next_deadline(). Every loop is bounded.

#include <cohort/membership/protocol.hpp>
#include <cohort/wire/binary_codec.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cohort_test {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;
using cohort::membership_protocol;

struct timed_event {
    ns at;
    cohort::membership_event event;
};

class harness {
public:
    struct node {
        std::unique_ptr<membership_protocol> core;
        cohort::node_id id;
        bool up = true;       // false: crashed (no ticks, messages dropped)
        bool paused = false;  // true: stalled (no ticks, messages dropped)
        int group = 0;        // partitions: messages cross only within a group
        std::vector<timed_event> events;
    };

    explicit harness(cohort::membership_config cfg, std::uint64_t seed = 1)
        : cfg_(std::move(cfg)), rng_(seed) {}

    double loss = 0.0;          // packet loss probability
    ns min_latency = 1ms;
    ns max_latency = 5ms;
    bool round_trip = true;     // encode + decode every message with the binary codec
    std::uint64_t delivered = 0;

    ns now() const noexcept { return now_; }
    std::vector<node>& nodes() noexcept { return nodes_; }
    node& at(std::size_t i) { return nodes_.at(i); }
    membership_protocol& core(std::size_t i) { return *nodes_.at(i).core; }

    /// Adds a node "n<i>@10.0.<i/250>.<i%250+1>:7946" (not started).
    std::size_t add(std::uint64_t generation = 1, std::vector<cohort::tag> tags = {},
                    cohort::membership_config const* cfg = nullptr) {
        std::size_t const i = nodes_.size();
        auto id = cohort::node_id::parse("n" + std::to_string(i) + "@10.0." +
                                         std::to_string(i / 250) + "." +
                                         std::to_string(i % 250 + 1) + ":7946")
                      .value();
        node n;
        n.id = id;
        n.core = std::make_unique<membership_protocol>(cfg ? *cfg : cfg_, id, generation,
                                                       std::move(tags), seed_of(i, generation));
        by_address_[key(cohort::peer_address::of(id))] = i;
        nodes_.push_back(std::move(n));
        return i;
    }

    /// Starts node i, joining through the nodes `seeds` (none: a cluster of one).
    void start(std::size_t i, std::vector<std::size_t> const& seeds = {}) {
        std::vector<cohort::peer_address> addresses;
        for (auto s : seeds) addresses.push_back(cohort::peer_address::of(nodes_.at(s).id));
        nodes_[i].core->start(now_, std::move(addresses));
        collect(i);
    }

    /// Replaces node i by a new process under the same name and address.
    void restart(std::size_t i, std::uint64_t generation, std::vector<std::size_t> const& seeds) {
        auto& n = nodes_.at(i);
        n.core = std::make_unique<membership_protocol>(cfg_, n.id, generation,
                                                       std::vector<cohort::tag>{},
                                                       seed_of(i, generation));
        n.up = true;
        n.paused = false;
        start(i, seeds);
    }

    void crash(std::size_t i) { nodes_.at(i).up = false; }
    void pause(std::size_t i) { nodes_.at(i).paused = true; }
    void resume(std::size_t i) { nodes_.at(i).paused = false; }
    void set_group(std::size_t i, int g) { nodes_.at(i).group = g; }

    /// Hands node i an envelope as if it came from the network, now.
    void inject(std::size_t i, cohort::envelope const& e) {
        nodes_.at(i).core->on_message(e, now_);
        collect(i);
    }

    /// Runs until virtual time `until` (or `max_steps` steps, which fails).
    void run_until(ns until, std::uint64_t max_steps = 50'000'000) {
        for (std::uint64_t step = 0; step < max_steps; ++step) {
            ns next = until;
            std::size_t who = npos;
            for (std::size_t i = 0; i < nodes_.size(); ++i) {
                auto& n = nodes_[i];
                if (!n.up || n.paused) continue;
                ns d = std::max(n.core->next_deadline(), now_);
                if (d < next) {
                    next = d;
                    who = i;
                }
            }
            bool const message_first = !flights_.empty() && flights_.top().at <= next;
            if (message_first) next = flights_.top().at;
            if (next >= until && !(message_first && next == until)) {
                now_ = until;
                return;
            }
            now_ = next;
            if (message_first) {
                flight f = flights_.top();
                flights_.pop();
                deliver(f);
            } else {
                nodes_[who].core->on_tick(now_);
                collect(who);
            }
        }
        throw std::runtime_error("harness: step bound reached");
    }

    /// Runs in steps of `step` until `pred()` holds or `limit` passes;
    /// the time it held, or nothing.
    template <class Pred>
    std::optional<ns> run_until_true(Pred pred, ns limit, ns step = 100ms) {
        ns const end = now_ + limit;
        while (now_ < end) {
            if (pred()) return now_;
            run_until(std::min(end, now_ + step));
        }
        if (pred()) return now_;
        return std::nullopt;
    }

    /// Whether every up, unpaused node in `among` sees every node of `among`
    /// in state `s`.
    bool all_see(std::vector<std::size_t> const& among, cohort::node_state s) {
        for (auto i : among) {
            if (!nodes_[i].up) continue;
            for (auto j : among) {
                auto const* m = nodes_[i].core->find(nodes_[j].id.name());
                if (!m || m->state != s) return false;
            }
        }
        return true;
    }

    /// Whether every up node other than `target` sees it in state `s`.
    bool others_see(std::size_t target, cohort::node_state s) {
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            if (i == target || !nodes_[i].up) continue;
            auto const* m = nodes_[i].core->find(nodes_[target].id.name());
            if (!m || m->state != s) return false;
        }
        return true;
    }

    std::vector<std::size_t> all() const {
        std::vector<std::size_t> v(nodes_.size());
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = i;
        return v;
    }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    struct flight {
        ns at;
        std::uint64_t order;
        std::size_t from;
        std::size_t to;
        cohort::envelope e;
        friend bool operator>(flight const& a, flight const& b) {
            return a.at != b.at ? a.at > b.at : a.order > b.order;
        }
    };

    static std::string key(cohort::peer_address const& a) {
        return a.host + ":" + std::to_string(a.port);
    }
    static std::uint64_t seed_of(std::size_t i, std::uint64_t generation) {
        return 0x9e3779b97f4a7c15ULL * (i + 1) ^ generation;
    }

    double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

    void collect(std::size_t i) {
        auto& n = nodes_[i];
        for (auto& ev : n.core->events()) n.events.push_back({now_, std::move(ev)});
        n.core->events().clear();
        for (auto& out : n.core->outbox()) {
            auto it = by_address_.find(key(out.to));
            if (it == by_address_.end()) continue;
            if (out.how == cohort::delivery::packet && loss > 0 && uniform() < loss) continue;
            auto span = static_cast<std::uint64_t>((max_latency - min_latency).count());
            ns const latency = min_latency + ns(span ? rng_() % (span + 1) : 0);
            cohort::envelope e = n.core->make_envelope(std::move(out.body));
            if (round_trip) {
                std::vector<std::byte> bytes;
                if (auto ec = codec_.encode(e, bytes)) throw std::runtime_error(ec.message());
                e = codec_.decode(bytes).value();
            }
            flights_.push({now_ + latency, order_++, i, it->second, std::move(e)});
        }
        n.core->outbox().clear();
    }

    void deliver(flight const& f) {
        auto& n = nodes_[f.to];
        if (!n.up || n.paused || !nodes_[f.from].up) return;
        if (n.group != nodes_[f.from].group) return;
        ++delivered;
        n.core->on_message(f.e, now_);
        collect(f.to);
    }

    cohort::membership_config cfg_;
    std::mt19937_64 rng_;
    cohort::binary_codec codec_;
    std::vector<node> nodes_;
    std::map<std::string, std::size_t> by_address_;
    std::priority_queue<flight, std::vector<flight>, std::greater<>> flights_;
    std::uint64_t order_ = 0;
    ns now_{};
};

} // namespace cohort_test

#endif // COHORT_TESTS_MEMBERSHIP_HARNESS_HPP
