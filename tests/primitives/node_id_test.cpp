// node_id: every parse rule, canonical forms, round trips, order, hash, JSON.
#include <cohort/node_id.hpp>

#include <boost/container_hash/hash.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

using cohort::error;
using cohort::node_id;

namespace {
struct bad_case {
    std::string text;
    error expected;
};

node_id must_parse(std::string_view s) {
    auto r = node_id::parse(s);
    BOOST_REQUIRE_MESSAGE(r.has_value(), "parse(" << s << ") failed: " << r.error().message());
    return *r;
}
} // namespace

BOOST_AUTO_TEST_SUITE(node_id_parse)

BOOST_AUTO_TEST_CASE(valid_forms) {
    auto a = must_parse("app@host:4369");
    BOOST_TEST(a.name() == "app");
    BOOST_TEST(a.host() == "host");
    BOOST_TEST(a.port() == 4369);
    BOOST_TEST((a.kind() == cohort::host_kind::hostname));

    auto b = must_parse("n1@10.0.0.1:7946");
    BOOST_TEST(b.host() == "10.0.0.1");
    BOOST_TEST((b.kind() == cohort::host_kind::ipv4));

    auto c = must_parse("n@[::1]:7946");
    BOOST_TEST(c.host() == "::1");
    BOOST_TEST((c.kind() == cohort::host_kind::ipv6));
    BOOST_TEST(c.str() == "n@[::1]:7946");

    auto d = must_parse("Node_a-1@db-1.eu-west.example.com:65535");
    BOOST_TEST(d.name() == "Node_a-1");
    BOOST_TEST(d.port() == 65535);
    BOOST_TEST(must_parse("a@h:1").port() == 1);
    BOOST_TEST(must_parse(std::string(64, 'x') + "@h:1").name().size() == 64u);
    std::string host253 = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                          std::string(63, 'c') + "." + std::string(61, 'd');
    BOOST_TEST(host253.size() == 253u);
    BOOST_TEST(must_parse("a@" + host253 + ":1").host() == host253);
}

BOOST_AUTO_TEST_CASE(canonical_host_forms) {
    BOOST_TEST(must_parse("a@Example.COM:80").str() == "a@example.com:80");
    BOOST_TEST(must_parse("a@Example.COM:80") == must_parse("a@example.com:80"));
    BOOST_TEST(must_parse("a@[0:0:0:0:0:0:0:1]:80").str() == "a@[::1]:80");
    BOOST_TEST(must_parse("a@[2001:DB8:0:0:1:0:0:1]:80").str() == "a@[2001:db8::1:0:0:1]:80");
    BOOST_TEST(must_parse("a@[2001:db8:0000:1:1:1:1:1]:80").str() == "a@[2001:db8:0:1:1:1:1:1]:80");
    BOOST_TEST(must_parse("a@[::ffff:192.0.2.1]:80").str() == "a@[::ffff:192.0.2.1]:80");
    BOOST_TEST(must_parse("a@[fe80::]:80").str() == "a@[fe80::]:80");
    BOOST_TEST(must_parse("a@[::]:80").str() == "a@[::]:80");
    BOOST_TEST(must_parse("a@[1:0:0:2:0:0:0:3]:80").str() == "a@[1:0:0:2::3]:80");
    BOOST_TEST(must_parse("a@[1:2:3:4:5:6:7:8]:80").str() == "a@[1:2:3:4:5:6:7:8]:80");
    BOOST_TEST(must_parse("a@[1::2:3:4:5:6:7]:80").str() == "a@[1:0:2:3:4:5:6:7]:80");
    BOOST_TEST(must_parse("a@h:00080").str() == "a@h:80");
}

BOOST_AUTO_TEST_CASE(each_rule_has_its_error) {
    std::vector<bad_case> const cases{
        {"1invalid@host:4369", error::node_name_invalid_start},
        {"_x@host:1", error::node_name_invalid_start},
        {"@host:1", error::node_name_empty},
        {std::string(65, 'x') + "@h:1", error::node_name_too_long},
        {"a.b@h:1", error::node_name_invalid_char},
        {"a b@h:1", error::node_name_invalid_char},
        {"na\xc3\xafve@h:1", error::node_name_invalid_char},
        {"app", error::node_id_missing_at},
        {"", error::node_id_missing_at},
        {"host:4369", error::node_id_missing_at},
        {"app@host", error::node_id_missing_port},
        {"app@[::1]", error::node_id_missing_port},
        {"app@[::1]7946", error::node_id_missing_port},
        {"app@:4369", error::host_empty},
        {"app@[]:4369", error::host_empty},
        {"a@h:", error::port_invalid},
        {"a@h:8o", error::port_invalid},
        {"a@h:-1", error::port_invalid},
        {"a@h:+1", error::port_invalid},
        {"a@h: 1", error::port_invalid},
        {"a@h:0", error::port_out_of_range},
        {"a@h:65536", error::port_out_of_range},
        {"a@h:99999999999999999999", error::port_out_of_range},
        {"a@" + std::string(254, 'h') + ":1", error::host_too_long},
        {"a@" + std::string(64, 'h') + ".com:1", error::hostname_invalid},
        {"a@-host:1", error::hostname_invalid},
        {"a@host-:1", error::hostname_invalid},
        {"a@ho_st:1", error::hostname_invalid},
        {"a@host..com:1", error::hostname_invalid},
        {"a@host.com.:1", error::hostname_invalid},
        {"a@@h:1", error::hostname_invalid},
        {"a@256.1.1.1:1", error::ipv4_invalid},
        {"a@1.2.3:1", error::ipv4_invalid},
        {"a@1.2.3.4.5:1", error::ipv4_invalid},
        {"a@01.2.3.4:1", error::ipv4_invalid},
        {"a@1..3.4:1", error::ipv4_invalid},
        {"a@::1:7946", error::ipv6_invalid},
        {"a@[::1:7946", error::ipv6_invalid},
        {"a@[::1::2]:1", error::ipv6_invalid},
        {"a@[:::1]:1", error::ipv6_invalid},
        {"a@[1:2:3:4:5:6:7:8:9]:1", error::ipv6_invalid},
        {"a@[1:2:3:4:5:6:7]:1", error::ipv6_invalid},
        {"a@[12345::1]:1", error::ipv6_invalid},
        {"a@[g::1]:1", error::ipv6_invalid},
        {"a@[1:]:1", error::ipv6_invalid},
        {"a@[:1]:1", error::ipv6_invalid},
        {"a@[1:2:3:4:5:6:7:8::]:1", error::ipv6_invalid},
        {"a@[::ffff:1.2.3.256]:1", error::ipv6_invalid},
        {"a@[1:2:3:4:5:6:7:1.2.3.4]:1", error::ipv6_invalid},
        {"a@[fe80::1%eth0]:1", error::ipv6_invalid},
        {"a@[example.com]:1", error::ipv6_invalid},
    };
    for (auto const& c : cases) {
        auto r = node_id::parse(c.text);
        BOOST_TEST(!r.has_value(), "accepted: " << c.text);
        if (!r.has_value())
            BOOST_TEST(r.error() == c.expected,
                       c.text << ": got '" << r.error().message() << "', want '"
                              << cohort::make_error_code(c.expected).message() << "'");
    }
}

BOOST_AUTO_TEST_CASE(from_parts_applies_the_same_rules) {
    auto id = node_id::from_parts("svc", "::1", 9000);
    BOOST_REQUIRE(id.has_value());
    BOOST_TEST(id->str() == "svc@[::1]:9000");
    BOOST_TEST(*id == must_parse("svc@[::1]:9000"));
    BOOST_TEST(node_id::from_parts("svc", "h", 70000).error() == error::port_out_of_range);
    BOOST_TEST(node_id::from_parts("9svc", "h", 1).error() == error::node_name_invalid_start);
    BOOST_TEST(node_id::from_parts("svc", "", 1).error() == error::host_empty);
}

BOOST_AUTO_TEST_CASE(random_ids_round_trip_through_text_and_json) {
    std::mt19937_64 rng(20261122);
    auto pick = [&](std::string_view alphabet) {
        return alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    };
    constexpr std::string_view letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    constexpr std::string_view name_chars =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    constexpr std::string_view hex = "0123456789abcdef";
    for (int i = 0; i < 2000; ++i) {
        std::string name(1, pick(letters));
        int len = std::uniform_int_distribution<int>(0, 63)(rng);
        for (int k = 0; k < len; ++k) name += pick(name_chars);
        std::string host;
        switch (i % 3) {
        case 0:
            // Appended piece by piece: g++ 12 at -O3 warns (-Wrestrict, a false
            // positive, GCC PR 105329) on `const char* + std::string&&`.
            for (int k = 0; k < 4; ++k) {
                if (k) host += '.';
                host += std::to_string(std::uniform_int_distribution<int>(0, 255)(rng));
            }
            break;
        case 1:
            for (int k = 0; k < 8; ++k) {
                if (k) host += ':';
                int digits = std::uniform_int_distribution<int>(1, 4)(rng);
                for (int d = 0; d < digits; ++d) host += (i % 2 && d == 0) ? '0' : pick(hex);
            }
            break;
        default:
            host.assign(1, pick(letters));
            host += std::to_string(i);
            host += ".example.org";
        }
        auto port = std::uniform_int_distribution<std::uint32_t>(1, 65535)(rng);
        auto id = node_id::from_parts(name, host, port);
        BOOST_REQUIRE_MESSAGE(id.has_value(), name << " " << host << " " << port);
        auto again = node_id::parse(to_string(*id));
        BOOST_REQUIRE(again.has_value());
        BOOST_TEST(*again == *id);
        BOOST_TEST(again->name() == name);
        BOOST_TEST(again->port() == port);

        auto jv = boost::json::value_from(*id);
        BOOST_TEST(jv.as_string() == id->str());
        BOOST_TEST(boost::json::value_to<node_id>(jv) == *id);
    }
}

BOOST_AUTO_TEST_CASE(json_rejects_bad_values_without_throwing) {
    auto r1 = boost::json::try_value_to<node_id>(boost::json::value(42));
    BOOST_TEST(r1.has_error());
    auto r2 = boost::json::try_value_to<node_id>(boost::json::value("a@h:0"));
    BOOST_REQUIRE(r2.has_error());
    BOOST_TEST(r2.error() == error::port_out_of_range);
    BOOST_CHECK_THROW(boost::json::value_to<node_id>(boost::json::value("nope")),
                      boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(order_and_hash) {
    auto a = must_parse("a@h:2");
    auto b = must_parse("a@h:10");  // numeric port order, not text order
    auto c = must_parse("a@i:1");
    auto d = must_parse("b@a:1");
    BOOST_TEST((a < b));
    BOOST_TEST((b < c));
    BOOST_TEST((c < d));
    BOOST_TEST((node_id{} < a));
    BOOST_TEST(node_id{}.empty());
    std::set<node_id> ordered{d, c, b, a};
    BOOST_TEST((*ordered.begin() == a));

    BOOST_TEST(std::hash<node_id>{}(a) == std::hash<node_id>{}(must_parse("a@h:2")));
    BOOST_TEST(boost::hash<node_id>{}(a) == std::hash<node_id>{}(a));
    std::unordered_set<node_id> set{a, b, c, d, must_parse("a@H:2")};
    BOOST_TEST(set.size() == 4u);

    std::ostringstream os;
    os << c;
    BOOST_TEST(os.str() == "a@i:1");
}

BOOST_AUTO_TEST_SUITE_END()
