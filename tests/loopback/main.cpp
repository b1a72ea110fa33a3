// The one TU that defines the Boost.Test module for the loopback area.
#define BOOST_TEST_MODULE cohort_loopback
#include <boost/test/unit_test.hpp>
