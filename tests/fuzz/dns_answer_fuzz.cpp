// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// libFuzzer target for parse_dns_answer (discovery/detail/dns_message.hpp),
// the decoder of what a DNS server sends back. Any input must decode or fail
// with one of the decoder's own errors. An answer that decodes keeps at most
// max_records records; its names are at most 253 characters of a hostname's
// (and '_'), lower case, with no empty label; its SRV targets are not empty;
// its addresses are numeric text in canonical form. A larger max_records
// gives the same answer, or more records where the small one overflowed.

#include "fuzz_support.hpp"

#include <cohort/detail/host_syntax.hpp>
#include <cohort/discovery/detail/dns_message.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace {

constexpr std::size_t small_limit = 16;

bool is_decoder_error(boost::system::error_code ec) {
    using cohort::error;
    auto const v = ec.value();
    return ec.category() == cohort::error_category() &&
           v >= static_cast<int>(error::dns_truncated) &&
           v <= static_cast<int>(error::dns_too_many_records);
}

bool good_name(std::string const& n) {
    if (n.size() > 253) return false;
    if (n.empty()) return true;  // the root (a question may ask for it)
    if (n.front() == '.' || n.back() == '.' || n.find("..") != std::string::npos) return false;
    for (char c : n)
        if (!(cohort::detail::is_ascii_digit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '_' ||
              c == '.'))
            return false;
    return true;
}

bool canonical_address(std::string const& a) {
    if (auto v4 = cohort::detail::parse_ipv4(a)) {
        return a == std::to_string((*v4)[0]) + '.' + std::to_string((*v4)[1]) + '.' +
                        std::to_string((*v4)[2]) + '.' + std::to_string((*v4)[3]);
    }
    auto v6 = cohort::detail::parse_ipv6(a);
    return v6 && cohort::detail::format_ipv6(*v6) == a;
}

bool same(cohort::detail::dns_answer const& a, cohort::detail::dns_answer const& b) {
    return a.question == b.question && a.question_type == b.question_type && a.srv == b.srv &&
           a.addresses == b.addresses;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::span<std::byte const> const input(reinterpret_cast<std::byte const*>(data), size);
    auto const small = cohort::detail::parse_dns_answer(input, small_limit);
    auto const large = cohort::detail::parse_dns_answer(input, 4096);
    if (!small) {
        if (!is_decoder_error(small.error())) cohort_fuzz::finding();
        if (small.error() == cohort::error::dns_too_many_records) {
            // only the bound differs: the large decode fails otherwise the same way, or succeeds
            if (!large && large.error() == cohort::error::dns_too_many_records) cohort_fuzz::finding();
        } else if (large || large.error() != small.error()) {
            cohort_fuzz::finding();
        }
        return 0;
    }
    if (!large || !same(*small, *large)) cohort_fuzz::finding();
    auto const& a = *small;
    if (a.srv.size() + a.addresses.size() > small_limit) cohort_fuzz::finding();
    if (!good_name(a.question)) cohort_fuzz::finding();
    for (auto const& s : a.srv)
        if (s.target.empty() || !good_name(s.target)) cohort_fuzz::finding();
    for (auto const& r : a.addresses)
        if (!good_name(r.name) || !canonical_address(r.address)) cohort_fuzz::finding();
    return 0;
}
