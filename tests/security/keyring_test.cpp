// The keyring: install, use, remove, list, key ids, and what each refuses.
#include <cohort/security/keyring.hpp>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace {

std::vector<std::byte> key_of(std::size_t size, unsigned char fill) {
    return std::vector<std::byte>(size, std::byte{fill});
}

// A 16-byte key holding `n` big-endian.
std::vector<std::byte> counter_key(unsigned n) {
    std::vector<std::byte> k(16);
    for (std::size_t i = 0; i < 4; ++i) k[15 - i] = static_cast<std::byte>(n >> (8 * i));
    return k;
}

} // namespace

BOOST_AUTO_TEST_SUITE(keyring_operations)

BOOST_AUTO_TEST_CASE(the_first_key_installed_becomes_primary) {
    cohort::keyring ring;
    BOOST_TEST(!ring.primary().has_value());
    auto const a = ring.install(key_of(32, 1));
    auto const b = ring.install(key_of(16, 2));
    BOOST_REQUIRE(a.has_value());
    BOOST_REQUIRE(b.has_value());
    BOOST_TEST((ring.primary() == *a));
    BOOST_TEST(ring.size() == 2u);
    auto const list = ring.list();
    BOOST_REQUIRE(list.size() == 2u);
    BOOST_TEST(list[0].primary);
    BOOST_TEST(!list[1].primary);
    BOOST_TEST(list[1].id == *b);
}

BOOST_AUTO_TEST_CASE(installing_a_present_key_again_changes_nothing) {
    cohort::keyring ring;
    auto const a = ring.install(key_of(24, 7));
    auto const v = ring.version();
    auto const again = ring.install(key_of(24, 7));
    BOOST_TEST(again.value() == a.value());
    BOOST_TEST(ring.version() == v);
    BOOST_TEST(ring.size() == 1u);
}

BOOST_AUTO_TEST_CASE(only_aes_key_lengths_and_valid_base64_are_accepted) {
    cohort::keyring ring;
    for (std::size_t size : {0u, 1u, 15u, 17u, 31u, 33u, 64u})
        BOOST_TEST(ring.install(key_of(size, 1)).error() == cohort::error::invalid_key, size);
    BOOST_TEST(ring.install(std::string_view("not base64!")).error() == cohort::error::invalid_key);
    BOOST_TEST(ring.install(std::string_view("QUJD")).error() == cohort::error::invalid_key);
    BOOST_TEST(ring.size() == 0u);
    BOOST_TEST(ring.install(std::string_view("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="))
                   .has_value());
}

BOOST_AUTO_TEST_CASE(use_and_remove_follow_serf_rules) {
    cohort::keyring ring;
    auto const k1 = key_of(32, 1), k2 = key_of(32, 2), k3 = key_of(32, 3);
    BOOST_REQUIRE(ring.install(k1));
    BOOST_REQUIRE(ring.install(k2));
    BOOST_TEST(ring.use(k3).error() == cohort::error::key_not_installed);
    BOOST_TEST(ring.remove(k3).error() == cohort::error::key_not_installed);
    BOOST_TEST(ring.remove(k1).error() == cohort::error::key_is_primary);
    BOOST_TEST(ring.use(k2).has_value());
    BOOST_TEST((ring.primary() == cohort::compute_key_id(k2).value()));
    BOOST_TEST(ring.remove(k1).has_value());
    BOOST_TEST(ring.size() == 1u);
    BOOST_TEST(ring.list().at(0).key == cohort::encode_key(k2));
}

BOOST_AUTO_TEST_CASE(every_change_raises_the_version) {
    cohort::keyring ring;
    auto v = ring.version();
    auto const k1 = key_of(16, 1), k2 = key_of(16, 2);
    auto const step = [&] {
        bool const rose = ring.version() > v;
        v = ring.version();
        return rose;
    };
    BOOST_REQUIRE(ring.install(k1));
    BOOST_TEST(step());
    BOOST_REQUIRE(ring.install(k2));
    BOOST_TEST(step());
    BOOST_REQUIRE(ring.use(k2));
    BOOST_TEST(step());
    BOOST_REQUIRE(ring.use(k2));
    BOOST_TEST(!step());
    BOOST_REQUIRE(ring.remove(k1));
    BOOST_TEST(step());
    auto const snapshot = ring.snapshot();
    BOOST_TEST(snapshot.version == ring.version());
    BOOST_TEST(snapshot.keys.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_key_id_is_the_sha256_prefix_of_the_domain_and_key) {
    // python3: hashlib.sha256(b"cohort key id" + b"ABCDEFGHIJKLMNOPQRSTUVWXYZ456789").hexdigest()[:8]
    std::string const text = "ABCDEFGHIJKLMNOPQRSTUVWXYZ456789";
    auto const id = cohort::compute_key_id(std::as_bytes(std::span(text.data(), text.size())));
    BOOST_TEST(id.value() == 0xbc611249u);
}

BOOST_AUTO_TEST_CASE(a_key_whose_id_collides_with_an_installed_one_is_refused) {
    // Found by search: both ids are 0x94e29863.
    auto const a = counter_key(12103), b = counter_key(16820);
    BOOST_REQUIRE(cohort::compute_key_id(a).value() == cohort::compute_key_id(b).value());
    cohort::keyring ring;
    BOOST_REQUIRE(ring.install(a));
    BOOST_TEST(ring.install(b).error() == cohort::error::key_id_collision);
    BOOST_TEST(ring.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
