// Conan test_package: cohort found through CMakeDeps.
#include <cohort/error.hpp>

#include <boost/json.hpp>
#include <boost/system/error_code.hpp>

#include <cstdio>
#include <cstring>

int main() {
    boost::system::error_code const ec = cohort::make_error_code(cohort::error::invalid_config);
    if (std::strcmp(ec.category().name(), "cohort") != 0 || ec.message() != "invalid configuration") {
        std::fprintf(stderr, "unexpected error_code: %s\n", ec.to_string().c_str());
        return 1;
    }
    boost::system::error_code const converted = cohort::error::port_out_of_range;
    if (converted.category() != cohort::error_category()) {
        std::fprintf(stderr, "cohort::error does not convert to its category\n");
        return 1;
    }
    // libboost_json comes through cohort's link interface; parse() lives in it.
    auto const doc = boost::json::parse(R"({"category":"cohort"})");
    if (doc.at("category").as_string() != ec.category().name()) {
        std::fprintf(stderr, "Boost.JSON round trip failed\n");
        return 1;
    }
    std::printf("cohort consumer OK: %s: %s\n", ec.category().name(), ec.message().c_str());
    return 0;
}
