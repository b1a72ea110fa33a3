// The program every consumer project builds (find_package, pkg-config,
// add_subdirectory, single_include): it uses each primitive through
// <cohort/cohort.hpp> and fails unless each one really works.
#include <cohort/cohort.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <vector>
#include <cstdio>
#include <cstring>

namespace {
int failures = 0;
void check(bool ok, char const* what) {
    if (!ok) {
        std::fprintf(stderr, "consumer check failed: %s\n", what);
        ++failures;
    }
}
} // namespace

int main() {
    boost::system::error_code const ec = cohort::error::invalid_config;
    check(std::strcmp(ec.category().name(), "cohort") == 0, "error category is named cohort");

    auto id = cohort::node_id::parse("app@[::1]:7946");
    check(id && id->port() == 7946, "node_id parses");
    // libboost_json reaches the link line through cohort (value_from needs it).
    check(id && boost::json::value_from(*id).as_string() == "app@[::1]:7946", "node_id to JSON");

    cohort::hlc clock;
    auto a = clock.now();
    check(clock.now() > a, "hlc is strictly increasing");

    check(cohort::transition(cohort::node_state::joining,
                             cohort::state_trigger::join_acknowledged)
                  .value() == cohort::node_state::active,
          "node_state transition");

    cohort::phi_accrual_detector detector;
    detector.heartbeat(std::chrono::seconds(1));
    check(detector.phi(std::chrono::seconds(60)) > detector.config().threshold,
          "phi convicts after a minute of silence");

    // libcrypto reaches the link line through cohort (the secure channel seals with EVP).
    auto ring = std::make_shared<cohort::keyring>();
    check(ring->install("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk=").has_value(), "keyring install");
    cohort::secure_channel channel(cohort::security_config{ring});
    std::vector<std::byte> sealed;
    std::array<std::byte, 3> const plain{std::byte{1}, std::byte{2}, std::byte{3}};
    check(!channel.seal(plain, sealed), "seal");
    auto opened = channel.open(sealed);
    check(opened && opened->sealed && std::equal(opened->plaintext.begin(), opened->plaintext.end(),
                                                 plain.begin(), plain.end()),
          "sealed message opens");

    if (failures == 0) std::printf("cohort consumer OK\n");
    return failures == 0 ? 0 : 1;
}
