// secure_channel: sealing and opening in both modes, every refusal by reason,
// rotation, upshift switches, and known-answer tests of the EVP wrappers.
#include <cohort/security/secure_channel.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

using cohort::security_mode;

namespace {

using bytes = std::vector<std::byte>;

bytes key_of(unsigned char fill, std::size_t size = 32) { return bytes(size, std::byte{fill}); }

bytes from_hex(std::string_view hex) {
    bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<std::byte>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

bytes message(std::size_t size) {
    bytes m(size);
    for (std::size_t i = 0; i < size; ++i) m[i] = static_cast<std::byte>(i * 7 + 1);
    return m;
}

std::shared_ptr<cohort::keyring> ring_with(std::initializer_list<bytes> keys) {
    auto ring = std::make_shared<cohort::keyring>();
    for (auto const& k : keys) BOOST_REQUIRE(ring->install(k));
    return ring;
}

cohort::security_config config(std::shared_ptr<cohort::keyring> ring,
                               security_mode mode = security_mode::encrypt) {
    cohort::security_config cfg;
    cfg.keyring = std::move(ring);
    cfg.mode = mode;
    return cfg;
}

bool contains(bytes const& haystack, bytes const& needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
           haystack.end();
}

bool opens_to(cohort::secure_channel& ch, bytes const& sealed, bytes const& plain) {
    auto r = ch.open(sealed);
    return r && std::equal(r->plaintext.begin(), r->plaintext.end(), plain.begin(), plain.end());
}

} // namespace

BOOST_AUTO_TEST_SUITE(secure_channel_sealing)

BOOST_AUTO_TEST_CASE(encrypted_messages_open_and_hide_the_plaintext) {
    auto ring = ring_with({key_of(1)});
    cohort::secure_channel a(config(ring)), b(config(ring));
    for (std::size_t size : {0u, 1u, 64u, 1400u, 70000u}) {
        auto const plain = message(size);
        bytes sealed;
        BOOST_REQUIRE(!a.seal(plain, sealed));
        BOOST_TEST(sealed.size() == size + cohort::sealed_overhead(security_mode::encrypt));
        BOOST_TEST(sealed.size() + cohort::primary_id_size == size + a.overhead());
        if (size >= 16) BOOST_TEST(!contains(sealed, bytes(plain.begin(), plain.begin() + 16)));
        auto const r = b.open(sealed);
        BOOST_REQUIRE(r.has_value());
        BOOST_TEST(r->sealed);
        BOOST_TEST(std::equal(r->plaintext.begin(), r->plaintext.end(), plain.begin(), plain.end()));
    }
    BOOST_TEST(a.counters().sealed == 5u);
    BOOST_TEST(b.counters().opened == 5u);
    BOOST_TEST(b.counters().refused() == 0u);
}

BOOST_AUTO_TEST_CASE(each_seal_uses_a_new_nonce) {
    auto ring = ring_with({key_of(1)});
    cohort::secure_channel a(config(ring));
    bytes one, two;
    BOOST_REQUIRE(!a.seal(message(64), one));
    BOOST_REQUIRE(!a.seal(message(64), two));
    BOOST_TEST(one != two);
    BOOST_TEST(!std::equal(one.begin() + 8, one.begin() + 20, two.begin() + 8));
    // the run counts up by one (big-endian), so no nonce of a channel repeats
    bytes n1(one.begin() + 8, one.begin() + 20), n2(two.begin() + 8, two.begin() + 20);
    for (auto i = n1.size(); i-- > 0;) {
        n1[i] = static_cast<std::byte>(std::to_integer<unsigned>(n1[i]) + 1);
        if (n1[i] != std::byte{0}) break;
    }
    BOOST_TEST(n1 == n2);
    // another channel on the same key starts elsewhere
    cohort::secure_channel b(config(ring));
    bytes three;
    BOOST_REQUIRE(!b.seal(message(64), three));
    BOOST_TEST(!std::equal(one.begin() + 8, one.begin() + 20, three.begin() + 8));
}

BOOST_AUTO_TEST_CASE(aes_128_192_and_256_follow_the_key_length) {
    for (std::size_t size : {16u, 24u, 32u}) {
        auto ring = ring_with({key_of(9, size)});
        cohort::secure_channel a(config(ring)), b(config(ring));
        bytes sealed;
        BOOST_REQUIRE(!a.seal(message(100), sealed));
        BOOST_TEST(opens_to(b, sealed, message(100)), size);
    }
}

BOOST_AUTO_TEST_CASE(authenticated_messages_are_readable_and_unforgeable) {
    auto ring = ring_with({key_of(2)});
    cohort::secure_channel a(config(ring, security_mode::authenticate)),
        b(config(ring, security_mode::authenticate));
    auto const plain = message(200);
    bytes sealed;
    BOOST_REQUIRE(!a.seal(plain, sealed));
    BOOST_TEST(sealed.size() == plain.size() + cohort::sealed_overhead(security_mode::authenticate));
    BOOST_TEST(contains(sealed, plain));
    BOOST_TEST(opens_to(b, sealed, plain));
    sealed[100] ^= std::byte{1};
    BOOST_TEST(b.open(sealed).error() == cohort::error::bad_auth_tag);
    BOOST_TEST(b.counters().bad_tag == 1u);
}

BOOST_AUTO_TEST_CASE(every_flipped_bit_is_refused_and_counted) {
    for (auto mode : {security_mode::encrypt, security_mode::authenticate}) {
        auto ring = ring_with({key_of(3)});
        cohort::secure_channel a(config(ring, mode)), b(config(ring, mode));
        bytes sealed;
        BOOST_REQUIRE(!a.seal(message(64), sealed));
        std::uint64_t tried = 0;
        for (std::size_t i = 0; i < sealed.size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                auto tampered = sealed;
                tampered[i] ^= std::byte(1u << bit);
                auto const r = b.open(tampered);
                // a flip in the magic makes it plaintext, refused as such
                BOOST_TEST(!r.has_value(), "byte " << i << " bit " << bit);
                ++tried;
            }
        }
        BOOST_TEST(b.counters().opened == 0u);
        BOOST_TEST(b.counters().refused() == tried);
        BOOST_TEST(b.counters().bad_tag > 0u);
        BOOST_TEST(b.counters().unknown_key > 0u);
        BOOST_TEST(b.counters().plaintext_refused > 0u);
        BOOST_TEST(b.counters().malformed > 0u);  // version and mode bytes
        // (mode 1 and 2 differ in two bits: wrong_mode has its own test below)
    }
}

BOOST_AUTO_TEST_CASE(a_message_sealed_with_another_key_names_an_unknown_key) {
    cohort::secure_channel a(config(ring_with({key_of(4)}))), b(config(ring_with({key_of(5)})));
    bytes sealed;
    BOOST_REQUIRE(!a.seal(message(64), sealed));
    BOOST_TEST(b.open(sealed).error() == cohort::error::unknown_key_id);
    BOOST_TEST(b.counters().unknown_key == 1u);
}

BOOST_AUTO_TEST_CASE(short_and_foreign_input_is_refused_by_reason) {
    auto ring = ring_with({key_of(6)});
    cohort::secure_channel b(config(ring));
    bytes sealed;
    BOOST_REQUIRE(!cohort::secure_channel(config(ring)).seal(message(64), sealed));
    for (std::size_t n = 2; n < cohort::sealed_overhead(security_mode::encrypt); ++n)
        BOOST_TEST(b.open(bytes(sealed.begin(), sealed.begin() + n)).error() ==
                   cohort::error::message_truncated, n);
    auto other_version = sealed;
    other_version[2] = std::byte{2};
    BOOST_TEST(b.open(other_version).error() == cohort::error::unsupported_version);
    BOOST_TEST(b.open(bytes{}).error() == cohort::error::plaintext_refused);
    BOOST_TEST(b.open(message(64)).error() == cohort::error::plaintext_refused);
    cohort::secure_channel authenticating(config(ring, security_mode::authenticate));
    BOOST_TEST(authenticating.open(sealed).error() == cohort::error::wrong_security_mode);
    BOOST_TEST(b.counters().opened == 0u);
}

BOOST_AUTO_TEST_CASE(an_empty_keyring_cannot_seal) {
    cohort::secure_channel a(config(std::make_shared<cohort::keyring>()));
    bytes out{std::byte{42}};
    BOOST_TEST(a.seal(message(10), out) == cohort::error::no_primary_key);
    BOOST_TEST(out.size() == 1u);
    BOOST_TEST(a.counters().seal_failures == 1u);
}

BOOST_AUTO_TEST_CASE(rotation_install_use_remove_keeps_both_sides_talking) {
    auto ring_a = ring_with({key_of(1)}), ring_b = ring_with({key_of(1)});
    cohort::secure_channel a(config(ring_a)), b(config(ring_b));
    auto const round_trip = [&](cohort::secure_channel& from, cohort::secure_channel& to) {
        bytes sealed;
        return !from.seal(message(32), sealed) && opens_to(to, sealed, message(32));
    };
    // install the new key everywhere
    BOOST_REQUIRE(ring_a->install(key_of(2)));
    BOOST_REQUIRE(ring_b->install(key_of(2)));
    BOOST_TEST(round_trip(a, b));
    // use it on a first: b still opens (it holds the key), and a opens b's old-key messages
    BOOST_REQUIRE(ring_a->use(key_of(2)));
    BOOST_TEST(round_trip(a, b));
    BOOST_TEST(round_trip(b, a));
    BOOST_REQUIRE(ring_b->use(key_of(2)));
    // remove the old key everywhere
    BOOST_REQUIRE(ring_a->remove(key_of(1)));
    BOOST_REQUIRE(ring_b->remove(key_of(1)));
    BOOST_TEST(round_trip(a, b));
    BOOST_TEST(round_trip(b, a));
    // a node that kept only the old key is now shut out
    cohort::secure_channel stale(config(ring_with({key_of(1)})));
    BOOST_TEST(!round_trip(stale, b));
    BOOST_TEST(b.counters().unknown_key == 1u);
}

BOOST_AUTO_TEST_CASE(upshift_switches_let_plaintext_and_sealed_nodes_talk) {
    auto ring = ring_with({key_of(7)});
    auto cfg = config(ring);
    cfg.verify_incoming = false;
    cfg.verify_outgoing = false;
    cohort::secure_channel plain_sender(cfg);
    // reserved even while sending plaintext: sealing may be turned on at run time
    BOOST_TEST(plain_sender.overhead() ==
               cohort::sealed_overhead(security_mode::encrypt) + cohort::primary_id_size);
    bytes out;
    BOOST_REQUIRE(!plain_sender.seal(message(40), out));
    BOOST_TEST(out == message(40));
    BOOST_TEST(plain_sender.counters().sent_plaintext == 1u);

    // step 1: accepts both
    cohort::secure_channel accepting(cfg);
    auto r = accepting.open(out);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(!r->sealed);
    BOOST_TEST(accepting.counters().accepted_plaintext == 1u);
    bytes sealed;
    BOOST_REQUIRE(!cohort::secure_channel(config(ring)).seal(message(40), sealed));
    r = accepting.open(sealed);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r->sealed);
    // step 3: verifying refuses the plaintext
    cohort::secure_channel verifying(config(ring));
    BOOST_TEST(verifying.open(out).error() == cohort::error::plaintext_refused);
    BOOST_TEST(verifying.counters().plaintext_refused == 1u);
}

BOOST_AUTO_TEST_CASE(set_verify_switches_a_running_channel_without_a_new_one) {
    auto ring = ring_with({key_of(7)});
    auto cfg = config(ring);
    cfg.verify_incoming = false;
    cfg.verify_outgoing = false;
    cohort::secure_channel ch(cfg), peer(config(ring));
    bytes out;
    BOOST_REQUIRE(!ch.seal(message(40), out));
    BOOST_TEST(out == message(40));
    BOOST_TEST(ch.open(message(40)).has_value());

    // step 2: seals, still accepts plaintext
    BOOST_REQUIRE(!ch.set_verify(false, true));
    BOOST_TEST(ch.config().verify_outgoing);
    out.clear();
    BOOST_REQUIRE(!ch.seal(message(40), out));
    BOOST_TEST(cohort::looks_sealed(out));
    BOOST_TEST(opens_to(peer, out, message(40)));
    BOOST_TEST(ch.open(message(40)).has_value());
    BOOST_TEST(ch.counters().accepted_plaintext == 2u);
    // step 3: refuses plaintext
    BOOST_REQUIRE(!ch.set_verify(true, true));
    BOOST_TEST(ch.open(message(40)).error() == cohort::error::plaintext_refused);
    BOOST_TEST(ch.counters().plaintext_refused == 1u);
    BOOST_TEST(ch.counters().sent_plaintext == 1u);
    BOOST_TEST(ch.counters().sealed == 1u);
    // and back down
    BOOST_REQUIRE(!ch.set_verify(false, false));
    out.clear();
    BOOST_REQUIRE(!ch.seal(message(40), out));
    BOOST_TEST(out == message(40));
}

BOOST_AUTO_TEST_CASE(sealing_cannot_be_turned_on_without_a_key) {
    auto ring = std::make_shared<cohort::keyring>();
    auto cfg = config(ring);
    cfg.verify_incoming = false;
    cfg.verify_outgoing = false;
    cohort::secure_channel ch(cfg);
    BOOST_TEST(ch.set_verify(true, true) == cohort::error::no_primary_key);
    BOOST_TEST(!ch.config().verify_incoming);  // neither switch moved
    BOOST_TEST(!ch.config().verify_outgoing);
    BOOST_TEST(!ch.set_verify(true, false));  // refusing plaintext needs no key
    BOOST_TEST(ch.config().verify_incoming);
    // once the keyring holds a key, it can
    BOOST_REQUIRE(ring->install(key_of(3)));
    BOOST_TEST(!ch.set_verify(true, true));
    bytes out;
    BOOST_TEST(!ch.seal(message(8), out));
    BOOST_TEST(ch.counters().seal_failures == 0u);
}

BOOST_AUTO_TEST_CASE(admit_refuses_replays_and_stale_stamps) {
    auto ring = ring_with({key_of(8)});
    cohort::secure_channel b(config(ring));
    std::uint64_t const now = 5'000'000'000'000;
    BOOST_TEST(!b.admit("a@127.0.0.1:1", {now, 0}, now));
    BOOST_TEST(b.admit("a@127.0.0.1:1", {now, 0}, now) == cohort::error::replayed_message);
    BOOST_TEST(b.admit("a@127.0.0.1:1", {now - 60'000'000'000, 0}, now) ==
               cohort::error::stamp_too_old);
    BOOST_TEST(b.counters().replayed == 1u);
    BOOST_TEST(b.counters().too_old == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(evp_known_answers)

// NIST GCM specification, test case 15 (AES-256, 64-byte plaintext, no AAD).
BOOST_AUTO_TEST_CASE(aes_256_gcm_matches_the_nist_test_vector) {
    auto const key = from_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    auto const iv = from_hex("cafebabefacedbaddecaf888");
    auto const plain = from_hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
        "b16aedf5aa0de657ba637b391aafd255");
    auto const expected = from_hex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
        "c5f61e6393ba7a0abcc9f662898015ad");
    auto const expected_tag = from_hex("b094dac5d93471bdec1a502270e3cc6c");
    cohort::detail::aes_gcm_key k(key);
    BOOST_REQUIRE(k.valid());
    bytes cipher(plain.size()), tag(16);
    BOOST_REQUIRE(k.seal(iv, {}, plain, cipher.data(), tag.data()));
    BOOST_TEST(cipher == expected);
    BOOST_TEST(tag == expected_tag);
    bytes back(cipher.size());
    BOOST_TEST(k.open(iv, {}, cipher, tag, back.data()));
    BOOST_TEST(back == plain);
    tag[0] ^= std::byte{1};
    BOOST_TEST(!k.open(iv, {}, cipher, tag, back.data()));
}

// RFC 4231, test case 2; signed twice to prove the reused context re-keys.
BOOST_AUTO_TEST_CASE(hmac_sha256_matches_rfc_4231) {
    std::string const key = "Jefe", data = "what do ya want for nothing?";
    cohort::detail::hmac_sha256_key k(std::as_bytes(std::span(key.data(), key.size())));
    BOOST_REQUIRE(k.valid());
    auto const expected = from_hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    for (int round = 0; round < 2; ++round) {
        std::array<std::byte, 32> mac{};
        BOOST_REQUIRE(k.sign(std::as_bytes(std::span(data.data(), data.size())), mac));
        BOOST_TEST(bytes(mac.begin(), mac.end()) == expected, "round " << round);
    }
}

BOOST_AUTO_TEST_SUITE_END()
