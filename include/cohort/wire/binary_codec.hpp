// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_BINARY_CODEC_HPP
#define COHORT_WIRE_BINARY_CODEC_HPP

// binary_codec: cohort's compact wire form, the default on the network.
//
//   message     = magic version label sender incarnation time type body auth_tag
//   magic       = %xC0 %x4F                      (binary_magic)
//   version     = %x01                           (protocol_version)
//   label       = string
//   sender      = node-id
//   incarnation = uvarint
//   time        = 12 bytes: wall_ns (8, big-endian), logical (4, big-endian)
//   type        = uvarint                        (index in cohort::message)
//   body        = the type's fields, in declaration order
//   auth_tag    = bytes                          (last, after what it authenticates)
//
//   field of kind  encoding
//   bool           %x00 / %x01
//   unsigned       uvarint, in the field type's range
//   signed         uvarint of the zigzag mapping (0,-1,1,-2.. -> 0,1,2,3..)
//   enum           uvarint of the value (zigzag if the underlying type is
//                  signed); must be a described enumerator
//   string         uvarint length, then that many bytes of UTF-8
//   bytes          uvarint length, then the bytes
//   node-id        string holding the canonical text ("name@host:port")
//   hlc_timestamp  12 bytes, as time above
//   vector<T>      uvarint count, then count T
//   optional<T>    %x00 (empty) / %x01 then T
//   struct         its fields, bases first, in declaration order
//   variant        uvarint index, then the alternative
//
//   uvarint        LEB128 (as protobuf), shortest form only, at most 64 bits
//
// Every valid message has exactly one encoding (shortest varints, canonical
// node ids, 0/1 booleans), so decode then encode gives back the input bytes.
//
// Decoding reads front to back and stops at the first problem:
//
//   more than max_message_size bytes             message_too_large
//   fewer than 3 bytes, or input ends in a field message_truncated
//   wrong magic                                  bad_magic
//   version other than protocol_version          unsupported_version
//   type index past the last message type        unknown_message_type
//   string/bytes longer than max_string_length,
//   count over max_sequence_length               length_over_limit
//   overlong or over-64-bit varint, number out of
//   its field's range, bool/flag not 0 or 1,
//   enum value not an enumerator, string not
//   UTF-8, node id invalid or not canonical      invalid_field
//   bytes after auth_tag                         trailing_bytes
//
// A length is checked against its limit first, then against the bytes that
// remain (a count against remaining / the element's smallest encoding), and
// only then is anything allocated: a short input never makes the decoder
// reserve more than a small multiple of its own size.

#include <cohort/error.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/detail/fields.hpp>
#include <cohort/wire/detail/node_id_cache.hpp>
#include <cohort/wire/detail/utf8.hpp>
#include <cohort/wire/detail/varint.hpp>
#include <cohort/wire/envelope.hpp>

#include <boost/mp11/algorithm.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace cohort {

namespace detail {

// Encoding makes two passes: binary_sizer checks every field against the
// limits and sums the size, then binary_writer writes into space resized
// once. The first pass is where every encoding error comes from, so `out` is
// untouched on failure and never grows past max_message_size.
struct binary_sizer {
    wire_limits const& limits;
    std::size_t size = 0;
    boost::system::error_code ec;

    void fail(boost::system::error_code e) noexcept {
        if (!ec) ec = e;
    }
};

struct binary_writer {
    std::byte* p;

    void byte(std::uint8_t b) noexcept { *p++ = static_cast<std::byte>(b); }
    void varint(std::uint64_t v) noexcept { p = write_varint(p, v); }
    void raw(void const* data, std::size_t n) noexcept {
        if (n != 0) std::memcpy(p, data, n);
        p += n;
    }
};

struct binary_reader {
    std::byte const* p;
    std::byte const* end;
    wire_limits const& limits;
    node_id_cache* ids = nullptr;  // null: parse every node_id

    std::size_t remaining() const noexcept { return static_cast<std::size_t>(end - p); }

    // A length or count: over `limit` is length_over_limit; more elements of at
    // least `min_size` bytes than the input still holds is message_truncated.
    boost::system::error_code length(std::size_t limit, std::size_t min_size,
                                     std::size_t& n) noexcept {
        std::uint64_t v = 0;
        if (auto ec = read_varint(p, end, v)) return ec;
        if (v > limit) return error::length_over_limit;
        if (min_size != 0 && v > remaining() / min_size) return error::message_truncated;
        n = static_cast<std::size_t>(v);
        return {};
    }

    boost::system::error_code text(std::size_t limit, std::string_view& out) noexcept {
        std::size_t n = 0;
        if (auto ec = length(limit, 1, n)) return ec;
        out = std::string_view(reinterpret_cast<char const*>(p), n);
        p += n;
        return {};
    }
};

template <class E>
constexpr std::uint64_t enum_to_wire(E value) noexcept {
    using u = std::underlying_type_t<E>;
    if constexpr (std::is_signed_v<u>)
        return zigzag_encode(static_cast<std::int64_t>(value));
    else
        return static_cast<std::uint64_t>(value);
}

template <class T>
void binary_measure(binary_sizer& s, T const& value) {
    constexpr wire_kind kind = wire_kind_of<T>();
    static_assert(kind != wire_kind::unsupported,
                  "cohort wire: unsupported field type (see cohort/wire/detail/fields.hpp)");
    if (s.ec) return;
    if constexpr (kind == wire_kind::boolean) {
        s.size += 1;
    } else if constexpr (kind == wire_kind::unsigned_integer) {
        s.size += varint_size(value);
    } else if constexpr (kind == wire_kind::signed_integer) {
        s.size += varint_size(zigzag_encode(value));
    } else if constexpr (kind == wire_kind::enumeration) {
        if (!is_enumerator(value)) return s.fail(error::invalid_field);
        s.size += varint_size(enum_to_wire(value));
    } else if constexpr (kind == wire_kind::string) {
        if (auto ec = check_text(value, s.limits)) return s.fail(ec);
        s.size += varint_size(value.size()) + value.size();
    } else if constexpr (kind == wire_kind::bytes) {
        if (auto ec = check_bytes(value.size(), s.limits)) return s.fail(ec);
        s.size += varint_size(value.size()) + value.size();
    } else if constexpr (kind == wire_kind::node_id) {
        if (auto ec = check_node_id(value, s.limits)) return s.fail(ec);
        s.size += varint_size(value.str().size()) + value.str().size();
    } else if constexpr (kind == wire_kind::timestamp) {
        s.size += hlc_timestamp_wire_size;
    } else if constexpr (kind == wire_kind::sequence) {
        if (auto ec = check_count(value.size(), s.limits)) return s.fail(ec);
        s.size += varint_size(value.size());
        for (auto const& element : value) binary_measure(s, element);
    } else if constexpr (kind == wire_kind::optional) {
        s.size += 1;
        if (value) binary_measure(s, *value);
    } else if constexpr (kind == wire_kind::structure) {
        auto f = [&](std::string_view, auto const& field) { binary_measure(s, field); };
        for_each_field(value, f);
    } else if constexpr (kind == wire_kind::variant) {
        static_assert(has_unique_wire_names<T>(), "cohort wire: variant alternatives need "
                                                  "distinct wire_names");
        if (value.valueless_by_exception()) return s.fail(error::invalid_field);
        s.size += varint_size(value.index());
        std::visit([&](auto const& alternative) { binary_measure(s, alternative); }, value);
    }
}

template <class T>
void binary_write(binary_writer& w, T const& value) noexcept {
    constexpr wire_kind kind = wire_kind_of<T>();
    if constexpr (kind == wire_kind::boolean) {
        w.byte(value ? 1 : 0);
    } else if constexpr (kind == wire_kind::unsigned_integer) {
        w.varint(value);
    } else if constexpr (kind == wire_kind::signed_integer) {
        w.varint(zigzag_encode(value));
    } else if constexpr (kind == wire_kind::enumeration) {
        w.varint(enum_to_wire(value));
    } else if constexpr (kind == wire_kind::string || kind == wire_kind::bytes) {
        w.varint(value.size());
        w.raw(value.data(), value.size());
    } else if constexpr (kind == wire_kind::node_id) {
        w.varint(value.str().size());
        w.raw(value.str().data(), value.str().size());
    } else if constexpr (kind == wire_kind::timestamp) {
        auto const bytes = to_bytes(value);
        w.raw(bytes.data(), bytes.size());
    } else if constexpr (kind == wire_kind::sequence) {
        w.varint(value.size());
        for (auto const& element : value) binary_write(w, element);
    } else if constexpr (kind == wire_kind::optional) {
        w.byte(value ? 1 : 0);
        if (value) binary_write(w, *value);
    } else if constexpr (kind == wire_kind::structure) {
        auto f = [&](std::string_view, auto const& field) { binary_write(w, field); };
        for_each_field(value, f);
    } else if constexpr (kind == wire_kind::variant) {
        w.varint(value.index());
        std::visit([&](auto const& alternative) { binary_write(w, alternative); }, value);
    }
}

template <class I>
boost::system::error_code binary_read_integer(binary_reader& r, I& out) noexcept {
    std::uint64_t v = 0;
    if (auto ec = read_varint(r.p, r.end, v)) return ec;
    if constexpr (std::is_unsigned_v<I>) {
        if (v > std::numeric_limits<I>::max()) return error::invalid_field;
        out = static_cast<I>(v);
    } else {
        std::int64_t const s = zigzag_decode(v);
        if (s < std::numeric_limits<I>::min() || s > std::numeric_limits<I>::max())
            return error::invalid_field;
        out = static_cast<I>(s);
    }
    return {};
}

template <class T>
boost::system::error_code binary_read(binary_reader& r, T& out) {
    constexpr wire_kind kind = wire_kind_of<T>();
    static_assert(kind != wire_kind::unsupported,
                  "cohort wire: unsupported field type (see cohort/wire/detail/fields.hpp)");
    if constexpr (kind == wire_kind::boolean) {
        if (r.p == r.end) return error::message_truncated;
        auto const b = static_cast<std::uint8_t>(*r.p++);
        if (b > 1) return error::invalid_field;
        out = b == 1;
        return {};
    } else if constexpr (kind == wire_kind::unsigned_integer || kind == wire_kind::signed_integer) {
        return binary_read_integer(r, out);
    } else if constexpr (kind == wire_kind::enumeration) {
        std::underlying_type_t<T> raw{};
        if (auto ec = binary_read_integer(r, raw)) return ec;
        if (!is_enumerator(static_cast<T>(raw))) return error::invalid_field;
        out = static_cast<T>(raw);
        return {};
    } else if constexpr (kind == wire_kind::string) {
        std::string_view text;
        if (auto ec = r.text(r.limits.max_string_length, text)) return ec;
        if (!is_valid_utf8(text)) return error::invalid_field;
        out.assign(text);
        return {};
    } else if constexpr (kind == wire_kind::bytes) {
        std::size_t n = 0;
        if (auto ec = r.length(r.limits.max_string_length, 1, n)) return ec;
        out.assign(r.p, r.p + n);
        r.p += n;
        return {};
    } else if constexpr (kind == wire_kind::node_id) {
        std::string_view text;
        if (auto ec = r.text(r.limits.max_string_length, text)) return ec;
        // A non-empty node_id holds canonical text, which parses to itself:
        // the same bytes again need no parse (decoding into a reused envelope).
        if (!text.empty() && out.str() == text) return {};
        if (r.ids) {
            if (auto const* hit = r.ids->find(text)) {
                out = *hit;
                return {};
            }
        }
        auto id = node_id::parse(text);
        // Only the canonical spelling: one encoding per message.
        if (!id || id->str() != text) return error::invalid_field;
        if (r.ids) r.ids->insert(*id);
        out = std::move(*id);
        return {};
    } else if constexpr (kind == wire_kind::timestamp) {
        if (r.remaining() < hlc_timestamp_wire_size) return error::message_truncated;
        out = *hlc_timestamp_from_bytes(std::span<std::byte const>(r.p, hlc_timestamp_wire_size));
        r.p += hlc_timestamp_wire_size;
        return {};
    } else if constexpr (kind == wire_kind::sequence) {
        using element = typename T::value_type;
        std::size_t n = 0;
        if (auto ec = r.length(r.limits.max_sequence_length, min_binary_size<element>(), n))
            return ec;
        out.clear();
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            if constexpr (std::is_same_v<element, bool>) {  // vector<bool> has no bool&
                bool b = false;
                if (auto ec = binary_read(r, b)) return ec;
                out.push_back(b);
            } else {
                if (auto ec = binary_read(r, out.emplace_back())) return ec;
            }
        }
        return {};
    } else if constexpr (kind == wire_kind::optional) {
        if (r.p == r.end) return error::message_truncated;
        auto const flag = static_cast<std::uint8_t>(*r.p++);
        if (flag > 1) return error::invalid_field;
        if (flag == 0) {
            out.reset();
            return {};
        }
        return binary_read(r, out.emplace());
    } else if constexpr (kind == wire_kind::structure) {
        boost::system::error_code ec;
        auto f = [&](std::string_view, auto& field) {
            if (!ec) ec = binary_read(r, field);
        };
        for_each_field(out, f);
        return ec;
    } else if constexpr (kind == wire_kind::variant) {
        std::uint64_t index = 0;
        if (auto ec = read_varint(r.p, r.end, index)) return ec;
        if (index >= std::variant_size_v<T>) return error::unknown_message_type;
        return boost::mp11::mp_with_index<std::variant_size_v<T>>(
            static_cast<std::size_t>(index),
            [&](auto i) {
                // Every field kind overwrites what it reads into, so the
                // alternative already there is reused, storage and all.
                constexpr std::size_t alternative = decltype(i)::value;
                if (out.index() != alternative) out.template emplace<alternative>();
                return binary_read(r, *std::get_if<alternative>(&out));
            });
    }
}

}  // namespace detail

/// The compact binary codec (the grammar is at the top of this header).
/// A value: copyable, immutable after construction, safe to share between
/// threads.
class binary_codec {
public:
    /// Throws boost::system::system_error naming the field when `limits` fails
    /// validate().
    explicit binary_codec(wire_limits limits = {}) : limits_(checked(limits)) {}

    /// Appends the encoding of `e` to `out`. On error `out` is left as it was:
    /// unsupported_version (e.version is not protocol_version), invalid_field
    /// (an empty node id, a string that is not UTF-8, an enum value that is no
    /// enumerator, a valueless body), length_over_limit (a string, byte field
    /// or sequence over its limit), message_too_large (the whole encoding over
    /// max_message_size).
    boost::system::error_code encode(envelope const& e, std::vector<std::byte>& out) const {
        if (auto ec = detail::check_envelope(e, limits_)) return ec;
        // magic, version and time have fixed sizes
        detail::binary_sizer sizer{limits_, binary_magic.size() + 1 + hlc_timestamp_wire_size, {}};
        detail::binary_measure(sizer, e.label);
        detail::binary_measure(sizer, e.sender);
        detail::binary_measure(sizer, e.incarnation);
        detail::binary_measure(sizer, e.body);
        detail::binary_measure(sizer, e.auth_tag);
        if (sizer.ec) return sizer.ec;
        if (sizer.size > limits_.max_message_size) return error::message_too_large;

        std::size_t const start = out.size();
        out.resize(start + sizer.size);
        detail::binary_writer w{out.data() + start};
        w.raw(binary_magic.data(), binary_magic.size());
        w.byte(protocol_version);
        detail::binary_write(w, e.label);
        detail::binary_write(w, e.sender);
        detail::binary_write(w, e.incarnation);
        detail::binary_write(w, e.time);
        detail::binary_write(w, e.body);
        detail::binary_write(w, e.auth_tag);
        return {};
    }

    /// Decodes one message that fills all of `in` (errors: see the table at
    /// the top of this header). Never throws, but for std::bad_alloc.
    boost::system::result<envelope> decode(std::span<std::byte const> in) const {
        envelope e;
        if (auto ec = decode(in, e)) return ec;
        return e;
    }

    /// Decodes into `out`, reusing its storage: a receive loop that keeps one
    /// envelope allocates little per message, and a sender (or any node_id)
    /// equal to the one `out` holds is compared, not parsed again. With `ids`,
    /// the other node_ids are looked up there first, and those parsed are
    /// added (detail/node_id_cache.hpp: bounded, exact byte comparison). The
    /// same errors as decode(in); on error `out` holds some valid envelope.
    boost::system::error_code decode(std::span<std::byte const> in, envelope& out,
                                     detail::node_id_cache* ids = nullptr) const {
        if (in.size() > limits_.max_message_size) return error::message_too_large;
        if (in.size() < binary_magic.size() + 1) return error::message_truncated;
        if (in[0] != binary_magic[0] || in[1] != binary_magic[1]) return error::bad_magic;
        if (static_cast<std::uint8_t>(in[2]) != protocol_version) return error::unsupported_version;

        detail::binary_reader r{in.data() + 3, in.data() + in.size(), limits_, ids};
        out.version = protocol_version;
        if (auto ec = detail::binary_read(r, out.label)) return ec;
        if (auto ec = detail::binary_read(r, out.sender)) return ec;
        if (auto ec = detail::binary_read(r, out.incarnation)) return ec;
        if (auto ec = detail::binary_read(r, out.time)) return ec;
        if (auto ec = detail::binary_read(r, out.body)) return ec;
        if (auto ec = detail::binary_read(r, out.auth_tag)) return ec;
        if (r.p != r.end) return error::trailing_bytes;
        return {};
    }

    /// The limits this codec enforces.
    wire_limits const& limits() const noexcept { return limits_; }

private:
    static wire_limits checked(wire_limits const& limits) {
        validate(limits).value();
        return limits;
    }

    wire_limits limits_;
};

}  // namespace cohort

#endif  // COHORT_WIRE_BINARY_CODEC_HPP
