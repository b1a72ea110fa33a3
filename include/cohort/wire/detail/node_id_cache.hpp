// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_DETAIL_NODE_ID_CACHE_HPP
#define COHORT_WIRE_DETAIL_NODE_ID_CACHE_HPP

// The node_ids a decoder parsed lately, looked up by their wire text.
//
// Every message names its sender, and a node hears from the same few members
// over and over: parsing and checking "name@host:port" each time is a
// measurable part of a small message's cost. A hit needs the exact bytes: the
// lookup hashes the text, then compares it in full with the cached id's
// canonical text, so only bytes that parse(text) would accept unchanged ever
// match (a node_id's text is canonical and parse(str(id)) == id). Only ids
// that parsed go in. The cache holds at most `capacity` ids and forgets the
// oldest first, so hostile traffic naming ever new ids costs bounded memory.

#include <cohort/node_id.hpp>

#include <cstddef>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cohort::detail {

class node_id_cache {
public:
    /// At most `capacity` ids (at least 1).
    explicit node_id_cache(std::size_t capacity = 256) : capacity_(capacity == 0 ? 1 : capacity) {
        slots_.reserve(capacity_);  // never reallocates: the index points into the slots
        index_.reserve(capacity_);
    }

    // The index holds views of the slots' strings: not copyable, not movable.
    node_id_cache(node_id_cache const&) = delete;
    node_id_cache& operator=(node_id_cache const&) = delete;

    /// The cached id whose text is exactly `text`, or null.
    node_id const* find(std::string_view text) const noexcept {
        if (text.empty()) return nullptr;
        auto const it = index_.find(text);  // equal_to compares every byte
        return it == index_.end() ? nullptr : &slots_[it->second];
    }

    /// Remembers `id` (non-empty: a parsed id), forgetting the oldest id when
    /// full; returns the cached copy.
    node_id const& insert(node_id const& id) {
        if (auto const* hit = find(id.str())) return *hit;
        std::size_t slot = slots_.size();
        if (slot < capacity_) {
            slots_.push_back(id);
        } else {
            slot = oldest_;
            oldest_ = (oldest_ + 1) % capacity_;
            index_.erase(std::string_view(slots_[slot].str()));
            slots_[slot] = id;
        }
        index_.emplace(std::string_view(slots_[slot].str()), slot);
        return slots_[slot];
    }

    std::size_t size() const noexcept { return slots_.size(); }
    std::size_t capacity() const noexcept { return capacity_; }

    void clear() noexcept {
        index_.clear();
        slots_.clear();
        oldest_ = 0;
    }

private:
    std::size_t capacity_;
    std::vector<node_id> slots_;  // filled in insertion order, then overwritten oldest first
    std::size_t oldest_ = 0;      // the next slot to overwrite once full
    std::unordered_map<std::string_view, std::size_t> index_;
};

} // namespace cohort::detail

#endif // COHORT_WIRE_DETAIL_NODE_ID_CACHE_HPP
