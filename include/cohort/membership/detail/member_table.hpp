// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_DETAIL_MEMBER_TABLE_HPP
#define COHORT_MEMBERSHIP_DETAIL_MEMBER_TABLE_HPP

// member_table: the records of a membership view, found by name.
//
// Every core of a simulated N-node cluster holds N records, so a 10,000-node
// cluster holds 10^8: the per-record overhead is the memory budget, and with
// 10^4 cores in one process every message lands on a cold core, so a lookup
// costs its cache (and TLB) misses. Hence:
//   - records have stable addresses (a pointer to one stays valid until it
//     is erased) and dense 32-bit indices (other structures hold 4-byte
//     indices, not pointers or strings); erased slots are reused. The slots
//     reserve() announces are one block; others come in chunks of 64.
//   - the name index is one array of 4-byte entries, open addressing with
//     linear probing at most 3/4 full: 8 bits of the name's hash and 24 bits
//     of index (so at most 2^24 - 1 records), so a probe reads one cache line
//     and the record itself only when those 8 bits match. The name is stored
//     once, in the record.
// A lookup touches the table, one index line and the record: about 7 bytes
// of index per record.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort::detail {

/// Records of type T (default-constructible, movable), each named by
/// `NameOf{}(record)` (a string_view into the record; names are unique and
/// must not change while the record is in the table). Not copyable.
template <class T, class NameOf>
class member_table {
public:
    using index_type = std::uint32_t;
    static constexpr index_type npos = static_cast<index_type>(-1);
    /// The most records a table holds at once (insert throws std::length_error beyond).
    static constexpr std::size_t max_size = (std::size_t{1} << 24) - 2;

    member_table() = default;
    member_table(member_table const&) = delete;
    member_table& operator=(member_table const&) = delete;

    /// Records in the table.
    std::size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    /// One past the largest index ever handed out: every live index is below it.
    index_type slots() const noexcept { return slots_; }
    /// Whether index `i` holds a record.
    bool live(index_type i) const noexcept { return i < slots_ && live_[i]; }

    /// The record at index `i` (which must be live).
    T& operator[](index_type i) noexcept {
        index_type const j = i - head_begin_;
        return j < head_size_ ? head_[j] : chunks_[i >> chunk_bits][i & chunk_mask];
    }
    T const& operator[](index_type i) const noexcept {
        index_type const j = i - head_begin_;
        return j < head_size_ ? head_[j] : chunks_[i >> chunk_bits][i & chunk_mask];
    }
    std::string_view name(index_type i) const noexcept { return NameOf{}((*this)[i]); }

    /// The index of the record called `name`, or npos.
    index_type find(std::string_view name) const noexcept {
        if (count_ == 0) return npos;
        std::uint64_t const h = hash(name);
        for (std::size_t p = position(h);; p = (p + 1) & mask_) {
            std::uint32_t const e = index_[p];
            if (e == 0) return npos;
            if ((e >> 24) == tag(h) && this->name(entry_index(e)) == name) return entry_index(e);
        }
    }

    /// Adds `value` unless a record of its name is present. Returns the index
    /// of the record of that name and whether `value` was added (if not,
    /// `value` is dropped). Indices of erased records are reused.
    std::pair<index_type, bool> insert(T value) {
        return insert_in_place([&](T& slot) { slot = std::move(value); });
    }

    /// insert() without a temporary: `fill(T&)` writes the new record into a
    /// default-constructed slot (it must give it a name).
    template <class Fill>
    std::pair<index_type, bool> insert_in_place(Fill&& fill) {
        if (count_ >= max_size) throw std::length_error("member_table: more than 2^24 - 2 records");
        if ((count_ + 1) * 4 > index_.size() * 3) grow((count_ + 1) * 2);
        index_type const i = allocate();
        T& slot = (*this)[i];
        fill(slot);
        std::string_view const name = NameOf{}(slot);
        std::uint64_t const h = hash(name);
        std::size_t p = position(h);
        for (;; p = (p + 1) & mask_) {
            std::uint32_t const e = index_[p];
            if (e == 0) break;
            if ((e >> 24) == tag(h) && this->name(entry_index(e)) == name) {
                release(i);
                return {entry_index(e), false};
            }
        }
        index_[p] = make_entry(h, i);
        live_[i] = true;
        ++count_;
        return {i, true};
    }

    /// Removes the record at live index `i` (reset to T{}); `i` may be reused.
    void erase(index_type i) {
        std::uint64_t const h = hash(name(i));
        std::size_t hole = position(h);
        while (entry_index(index_[hole]) != i) hole = (hole + 1) & mask_;
        // Backward-shift deletion: pull later entries of the run into the
        // hole unless their home lies cyclically after it.
        for (std::size_t p = (hole + 1) & mask_; index_[p] != 0; p = (p + 1) & mask_) {
            std::size_t const home = position(hash(name(entry_index(index_[p]))));
            if (((p - home) & mask_) >= ((p - hole) & mask_)) {
                index_[hole] = index_[p];
                hole = p;
            }
        }
        index_[hole] = 0;
        --count_;
        release(i);
    }

    /// Room for `n` records without growing the index; the first call made
    /// while fewer than `n` slots exist also allocates the missing slots as
    /// one block.
    void reserve(std::size_t n) {
        if (n * 4 > index_.size() * 3) grow(n);
        live_.reserve(n);
        if (!head_ && n > slots_ && n <= max_size) {
            head_begin_ = slots_;
            head_size_ = static_cast<index_type>(n - slots_);
            head_ = std::make_unique<T[]>(head_size_);
        }
    }

    /// Calls f(index, record) for every record, in index order.
    template <class F>
    void for_each(F&& f) const {
        for (index_type i = 0; i < slots_; ++i)
            if (live_[i]) f(i, (*this)[i]);
    }
    template <class F>
    void for_each(F&& f) {
        for (index_type i = 0; i < slots_; ++i)
            if (live_[i]) f(i, (*this)[i]);
    }

private:
    static constexpr unsigned chunk_bits = 6;
    static constexpr index_type chunk_size = index_type{1} << chunk_bits;
    static constexpr index_type chunk_mask = chunk_size - 1;

    static std::uint64_t hash(std::string_view s) noexcept {
        // Spread std::hash's bits: the top ones pick the position, the low 8 are the tag.
        std::uint64_t h = std::hash<std::string_view>{}(s);
        h ^= h >> 32;
        return h * 0x9e3779b97f4a7c15ULL;
    }
    static std::uint32_t tag(std::uint64_t h) noexcept { return static_cast<std::uint32_t>(h & 0xffU); }
    std::size_t position(std::uint64_t h) const noexcept {
        return static_cast<std::size_t>(h >> shift_);
    }
    static std::uint32_t make_entry(std::uint64_t h, index_type i) noexcept {
        return (tag(h) << 24) | (i + 1);
    }
    static index_type entry_index(std::uint32_t e) noexcept { return (e & 0xffffffU) - 1; }

    // Rebuilds the index with room for `n` records at 3/4 load (a power of two).
    void grow(std::size_t n) {
        std::size_t cap = 16;
        unsigned bits = 4;
        while (cap * 3 < n * 4) {
            cap *= 2;
            ++bits;
        }
        if (cap <= index_.size()) return;
        std::vector<std::uint32_t> old(cap, 0);
        old.swap(index_);
        mask_ = cap - 1;
        shift_ = 64 - bits;
        for (std::uint32_t e : old) {
            if (e == 0) continue;
            std::size_t p = position(hash(name(entry_index(e))));
            while (index_[p] != 0) p = (p + 1) & mask_;
            index_[p] = e;
        }
    }

    index_type allocate() {
        if (!free_.empty()) {
            index_type const i = free_.back();
            free_.pop_back();
            return i;
        }
        index_type const i = slots_++;
        live_.push_back(false);
        if (i - head_begin_ >= head_size_) {
            std::size_t const c = i >> chunk_bits;
            if (chunks_.size() <= c) chunks_.resize(c + 1);
            if (!chunks_[c]) chunks_[c] = std::make_unique<T[]>(chunk_size);
        }
        return i;
    }

    void release(index_type i) {
        (*this)[i] = T{};
        live_[i] = false;
        free_.push_back(i);
    }

    std::unique_ptr<T[]> head_;  // slots [head_begin_, head_begin_ + head_size_)
    index_type head_begin_ = 0;
    index_type head_size_ = 0;
    std::vector<std::unique_ptr<T[]>> chunks_;  // chunk k: slots [64k, 64k + 64) outside the head
    std::vector<bool> live_;
    std::vector<index_type> free_;
    index_type slots_ = 0;
    std::vector<std::uint32_t> index_;  // 0: empty; else tag << 24 | (index + 1)
    std::size_t mask_ = 0;
    unsigned shift_ = 60;
    std::size_t count_ = 0;
};

} // namespace cohort::detail

#endif // COHORT_MEMBERSHIP_DETAIL_MEMBER_TABLE_HPP
