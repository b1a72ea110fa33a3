// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_MESSAGES_HPP
#define COHORT_WIRE_MESSAGES_HPP

// The messages cohort nodes exchange: SWIM's probes and gossip as memberlist
// has them (ping, indirect ping, ack, nack, suspect, alive, dead = failed,
// leave, join, push-pull state), plus Serf's user messages and the router's
// route_request / route_reply.
//
// Every message is a plain aggregate described with Boost.Describe; the
// codecs walk the description, so a new message type needs no codec code.
// The rules a wire struct follows:
//
//   - its fields are of the kinds cohort/wire/detail/fields.hpp lists (bool,
//     integers, described enums, std::string, node_id, hlc_timestamp,
//     std::vector<std::byte> as bytes, std::vector<T>, std::optional<T>,
//     other described structs);
//   - std::string holds UTF-8 text (both codecs check it, so that every
//     message fits JSON); opaque data goes in std::vector<std::byte>;
//   - a node_id on the wire is never empty;
//   - a message type (an alternative of `message`) has a unique
//     `static constexpr std::string_view wire_name`, its name in JSON;
//   - fields are encoded in declaration order, so a field is never removed,
//     reordered or retyped within one protocol_version;
//   - `message`'s alternatives are only ever appended: the variant index is
//     the type number on the binary wire.

#include <cohort/node_id.hpp>
#include <cohort/node_state.hpp>

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cohort {

// Lets the codecs check a decoded state against the enumerators and spell it
// by name in JSON.
BOOST_DESCRIBE_ENUM(node_state, joining, active, leaving, failed, unknown)

/// A key/value label a member advertises (memberlist's node meta, Serf's tags).
struct tag {
    std::string key;
    std::string value;

    friend bool operator==(tag const&, tag const&) = default;
};
BOOST_DESCRIBE_STRUCT(tag, (), (key, value))

/// A direct probe of `target`, answered by an ack with the same `seq`.
struct ping {
    static constexpr std::string_view wire_name = "ping";
    std::uint32_t seq = 0;
    node_id target;  ///< who must answer: another process on a reused address must not

    friend bool operator==(ping const&, ping const&) = default;
};
BOOST_DESCRIBE_STRUCT(ping, (), (seq, target))

/// Asks the receiver to probe `target` for `requester`, which could not reach
/// it directly; the receiver relays an ack (or a nack) with the same `seq`.
struct indirect_ping {
    static constexpr std::string_view wire_name = "indirect_ping";
    std::uint32_t seq = 0;
    node_id target;
    node_id requester;

    friend bool operator==(indirect_ping const&, indirect_ping const&) = default;
};
BOOST_DESCRIBE_STRUCT(indirect_ping, (), (seq, target, requester))

/// The answer to a ping or an indirect ping carrying the same `seq`.
struct ack {
    static constexpr std::string_view wire_name = "ack";
    std::uint32_t seq = 0;

    friend bool operator==(ack const&, ack const&) = default;
};
BOOST_DESCRIBE_STRUCT(ack, (), (seq))

/// Lifeguard's negative ack: the relay of an indirect ping did not hear from
/// the target in time, which tells the requester its own link is healthy.
struct nack {
    static constexpr std::string_view wire_name = "nack";
    std::uint32_t seq = 0;

    friend bool operator==(nack const&, nack const&) = default;
};
BOOST_DESCRIBE_STRUCT(nack, (), (seq))

/// `from` suspects `member` at `incarnation`; the member refutes it with an
/// alive at a higher incarnation.
struct suspect {
    static constexpr std::string_view wire_name = "suspect";
    node_id member;
    std::uint64_t incarnation = 0;
    node_id from;

    friend bool operator==(suspect const&, suspect const&) = default;
};
BOOST_DESCRIBE_STRUCT(suspect, (), (member, incarnation, from))

/// `member` is alive at `incarnation`, with these tags: a refutation, or news
/// of a member's (new) tags.
struct alive {
    static constexpr std::string_view wire_name = "alive";
    node_id member;
    std::uint64_t incarnation = 0;
    std::vector<tag> tags;

    friend bool operator==(alive const&, alive const&) = default;
};
BOOST_DESCRIBE_STRUCT(alive, (), (member, incarnation, tags))

/// `from` declares `member` failed at `incarnation` (memberlist's "dead").
struct failed {
    static constexpr std::string_view wire_name = "failed";
    node_id member;
    std::uint64_t incarnation = 0;
    node_id from;

    friend bool operator==(failed const&, failed const&) = default;
};
BOOST_DESCRIBE_STRUCT(failed, (), (member, incarnation, from))

/// `member` leaves the cluster gracefully at `incarnation`.
struct leave {
    static constexpr std::string_view wire_name = "leave";
    node_id member;
    std::uint64_t incarnation = 0;

    friend bool operator==(leave const&, leave const&) = default;
};
BOOST_DESCRIBE_STRUCT(leave, (), (member, incarnation))

/// `member` asks to join the cluster at `incarnation`, with these tags.
struct join {
    static constexpr std::string_view wire_name = "join";
    node_id member;
    std::uint64_t incarnation = 0;
    std::vector<tag> tags;

    friend bool operator==(join const&, join const&) = default;
};
BOOST_DESCRIBE_STRUCT(join, (), (member, incarnation, tags))

/// One member as the sender of a push_pull sees it.
struct member_state {
    node_id id;
    std::uint64_t incarnation = 0;
    node_state state = node_state::joining;
    std::vector<tag> tags;

    friend bool operator==(member_state const&, member_state const&) = default;
};
BOOST_DESCRIBE_STRUCT(member_state, (), (id, incarnation, state, tags))

/// Anti-entropy: the sender's whole view, answered by the receiver's
/// (memberlist's push-pull). `join` is set when the exchange is part of the
/// sender's join.
struct push_pull {
    static constexpr std::string_view wire_name = "push_pull";
    bool join = false;
    std::vector<member_state> members;

    friend bool operator==(push_pull const&, push_pull const&) = default;
};
BOOST_DESCRIBE_STRUCT(push_pull, (), (join, members))

/// An application message under a topic (Serf's user events), opaque to cohort.
struct user_message {
    static constexpr std::string_view wire_name = "user_message";
    std::string topic;
    std::vector<std::byte> payload;

    friend bool operator==(user_message const&, user_message const&) = default;
};
BOOST_DESCRIBE_STRUCT(user_message, (), (topic, payload))

/// One piece of membership news: `member` is in `state` at `incarnation`,
/// with these tags. `from` names the observer for a suspicion or a failure
/// (Lifeguard counts distinct suspecters), and is empty otherwise. One rumor
/// type says what suspect, alive, failed, leave and join say one by one, so
/// that a gossip packet carries any mix of them.
struct rumor {
    node_id member;
    std::uint64_t incarnation = 0;
    node_state state = node_state::active;
    std::vector<tag> tags;
    std::optional<node_id> from;

    friend bool operator==(rumor const&, rumor const&) = default;
};
BOOST_DESCRIBE_STRUCT(rumor, (), (member, incarnation, state, tags, from))

/// Rumors piggybacked next to a probe, or pushed by a periodic gossip round
/// (memberlist's compound broadcast packet).
struct gossip {
    static constexpr std::string_view wire_name = "gossip";
    std::vector<rumor> rumors;

    friend bool operator==(gossip const&, gossip const&) = default;
};
BOOST_DESCRIBE_STRUCT(gossip, (), (rumors))

/// The answer to a push_pull: the receiver's whole view. A distinct type, so
/// that an answer is never answered again (frames are one-way messages, not
/// memberlist's request/response connection). Answering a join push_pull
/// acknowledges the join.
struct push_pull_reply {
    static constexpr std::string_view wire_name = "push_pull_reply";
    std::vector<member_state> members;

    friend bool operator==(push_pull_reply const&, push_pull_reply const&) = default;
};
BOOST_DESCRIBE_STRUCT(push_pull_reply, (), (members))

/// How an owner answered a route_request.
enum class route_status : std::uint8_t {
    ok,             ///< the handler ran; the payload is its reply
    redirect,       ///< the receiver does not own the key in its view; `owner` does
    no_owner,       ///< the receiver's view has no member that owns keys
    no_handler,     ///< the owner has no handler for the topic
    handler_error,  ///< the handler failed; the payload is its message (UTF-8)
    /// The reply did not fit in a message or frame and was not sent; the
    /// payload says how large it was (UTF-8). Appended: a peer built before
    /// it refuses the reply as invalid_field, and its call times out.
    reply_too_large,
};
BOOST_DESCRIBE_ENUM(route_status, ok, redirect, no_owner, no_handler, handler_error,
                    reply_too_large)

/// A call (or cast) routed by key to the key's owner (routing/router.hpp).
/// `fingerprint` is the sender's ownership fingerprint: a receiver whose own
/// table has another fingerprint checks that it owns the key before serving,
/// and otherwise redirects.
struct route_request {
    static constexpr std::string_view wire_name = "route_request";
    std::uint64_t id = 0;            ///< the caller's call number, echoed by the reply
    std::vector<std::byte> key;      ///< the routing key, as given (hash_key of it places it)
    std::string topic;               ///< selects the owner's handler
    std::uint64_t fingerprint = 0;   ///< the sender's ownership fingerprint
    std::uint32_t hops = 0;          ///< redirects (or forwards) taken so far
    bool want_reply = true;          ///< false for a cast: nobody waits for an answer
    std::vector<std::byte> payload;  ///< the request, opaque to cohort
    /// Sent to a chosen member rather than to the key's owner (a replica
    /// write, a handoff): served whatever the receiver owns.
    bool direct = false;

    friend bool operator==(route_request const&, route_request const&) = default;
};
BOOST_DESCRIBE_STRUCT(route_request, (),
                      (id, key, topic, fingerprint, hops, want_reply, payload, direct))

/// The answer to a route_request with the same `id`.
struct route_reply {
    static constexpr std::string_view wire_name = "route_reply";
    std::uint64_t id = 0;
    route_status status = route_status::ok;
    std::optional<node_id> owner;    ///< for a redirect: the owner in the receiver's view
    std::uint64_t fingerprint = 0;   ///< the receiver's ownership fingerprint
    std::vector<std::byte> payload;  ///< see route_status

    friend bool operator==(route_reply const&, route_reply const&) = default;
};
BOOST_DESCRIBE_STRUCT(route_reply, (), (id, status, owner, fingerprint, payload))

/// A summary of the sender's whole view, sent instead of a periodic full-state
/// push_pull: a receiver whose own view sums to another `digest` starts a
/// push_pull with the sender, and one whose view is the same does nothing, so
/// anti-entropy costs one small message per interval while views agree (the digest is
/// defined in membership/detail/view_digest.hpp).
struct view_digest {
    static constexpr std::string_view wire_name = "view_digest";
    std::uint64_t digest = 0;
    std::uint64_t members = 0;  ///< how many entries the sender's view holds

    friend bool operator==(view_digest const&, view_digest const&) = default;
};
BOOST_DESCRIBE_STRUCT(view_digest, (), (digest, members))

/// The receiver refused the sender's envelope because of its HLC stamp: the
/// stamp's physical part was `offset_ns` ahead of the receiver's physical
/// clock (negative: behind), beyond the receiver's `max_offset_ns`
/// (hlc_config::max_offset). Sent at most once per
/// full_state_answer_interval to one address. A joiner that receives it from
/// the seed it is joining through fails its join with
/// error::clock_offset_exceeded; any receiver reports a clock_offset_exceeded
/// event (membership/stamp_check.hpp has the policy).
struct clock_offset_refused {
    static constexpr std::string_view wire_name = "clock_offset_refused";
    std::int64_t offset_ns = 0;
    std::int64_t max_offset_ns = 0;

    friend bool operator==(clock_offset_refused const&, clock_offset_refused const&) = default;
};
BOOST_DESCRIBE_STRUCT(clock_offset_refused, (), (offset_ns, max_offset_ns))

/// Every protocol message. The index of an alternative is its type number on
/// the binary wire: new types are only ever appended, never inserted,
/// removed or reordered.
using message = std::variant<ping, indirect_ping, ack, nack, suspect, alive, failed, leave, join,
                             push_pull, user_message, gossip, push_pull_reply, route_request,
                             route_reply, view_digest, clock_offset_refused>;

/// Whether `m` asks to make its sender a member: a push_pull with `join`, or
/// a join.
inline bool is_join_request(message const& m) noexcept {
    if (auto const* p = std::get_if<push_pull>(&m)) return p->join;
    return std::holds_alternative<join>(m);
}

/// Whether messages of variant index `type` are application traffic (a
/// user_message or the router's), which the driver hands to application
/// subscriptions, never to the membership core.
constexpr bool is_application_message(std::size_t type) noexcept {
    return type == boost::mp11::mp_find<message, user_message>::value ||
           type == boost::mp11::mp_find<message, route_request>::value ||
           type == boost::mp11::mp_find<message, route_reply>::value;
}

}  // namespace cohort

#endif  // COHORT_WIRE_MESSAGES_HPP
