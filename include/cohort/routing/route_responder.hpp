// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ROUTING_ROUTE_RESPONDER_HPP
#define COHORT_ROUTING_ROUTE_RESPONDER_HPP

// How a basic_router handler (router.hpp) answers: route_result, the reply
// bytes or an error, and route_responder, which sends it once, from any
// thread, and answers error::remote_handler_error if dropped unanswered.
// Apart from the router because asynchronous handlers hold and move
// responders without needing the router itself.

#include <cohort/error.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

namespace cohort {

/// A handler's answer: the reply bytes, or an error (its message travels).
using route_result = boost::system::result<std::vector<std::byte>>;

/// Answers one request, once, from any thread. Destroyed unanswered, it
/// answers error::remote_handler_error.
class route_responder {
public:
    route_responder() = default;
    route_responder(route_responder&&) noexcept = default;
    route_responder& operator=(route_responder&& o) noexcept {
        if (this != &o) {
            abandon();
            deliver_ = std::move(o.deliver_);
        }
        return *this;
    }
    route_responder(route_responder const&) = delete;
    route_responder& operator=(route_responder const&) = delete;
    ~route_responder() { abandon(); }

    /// Sends the answer; later calls do nothing.
    void operator()(route_result r) {
        if (auto d = std::exchange(deliver_, nullptr)) d(std::move(r));
    }
    explicit operator bool() const noexcept { return static_cast<bool>(deliver_); }

    /// For the router: `deliver` runs once with the answer.
    explicit route_responder(std::function<void(route_result)> deliver)
        : deliver_(std::move(deliver)) {}

private:
    void abandon() {
        if (deliver_)
            (*this)(route_result(boost::system::error_code(error::remote_handler_error)));
    }
    std::function<void(route_result)> deliver_;
};

} // namespace cohort

#endif // COHORT_ROUTING_ROUTE_RESPONDER_HPP
