// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_ADMIN_PROMETHEUS_TEXT_HPP
#define COHORT_ADMIN_PROMETHEUS_TEXT_HPP

// prometheus_writer: appends Prometheus' text exposition format 0.0.4 to a
// string. Pure: no I/O, no locks, no allocation beyond the output's growth.
//
//   # HELP <name> <help, with \ and newline escaped>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
//
// Rules it keeps (and asserts in debug builds, since every name cohort
// writes is a literal): metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label
// names [a-zA-Z_][a-zA-Z0-9_]* and never start with "__"; a counter's name
// ends in "_total" (the 0.0.4 format names the family with the suffix);
// each family's samples follow its HELP and TYPE lines. Values are in base
// units (seconds, bytes), as Prometheus' naming guide asks. Integers are
// written exactly (no loss above 2^53), doubles in their shortest
// round-trip form, infinities as +Inf and -Inf, NaN as NaN.
//
// A histogram is written from a histogram_snapshot (histogram.hpp):
// one cumulative <name>_bucket{le="<bound>"} sample per bound, then
// le="+Inf" (equal to _count), <name>_sum and <name>_count.

#include <cohort/histogram.hpp>

#include <boost/assert.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace cohort {

/// A family's type, as its # TYPE line names it.
enum class metric_type : std::uint8_t { counter, gauge, histogram };

constexpr std::string_view to_string(metric_type t) noexcept {
    switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
    }
    return "untyped";
}

/// One label of a sample; `value` is escaped on output.
struct metric_label {
    std::string_view name;
    std::string_view value;
};

/// Whether `name` is a valid metric name.
constexpr bool is_metric_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char const c = name[i];
        bool const alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

/// Whether `name` is a valid label name (reserved "__" prefixes refused).
constexpr bool is_label_name(std::string_view name) noexcept {
    if (name.empty() || name.starts_with("__")) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char const c = name[i];
        bool const alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

/// Appends the text exposition to a string (see the top of this header).
class prometheus_writer {
public:
    /// Appends to `out`, which must outlive the writer.
    explicit prometheus_writer(std::string& out) noexcept : out_(&out) {}

    /// Starts a family: its # HELP and # TYPE lines.
    void family(std::string_view name, metric_type type, std::string_view help) {
        BOOST_ASSERT(is_metric_name(name));
        BOOST_ASSERT(type != metric_type::counter || name.ends_with("_total"));
        out_->append("# HELP ").append(name).push_back(' ');
        append_escaped(help, false);
        out_->append("\n# TYPE ").append(name).push_back(' ');
        out_->append(to_string(type)).push_back('\n');
    }

    /// One sample of the current family.
    void sample(std::string_view name, std::initializer_list<metric_label> labels,
                std::uint64_t value) {
        sample_start(name, labels);
        append_number(value);
        out_->push_back('\n');
    }
    void sample(std::string_view name, std::initializer_list<metric_label> labels, double value) {
        sample_start(name, labels);
        append_number(value);
        out_->push_back('\n');
    }
    void sample(std::string_view name, std::uint64_t value) { sample(name, {}, value); }
    void sample(std::string_view name, double value) { sample(name, {}, value); }

    /// A family of one unlabelled sample.
    void counter(std::string_view name, std::string_view help, std::uint64_t value) {
        family(name, metric_type::counter, help);
        sample(name, value);
    }
    void gauge(std::string_view name, std::string_view help, double value) {
        family(name, metric_type::gauge, help);
        sample(name, value);
    }

    /// The samples of one histogram of the current family (a histogram
    /// family started with family(name, metric_type::histogram, help)):
    /// cumulative buckets, +Inf, _sum, _count, each with `labels` (which must
    /// not contain "le").
    void histogram_samples(std::string_view name, std::initializer_list<metric_label> labels,
                           histogram_snapshot const& h) {
        BOOST_ASSERT(h.bounds.size() + 1 == h.buckets.size());
        std::string_view const suffixes[] = {"_bucket", "_sum", "_count"};
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < h.buckets.size(); ++i) {
            cumulative += h.buckets[i];
            start_suffixed(name, suffixes[0]);
            out_->push_back('{');
            for (auto const& l : labels) {
                BOOST_ASSERT(l.name != "le");
                append_label(l);
                out_->push_back(',');
            }
            out_->append("le=\"");
            if (i < h.bounds.size())
                append_number(h.bounds[i]);
            else
                out_->append("+Inf");
            out_->append("\"} ");
            append_number(cumulative);
            out_->push_back('\n');
        }
        start_suffixed(name, suffixes[1]);
        append_labels(labels);
        out_->push_back(' ');
        append_number(h.sum);
        out_->push_back('\n');
        start_suffixed(name, suffixes[2]);
        append_labels(labels);
        out_->push_back(' ');
        append_number(cumulative);
        out_->push_back('\n');
    }

    /// A histogram family of one unlabelled histogram.
    void histogram(std::string_view name, std::string_view help, histogram_snapshot const& h) {
        family(name, metric_type::histogram, help);
        histogram_samples(name, {}, h);
    }

    // ---- the pieces, public for tests and for users' own families ---------------------------

    /// `text` escaped: backslash and newline always, double quote only in
    /// label values (HELP keeps its quotes, as the format says).
    void append_escaped(std::string_view text, bool label_value) {
        for (char c : text) {
            if (c == '\\') out_->append("\\\\");
            else if (c == '\n') out_->append("\\n");
            else if (c == '"' && label_value) out_->append("\\\"");
            else out_->push_back(c);
        }
    }

    void append_number(std::uint64_t v) {
        char buf[24];
        auto const r = std::to_chars(buf, buf + sizeof buf, v);
        out_->append(buf, r.ptr);
    }

    void append_number(double v) {
        if (std::isnan(v)) return (void)out_->append("NaN");
        if (std::isinf(v)) return (void)out_->append(v > 0 ? "+Inf" : "-Inf");
        char buf[32];
        auto const r = std::to_chars(buf, buf + sizeof buf, v);
        BOOST_ASSERT(r.ec == std::errc{});
        out_->append(buf, r.ptr);
    }

private:
    void start_suffixed(std::string_view name, std::string_view suffix) {
        out_->append(name).append(suffix);
    }

    void append_label(metric_label const& l) {
        BOOST_ASSERT(is_label_name(l.name));
        out_->append(l.name).append("=\"");
        append_escaped(l.value, true);
        out_->push_back('"');
    }

    void append_labels(std::initializer_list<metric_label> labels) {
        if (labels.size() == 0) return;
        out_->push_back('{');
        bool first = true;
        for (auto const& l : labels) {
            if (!first) out_->push_back(',');
            first = false;
            append_label(l);
        }
        out_->push_back('}');
    }

    void sample_start(std::string_view name, std::initializer_list<metric_label> labels) {
        BOOST_ASSERT(is_metric_name(name));
        out_->append(name);
        append_labels(labels);
        out_->push_back(' ');
    }

    std::string* out_;
};

} // namespace cohort

#endif // COHORT_ADMIN_PROMETHEUS_TEXT_HPP
