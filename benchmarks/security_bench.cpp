// What sealing costs per message (issue 12): secure_channel's seal and open in
// both modes for a 64 B and a 1,400 B message, beside the plain path's copy of
// the encoded bytes into the send buffer, and beside sealing with a new
// cipher context per packet (what memberlist does) to show what reusing one
// per key saves. tools/security_bench.sh adds `openssl speed` as the limit.
#include <cohort/security/secure_channel.hpp>

#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

namespace {

std::shared_ptr<cohort::keyring> bench_ring() {
    auto ring = std::make_shared<cohort::keyring>();
    (void)ring->install(std::vector<std::byte>(32, std::byte{0x5a}));
    return ring;
}

std::vector<std::byte> payload(std::size_t n) {
    std::vector<std::byte> p(n);
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>(i);
    return p;
}

cohort::security_config bench_config(cohort::security_mode mode) {
    cohort::security_config cfg;
    cfg.keyring = bench_ring();
    cfg.mode = mode;
    return cfg;
}

// The plain path: the encoded message appended to the send buffer.
void BM_security_plain_copy(benchmark::State& state) {
    auto const msg = payload(static_cast<std::size_t>(state.range(0)));
    std::vector<std::byte> out;
    out.reserve(msg.size() + 64);
    for (auto _ : state) {
        out.clear();
        out.insert(out.end(), msg.begin(), msg.end());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
}
BENCHMARK(BM_security_plain_copy)->Arg(64)->Arg(1400);

void seal_bench(benchmark::State& state, cohort::security_mode mode) {
    cohort::secure_channel ch(bench_config(mode));
    auto const msg = payload(static_cast<std::size_t>(state.range(0)));
    std::vector<std::byte> out;
    out.reserve(msg.size() + 64);
    for (auto _ : state) {
        out.clear();
        if (ch.seal(msg, out)) state.SkipWithError("seal failed");
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
}

void open_bench(benchmark::State& state, cohort::security_mode mode) {
    auto cfg = bench_config(mode);
    cohort::secure_channel sender(cfg), receiver(cfg);
    auto const msg = payload(static_cast<std::size_t>(state.range(0)));
    std::vector<std::byte> sealed;
    if (sender.seal(msg, sealed)) state.SkipWithError("seal failed");
    for (auto _ : state) {
        auto r = receiver.open(sealed);
        if (!r) state.SkipWithError("open failed");
        benchmark::DoNotOptimize(r->plaintext.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
}

void BM_security_seal_encrypt(benchmark::State& s) { seal_bench(s, cohort::security_mode::encrypt); }
void BM_security_open_encrypt(benchmark::State& s) { open_bench(s, cohort::security_mode::encrypt); }
void BM_security_seal_authenticate(benchmark::State& s) {
    seal_bench(s, cohort::security_mode::authenticate);
}
void BM_security_open_authenticate(benchmark::State& s) {
    open_bench(s, cohort::security_mode::authenticate);
}
BENCHMARK(BM_security_seal_encrypt)->Arg(64)->Arg(1400);
BENCHMARK(BM_security_open_encrypt)->Arg(64)->Arg(1400);
BENCHMARK(BM_security_seal_authenticate)->Arg(64)->Arg(1400);
BENCHMARK(BM_security_open_authenticate)->Arg(64)->Arg(1400);

// memberlist's way: a new AES-GCM context keyed for every packet.
void BM_security_seal_new_context_per_packet(benchmark::State& state) {
    auto const key = std::vector<std::byte>(32, std::byte{0x5a});
    auto const msg = payload(static_cast<std::size_t>(state.range(0)));
    std::vector<std::byte> out(msg.size() + 64);
    std::array<std::byte, 12> nonce{};
    std::array<std::byte, 8> header{};
    for (auto _ : state) {
        cohort::detail::aes_gcm_key k(key);
        (void)cohort::detail::random_bytes(nonce);
        if (!k.seal(nonce, header, msg, out.data(), out.data() + msg.size()))
            state.SkipWithError("seal failed");
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
}
BENCHMARK(BM_security_seal_new_context_per_packet)->Arg(64)->Arg(1400);

} // namespace
