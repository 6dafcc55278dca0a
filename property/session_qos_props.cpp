// session_qos_props.cpp: the session and QoS model (model/session_model.hpp) against the
// reference broker's sans-I/O core, in-process with a fake clock: generated sequences of
// connects (3.1.1 and 5.0, clean or persistent, session expiry, Receive Maximum, wills),
// disconnects (normal, with will, abrupt), subscriptions with overlapping filters and 5.0
// options, publications at QoS 0/1/2 with retain and message expiry, withheld
// acknowledgements and time passing. Every packet the broker sends is checked as it
// comes, every owed message when the broker is quiet. A failure is shrunk by RapidCheck
// and printed as the numbered sequence and the transcript of every connection.
#include <gtest/gtest.h>
#include <iostream>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "property/model/command_gen.hpp"
#include "property/model/core_driver.hpp"
#include "property/model/property_check.hpp"
#include "property/model/sequence_runner.hpp"

namespace mqtt::property {
namespace {

void check_in_process(const generation_options& o) {
  const auto commands = *gen_sequence(o);
  core_driver broker;
  const run_result r = run_sequence(broker, commands, runner_options{});
  if (!r.violations.empty()) RC_FAIL(format_failure(commands, r));
}

RC_GTEST_PROP(SessionQosModel, V311SequencesKeepEveryRule, ()) {
  generation_options o;
  o.versions = {codec::protocol_version::v3_1_1};
  check_in_process(o);
}

RC_GTEST_PROP(SessionQosModel, V5SequencesKeepEveryRule, ()) {
  generation_options o;
  o.versions = {codec::protocol_version::v5_0};
  check_in_process(o);
}

// One ClientID reconnecting with either version: sessions carried across versions.
RC_GTEST_PROP(SessionQosModel, MixedVersionSequencesKeepEveryRule, ()) {
  generation_options o;
  o.clients = 4;
  check_in_process(o);
}

// A property that holds because its sequences never reach the hard cases proves little:
// 1,000 generated sequences must make the broker resume sessions, resend, take over
// connections, publish wills, send retained messages, expire messages and fill a Receive
// Maximum window, each at least a few times.
TEST(SessionQosModel, GeneratedSequencesReachEveryBehaviour) {
  check_options o;
  o.cases = 1000;
  o.seed = 1;
  o.generation.clients = 4;
  o.make_driver = [] { return std::make_unique<core_driver>(); };
  const check_result r = check_sequences(o);
  ASSERT_TRUE(r.passed) << format_failure(r.failure->commands, r.failure->result);
  const coverage& c = r.covered;
  RecordProperty("deliveries", c.deliveries);
  EXPECT_GE(c.deliveries, 1000);
  EXPECT_GE(c.resumed_sessions, 10);
  EXPECT_GE(c.resends, 10);
  EXPECT_GE(c.takeovers, 10);
  EXPECT_GE(c.wills, 10);
  EXPECT_GE(c.retained, 10);
  EXPECT_GE(c.expired, 10);
  EXPECT_GE(c.window_full, 10);
  EXPECT_GE(c.shared, 10);
  std::cout << "deliveries " << c.deliveries << ", resumed sessions " << c.resumed_sessions
            << ", resends " << c.resends << ", takeovers " << c.takeovers << ", wills "
            << c.wills << ", retained " << c.retained << ", expired " << c.expired
            << ", Receive Maximum windows filled " << c.window_full << ", shared deliveries "
            << c.shared << "\n";
}

}  // namespace
}  // namespace mqtt::property
