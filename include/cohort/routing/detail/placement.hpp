// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_DETAIL_PLACEMENT_HPP
#define COHORT_ROUTING_DETAIL_PLACEMENT_HPP

// What every strategy is built from and shares: the owning members in node_id
// order, the canonical byte form the fingerprint hashes, and the collector of
// distinct owners for owners(key, n).

#include <cohort/node_id.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::detail {

/// An owning member as a strategy sees it; `index` order is node_id order.
struct placed_member {
    node_id const* id;
    std::uint32_t weight;  // 1..ring_member::max_weight
};

/// Appends little-endian integers and length-prefixed strings: the canonical
/// bytes a fingerprint is the xxh3-64 of, identical on every platform.
class canonical_writer {
public:
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    void text(std::string_view s) {
        u64(s.size());
        bytes_.append(s);
    }
    std::string_view bytes() const noexcept { return bytes_; }

private:
    std::string bytes_;
};

/// Collects up to `wanted` distinct member indices, in the order offered.
class distinct_collector {
public:
    distinct_collector(std::size_t wanted, std::size_t members)
        : wanted_(wanted < members ? wanted : members) {
        if (wanted_ > inline_capacity) {
            spill_.reserve(wanted_);
            seen_.assign(members, false);
        }
    }

    /// Offers `index`; returns true once `wanted` distinct indices are held.
    bool add(std::uint32_t index) {
        if (wanted_ <= inline_capacity) {
            for (std::size_t i = 0; i < count_; ++i)
                if (small_[i] == index) return full();
            small_[count_++] = index;
        } else {
            if (seen_[index]) return full();
            seen_[index] = true;
            spill_.push_back(index);
            ++count_;
        }
        return full();
    }

    bool full() const noexcept { return count_ >= wanted_; }
    std::size_t size() const noexcept { return count_; }
    std::uint32_t operator[](std::size_t i) const noexcept {
        return wanted_ <= inline_capacity ? small_[i] : spill_[i];
    }

private:
    static constexpr std::size_t inline_capacity = 8;
    std::size_t wanted_;
    std::size_t count_ = 0;
    std::array<std::uint32_t, inline_capacity> small_{};
    std::vector<std::uint32_t> spill_;
    std::vector<bool> seen_;
};

} // namespace cohort::detail

#endif // COHORT_ROUTING_DETAIL_PLACEMENT_HPP
