// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_TLS_CONTEXT_HPP
#define COHORT_TRANSPORT_TLS_CONTEXT_HPP

// The TLS context for udp_tcp_config::tls: mutual authentication by one
// cluster CA. Every node holds a certificate signed by the cluster's CA and
// trusts that CA alone, so both ends of every stream prove membership of the
// cluster and nothing else is accepted:
//
//   - TLS 1.2 at least; TLS 1.3 whenever both ends have it (OpenSSL 3 does);
//   - verify_peer | verify_fail_if_no_peer_cert on both sides: a peer with
//     no certificate, or one its CA did not sign, fails the handshake;
//   - the CA given is the only trust anchor: the system's default store is
//     never loaded, and the CA may be a root or an intermediate (a partial
//     chain ending at it is accepted);
//   - no host name check: a node's address is not in its certificate's
//     names (nodes move, advertise NATed addresses, are named by node_id),
//     so any certificate the cluster CA signed is a member. Issue the
//     cluster's node certificates from a CA used for nothing else;
//   - no session tickets: each connection is long-lived and handshakes
//     in full, so tickets would be bytes and work for nothing.
//
// A user who needs other rules (host names, revocation lists, a cipher
// list) builds their own boost::asio::ssl::context and sets it in
// udp_tcp_config::tls instead; the transport asks nothing of it but the
// roles (it is used as client on connections it opens and as server on
// those it accepts, so it must carry a certificate usable in both).

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>
#include <string_view>

namespace cohort {

/// A node's TLS material as PEM text.
struct cluster_tls_pem {
    /// The cluster CA's certificate (several certificates: all are trusted).
    std::string ca;
    /// This node's certificate, then any intermediates up to the CA.
    std::string cert_chain;
    /// This node's private key (unencrypted PEM).
    std::string private_key;
};

namespace detail {

// The last OpenSSL error as an error_code in Asio's SSL category.
inline boost::system::error_code last_ssl_error() noexcept {
    auto const e = ::ERR_get_error();
    ::ERR_clear_error();
    return boost::system::error_code(static_cast<int>(e ? e : ERR_R_INTERNAL_ERROR),
                                     boost::asio::error::get_ssl_category());
}

// The rules shared by both makers, before any certificate is loaded.
inline boost::system::result<std::shared_ptr<boost::asio::ssl::context>> new_cluster_context() {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls);
    auto* const native = ctx->native_handle();
    if (::SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
        return last_ssl_error();
    ::SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
                                      SSL_OP_NO_RENEGOTIATION);
    (void)::SSL_CTX_set_num_tickets(native, 0); // TLS 1.3: send none
    boost::system::error_code ec;
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    if (ec)
        return ec;
    if (auto* const store = ::SSL_CTX_get_cert_store(native))
        ::X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    return ctx;
}

inline boost::system::result<void> check_key(boost::asio::ssl::context& ctx) noexcept {
    ::ERR_clear_error();
    if (::SSL_CTX_check_private_key(ctx.native_handle()) != 1)
        return last_ssl_error();
    return {};
}

} // namespace detail

/// A context for udp_tcp_config::tls from PEM text: trusts `pem.ca` only and
/// presents `pem.cert_chain` with `pem.private_key` (see the top of this
/// header for the rules). The error is OpenSSL's (asio.ssl category) when a
/// PEM does not parse, the CA holds no certificate, or the key does not
/// match the certificate. Share one context among all of a process's
/// transports: OpenSSL contexts may be used by several threads at once.
inline boost::system::result<std::shared_ptr<boost::asio::ssl::context>>
make_cluster_tls_context(cluster_tls_pem const& pem) {
    auto made = detail::new_cluster_context();
    if (!made)
        return made;
    auto& ctx = **made;
    boost::system::error_code ec;
    ctx.add_certificate_authority(boost::asio::buffer(pem.ca), ec);
    if (!ec)
        ctx.use_certificate_chain(boost::asio::buffer(pem.cert_chain), ec);
    if (!ec)
        ctx.use_private_key(boost::asio::buffer(pem.private_key), boost::asio::ssl::context::pem,
                            ec);
    if (ec)
        return ec;
    if (auto r = detail::check_key(ctx); !r)
        return r.error();
    return made;
}

/// As above, from PEM files: the CA certificate(s), this node's certificate
/// chain, and its private key. A file that cannot be read fails like a PEM
/// that does not parse.
inline boost::system::result<std::shared_ptr<boost::asio::ssl::context>>
make_cluster_tls_context(std::string const& ca_pem_file, std::string const& cert_chain_file,
                         std::string const& private_key_file) {
    auto made = detail::new_cluster_context();
    if (!made)
        return made;
    auto& ctx = **made;
    boost::system::error_code ec;
    ctx.load_verify_file(ca_pem_file, ec);
    if (!ec)
        ctx.use_certificate_chain_file(cert_chain_file, ec);
    if (!ec)
        ctx.use_private_key_file(private_key_file, boost::asio::ssl::context::pem, ec);
    if (ec)
        return ec;
    if (auto r = detail::check_key(ctx); !r)
        return r.error();
    return made;
}

} // namespace cohort

#endif // COHORT_TRANSPORT_TLS_CONTEXT_HPP
