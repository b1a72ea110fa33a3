// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_PARTITION_TABLE_HPP
#define COHORT_TRANSPORT_DETAIL_PARTITION_TABLE_HPP

// Which directed links of memory_network are cut, as a short list of rules
// "no message from a member of S to a member of T". Endpoints are dense
// indices. A rule keeps one byte per index (bit 1: in S, bit 2: in T), so
// blocked() costs a couple of loads per rule, and splitting 10,000 nodes in
// two costs 2 rules and 20 kB, not 50 million blocked pairs.
//
// Healing carves a rectangle out of the rules: removing a x b from S x T
// leaves (S \ a) x T  and  (S n a) x (T \ b). Pure; no Asio.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace cohort::detail {

class partition_table {
public:
    bool empty() const noexcept { return rules_.empty(); }
    std::size_t rule_count() const noexcept { return rules_.size(); }

    /// Cuts every link from a member of `from` to a member of `to`.
    void block(std::span<std::uint32_t const> from, std::span<std::uint32_t const> to) {
        rule r;
        r.mask.resize(extent(from, to));
        for (auto i : from)
            r.mask[i] |= source;
        for (auto i : to)
            r.mask[i] |= target;
        if (r.has_links())
            rules_.push_back(std::move(r));
    }

    /// Restores every link from a member of `from` to a member of `to`
    /// (the links other rules cut stay cut).
    void unblock(std::span<std::uint32_t const> from, std::span<std::uint32_t const> to) {
        std::vector<std::uint8_t> in(extent(from, to));
        for (auto i : from)
            in[i] |= source;
        for (auto i : to)
            in[i] |= target;
        auto const has = [&](std::size_t i, std::uint8_t bit) {
            return i < in.size() && (in[i] & bit) != 0;
        };
        std::vector<rule> next;
        next.reserve(rules_.size() * 2);
        for (auto& r : rules_) {
            rule outside;  // (S \ from) x T
            rule inside;   // (S n from) x (T \ to)
            outside.mask.resize(r.mask.size());
            inside.mask.resize(r.mask.size());
            for (std::size_t i = 0; i < r.mask.size(); ++i) {
                std::uint8_t const m = r.mask[i];
                if (m & source)
                    (has(i, source) ? inside : outside).mask[i] |= source;
                if (m & target) {
                    outside.mask[i] |= target;
                    if (!has(i, target))
                        inside.mask[i] |= target;
                }
            }
            if (outside.has_links())
                next.push_back(std::move(outside));
            if (inside.has_links())
                next.push_back(std::move(inside));
        }
        rules_ = std::move(next);
    }

    void clear() noexcept { rules_.clear(); }

    /// Whether a message from index `from` to index `to` is cut.
    bool blocked(std::uint32_t from, std::uint32_t to) const noexcept {
        for (auto const& r : rules_) {
            if (from < r.mask.size() && to < r.mask.size() && (r.mask[from] & source) &&
                (r.mask[to] & target))
                return true;
        }
        return false;
    }

private:
    static constexpr std::uint8_t source = 1;
    static constexpr std::uint8_t target = 2;

    struct rule {
        std::vector<std::uint8_t> mask;  // by endpoint index; beyond the end: in neither set

        bool has_links() const noexcept {
            bool s = false, t = false;
            for (auto m : mask) {
                s = s || (m & source);
                t = t || (m & target);
            }
            return s && t;
        }
    };

    static std::size_t extent(std::span<std::uint32_t const> a,
                              std::span<std::uint32_t const> b) noexcept {
        std::size_t n = 0;
        for (auto i : a)
            n = std::max<std::size_t>(n, std::size_t{i} + 1);
        for (auto i : b)
            n = std::max<std::size_t>(n, std::size_t{i} + 1);
        return n;
    }

    std::vector<rule> rules_;
};

} // namespace cohort::detail

#endif // COHORT_TRANSPORT_DETAIL_PARTITION_TABLE_HPP
