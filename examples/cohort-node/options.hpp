// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_EXAMPLES_COHORT_NODE_OPTIONS_HPP
#define COHORT_EXAMPLES_COHORT_NODE_OPTIONS_HPP

// cohort-node's command line, parsed and checked without side effects.
// Options take their value as `--opt value` or `--opt=value`. Every problem
// is reported as one sentence naming the option; main() prints it with the
// usage and exits with status 2.

#include "rpc.hpp"

#include <cohort/discovery/seed.hpp>
#include <cohort/membership/config.hpp>
#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>
#include <cohort/wire/messages.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/system/result.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <system_error>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cohort_node {

inline constexpr std::string_view usage_text = R"(usage:
  cohort-node agent --name NAME [--bind HOST:PORT] [--advertise HOST:PORT]
                    [--seeds SEED,...] [--dns-server HOST:PORT] [--bootstrap-expect N]
                    [--label LABEL] [--profile lan|wan|local]
                    [--tag KEY=VALUE]... [--acceptable-pause MS] [--rpc HOST:PORT]
                    [--retry-interval MS] [--retry-max N]
                    [--encrypt BASE64KEY] [--keyring-file PATH] [--http HOST:PORT]
  cohort-node members [--rpc HOST:PORT] [--json] [--status STATE] [--name NAME]
  cohort-node join [--rpc HOST:PORT] HOST:PORT[,HOST:PORT...]...
  cohort-node leave [--rpc HOST:PORT]
  cohort-node keys [--rpc HOST:PORT] --install KEY | --use KEY | --remove KEY | --list
  cohort-node keygen

  agent    runs a cluster member and prints its events, one per line:
           <ISO 8601 UTC time> hlc=<HLC time> <event> <fields>
           SIGINT or SIGTERM: leave gracefully, then exit (a second signal: stop at once)
  members  prints the agent's view: name address state incarnation tags
           STATE is joining, active, unknown (suspected), failed or leaving (left gracefully)
  join     asks the agent to join a cluster through these seeds
  leave    asks the agent to leave gracefully; the agent then exits
  keys     installs, uses (as primary), removes or lists encryption keys on every member
           through the agent, as `serf keys`; prints how many members answered and, per
           key, on how many it is installed; exits 1 unless every member answered
  keygen   prints a new random 32-byte key, base64 (for --encrypt and keys --install)

  --seeds  where to join: HOST:PORT (a numeric address, or a hostname standing for all its
           A and AAAA records) or srv:NAME (the targets and ports of NAME's SRV records, as a
           Kubernetes headless service publishes them). Numeric seeds only: one join, retried
           as --retry-interval and --retry-max say. With a hostname or srv: seed the agent
           bootstraps as Akka's Cluster Bootstrap: it looks the seeds up every second until
           the answer has stayed the same for 5 s and lists at least --bootstrap-expect
           addresses; then the lowest address forms the cluster and the others join it.
           Once in a cluster it looks up again every --retry-interval and joins the addresses
           that are not members (a split heals); --retry-max does not apply.
  --dns-server  asks this DNS server (numeric HOST:PORT) for every seed name instead of the
           system's resolver (/etc/hosts and /etc/resolv.conf); needs a hostname or srv: seed
  --bootstrap-expect  addresses a lookup of the seeds must return (this agent's included, when
           listed) before anyone forms a cluster (default 1; 2 or more keeps a cold start on
           incomplete answers from forming two clusters); needs a hostname or srv: seed
  --acceptable-pause  silence the phi-accrual detector tolerates beyond the usual heartbeat
           interval before it gives up on a member, in ms (the profile's by default: lan 0,
           local 0, wan 10000; Akka's 3000 suits processes that stall)
  --retry-interval, --retry-max  retry-join, as serf's: a join through --seeds that finds
           no seed is tried again every MS milliseconds (default 30000), at most N attempts
           in all (default 0: until it succeeds); each failed attempt is logged
  --encrypt  seals all cluster traffic with this AES key (base64 of 16, 24 or 32 bytes,
           as `serf agent -encrypt`); members without it cannot join or be heard
  --keyring-file  keeps the keys in PATH (JSON array of base64 keys, primary first, mode
           0600) and rewrites it after every keys command; a new PATH needs --encrypt for
           its first key, an existing one is used as is (--encrypt is then ignored)
  --http   serves the read-only admin HTTP endpoints on HOST:PORT: /metrics (Prometheus),
           /livez, /readyz, /cluster/members[/NAME]. Off by default. Any address is taken,
           but one that is not loopback prints http_warning: the endpoints have no
           authentication and show every member's address and tags

defaults: --bind 127.0.0.1:7946, --rpc 127.0.0.1:7373, --profile lan
Port 0 in --bind, --rpc or --http picks a free port; the agent_started line shows the one chosen.
Addresses are numeric (127.0.0.1:7946, [::1]:7946), but for --seeds. The RPC address must
be a loopback address: the control protocol has no authentication.
)";

struct agent_options {
    std::string name;
    boost::asio::ip::udp::endpoint bind{boost::asio::ip::address_v4::loopback(), 7946};
    std::optional<boost::asio::ip::udp::endpoint> advertise;
    std::vector<cohort::seed> seeds;
    std::optional<boost::asio::ip::udp::endpoint> dns_server;  // instead of the system's resolver
    std::size_t bootstrap_expect = 1;                          // bootstrap_config::required_contacts
    std::string label;
    std::string profile = "lan";
    std::vector<cohort::tag> tags;
    std::optional<std::chrono::milliseconds> acceptable_pause;
    boost::asio::ip::tcp::endpoint rpc{boost::asio::ip::address_v4::loopback(), 7373};
    cohort::join_retry retry_join{std::chrono::seconds(30), 0};
    std::optional<std::string> encrypt;       // a base64 key, checked
    std::optional<std::string> keyring_file;
    std::optional<boost::asio::ip::tcp::endpoint> http;  // the admin server; none by default

    /// Whether a seed needs DNS (a hostname or srv:): the agent then
    /// bootstraps through basic_seed_discovery instead of one join.
    bool dns_seeds() const {
        for (auto const& s : seeds)
            if (!s.is_numeric()) return true;
        return false;
    }

    /// The seeds as addresses (all numeric: !dns_seeds()).
    std::vector<cohort::peer_address> numeric_seeds() const {
        std::vector<cohort::peer_address> out;
        for (auto const& s : seeds)
            if (s.is_numeric()) out.push_back({s.host, s.port});
        return out;
    }

    cohort::membership_config membership() const {
        auto c = profile == "wan"     ? cohort::membership_config::wan()
                 : profile == "local" ? cohort::membership_config::local()
                                      : cohort::membership_config::lan();
        c.label = label;
        if (acceptable_pause) c.failure_detector.acceptable_heartbeat_pause = *acceptable_pause;
        return c;
    }
};

struct client_options {
    std::string command;  // members, join, leave, keys or keygen
    boost::asio::ip::tcp::endpoint rpc{boost::asio::ip::address_v4::loopback(), 7373};
    bool json = false;
    std::optional<cohort::node_state> status;
    std::optional<std::string> name;
    std::vector<cohort::peer_address> seeds;
    std::optional<keys_request> keys;
};

struct help_request {};

using command_line = std::variant<agent_options, client_options, help_request>;

namespace detail {

// "host:port" with a numeric host, as an endpoint of protocol P.
template <class Endpoint>
boost::system::result<Endpoint, std::string> parse_endpoint(std::string_view option,
                                                            std::string_view text,
                                                            bool allow_port_zero) {
    using R = boost::system::result<Endpoint, std::string>;
    std::string const prefix = std::string(option) + " " + std::string(text) + ": ";
    // peer_address refuses port 0, which a bind may use (any free port).
    std::string probe(text);
    bool const zero = allow_port_zero && probe.size() >= 2 && probe.ends_with(":0");
    if (zero) probe.back() = '1';
    auto a = parse_numeric_address(probe);
    if (!a) return R(boost::system::in_place_error, prefix + a.error());
    boost::system::error_code ec;
    auto const addr = boost::asio::ip::make_address(a->host, ec);
    if (ec) return R(boost::system::in_place_error, prefix + ec.message());
    return Endpoint(addr, zero ? 0 : a->port);
}

inline boost::system::result<void, std::string> add_seeds(std::vector<cohort::peer_address>& out,
                                                           std::string_view option,
                                                           std::string_view list) {
    using R = boost::system::result<void, std::string>;
    while (!list.empty()) {
        auto const comma = list.find(',');
        auto const item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (item.empty()) continue;
        auto a = parse_numeric_address(item);
        if (!a)
            return R(boost::system::in_place_error,
                     std::string(option) + " " + std::string(item) + ": " + a.error());
        out.push_back(std::move(*a));
    }
    if (out.size() > max_seeds)
        return R(boost::system::in_place_error, std::string(option) + ": at most 64 seeds");
    return {};
}

// An agent's --seeds: host:port (numeric or a hostname) or srv:NAME.
inline boost::system::result<void, std::string> add_agent_seeds(std::vector<cohort::seed>& out,
                                                                 std::string_view option,
                                                                 std::string_view list) {
    using R = boost::system::result<void, std::string>;
    while (!list.empty()) {
        auto const comma = list.find(',');
        auto const item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (item.empty()) continue;
        auto s = cohort::seed::parse(item);
        if (!s)
            return R(boost::system::in_place_error,
                     std::string(option) + " " + std::string(item) + ": " + s.error().message() +
                         " (HOST:PORT or srv:NAME)");
        out.push_back(std::move(*s));
    }
    if (out.size() > max_seeds)
        return R(boost::system::in_place_error, std::string(option) + ": at most 64 seeds");
    return {};
}

} // namespace detail

/// Parses argv[1..] (`args` excludes the program name).
inline boost::system::result<command_line, std::string> parse_command_line(
    std::span<char const* const> args) {
    using R = boost::system::result<command_line, std::string>;
    auto const fail = [](std::string m) { return R(boost::system::in_place_error, std::move(m)); };
    if (args.empty()) return fail("a command is required: agent, members, join, leave, keys or keygen");
    std::string_view const command = args[0];
    if (command == "-h" || command == "--help" || command == "help") return help_request{};

    // Splits "--opt=value" / "--opt value"; flags take no value.
    struct item {
        std::string_view key;
        std::optional<std::string_view> value;
    };
    std::vector<item> items;
    std::vector<std::string_view> positional;
    auto const is_flag = [](std::string_view k) {
        return k == "--json" || k == "--help" || k == "--list";
    };
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (!a.starts_with("--")) {
            positional.push_back(a);
            continue;
        }
        if (auto eq = a.find('='); eq != std::string_view::npos) {
            items.push_back({a.substr(0, eq), a.substr(eq + 1)});
        } else if (is_flag(a)) {
            items.push_back({a, std::nullopt});
        } else {
            if (i + 1 >= args.size()) return fail(std::string(a) + " needs a value");
            items.push_back({a, std::string_view(args[++i])});
        }
    }
    for (auto const& it : items)
        if (it.key == "--help") return help_request{};

    if (command == "agent") {
        if (!positional.empty())
            return fail("agent takes no positional argument (got \"" + std::string(positional[0]) + "\")");
        agent_options o;
        bool have_name = false;
        bool have_expect = false;
        for (auto const& it : items) {
            if (!it.value) return fail(std::string(it.key) + " takes no value here");
            auto const v = *it.value;
            if (it.key == "--name") {
                // node_id's name rules, checked on a placeholder address.
                auto id = cohort::node_id::from_parts(v, "127.0.0.1", 1);
                if (!id) return fail("--name " + std::string(v) + ": " + id.error().message());
                o.name = std::string(v);
                have_name = true;
            } else if (it.key == "--bind") {
                auto e = detail::parse_endpoint<boost::asio::ip::udp::endpoint>(it.key, v, true);
                if (!e) return fail(e.error());
                o.bind = *e;
            } else if (it.key == "--advertise") {
                auto e = detail::parse_endpoint<boost::asio::ip::udp::endpoint>(it.key, v, false);
                if (!e) return fail(e.error());
                if (e->address().is_unspecified())
                    return fail("--advertise " + std::string(v) + ": must be an address peers can reach");
                o.advertise = *e;
            } else if (it.key == "--seeds" || it.key == "--join") {
                if (auto r = detail::add_agent_seeds(o.seeds, it.key, v); !r) return fail(r.error());
            } else if (it.key == "--dns-server") {
                auto e = detail::parse_endpoint<boost::asio::ip::udp::endpoint>(it.key, v, false);
                if (!e) return fail(e.error());
                if (e->address().is_unspecified())
                    return fail("--dns-server " + std::string(v) + ": must be a server's address");
                o.dns_server = *e;
            } else if (it.key == "--bootstrap-expect") {
                unsigned n = 0;
                auto const [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
                if (ec != std::errc{} || end != v.data() + v.size() || n < 1 || n > 1000)
                    return fail("--bootstrap-expect " + std::string(v) + ": must be a count in 1..1000");
                o.bootstrap_expect = n;
                have_expect = true;
            } else if (it.key == "--label") {
                if (v.size() > 255) return fail("--label: at most 255 bytes");
                o.label = std::string(v);
            } else if (it.key == "--profile") {
                if (v != "lan" && v != "wan" && v != "local")
                    return fail("--profile " + std::string(v) + ": must be lan, wan or local");
                o.profile = std::string(v);
            } else if (it.key == "--acceptable-pause") {
                unsigned ms = 0;
                auto const [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
                if (ec != std::errc{} || end != v.data() + v.size() || ms > 600'000)
                    return fail("--acceptable-pause " + std::string(v) +
                                ": must be milliseconds in 0..600000");
                o.acceptable_pause = std::chrono::milliseconds(ms);
            } else if (it.key == "--retry-interval" || it.key == "--retry-max") {
                unsigned n = 0;
                auto const [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
                bool const interval = it.key == "--retry-interval";
                if (ec != std::errc{} || end != v.data() + v.size() || (interval && n == 0) ||
                    n > 86'400'000)
                    return fail(std::string(it.key) + " " + std::string(v) +
                                (interval ? ": must be milliseconds in 1..86400000"
                                          : ": must be a count in 0..86400000"));
                if (interval) o.retry_join.interval = std::chrono::milliseconds(n);
                else o.retry_join.max_attempts = n;
            } else if (it.key == "--tag") {
                auto const eq = v.find('=');
                if (eq == std::string_view::npos || eq == 0)
                    return fail("--tag " + std::string(v) + ": must be KEY=VALUE");
                o.tags.push_back({std::string(v.substr(0, eq)), std::string(v.substr(eq + 1))});
            } else if (it.key == "--encrypt") {
                auto key = cohort::decode_key(v);
                if (!key)
                    return fail("--encrypt: must be a base64 key of 16, 24 or 32 bytes "
                                "(cohort-node keygen prints one)");
                cohort::detail::wipe(*key);
                o.encrypt = std::string(v);
            } else if (it.key == "--keyring-file") {
                if (v.empty()) return fail("--keyring-file: needs a path");
                o.keyring_file = std::string(v);
            } else if (it.key == "--http") {
                // Not refused off loopback, unlike --rpc: it is read-only, and
                // a scraper or a kubelet probe usually comes from another host.
                auto e = detail::parse_endpoint<boost::asio::ip::tcp::endpoint>(it.key, v, true);
                if (!e) return fail(e.error());
                o.http = *e;
            } else if (it.key == "--rpc") {
                auto e = detail::parse_endpoint<boost::asio::ip::tcp::endpoint>(it.key, v, true);
                if (!e) return fail(e.error());
                if (!e->address().is_loopback())
                    return fail("--rpc " + std::string(v) +
                                ": must be a loopback address (the RPC has no authentication)");
                o.rpc = *e;
            } else {
                return fail("agent: unknown option " + std::string(it.key));
            }
        }
        if (!have_name) return fail("agent: --name is required");
        if ((o.dns_server || have_expect) && !o.dns_seeds())
            return fail(std::string(o.dns_server ? "--dns-server" : "--bootstrap-expect") +
                        ": needs a hostname or srv:NAME among --seeds");
        if (o.bind.address().is_unspecified() && !o.advertise)
            return fail("--bind " + o.bind.address().to_string() +
                        ": an unspecified address needs --advertise (the address peers use)");
        std::size_t tags_size = 0;
        for (auto const& t : o.tags) tags_size += t.key.size() + t.value.size();
        if (tags_size > o.membership().max_tags_size)
            return fail("--tag: keys and values add up to more than 512 bytes");
        return command_line{std::move(o)};
    }

    if (command == "members" || command == "join" || command == "leave") {
        client_options o;
        o.command = std::string(command);
        for (auto const& it : items) {
            if (it.key == "--json") {
                if (command != "members") return fail(o.command + ": unknown option --json");
                o.json = true;
                continue;
            }
            if (!it.value) return fail(std::string(it.key) + " needs a value");
            auto const v = *it.value;
            if (it.key == "--rpc") {
                auto e = detail::parse_endpoint<boost::asio::ip::tcp::endpoint>(it.key, v, false);
                if (!e) return fail(e.error());
                o.rpc = *e;
            } else if (it.key == "--status" && command == "members") {
                auto s = cohort::parse_node_state(v);
                if (!s)
                    return fail("--status " + std::string(v) +
                                ": must be joining, active, unknown, failed or leaving");
                o.status = *s;
            } else if (it.key == "--name" && command == "members") {
                o.name = std::string(v);
            } else {
                return fail(o.command + ": unknown option " + std::string(it.key));
            }
        }
        if (command == "join") {
            for (auto p : positional)
                if (auto r = detail::add_seeds(o.seeds, "join", p); !r) return fail(r.error());
            if (o.seeds.empty()) return fail("join: at least one seed HOST:PORT is required");
        } else if (!positional.empty()) {
            return fail(o.command + " takes no positional argument (got \"" +
                        std::string(positional[0]) + "\")");
        }
        return command_line{std::move(o)};
    }
    if (command == "keygen") {
        if (!items.empty() || !positional.empty()) return fail("keygen takes no argument");
        client_options o;
        o.command = "keygen";
        return command_line{std::move(o)};
    }

    if (command == "keys") {
        client_options o;
        o.command = "keys";
        if (!positional.empty())
            return fail("keys takes no positional argument (got \"" + std::string(positional[0]) +
                        "\")");
        for (auto const& it : items) {
            if (it.key == "--rpc") {
                if (!it.value) return fail("--rpc needs a value");
                auto e = detail::parse_endpoint<boost::asio::ip::tcp::endpoint>(it.key, *it.value, false);
                if (!e) return fail(e.error());
                o.rpc = *e;
                continue;
            }
            std::optional<key_op> op;
            if (it.key == "--install") op = key_op::install;
            else if (it.key == "--use") op = key_op::use;
            else if (it.key == "--remove") op = key_op::remove;
            else if (it.key == "--list") op = key_op::list;
            if (!op) return fail("keys: unknown option " + std::string(it.key));
            if (o.keys) return fail("keys: give one of --install, --use, --remove or --list");
            if (*op == key_op::list) {
                if (it.value) return fail("--list takes no value");
                o.keys = keys_request{*op, {}};
                continue;
            }
            auto key = cohort::decode_key(*it.value);
            if (!key)
                return fail(std::string(it.key) + ": must be a base64 key of 16, 24 or 32 bytes");
            cohort::detail::wipe(*key);
            o.keys = keys_request{*op, std::string(*it.value)};
        }
        if (!o.keys) return fail("keys: give one of --install, --use, --remove or --list");
        return command_line{std::move(o)};
    }
    return fail("unknown command \"" + std::string(command) +
                "\": agent, members, join, leave, keys or keygen");
}

} // namespace cohort_node

#endif // COHORT_EXAMPLES_COHORT_NODE_OPTIONS_HPP
