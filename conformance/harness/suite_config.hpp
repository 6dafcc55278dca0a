// suite_config.hpp: what a conformance test process knows about its run: the broker
// target and profile (set up once by conformance_test_main.cpp), and whether this is a
// dry run that only lists statement IDs (MQTTCERT_DRY_RUN=1).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "conformance/harness/broker_target.hpp"
#include "conformance/harness/profile.hpp"

namespace mqtt::cert {

struct suite_config {
  std::unique_ptr<broker_target> target;
  broker_profile profile;
  bool dry_run = false;
};

// suite returns the process-wide configuration.
suite_config& suite();

// default_profile_path returns MQTTCERT_PROFILE if set, else the compiled-in
// conformance/profiles/refbroker.json when the harness launched the reference broker,
// else "" (a generic profile: every optional feature assumed available).
std::string default_profile_path(bool launched_refbroker);

// bundled_profile_path returns the path of a profile shipped in conformance/profiles
// ("mosquitto-2.0.json"), or "" when the build does not know that folder.
std::string bundled_profile_path(std::string_view file_name);

}  // namespace mqtt::cert
