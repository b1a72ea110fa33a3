// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_NODE_IMPL_NODE_OPERATIONS_HPP
#define COHORT_NODE_IMPL_NODE_OPERATIONS_HPP

// basic_node's operations as they run on the executor: the bodies behind
// async_start, async_join (with its retries), async_set_tags, async_leave and
// async_stop, and the plumbing every operation shares: initiate() (any
// completion token, dispatched to the executor), complete() (the handler,
// posted), the status, the node's time, its HLC and the making of its core.
// Apart from the driver because each runs once per call rather than once per
// message; kept out of node.hpp so that the class reads as its interface.
//
// Included at the end of node.hpp (Beast-style impl header).

#include <cohort/node.hpp>

namespace cohort {

// Moves to the executor before touching state; the stored handler is
// completed with post(), so never inside the initiating call.
template <transport Transport, codec Codec, wall_clock Clock>
template <class Signature, class Fn, class Token>
auto basic_node<Transport, Codec, Clock>::initiate(Fn&& fn, Token& token) {
    return boost::asio::async_initiate<Token, Signature>(
        [this](auto handler, auto fn) {
            using any = boost::asio::any_completion_handler<Signature>;
            boost::asio::dispatch(t_->get_executor(),
                                  [fn = std::move(fn), h = any(std::move(handler))]() mutable {
                                      fn(std::move(h));
                                  });
        },
        token, std::forward<Fn>(fn));
}

template <transport Transport, codec Codec, wall_clock Clock>
template <class Handler, class... Args>
void basic_node<Transport, Codec, Clock>::complete(Handler h, Args&&... args) {
    boost::asio::post(t_->get_executor(),
                      boost::asio::append(std::move(h), std::forward<Args>(args)...));
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::set_status(node_status s) {
    status_.store(s, std::memory_order_release);
    push_event(status_changed{s});
}

template <transport Transport, codec Codec, wall_clock Clock>
auto basic_node<Transport, Codec, Clock>::now() const -> duration {
    if constexpr (detail::has_virtual_network<Transport>) {
        if (virtual_time_) return t_->network().now();
    }
    return std::chrono::steady_clock::now().time_since_epoch();
}

template <transport Transport, codec Codec, wall_clock Clock>
std::uint64_t basic_node<Transport, Codec, Clock>::wall_ms() const {
    return clock_.now() / 1'000'000;
}

// Built once, with the node, so that the application's timestamps and
// the envelopes' come from one clock whatever the node's status. Without
// it (a bad hlc_config) async_start fails before anything reads it.
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::make_hlc() {
    if (validate(cfg_.hlc)) hlc_.emplace(clock_, cfg_.hlc);
}

// The secure channel lives as long as the node: its replay history
// survives a restart of the core, so a recording made before a rejoin
// stays refused.
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::make_security() {
    if (!cfg_.security.keyring) return;
    security_.emplace(cfg_.security);
    verify_incoming_.store(cfg_.security.verify_incoming, std::memory_order_relaxed);
    verify_outgoing_.store(cfg_.security.verify_outgoing, std::memory_order_relaxed);
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::throw_no_hlc() {
    boost::throw_exception(boost::system::system_error(
        make_error_code(error::invalid_config), "node_config.hlc"));
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::make_core(std::uint64_t generation) {
    std::uint64_t const seed =
        cfg_.seed != 0 ? cfg_.seed : (std::hash<std::string>{}(cfg_.id.str()) ^ generation);
    // The core fills packets to its budget; the seal must still fit. The
    // whole overhead is reserved even while verify_outgoing is off, since
    // set_security_verify may turn it on under this core.
    auto membership = cfg_.membership;
    if (security_) membership.packet_budget -= security_->overhead();
    core_ = std::make_unique<membership_protocol>(membership, cfg_.id, generation, cfg_.tags,
                                                  seed);
    published_version_ = static_cast<std::uint64_t>(-1);  // a new core: rebuild the view
}

// ---- operations on the executor ---------------------------------------------------------

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::do_start(ec_handler h) {
    if (status() != node_status::created)
        return complete(std::move(h), make_error_code(boost::asio::error::already_started));
    auto r = security_ ? validate_with_switches() : validate(cfg_);
    if (r) r = check_id_against_transport();
    if (!r) {
        {
            std::lock_guard lock(mutex_);
            config_problem_ = r.error();
        }
        return complete(std::move(h), r.error().code);
    }
    if constexpr (detail::has_virtual_network<Transport>)
        virtual_time_ = t_->network().config().time_source == memory_time_source::manual;
    set_status(node_status::starting);
    make_core(wall_ms());
    core_->start(now(), {});
    running_ = true;
    loops_ = 2;
    auto const rethrow = [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    };
    receive_next();
    boost::asio::co_spawn(t_->get_executor(), timer_loop(alive_), rethrow);
    set_status(node_status::running);
    process();
    complete(std::move(h), boost::system::error_code{});
}

// validate(cfg_) with the security switches as set_security_verify()
// left them: turning verify_outgoing off before the start lifts the need
// for a primary key.
template <transport Transport, codec Codec, wall_clock Clock>
boost::system::result<void, config_error>
basic_node<Transport, Codec, Clock>::validate_with_switches() const {
    auto const& now_set = security_->config();
    if (now_set.verify_incoming == cfg_.security.verify_incoming &&
        now_set.verify_outgoing == cfg_.security.verify_outgoing)
        return validate(cfg_);
    auto cfg = cfg_;
    cfg.security.verify_incoming = now_set.verify_incoming;
    cfg.security.verify_outgoing = now_set.verify_outgoing;
    return validate(cfg);
}

// Peers reach this node at its id's address: it must be where the
// transport listens. A numeric host must equal the bound address (any
// address when bound to 0.0.0.0 or ::); a hostname is not resolved here,
// only its port is checked.
template <transport Transport, codec Codec, wall_clock Clock>
boost::system::result<void, config_error>
basic_node<Transport, Codec, Clock>::check_id_against_transport() const {
    auto const bound = t_->local_endpoint();
    auto const wrong = [](std::string_view rule) {
        return boost::system::result<void, config_error>(
            boost::system::in_place_error,
            config_error{error::invalid_config, "node_config.id", rule});
    };
    if (cfg_.id.port() != bound.port())
        return wrong("port must be the transport's local_endpoint() port");
    boost::system::error_code ec;
    auto const a = boost::asio::ip::make_address(cfg_.id.host(), ec);
    if (!ec && !bound.address().is_unspecified() && a != bound.address())
        return wrong("address must be the transport's local_endpoint() address");
    return {};
}

template <transport Transport, codec Codec, wall_clock Clock>
boost::system::error_code basic_node<Transport, Codec, Clock>::check_running() const {
    switch (status()) {
    case node_status::created: return error::not_started;
    case node_status::running: return {};
    default: return boost::asio::error::operation_aborted;
    }
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::do_join(std::vector<peer_address> seeds, join_retry retry,
                                                  ec_handler h) {
    if (auto ec = check_running()) return complete(std::move(h), ec);
    if (join_handler_)
        return complete(std::move(h), make_error_code(boost::asio::error::already_started));
    auto const s = core_->state();
    if (s == node_state::leaving || s == node_state::failed)
        return complete(std::move(h),
                        make_error_code(boost::asio::error::operation_not_supported));
    if (retry.interval <= duration::zero())
        return complete(std::move(h), make_error_code(error::invalid_config));
    std::erase(seeds, peer_address::of(cfg_.id));
    if (seeds.empty()) return complete(std::move(h), boost::system::error_code{});
    h.swap(join_handler_);  // not operator=: Boost 1.81 wraps the handler in itself
    auto const op = ++join_op_;
    on_cancel(join_handler_, [this, op] {
        if (op != join_op_ || !join_handler_) return;
        ++join_op_;  // seed lookups still under way now find nothing to do
        join_retry_at_.reset();
        core_->cancel_join();
        complete_join(make_error_code(boost::asio::error::operation_aborted));
    });
    join_seeds_ = std::move(seeds);
    join_retry_ = retry;
    join_attempt_ = 0;
    join_attempt();
}

// One attempt of the pending join: resolve the hostnames among the seeds,
// then join through the numeric addresses (the core recognises a seed's
// answer by address).
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::join_attempt() {
    join_retry_at_.reset();
    ++join_attempt_;
    auto const op = join_op_;
    struct lookup {
        std::vector<std::optional<peer_address>> seeds;
        std::size_t pending = 0;
    };
    auto const& seeds = join_seeds_;
    auto l = std::make_shared<lookup>();
    l->seeds.resize(seeds.size());
    l->pending = seeds.size() + 1;  // +1: released below, once every lookup started
    auto const done = [this, op, l] {
        if (--l->pending != 0 || op != join_op_ || !join_handler_ || !running_) return;
        std::vector<peer_address> numeric;
        bool unresolved = false;
        for (auto& a : l->seeds) {
            if (!a) unresolved = true;
            else if (!is_self(*a)) numeric.push_back(std::move(*a));
        }
        if (numeric.empty())  // every seed is this node, or could not be resolved
            return join_attempt_done(unresolved
                                         ? make_error_code(boost::asio::error::host_not_found)
                                         : boost::system::error_code{});
        core_->join(std::move(numeric), now());
        process();
    };
    for (std::size_t i = 0; i < seeds.size(); ++i) {
        if (detail::to_endpoint<endpoint_type>(seeds[i])) {  // numeric already
            l->seeds[i] = seeds[i];
            done();
            continue;
        }
        with_address(seeds[i].host, [l, i, port = seeds[i].port, done](
                                        std::optional<address_type> a) {
            if (a) l->seeds[i] = peer_address{a->to_string(), port};
            done();
        });
    }
    done();
}

// An attempt ended: complete the join, or schedule the next attempt.
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::join_attempt_done(boost::system::error_code ec) {
    if (!join_handler_) return;
    bool const retry = ec && ec != boost::asio::error::operation_aborted && running_ &&
                       (join_retry_.max_attempts == 0 ||
                        join_attempt_ < join_retry_.max_attempts);
    if (!retry) return complete_join(ec);
    push_event(join_retrying{join_attempt_, ec, join_retry_.interval});
    join_retry_at_ = now() + join_retry_.interval;
    wake_timer(*join_retry_at_);
}

// Whether `a` (numeric) is this node's own address.
template <transport Transport, codec Codec, wall_clock Clock>
bool basic_node<Transport, Codec, Clock>::is_self(peer_address const& a) const {
    if (a == peer_address::of(cfg_.id)) return true;
    auto const ep = detail::to_endpoint<endpoint_type>(a);
    return ep && *ep == t_->local_endpoint();
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::complete_join(boost::system::error_code ec) {
    if (!join_handler_) return;
    auto h = std::exchange(join_handler_, nullptr);
    boost::asio::get_associated_cancellation_slot(h).clear();
    complete(std::move(h), ec);
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::do_set_tags(std::vector<tag> tags, ec_handler h) {
    if (auto ec = check_running()) return complete(std::move(h), ec);
    auto r = core_->set_tags(std::move(tags), now());
    process();
    complete(std::move(h), r ? boost::system::error_code{} : r.error());
}

// Runs `fn` on the executor when the handler's cancellation slot fires.
// The request is posted, never run inside emit(), so that fn may clear
// the slot; fn checks that its operation is still the one pending.
template <transport Transport, codec Codec, wall_clock Clock>
template <class Handler, class Fn>
void basic_node<Transport, Codec, Clock>::on_cancel(Handler& h, Fn fn) {
    auto slot = boost::asio::get_associated_cancellation_slot(h);
    if (!slot.is_connected()) return;
    slot.assign([ex = t_->get_executor(), alive = std::weak_ptr<int>(alive_),
                 fn = std::move(fn)](boost::asio::cancellation_type) {
        boost::asio::post(ex, [alive, fn] {
            if (!alive.expired()) fn();
        });
    });
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::do_leave(ec_handler h) {
    if (auto ec = check_running()) return complete(std::move(h), ec);
    if (leave_handler_)
        return complete(std::move(h), make_error_code(boost::asio::error::already_started));
    auto const s = core_->state();
    if (s == node_state::leaving || s == node_state::failed)
        return complete(std::move(h), boost::system::error_code{});
    h.swap(leave_handler_);  // not operator=: Boost 1.81 wraps the handler in itself
    core_->leave(now());
    process();
}

template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::do_stop(stop_mode mode, ec_handler h) {
    switch (status()) {
    case node_status::created: return complete(std::move(h), make_error_code(error::not_started));
    case node_status::stopped: return complete(std::move(h), boost::system::error_code{});
    case node_status::stopping:
        stop_handlers_.push_back(std::move(h));
        if (mode == stop_mode::abrupt && stop_deadline_) shut_down();
        return;
    default: break;
    }
    stop_handlers_.push_back(std::move(h));
    set_status(node_status::stopping);
    auto const s = core_->state();
    bool const member = s == node_state::joining || s == node_state::active;
    if (mode == stop_mode::graceful && (member || leave_handler_)) {
        // Leave first; process() shuts down at leave_completed, the timer
        // loop at the deadline.
        stop_deadline_ = now() + cfg_.leave_timeout;
        if (member) core_->leave(now());
        process();
        if (stop_deadline_) wake_timer(*stop_deadline_);
        return;
    }
    shut_down();
}

// Ends the driver: the loops see running_ false and finish (loop_done).
template <transport Transport, codec Codec, wall_clock Clock>
void basic_node<Transport, Codec, Clock>::shut_down() {
    stop_deadline_.reset();
    join_retry_at_.reset();
    if (!running_) return;
    running_ = false;
    receive_cancel_.emit(boost::asio::cancellation_type::terminal);
    timer_.cancel();
    resolver_.cancel();
}

} // namespace cohort

#endif // COHORT_NODE_IMPL_NODE_OPERATIONS_HPP
