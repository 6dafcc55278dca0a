// conformance_test_main.cpp: main() of every conformance test binary. Resolves the broker
// once per process (MQTTCERT_BROKER, else a launched reference broker) and loads the
// profile (MQTTCERT_PROFILE, else refbroker.json for a launched reference broker) first,
// because a launched reference broker runs at the profile's time_scale. With MQTTCERT_DRY_RUN=1 no broker is contacted: each test
// only records its statement ID (used by `mqttcert list` and `mqttcert coverage`).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "conformance/harness/announced_limits.hpp"
#include "conformance/harness/suite_config.hpp"

namespace {

class broker_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    using namespace mqtt::cert;
    std::string error;
    std::string path = default_profile_path(broker_target::will_launch(std::nullopt));
    if (!path.empty()) {
      auto p = load_profile(path, &error);
      if (!p) FAIL() << "cannot run: " << error;
      suite().profile = *p;
    }
    suite().target = broker_target::resolve(std::nullopt, &error, suite().profile.time_scale,
                                            scram_login_of(suite().profile));
    if (!suite().target) FAIL() << "cannot run: " << error;
    // The waits follow the clock the broker really runs: a launched reference broker
    // without --time-scale runs in real time, and `mqttcert run` says what it launched.
    if (suite().target->launched()) suite().profile.time_scale = suite().target->time_scale();
    // The broker's CONNACK, not the profile, says which optional features it has, so no
    // test skips on the profile's word alone (`mqttcert run` reports any contradiction).
    check_announced_limits(suite().target->address(), suite().profile);
    if (const char* env = std::getenv("MQTTCERT_TIME_SCALE"); env && *env) {
      const double scale = std::atof(env);
      if (scale < 1) FAIL() << "cannot run: MQTTCERT_TIME_SCALE must be a number >= 1";
      suite().profile.time_scale = scale;
    }
  }
  void TearDown() override { mqtt::cert::suite().target.reset(); }
};

std::string property(const ::testing::TestResult& result, const char* key) {
  for (int k = 0; k < result.test_property_count(); ++k)
    if (std::string(result.GetTestProperty(k).key()) == key) return result.GetTestProperty(k).value();
  return {};
}

// exit_status keeps RUN_ALL_TESTS's verdict, except that a run whose every failure is one
// the profile lists as a known deviation exits 0, as `mqttcert run` counts it
// allowed_deviation, and a run where a test the profile says deviates passed fails (the
// deviation is stale), as `mqttcert run` reports it. The failures are still printed and
// written to the XML/JSON output; any other failure, or one in the broker setup, keeps
// the run failed.
int exit_status(int gtest_status) {
  const auto* unit = ::testing::UnitTest::GetInstance();
  if (unit->ad_hoc_test_result().Failed()) return gtest_status == 0 ? 1 : gtest_status;
  const auto& profile = mqtt::cert::suite().profile;
  bool unexcused = false, stale = false;
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* test_suite = unit->GetTestSuite(i);
    for (int j = 0; j < test_suite->total_test_count(); ++j) {
      const auto* info = test_suite->GetTestInfo(j);
      const auto* result = info->result();
      const std::string test = std::string(test_suite->name()) + "." + info->name();
      const std::string statement = property(*result, "statement");
      if (result->Passed() && !result->Skipped() && info->should_run()) {
        if (const auto* d = profile.stale_deviation(statement, test)) {
          std::fprintf(stderr, "mqttcert: %s passed, but profile %s says it fails on %s (%s): "
                       "the deviation is stale\n", test.c_str(), profile.name.c_str(),
                       statement.c_str(), d->reason.c_str());
          stale = true;
        }
        continue;
      }
      if (!result->Failed()) continue;
      const auto* deviation = profile.find_deviation(statement, test, property(*result, "report"));
      if (!deviation) {
        unexcused = true;
        continue;
      }
      std::fprintf(stderr, "mqttcert: %s failed on %s, a known deviation of profile %s: %s\n",
                   test.c_str(), statement.c_str(), profile.name.c_str(),
                   deviation->reason.c_str());
    }
  }
  return unexcused || stale ? (gtest_status == 0 ? 1 : gtest_status) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const char* dry = std::getenv("MQTTCERT_DRY_RUN");
  mqtt::cert::suite().dry_run = dry != nullptr && std::string(dry) == "1";
  if (!mqtt::cert::suite().dry_run) ::testing::AddGlobalTestEnvironment(new broker_environment);
  return exit_status(RUN_ALL_TESTS());
}
