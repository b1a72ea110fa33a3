// The one TU that defines the Boost.Test module for the wire area.
#define BOOST_TEST_MODULE cohort_wire
#include <boost/test/unit_test.hpp>
