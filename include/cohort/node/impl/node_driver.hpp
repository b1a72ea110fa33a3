// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_IMPL_NODE_DRIVER_HPP
#define COHORT_NODE_IMPL_NODE_DRIVER_HPP

// The driver: the receive loop and the timer loop that feed the sans-I/O
// core, the handling of each inbound message (decode, label check, HLC stamp,
// on_message, last_heard), process() after every input (outbox, events,
// publish, re-arm), and the send path of the core's outbox, with the
// unreachable-member reports a failed frame makes. This is the per-message
// path; the operations that start and stop it are node_operations.hpp.
//
// Included at the end of node.hpp (Beast-style impl header).

#include <cohort/node.hpp>

namespace cohort {

// ---- the driver -------------------------------------------------------------------------

// The receive loop: one async_receive at a time, each message handled in
// its completion, which starts the next receive. A plain handler rather
// than a coroutine: a message costs no coroutine resumption, and the
// transport may complete it inline from its read handler.
template <transport Transport, codec Codec, wall_clock Clock>
struct basic_node<Transport, Codec, Clock>::receive_handler {
    basic_node* self;
    std::weak_ptr<int> alive;
    void operator()(boost::system::error_code ec, basic_inbound<endpoint_type> in) const {
        if (alive.expired()) return;
        self->on_received(ec, in.bytes);
    }
};

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::receive_next() {
    t_->async_receive(boost::asio::bind_cancellation_slot(
        receive_cancel_.slot(), receive_handler{this, std::weak_ptr<int>(alive_)}));
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::on_received(boost::system::error_code ec,
                                                      std::vector<std::byte> const& bytes) {
    if (ec) {
        // Closed, crashed or cancelled: this node hears nothing more.
        if (running_) ++counters_.receive_errors;
        return loop_done();
    }
    if (!running_) return loop_done();
    on_inbound(bytes);
    receive_next();
}

template <transport Transport, codec Codec, wall_clock Clock>
boost::asio::awaitable<void>
basic_node<Transport, Codec, Clock>::timer_loop(std::weak_ptr<int> alive) {
    using boost::asio::as_tuple;
    using boost::asio::use_awaitable;
    int same_instant = 0;
    while (running_) {
        auto const t = now();
        if (stop_deadline_ && *stop_deadline_ <= t) {
            shut_down();  // the graceful leave took too long
            break;
        }
        if (join_retry_at_ && *join_retry_at_ <= t) {
            join_attempt();
            continue;
        }
        if (core_->next_deadline() <= t && same_instant < 16) {
            ++same_instant;  // guards against a deadline on_tick does not move
            core_->on_tick(t);
            process();
            continue;
        }
        same_instant = 0;
        auto const deadline = std::min({core_->next_deadline(),
                                        join_retry_at_.value_or(duration::max()),
                                        stop_deadline_.value_or(duration::max())});
        armed_ = deadline;
        if (virtual_time_ || deadline == duration::max())
            timer_.expires_at(std::chrono::steady_clock::time_point::max());
        else
            timer_.expires_at(std::chrono::steady_clock::time_point(
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline)));
        co_await timer_.async_wait(as_tuple(use_awaitable));
        if (alive.expired()) co_return;
    }
    loop_done();
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::loop_done() {
    if (--loops_ > 0 || status() != node_status::stopping) return;
    complete_join(make_error_code(boost::asio::error::operation_aborted));
    if (leave_handler_)
        complete(std::exchange(leave_handler_, nullptr),
                 make_error_code(boost::asio::error::operation_aborted));
    if (owned_) owned_->close();
    set_status(node_status::stopped);
    publish();
    for (auto& h : stop_handlers_) complete(std::move(h), boost::system::error_code{});
    stop_handlers_.clear();
    for_each_event_channel([](auto& c) { c.end(); });
}

// Decodes into `e`, reusing its storage when the codec can (binary_codec).
template <transport Transport, codec Codec, wall_clock Clock>
boost::system::error_code
basic_node<Transport, Codec, Clock>::decode_into(std::span<std::byte const> bytes, envelope& e) {
    if constexpr (requires(detail::node_id_cache* ids) {
                      { codec_.decode(bytes, e, ids) } -> std::same_as<boost::system::error_code>;
                  }) {
        return codec_.decode(bytes, e, &sender_ids_);
    } else {
        auto decoded = codec_.decode(bytes);
        if (!decoded) return decoded.error();
        e = std::move(*decoded);
        return {};
    }
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::on_inbound(std::vector<std::byte> const& bytes) {
    // One envelope serves every message (its strings and vectors keep
    // their storage, its sender is compared rather than parsed), unless a
    // handler somehow brings the next message in while this one is used.
    std::optional<envelope> nested;
    envelope& e = inbound_busy_ ? nested.emplace() : inbound_;
    bool const outer = !inbound_busy_;
    inbound_busy_ = true;
    struct release {
        bool& busy;
        bool outer;
        ~release() {
            if (outer) busy = false;
        }
    } const guard{inbound_busy_, outer};
    // With a keyring, the bytes are opened first: refused ones are counted
    // by reason in counters().security and go no further.
    std::span<std::byte const> plain = bytes;
    std::optional<opened_message> opened;  // with a keyring: what open() found
    if (security_) {
        auto r = security_->open(bytes);
        if (!r) return publish();
        opened = *r;
        plain = opened->plaintext;
    }
    if (decode_into(plain, e)) {
        ++counters_.decode_errors;
        publish();
        return;
    }
    auto const type = e.body.index();
    ++counters_.messages_in[type];
    counters_.bytes_in[type] += bytes.size();
    if (e.label != core_->label()) {
        ++counters_.label_drops;
        publish();
        return;
    }
    // The sender and stamp were sealed with the message: a replay of it, or
    // a recording older than the window, is refused here.
    if (opened && opened->sealed) {
        if (security_->admit(e.sender.str(), e.time, clock_.now())) return publish();
        // the key this peer seals with, so that a peer that missed a
        // rotation is answered in a key it holds (secure_channel.hpp)
        security_->note_peer_key(peer_key_of(e.sender.host(), e.sender.port()), *opened);
    }
    auto const t = now();
    // Membership goes on whatever the stamp; what a bad stamp refuses is
    // admission and application traffic (membership/stamp_check.hpp).
    if (auto const stamp = check_stamp(*hlc_, e); stamp.offset) {
        bool const handled =
            core_->on_clock_offset(e, *stamp.offset, cfg_.hlc.max_offset, t);
        if (handled && !is_application_message(type)) {
            ++counters_.clock_offset_unmerged;
            note_heard(e);
        } else {
            ++counters_.clock_offset_drops;
        }
        return process();
    }
    if (is_application_message(type)) {
        note_heard(e);
        return deliver_application(e);
    }
    core_->on_message(e, t);
    note_heard(e);  // after the core: a joiner is a member by now
    process();
}

// last_heard for members only: a sender the core does not know (a name
// made up by anyone who knows the label) leaves no trace, so the table
// is bounded by the view; publish() drops the reaped.
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::note_heard(envelope const& e) {
    if (e.sender.empty() || e.sender == cfg_.id) return;
    auto it = heard_.find(e.sender.name());  // no allocation per message
    if (it == heard_.end()) {
        if (!core_->find(e.sender.name())) return;
        it = heard_.emplace(std::string(e.sender.name()), heard{}).first;
    }
    it->second.last = e.time;
    // For publish(): a pointer, stable while the entry lives (until a
    // rebuild, which clears the list).
    if (!it->second.dirty) {
        it->second.dirty = true;
        heard_dirty_.push_back(&*it);
    }
}

// After each input: send the outbox, queue the events, publish, re-arm.
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::process() {
    bool stop_after_events = false;
    flush_outbox();
    for (auto rtt : core_->round_trips()) probe_round_trips_.observe(rtt);
    core_->round_trips().clear();
    auto events = std::move(core_->events());
    core_->events().clear();
    for (auto& ev : events) {
        if (auto const* j = std::get_if<join_completed>(&ev)) join_attempt_done(j->ec);
        if (std::holds_alternative<leave_completed>(ev)) {
            if (leave_handler_)
                complete(std::exchange(leave_handler_, nullptr), boost::system::error_code{});
            if (stop_deadline_) stop_after_events = true;  // the graceful stop's leave
        }
        std::visit([&](auto& e) { push_event(node_event(std::move(e))); }, ev);
    }
    publish();
    if (stop_after_events) return shut_down();
    wake_timer(core_->next_deadline());
}

// The timer sleeps until the deadline it saw; wake it for an earlier one.
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::wake_timer(duration deadline) {
    if (loops_ > 0 && deadline < armed_) {
        armed_ = deadline;
        timer_.cancel();
    }
}

// Replaces the encoded message in `buffer` by its sealed form for the peer
// at host:port when the node has a keyring; a failure is counted in
// counters().security.
template <transport Transport, codec Codec, wall_clock Clock>
boost::system::error_code basic_node<Transport, Codec, Clock>::seal(std::vector<std::byte>& buffer,
                                                                   std::string_view host,
                                                                   std::uint16_t port) {
    if (!security_) return {};
    sealed_.clear();
    if (auto ec = security_->seal(buffer, sealed_, peer_key_of(host, port))) return ec;
    buffer.swap(sealed_);
    return {};
}

// "host:port", the secure channel's name for a peer (reused buffer).
template <transport Transport, codec Codec, wall_clock Clock>
std::string_view basic_node<Transport, Codec, Clock>::peer_key_of(std::string_view host,
                                                                   std::uint16_t port) {
    peer_key_.assign(host);
    peer_key_ += ':';
    peer_key_ += std::to_string(port);
    return peer_key_;
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::flush_outbox() {
    auto& outbox = core_->outbox();
    for (auto& o : outbox) {
        auto const type = o.body.index();
        envelope e = core_->make_envelope(std::move(o.body));
        e.time = hlc_->now();
        buffer_.clear();
        if (codec_.encode(e, buffer_)) {
            ++counters_.encode_errors;
            continue;
        }
        if (seal(buffer_, o.to.host, o.to.port)) continue;
        if (auto const a = address_now(o.to.host))
            send_encoded(endpoint_type(*a, o.to.port), o.to, o.how, type, buffer_);
        else
            wait_for_address(o.to, o.how, type);
    }
    outbox.clear();
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::send_encoded(endpoint_type const& to,
                                                       peer_address const& address, delivery how,
                                                       std::size_t type,
                                                       std::span<std::byte const> bytes) {
    ++counters_.messages_out[type];
    counters_.bytes_out[type] += bytes.size();
    std::weak_ptr<int> alive = alive_;
    if (how == delivery::packet && bytes.size() <= t_->packet_budget()) {
        t_->async_send_packet(to, bytes, [this, alive](boost::system::error_code ec) {
            if (ec && !alive.expired()) ++counters_.send_errors;
        });
    } else {
        if (how == delivery::packet) ++counters_.frames_for_packets;
        t_->async_send_frame(to, bytes, [this, alive, address](boost::system::error_code ec) {
            if (!ec || alive.expired()) return;
            ++counters_.send_errors;
            on_frame_failed(address, ec);
        });
    }
}

// A frame to `to` failed: if the transport says the member there refused
// or dropped the connection, the core suspects it at once.
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::on_frame_failed(peer_address const& to,
                                                          boost::system::error_code ec) {
    auto const reason = detail::down_reason_of(ec);
    if (!reason || !running_ || !core_) return;
    // Rare (failures only): a scan of the view finds the member at that address.
    for (auto const& m : core_->snapshot().members) {
        if (m.id == cfg_.id || m.id.host() != to.host || m.id.port() != to.port) continue;
        ++counters_.unreachable_reports;
        core_->on_unreachable(m.id.name(), *reason, now());
        process();
        return;
    }
    publish();
}

} // namespace cohort

#endif // COHORT_NODE_IMPL_NODE_DRIVER_HPP
