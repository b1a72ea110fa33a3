// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SECURITY_KEYRING_HPP
#define COHORT_SECURITY_KEYRING_HPP

// The cluster's secret keys, as Serf's keyring: install, use as primary,
// remove, list. The primary key seals what this node sends; every installed
// key opens what it receives, so a rotation is install everywhere, then use
// everywhere, then remove the old key everywhere, with no moment at which two
// nodes cannot talk.
//
// Unlike memberlist, every key has a 4-byte id (the first bytes of
// SHA-256("cohort key id" || key)) that goes on the wire, so a receiver picks
// the key at once instead of trying each one. Installing a key whose id
// collides with another installed key is refused.
//
// A keyring is shared (std::shared_ptr) between the user, the node's
// secure_channel and the agent; every member function may be called from any
// thread. secure_channel notices a change through version() and rebuilds its
// cipher contexts then, never per packet.

#include <cohort/error.hpp>
#include <cohort/security/detail/openssl.hpp>
#include <cohort/wire/detail/base64.hpp>

#include <boost/system/result.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// The 4-byte name of a key on the wire.
using key_id = std::uint32_t;

/// One key as list() shows it.
struct key_info {
    std::string key;        ///< the key, base64 (as `serf keys -list` prints it)
    key_id id = 0;          ///< its id on the wire
    bool primary = false;   ///< whether it seals what this node sends
    friend bool operator==(key_info const&, key_info const&) = default;
};

/// One installed key's bytes and id (what secure_channel builds contexts from).
struct keyring_key {
    std::vector<std::byte> bytes;
    key_id id = 0;
};

/// A consistent copy of the keyring at one version.
struct keyring_snapshot {
    std::vector<keyring_key> keys;
    std::optional<key_id> primary;
    std::uint64_t version = 0;

    keyring_snapshot() = default;
    keyring_snapshot(keyring_snapshot const&) = delete;
    keyring_snapshot& operator=(keyring_snapshot const&) = delete;
    keyring_snapshot(keyring_snapshot&&) = default;
    keyring_snapshot& operator=(keyring_snapshot&&) = default;
    ~keyring_snapshot() {
        for (auto& k : keys) detail::wipe(k.bytes);
    }
};

/// Whether `size` is a key length AES accepts (16, 24 or 32 bytes).
constexpr bool is_valid_key_size(std::size_t size) noexcept {
    return size == 16 || size == 24 || size == 32;
}

/// The wire id of `key`: the first 4 bytes, big-endian, of
/// SHA-256("cohort key id" || key). error::crypto_failure if OpenSSL fails.
inline boost::system::result<key_id> compute_key_id(std::span<std::byte const> key) noexcept {
    static constexpr char domain[] = "cohort key id";
    std::array<std::byte, 32> digest{};
    auto const prefix = std::as_bytes(std::span(domain, sizeof domain - 1));
    if (!detail::sha256(prefix, key, digest)) return error::crypto_failure;
    key_id id = 0;
    for (std::size_t i = 0; i < 4; ++i) id = (id << 8) | std::to_integer<std::uint32_t>(digest[i]);
    return id;
}

/// Decodes a base64 key (as `serf keygen` prints one) and checks its length.
inline boost::system::result<std::vector<std::byte>> decode_key(std::string_view base64) {
    auto const size = detail::base64_decoded_size(base64);
    if (!size || !is_valid_key_size(*size)) return error::invalid_key;
    std::vector<std::byte> key(*size);
    if (!detail::base64_decode(base64, key.data())) {
        detail::wipe(key);
        return error::invalid_key;
    }
    return key;
}

/// The base64 text of a key.
inline std::string encode_key(std::span<std::byte const> key) {
    std::string text(detail::base64_encoded_size(key.size()), '\0');
    detail::base64_encode(key, text.data());
    return text;
}

/// Serf-style keyring; see the file comment. Thread-safe.
class keyring {
public:
    keyring() = default;
    keyring(keyring const&) = delete;
    keyring& operator=(keyring const&) = delete;
    ~keyring() {
        for (auto& k : keys_) detail::wipe(k.bytes);
    }

    /// Adds `key` (16, 24 or 32 bytes). The first key installed becomes the
    /// primary. Installing a key already present succeeds and changes nothing.
    /// Errors: invalid_key, key_id_collision, crypto_failure.
    boost::system::result<key_id> install(std::span<std::byte const> key) {
        if (!is_valid_key_size(key.size())) return error::invalid_key;
        auto const id = compute_key_id(key);
        if (!id) return id.error();
        std::lock_guard lock(mutex_);
        for (auto const& k : keys_) {
            if (k.id != *id) continue;
            if (detail::equal_constant_time(k.bytes, key)) return *id;
            return error::key_id_collision;
        }
        keys_.push_back({std::vector<std::byte>(key.begin(), key.end()), *id});
        if (!primary_) primary_ = *id;
        changed();
        return *id;
    }
    boost::system::result<key_id> install(std::string_view base64) {
        auto key = decode_key(base64);
        if (!key) return key.error();
        auto id = install(*key);
        detail::wipe(*key);
        return id;
    }

    /// Makes an installed key the primary. Error: key_not_installed.
    boost::system::result<void> use(std::span<std::byte const> key) {
        std::lock_guard lock(mutex_);
        auto const* k = find(key);
        if (!k) return error::key_not_installed;
        if (primary_ != k->id) {
            primary_ = k->id;
            changed();
        }
        return {};
    }
    boost::system::result<void> use(std::string_view base64) {
        return with_decoded(base64, [&](auto key) { return use(key); });
    }

    /// Removes an installed key other than the primary.
    /// Errors: key_not_installed, key_is_primary.
    boost::system::result<void> remove(std::span<std::byte const> key) {
        std::lock_guard lock(mutex_);
        auto const* k = find(key);
        if (!k) return error::key_not_installed;
        if (primary_ == k->id) return error::key_is_primary;
        auto const at = keys_.begin() + (k - keys_.data());
        detail::wipe(at->bytes);
        keys_.erase(at);
        changed();
        return {};
    }
    boost::system::result<void> remove(std::string_view base64) {
        return with_decoded(base64, [&](auto key) { return remove(key); });
    }

    /// Every installed key, in installation order.
    std::vector<key_info> list() const {
        std::lock_guard lock(mutex_);
        std::vector<key_info> out;
        out.reserve(keys_.size());
        for (auto const& k : keys_) out.push_back({encode_key(k.bytes), k.id, primary_ == k.id});
        return out;
    }

    /// The primary key's id, if any key is installed.
    std::optional<key_id> primary() const {
        std::lock_guard lock(mutex_);
        return primary_;
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return keys_.size();
    }

    /// Rises on every change; cheap enough to read per packet.
    std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }

    /// A copy of the keys and primary at one version.
    keyring_snapshot snapshot() const {
        std::lock_guard lock(mutex_);
        keyring_snapshot s;
        s.keys = keys_;
        s.primary = primary_;
        s.version = version_.load(std::memory_order_relaxed);
        return s;
    }

private:
    keyring_key const* find(std::span<std::byte const> key) const {
        for (auto const& k : keys_)
            if (detail::equal_constant_time(k.bytes, key)) return &k;
        return nullptr;
    }

    template <class Fn>
    static boost::system::result<void> with_decoded(std::string_view base64, Fn fn) {
        auto key = decode_key(base64);
        if (!key) return key.error();
        auto r = fn(std::span<std::byte const>(*key));
        detail::wipe(*key);
        return r;
    }

    void changed() noexcept { version_.fetch_add(1, std::memory_order_acq_rel); }

    mutable std::mutex mutex_;
    std::vector<keyring_key> keys_;
    std::optional<key_id> primary_;
    std::atomic<std::uint64_t> version_{1};
};

} // namespace cohort

#endif // COHORT_SECURITY_KEYRING_HPP
