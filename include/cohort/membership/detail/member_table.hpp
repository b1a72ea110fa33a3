// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_DETAIL_MEMBER_TABLE_HPP
#define COHORT_MEMBERSHIP_DETAIL_MEMBER_TABLE_HPP

// member_table: the records of a membership view, found by name.
//
// Every core of a simulated N-node cluster holds N records, so a 10,000-node
// cluster holds 10^8: the per-record overhead is the whole memory budget.
// Records live in fixed-size chunks (stable addresses: a pointer to a record
// stays valid until that record is erased), named by dense 32-bit indices
// (other structures hold 4-byte indices, not pointers or strings); erased
// slots go to a free list and are reused. The name index is an open-addressing
// flat set of those indices (boost::unordered_flat_set, about 5-10 bytes per
// record) whose hash and equality read the name out of the record, so the
// name is stored once, in the record.

#include <boost/unordered/unordered_flat_set.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort::detail {

/// Records of type T (default-constructible, movable), each named by
/// `NameOf{}(record)` (a string_view into the record; names are unique and
/// must not change while the record is in the table). Not copyable or
/// movable: the index refers to the table.
template <class T, class NameOf>
class member_table {
public:
    using index_type = std::uint32_t;
    static constexpr index_type npos = static_cast<index_type>(-1);

    member_table() : index_(0, hasher{this}, key_equal{this}) {}
    member_table(member_table const&) = delete;
    member_table& operator=(member_table const&) = delete;

    /// Records in the table.
    std::size_t size() const noexcept { return index_.size(); }
    bool empty() const noexcept { return index_.empty(); }
    /// One past the largest index ever handed out: every live index is below it.
    index_type slots() const noexcept { return slots_; }
    /// Whether index `i` holds a record.
    bool live(index_type i) const noexcept { return i < slots_ && live_[i]; }

    /// The record at index `i` (which must be live).
    T& operator[](index_type i) noexcept { return chunks_[i >> chunk_bits][i & chunk_mask]; }
    T const& operator[](index_type i) const noexcept {
        return chunks_[i >> chunk_bits][i & chunk_mask];
    }
    std::string_view name(index_type i) const noexcept { return NameOf{}((*this)[i]); }

    /// The index of the record called `name`, or npos.
    index_type find(std::string_view name) const {
        auto it = index_.find(name);
        return it == index_.end() ? npos : *it;
    }

    /// Adds `value` unless a record of its name is present. Returns the index
    /// of the record of that name and whether `value` was added (if not,
    /// `value` is dropped). Indices of erased records are reused.
    std::pair<index_type, bool> insert(T value) {
        index_type const i = allocate();
        (*this)[i] = std::move(value);
        live_[i] = true;
        auto [it, added] = index_.insert(i);
        if (added) return {i, true};
        index_type const existing = *it;
        release(i);
        return {existing, false};
    }

    /// insert() without a temporary: `fill(T&)` writes the new record into a
    /// default-constructed slot (it must give it a name).
    template <class Fill>
    std::pair<index_type, bool> insert_in_place(Fill&& fill) {
        index_type const i = allocate();
        fill((*this)[i]);
        live_[i] = true;
        auto [it, added] = index_.insert(i);
        if (added) return {i, true};
        index_type const existing = *it;
        release(i);
        return {existing, false};
    }

    /// Removes the record at live index `i` (reset to T{}); `i` may be reused.
    void erase(index_type i) {
        index_.erase(index_.find(name(i)));
        release(i);
    }

    /// Room for `n` records without rehashing the index.
    void reserve(std::size_t n) {
        index_.reserve(n);
        chunks_.reserve((n + chunk_mask) >> chunk_bits);
        live_.reserve(n);
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
    // 64 records per chunk: little waste in small views, few chunks in large ones.
    static constexpr unsigned chunk_bits = 6;
    static constexpr index_type chunk_size = index_type{1} << chunk_bits;
    static constexpr index_type chunk_mask = chunk_size - 1;

    struct hasher {
        using is_transparent = void;
        member_table const* t;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
        std::size_t operator()(index_type i) const noexcept { return (*this)(t->name(i)); }
    };
    struct key_equal {
        using is_transparent = void;
        member_table const* t;
        bool operator()(index_type a, index_type b) const noexcept {
            return a == b || t->name(a) == t->name(b);
        }
        bool operator()(std::string_view a, index_type b) const noexcept { return a == t->name(b); }
        bool operator()(index_type a, std::string_view b) const noexcept { return t->name(a) == b; }
    };

    index_type allocate() {
        if (!free_.empty()) {
            index_type const i = free_.back();
            free_.pop_back();
            return i;
        }
        if ((slots_ & chunk_mask) == 0 && (slots_ >> chunk_bits) == chunks_.size())
            chunks_.push_back(std::make_unique<T[]>(chunk_size));
        live_.push_back(false);
        return slots_++;
    }

    void release(index_type i) {
        (*this)[i] = T{};
        live_[i] = false;
        free_.push_back(i);
    }

    std::vector<std::unique_ptr<T[]>> chunks_;
    std::vector<bool> live_;
    std::vector<index_type> free_;
    index_type slots_ = 0;
    boost::unordered_flat_set<index_type, hasher, key_equal> index_;
};

} // namespace cohort::detail

#endif // COHORT_MEMBERSHIP_DETAIL_MEMBER_TABLE_HPP
