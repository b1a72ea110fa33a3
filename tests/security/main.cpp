// The one TU that defines the Boost.Test module for the security area.
#define BOOST_TEST_MODULE cohort_security
#include <boost/test/unit_test.hpp>
