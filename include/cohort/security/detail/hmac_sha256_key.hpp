// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SECURITY_DETAIL_HMAC_SHA256_KEY_HPP
#define COHORT_SECURITY_DETAIL_HMAC_SHA256_KEY_HPP

// One HMAC-SHA256 key with its EVP_MAC context, keyed once: each message
// re-initialises the context with the key it already holds.

#include <cohort/security/detail/openssl.hpp>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <array>
#include <cstddef>
#include <span>

namespace cohort::detail {

inline constexpr std::size_t hmac_sha256_size = 32;

class hmac_sha256_key {
public:
    explicit hmac_sha256_key(std::span<std::byte const> key) {
        mac_ptr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
        if (!mac) return;
        ctx_.reset(EVP_MAC_CTX_new(mac.get()));
        if (!ctx_) return;
        char digest[] = OSSL_DIGEST_NAME_SHA2_256;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_end(),
        };
        valid_ = EVP_MAC_init(ctx_.get(), uchar(key.data()), key.size(), params) == 1;
    }

    bool valid() const noexcept { return valid_; }

    /// The MAC of `data`.
    bool sign(std::span<std::byte const> data, std::array<std::byte, hmac_sha256_size>& out) noexcept {
        std::size_t n = 0;
        return EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) == 1 &&
               EVP_MAC_update(ctx_.get(), uchar(data.data()), data.size()) == 1 &&
               EVP_MAC_final(ctx_.get(), uchar(out.data()), &n, out.size()) == 1 &&
               n == out.size();
    }

private:
    mac_ctx_ptr ctx_;
    bool valid_ = false;
};

} // namespace cohort::detail

#endif // COHORT_SECURITY_DETAIL_HMAC_SHA256_KEY_HPP
