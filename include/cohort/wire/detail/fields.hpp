// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_WIRE_DETAIL_FIELDS_HPP
#define COHORT_WIRE_DETAIL_FIELDS_HPP

// What the codecs know about C++ types. Every field of a wire struct has one
// of the kinds below; each codec is one switch on the kind, recursing into
// described structs with for_each_field. Adding a message type or a field
// therefore adds no codec code, only a BOOST_DESCRIBE_STRUCT.
//
//   kind              C++ types
//   boolean           bool
//   unsigned_integer  unsigned integer types (not character types)
//   signed_integer    signed integer types (not character types)
//   enumeration       enums described with BOOST_DESCRIBE_ENUM
//   string            std::string (UTF-8 text)
//   bytes             std::vector<std::byte>
//   node_id           cohort::node_id
//   timestamp         cohort::hlc_timestamp
//   sequence          std::vector<T> of any kind
//   optional          std::optional<T> of any kind
//   structure         structs described with BOOST_DESCRIBE_STRUCT (public members)
//   variant           std::variant of structures that each have a wire_name

#include <cohort/hlc_timestamp.hpp>
#include <cohort/node_id.hpp>

#include <boost/describe/bases.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/mp11/algorithm.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace cohort::detail {

/// How a codec treats a field type (see the table above).
enum class wire_kind : std::uint8_t {
    boolean,
    unsigned_integer,
    signed_integer,
    enumeration,
    string,
    bytes,
    node_id,
    timestamp,
    sequence,
    optional,
    structure,
    variant,
    unsupported,
};

template <class T>
struct is_std_vector : std::false_type {};
template <class T>
struct is_std_vector<std::vector<T>> : std::true_type {};

template <class T>
struct is_std_optional : std::false_type {};
template <class T>
struct is_std_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_std_variant : std::false_type {};
template <class... Ts>
struct is_std_variant<std::variant<Ts...>> : std::true_type {};

// Character types are text, not numbers: a char field is refused rather than
// guessed at.
template <class T>
inline constexpr bool is_character_v =
    std::is_same_v<T, char> || std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> ||
    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>;

template <class T>
inline constexpr bool is_described_struct_v =
    std::conjunction_v<std::is_class<T>, boost::describe::has_describe_members<T>>;

template <class T>
inline constexpr bool is_described_enum_v =
    std::conjunction_v<std::is_enum<T>, boost::describe::has_describe_enumerators<T>>;

/// The kind of field type T, or wire_kind::unsupported.
template <class T>
constexpr wire_kind wire_kind_of() noexcept {
    if constexpr (std::is_same_v<T, bool>)
        return wire_kind::boolean;
    else if constexpr (std::is_same_v<T, std::string>)
        return wire_kind::string;
    else if constexpr (std::is_same_v<T, std::vector<std::byte>>)
        return wire_kind::bytes;
    else if constexpr (std::is_same_v<T, cohort::node_id>)
        return wire_kind::node_id;
    else if constexpr (std::is_same_v<T, hlc_timestamp>)
        return wire_kind::timestamp;
    else if constexpr (is_described_enum_v<T>)
        return wire_kind::enumeration;
    else if constexpr (std::is_integral_v<T> && !is_character_v<T>)
        return std::is_unsigned_v<T> ? wire_kind::unsigned_integer : wire_kind::signed_integer;
    else if constexpr (is_std_vector<T>::value)
        return wire_kind::sequence;
    else if constexpr (is_std_optional<T>::value)
        return wire_kind::optional;
    else if constexpr (is_std_variant<T>::value)
        return wire_kind::variant;
    else if constexpr (is_described_struct_v<T>)
        return wire_kind::structure;
    else
        return wire_kind::unsupported;
}

/// A described struct that names itself on the wire: an alternative of a
/// variant field (and of cohort::message).
template <class T>
concept named_wire_struct = is_described_struct_v<T> && requires {
    { T::wire_name } -> std::convertible_to<std::string_view>;
};

/// Checked where a codec meets a field type, so that an unsupported field is a
/// compile error naming the type rather than a silent misencoding.
template <class T>
inline constexpr bool is_supported_field_v = wire_kind_of<T>() != wire_kind::unsupported;

template <class T>
using wire_bases_of = boost::describe::describe_bases<T, boost::describe::mod_public>;
template <class T>
using wire_members_of = boost::describe::describe_members<T, boost::describe::mod_public>;

/// The type of the member a Boost.Describe member descriptor points to.
template <class Class, class Descriptor>
using described_member_t =
    std::remove_cvref_t<decltype(std::declval<Class&>().*Descriptor::pointer)>;

/// Calls `f(name, field)` for every field of the described struct `object`:
/// the fields of its bases first, then its own in declaration order. `object`
/// may be const; `f` gets the field with the same constness.
template <class T, class F>
constexpr void for_each_field(T& object, F& f) {
    using plain = std::remove_const_t<T>;
    boost::mp11::mp_for_each<wire_bases_of<plain>>([&](auto base) {
        using base_type = typename decltype(base)::type;
        using base_ref = std::conditional_t<std::is_const_v<T>, base_type const&, base_type&>;
        for_each_field(static_cast<base_ref>(object), f);
    });
    boost::mp11::mp_for_each<wire_members_of<plain>>(
        [&](auto member) { f(std::string_view(member.name), object.*member.pointer); });
}

/// Number of fields for_each_field visits.
template <class T>
constexpr std::size_t field_count() noexcept {
    std::size_t n = boost::mp11::mp_size<wire_members_of<T>>::value;
    boost::mp11::mp_for_each<wire_bases_of<T>>(
        [&](auto base) { n += field_count<typename decltype(base)::type>(); });
    return n;
}

/// The fewest bytes a value of T takes in the binary form. The binary decoder
/// refuses a count of elements that cannot fit in the bytes that remain, so a
/// few input bytes can never make it reserve much memory.
template <class T>
constexpr std::size_t min_binary_size() noexcept {
    constexpr wire_kind kind = wire_kind_of<T>();
    if constexpr (kind == wire_kind::timestamp) {
        return hlc_timestamp_wire_size;
    } else if constexpr (kind == wire_kind::structure) {
        std::size_t n = 0;
        boost::mp11::mp_for_each<wire_bases_of<T>>(
            [&](auto base) { n += min_binary_size<typename decltype(base)::type>(); });
        boost::mp11::mp_for_each<wire_members_of<T>>(
            [&](auto member) { n += min_binary_size<described_member_t<T, decltype(member)>>(); });
        return n;
    } else if constexpr (kind == wire_kind::variant) {
        std::size_t smallest = static_cast<std::size_t>(-1);
        boost::mp11::mp_for_each<boost::mp11::mp_iota_c<std::variant_size_v<T>>>([&](auto i) {
            smallest = std::min(
                smallest, min_binary_size<std::variant_alternative_t<decltype(i)::value, T>>());
        });
        return 1 + smallest;
    } else {
        return 1;  // one byte at least: a bool, a varint, a length or a presence flag
    }
}

template <class Variant>
constexpr std::size_t json_variant_depth() noexcept;

/// How deeply T nests JSON arrays and objects (0 for a scalar). A variant is
/// an object {"type", "body"} around its alternative's object.
template <class T>
constexpr std::size_t json_depth() noexcept {
    constexpr wire_kind kind = wire_kind_of<T>();
    if constexpr (kind == wire_kind::timestamp) {
        return 1;
    } else if constexpr (kind == wire_kind::sequence) {
        return 1 + json_depth<typename T::value_type>();
    } else if constexpr (kind == wire_kind::optional) {
        return json_depth<typename T::value_type>();
    } else if constexpr (kind == wire_kind::structure) {
        std::size_t deepest = 0;
        boost::mp11::mp_for_each<wire_bases_of<T>>([&](auto base) {
            deepest = std::max(deepest, json_depth<typename decltype(base)::type>() - 1);
        });
        boost::mp11::mp_for_each<wire_members_of<T>>([&](auto member) {
            deepest = std::max(deepest, json_depth<described_member_t<T, decltype(member)>>());
        });
        return 1 + deepest;
    } else if constexpr (kind == wire_kind::variant) {
        return 1 + json_variant_depth<T>();
    } else {
        return 0;
    }
}

/// The deepest alternative of a variant, as json_depth counts it.
template <class Variant>
constexpr std::size_t json_variant_depth() noexcept {
    std::size_t deepest = 0;
    boost::mp11::mp_for_each<boost::mp11::mp_iota_c<std::variant_size_v<Variant>>>([&](auto i) {
        deepest = std::max(deepest,
                           json_depth<std::variant_alternative_t<decltype(i)::value, Variant>>());
    });
    return deepest;
}

/// True when `value` is one of E's described enumerators.
template <class E>
constexpr bool is_enumerator(E value) noexcept {
    bool found = false;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>(
        [&](auto e) { found = found || e.value == value; });
    return found;
}

/// The name of a described enumerator; empty when `value` is none of them.
template <class E>
constexpr std::string_view enumerator_name(E value) noexcept {
    std::string_view name;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto e) {
        if (name.empty() && e.value == value) name = e.name;
    });
    return name;
}

/// The enumerator called `name`, if any.
template <class E>
constexpr std::optional<E> enumerator_from_name(std::string_view name) noexcept {
    std::optional<E> found;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto e) {
        if (!found && name == e.name) found = e.value;
    });
    return found;
}

/// The index of the alternative of Variant whose wire_name is `name`, or
/// variant_npos.
template <class Variant>
constexpr std::size_t alternative_index(std::string_view name) noexcept {
    std::size_t found = std::variant_npos;
    boost::mp11::mp_for_each<boost::mp11::mp_iota_c<std::variant_size_v<Variant>>>([&](auto i) {
        using alternative = std::variant_alternative_t<decltype(i)::value, Variant>;
        if (found == std::variant_npos && name == std::string_view(alternative::wire_name))
            found = decltype(i)::value;
    });
    return found;
}

/// True when every alternative of Variant is a named_wire_struct and no two
/// share a wire_name.
template <class Variant>
constexpr bool has_unique_wire_names() noexcept {
    bool ok = true;
    boost::mp11::mp_for_each<boost::mp11::mp_iota_c<std::variant_size_v<Variant>>>([&](auto i) {
        using alternative = std::variant_alternative_t<decltype(i)::value, Variant>;
        if constexpr (!named_wire_struct<alternative>)
            ok = false;
        else
            ok = ok && alternative_index<Variant>(alternative::wire_name) == decltype(i)::value;
    });
    return ok;
}

}  // namespace cohort::detail

#endif  // COHORT_WIRE_DETAIL_FIELDS_HPP
