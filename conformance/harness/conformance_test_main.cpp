// conformance_test_main.cpp: main() of every conformance test binary. Resolves the broker
// once per process (MQTTCERT_BROKER, else a launched reference broker) and loads the
// profile (MQTTCERT_PROFILE). With MQTTCERT_DRY_RUN=1 no broker is contacted: each test
// only records its statement ID (used by `mqttcert list` and `mqttcert coverage`).
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "conformance/harness/suite_config.hpp"

namespace {

class broker_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    using namespace mqtt::cert;
    std::string error;
    suite().target = broker_target::resolve(std::nullopt, &error);
    if (!suite().target) FAIL() << "cannot run: " << error;
    std::string path = default_profile_path(suite().target->launched());
    if (!path.empty()) {
      auto p = load_profile(path, &error);
      if (!p) FAIL() << "cannot run: " << error;
      suite().profile = *p;
    }
  }
  void TearDown() override { mqtt::cert::suite().target.reset(); }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const char* dry = std::getenv("MQTTCERT_DRY_RUN");
  mqtt::cert::suite().dry_run = dry != nullptr && std::string(dry) == "1";
  if (!mqtt::cert::suite().dry_run) ::testing::AddGlobalTestEnvironment(new broker_environment);
  return RUN_ALL_TESTS();
}
