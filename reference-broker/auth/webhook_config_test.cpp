#include "reference-broker/auth/webhook_config.hpp"

#include <gtest/gtest.h>

#include "reference-broker/auth/config_error.hpp"

namespace mqtt::broker::auth {
namespace {

TEST(WebhookConfig, ReadsBothEndpointsInOrder) {
  webhook_config cfg = webhook_config_from_json(R"({
    "timeout_ms": 1500,
    "auth": {"url": "http://127.0.0.1:8991/mqtt/auth", "method": "post",
             "params": {"clientid": "%c", "username": "%u", "password": "%P"},
             "headers": {"X-Api-Key": "k"}},
    "acl": {"url": "https://acl.example/check", "method": "GET", "body": "json",
            "params": {"topic": "%t", "access": "%A"}}
  })", "hook.json");
  EXPECT_EQ(cfg.timeout, std::chrono::milliseconds(1500));
  ASSERT_TRUE(cfg.auth);
  EXPECT_EQ(cfg.auth->url, "http://127.0.0.1:8991/mqtt/auth");
  EXPECT_EQ(cfg.auth->method, http_method::post);
  EXPECT_EQ(cfg.auth->format, body_format::form);
  ASSERT_EQ(cfg.auth->params.size(), 3u);
  EXPECT_EQ(cfg.auth->params[0].first, "clientid");
  EXPECT_EQ(cfg.auth->params[2].second, "%P");
  ASSERT_EQ(cfg.auth->headers.size(), 1u);
  ASSERT_TRUE(cfg.acl);
  EXPECT_EQ(cfg.acl->method, http_method::get);
  EXPECT_EQ(cfg.acl->format, body_format::json);
  EXPECT_EQ(cfg.acl->params[0].first, "topic");
}

TEST(WebhookConfig, DefaultsAreFiveSecondsAndNoEndpoints) {
  webhook_config cfg = webhook_config_from_json("{}", "hook.json");
  EXPECT_EQ(cfg.timeout, std::chrono::milliseconds(5000));
  EXPECT_FALSE(cfg.auth);
  EXPECT_FALSE(cfg.acl);
}

TEST(WebhookConfig, JsonContentTypeHeaderSelectsJsonBody) {
  webhook_config cfg = webhook_config_from_json(
      R"({"auth": {"url": "http://h/a", "headers": {"Content-Type": "application/json"}}})",
      "hook.json");
  EXPECT_EQ(cfg.auth->format, body_format::json);
}

struct bad_config_case {
  std::string json;
  std::string error;
};

class WebhookConfigBad : public testing::TestWithParam<bad_config_case> {};

TEST_P(WebhookConfigBad, NamesTheKey) {
  try {
    webhook_config_from_json(GetParam().json, "hook.json");
    FAIL() << "accepted " << GetParam().json;
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), GetParam().error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WebhookConfigBad,
    testing::Values(
        bad_config_case{"[", "hook.json: (document): not a JSON object"},
        bad_config_case{R"({"auth": {}})", "hook.json: auth.url: missing"},
        bad_config_case{R"({"auth": {"url": "ftp://h/"}})",
                        "hook.json: auth.url: \"ftp://h/\" is not an http:// or https:// URL"},
        bad_config_case{R"({"acl": {"url": "http://h/", "method": "put"}})",
                        "hook.json: acl.method: \"put\" is not post or get"},
        bad_config_case{R"({"acl": {"url": "http://h/", "body": "xml"}})",
                        "hook.json: acl.body: \"xml\" is not form or json"},
        bad_config_case{R"({"acl": {"url": "http://h/", "params": {"a": 1}}})",
                        "hook.json: acl.params.a: must be a string"},
        bad_config_case{R"({"acl": {"url": "http://h/", "pool": 1}})",
                        "hook.json: acl.pool: unknown key (expected url, method, body, params, "
                        "headers)"},
        bad_config_case{R"({"timeout_ms": 0})",
                        "hook.json: timeout_ms: must be a whole number of milliseconds in "
                        "1..3600000"},
        bad_config_case{R"({"super": {}})",
                        "hook.json: super: unknown key (expected auth, acl, timeout_ms, "
                        "tls_ca_file)"}));

}  // namespace
}  // namespace mqtt::broker::auth
