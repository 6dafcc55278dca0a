// statement.hpp: binding a GoogleTest test to the normative statement it checks.
//
//   TEST_F(V5Publish, BothQosBitsSetIsMalformed) { statement("MQTT-3.3.1-4"); … }
//
// record_statement writes the key ("v5.0/MQTT-3.3.1-4"), section and level as test
// properties (they appear in the JUnit XML and JSON output, where `mqttcert run` reads
// them) and remembers it for the failure block that conformance_test prints:
//
//   FAIL v5.0/MQTT-3.3.1-4 (3.3.1) QoS value 3, meaning both QoS bits are 1, is not allowed…
//     expected …
//     observed …
//     transcript: …
#pragma once

#include <string>
#include <string_view>

#include "codec/wire_types.hpp"

namespace mqtt::cert {

// dry_run_stop is thrown by record_statement in a dry run (MQTTCERT_DRY_RUN=1): the test
// body stops right after naming its statement, so listing needs no broker.
struct dry_run_stop {};

// record_statement binds the running test to `id` of version `v`. An ID missing from the
// catalogue is itself a failure (a typo must not count as coverage). Test thread only.
void record_statement(codec::protocol_version v, std::string_view id);

// record_should marks the running test as SHOULD-level: a failure is "non_strict".
void record_should();

// record_unimplemented marks the running test as skipped because the profile says the
// broker lacks `feature`; the CLI reports it as "unimplemented".
void record_unimplemented(std::string_view feature);

// record_not_applicable marks the running test as skipped because the statement does not
// apply to this broker or was not observable in this run; `why` becomes the report note.
void record_not_applicable(std::string_view why);

// failure_block builds the report for the running test from its failures and transcripts.
std::string failure_block();

}  // namespace mqtt::cert

// MQTT_REQUIRE_FEATURE skips the running test, as "unimplemented", when the broker
// profile says an optional feature is absent. A macro because GTEST_SKIP must return from
// the test body itself.
#define MQTT_REQUIRE_FEATURE(available, feature)                                      \
  if (!(available)) {                                                               \
    ::mqtt::cert::record_unimplemented(feature);                                    \
    GTEST_SKIP() << "unimplemented: the broker profile says " << (feature)          \
                 << " is not available";                                            \
  }

// MQTT_SKIP skips the running test with the reason `why` (a std::string expression), which
// the CLI reports as the note of a "skipped" verdict: a skip always says why.
#define MQTT_SKIP(why)                                   \
  do {                                                   \
    const std::string mqtt_skip_why_ = (why);            \
    ::mqtt::cert::record_not_applicable(mqtt_skip_why_); \
    GTEST_SKIP() << mqtt_skip_why_;                      \
  } while (false)
