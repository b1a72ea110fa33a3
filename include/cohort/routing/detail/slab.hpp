// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_DETAIL_SLAB_HPP
#define COHORT_ROUTING_DETAIL_SLAB_HPP

// The router's pending calls: a slab of reusable slots addressed by 64-bit
// keys, and a queue of their deadlines.
//
// slab<T>. insert() hands out a free slot (a new one only when none is free)
// and its key, (index << 32) | generation; the generation changes each time
// the slot is reused, so a stale key (a late reply to a finished call) finds
// nothing. Key 0 is never used. A slot keeps its value when erased: the
// owner resets what must not linger and reuses the rest (a node_id's string,
// a vector's capacity), so a call costs no allocation of its own. Values
// never move (std::deque), so a reference stays valid while other slots are
// inserted. The slab holds as many slots as were ever live at once.
//
// deadline_queue. A binary min-heap of (deadline, key) with lazy removal:
// the owner drops an entry by erasing its key from the slab; stale entries
// are discarded when they reach the top, and the heap is rebuilt when they
// outnumber live ones, so it holds at most 2 * live + 64 entries after
// compact(). Earliest deadline first; equal deadlines by key.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace cohort::detail {

template <class T>
class slab {
public:
    using key_type = std::uint64_t;

    /// A free slot (its value as last left) and its key.
    std::pair<key_type, T&> insert() {
        std::uint32_t index = 0;
        if (!free_.empty()) {
            index = free_.back();
            free_.pop_back();
        } else {
            index = static_cast<std::uint32_t>(entries_.size());
            entries_.emplace_back();
        }
        entry& e = entries_[index];
        if (++e.generation == 0) e.generation = 1;  // key 0 is never used
        e.live = true;
        ++live_;
        return {key_of(index, e.generation), e.value};
    }

    /// The live value with this key, or null.
    T* find(key_type key) noexcept {
        auto const index = static_cast<std::size_t>(key >> 32);
        if (index >= entries_.size()) return nullptr;
        entry& e = entries_[index];
        if (!e.live || e.generation != static_cast<std::uint32_t>(key)) return nullptr;
        return &e.value;
    }

    /// Frees the slot of a live key (the value stays, for reuse); false if none.
    bool erase(key_type key) noexcept {
        if (!find(key)) return false;
        auto const index = static_cast<std::uint32_t>(key >> 32);
        entries_[index].live = false;
        free_.push_back(index);
        --live_;
        return true;
    }

    /// Calls f(key, value) for every live slot, in index order. f must not
    /// insert or erase.
    template <class F>
    void for_each(F&& f) {
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            entry& e = entries_[i];
            if (e.live) f(key_of(static_cast<std::uint32_t>(i), e.generation), e.value);
        }
    }

    std::size_t size() const noexcept { return live_; }
    bool empty() const noexcept { return live_ == 0; }
    std::size_t slots() const noexcept { return entries_.size(); }

    /// Frees every slot (values stay).
    void clear() noexcept {
        free_.clear();
        for (std::size_t i = entries_.size(); i-- > 0;) {
            entries_[i].live = false;
            free_.push_back(static_cast<std::uint32_t>(i));
        }
        live_ = 0;
    }

private:
    struct entry {
        T value{};
        std::uint32_t generation = 0;
        bool live = false;
    };

    static key_type key_of(std::uint32_t index, std::uint32_t generation) noexcept {
        return (static_cast<key_type>(index) << 32) | generation;
    }

    std::deque<entry> entries_;
    std::vector<std::uint32_t> free_;  // a stack: the slot freed last is reused first
    std::size_t live_ = 0;
};

class deadline_queue {
public:
    using duration = std::chrono::nanoseconds;
    struct entry {
        duration when;
        std::uint64_t key;
    };

    void push(duration when, std::uint64_t key) {
        heap_.push_back({when, key});
        std::push_heap(heap_.begin(), heap_.end(), later);
    }

    /// The earliest entry whose key `live(key)` accepts, or null; stale
    /// entries above it are discarded.
    template <class Live>
    entry const* earliest(Live&& live) {
        while (!heap_.empty() && !live(heap_.front().key)) pop();
        return heap_.empty() ? nullptr : &heap_.front();
    }

    /// Removes the earliest entry.
    void pop() {
        std::pop_heap(heap_.begin(), heap_.end(), later);
        heap_.pop_back();
    }

    /// Rebuilds the heap from the live entries once stale ones dominate:
    /// afterwards it holds at most 2 * live_count + 64 entries.
    template <class Live>
    void compact(std::size_t live_count, Live&& live) {
        if (heap_.size() <= 2 * live_count + 64) return;
        std::erase_if(heap_, [&](entry const& e) { return !live(e.key); });
        std::make_heap(heap_.begin(), heap_.end(), later);
    }

    std::size_t size() const noexcept { return heap_.size(); }
    bool empty() const noexcept { return heap_.empty(); }
    void clear() noexcept { heap_.clear(); }

private:
    static bool later(entry const& a, entry const& b) noexcept {
        return a.when != b.when ? a.when > b.when : a.key > b.key;
    }

    std::vector<entry> heap_;
};

} // namespace cohort::detail

#endif // COHORT_ROUTING_DETAIL_SLAB_HPP
