// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_HLC_HPP
#define COHORT_HLC_HPP

// A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014)
// with CockroachDB's maximum-offset rejection. Lock-free: the whole state is
// one 64-bit atomic, so now() and update() may be called from any thread.
// Pure: the physical clock is injected and nothing here does I/O.

#include <cohort/error.hpp>
#include <cohort/hlc_timestamp.hpp>

#include <boost/system/result.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <utility>

namespace cohort {

/// A source of physical time: `c.now()` returns nanoseconds since the Unix
/// epoch. It must not throw (basic_hlc's operations are noexcept) and should
/// be cheap: basic_hlc reads it once per now() and update().
template <class C>
concept wall_clock = requires(C const& c) {
    { c.now() } -> std::same_as<std::uint64_t>;
};

/// The operating system's real-time clock, `std::chrono::system_clock`.
struct system_wall_clock {
    /// Nanoseconds since the Unix epoch; 0 if the system clock is set before 1970.
    std::uint64_t now() const noexcept {
        auto const ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
        return ns < 0 ? 0 : static_cast<std::uint64_t>(ns);
    }
};

/// Configuration of a basic_hlc.
struct hlc_config {
    /// How far a remote timestamp may be ahead of local physical time before
    /// update() rejects it (CockroachDB's default). Must be greater than zero.
    std::chrono::nanoseconds max_offset = std::chrono::milliseconds(500);
};

/// Checks `cfg`; the error names the field that broke a rule.
inline boost::system::result<void, config_error> validate(hlc_config const& cfg) noexcept {
    if (cfg.max_offset <= std::chrono::nanoseconds::zero())
        return config_error{error::invalid_config, "hlc_config.max_offset",
                            "must be greater than zero"};
    return {};
}

namespace detail {

// The state packs a timestamp into 64 bits as in Kulkarni et al.: the physical
// part in the high 48 bits, the logical counter in the low 16. Integer order of
// packed values is timestamp order, so "advance the clock" is one atomic
// read-modify-write.
inline constexpr unsigned hlc_logical_bits = 16;
inline constexpr std::uint64_t hlc_logical_mask = (std::uint64_t{1} << hlc_logical_bits) - 1;

// The last nanosecond the clock follows: 2262-04-11T23:47:16.854775807Z, where
// std::chrono::system_clock's signed nanosecond count ends anyway. Physical
// readings are clamped to it and remote timestamps beyond it are refused, so
// the state never jumps above 2^63 and could pass 2^64 only by 2^63 further
// increments of one: three centuries of calls at one per nanosecond. That is
// what lets the fast path be a bare fetch_add with no overflow check.
inline constexpr std::uint64_t hlc_max_wall_ns = (std::uint64_t{1} << 63) - 1;

constexpr std::uint64_t hlc_round_down(std::uint64_t wall_ns) noexcept {
    return wall_ns & ~hlc_logical_mask;
}

constexpr hlc_timestamp hlc_unpack(std::uint64_t packed) noexcept {
    return {hlc_round_down(packed), static_cast<std::uint32_t>(packed & hlc_logical_mask)};
}

// The smallest packed value whose timestamp is greater than `ts`. Callers keep
// ts.wall_ns <= hlc_max_wall_ns, so the next quantum cannot overflow.
constexpr std::uint64_t hlc_packed_successor(hlc_timestamp ts) noexcept {
    if ((ts.wall_ns & hlc_logical_mask) == 0 && ts.logical < hlc_logical_mask)
        return ts.wall_ns | (ts.logical + 1);
    return hlc_round_down(ts.wall_ns) + (hlc_logical_mask + 1);
}

} // namespace detail

/// A hybrid logical clock over the physical clock `Clock`.
///
/// Every timestamp it issues, from now() or update(), is strictly greater than
/// every timestamp it issued before, whichever threads called; it never goes
/// backward when the physical clock does, and it stays within the physical
/// clock's resolution of physical time unless a remote timestamp (at most
/// `max_offset` ahead) or a burst of events pushes it forward.
///
/// Resolution. The state is one 64-bit atomic holding the physical part in the
/// high 48 bits and the logical counter in the low 16, so that the lock-free
/// update is a single atomic operation. Issued timestamps therefore have
/// `wall_ns` a multiple of `wall_granularity_ns` (65,536 ns, about 65.5 us) and
/// `logical <= max_logical` (65,535). The order of events is unaffected:
/// events in one quantum are ordered by `logical`.
///
/// Logical overflow. When `logical` is at `max_logical` and the physical clock
/// has not moved on, the next timestamp carries into the physical part: its
/// `wall_ns` is one quantum later and its `logical` is 0. The clock then runs
/// ahead of physical time by at most that quantum per 65,536 events issued
/// within one quantum, and remains strictly increasing.
///
/// Range. Physical time is followed up to `max_wall_ns` (year 2262, where
/// `std::chrono::system_clock` ends): a later physical reading counts as
/// `max_wall_ns`, so timestamps keep increasing (by logical carries) without
/// following it, and update() refuses remote timestamps beyond it.
template <wall_clock Clock>
class basic_hlc {
public:
    using clock_type = Clock;

    /// Physical resolution of issued timestamps, in nanoseconds.
    static constexpr std::uint64_t wall_granularity_ns = detail::hlc_logical_mask + 1;
    /// Largest `logical` of an issued timestamp.
    static constexpr std::uint32_t max_logical = detail::hlc_logical_mask;
    /// Latest physical time the clock follows, in nanoseconds since the epoch.
    static constexpr std::uint64_t max_wall_ns = detail::hlc_max_wall_ns;

    /// Throws `boost::system::system_error` (code `error::invalid_config`,
    /// naming the field) if `validate(cfg)` fails.
    explicit basic_hlc(Clock clock = Clock{}, hlc_config cfg = {})
        : clock_(std::move(clock)), config_(cfg) {
        validate(config_).value();
        // Positive (validated above) and an int64 count, so below 2^63.
        max_offset_ns_ = static_cast<std::uint64_t>(config_.max_offset.count());
    }

    basic_hlc(basic_hlc const&) = delete;
    basic_hlc& operator=(basic_hlc const&) = delete;

    /// A timestamp for a local or send event: greater than every timestamp this
    /// clock issued before, and at least the physical time rounded down to
    /// `wall_granularity_ns`.
    hlc_timestamp now() noexcept { return detail::hlc_unpack(advance(physical_floor())); }

    /// A timestamp for receiving `remote`: greater than `remote` and than every
    /// timestamp this clock issued before. Fails with
    /// `error::clock_offset_exceeded`, leaving the clock untouched, when
    /// `remote.wall_ns` is more than `max_offset` ahead of physical time (or
    /// beyond `max_wall_ns`): a peer with a broken clock must not drag this one
    /// into the future.
    boost::system::result<hlc_timestamp> update(hlc_timestamp remote) noexcept {
        auto const physical = std::min(clock_.now(), detail::hlc_max_wall_ns);
        // Both terms are below 2^63, so the sum cannot overflow.
        auto const limit = std::min(physical + max_offset_ns_, detail::hlc_max_wall_ns);
        if (remote.wall_ns > limit)
            return error::clock_offset_exceeded;  // before any write: state untouched
        auto const floor = std::max(detail::hlc_packed_successor(remote),
                                    detail::hlc_round_down(physical));
        return detail::hlc_unpack(advance(floor));
    }

    /// The latest timestamp issued, without issuing a new one; `{0, 0}` before
    /// the first. While other threads are calling now() or update() it may be
    /// a value that one of them is about to replace; it is never below a
    /// timestamp already returned.
    hlc_timestamp last() const noexcept {
        return detail::hlc_unpack(state_.load(std::memory_order_acquire));
    }

    /// The physical clock.
    Clock const& clock() const noexcept { return clock_; }

    /// The configuration, as validated by the constructor.
    hlc_config const& config() const noexcept { return config_; }

private:
    std::uint64_t physical_floor() const noexcept {
        return detail::hlc_round_down(std::min(clock_.now(), detail::hlc_max_wall_ns));
    }

    // Moves the state past its current value and to at least `floor`; returns
    // the value this call wrote, which is the timestamp it issues.
    //
    // Every write either adds one or replaces the state with a larger value,
    // so the state only grows and each call's final write is a value nobody
    // else wrote. The common case, physical time still in the quantum that the
    // state has reached, is a single fetch_add: unlike a compare-exchange loop
    // it cannot fail under contention, and it needs the contended cache line
    // once instead of once to read and again to write. Only when physical time
    // (or a remote) has moved past the state does a compare-exchange jump it
    // forward; the value the fetch_add took is then skipped, never issued.
    //
    // Memory order: the timestamps' order needs nothing beyond atomicity, since
    // all of them are read-modify-writes of one object, in one modification
    // order. acq_rel additionally makes timestamp order agree with
    // happens-before: whoever obtains a later timestamp sees every write made
    // before an earlier one was issued, which is what a causality clock should
    // promise. It costs nothing on x86. A failed exchange only refreshes `cur`
    // for the next attempt, so relaxed is enough there.
    std::uint64_t advance(std::uint64_t floor) noexcept {
        auto cur = state_.fetch_add(1, std::memory_order_acq_rel) + 1;
        for (;;) {
            if (cur >= floor)
                return cur;  // written by our fetch_add: ours alone
            if (state_.compare_exchange_weak(cur, floor, std::memory_order_acq_rel,
                                             std::memory_order_relaxed))
                return floor;
            // Someone else moved the state; once it has reached `floor`, a fresh
            // increment gives a value past both.
            if (cur >= floor)
                cur = state_.fetch_add(1, std::memory_order_acq_rel) + 1;
        }
    }

    // Read-only after construction, so they are read from a cache line that
    // the callers' writes to state_ never invalidate.
    [[no_unique_address]] Clock clock_;
    hlc_config config_;
    std::uint64_t max_offset_ns_ = 0;
    // Alone on its cache line (64 bytes on the CPUs that matter): it is the one
    // word every caller writes.
    alignas(64) std::atomic<std::uint64_t> state_{0};
};

/// The hybrid logical clock over the system clock.
using hlc = basic_hlc<system_wall_clock>;

} // namespace cohort

#endif // COHORT_HLC_HPP
