// The one TU that defines the Boost.Test module for the memory_transport area.
#define BOOST_TEST_MODULE cohort_memory_transport
#include <boost/test/unit_test.hpp>
