// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_MAGLEV_TABLE_HPP
#define COHORT_ROUTING_MAGLEV_TABLE_HPP

// maglev_table: the lookup table of Google's Maglev load balancer (Eisenbud
// et al., NSDI 2016, section 3.4; Envoy's maglev), a strategy of
// basic_ownership. O(1) lookup: slot = (hash * M) >> 64, owner = entry[slot].
//
// Placement (the bytes every node must agree on): with M prime and, for each
// member, (low, high) = xxh3-128 (seed 0) of its name (not its address),
//   offset = low % M,  skip = high % (M - 1) + 1,
//   permutation[j] = (offset + j * skip) % M,
// members take turns in node_id order, each claiming the next slot of its
// permutation not yet taken, until all M slots are filled (the paper's
// Populate). Weights (Envoy's extension): in round r = 1, 2, ... member i
// takes a turn only while it has claimed fewer than floor(r * w_i / w_max)
// slots, so with equal weights it is the paper's round robin exactly.
//
// Balance: with equal weights every member holds floor(M/N) or ceil(M/N)
// slots, so peak/mean <= 1 + N/M <= 1.01 at M >= 100 N. Movement is near but
// not at the minimum, and worsens as M/N shrinks: keys moved by one join over
// the ideal 1/(N+1), measured: 1.03 (N = 10, M = 65537), 1.6 (N = 100, M =
// 65537), 6.5 (N = 1000, M = 131101), 3.1 (N = 1000, M = 1000003). Use
// vnode_ring or rendezvous where handoff volume matters more than lookup speed.
//
// Table size: config.table_size, or by default the smallest prime at or
// above the smallest power of two that is >= min_slots_per_member * N and >=
// min_auto_table_size (65536, so 65537 below 656 members: Envoy's default).
// Those size classes keep M >= 100 N while changing M only when N crosses a
// power of two / 100 (at N = 656, 1311, 2622, ...); there the whole table is
// rebuilt at a new size and most keys move. A cluster that grows across such a
// boundary and cares should pin table_size.

#include <cohort/error.hpp>
#include <cohort/routing/ownership.hpp>
#include <cohort/routing/detail/placement.hpp>
#include <cohort/routing/detail/reduce.hpp>
#include <cohort/routing/detail/xxhash.hpp>

#include <boost/system/result.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cohort {

namespace detail {

constexpr bool is_prime(std::uint64_t n) noexcept {
    if (n < 2) return false;
    if (n % 2 == 0) return n == 2;
    for (std::uint64_t d = 3; d * d <= n; d += 2)
        if (n % d == 0) return false;
    return true;
}

constexpr std::uint64_t next_prime(std::uint64_t n) noexcept {
    while (!is_prime(n)) ++n;
    return n;
}

} // namespace detail

struct maglev_table {
    static constexpr std::string_view name = "maglev_table";
    /// The largest table size accepted (2^26 slots, 256 MiB of entries).
    static constexpr std::uint64_t max_table_size = std::uint64_t{1} << 26;

    struct config {
        /// A prime number of slots, or 0 (default) for the size classes
        /// described above. If nonzero: prime, in [2, max_table_size].
        std::uint64_t table_size = 0;
        /// Slots per member the automatic size at least gives (default 100,
        /// the paper's M >= 100 N). Must be in [1, 65536].
        std::uint32_t min_slots_per_member = 100;
        /// The smallest automatic size class (default 65536, giving Envoy's
        /// 65537): small clusters then never change table size. Must be in
        /// [1, 2^25].
        std::uint64_t min_auto_table_size = 65536;
    };

    static boost::system::result<void, config_error> validate(config const& cfg) noexcept {
        if (cfg.table_size != 0 &&
            (cfg.table_size > max_table_size || !detail::is_prime(cfg.table_size)))
            return config_error{error::invalid_config, "maglev_table::config.table_size",
                                "must be 0 (automatic) or a prime of at most 2^26"};
        if (cfg.min_slots_per_member < 1 || cfg.min_slots_per_member > 65536)
            return config_error{error::invalid_config,
                                "maglev_table::config.min_slots_per_member",
                                "must be in [1, 65536]"};
        if (cfg.min_auto_table_size < 1 || cfg.min_auto_table_size > max_table_size / 2)
            return config_error{error::invalid_config,
                                "maglev_table::config.min_auto_table_size",
                                "must be in [1, 2^25]"};
        return {};
    }

    static void write_config(detail::canonical_writer& w, config const& cfg) {
        w.u64(cfg.table_size);
        w.u64(cfg.min_slots_per_member);
        w.u64(cfg.min_auto_table_size);
    }

    /// The table size a membership of `members` gets under `cfg`.
    static std::uint64_t table_size_for(std::size_t members, config const& cfg) noexcept {
        if (cfg.table_size != 0) return cfg.table_size;
        std::uint64_t const want = std::max<std::uint64_t>(
            {std::uint64_t{cfg.min_slots_per_member} * members, cfg.min_auto_table_size, 2});
        return detail::next_prime(std::bit_ceil(std::min(want, max_table_size / 2)));
    }

    class table {
    public:
        table() = default;

        table(std::span<detail::placed_member const> members, config const& cfg) {
            if (members.empty()) return;
            std::uint64_t const m = table_size_for(members.size(), cfg);
            std::size_t const n = members.size();
            std::vector<std::uint64_t> position(n);  // current permutation slot
            std::vector<std::uint64_t> skip(n);
            std::vector<std::uint64_t> claimed(n, 0);
            std::uint32_t w_max = 0;
            for (std::size_t i = 0; i < n; ++i) {
                auto const h = detail::xxh3_128(members[i].id->name());
                position[i] = h.low % m;
                skip[i] = m == 1 ? 0 : h.high % (m - 1) + 1;
                w_max = std::max(w_max, members[i].weight);
            }
            std::vector<std::uint32_t> entry(m, unclaimed);
            std::uint64_t filled = 0;
            for (std::uint64_t round = 1; filled < m; ++round) {
                for (std::size_t i = 0; i < n && filled < m; ++i) {
                    if (claimed[i] >= round * members[i].weight / w_max) continue;
                    while (entry[position[i]] != unclaimed) advance(position[i], skip[i], m);
                    entry[position[i]] = static_cast<std::uint32_t>(i);
                    advance(position[i], skip[i], m);
                    ++claimed[i];
                    ++filled;
                }
            }
            entry_ = std::move(entry);
        }

        /// The member index owning `hash`. Precondition: not empty.
        std::uint32_t owner(std::uint64_t hash) const noexcept {
            return entry_[detail::reduce(hash, entry_.size())];
        }

        /// Walks the table from the key's slot onward: every member holds
        /// slots spread over the table, so n distinct owners come quickly.
        void owners(std::uint64_t hash, detail::distinct_collector& out) const {
            if (entry_.empty()) return;
            std::size_t s = detail::reduce(hash, entry_.size());
            for (std::size_t step = 0; step < entry_.size(); ++step) {
                if (out.add(entry_[s])) return;
                if (++s == entry_.size()) s = 0;
            }
        }

        template <class F> void for_each_range(F&& f) const {
            for (std::size_t s = 0; s < entry_.size(); ++s)
                f(detail::reduce_range_start(s, entry_.size()), entry_[s]);
        }

        std::size_t slot_count() const noexcept { return entry_.size(); }
        std::uint32_t slot_owner(std::size_t slot) const noexcept { return entry_[slot]; }
        std::size_t slot_of(std::uint64_t hash) const noexcept {
            return detail::reduce(hash, entry_.size());
        }

        std::size_t memory_bytes() const noexcept {
            return entry_.capacity() * sizeof(std::uint32_t);
        }

    private:
        static constexpr std::uint32_t unclaimed = 0xffffffffu;

        static void advance(std::uint64_t& pos, std::uint64_t skip, std::uint64_t m) noexcept {
            pos += skip;  // pos, skip < m <= 2^26: no overflow
            if (pos >= m) pos -= m;
        }

        std::vector<std::uint32_t> entry_;
    };
};

/// Ownership by maglev table.
using maglev_ownership = basic_ownership<maglev_table>;

} // namespace cohort

#endif // COHORT_ROUTING_MAGLEV_TABLE_HPP
