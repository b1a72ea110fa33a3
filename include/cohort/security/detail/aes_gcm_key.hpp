// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SECURITY_DETAIL_AES_GCM_KEY_HPP
#define COHORT_SECURITY_DETAIL_AES_GCM_KEY_HPP

// One AES-GCM key with its two EVP contexts, set up once: each message then
// only sets its nonce (memberlist builds a new cipher per packet).

#include <cohort/security/detail/openssl.hpp>

#include <cstddef>
#include <span>

namespace cohort::detail {

inline constexpr std::size_t gcm_nonce_size = 12;
inline constexpr std::size_t gcm_tag_size = 16;

class aes_gcm_key {
public:
    /// Contexts for `key` (16, 24 or 32 bytes); valid() is false if OpenSSL failed.
    explicit aes_gcm_key(std::span<std::byte const> key)
        : seal_(EVP_CIPHER_CTX_new()), open_(EVP_CIPHER_CTX_new()) {
        EVP_CIPHER const* cipher = key.size() == 16   ? EVP_aes_128_gcm()
                                   : key.size() == 24 ? EVP_aes_192_gcm()
                                                      : EVP_aes_256_gcm();
        valid_ = seal_ && open_ &&
                 EVP_EncryptInit_ex(seal_.get(), cipher, nullptr, uchar(key.data()), nullptr) == 1 &&
                 EVP_DecryptInit_ex(open_.get(), cipher, nullptr, uchar(key.data()), nullptr) == 1;
    }

    bool valid() const noexcept { return valid_; }

    /// Encrypts `plain` to `cipher` (same size) and writes the tag.
    bool seal(std::span<std::byte const> nonce, std::span<std::byte const> aad,
              std::span<std::byte const> plain, std::byte* cipher, std::byte* tag) noexcept {
        auto* ctx = seal_.get();
        int n = 0;
        if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, uchar(nonce.data())) != 1) return false;
        if (EVP_EncryptUpdate(ctx, nullptr, &n, uchar(aad.data()), size(aad)) != 1) return false;
        if (EVP_EncryptUpdate(ctx, uchar(cipher), &n, uchar(plain.data()), size(plain)) != 1)
            return false;
        int tail = 0;
        if (EVP_EncryptFinal_ex(ctx, uchar(cipher) + n, &tail) != 1) return false;
        return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, gcm_tag_size, tag) == 1;
    }

    /// Decrypts `cipher` to `plain` (same size); false unless the tag verifies.
    bool open(std::span<std::byte const> nonce, std::span<std::byte const> aad,
              std::span<std::byte const> cipher, std::span<std::byte const> tag,
              std::byte* plain) noexcept {
        auto* ctx = open_.get();
        int n = 0;
        if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, uchar(nonce.data())) != 1) return false;
        if (EVP_DecryptUpdate(ctx, nullptr, &n, uchar(aad.data()), size(aad)) != 1) return false;
        if (EVP_DecryptUpdate(ctx, uchar(plain), &n, uchar(cipher.data()), size(cipher)) != 1)
            return false;
        // OpenSSL reads the expected tag but does not keep the pointer.
        if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, gcm_tag_size,
                                const_cast<std::byte*>(tag.data())) != 1)
            return false;
        int tail = 0;
        return EVP_DecryptFinal_ex(ctx, uchar(plain) + n, &tail) == 1;
    }

private:
    static int size(std::span<std::byte const> s) noexcept { return static_cast<int>(s.size()); }

    cipher_ctx_ptr seal_;
    cipher_ctx_ptr open_;
    bool valid_ = false;
};

} // namespace cohort::detail

#endif // COHORT_SECURITY_DETAIL_AES_GCM_KEY_HPP
