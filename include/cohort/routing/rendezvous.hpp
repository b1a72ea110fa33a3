// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_RENDEZVOUS_HPP
#define COHORT_ROUTING_RENDEZVOUS_HPP

// rendezvous: highest random weight hashing (Thaler and Ravishankar, 1998), a
// strategy of basic_ownership. Every member scores every key and the highest
// score owns it; owners(key, n) are the n highest. Lookup is O(N) by nature
// (about 1 ns per member): the price of needing no table at all, of perfect
// minimal movement (a join takes exactly the keys the newcomer wins) and of
// natural replica lists. Prefer it for small clusters or long keys.
//
// Placement (the bytes every node must agree on): with n_i = xxh3-64 (seed 0)
// of member i's name (node_id::name(), not its address) and h the key hash,
//   score_i = splitmix64_mix(h xor n_i)       (SplitMix64's finaliser)
// equal scores go to the smaller node_id. With unequal weights, the
// logarithmic method (Schindelhauer and Schomaker, 2005; as in Ceph's straw2):
//   u_i = ((score_i >> 11) + 0.5) / 2^53,  score'_i = w_i / -log(u_i).
// That one uses std::log: IEEE double and a faithful libm agree on all but
// keys whose two best scores differ in the last bit, vanishingly rare but not
// impossible across platforms. Equal weights (the default) are pure integers.

#include <cohort/error.hpp>
#include <cohort/routing/ownership.hpp>
#include <cohort/routing/detail/placement.hpp>
#include <cohort/routing/detail/xxhash.hpp>

#include <boost/system/result.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort {

struct rendezvous {
    static constexpr std::string_view name = "rendezvous";

    /// Nothing to configure.
    struct config {};

    static boost::system::result<void, config_error> validate(config const&) noexcept {
        return {};
    }

    static void write_config(detail::canonical_writer&, config const&) {}

    class table {
    public:
        table() = default;

        table(std::span<detail::placed_member const> members, config const&) {
            seeds_.reserve(members.size());
            weights_.reserve(members.size());
            for (auto const& m : members) {
                seeds_.push_back(detail::xxh3_64(m.id->name()));
                weights_.push_back(static_cast<double>(m.weight));
                weighted_ = weighted_ || m.weight != members.front().weight;
            }
        }

        /// The member index owning `hash`. Precondition: not empty.
        std::uint32_t owner(std::uint64_t hash) const noexcept {
            std::uint32_t best = 0;
            if (!weighted_) {
                std::uint64_t top = 0;
                for (std::uint32_t i = 0; i < seeds_.size(); ++i) {
                    std::uint64_t const s = detail::splitmix64_mix(hash ^ seeds_[i]);
                    if (s > top || i == 0) top = s, best = i;
                }
            } else {
                double top = 0.0;
                for (std::uint32_t i = 0; i < seeds_.size(); ++i) {
                    double const s = weighted_score(hash, i);
                    if (s > top || i == 0) top = s, best = i;
                }
            }
            return best;
        }

        void owners(std::uint64_t hash, detail::distinct_collector& out) const {
            if (seeds_.empty()) return;
            // Scores as doubles would lose ties' order; rank by (score, -index).
            std::vector<std::pair<double, std::uint64_t>> ranked;
            std::vector<std::pair<std::uint64_t, std::uint32_t>> ranked_int;
            std::size_t const n = seeds_.size();
            if (!weighted_) {
                ranked_int.reserve(n);
                for (std::uint32_t i = 0; i < n; ++i)
                    ranked_int.emplace_back(detail::splitmix64_mix(hash ^ seeds_[i]), i);
                auto better = [](auto const& a, auto const& b) {
                    return a.first != b.first ? a.first > b.first : a.second < b.second;
                };
                order_top(ranked_int, better, out);
            } else {
                ranked.reserve(n);
                for (std::uint32_t i = 0; i < n; ++i)
                    ranked.emplace_back(weighted_score(hash, i), i);
                auto better = [](auto const& a, auto const& b) {
                    return a.first != b.first ? a.first > b.first : a.second < b.second;
                };
                order_top(ranked, better, out);
            }
        }

        std::size_t memory_bytes() const noexcept {
            return seeds_.capacity() * sizeof(std::uint64_t) +
                   weights_.capacity() * sizeof(double);
        }

    private:
        double weighted_score(std::uint64_t hash, std::uint32_t i) const noexcept {
            std::uint64_t const s = detail::splitmix64_mix(hash ^ seeds_[i]);
            double const u = (static_cast<double>(s >> 11) + 0.5) * 0x1p-53;  // in (0, 1)
            return weights_[i] / -std::log(u);
        }

        template <class V, class Better>
        static void order_top(V& ranked, Better better, detail::distinct_collector& out) {
            std::size_t const k = std::min<std::size_t>(ranked.size(), 64);
            std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k),
                              ranked.end(), better);
            std::size_t i = 0;
            for (; i < k; ++i)
                if (out.add(static_cast<std::uint32_t>(ranked[i].second))) return;
            std::sort(ranked.begin() + static_cast<std::ptrdiff_t>(k), ranked.end(), better);
            for (; i < ranked.size(); ++i)
                if (out.add(static_cast<std::uint32_t>(ranked[i].second))) return;
        }

        std::vector<std::uint64_t> seeds_;  // xxh3 of each member's name
        std::vector<double> weights_;
        bool weighted_ = false;
    };
};

/// Ownership by rendezvous.
using rendezvous_ownership = basic_ownership<rendezvous>;

} // namespace cohort

#endif // COHORT_ROUTING_RENDEZVOUS_HPP
