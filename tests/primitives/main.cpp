// The one TU that defines the Boost.Test module for the primitives area.
#define BOOST_TEST_MODULE cohort_primitives
#include <boost/test/unit_test.hpp>
