// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_COHORT_HPP
#define COHORT_COHORT_HPP

// Everything public in cohort. single_include/cohort/cohort.hpp is generated
// from this file by tools/amalgamate.py.

#include <cohort/admin/admin_config.hpp>
#include <cohort/admin/admin_server.hpp>
#include <cohort/admin/cluster_members.hpp>
#include <cohort/admin/node_metrics.hpp>
#include <cohort/admin/prometheus_text.hpp>
#include <cohort/delivery.hpp>
#include <cohort/discovery/bootstrap.hpp>
#include <cohort/discovery/seed.hpp>
#include <cohort/error.hpp>
#include <cohort/histogram.hpp>
#include <cohort/hlc.hpp>
#include <cohort/hlc_timestamp.hpp>
#include <cohort/membership/protocol.hpp>
#include <cohort/node.hpp>
#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>
#include <cohort/phi_accrual.hpp>
#include <cohort/routing/atomic_ownership.hpp>
#include <cohort/routing/bounded_partitions.hpp>
#include <cohort/routing/key_hash.hpp>
#include <cohort/routing/maglev_table.hpp>
#include <cohort/routing/membership_view.hpp>
#include <cohort/routing/ownership.hpp>
#include <cohort/routing/ownership_diff.hpp>
#include <cohort/routing/rendezvous.hpp>
#include <cohort/routing/ring_member.hpp>
#include <cohort/routing/router.hpp>
#include <cohort/routing/vnode_ring.hpp>
#include <cohort/security/keyring.hpp>
#include <cohort/security/replay_guard.hpp>
#include <cohort/security/secure_channel.hpp>
#include <cohort/security/security_config.hpp>
#include <cohort/security/security_counters.hpp>
#include <cohort/sim/config.hpp>
#include <cohort/sim/counters.hpp>
#include <cohort/sim/sim_event.hpp>
#include <cohort/sim/simulator.hpp>
#include <cohort/transport/memory_network.hpp>
#include <cohort/transport/memory_transport.hpp>
#include <cohort/transport/tls_context.hpp>
#include <cohort/transport/transport.hpp>
#include <cohort/transport/udp_tcp_transport.hpp>
#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/json_codec.hpp>
#include <cohort/wire/messages.hpp>

#endif // COHORT_COHORT_HPP
