// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_ID_HPP
#define COHORT_NODE_ID_HPP

// node_id: the name and address of a cluster member, "name@host:port".
//
//   name  an ASCII letter, then letters, digits, '_' or '-'; 1..64 characters
//   host  dotted-quad IPv4, IPv6 in brackets ("n@[::1]:7946"), or an RFC 1123
//         hostname of at most 253 characters
//   port  1..65535
//
// Parsing canonicalises the host (hostnames in lowercase, IPv6 in RFC 5952
// form), so two spellings of one member compare equal and
// parse(to_string(id)) == id for every id.

#include <cohort/detail/host_syntax.hpp>
#include <cohort/error.hpp>

#include <boost/container_hash/hash_fwd.hpp>
#include <boost/json/conversion.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <charconv>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace cohort {

/// What the host part of a node_id is.
enum class host_kind : std::uint8_t { hostname, ipv4, ipv6 };

class node_id {
public:
    static constexpr std::size_t max_name_length = 64;
    static constexpr std::size_t max_hostname_length = 253;

    /// The empty id: not a valid member, compares less than every parsed id.
    /// Exists so that node_id can sit in default-constructed messages.
    node_id() = default;

    /// Parses "name@host:port"; the error names the rule that broke.
    static boost::system::result<node_id> parse(std::string_view text) {
        auto at = text.find('@');
        if (at == std::string_view::npos) return error::node_id_missing_at;
        std::string_view name = text.substr(0, at);
        if (auto ec = check_name(name)) return ec;

        std::string_view rest = text.substr(at + 1);
        std::string_view host;
        std::string_view port;
        bool bracketed = !rest.empty() && rest.front() == '[';
        if (bracketed) {
            auto close = rest.find(']');
            if (close == std::string_view::npos) return error::ipv6_invalid;
            host = rest.substr(1, close - 1);
            std::string_view after = rest.substr(close + 1);
            if (after.empty() || after.front() != ':') return error::node_id_missing_port;
            port = after.substr(1);
        } else {
            auto colon = rest.rfind(':');
            if (colon == std::string_view::npos) return error::node_id_missing_port;
            host = rest.substr(0, colon);
            port = rest.substr(colon + 1);
        }
        auto port_number = parse_port(port);
        if (!port_number) return port_number.error();
        return make_checked(name, host, bracketed, *port_number);
    }

    /// Builds an id from its parts, with the same checks as parse(). An IPv6
    /// host is given without brackets.
    static boost::system::result<node_id> from_parts(std::string_view name, std::string_view host,
                                                     std::uint32_t port) {
        if (auto ec = check_name(name)) return ec;
        if (port == 0 || port > 65535) return error::port_out_of_range;
        bool ipv6 = host.find(':') != std::string_view::npos;
        return make_checked(name, host, ipv6, static_cast<std::uint16_t>(port));
    }

    std::string_view name() const noexcept { return std::string_view(text_).substr(0, name_size_); }
    /// The host without brackets.
    std::string_view host() const noexcept {
        std::size_t begin = name_size_ + 1 + (kind_ == host_kind::ipv6 ? 1 : 0);
        return std::string_view(text_).substr(begin, host_size_);
    }
    std::uint16_t port() const noexcept { return port_; }
    host_kind kind() const noexcept { return kind_; }
    bool empty() const noexcept { return text_.empty(); }

    /// The canonical text; the id stores it, so this costs nothing.
    std::string const& str() const noexcept { return text_; }
    friend std::string to_string(node_id const& id) { return id.text_; }

    /// Order by name, then host text, then port number: a total order every
    /// node computes alike (the membership leader is the smallest active id).
    friend std::strong_ordering operator<=>(node_id const& a, node_id const& b) noexcept {
        if (auto c = a.name().compare(b.name()); c != 0) return c <=> 0;
        if (auto c = a.host().compare(b.host()); c != 0) return c <=> 0;
        return a.port_ <=> b.port_;
    }
    friend bool operator==(node_id const& a, node_id const& b) noexcept {
        return a.text_ == b.text_;
    }

    friend std::ostream& operator<<(std::ostream& os, node_id const& id) { return os << id.text_; }

    /// For boost::hash; equal to std::hash<node_id>.
    friend std::size_t hash_value(node_id const& id) noexcept {
        return std::hash<std::string>{}(id.text_);
    }

    friend void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, node_id const& id) {
        jv = boost::json::string(id.text_);
    }
    friend boost::system::result<node_id> tag_invoke(boost::json::try_value_to_tag<node_id>,
                                                     boost::json::value const& jv) {
        auto const* s = jv.if_string();
        if (!s) return boost::system::error_code(boost::json::error::not_string);
        return parse(std::string_view(s->data(), s->size()));
    }

private:
    static boost::system::error_code check_name(std::string_view name) noexcept {
        if (name.empty()) return error::node_name_empty;
        if (name.size() > max_name_length) return error::node_name_too_long;
        if (!detail::is_ascii_alpha(name.front())) return error::node_name_invalid_start;
        for (char c : name) {
            if (!detail::is_ascii_alpha(c) && !detail::is_ascii_digit(c) && c != '_' && c != '-')
                return error::node_name_invalid_char;
        }
        return {};
    }

    static boost::system::result<std::uint16_t> parse_port(std::string_view port) noexcept {
        if (port.empty()) return error::port_invalid;
        std::uint32_t value = 0;
        for (char c : port) {
            if (!detail::is_ascii_digit(c)) return error::port_invalid;
            value = value * 10 + static_cast<std::uint32_t>(c - '0');
            if (value > 65535) return error::port_out_of_range;
        }
        if (value == 0) return error::port_out_of_range;
        return static_cast<std::uint16_t>(value);
    }

    // `ipv6` says the host came in brackets (or, from from_parts, holds ':').
    // Writes the canonical text straight into the id: one allocation per parse.
    static boost::system::result<node_id> make_checked(std::string_view name,
                                                       std::string_view host, bool ipv6,
                                                       std::uint16_t port) {
        if (host.empty()) return error::host_empty;
        node_id id;
        id.text_.reserve(name.size() + host.size() + 9);
        id.text_ += name;
        id.text_ += '@';
        if (ipv6) {
            auto bytes = detail::parse_ipv6(host);
            if (!bytes) return error::ipv6_invalid;
            id.text_ += '[';
            id.text_ += detail::format_ipv6(*bytes);
            id.text_ += ']';
            id.kind_ = host_kind::ipv6;
        } else if (host.find(':') != std::string_view::npos) {
            return error::ipv6_invalid;  // IPv6 must be bracketed to keep ":port" unambiguous
        } else if (host.find_first_not_of("0123456789.") == std::string_view::npos) {
            // All digits and dots: it can only be meant as IPv4 (RFC 1123 2.1).
            if (!detail::parse_ipv4(host)) return error::ipv4_invalid;
            id.text_ += host;
            id.kind_ = host_kind::ipv4;
        } else {
            if (auto ec = detail::check_hostname(host)) return ec;
            auto begin = id.text_.size();
            id.text_ += host;
            for (auto i = begin; i < id.text_.size(); ++i) id.text_[i] = detail::ascii_lower(id.text_[i]);
            id.kind_ = host_kind::hostname;
        }
        id.name_size_ = static_cast<std::uint8_t>(name.size());
        id.host_size_ = static_cast<std::uint16_t>(id.text_.size() - name.size() - 1 -
                                                   (ipv6 ? 2 : 0));
        id.port_ = port;
        char digits[8];
        auto end = std::to_chars(digits, digits + sizeof digits, unsigned{port}).ptr;
        id.text_ += ':';
        id.text_.append(digits, end);
        return id;
    }

    std::string text_;  // canonical "name@host:port"
    std::uint16_t port_ = 0;
    std::uint16_t host_size_ = 0;
    std::uint8_t name_size_ = 0;
    host_kind kind_ = host_kind::hostname;
};

} // namespace cohort

template <>
struct std::hash<cohort::node_id> {
    std::size_t operator()(cohort::node_id const& id) const noexcept { return hash_value(id); }
};

#endif // COHORT_NODE_ID_HPP
