// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_UDP_TCP_PACKET_HANDLER_HPP
#define COHORT_TRANSPORT_DETAIL_UDP_TCP_PACKET_HANDLER_HPP

// The completion handler of udp_tcp_transport's packet sends, and the
// boost::asio::associator specialization that makes it look like the user's
// handler to Asio. Separate because it is a self-contained helper: the state
// only constructs it and hands it to the UDP socket, and the associator
// belongs next to the type it describes.

#include <cohort/error.hpp>
#include <cohort/transport/detail/udp_tcp_counters.hpp>

#include <boost/asio/associator.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace cohort {
namespace detail {

// The completion handler of a packet's async_send_to: counts, maps an abort
// caused by close() to transport_closed, owns the copied bytes, and exposes
// the user handler's associated executor, allocator and cancellation slot
// (see the associator below), so the socket completes straight to the user.
template <class State, class Handler>
class packet_send_handler {
public:
    packet_send_handler(std::shared_ptr<State> state, std::vector<std::byte> bytes,
                        Handler handler)
        : state_(std::move(state)), bytes_(std::move(bytes)), handler_(std::move(handler)) {}

    void operator()(boost::system::error_code ec, std::size_t n) {
        auto& counters = state_->counters_;
        if (!ec) {
            bump(counters.packets_out);
            bump(counters.bytes_out, n);
        } else if (ec == boost::asio::error::operation_aborted && state_->is_closed()) {
            ec = error::transport_closed;
            bump(counters.drops_closed);
        }
        // Free what we own before the up-call, so the handler may reuse it.
        state_.reset();
        bytes_ = {};
        std::move(handler_)(ec);
    }

    Handler const& handler() const noexcept { return handler_; }

private:
    std::shared_ptr<State> state_;
    std::vector<std::byte> bytes_;
    Handler handler_;
};

} // namespace detail
} // namespace cohort

// The packet handler is the user's handler to Asio: same executor, allocator
// and cancellation slot.
namespace boost::asio {
template <template <class, class> class Associator, class State, class Handler,
          class DefaultCandidate>
struct associator<Associator, cohort::detail::packet_send_handler<State, Handler>,
                  DefaultCandidate> : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type
    get(cohort::detail::packet_send_handler<State, Handler> const& h) noexcept {
        return Associator<Handler, DefaultCandidate>::get(h.handler());
    }
    static auto get(cohort::detail::packet_send_handler<State, Handler> const& h,
                    DefaultCandidate const& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler(), c)) {
        return Associator<Handler, DefaultCandidate>::get(h.handler(), c);
    }
};
} // namespace boost::asio

#endif // COHORT_TRANSPORT_DETAIL_UDP_TCP_PACKET_HANDLER_HPP
