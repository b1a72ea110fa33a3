// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_IMPL_NODE_APPLICATION_HPP
#define COHORT_NODE_IMPL_NODE_APPLICATION_HPP

// Application messages and view changes, the implementation behind the
// router hooks: sending an application message (encoded without copies, its
// endpoint cached), delivering an inbound one to the matching subscriptions,
// and noticing view changes for the view listeners. Traffic that is not
// membership, kept apart from the driver that hands it over.
//
// Included at the end of node.hpp (Beast-style impl header).

#include <cohort/node.hpp>

namespace cohort {

// ==== application messages and view changes: implementation ===============================

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::do_send_application(node_id const& to, message body,
                                                              delivery how, ec_handler h) {
    if (auto ec = check_running()) return complete(std::move(h), ec);
    if (auto ec = send_application_encoded(to, body, how, h)) complete(std::move(h), ec);
}

// Encodes `body` into app_buffer_ in the envelope make_envelope() would
// build (label, sender, incarnation, the HLC's now()), without copying
// the sender or the body: app_out_ keeps them between messages, and
// `body` gets its value back.
template <transport Transport, codec Codec, wall_clock Clock>
boost::system::error_code basic_node<Transport, Codec, Clock>::encode_application(message& body) {
    envelope& e = app_out_;
    if (e.label != core_->label()) e.label = core_->label();
    if (e.sender != core_->self()) e.sender = core_->self();
    e.incarnation = core_->incarnation();
    e.time = hlc_->now();
    e.body = std::move(body);
    app_buffer_.clear();
    auto const ec = codec_.encode(e, app_buffer_);
    body = std::move(e.body);
    return ec;
}

// The node must be running. Returns the error that stops the message
// here (`done` is left alone); otherwise hands the frame to the transport,
// which calls `done(error_code)` (moved from) when it is sent or failed.
template <transport Transport, codec Codec, wall_clock Clock>
template <class Done>
boost::system::error_code
basic_node<Transport, Codec, Clock>::send_application_encoded(node_id const& to, message& body,
                                                              delivery how, Done& done) {
    auto const type = body.index();
    if (auto ec = encode_application(body)) {
        ++counters_.encode_errors;
        return ec;
    }
    if (auto ec = seal(app_buffer_, to.host(), to.port())) return ec;
    auto const ep = application_endpoint(to);
    if (!ep) {
        ++counters_.unresolved_addresses;
        return make_error_code(error::unresolved_address);
    }
    ++counters_.messages_out[type];
    counters_.bytes_out[type] += app_buffer_.size();
    auto on_sent = [this, alive = std::weak_ptr<int>(alive_), address = peer_address::of(to),
                    done = std::move(done)](boost::system::error_code ec) mutable {
        if (ec && !alive.expired()) {
            ++counters_.send_errors;
            on_frame_failed(address, ec);  // a refused owner is suspected at once
        }
        std::move(done)(ec);
    };
    if (how == delivery::packet && app_buffer_.size() <= t_->packet_budget())
        t_->async_send_packet(*ep, app_buffer_, std::move(on_sent));
    else
        t_->async_send_frame(*ep, app_buffer_, std::move(on_sent));
    return {};
}

// Parsing the address is a measurable part of a small message's cost:
// remember the last few hundred destinations.
template <transport Transport, codec Codec, wall_clock Clock>
auto basic_node<Transport, Codec, Clock>::application_endpoint(node_id const& to)
    -> std::optional<endpoint_type> {
    if (auto it = app_endpoints_.find(to.str()); it != app_endpoints_.end()) return it->second;
    auto ep = detail::to_endpoint<endpoint_type>(peer_address::of(to));
    if (!ep) {
        // A hostname: the resolver's cached answer (refreshed by its TTL,
        // so not cached here); none yet starts a lookup and the send fails
        // with error::unresolved_address.
        auto const address = peer_address::of(to);
        if (auto a = address_now(address.host)) return endpoint_type(*a, address.port);
        entry_for(address.host);
        return std::nullopt;
    }
    if (app_endpoints_.size() >= 512) app_endpoints_.clear();
    app_endpoints_.emplace(to.str(), *ep);
    return ep;
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::deliver_application(envelope& e) {
    auto const r = subscribers_->deliver(e);
    counters_.handler_exceptions += r.thrown;
    if (r.matched == 0) ++counters_.application_drops;
    if (r.thrown) publish();
}

// What the view listener watches: not phi nor last_heard, which move with
// every message.
template <transport Transport, codec Codec, wall_clock Clock>
bool basic_node<Transport, Codec, Clock>::same_member(node_member const& a,
                                                      node_member const& b) noexcept {
    return a.id == b.id && a.state == b.state && a.incarnation == b.incarnation &&
           a.tags == b.tags;
}

// Called by publish() with the new view, before it replaces members_.
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::note_view(std::vector<node_member> const& next) {
    bool const changed =
        next.size() != members_.size() ||
        !std::equal(next.begin(), next.end(), members_.begin(), same_member);
    if (!changed) return;
    view_version_.fetch_add(1, std::memory_order_acq_rel);
    if (view_notify_pending_ || !subscribers_->has_view_listeners()) return;
    view_notify_pending_ = true;
    boost::asio::post(t_->get_executor(), [this, alive = std::weak_ptr<int>(alive_)] {
        if (alive.expired()) return;
        view_notify_pending_ = false;
        if (auto const thrown = subscribers_->notify_view()) {
            counters_.handler_exceptions += thrown;
            publish();
        }
    });
}

} // namespace cohort

#endif // COHORT_NODE_IMPL_NODE_APPLICATION_HPP
