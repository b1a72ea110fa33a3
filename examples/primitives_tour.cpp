// A short walk through cohort's four primitives, each used on its own:
// node_id, the hybrid logical clock, the node state machine and the
// phi-accrual failure detector. Run by tools/demo.sh.
#include <cohort/hlc.hpp>
#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>
#include <cohort/phi_accrual.hpp>

#include <chrono>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;

namespace {

void heading(char const* title) { std::printf("\n== %s ==\n", title); }

void tour_node_id() {
    heading("node_id: name@host:port");
    for (char const* text : {"chat-1@10.0.0.7:7946", "db@[2001:DB8:0:0::1]:7000",
                             "Edge@Node3.Example.COM:4369", "1invalid@host:4369", "app@host",
                             "a@h:65536", "a@[::1::2]:1"}) {
        auto id = cohort::node_id::parse(text);
        if (id)
            std::printf("  %-30s -> %s\n", text, id->str().c_str());
        else
            std::printf("  %-30s -> error: %s\n", text, id.error().message().c_str());
    }
}

void tour_hlc() {
    heading("hybrid logical clock");
    cohort::hlc a;  // two nodes' clocks, on this machine's system clock
    cohort::hlc b;
    auto sent = a.now();
    std::printf("  node a stamps a message      %s\n", to_string(sent).c_str());
    auto received = b.update(sent);
    std::printf("  node b receives it, moves to %s (after the message: %s)\n",
                to_string(*received).c_str(), *received > sent ? "yes" : "no");
    auto next = b.now();
    std::printf("  node b's next event          %s (later still: %s)\n", to_string(next).c_str(),
                next > *received ? "yes" : "no");

    auto from_future = next;
    from_future.wall_ns += std::chrono::nanoseconds(2s).count();
    auto rejected = b.update(from_future);
    std::printf("  a stamp 2 s in the future    %s\n",
                rejected ? "accepted?!" : rejected.error().message().c_str());
}

void tour_node_state() {
    heading("node state machine");
    using cohort::state_trigger;
    auto state = cohort::node_state::joining;
    for (auto trigger : {state_trigger::join_acknowledged, state_trigger::suspicion,
                         state_trigger::refutation, state_trigger::graceful_leave,
                         state_trigger::suspicion}) {
        auto next = cohort::transition(state, trigger);
        if (next) {
            std::printf("  %-8s --%s--> %s\n", std::string(to_string(state)).c_str(),
                        std::string(to_string(trigger)).c_str(),
                        std::string(to_string(*next)).c_str());
            state = *next;
        } else {
            std::printf("  %-8s --%s--> refused: %s\n", std::string(to_string(state)).c_str(),
                        std::string(to_string(trigger)).c_str(), next.error().message().c_str());
        }
    }
}

void tour_phi_accrual() {
    heading("phi-accrual failure detector (virtual time, heartbeat every second)");
    cohort::phi_accrual_detector detector;  // Akka's defaults: threshold 8, pause 3 s
    std::chrono::nanoseconds t{0};
    for (int i = 0; i < 30; ++i, t += 1s) detector.heartbeat(t);
    auto last = t - 1s;
    std::printf("  30 heartbeats, then silence\n");
    for (auto after : {1000ms, 3000ms, 4000ms, 4400ms, 4500ms, 4600ms, 5000ms}) {
        std::printf("  %5lld ms after the last heartbeat: phi = %6.2f  %s\n",
                    static_cast<long long>(after.count()), detector.phi(last + after),
                    detector.phi(last + after) < detector.config().threshold ? "available"
                                                                             : "SUSPECT");
    }
}

} // namespace

int main() {
    tour_node_id();
    tour_hlc();
    tour_node_state();
    tour_phi_accrual();
    std::printf("\nDone. Each primitive above is one header, usable without the rest.\n");
}
