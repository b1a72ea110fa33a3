// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SECURITY_DETAIL_OPENSSL_HPP
#define COHORT_SECURITY_DETAIL_OPENSSL_HPP

// Owning handles for the OpenSSL 3 objects the security layer keeps, and the
// few one-shot calls it makes (SHA-256, random bytes, wiping). Everything
// cryptographic goes through EVP; cohort writes no cipher or MAC itself.

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstddef>
#include <memory>
#include <span>

namespace cohort::detail {

struct evp_cipher_ctx_free {
    void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
struct evp_mac_ctx_free {
    void operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }
};
struct evp_mac_free {
    void operator()(EVP_MAC* p) const noexcept { EVP_MAC_free(p); }
};

using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, evp_cipher_ctx_free>;
using mac_ctx_ptr = std::unique_ptr<EVP_MAC_CTX, evp_mac_ctx_free>;
using mac_ptr = std::unique_ptr<EVP_MAC, evp_mac_free>;

inline unsigned char* uchar(std::byte* p) noexcept { return reinterpret_cast<unsigned char*>(p); }
inline unsigned char const* uchar(std::byte const* p) noexcept {
    return reinterpret_cast<unsigned char const*>(p);
}

/// SHA-256 of `a` then `b`; false if OpenSSL fails.
inline bool sha256(std::span<std::byte const> a, std::span<std::byte const> b,
                   std::array<std::byte, 32>& out) noexcept {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (!ctx) return false;
    unsigned int n = 0;
    bool const ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 &&
                    EVP_DigestUpdate(ctx, b.data(), b.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx, uchar(out.data()), &n) == 1 && n == out.size();
    EVP_MD_CTX_free(ctx);
    return ok;
}

/// Fills `out` from OpenSSL's CSPRNG; false if it is not seeded.
inline bool random_bytes(std::span<std::byte> out) noexcept {
    return RAND_bytes(uchar(out.data()), static_cast<int>(out.size())) == 1;
}

/// Constant-time equality of two equal-length byte strings.
inline bool equal_constant_time(std::span<std::byte const> a, std::span<std::byte const> b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// Overwrites secret bytes so that the compiler cannot elide it.
inline void wipe(std::span<std::byte> secret) noexcept {
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

} // namespace cohort::detail

#endif // COHORT_SECURITY_DETAIL_OPENSSL_HPP
