// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TRANSPORT_DETAIL_RING_QUEUE_HPP
#define COHORT_TRANSPORT_DETAIL_RING_QUEUE_HPP

// A FIFO on one growable power-of-two ring. Unlike std::deque, which
// allocates and frees a block every few hundred bytes as the queue moves, it
// allocates only when it grows past its high-water mark, so a receive queue
// in steady state costs no allocation per message.

#include <boost/assert.hpp>

#include <cstddef>
#include <utility>
#include <vector>

namespace cohort::detail {

template <class T>
class ring_queue {
public:
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }

    void push_back(T&& value) {
        if (size_ == slots_.size())
            grow();
        slots_[(head_ + size_) & (slots_.size() - 1)] = std::move(value);
        ++size_;
    }

    T pop_front() {
        BOOST_ASSERT(size_ != 0);
        T value = std::move(slots_[head_]);
        slots_[head_] = T{};  // release what the moved-from value may still hold
        head_ = (head_ + 1) & (slots_.size() - 1);
        --size_;
        return value;
    }

    /// Empties the queue, releasing the elements' resources; keeps the ring.
    void clear() {
        for (std::size_t i = 0; i < size_; ++i)
            slots_[(head_ + i) & (slots_.size() - 1)] = T{};
        head_ = 0;
        size_ = 0;
    }

private:
    void grow() {
        std::vector<T> bigger(slots_.empty() ? 8 : slots_.size() * 2);
        for (std::size_t i = 0; i < size_; ++i)
            bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
        slots_ = std::move(bigger);
        head_ = 0;
    }

    std::vector<T> slots_;  // size is zero or a power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

} // namespace cohort::detail

#endif // COHORT_TRANSPORT_DETAIL_RING_QUEUE_HPP
