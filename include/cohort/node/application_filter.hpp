// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_APPLICATION_FILTER_HPP
#define COHORT_NODE_APPLICATION_FILTER_HPP

// Which application messages (user_message, route_request, route_reply) an
// application subscription of a basic_node receives: a channel by message
// type and, for user_message, by topic prefix. A router takes the route
// types, a pub/sub layer its own topics, user code the rest, on one node.

#include <cohort/wire/envelope.hpp>
#include <cohort/wire/messages.hpp>

#include <boost/mp11/algorithm.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace cohort {

struct application_filter {
    /// Bit i set: messages of variant index i are delivered. Only the
    /// application types count. Default: all three.
    std::uint64_t types = type_bit<user_message>() | type_bit<route_request>() |
                          type_bit<route_reply>();
    /// For user_message: only topics that begin with this ("" = every topic).
    /// Ignored for the route types.
    std::string topic_prefix;

    /// Messages of the listed types only, e.g. of<route_request, route_reply>().
    template <class... Messages>
    static application_filter of() {
        application_filter f;
        f.types = (type_bit<Messages>() | ... | 0);
        return f;
    }

    /// user_message under topics beginning with `prefix` only.
    static application_filter user_topic(std::string prefix) {
        application_filter f = of<user_message>();
        f.topic_prefix = std::move(prefix);
        return f;
    }

    bool matches(envelope const& e) const noexcept {
        auto const type = e.body.index();
        if (!is_application_message(type) || (types & (std::uint64_t(1) << type)) == 0)
            return false;
        if (topic_prefix.empty()) return true;
        auto const* u = std::get_if<user_message>(&e.body);
        return !u || u->topic.starts_with(topic_prefix);
    }

    template <class Message>
    static constexpr std::uint64_t type_bit() noexcept {
        static_assert(boost::mp11::mp_find<message, Message>::value < 64);
        return std::uint64_t(1) << boost::mp11::mp_find<message, Message>::value;
    }
};

} // namespace cohort

#endif // COHORT_NODE_APPLICATION_FILTER_HPP
