// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_MEMBERSHIP_IMPL_PROTOCOL_SUSPICION_HPP
#define COHORT_MEMBERSHIP_IMPL_PROTOCOL_SUSPICION_HPP

// membership_protocol's suspicion: suspect() and on_unreachable() start or confirm one, the
// Lifeguard timeout that shrinks with each distinct confirmation (detail/suspicion.hpp holds the
// timer itself), its expiry into failed, and the down reasons on_unreachable() leaves for
// node_down. Separate because it is the step between a failed probe and a failed member, the
// window in which a refutation can still save the member.

#include <cohort/membership/protocol.hpp>

namespace cohort {

inline void membership_protocol::suspect(record& rec, duration now) {
    node_state const s = rec.m.state;
    if (s == node_state::joining || s == node_state::active) {
        move_state(rec, node_state::unknown, now, self_->m.id);
        broadcast(rec, self_->m.id);
    } else if (s == node_state::unknown) {
        auto it = suspicions_.find(rec.m.id.name());
        if (it != suspicions_.end() && it->second.confirm(self_name_)) {
            ++counters_.suspicions;
            broadcast(rec, self_->m.id);
        }
    }
    // leaving and failed members are never suspected (node_state forbids it).
}

inline void membership_protocol::on_unreachable(std::string_view name, down_reason reason,
                                                duration now) {
    now_ = std::max(now_, now);
    if (reason != down_reason::connection_refused && reason != down_reason::connection_closed)
        return;
    if (!started_ || name == self_name_ || !is_live(self_->m.state)) return;
    auto const i = table_.find(name);
    if (i == table_.npos || !is_live(table_[i].m.state)) return;
    ++counters_.unreachable_suspicions;
    set_down_hint(i, reason);
    suspect(table_[i], now);
}

// Why the driver found a member unreachable, while it is suspected
// (on_unreachable): rare, so a short list rather than a field per record.
inline std::optional<down_reason> membership_protocol::down_hint(index_type i) const noexcept {
    for (auto const& [j, r] : down_hints_)
        if (j == i) return r;
    return std::nullopt;
}
inline void membership_protocol::set_down_hint(index_type i, down_reason r) {
    clear_down_hint(i);
    down_hints_.emplace_back(i, r);
}
inline void membership_protocol::clear_down_hint(index_type i) noexcept {
    std::erase_if(down_hints_, [&](auto const& h) { return h.first == i; });
}

inline void membership_protocol::start_suspicion(record& rec, duration now,
                                                 std::optional<node_id> const& from) {
    std::size_t const n = ring_.size();
    double const scale = std::max(1.0, std::log10(static_cast<double>(std::max<std::size_t>(n, 1))));
    auto const min = awareness_.scale(std::chrono::duration_cast<duration>(
        cfg_.heartbeat_interval * (cfg_.suspicion_mult * scale)));
    auto const max = std::chrono::duration_cast<duration>(min * cfg_.suspicion_max_timeout_mult);
    std::size_t const k =
        std::min({cfg_.suspicion_confirmations, cfg_.monitored_by - 1, n > 2 ? n - 2 : 0});
    std::string_view const who = from ? from->name() : std::string_view();
    if (who == self_name_) ++counters_.suspicions;
    else ++counters_.suspicions_heard;
    suspicions_.insert_or_assign(std::string(rec.m.id.name()),
                                 detail::suspicion(rec.m.incarnation, now, min, max, k, who));
}

// (Heterogeneous erase is C++23.)
inline void membership_protocol::drop_suspicion(std::string_view name) {
    if (auto it = suspicions_.find(name); it != suspicions_.end()) suspicions_.erase(it);
}

inline void membership_protocol::tick_suspicions(duration now) {
    scratch_names_.clear();
    for (auto const& [name, s] : suspicions_)
        if (s.deadline() <= now) scratch_names_.push_back(name);
    for (auto const& name : scratch_names_) {
        auto const i = table_.find(name);
        drop_suspicion(name);
        if (i == npos || table_[i].m.state != node_state::unknown) continue;
        ++counters_.failures_declared;
        move_state(table_[i], node_state::failed, now, self_->m.id);
        broadcast(table_[i], self_->m.id);
    }
}

} // namespace cohort

#endif // COHORT_MEMBERSHIP_IMPL_PROTOCOL_SUSPICION_HPP
