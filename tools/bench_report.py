#!/usr/bin/env python3
"""Turns Google Benchmark JSON (run with --benchmark_repetitions) into the
Markdown table BENCHMARKS.md holds: the median of each benchmark beside the
median of its baseline from the same run, as a ratio and a difference.

Usage: bench_report.py RESULT.json [RESULT.json ...]
"""
import json
import re
import sys

# benchmark family -> its baseline families (same arguments / thread count)
BASELINES = {
    "BM_hlc_now": ["BM_hlc_clock_read", "BM_hlc_shared_word_limit"],
    "BM_hlc_update": ["BM_hlc_clock_read", "BM_hlc_shared_word_limit"],
    "BM_hlc_mutex_now": ["BM_hlc_clock_read", "BM_hlc_now"],
    "BM_hlc_shared_word_limit": ["BM_hlc_clock_read"],
    "BM_phi_heartbeat_and_phi": ["BM_phi_math_baseline"],
    "BM_phi_exponential_heartbeat_and_phi": ["BM_phi_math_baseline"],
    "BM_phi_only": ["BM_phi_math_baseline"],
    "BM_node_id_parse": ["BM_node_id_copy_baseline"],
    "BM_node_id_format": ["BM_node_id_copy_baseline"],
    "BM_wire_binary_encode": ["BM_wire_binary_memcpy_baseline"],
    "BM_wire_binary_decode": ["BM_wire_binary_memcpy_baseline"],
    "BM_wire_json_encode": ["BM_wire_json_memcpy_baseline"],
    "BM_wire_json_decode": ["BM_wire_json_memcpy_baseline"],
    "BM_udp_transport_datagrams": ["BM_udp_bare_asio_datagrams"],
    "BM_tcp_transport_frames": ["BM_tcp_bare_asio_frames_batched", "BM_tcp_bare_asio_frames"],
    "BM_route_ring_lookup": ["BM_route_jump_hash"],
    "BM_route_maglev_lookup": ["BM_route_jump_hash"],
    "BM_route_rendezvous_lookup": ["BM_route_jump_hash"],
    "BM_route_partitions_lookup": ["BM_route_jump_hash"],
    "BM_route_ring_lookup_hashed": ["BM_route_ketama_libmemcached"],
    "BM_route_maglev_lookup_hashed": ["BM_route_ketama_libmemcached"],
    "BM_route_rendezvous_lookup_hashed": ["BM_route_ketama_libmemcached"],
    "BM_route_partitions_lookup_hashed": ["BM_route_ketama_libmemcached"],
    "BM_router_forwarded_call": ["BM_router_bare_asio_per_message",
                                 "BM_router_bare_asio_request_response"],
    "BM_router_node_round_trip": ["BM_router_bare_asio_per_message"],
    "BM_node_receive": ["BM_node_receive_small_view"],
    "BM_udp_transport_datagrams_sealed": ["BM_udp_transport_datagrams"],
    "BM_tcp_transport_frames_sealed": ["BM_tcp_transport_frames"],
    "BM_security_seal_encrypt": ["BM_security_plain_copy"],
    "BM_security_open_encrypt": ["BM_security_plain_copy"],
    "BM_security_seal_authenticate": ["BM_security_plain_copy"],
    "BM_security_open_authenticate": ["BM_security_plain_copy"],
    "BM_security_seal_new_context_per_packet": ["BM_security_seal_encrypt"],
}


# references reported in their own right (their ratios are read off the table)
REFERENCES = {"BM_phi_clock_baseline", "BM_route_xxh3_key"}


def medians(paths):
    out, context, reps = {}, None, set()
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        context = context or data.get("context", {})
        for b in data["benchmarks"]:
            if b.get("aggregate_name") == "median":
                reps.add(b.get("repetitions"))
                out[b["run_name"]] = b["real_time"] if "real_time" in b["run_name"] \
                    else b["cpu_time"]
    context["repetitions"] = "/".join(str(r) for r in sorted(reps, key=str))
    return out, context


def split(run_name):
    family, _, rest = run_name.partition("/")
    return family, rest


def main(paths):
    med, ctx = medians(paths)
    print(f"Machine: {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, "
          f"Google Benchmark library built {ctx.get('library_build_type', '?')}, cohort Release; "
          f"medians of {ctx.get('repetitions', 'repeated')} repetitions.\n")
    print("| benchmark | median ns | baseline | baseline ns | ratio | difference ns |")
    print("|---|---:|---|---:|---:|---:|")
    for name in sorted(med):
        family, rest = split(name)
        for base_family in BASELINES.get(family, []):
            base = f"{base_family}/{rest}" if rest else base_family
            if base not in med:
                # a threaded benchmark may use real time while its baseline uses CPU time
                cands = [k for k in med if split(k)[0] == base_family and
                         re.sub(r"real_time/?", "", split(k)[1]) ==
                         re.sub(r"real_time/?", "", rest)]
                if cands:
                    base = cands[0]
                elif base_family in med:  # one baseline for every argument
                    base = base_family
                else:
                    continue
            v, b = med[name], med[base]
            print(f"| `{name}` | {v:.1f} | `{base}` | {b:.1f} | {v / b:.2f} | {v - b:+.1f} |")
    for name in sorted(med):
        if any(split(name)[0] in bases for bases in BASELINES.values()):
            continue
        if split(name)[0] in REFERENCES:
            print(f"| `{name}` | {med[name]:.1f} | (reference) | | | |")
        elif split(name)[0] not in BASELINES:
            print(f"| `{name}` | {med[name]:.1f} | (no baseline) | | | |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
