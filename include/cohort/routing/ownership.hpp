// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_OWNERSHIP_HPP
#define COHORT_ROUTING_OWNERSHIP_HPP

// basic_ownership<Strategy>: which member owns a key, as an immutable table
// built from a membership snapshot. Pure: no I/O, no clock, no threads; share
// one across threads freely (every member function is const), and publish
// successive tables to concurrent readers with atomic_ownership.
//
// Agreement. Everything that decides placement is a function of the owning
// members (sorted by node_id, with their weights) and the strategy's config,
// never of input order, std::hash or unordered iteration; keys are hashed by
// hash_key() (xxh3-64, seed 0). Two nodes with the same view therefore build
// bit-identical tables, and fingerprint() lets them check it cheaply (Tinode's
// ring signature: a request stamped with another fingerprint was routed by a
// different view).
//
// Placement is by name. Every strategy hashes a member's name (node_id::name()),
// never its address: a member that restarts on a new address keeps its keys,
// and only delivery moves. The address is still part of the owning set (and of
// the fingerprint), so the new address is where calls go. Two members with one
// name (the old incarnation not yet failed) collide point for point; the
// smaller node_id wins each, as for any collision.
//
// Who owns keys: members for which owns_keys(state) holds (active and
// unknown, see ring_member.hpp) and whose weight is nonzero. members() lists
// exactly those, in node_id order; owner() returns one of them.
//
// A Strategy provides
//   static constexpr std::string_view name;
//   struct config;                                    // aggregate, defaults
//   static result<void, config_error> validate(config const&) noexcept;
//   static void write_config(detail::canonical_writer&, config const&);
//   class table {                                     // built once, immutable
//       table(std::span<detail::placed_member const>, config const&);
//       std::uint32_t owner(std::uint64_t hash) const noexcept;  // member index
//       void owners(std::uint64_t hash, detail::distinct_collector&) const;
//       std::size_t memory_bytes() const noexcept;
//       // optional, for tables that split the hash space into ranges:
//       template <class F> void for_each_range(F&&) const;
//   };
// Provided: vnode_ring, maglev_table, rendezvous, bounded_partitions.

#include <cohort/error.hpp>
#include <cohort/node_id.hpp>
#include <cohort/routing/detail/placement.hpp>
#include <cohort/routing/detail/xxhash.hpp>
#include <cohort/routing/key_hash.hpp>
#include <cohort/routing/ring_member.hpp>

#include <boost/assert.hpp>
#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort {

namespace detail {

/// A table that splits the hash space into ranges, each with one owner.
template <class Table>
concept range_table = requires(Table const& t) {
    t.for_each_range([](std::uint64_t, std::uint32_t) {});
};

/// A table of numbered slots (Maglev entries, partitions).
template <class Table>
concept slot_table = requires(Table const& t, std::size_t s, std::uint64_t h) {
    { t.slot_count() } -> std::convertible_to<std::size_t>;
    { t.slot_owner(s) } -> std::convertible_to<std::uint32_t>;
    { t.slot_of(h) } -> std::convertible_to<std::size_t>;
};

} // namespace detail

template <class Strategy>
class basic_ownership {
public:
    using strategy_type = Strategy;
    using config_type = typename Strategy::config;
    using table_type = typename Strategy::table;

    /// The table of an empty membership: no owners.
    basic_ownership() : basic_ownership(std::span<ring_member const>{}) {}

    /// Builds the table of `members` (any order). Throws
    /// boost::system::system_error (error::invalid_config, naming the field)
    /// when make() would fail.
    explicit basic_ownership(std::span<ring_member const> members, config_type const& cfg = {}) {
        if (auto r = build(members, cfg); !r)
            throw_exception_from_error(r.error(), BOOST_CURRENT_LOCATION);
    }

    /// Builds the table of `members` (any order), or names what is wrong:
    /// the config (see Strategy::validate), an empty id ("ring_member.id"),
    /// the same id twice ("ring_member.id"), or a weight above
    /// ring_member::max_weight ("ring_member.weight").
    static boost::system::result<basic_ownership, config_error>
    make(std::span<ring_member const> members, config_type const& cfg = {}) {
        basic_ownership o(empty_tag{});
        if (auto r = o.build(members, cfg); !r) return r.error();
        return o;
    }

    /// The owner of `key`. Precondition: !empty().
    node_id const& owner(std::string_view key) const noexcept { return owner(hash_key(key)); }

    /// The owner of a precomputed hash_key(). Precondition: !empty().
    node_id const& owner(hashed_key key) const noexcept {
        return members_[owner_index(key)].id;
    }

    /// The position in members() of the owner of `key`. Precondition: !empty().
    std::size_t owner_index(hashed_key key) const noexcept {
        BOOST_ASSERT(!empty());
        return table_.owner(key.value);
    }

    /// Writes min(n, size()) distinct members to `out`, the owner first: the
    /// key's replica preference list. Returns the advanced iterator.
    template <class OutputIt>
    OutputIt owners(hashed_key key, std::size_t n, OutputIt out) const {
        detail::distinct_collector found(n, members_.size());
        if (found.full()) return out;
        table_.owners(key.value, found);
        for (std::size_t i = 0; i < found.size(); ++i) *out++ = members_[found[i]].id;
        return out;
    }

    template <class OutputIt>
    OutputIt owners(std::string_view key, std::size_t n, OutputIt out) const {
        return owners(hash_key(key), n, out);
    }

    /// owners(key, n, out) into a new vector.
    std::vector<node_id> owners(std::string_view key, std::size_t n) const {
        std::vector<node_id> v;
        owners(hash_key(key), n, std::back_inserter(v));
        return v;
    }

    /// xxh3-64 (seed 0) of the canonical form of (format version, strategy
    /// name, config, owning members in node_id order with their weights):
    /// equal on any two nodes that built the same table, whatever their input
    /// order. Members' states beyond "owns keys or not" are not part of it.
    std::uint64_t fingerprint() const noexcept { return fingerprint_; }

    /// The owning members, in node_id order.
    std::span<ring_member const> members() const noexcept { return members_; }
    std::size_t size() const noexcept { return members_.size(); }
    bool empty() const noexcept { return members_.empty(); }
    config_type const& config() const noexcept { return config_; }
    table_type const& table() const noexcept { return table_; }

    /// Heap bytes of the table and member list (what "memory per node" is).
    std::size_t memory_bytes() const noexcept {
        std::size_t ids = 0;
        for (auto const& m : members_) ids += m.id.str().capacity();
        return table_.memory_bytes() + members_.capacity() * sizeof(ring_member) + ids;
    }

    /// The exact fraction of the 64-bit hash space each member owns, in
    /// members() order (for tables that split it into ranges).
    std::vector<double> hash_space_shares() const
        requires detail::range_table<table_type>
    {
        std::vector<double> share(members_.size(), 0.0);
        std::uint64_t start = 0;
        std::uint32_t owner = 0;
        bool first = true;
        table_.for_each_range([&](std::uint64_t next, std::uint32_t who) {
            if (!first) share[owner] += static_cast<double>(next - start) * 0x1p-64;
            first = false;
            start = next;
            owner = who;
        });
        if (!first) {
            // The last range runs to 2^64 - 1; one range alone is everything.
            share[owner] += start == 0 ? 1.0 : static_cast<double>(0 - start) * 0x1p-64;
        }
        return share;
    }

private:
    struct empty_tag {};
    explicit basic_ownership(empty_tag) {}

    boost::system::result<void, config_error> build(std::span<ring_member const> input,
                                                    config_type const& cfg) {
        if (auto r = Strategy::validate(cfg); !r) return r.error();
        std::vector<ring_member const*> sorted;
        sorted.reserve(input.size());
        for (auto const& m : input) {
            if (m.id.empty())
                return config_error{error::invalid_config, "ring_member.id", "must not be empty"};
            if (m.weight > ring_member::max_weight)
                return config_error{error::invalid_config, "ring_member.weight",
                                    "must be at most 1024"};
            sorted.push_back(&m);
        }
        std::sort(sorted.begin(), sorted.end(),
                  [](auto const* a, auto const* b) { return a->id < b->id; });
        for (std::size_t i = 1; i < sorted.size(); ++i)
            if (sorted[i - 1]->id == sorted[i]->id)
                return config_error{error::invalid_config, "ring_member.id",
                                    "must be unique within a snapshot"};
        members_.clear();
        for (auto const* m : sorted)
            if (owns_keys(m->state) && m->weight > 0) members_.push_back(*m);

        std::vector<detail::placed_member> placed;
        placed.reserve(members_.size());
        for (auto const& m : members_) placed.push_back({&m.id, m.weight});
        table_ = table_type(placed, cfg);
        config_ = cfg;

        detail::canonical_writer w;
        // v2: placement by name (v1 hashed the whole node_id text).
        w.text("cohort-ownership-v2");
        w.text(Strategy::name);
        Strategy::write_config(w, cfg);
        w.u64(members_.size());
        for (auto const& m : members_) {
            w.text(m.id.str());
            w.u64(m.weight);
        }
        fingerprint_ = detail::xxh3_64(w.bytes());
        return {};
    }

    std::vector<ring_member> members_;
    table_type table_;
    config_type config_{};
    std::uint64_t fingerprint_ = 0;
};

} // namespace cohort

#endif // COHORT_ROUTING_OWNERSHIP_HPP
