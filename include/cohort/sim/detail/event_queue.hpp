// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_SIM_DETAIL_EVENT_QUEUE_HPP
#define COHORT_SIM_DETAIL_EVENT_QUEUE_HPP

// The simulator's agenda: a binary min-heap of small entries ordered by
// (time, sequence number). The sequence number is the order of insertion, so
// ties break the same way in every run. Payloads (messages in flight, user
// callbacks) live in the simulator's slabs; an entry holds only their index,
// which keeps heap moves at 24 bytes.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace cohort::detail {

enum class agenda_kind : std::uint8_t { tick, deliver, call };

struct agenda_entry {
    std::int64_t at;     // virtual ns
    std::uint64_t seq;   // insertion order: the tie-break
    std::uint32_t ref;   // node index (tick) or slab slot (deliver, call)
    std::uint32_t aux;   // the node's life (tick)
    agenda_kind kind;

    friend bool operator>(agenda_entry const& a, agenda_entry const& b) noexcept {
        return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
};

class event_queue {
public:
    void push(std::int64_t at, agenda_kind kind, std::uint32_t ref, std::uint32_t aux = 0) {
        heap_.push_back({at, seq_++, ref, aux, kind});
        std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
    }
    bool empty() const noexcept { return heap_.empty(); }
    std::size_t size() const noexcept { return heap_.size(); }
    agenda_entry const& top() const noexcept { return heap_.front(); }
    agenda_entry pop() {
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
        agenda_entry e = heap_.back();
        heap_.pop_back();
        return e;
    }

private:
    std::vector<agenda_entry> heap_;
    std::uint64_t seq_ = 0;
};

} // namespace cohort::detail

#endif // COHORT_SIM_DETAIL_EVENT_QUEUE_HPP
