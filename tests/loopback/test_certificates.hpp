// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TESTS_LOOPBACK_TEST_CERTIFICATES_HPP
#define COHORT_TESTS_LOOPBACK_TEST_CERTIFICATES_HPP

// Test certificate authorities made in memory with OpenSSL's C API (no
// `openssl` command needed): an EC P-256 CA, self-signed, that issues EC
// P-256 node certificates usable as TLS client and server. Valid from an
// hour ago for 30 days. Failures throw std::runtime_error: a test that
// cannot make its certificates cannot run.

#include <cohort/transport/tls_context.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace cohort_test {

namespace detail {

struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct bio_free {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

inline void require(bool ok, char const* what) {
    if (!ok)
        throw std::runtime_error(std::string("test certificate: ") + what);
}

inline pkey_ptr p256_key() {
    pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    require(key != nullptr, "EC P-256 key generation");
    return key;
}

inline void add_extension(X509* cert, X509* issuer, int nid, char const* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    require(ext != nullptr, "extension");
    bool const added = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    require(added, "add extension");
}

// A certificate for `key` named `cn`, signed by `issuer_key` (the issuer
// is `issuer`, or the certificate itself when null).
inline x509_ptr make_certificate(EVP_PKEY* key, std::string const& cn, long serial, bool ca,
                                 X509* issuer, EVP_PKEY* issuer_key) {
    x509_ptr cert(X509_new());
    require(cert != nullptr, "X509_new");
    X509* const x = cert.get();
    require(X509_set_version(x, 2) == 1, "version");
    require(ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1, "serial");
    require(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr, "not before");
    require(X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) != nullptr, "not after");
    require(X509_set_pubkey(x, key) == 1, "public key");
    X509_NAME* const name = X509_get_subject_name(x);
    require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<unsigned char const*>(cn.c_str()), -1,
                                       -1, 0) == 1,
            "subject");
    X509* const signer = issuer ? issuer : x;
    require(X509_set_issuer_name(x, X509_get_subject_name(signer)) == 1, "issuer");
    add_extension(x, signer, NID_subject_key_identifier, "hash");
    if (ca) {
        add_extension(x, signer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(x, signer, NID_authority_key_identifier, "keyid:always");
        add_extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(x, signer, NID_key_usage, "critical,digitalSignature");
        add_extension(x, signer, NID_ext_key_usage, "serverAuth,clientAuth");
    }
    require(X509_sign(x, issuer_key, EVP_sha256()) > 0, "sign");
    return cert;
}

inline std::string pem_of(X509* cert) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
    require(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "certificate PEM");
    char* data = nullptr;
    long const n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

inline std::string pem_of(EVP_PKEY* key) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
    require(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                            nullptr) == 1,
            "key PEM");
    char* data = nullptr;
    long const n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

} // namespace detail

/// A certificate authority that lives for the test.
class test_ca {
public:
    explicit test_ca(std::string const& name)
        : key_(detail::p256_key()),
          cert_(detail::make_certificate(key_.get(), name, 1, true, nullptr, key_.get())),
          cert_pem_(detail::pem_of(cert_.get())) {}

    /// The CA certificate, PEM.
    std::string const& cert_pem() const noexcept { return cert_pem_; }

    /// A new node certificate named `cn` with its key; `ca` is this CA's
    /// certificate (the node trusts its own CA).
    cohort::cluster_tls_pem issue(std::string const& cn) {
        auto key = detail::p256_key();
        auto cert = detail::make_certificate(key.get(), cn, ++serial_, false, cert_.get(),
                                             key_.get());
        return {cert_pem_, detail::pem_of(cert.get()), detail::pem_of(key.get())};
    }

private:
    detail::pkey_ptr key_;
    detail::x509_ptr cert_;
    std::string cert_pem_;
    long serial_ = 1;
};

/// make_cluster_tls_context(pem), which must work here.
inline std::shared_ptr<boost::asio::ssl::context> context_of(cohort::cluster_tls_pem const& pem) {
    auto made = cohort::make_cluster_tls_context(pem);
    detail::require(made.has_value(), "make_cluster_tls_context");
    return *made;
}

} // namespace cohort_test

#endif // COHORT_TESTS_LOOPBACK_TEST_CERTIFICATES_HPP
