// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TESTS_WIRE_TEST_SUPPORT_HPP
#define COHORT_TESTS_WIRE_TEST_SUPPORT_HPP

// Shared by the wire tests: seeded random values of any wire type (driven by
// the same Boost.Describe walk as the codecs, so a new message type is covered
// the day it is added), byte helpers, and the set of errors a decoder may give.

#include <cohort/wire/binary_codec.hpp>
#include <cohort/wire/json_codec.hpp>

#include <boost/mp11/algorithm.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace cohort_test {

inline std::vector<std::byte> bytes_of(std::string_view text) {
    auto const* p = reinterpret_cast<std::byte const*>(text.data());
    return {p, p + text.size()};
}

inline std::string text_of(std::span<std::byte const> bytes) {
    return {reinterpret_cast<char const*>(bytes.data()), bytes.size()};
}

/// The errors a decoder may report: the wire values of cohort::error.
inline bool is_wire_error(boost::system::error_code ec) {
    if (ec.category() != cohort::error_category()) return false;
    auto const v = ec.value();
    return v >= static_cast<int>(cohort::error::message_truncated) &&
           v <= static_cast<int>(cohort::error::message_too_large);
}

/// How large random values get. Strings and sequences are mostly short, so
/// that thousands of messages stay fast; the extremes have their own tests.
struct random_shape {
    std::size_t max_string = 24;
    std::size_t max_sequence = 4;
};

/// A seeded source of random wire values that favours the edges: zero, one,
/// the type's extremes, empty and multi-byte strings, every host kind.
class random_source {
public:
    explicit random_source(std::uint64_t seed, random_shape shape = {})
        : rng_(seed), shape_(shape) {}

    std::uint64_t below(std::uint64_t n) {
        return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
    }
    bool one_in(std::uint64_t n) { return below(n) == 0; }

    template <class I>
    I integer() {
        using limits = std::numeric_limits<I>;
        switch (below(8)) {
        case 0: return 0;
        case 1: return limits::max();
        case 2: return limits::min();
        case 3: return static_cast<I>(std::is_signed_v<I> && one_in(2) ? -1 : 1);
        default: {
            // a random width, so that every varint length turns up
            auto const bits = 1 + below(std::numeric_limits<std::uint64_t>::digits);
            std::uint64_t v = rng_();
            if (bits < 64) v &= (std::uint64_t{1} << bits) - 1;
            return static_cast<I>(v);
        }
        }
    }

    // UTF-8 text of at most `max` bytes: ASCII, controls, quotes, backslashes
    // and 2-, 3- and 4-byte characters.
    std::string text(std::size_t max) {
        std::string s;
        std::size_t const target = one_in(5) ? 0 : below(max + 1);
        while (s.size() < target) {
            char32_t c = 0;
            switch (below(6)) {
            case 0: c = static_cast<char32_t>(below(0x20)); break;
            case 1: c = one_in(2) ? U'"' : U'\\'; break;
            case 2: c = static_cast<char32_t>(0x80 + below(0x800 - 0x80)); break;
            case 3: {
                c = static_cast<char32_t>(0x800 + below(0x10000 - 0x800));
                if (c >= 0xD800 && c <= 0xDFFF) c = U'\uFFFD';
                break;
            }
            case 4: c = static_cast<char32_t>(0x10000 + below(0x110000 - 0x10000)); break;
            default: c = static_cast<char32_t>(0x20 + below(0x7F - 0x20)); break;
            }
            std::string const piece = utf8(c);
            if (s.size() + piece.size() > target) break;
            s += piece;
        }
        return s;
    }

    std::vector<std::byte> bytes(std::size_t max) {
        std::vector<std::byte> b(one_in(5) ? 0 : below(max + 1));
        for (auto& x : b) x = static_cast<std::byte>(rng_());
        return b;
    }

    cohort::node_id id() {
        static constexpr std::string_view letters =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        static constexpr std::string_view name_chars =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        std::size_t const name_length = one_in(8) ? 64 : 1 + below(12);
        std::string name(1, letters[below(letters.size())]);
        while (name.size() < name_length) name += name_chars[below(name_chars.size())];

        std::string host;
        switch (below(3)) {
        case 0: {  // hostname, mixed case (canonicalised to lowercase)
            std::size_t const labels = 1 + below(4);
            for (std::size_t i = 0; i < labels; ++i) {
                if (i != 0) host += '.';
                host += letters[below(letters.size())];
                for (auto n = below(8); n != 0; --n)
                    host += "abcdefghijklmnopqrstuvwxyz0123456789-"[below(37)];
                host += "abcdefghijklmnopqrstuvwxyz0123456789"[below(36)];
            }
            break;
        }
        case 1:  // IPv4; one draw per statement keeps the sequence the same on every compiler
            for (int octet = 0; octet < 4; ++octet) {
                if (octet != 0) host += '.';
                host += std::to_string(below(256));
            }
            break;
        default: {  // IPv6, zero groups often, so that "::" compression turns up
            char const* const hex = "0123456789abcdef";
            for (int g = 0; g < 8; ++g) {
                if (g != 0) host += ':';
                auto const v = one_in(2) ? 0 : below(0x10000);
                std::string group;
                for (int k = 12; k >= 0; k -= 4) group += hex[(v >> k) & 15];
                host += group;
            }
            break;
        }
        }
        std::uint32_t const port = one_in(6)   ? 65535
                                   : one_in(6) ? 1
                                               : static_cast<std::uint32_t>(1 + below(65535));
        return cohort::node_id::from_parts(name, host, port).value();
    }

    /// A random value of any wire type.
    template <class T>
    void fill(T& value) {
        using cohort::detail::wire_kind;
        constexpr wire_kind kind = cohort::detail::wire_kind_of<T>();
        if constexpr (kind == wire_kind::boolean) {
            value = one_in(2);
        } else if constexpr (kind == wire_kind::unsigned_integer ||
                             kind == wire_kind::signed_integer) {
            value = integer<T>();
        } else if constexpr (kind == wire_kind::enumeration) {
            using enumerators = boost::describe::describe_enumerators<T>;
            auto const pick = below(boost::mp11::mp_size<enumerators>::value);
            boost::mp11::mp_for_each<boost::mp11::mp_iota<boost::mp11::mp_size<enumerators>>>(
                [&](auto i) {
                    if (decltype(i)::value == pick)
                        value = boost::mp11::mp_at_c<enumerators, decltype(i)::value>::value;
                });
        } else if constexpr (kind == wire_kind::string) {
            value = text(shape_.max_string);
        } else if constexpr (kind == wire_kind::bytes) {
            value = bytes(shape_.max_string);
        } else if constexpr (kind == wire_kind::node_id) {
            value = id();
        } else if constexpr (kind == wire_kind::timestamp) {
            value = {integer<std::uint64_t>(), integer<std::uint32_t>()};
        } else if constexpr (kind == wire_kind::sequence) {
            value.clear();
            auto n = one_in(4) ? 0 : below(shape_.max_sequence + 1);
            for (; n != 0; --n) {
                typename T::value_type element{};
                fill(element);
                value.push_back(std::move(element));
            }
        } else if constexpr (kind == wire_kind::optional) {
            if (one_in(3)) {
                value.reset();
            } else {
                fill(value.emplace());
            }
        } else if constexpr (kind == wire_kind::structure) {
            auto f = [&](std::string_view, auto& field) { fill(field); };
            cohort::detail::for_each_field(value, f);
        } else if constexpr (kind == wire_kind::variant) {
            fill_alternative(value, below(std::variant_size_v<T>));
        }
    }

    template <class Variant>
    void fill_alternative(Variant& value, std::size_t index) {
        boost::mp11::mp_with_index<std::variant_size_v<Variant>>(
            index, [&](auto i) { fill(value.template emplace<decltype(i)::value>()); });
    }

    /// A random envelope holding message type `type`.
    cohort::envelope envelope(std::size_t type) {
        cohort::envelope e;
        e.label = text(shape_.max_string);
        e.sender = id();
        e.incarnation = integer<std::uint64_t>();
        fill(e.time);
        fill_alternative(e.body, type);
        e.auth_tag = one_in(2) ? std::vector<std::byte>{} : bytes(32);
        return e;
    }

private:
    static std::string utf8(char32_t c) {
        std::string s;
        if (c < 0x80) {
            s += static_cast<char>(c);
        } else if (c < 0x800) {
            s += static_cast<char>(0xC0 | (c >> 6));
            s += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            s += static_cast<char>(0xE0 | (c >> 12));
            s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            s += static_cast<char>(0xF0 | (c >> 18));
            s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (c & 0x3F));
        }
        return s;
    }

    std::mt19937_64 rng_;
    random_shape shape_;
};

inline constexpr std::size_t message_type_count = std::variant_size_v<cohort::message>;

/// The wire_name of message type `index`.
inline std::string_view message_type_name(std::size_t index) {
    return boost::mp11::mp_with_index<message_type_count>(index, [](auto i) {
        return std::string_view(
            std::variant_alternative_t<decltype(i)::value, cohort::message>::wire_name);
    });
}

/// The envelope as JSON, for failure messages.
inline std::string show(cohort::envelope const& e) {
    cohort::wire_limits roomy;
    roomy.max_message_size = cohort::wire_max_message_size;
    roomy.max_string_length = std::numeric_limits<std::size_t>::max();
    roomy.max_sequence_length = std::numeric_limits<std::size_t>::max();
    std::vector<std::byte> out;
    auto const ec = cohort::json_codec(roomy).encode(e, out);
    return ec ? "<unencodable: " + ec.message() + ">" : text_of(out);
}

}  // namespace cohort_test

#endif  // COHORT_TESTS_WIRE_TEST_SUPPORT_HPP
