#include "conformance/harness/suite_config.hpp"

#include <cstdlib>

#ifndef MQTTCERT_PROFILES_DIR
#define MQTTCERT_PROFILES_DIR ""
#endif

namespace mqtt::cert {

suite_config& suite() {
  static suite_config config;
  return config;
}

std::string default_profile_path(bool launched_refbroker) {
  if (const char* env = std::getenv("MQTTCERT_PROFILE"); env && *env) return env;
  if (launched_refbroker) return bundled_profile_path("refbroker.json");
  return {};
}

std::string bundled_profile_path(std::string_view file_name) {
  if (!*MQTTCERT_PROFILES_DIR) return {};
  return std::string(MQTTCERT_PROFILES_DIR) + "/" + std::string(file_name);
}

}  // namespace mqtt::cert
