// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_DETAIL_ADDRESSING_HPP
#define COHORT_NODE_DETAIL_ADDRESSING_HPP

// Small helpers of basic_node: endpoints from numeric addresses, what a
// failed frame says about its peer, whether a transport runs on virtual time.

#include <cohort/membership/events.hpp>
#include <cohort/membership/member.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <concepts>
#include <optional>

namespace cohort::detail {

template <class T>
concept has_virtual_network = requires(T const& t) {
    { t.network().now() } -> std::convertible_to<std::chrono::nanoseconds>;
    t.network().config().time_source;
};

// Numeric hosts only; a hostname yields nothing (basic_node resolves those).
template <class Endpoint>
std::optional<Endpoint> to_endpoint(peer_address const& a) {
    boost::system::error_code ec;
    auto const address = boost::asio::ip::make_address(a.host, ec);
    if (ec) return std::nullopt;
    return Endpoint(address, a.port);
}

// What a failed frame says about its peer: refused, or a stream that broke.
// Anything else (timeouts, partitions, a full queue, our own close) says
// nothing about the member.
inline std::optional<down_reason> down_reason_of(boost::system::error_code const& ec) noexcept {
    namespace ae = boost::asio::error;
    if (ec == ae::connection_refused) return down_reason::connection_refused;
    if (ec == ae::connection_reset || ec == ae::eof || ec == ae::broken_pipe ||
        ec == ae::connection_aborted)
        return down_reason::connection_closed;
    return std::nullopt;
}

} // namespace cohort::detail

#endif // COHORT_NODE_DETAIL_ADDRESSING_HPP
