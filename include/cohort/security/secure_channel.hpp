// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SECURITY_SECURE_CHANNEL_HPP
#define COHORT_SECURITY_SECURE_CHANNEL_HPP

// The security layer between a codec and a transport: it seals the bytes a
// codec produced and opens the bytes a transport delivered, whatever the codec
// (binary, JSON, a user's) and the transport. After the codec has decoded an
// opened message, admit() runs the replay check on the sender and HLC stamp
// the envelope carries; both are inside the sealed part.
//
// Wire form of a sealed message (all integers big-endian):
//
//   sealed      = magic version mode key-id body
//   magic       = %xC0 %x53         (binary_codec's is %xC0 %x4F; JSON starts with '{')
//   version     = %x01
//   mode        = %x01 (encrypt) / %x02 (authenticate), plus %x80 when sealed
//                 under the receiver's primary rather than the sender's (below)
//   key-id      = 4 bytes           (compute_key_id of the sealing key)
//                 then, when mode has %x80, 4 more: the id of the sender's primary
//   body        = nonce ciphertext tag   when encrypt: 12-byte random nonce, AES-GCM
//                                        with the header bytes as additional data,
//                                        16-byte tag
//               / plaintext mac          when authenticate: HMAC-SHA256 over the header
//                                        and the plaintext, 32 bytes
//
// Speaking the peer's key (Consul #719). A node that missed a rotation (it
// was partitioned, or down) holds only the old key; the others still hold it
// but seal with the new primary, so it can send to them and never read them.
// So each channel remembers, per peer address, the primary that peer seals
// with (learnt from its messages without the %x80 flag), and seals to that
// peer under that key when it is not our primary but is installed here,
// flagging the message %x80 so that the peer does not take it for our
// primary. Two nodes whose primaries differ thus each speak the other's
// primary; once both use the new key, both seal with it; once the old key is
// removed, it is used by no one. The table is bounded like the replay check's.
//
// Nonces: a channel draws a random 96-bit starting point once and counts up
// from it, one per message. Within a channel no nonce ever repeats (NIST SP
// 800-38D's deterministic construction, section 8.2.1); two channels under one
// key overlap only if their starts lie within their message counts of each
// other, a chance near n^2 / 2^96. Drawing per message (RAND_bytes) would cost
// about ten times the encryption of a 64-byte message (BENCHMARKS.md).
//
// Not thread-safe: one channel per node, used on the node's executor, and so
// is set_verify(). The keyring it reads may change from any thread (see
// keyring.hpp).

#include <cohort/detail/string_hash.hpp>
#include <cohort/error.hpp>
#include <cohort/hlc_timestamp.hpp>
#include <cohort/security/detail/aes_gcm_key.hpp>
#include <cohort/security/detail/hmac_sha256_key.hpp>
#include <cohort/security/detail/openssl.hpp>
#include <cohort/security/keyring.hpp>
#include <cohort/security/replay_guard.hpp>
#include <cohort/security/security_config.hpp>
#include <cohort/security/security_counters.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cohort {

inline constexpr std::array<std::byte, 2> sealed_magic{std::byte{0xC0}, std::byte{0x53}};
inline constexpr std::byte sealed_version{0x01};
inline constexpr std::size_t sealed_header_size = 8;
/// Extra header bytes of a message sealed in the receiver's key: the sender's primary id.
inline constexpr std::size_t primary_id_size = 4;

/// The mode byte of a sealed message.
constexpr std::byte sealed_mode_byte(security_mode m) noexcept {
    return m == security_mode::encrypt ? std::byte{0x01} : std::byte{0x02};
}

/// Bytes sealing adds to a message in mode `m`.
constexpr std::size_t sealed_overhead(security_mode m) noexcept {
    return m == security_mode::encrypt
               ? sealed_header_size + detail::gcm_nonce_size + detail::gcm_tag_size
               : sealed_header_size + detail::hmac_sha256_size;
}

/// Whether `bytes` start like a sealed message.
constexpr bool looks_sealed(std::span<std::byte const> bytes) noexcept {
    return bytes.size() >= 2 && bytes[0] == sealed_magic[0] && bytes[1] == sealed_magic[1];
}

/// What open() found: the plaintext (valid until the next open()) and
/// whether it came sealed (and so must pass admit()).
struct opened_message {
    std::span<std::byte const> plaintext;
    bool sealed = false;
    key_id key = 0;             ///< the key it was sealed with (sealed only)
    key_id sender_primary = 0;  ///< the key the sender seals with by default (sealed only)
};

class secure_channel {
public:
    /// `cfg.keyring` must not be null.
    explicit secure_channel(security_config cfg)
        : cfg_(std::move(cfg)), replay_(cfg_.replay) {}

    /// The configuration, with the switches as set_verify() last set them.
    security_config const& config() const noexcept { return cfg_; }
    security_counters const& counters() const noexcept { return counters_; }

    /// Most bytes seal() adds to a message, also while verify_outgoing is
    /// off: sealing may be turned on at run time (set_verify), and a packet
    /// sized for plaintext must still fit once sealed, so whoever fills a
    /// packet budget reserves this much.
    std::size_t overhead() const noexcept { return sealed_overhead(cfg_.mode) + primary_id_size; }

    /// Turns verify_incoming and verify_outgoing on or off at run time, from
    /// the next open() and seal(): the upshift (or downshift) of a running
    /// cluster without a restart (security_config). Turning verify_outgoing
    /// on needs a key to seal with: error::no_primary_key while the keyring
    /// is empty (crypto_failure if its primary cannot be used), and then
    /// neither switch changes.
    boost::system::error_code set_verify(bool incoming, bool outgoing) {
        if (outgoing) {
            refresh();
            if (!primary_key()) return keys_.empty() ? error::no_primary_key : error::crypto_failure;
        }
        cfg_.verify_incoming = incoming;
        cfg_.verify_outgoing = outgoing;
        return {};
    }

    /// Appends the sealed form of `plain` to `out` (which must not overlap
    /// it); with verify_outgoing off, appends `plain` itself. On error `out`
    /// is unchanged: no_primary_key, crypto_failure.
    /// With `peer` (its "host:port"), seals in the primary that peer was
    /// last seen to use, if that is installed here (see the file comment).
    boost::system::error_code seal(std::span<std::byte const> plain, std::vector<std::byte>& out,
                                   std::string_view peer = {}) {
        if (!cfg_.verify_outgoing) {
            ++counters_.sent_plaintext;
            out.insert(out.end(), plain.begin(), plain.end());
            return {};
        }
        refresh();
        auto* key = primary_key();
        if (!key) return seal_failed(keys_.empty() ? error::no_primary_key : error::crypto_failure);
        bool in_peer_key = false;
        if (!peer.empty()) {
            if (auto it = peer_primaries_.find(peer); it != peer_primaries_.end() &&
                                                      it->second.key != key->id) {
                if (auto* theirs = find(it->second.key)) {
                    key = theirs;
                    in_peer_key = true;
                }
            }
        }
        std::size_t const header_size = sealed_header_size + (in_peer_key ? primary_id_size : 0);
        auto const start = out.size();
        out.resize(start + plain.size() + sealed_overhead(cfg_.mode) + (header_size - sealed_header_size));
        std::byte* p = out.data() + start;
        write_header(p, key->id, in_peer_key ? primary_ : std::nullopt);
        bool ok = false;
        if (cfg_.mode == security_mode::encrypt) {
            auto const nonce = std::span(p + header_size, detail::gcm_nonce_size);
            std::byte* cipher = nonce.data() + nonce.size();
            ok = next_nonce(nonce) &&
                 key->gcm->seal(nonce, std::span(p, header_size), plain, cipher,
                                cipher + plain.size());
        } else {
            std::copy(plain.begin(), plain.end(), p + header_size);
            std::array<std::byte, detail::hmac_sha256_size> mac{};
            ok = key->hmac->sign(std::span(p, header_size + plain.size()), mac);
            std::copy(mac.begin(), mac.end(), p + header_size + plain.size());
        }
        if (!ok) {
            out.resize(start);
            return seal_failed(error::crypto_failure);
        }
        ++counters_.sealed;
        if (in_peer_key) ++counters_.sealed_in_peer_key;
        return {};
    }

    /// Opens what a transport delivered. Sealed: verifies (and decrypts) it.
    /// Unsealed: refused with plaintext_refused unless verify_incoming is
    /// off. Errors: message_truncated, unsupported_version (malformed),
    /// wrong_security_mode, unknown_key_id, bad_auth_tag, plaintext_refused,
    /// crypto_failure.
    boost::system::result<opened_message> open(std::span<std::byte const> bytes) {
        if (!looks_sealed(bytes)) {
            if (cfg_.verify_incoming) return refuse(counters_.plaintext_refused, error::plaintext_refused);
            ++counters_.accepted_plaintext;
            return opened_message{bytes, false};
        }
        if (bytes.size() < sealed_header_size)
            return refuse(counters_.malformed, error::message_truncated);
        if (bytes[2] != sealed_version) return refuse(counters_.malformed, error::unsupported_version);
        auto const mode = bytes[3] & ~in_receiver_key_flag;
        if (mode != sealed_mode_byte(security_mode::encrypt) &&
            mode != sealed_mode_byte(security_mode::authenticate))
            return refuse(counters_.malformed, error::unsupported_version);
        if (mode != sealed_mode_byte(cfg_.mode))
            return refuse(counters_.wrong_mode, error::wrong_security_mode);
        std::size_t const header_size = sealed_header_size + (flagged(bytes) ? primary_id_size : 0);
        if (bytes.size() < sealed_overhead(cfg_.mode) + (header_size - sealed_header_size))
            return refuse(counters_.malformed, error::message_truncated);
        refresh();
        key_id const id = read_id(bytes.subspan(4));
        // the primary the sender seals with: announced when it sealed in ours
        key_id const sender_primary = flagged(bytes) ? read_id(bytes.subspan(8)) : id;
        auto* key = find(id);
        if (!key) return refuse(counters_.unknown_key, error::unknown_key_id);

        auto const header = bytes.first(header_size);
        if (cfg_.mode == security_mode::encrypt) {
            auto const nonce = bytes.subspan(header_size, detail::gcm_nonce_size);
            auto const body = bytes.subspan(header_size + detail::gcm_nonce_size);
            auto const cipher = body.first(body.size() - detail::gcm_tag_size);
            auto const tag = body.last(detail::gcm_tag_size);
            // Bounded by the transport's frame limit: the plaintext is smaller than what arrived.
            plain_.resize(cipher.size());
            if (!key->gcm->open(nonce, header, cipher, tag, plain_.data()))
                return refuse(counters_.bad_tag, error::bad_auth_tag);
            ++counters_.opened;
            return opened_message{std::span<std::byte const>(plain_), true, id, sender_primary};
        }
        auto const signed_part = bytes.first(bytes.size() - detail::hmac_sha256_size);
        std::array<std::byte, detail::hmac_sha256_size> mac{};
        if (!key->hmac->sign(signed_part, mac)) return refuse(counters_.bad_tag, error::crypto_failure);
        if (!detail::equal_constant_time(mac, bytes.last(detail::hmac_sha256_size)))
            return refuse(counters_.bad_tag, error::bad_auth_tag);
        ++counters_.opened;
        return opened_message{signed_part.subspan(header_size), true, id, sender_primary};
    }

    /// The replay check for a sealed message whose envelope came from
    /// `sender` with `stamp`, at this node's wall time `now_ns`.
    /// Errors: replayed_message, stamp_too_old.
    boost::system::error_code admit(std::string_view sender, hlc_timestamp stamp,
                                    std::uint64_t now_ns) {
        switch (replay_.check(sender, stamp, now_ns)) {
        case replay_verdict::fresh: return {};
        case replay_verdict::replayed: ++counters_.replayed; return error::replayed_message;
        case replay_verdict::too_old: ++counters_.too_old; return error::stamp_too_old;
        }
        return {};
    }

    /// After a sealed message from `peer` ("host:port") opened and passed
    /// admit(): remembers the primary it seals with (see the file comment).
    void note_peer_key(std::string_view peer, opened_message const& m) {
        if (!m.sealed || peer.empty()) return;
        auto it = peer_primaries_.find(peer);
        if (it == peer_primaries_.end()) {
            if (peer_primaries_.size() >= cfg_.replay.max_senders) detail::erase_least_recent(peer_primaries_);
            it = peer_primaries_.emplace(std::string(peer), peer_key{}).first;
        }
        it->second.key = m.sender_primary;
        it->second.last_used = ++peer_tick_;
    }

    /// Peers whose primary this channel remembers.
    std::size_t peer_keys() const noexcept { return peer_primaries_.size(); }

    /// Senders the replay check remembers.
    std::size_t replay_senders() const noexcept { return replay_.senders(); }

private:
    struct key_state {
        key_id id = 0;
        std::optional<detail::aes_gcm_key> gcm;
        std::optional<detail::hmac_sha256_key> hmac;
    };

    // Rebuilds the contexts when the keyring changed: a version read per
    // message, contexts made once per key.
    void refresh() {
        if (cfg_.keyring->version() == version_) return;
        auto snapshot = cfg_.keyring->snapshot();
        std::vector<key_state> keys;
        keys.reserve(snapshot.keys.size());
        for (auto const& k : snapshot.keys) {
            key_state s{k.id, {}, {}};
            if (cfg_.mode == security_mode::encrypt) {
                s.gcm.emplace(k.bytes);
                if (!s.gcm->valid()) continue;
            } else {
                s.hmac.emplace(k.bytes);
                if (!s.hmac->valid()) continue;
            }
            keys.push_back(std::move(s));
        }
        keys_ = std::move(keys);
        primary_ = snapshot.primary;
        version_ = snapshot.version;
    }

    key_state* find(key_id id) noexcept {
        for (auto& k : keys_)
            if (k.id == id) return &k;
        return nullptr;
    }
    key_state* primary_key() noexcept { return primary_ ? find(*primary_) : nullptr; }

    // The next nonce of this channel's run (see the file comment).
    bool next_nonce(std::span<std::byte> out) noexcept {
        if (!nonce_started_) {
            if (!detail::random_bytes(nonce_)) return false;
            nonce_started_ = true;
        }
        std::copy(nonce_.begin(), nonce_.end(), out.begin());
        for (auto i = nonce_.size(); i-- > 0;) {  // big-endian increment
            nonce_[i] = static_cast<std::byte>(std::to_integer<unsigned>(nonce_[i]) + 1);
            if (nonce_[i] != std::byte{0}) break;
        }
        return true;
    }

    static constexpr std::byte in_receiver_key_flag{0x80};

    static bool flagged(std::span<std::byte const> bytes) noexcept {
        return (bytes[3] & in_receiver_key_flag) != std::byte{0};
    }

    static key_id read_id(std::span<std::byte const> b) noexcept {
        key_id id = 0;
        for (std::size_t i = 0; i < 4; ++i) id = (id << 8) | std::to_integer<key_id>(b[i]);
        return id;
    }
    static void write_id(std::byte* p, key_id id) noexcept {
        for (std::size_t i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(id >> (8 * (3 - i)));
    }

    // With `announced`, the message is sealed in the peer's key and says
    // which primary this node seals with.
    void write_header(std::byte* p, key_id id, std::optional<key_id> announced) const noexcept {
        p[0] = sealed_magic[0];
        p[1] = sealed_magic[1];
        p[2] = sealed_version;
        p[3] = sealed_mode_byte(cfg_.mode) | (announced ? in_receiver_key_flag : std::byte{0});
        write_id(p + 4, id);
        if (announced) write_id(p + 8, *announced);
    }

    boost::system::error_code seal_failed(error e) noexcept {
        ++counters_.seal_failures;
        return e;
    }
    static boost::system::result<opened_message> refuse(std::uint64_t& counter, error e) noexcept {
        ++counter;
        return boost::system::error_code(e);
    }

    security_config cfg_;
    replay_guard replay_;
    security_counters counters_;
    std::vector<key_state> keys_;
    std::optional<key_id> primary_;
    std::uint64_t version_ = 0;  // the keyring's starts at 1
    std::vector<std::byte> plain_;
    struct peer_key {
        key_id key = 0;
        std::uint64_t last_used = 0;
    };
    std::unordered_map<std::string, peer_key, detail::string_hash, std::equal_to<>> peer_primaries_;
    std::uint64_t peer_tick_ = 0;
    std::array<std::byte, detail::gcm_nonce_size> nonce_{};
    bool nonce_started_ = false;
};

} // namespace cohort

#endif // COHORT_SECURITY_SECURE_CHANNEL_HPP
