// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_JSON_CODEC_HPP
#define COHORT_WIRE_JSON_CODEC_HPP

// json_codec: the readable wire form, for debugging and interoperation.
//
// One JSON object (RFC 8259, UTF-8), keys in this order when encoding, in any
// order when decoding:
//
//   {"cohort": 1,                                   protocol_version (the magic)
//    "label": "prod",
//    "sender": "a@10.0.0.1:7946",
//    "incarnation": "18446744073709551615",
//    "time": {"wall_ns": "1732233600000000123", "logical": 4},
//    "type": "ping",                                the message type's wire_name
//    "body": {"seq": 7, "target": "b@10.0.0.2:7946"},
//    "auth_tag": "3q2+7w=="}
//
//   field of kind      JSON
//   bool               true / false
//   integer <= 32 bits number
//   64-bit integer     decimal string ("-5", "18446744073709551615"), exact in
//                      JavaScript and other double-based readers beyond 2^53
//   enum               the enumerator's name ("active")
//   string             string
//   bytes              string, base64 (RFC 4648 standard alphabet, padded), as
//                      Go's encoding/json does
//   node_id            string; any spelling node_id::parse accepts, written
//                      canonically
//   hlc_timestamp      {"wall_ns": "<decimal>", "logical": n}, as hlc_timestamp.hpp
//                      converts it (which also reads wall_ns as a JSON integer)
//   vector<T>          array
//   optional<T>        null / T
//   struct             object with exactly its fields, by name
//   variant            {"type": "<wire_name>", "body": {...}}
//
// Strings are UTF-8 (the parser rejects anything else). Of duplicate keys the
// last counts, as Boost.JSON keeps it. Decoding is otherwise strict, and the
// error says what went wrong (checks run front to back, the first failing
// one answers):
//
//   more than max_message_size bytes                        message_too_large
//   input ends inside the JSON value (or is empty)          message_truncated
//   not JSON (or invalid UTF-8, comments, trailing commas)  malformed_json
//   anything but whitespace after the JSON value            trailing_bytes
//   nesting deeper than max_depth, or the parsed document
//   needing more than json_memory_budget(input size)        length_over_limit
//   not an object / no "cohort" key                         malformed_json / bad_magic
//   "cohort" not an integer / not protocol_version          malformed_json / unsupported_version
//   a missing key, an unknown key, a value of the wrong
//   JSON kind (a number for a 64-bit field, a string for a
//   bool, a fraction for an integer...)                     malformed_json
//   "type" naming no message type                           unknown_message_type
//   a string or byte field over max_string_length, an
//   array over max_sequence_length                          length_over_limit
//   the right JSON kind with a value the field cannot hold
//   (number out of range, non-canonical decimal string,
//   unknown enumerator, bad base64, invalid node id, bad
//   timestamp)                                              invalid_field
//
// The parser and the document it builds draw on a resource that refuses to
// hold more than json_memory_budget(input size) bytes at once, so no input can
// make decoding allocate without bound; running out of that budget is caught
// inside decode() and reported as length_over_limit.

#include <cohort/error.hpp>
#include <cohort/hlc_timestamp.hpp>
#include <cohort/node_id.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/detail/base64.hpp>
#include <cohort/wire/detail/fields.hpp>
#include <cohort/wire/envelope.hpp>

#include <boost/json/error.hpp>
#include <boost/json/memory_resource.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace cohort {

/// The most memory json_codec::decode lets Boost.JSON hold for an input of
/// `input_size` bytes: 64 KiB plus 64 bytes per input byte (64 MiB for a 1 MiB
/// message). A parsed value takes 16 bytes in the document and 16 on the
/// parser's stack while its container is open, and the densest JSON spends two
/// bytes per value ("0,"): the worst case measured is 28 bytes per input byte,
/// so every JSON text within max_message_size fits, and the budget is the
/// guarantee that none can take more.
constexpr std::size_t json_memory_budget(std::size_t input_size) noexcept {
    return 64 * 1024 + 64 * input_size;
}

namespace detail {

// ---- encoding: written straight into the output, no DOM ----------------------

struct json_writer {
    std::vector<std::byte>& out;
    wire_limits const& limits;

    void raw(std::string_view s) {
        auto const* p = reinterpret_cast<std::byte const*>(s.data());
        out.insert(out.end(), p, p + s.size());
    }
    void ch(char c) { out.push_back(static_cast<std::byte>(c)); }

    template <class U>
    void number(U v) {
        char buf[24];
        auto const r = std::to_chars(buf, buf + sizeof buf, v);
        raw(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    }
    template <class U>
    void quoted_number(U v) {
        ch('"');
        number(v);
        ch('"');
    }

    // `text` is valid UTF-8 (checked by the caller): only '"', '\' and control
    // characters need escaping, with the short forms where JSON has them, so
    // the output is never longer than any other spelling of the same string.
    void string(std::string_view text) {
        ch('"');
        std::size_t run = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            auto const c = static_cast<unsigned char>(text[i]);
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            raw(text.substr(run, i - run));
            run = i + 1;
            switch (c) {
            case '"': raw("\\\""); break;
            case '\\': raw("\\\\"); break;
            case '\b': raw("\\b"); break;
            case '\f': raw("\\f"); break;
            case '\n': raw("\\n"); break;
            case '\r': raw("\\r"); break;
            case '\t': raw("\\t"); break;
            default: {
                char const hex[] = "0123456789abcdef";
                char const esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                raw(std::string_view(esc, sizeof esc));
            }
            }
        }
        raw(text.substr(run));
        ch('"');
    }

    void key(std::string_view name) {
        ch('"');
        raw(name);  // C++ identifiers: nothing to escape
        raw("\":");
    }
};

template <class T>
boost::system::error_code json_write(json_writer& w, T const& value) {
    constexpr wire_kind kind = wire_kind_of<T>();
    static_assert(kind != wire_kind::unsupported,
                  "cohort wire: unsupported field type (see cohort/wire/detail/fields.hpp)");
    if constexpr (kind == wire_kind::boolean) {
        w.raw(value ? "true" : "false");
    } else if constexpr (kind == wire_kind::unsigned_integer || kind == wire_kind::signed_integer) {
        if constexpr (sizeof(T) >= 8)
            w.quoted_number(value);
        else
            w.number(value);
    } else if constexpr (kind == wire_kind::enumeration) {
        auto const name = enumerator_name(value);
        if (name.empty()) return error::invalid_field;
        w.string(name);
    } else if constexpr (kind == wire_kind::string) {
        if (auto ec = check_text(value, w.limits)) return ec;
        w.string(value);
    } else if constexpr (kind == wire_kind::bytes) {
        if (auto ec = check_bytes(value.size(), w.limits)) return ec;
        w.ch('"');
        std::size_t const at = w.out.size();
        w.out.resize(at + base64_encoded_size(value.size()));
        base64_encode(value, reinterpret_cast<char*>(w.out.data() + at));
        w.ch('"');
    } else if constexpr (kind == wire_kind::node_id) {
        if (auto ec = check_node_id(value, w.limits)) return ec;
        w.string(value.str());
    } else if constexpr (kind == wire_kind::timestamp) {
        w.raw("{\"wall_ns\":");
        w.quoted_number(value.wall_ns);
        w.raw(",\"logical\":");
        w.number(value.logical);
        w.ch('}');
    } else if constexpr (kind == wire_kind::sequence) {
        if (auto ec = check_count(value.size(), w.limits)) return ec;
        w.ch('[');
        bool first = true;
        for (auto const& element : value) {
            if (!first) w.ch(',');
            first = false;
            if (auto ec = json_write(w, static_cast<typename T::value_type const&>(element)))
                return ec;
        }
        w.ch(']');
    } else if constexpr (kind == wire_kind::optional) {
        if (!value) {
            w.raw("null");
            return {};
        }
        return json_write(w, *value);
    } else if constexpr (kind == wire_kind::structure) {
        boost::system::error_code ec;
        bool first = true;
        auto f = [&](std::string_view name, auto const& field) {
            if (ec) return;
            if (!first) w.ch(',');
            first = false;
            w.key(name);
            ec = json_write(w, field);
        };
        w.ch('{');
        for_each_field(value, f);
        w.ch('}');
        return ec;
    } else if constexpr (kind == wire_kind::variant) {
        static_assert(has_unique_wire_names<T>(), "cohort wire: variant alternatives need "
                                                  "distinct wire_names");
        if (value.valueless_by_exception()) return error::invalid_field;
        return std::visit(
            [&](auto const& alternative) {
                w.raw("{\"type\":");
                w.string(std::remove_cvref_t<decltype(alternative)>::wire_name);
                w.raw(",\"body\":");
                auto ec = json_write(w, alternative);
                w.ch('}');
                return ec;
            },
            value);
    }
    return {};
}

// ---- decoding: from the Boost.JSON DOM ----------------------------------------

// Thrown by json_budget_resource, caught by json_codec::decode: never escapes.
struct json_budget_exceeded {};

// Keeps at most `budget` bytes allocated at once; past that, throws.
class json_budget_resource final : public boost::json::memory_resource {
public:
    explicit json_budget_resource(std::size_t budget) noexcept : left_(budget) {}

private:
    void* do_allocate(std::size_t n, std::size_t align) override {
        if (n > left_) throw json_budget_exceeded{};
        void* p = ::operator new(n, std::align_val_t(align));
        left_ -= n;
        return p;
    }
    void do_deallocate(void* p, std::size_t n, std::size_t align) override {
        ::operator delete(p, std::align_val_t(align));
        left_ += n;
    }
    bool do_is_equal(memory_resource const& other) const noexcept override {
        return this == &other;
    }

    std::size_t left_;
};

// Canonical signed decimal: an optional '-', then canonical digits; no "-0".
inline bool parse_canonical_i64(std::string_view s, std::int64_t& out) noexcept {
    bool const negative = !s.empty() && s.front() == '-';
    if (negative) s.remove_prefix(1);
    std::uint64_t magnitude = 0;
    if (!parse_canonical_u64(s, magnitude)) return false;
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (negative) {
        if (magnitude == 0 || magnitude > max + 1) return false;
        out = static_cast<std::int64_t>(0 - magnitude);  // two's complement, defined since C++20
    } else {
        if (magnitude > max) return false;
        out = static_cast<std::int64_t>(magnitude);
    }
    return true;
}

inline std::string_view view(boost::json::string const& s) noexcept {
    return std::string_view(s.data(), s.size());
}

template <class Variant>
boost::system::error_code json_read_alternative(std::string_view type,
                                                boost::json::value const& body, Variant& out,
                                                wire_limits const& limits);

template <class T>
boost::system::error_code json_read(boost::json::value const& jv, T& out,
                                    wire_limits const& limits) {
    constexpr wire_kind kind = wire_kind_of<T>();
    static_assert(kind != wire_kind::unsupported,
                  "cohort wire: unsupported field type (see cohort/wire/detail/fields.hpp)");
    if constexpr (kind == wire_kind::boolean) {
        auto const* b = jv.if_bool();
        if (!b) return error::malformed_json;
        out = *b;
    } else if constexpr (kind == wire_kind::unsigned_integer || kind == wire_kind::signed_integer) {
        if constexpr (sizeof(T) >= 8) {
            auto const* s = jv.if_string();
            if (!s) return error::malformed_json;
            if constexpr (kind == wire_kind::unsigned_integer) {
                std::uint64_t v = 0;
                if (!parse_canonical_u64(view(*s), v)) return error::invalid_field;
                out = static_cast<T>(v);
            } else {
                std::int64_t v = 0;
                if (!parse_canonical_i64(view(*s), v)) return error::invalid_field;
                out = static_cast<T>(v);
            }
        } else if (auto const* i = jv.if_int64()) {
            if (*i < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
                *i > static_cast<std::int64_t>(std::numeric_limits<T>::max()))
                return error::invalid_field;
            out = static_cast<T>(*i);
        } else if (jv.is_uint64()) {
            return error::invalid_field;  // parsed as uint64 only when above int64's range
        } else {
            return error::malformed_json;
        }
    } else if constexpr (kind == wire_kind::enumeration) {
        auto const* s = jv.if_string();
        if (!s) return error::malformed_json;
        auto const e = enumerator_from_name<T>(view(*s));
        if (!e) return error::invalid_field;
        out = *e;
    } else if constexpr (kind == wire_kind::string) {
        auto const* s = jv.if_string();
        if (!s) return error::malformed_json;
        if (s->size() > limits.max_string_length) return error::length_over_limit;
        out.assign(s->data(), s->size());  // the parser has checked the UTF-8
    } else if constexpr (kind == wire_kind::bytes) {
        auto const* s = jv.if_string();
        if (!s) return error::malformed_json;
        auto const size = base64_decoded_size(view(*s));
        if (!size) return error::invalid_field;
        if (*size > limits.max_string_length) return error::length_over_limit;
        out.resize(*size);
        if (!base64_decode(view(*s), out.data())) return error::invalid_field;
    } else if constexpr (kind == wire_kind::node_id) {
        auto const* s = jv.if_string();
        if (!s) return error::malformed_json;
        if (s->size() > limits.max_string_length) return error::length_over_limit;
        auto id = node_id::parse(view(*s));
        if (!id) return error::invalid_field;
        // The canonical text is what an encoder checks and writes.
        if (id->str().size() > limits.max_string_length) return error::length_over_limit;
        out = std::move(*id);
    } else if constexpr (kind == wire_kind::timestamp) {
        if (!jv.is_object()) return error::malformed_json;
        auto ts = boost::json::try_value_to<hlc_timestamp>(jv);
        if (!ts) return error::invalid_field;
        out = *ts;
    } else if constexpr (kind == wire_kind::sequence) {
        auto const* a = jv.if_array();
        if (!a) return error::malformed_json;
        if (a->size() > limits.max_sequence_length) return error::length_over_limit;
        out.clear();
        out.reserve(a->size());
        for (auto const& element : *a) {
            typename T::value_type v{};
            if (auto ec = json_read(element, v, limits)) return ec;
            out.push_back(std::move(v));
        }
    } else if constexpr (kind == wire_kind::optional) {
        if (jv.is_null()) {
            out.reset();
            return {};
        }
        return json_read(jv, out.emplace(), limits);
    } else if constexpr (kind == wire_kind::structure) {
        auto const* obj = jv.if_object();
        if (!obj || obj->size() != field_count<T>()) return error::malformed_json;
        boost::system::error_code ec;
        auto f = [&](std::string_view name, auto& field) {
            if (ec) return;
            auto const* member =
                obj->if_contains(boost::json::string_view(name.data(), name.size()));
            ec = member ? json_read(*member, field, limits)
                        : boost::system::error_code(error::malformed_json);
        };
        for_each_field(out, f);
        return ec;
    } else if constexpr (kind == wire_kind::variant) {
        auto const* obj = jv.if_object();
        if (!obj || obj->size() != 2) return error::malformed_json;
        auto const* type = obj->if_contains("type");
        auto const* body = obj->if_contains("body");
        if (!type || !body || !type->is_string()) return error::malformed_json;
        return json_read_alternative(view(type->get_string()), *body, out, limits);
    }
    return {};
}

// Decodes `body` as the alternative of Variant called `type`.
template <class Variant>
boost::system::error_code json_read_alternative(std::string_view type,
                                                boost::json::value const& body, Variant& out,
                                                wire_limits const& limits) {
    std::size_t const index = alternative_index<Variant>(type);
    if (index == std::variant_npos) return error::unknown_message_type;
    return boost::mp11::mp_with_index<std::variant_size_v<Variant>>(index, [&](auto i) {
        return json_read(body, out.template emplace<decltype(i)::value>(), limits);
    });
}

// Boost.JSON's parse errors, in cohort's terms.
inline boost::system::error_code from_json_parse_error(boost::system::error_code ec) noexcept {
    if (ec == boost::json::error::incomplete) return error::message_truncated;
    if (ec == boost::json::error::too_deep) return error::length_over_limit;
    if (ec == boost::json::error::extra_data) return error::trailing_bytes;
    return error::malformed_json;
}

inline constexpr std::array<std::string_view, 8> json_envelope_keys{
    "cohort", "label", "sender", "incarnation", "time", "type", "body", "auth_tag"};

inline boost::system::error_code json_write_envelope(envelope const& e, std::vector<std::byte>& out,
                                                     wire_limits const& limits) {
    json_writer w{out, limits};
    w.raw("{\"cohort\":");
    w.number(unsigned{protocol_version});
    w.raw(",\"label\":");
    w.string(e.label);
    w.raw(",\"sender\":");
    w.string(e.sender.str());
    w.raw(",\"incarnation\":");
    w.quoted_number(e.incarnation);
    w.raw(",\"time\":");
    if (auto ec = json_write(w, e.time)) return ec;
    return std::visit(
        [&](auto const& body) {
            w.raw(",\"type\":");
            w.string(std::remove_cvref_t<decltype(body)>::wire_name);
            w.raw(",\"body\":");
            if (auto ec = json_write(w, body)) return ec;
            w.raw(",\"auth_tag\":");
            auto ec = json_write(w, e.auth_tag);
            w.ch('}');
            return ec;
        },
        e.body);
}

inline boost::system::result<envelope> json_read_envelope(boost::json::value const& root,
                                                          wire_limits const& limits) {
    auto const* obj = root.if_object();
    if (!obj) return error::malformed_json;
    auto const* version = obj->if_contains(json_magic_key);
    if (!version) return error::bad_magic;
    if (auto const* v = version->if_int64()) {
        if (*v != protocol_version) return error::unsupported_version;
    } else if (version->is_uint64()) {
        return error::unsupported_version;
    } else {
        return error::malformed_json;
    }
    if (obj->size() != json_envelope_keys.size()) return error::malformed_json;
    for (auto key : json_envelope_keys)
        if (!obj->contains(key)) return error::malformed_json;
    auto const at = [obj](std::string_view key) -> boost::json::value const& {
        return *obj->if_contains(key);  // present: checked above
    };
    auto const& type = at("type");
    if (!type.is_string()) return error::malformed_json;

    envelope e;
    if (auto ec = json_read(at("label"), e.label, limits)) return ec;
    if (auto ec = json_read(at("sender"), e.sender, limits)) return ec;
    if (auto ec = json_read(at("incarnation"), e.incarnation, limits)) return ec;
    if (auto ec = json_read(at("time"), e.time, limits)) return ec;
    if (auto ec = json_read_alternative(view(type.get_string()), at("body"), e.body, limits))
        return ec;
    if (auto ec = json_read(at("auth_tag"), e.auth_tag, limits)) return ec;
    return e;
}

// Parses with Boost.JSON inside a memory budget of `budget` bytes: the
// parser's stack draws on the budget directly (so the blocks it outgrows are
// given back), the document on a monotonic arena above it.
inline boost::system::result<envelope>
json_decode_envelope(std::span<std::byte const> in, wire_limits const& limits, std::size_t budget) {
    json_budget_resource allowance(budget);
    try {
        unsigned char first_block[4096];
        boost::json::monotonic_resource arena(first_block, sizeof first_block, &allowance);
        boost::json::parse_options options;
        options.max_depth = limits.max_depth;
        boost::json::parser parser(&allowance, options);
        parser.reset(&arena);
        boost::system::error_code ec;
        parser.write(reinterpret_cast<char const*>(in.data()), in.size(), ec);
        if (ec) return from_json_parse_error(ec);
        boost::json::value const root = parser.release();
        return json_read_envelope(root, limits);
    } catch (json_budget_exceeded const&) {
        return error::length_over_limit;
    }
}

}  // namespace detail

/// The JSON codec (the format is at the top of this header). A value:
/// copyable, immutable after construction, safe to share between threads.
class json_codec {
public:
    /// Throws boost::system::system_error naming the field when `limits` fails
    /// validate().
    explicit json_codec(wire_limits limits = {}) : limits_(checked(limits)) {}

    /// Appends the JSON of `e` to `out` (no trailing newline). On error `out`
    /// is left as it was; the errors are binary_codec::encode's.
    boost::system::error_code encode(envelope const& e, std::vector<std::byte>& out) const {
        if (auto ec = detail::check_envelope(e, limits_)) return ec;
        std::size_t const start = out.size();
        auto ec = detail::json_write_envelope(e, out, limits_);
        if (!ec && out.size() - start > limits_.max_message_size) ec = error::message_too_large;
        if (ec) out.resize(start);
        return ec;
    }

    /// Decodes one JSON message that fills all of `in` (surrounding
    /// whitespace aside). Errors: see the table at the top of this header.
    /// Never throws, but for std::bad_alloc.
    boost::system::result<envelope> decode(std::span<std::byte const> in) const {
        if (in.size() > limits_.max_message_size) return error::message_too_large;
        return detail::json_decode_envelope(in, limits_, json_memory_budget(in.size()));
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

#endif  // COHORT_WIRE_JSON_CODEC_HPP
