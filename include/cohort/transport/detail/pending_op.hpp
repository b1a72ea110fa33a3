// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_PENDING_OP_HPP
#define COHORT_TRANSPORT_DETAIL_PENDING_OP_HPP

// A parked asynchronous operation: the completion handler of an
// async_receive or async_send_frame that waits in a transport's queue, type
// erased so that handlers of any token can wait in one container.
//
// It keeps the handler's executor busy while parked (outstanding work, as
// Asio's own operations do), and completes either by posting to that
// executor (from anywhere) or by dispatching (from a completion handler
// only), so a completion never runs inside the initiating function.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/recycling_allocator.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace cohort::detail {

/// True when the caller runs on `ex`, as far as that can be told cheaply:
/// an io_context executor or strand answers directly, and so does an
/// any_io_executor wrapping an io_context executor. Otherwise false.
template <class Executor>
bool running_in(Executor const& ex) noexcept {
    if constexpr (std::is_same_v<Executor, boost::asio::any_io_executor>) {
        auto const* io = ex.template target<boost::asio::io_context::executor_type>();
        return io != nullptr && io->running_in_this_thread();
    } else if constexpr (requires { ex.running_in_this_thread(); }) {
        return ex.running_in_this_thread();
    } else {
        return false;
    }
}

/// asio::dispatch, minus the type-erased detour when the caller is known to
/// run on `ex` already (the common case: a transport on one io_context).
template <class Executor, class Function>
void dispatch_fast(Executor const& ex, Function&& f) {
    if (running_in(ex))
        std::forward<Function>(f)();
    else
        boost::asio::dispatch(ex, std::forward<Function>(f));
}

template <class... Args>
class pending_op {
public:
    explicit pending_op(std::uint64_t id) noexcept : id_(id) {}
    pending_op(pending_op const&) = delete;
    pending_op& operator=(pending_op const&) = delete;
    virtual ~pending_op() = default;

    /// Posts the handler with `args` to its associated executor. Call at
    /// most once (of complete and complete_now).
    virtual void complete(Args... args) = 0;

    /// Dispatches the handler with `args` to its associated executor: runs it
    /// inline when the caller already runs there. Only from a completion
    /// handler, never from an initiating function, and only at a point where
    /// the caller tolerates re-entry (the handler may start operations or
    /// close the transport).
    virtual void complete_now(Args... args) = 0;

    /// Identifies the operation to a cancellation request.
    std::uint64_t id() const noexcept { return id_; }

    // One is parked per frame sent and per receive: Asio's per-thread
    // recycling cache spares a malloc/free pair each (any thread may free).
    static void* operator new(std::size_t size) {
        return boost::asio::recycling_allocator<std::byte>().allocate(size);
    }
    static void operator delete(void* p, std::size_t size) noexcept {
        boost::asio::recycling_allocator<std::byte>().deallocate(static_cast<std::byte*>(p), size);
    }

private:
    std::uint64_t id_;
};

template <class Handler, class IoExecutor, class... Args>
class pending_op_impl final : public pending_op<Args...> {
    using handler_executor = boost::asio::associated_executor_t<Handler, IoExecutor>;

public:
    pending_op_impl(std::uint64_t id, Handler&& handler, IoExecutor const& io_ex)
        : pending_op<Args...>(id), ex_(boost::asio::get_associated_executor(handler, io_ex)),
          handler_(std::move(handler)) {
        // The I/O executor has work for as long as an operation can be parked
        // (the transport always has a receive pending while open), so only a
        // handler running elsewhere needs its executor kept busy.
        if (!same_executor(io_ex))
            work_.emplace(ex_);
    }

    void complete(Args... args) override {
        clear_slot();
        boost::asio::post(ex_, boost::asio::append(std::move(handler_), std::move(args)...));
        work_.reset(); // the posted handler now holds the executor's work
    }

    void complete_now(Args... args) override {
        clear_slot();
        auto work = std::move(work_);
        if (running_in(ex_))
            std::move(handler_)(std::move(args)...);
        else
            boost::asio::dispatch(ex_,
                                  boost::asio::append(std::move(handler_), std::move(args)...));
    }

private:
    bool same_executor(IoExecutor const& io_ex) const noexcept {
        if constexpr (std::is_same_v<handler_executor, IoExecutor>)
            return ex_ == io_ex;
        else
            return false;
    }

    void clear_slot() {
        auto slot = boost::asio::get_associated_cancellation_slot(handler_);
        if (slot.is_connected())
            slot.clear();
    }

    handler_executor ex_;
    std::optional<boost::asio::executor_work_guard<handler_executor>> work_;
    Handler handler_;
};

/// Parks `handler`, whose signature is void(Args...).
template <class... Args, class Handler, class IoExecutor>
std::unique_ptr<pending_op<Args...>> make_pending_op(std::uint64_t id, Handler handler,
                                                     IoExecutor const& io_ex) {
    using impl = pending_op_impl<Handler, IoExecutor, Args...>;
    return std::make_unique<impl>(id, std::move(handler), io_ex);
}

} // namespace cohort::detail

#endif // COHORT_TRANSPORT_DETAIL_PENDING_OP_HPP
