// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_BOUNDED_PARTITIONS_HPP
#define COHORT_ROUTING_BOUNDED_PARTITIONS_HPP

// bounded_partitions: a fixed number of partitions placed on a vnode ring with
// bounded loads (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with
// Bounded Loads", SODA 2018; buraksezer/consistent), a strategy of
// basic_ownership. O(1) lookup: partition = (hash * P) >> 64, owner =
// owner[partition]. The partition is the unit of handoff.
//
// Placement (the bytes every node must agree on): the members form a
// vnode_ring (its default vnodes, placement as in vnode_ring.hpp). Member i
// may own at most
//   capacity_i = ceil(c * P * w_i / W)          (W = the sum of weights)
// partitions, with c = round(load_factor * 1000) / 1000 in integer arithmetic.
// Partitions are assigned in order 0, 1, ..., P - 1: partition p goes to the
// first member clockwise from xxh3-64 (seed 0) of p as 8 little-endian bytes
// whose count is still below its capacity. Since the capacities add up to at
// least c * P >= P, every partition finds an owner.
//
// Balance: no member exceeds ceil(c * mean) (1.25 by default, plus rounding:
// with a mean of m partitions, peak/mean <= ceil(1.25 m) / m). Movement: a
// join or leave changes the capacities, so partitions beyond the newcomer's
// share can cascade; the tests and benchmarks report it.

#include <cohort/error.hpp>
#include <cohort/routing/ownership.hpp>
#include <cohort/routing/detail/placement.hpp>
#include <cohort/routing/detail/reduce.hpp>
#include <cohort/routing/detail/xxhash.hpp>
#include <cohort/routing/vnode_ring.hpp>

#include <boost/system/result.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cohort {

struct bounded_partitions {
    static constexpr std::string_view name = "bounded_partitions";

    struct config {
        /// Number of partitions, fixed for the cluster's life (default 16384).
        /// buraksezer/consistent and Hazelcast use 271, which leaves most of
        /// 1,000 members without a partition and bounds peak/mean only at
        /// ceil(1.25 * 0.27) / 0.27 = 3.7; 16384 keeps ~16 per member there
        /// (peak/mean <= 1.28) for a 64 KiB table. Must be in [1, 2^24].
        std::uint32_t partition_count = 16384;
        /// c: no member holds more than ceil(c * mean) partitions (default
        /// 1.25, as in buraksezer/consistent). Used at 1/1000 resolution.
        /// Must be in [1, 100].
        double load_factor = 1.25;
        /// Points per unit of weight of the ring partitions are placed on.
        std::uint32_t vnodes = vnode_ring::config{}.vnodes;
    };

    static boost::system::result<void, config_error> validate(config const& cfg) noexcept {
        if (cfg.partition_count < 1 || cfg.partition_count > (1u << 24))
            return config_error{error::invalid_config,
                                "bounded_partitions::config.partition_count",
                                "must be in [1, 2^24]"};
        if (!(cfg.load_factor >= 1.0 && cfg.load_factor <= 100.0))  // also rejects NaN
            return config_error{error::invalid_config, "bounded_partitions::config.load_factor",
                                "must be in [1, 100]"};
        if (cfg.vnodes < 1 || cfg.vnodes > 65536)
            return config_error{error::invalid_config, "bounded_partitions::config.vnodes",
                                "must be in [1, 65536]"};
        return {};
    }

    /// c in thousandths: the only form of load_factor placement uses.
    static std::uint64_t load_factor_milli(config const& cfg) noexcept {
        return static_cast<std::uint64_t>(std::llround(cfg.load_factor * 1000.0));
    }

    static void write_config(detail::canonical_writer& w, config const& cfg) {
        w.u64(cfg.partition_count);
        w.u64(load_factor_milli(cfg));
        w.u64(cfg.vnodes);
    }

    /// Where partition p sits on the ring.
    static std::uint64_t partition_position(std::uint32_t p) noexcept {
        unsigned char bytes[8];
        for (int i = 0; i < 8; ++i)
            bytes[i] = static_cast<unsigned char>((std::uint64_t{p} >> (8 * i)) & 0xff);
        return detail::xxh3_64(bytes, sizeof bytes);
    }

    class table {
    public:
        table() = default;

        table(std::span<detail::placed_member const> members, config const& cfg)
            : ring_(members, vnode_ring::config{cfg.vnodes}) {
            if (members.empty()) return;
            std::uint64_t total_weight = 0;
            for (auto const& m : members) total_weight += m.weight;
            // c_milli <= 1e5, P <= 2^24, w <= 2^10: the product fits in 64 bits.
            std::uint64_t const c_milli = load_factor_milli(cfg);
            std::uint64_t const denominator = 1000 * total_weight;
            capacity_.resize(members.size());
            for (std::size_t i = 0; i < members.size(); ++i) {
                std::uint64_t const num = c_milli * cfg.partition_count * members[i].weight;
                capacity_[i] = static_cast<std::uint32_t>((num + denominator - 1) / denominator);
            }
            load_.assign(members.size(), 0);
            owner_.resize(cfg.partition_count);
            std::size_t const points = ring_.point_count();
            for (std::uint32_t p = 0; p < cfg.partition_count; ++p) {
                std::size_t at = ring_.point_index(partition_position(p));
                for (;;) {
                    std::uint32_t const m = ring_.owner_at(at);
                    if (load_[m] < capacity_[m]) {
                        owner_[p] = m;
                        ++load_[m];
                        break;
                    }
                    if (++at == points) at = 0;
                }
            }
        }

        /// The member index owning `hash`. Precondition: not empty.
        std::uint32_t owner(std::uint64_t hash) const noexcept {
            return owner_[detail::reduce(hash, owner_.size())];
        }

        /// The partition's owner first, then the ring's successors of the
        /// partition's position (buraksezer's GetClosestN).
        void owners(std::uint64_t hash, detail::distinct_collector& out) const {
            if (owner_.empty()) return;
            auto const p = static_cast<std::uint32_t>(detail::reduce(hash, owner_.size()));
            if (out.add(owner_[p])) return;
            ring_.owners(partition_position(p), out);
        }

        template <class F> void for_each_range(F&& f) const {
            for (std::size_t p = 0; p < owner_.size(); ++p)
                f(detail::reduce_range_start(p, owner_.size()), owner_[p]);
        }

        std::size_t slot_count() const noexcept { return owner_.size(); }
        std::uint32_t slot_owner(std::size_t p) const noexcept { return owner_[p]; }
        std::size_t slot_of(std::uint64_t hash) const noexcept {
            return detail::reduce(hash, owner_.size());
        }
        /// How many partitions member i may hold, and holds.
        std::uint32_t capacity(std::size_t i) const noexcept { return capacity_[i]; }
        std::uint32_t load(std::size_t i) const noexcept { return load_[i]; }

        std::size_t memory_bytes() const noexcept {
            return ring_.memory_bytes() + owner_.capacity() * sizeof(std::uint32_t) +
                   (capacity_.capacity() + load_.capacity()) * sizeof(std::uint32_t);
        }

    private:
        vnode_ring::table ring_;
        std::vector<std::uint32_t> owner_;     // partition -> member index
        std::vector<std::uint32_t> capacity_;  // member index -> ceil(c * P * w / W)
        std::vector<std::uint32_t> load_;      // member index -> partitions held
    };
};

/// Ownership by bounded partitions.
using partition_ownership = basic_ownership<bounded_partitions>;

} // namespace cohort

#endif // COHORT_ROUTING_BOUNDED_PARTITIONS_HPP
