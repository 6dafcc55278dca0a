// webhook_config_fuzzer: reads the JSON webhook configuration, then builds the requests
// it describes.
// Checks: webhook_config_from_json throws nothing but config_error; for a config it
// accepts, building auth and ACL requests is safe, a GET has no body, and the log text
// never shows the Password (two requests differing only in it log the same text).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "reference-broker/auth/auth_webhook.hpp"
#include "reference-broker/auth/config_error.hpp"
#include "reference-broker/auth/webhook_config.hpp"

using namespace mqtt::broker::auth;

namespace {

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "webhook_config_fuzzer: %s\n", what);
  std::abort();
}

void check_request(const webhook_endpoint& endpoint, const http_request& r) {
  if (endpoint.method == http_method::get && !r.body.empty()) violated("a GET has a body");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<webhook_config> cfg;
  try {
    cfg = webhook_config_from_json(text, "fuzz.json");
  } catch (const config_error&) {
    return 0;  // a bad value is refused; that is the expected failure
  }
  connect_info info;
  info.client.client_id = "client/1 %";
  info.client.username = "user name";
  info.client.peer_address = "::1";
  info.client.peer_port = 1883;
  if (cfg->auth) {
    info.password = "Pw-1\x7f";
    const http_request a = build_auth_request(*cfg->auth, info);
    info.password = "pW+2\x01";
    const http_request b = build_auth_request(*cfg->auth, info);
    check_request(*cfg->auth, a);
    if (a.log_text != b.log_text) violated("the log text shows the Password");
  }
  if (cfg->acl) {
    for (auto access : {acl_action::subscribe, acl_action::publish}) {
      check_request(*cfg->acl, build_acl_request(*cfg->acl, info.client, access, "a/+/#"));
    }
  }
  return 0;
}
