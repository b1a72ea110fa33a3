// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ERROR_HPP
#define COHORT_ERROR_HPP

// cohort's one error enumeration, wired into boost::system so that every
// failure in the library is a boost::system::error_code in category "cohort".

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <boost/assert/source_location.hpp>
#include <boost/throw_exception.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

namespace cohort {

/// Every way a cohort operation can fail. Zero is success and is not listed.
/// New values are only ever appended, so numeric values are stable.
enum class error {
    // node_id::parse — each value names the rule that broke.
    node_name_empty = 1,      ///< nothing before '@'
    node_name_too_long,       ///< name longer than 64 characters
    node_name_invalid_start,  ///< name does not start with an ASCII letter
    node_name_invalid_char,   ///< name holds a character outside [A-Za-z0-9_-]
    node_id_missing_at,       ///< no '@' between name and host
    node_id_missing_port,     ///< no ':port' after the host
    host_empty,               ///< nothing between '@' and ':port'
    host_too_long,            ///< hostname longer than 253 characters
    hostname_invalid,         ///< not an RFC 1123 hostname
    ipv4_invalid,             ///< dotted digits that are not a valid IPv4 address
    ipv6_invalid,             ///< bracketed text that is not a valid IPv6 address
    port_invalid,             ///< port is empty or not decimal digits
    port_out_of_range,        ///< port outside 1..65535

    // hlc
    clock_offset_exceeded,    ///< remote timestamp too far ahead of local physical time
    timestamp_invalid,        ///< malformed timestamp in string, wire or JSON form

    // node_state
    illegal_transition,       ///< the transition table has no such move
    node_state_unknown_name,  ///< string is not a node_state name

    // configuration
    invalid_config,           ///< a configuration field is out of range

    // wire: why a decoder refused its bytes, or an encoder its message
    message_truncated,        ///< input ended inside a field
    bad_magic,                ///< input does not start with cohort's magic
    unsupported_version,      ///< protocol version this build does not speak
    unknown_message_type,     ///< message type index out of range
    length_over_limit,        ///< a length or count exceeds the configured limit
    invalid_field,            ///< a field's value is not valid for its type
    trailing_bytes,           ///< bytes left over after a complete message
    malformed_json,           ///< not JSON, or JSON of the wrong shape
    message_too_large,        ///< encoded message exceeds the maximum message size

    // transport
    packet_too_large,         ///< datagram larger than the packet budget
    frame_too_large,          ///< stream frame larger than the maximum frame size
    send_queue_full,          ///< the bounded send queue for this peer is full
    transport_closed,         ///< the transport was closed
    connect_timeout,          ///< no connection within the connect timeout
    read_timeout,             ///< a frame did not arrive within the read timeout
    write_timeout,            ///< a frame could not be written within the write timeout

    // membership and node
    join_timeout,             ///< no seed answered a join within the join timeout
    not_started,              ///< the operation needs a started node

    // router
    redirect_limit,           ///< the call was redirected more times than allowed
    call_timeout,             ///< no reply within the call's timeout
    owner_failed,             ///< the key's owner failed (or left) during the call
    no_owner,                 ///< no member owns keys in the view
    no_handler,               ///< the owner has no handler for the topic
    remote_handler_error,     ///< the owner's handler failed
    unresolved_address,       ///< a peer's host is not a numeric IP address
    reply_too_large,          ///< the owner's reply does not fit in a message or frame

    // security (keyring and secure_channel)
    invalid_key,              ///< a key is not 16, 24 or 32 bytes (or not valid base64)
    key_not_installed,        ///< the keyring holds no such key
    key_is_primary,           ///< the primary key cannot be removed; use another first
    key_id_collision,         ///< another installed key has the same 4-byte key id
    no_primary_key,           ///< sealing needs a primary key and the keyring is empty
    unknown_key_id,           ///< a sealed message names a key this node does not hold
    bad_auth_tag,             ///< a sealed message's tag does not verify (tampered or wrong key)
    wrong_security_mode,      ///< sealed by the other mode (encrypt vs authenticate)
    plaintext_refused,        ///< an unsealed message while verify_incoming is on
    replayed_message,         ///< this sender's stamp was already seen
    stamp_too_old,            ///< the stamp is older than the replay window allows
    crypto_failure,           ///< OpenSSL failed (out of memory, provider missing)

    // discovery (seeds found through DNS)
    seed_invalid,             ///< a seed is neither host:port nor srv:NAME
    dns_truncated,            ///< a DNS message ends inside a header, record or name
    dns_bad_name,             ///< a DNS name is malformed (label type, length, pointer, loop)
    dns_bad_record,           ///< a record's length disagrees with its type (A, AAAA, SRV)
    dns_not_a_response,       ///< the message is a query, or answers another question
    dns_server_failure,       ///< the server answered SERVFAIL, REFUSED or another error
    dns_name_not_found,       ///< the server answered NXDOMAIN
    dns_too_many_records,     ///< more records than a lookup keeps
    dns_lookup_failed,        ///< the resolver could not reach a server or got no answer
};

} // namespace cohort

namespace boost::system {
template <>
struct is_error_code_enum<cohort::error> : std::true_type {};
} // namespace boost::system

namespace cohort {

namespace detail {

class error_category_impl final : public boost::system::error_category {
public:
    // A fixed id makes categories compare equal across shared-library boundaries.
    constexpr error_category_impl() noexcept : error_category(0xc0407c0e5a2b1f01ULL) {}

    const char* name() const noexcept override { return "cohort"; }

    std::string message(int ev) const override { return describe(ev); }

    char const* message(int ev, char* buffer, std::size_t len) const noexcept override {
        // describe() returns pointers to string literals; the buffer is unused.
        (void)buffer;
        (void)len;
        return describe(ev);
    }

    static char const* describe(int ev) noexcept {
        switch (static_cast<error>(ev)) {
        case error::node_name_empty: return "node name is empty";
        case error::node_name_too_long: return "node name is longer than 64 characters";
        case error::node_name_invalid_start: return "node name must start with a letter";
        case error::node_name_invalid_char:
            return "node name may hold only letters, digits, '_' and '-'";
        case error::node_id_missing_at: return "node id has no '@' between name and host";
        case error::node_id_missing_port: return "node id has no ':port' after the host";
        case error::host_empty: return "host is empty";
        case error::host_too_long: return "hostname is longer than 253 characters";
        case error::hostname_invalid: return "host is not a valid RFC 1123 hostname";
        case error::ipv4_invalid: return "host is not a valid IPv4 address";
        case error::ipv6_invalid: return "host is not a valid IPv6 address";
        case error::port_invalid: return "port is not a decimal number";
        case error::port_out_of_range: return "port is outside 1..65535";
        case error::clock_offset_exceeded:
            return "remote clock is further ahead than the maximum offset";
        case error::timestamp_invalid: return "malformed HLC timestamp";
        case error::illegal_transition: return "illegal node state transition";
        case error::node_state_unknown_name: return "unknown node state name";
        case error::invalid_config: return "invalid configuration";
        case error::message_truncated: return "message truncated";
        case error::bad_magic: return "not a cohort message (bad magic)";
        case error::unsupported_version: return "unsupported protocol version";
        case error::unknown_message_type: return "unknown message type";
        case error::length_over_limit: return "length or count over the configured limit";
        case error::invalid_field: return "invalid field value";
        case error::trailing_bytes: return "trailing bytes after the message";
        case error::malformed_json: return "malformed JSON message";
        case error::message_too_large: return "message larger than the maximum message size";
        case error::packet_too_large: return "packet larger than the packet budget";
        case error::frame_too_large: return "frame larger than the maximum frame size";
        case error::send_queue_full: return "send queue full";
        case error::transport_closed: return "transport closed";
        case error::connect_timeout: return "connect timed out";
        case error::read_timeout: return "read timed out";
        case error::write_timeout: return "write timed out";
        case error::join_timeout: return "no seed answered the join in time";
        case error::not_started: return "node not started";
        case error::redirect_limit: return "call redirected more times than allowed";
        case error::call_timeout: return "call timed out";
        case error::owner_failed: return "the key's owner failed during the call";
        case error::no_owner: return "no member owns keys";
        case error::no_handler: return "no handler for the topic at the owner";
        case error::remote_handler_error: return "the owner's handler failed";
        case error::unresolved_address: return "peer host is not a numeric IP address";
        case error::reply_too_large:
            return "the owner's reply is larger than the maximum message or frame size";
        case error::invalid_key: return "key must be 16, 24 or 32 bytes (base64 when text)";
        case error::key_not_installed: return "key is not installed in the keyring";
        case error::key_is_primary: return "the primary key cannot be removed";
        case error::key_id_collision: return "another installed key has the same key id";
        case error::no_primary_key: return "the keyring has no primary key";
        case error::unknown_key_id: return "message sealed with a key this node does not hold";
        case error::bad_auth_tag: return "message authentication failed";
        case error::wrong_security_mode: return "message sealed in the other security mode";
        case error::plaintext_refused: return "unsealed message refused (verify_incoming)";
        case error::replayed_message: return "message replayed (stamp already seen)";
        case error::stamp_too_old: return "message stamp older than the replay window";
        case error::crypto_failure: return "cryptographic library failure";
        case error::seed_invalid: return "a seed is host:port or srv:NAME";
        case error::dns_truncated: return "DNS message truncated";
        case error::dns_bad_name: return "malformed name in a DNS message";
        case error::dns_bad_record: return "DNS record length does not match its type";
        case error::dns_not_a_response: return "DNS message is not a response to the question";
        case error::dns_server_failure: return "DNS server failure";
        case error::dns_name_not_found: return "DNS name not found";
        case error::dns_too_many_records: return "more DNS records than a lookup keeps";
        case error::dns_lookup_failed: return "DNS lookup failed";
        }
        return "unknown cohort error";
    }
};

// One instance per program: a function-local static in an inline function is
// merged by the linker, which is what a header-only library needs.
inline error_category_impl const& error_category_instance() noexcept {
    static constexpr error_category_impl instance;
    return instance;
}

} // namespace detail

/// The "cohort" error category.
inline boost::system::error_category const& error_category() noexcept {
    return detail::error_category_instance();
}

/// Found by ADL; makes `boost::system::error_code ec = cohort::error::x;` work.
inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/// Prints the message, so that cohort::error works in logs and test output.
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << detail::error_category_impl::describe(static_cast<int>(e));
}

/// The error of a configuration check: which field broke which rule.
/// Both strings are literals with static storage.
struct config_error {
    boost::system::error_code code = error::invalid_config;
    std::string_view field;  ///< e.g. "phi_accrual_config.threshold"
    std::string_view rule;   ///< e.g. "must be greater than zero"

    std::string message() const {
        std::string m(field);
        m += ": ";
        m += rule;
        return m;
    }
    friend bool operator==(config_error const&, config_error const&) = default;
};

/// Lets boost::system::result<T, config_error>::value() throw a system_error
/// whose what() names the field.
[[noreturn]] inline void throw_exception_from_error(config_error const& e,
                                                    boost::source_location const& loc) {
    boost::throw_exception(boost::system::system_error(e.code, e.message()), loc);
}

} // namespace cohort

#endif // COHORT_ERROR_HPP
