// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_ATOMIC_OWNERSHIP_HPP
#define COHORT_ROUTING_ATOMIC_OWNERSHIP_HPP

// atomic_ownership<Strategy>: publishes successive immutable ownership tables
// to any number of concurrent readers.
//
// Guarantee. Readers are wait-free: read() is one load, one fetch_add and one
// load, and the guard's release one fetch_sub, each a single instruction on
// x86-64 and on ARMv8.1+ (LSE atomics), whatever writers do; no retry loop,
// no lock. (std::atomic<std::shared_ptr> in libstdc++ 12 takes a spin lock
// per access, so it is not.) Writers are serialised by a mutex and block in
// publish() until every reader that might still see the previous table has
// released its guard: keep guards short, and take a snapshot() for long use.
//
// Scheme: the read indicators and version toggle of Left-Right (Ramalhete and
// Correia, 2015), which reclaims the old table like an RCU grace period.
// Readers arrive on the counter of the current version (one of two), then
// load the table pointer; a writer swaps the pointer, waits for the other
// version's counter to drain, flips the version, and waits for the previous
// version's counter to drain. A reader holding the old pointer arrived before
// the swap on one of the two counters, so it has left by then. Counters are
// striped over cache lines by thread, so readers on different cores rarely
// share one.

#include <cohort/routing/ownership.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace cohort {

namespace detail {

inline constexpr std::size_t reader_stripes = 16;

/// This thread's stripe: threads take stripes round robin, once.
inline std::size_t reader_stripe() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local std::size_t stripe = reader_stripes;
    if (stripe == reader_stripes)
        stripe = next.fetch_add(1, std::memory_order_relaxed) % reader_stripes;
    return stripe;
}

struct alignas(64) reader_counter {
    std::atomic<std::int64_t> count{0};
};

} // namespace detail

template <class Strategy>
class atomic_ownership {
public:
    using value_type = basic_ownership<Strategy>;

private:
    struct slot {
        std::shared_ptr<value_type const> table;
    };

public:
    /// Keeps the table it was read from alive and unchanged while it exists.
    class read_guard {
    public:
        read_guard(read_guard const&) = delete;
        read_guard& operator=(read_guard const&) = delete;
        ~read_guard() { counter_->fetch_sub(1, std::memory_order_release); }

        value_type const& operator*() const noexcept { return *slot_->table; }
        value_type const* operator->() const noexcept { return slot_->table.get(); }
        /// Another reference to the table, valid after the guard is gone.
        std::shared_ptr<value_type const> share() const noexcept { return slot_->table; }

    private:
        friend class atomic_ownership;
        read_guard(std::atomic<std::int64_t>* counter, slot const* s) noexcept
            : counter_(counter), slot_(s) {}
        std::atomic<std::int64_t>* counter_;
        slot const* slot_;
    };

    /// Starts with `initial` (by default the empty table).
    explicit atomic_ownership(std::shared_ptr<value_type const> initial =
                                  std::make_shared<value_type const>())
        : current_(new slot{std::move(initial)}) {}

    atomic_ownership(atomic_ownership const&) = delete;
    atomic_ownership& operator=(atomic_ownership const&) = delete;

    /// Precondition: no read_guard is alive.
    ~atomic_ownership() { delete current_.load(std::memory_order_acquire); }

    /// The current table, held until the guard is destroyed. Wait-free.
    [[nodiscard]] read_guard read() const noexcept {
        std::size_t const v = version_index_.load(std::memory_order_seq_cst);
        auto* counter = &readers_[v][detail::reader_stripe()].count;
        counter->fetch_add(1, std::memory_order_seq_cst);
        return read_guard(counter, current_.load(std::memory_order_seq_cst));
    }

    /// The current table as a shared_ptr (wait-free, plus a reference count
    /// increment).
    std::shared_ptr<value_type const> snapshot() const noexcept { return read().share(); }

    /// Makes `next` the current table and returns the previous one. Blocks
    /// until no reader can still be using the previous slot; serialised with
    /// other publishers.
    std::shared_ptr<value_type const> publish(std::shared_ptr<value_type const> next) {
        auto* fresh = new slot{std::move(next)};
        std::lock_guard<std::mutex> lock(writer_);
        slot* old = current_.exchange(fresh, std::memory_order_seq_cst);
        std::size_t const previous = version_index_.load(std::memory_order_relaxed);
        std::size_t const following = previous ^ 1;
        wait_until_drained(following);
        version_index_.store(following, std::memory_order_seq_cst);
        wait_until_drained(previous);
        publications_.fetch_add(1, std::memory_order_relaxed);
        std::shared_ptr<value_type const> result = std::move(old->table);
        delete old;
        return result;
    }

    /// Builds and publishes.
    std::shared_ptr<value_type const> publish(value_type next) {
        return publish(std::make_shared<value_type const>(std::move(next)));
    }

    /// How many tables have been published since construction.
    std::uint64_t publications() const noexcept {
        return publications_.load(std::memory_order_relaxed);
    }

private:
    void wait_until_drained(std::size_t version) const noexcept {
        for (auto const& c : readers_[version])
            while (c.count.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
    }

    std::atomic<slot*> current_;
    std::atomic<std::size_t> version_index_{0};
    mutable std::array<std::array<detail::reader_counter, detail::reader_stripes>, 2> readers_;
    std::atomic<std::uint64_t> publications_{0};
    std::mutex writer_;
};

} // namespace cohort

#endif // COHORT_ROUTING_ATOMIC_OWNERSHIP_HPP
