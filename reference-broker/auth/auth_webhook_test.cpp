#include "reference-broker/auth/auth_webhook.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mqtt::broker::auth {
namespace {

connect_info sample_connect() {
  connect_info info;
  info.client.client_id = "dev 1";
  info.client.username = "alice@example";
  info.client.peer_address = "192.0.2.7";
  info.client.peer_port = 51234;
  info.password = "p&ss=wörd";
  return info;
}

webhook_endpoint nanomq_auth_endpoint() {
  webhook_endpoint ep;
  ep.url = "http://127.0.0.1:8991/mqtt/auth";
  ep.params = {{"clientid", "%c"}, {"username", "%u"}, {"password", "%P"},
               {"ipaddress", "%a"}, {"port", "%p"}};
  ep.headers = {{"X-Api-Key", "k1"}};
  return ep;
}

TEST(WebhookRequest, FormPostEncodesParamsInOrder) {
  http_request req = build_auth_request(nanomq_auth_endpoint(), sample_connect());
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:8991/mqtt/auth");
  EXPECT_EQ(req.body,
            "clientid=dev%201&username=alice%40example&password=p%26ss%3Dw%C3%B6rd"
            "&ipaddress=192.0.2.7&port=51234");
  ASSERT_EQ(req.headers.size(), 2u);
  EXPECT_EQ(req.headers[0], (std::pair<std::string, std::string>{"X-Api-Key", "k1"}));
  EXPECT_EQ(req.headers[1], (std::pair<std::string, std::string>{
                                "Content-Type", "application/x-www-form-urlencoded"}));
}

TEST(WebhookRequest, JsonPostHasStringValues) {
  webhook_endpoint ep = nanomq_auth_endpoint();
  ep.format = body_format::json;
  ep.headers = {{"content-type", "text/plain"}};  // replaced by the format's type
  http_request req = build_auth_request(ep, sample_connect());
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.body,
            R"({"clientid":"dev 1","username":"alice@example","password":"p&ss=wörd",)"
            R"("ipaddress":"192.0.2.7","port":"51234"})");
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0],
            (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
}

TEST(WebhookRequest, GetPutsParamsInTheQuery) {
  webhook_endpoint ep = nanomq_auth_endpoint();
  ep.method = http_method::get;
  ep.url = "http://auth.example:80/check?v=1#frag";
  ep.params = {{"u", "%u"}, {"c", "%c"}};
  http_request req = build_auth_request(ep, sample_connect());
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "http://auth.example:80/check?v=1&u=alice%40example&c=dev%201");
  EXPECT_EQ(req.body, "");
  ASSERT_EQ(req.headers.size(), 1u);  // no Content-Type without a body
  EXPECT_EQ(req.headers[0].first, "X-Api-Key");
}

TEST(WebhookRequest, GetWithoutQueryStartsOne) {
  webhook_endpoint ep;
  ep.method = http_method::get;
  ep.url = "http://h/auth";
  ep.params = {{"clientid", "%c"}};
  EXPECT_EQ(build_auth_request(ep, sample_connect()).url, "http://h/auth?clientid=dev%201");
}

TEST(WebhookRequest, AclRequestCarriesTopicAndAccess) {
  webhook_endpoint ep;
  ep.url = "http://h/mqtt/acl";
  ep.params = {{"access", "%A"}, {"username", "%u"}, {"clientid", "%c"},
               {"ipaddr", "%a"}, {"topic", "%t"}};
  connect_info info = sample_connect();
  EXPECT_EQ(build_acl_request(ep, info.client, acl_action::publish, "a/b c").body,
            "access=2&username=alice%40example&clientid=dev%201&ipaddr=192.0.2.7&topic=a%2Fb%20c");
  EXPECT_EQ(build_acl_request(ep, info.client, acl_action::subscribe, "a/#").body,
            "access=1&username=alice%40example&clientid=dev%201&ipaddr=192.0.2.7&topic=a%2F%23");
}

TEST(WebhookRequest, LogTextMasksThePassword) {
  http_request req = build_auth_request(nanomq_auth_endpoint(), sample_connect());
  EXPECT_EQ(req.log_text,
            "POST http://127.0.0.1:8991/mqtt/auth body=clientid=dev%201&username=alice%40example"
            "&password=***&ipaddress=192.0.2.7&port=51234");
  webhook_endpoint get = nanomq_auth_endpoint();
  get.method = http_method::get;
  get.params = {{"pw", "%P"}};
  EXPECT_EQ(build_auth_request(get, sample_connect()).log_text,
            "GET http://127.0.0.1:8991/mqtt/auth?pw=***");
}

TEST(WebhookRequest, AbsentValuesExpandToEmpty) {
  connect_info info;
  info.client.client_id = "c";
  webhook_endpoint ep;
  ep.url = "http://h/";
  ep.params = {{"u", "%u"}, {"p", "%P"}, {"t", "%t"}, {"lit", "100%%"}, {"other", "%x%"}};
  EXPECT_EQ(build_auth_request(ep, info).body, "u=&p=&t=&lit=100%25&other=%25x%25");
}

TEST(WebhookRequest, BinaryPasswordInJsonBecomesReplacementCharacter) {
  connect_info info;
  info.password = std::string("\xff\x01", 2);
  webhook_endpoint ep;
  ep.url = "http://h/";
  ep.format = body_format::json;
  ep.params = {{"password", "%P"}};
  EXPECT_EQ(build_auth_request(ep, info).body, "{\"password\":\"\xEF\xBF\xBD\\u0001\"}");
}

struct verdict_case {
  int status;
  std::string body;
  webhook_verdict want;
};

class VerdictFromResponse : public testing::TestWithParam<verdict_case> {};

TEST_P(VerdictFromResponse, Maps) {
  const auto& c = GetParam();
  EXPECT_EQ(verdict_from_response(c.status, c.body), c.want)
      << c.status << " " << c.body << " -> " << webhook_verdict_name(c.want);
}

INSTANTIATE_TEST_SUITE_P(
    StatusClasses, VerdictFromResponse,
    testing::Values(verdict_case{200, "", webhook_verdict::allow},
                    verdict_case{204, "", webhook_verdict::allow},
                    verdict_case{299, "ok", webhook_verdict::allow},
                    verdict_case{0, "", webhook_verdict::deny},
                    verdict_case{100, "", webhook_verdict::deny},
                    verdict_case{199, "", webhook_verdict::deny},
                    verdict_case{301, "", webhook_verdict::deny},
                    verdict_case{304, R"({"result":"allow"})", webhook_verdict::deny},
                    verdict_case{400, "", webhook_verdict::deny},
                    verdict_case{401, "", webhook_verdict::deny},
                    verdict_case{403, R"({"result":"allow"})", webhook_verdict::deny},
                    verdict_case{404, "", webhook_verdict::deny},
                    verdict_case{500, "", webhook_verdict::deny},
                    verdict_case{502, R"({"result":"allow"})", webhook_verdict::deny},
                    verdict_case{503, "", webhook_verdict::deny},
                    verdict_case{600, "", webhook_verdict::deny},
                    verdict_case{-1, "", webhook_verdict::deny}));

INSTANTIATE_TEST_SUITE_P(
    EmqxBodies, VerdictFromResponse,
    testing::Values(verdict_case{200, R"({"result":"allow"})", webhook_verdict::allow},
                    verdict_case{200, R"({"result": "allow", "is_superuser": true})",
                                 webhook_verdict::allow},
                    verdict_case{200, R"({"result":"deny"})", webhook_verdict::deny},
                    verdict_case{201, R"( {"result":"DENY"} )", webhook_verdict::deny},
                    verdict_case{200, R"({"result":"ignore"})", webhook_verdict::ignore},
                    verdict_case{200, R"({"result":"maybe"})", webhook_verdict::deny},
                    verdict_case{200, R"({"result":false})", webhook_verdict::deny},
                    verdict_case{200, R"({"is_superuser":false})", webhook_verdict::allow},
                    verdict_case{200, R"(["deny"])", webhook_verdict::allow},
                    verdict_case{200, "ignore", webhook_verdict::ignore},
                    verdict_case{200, "deny\n", webhook_verdict::deny},
                    verdict_case{200, "{not json", webhook_verdict::allow}));

TEST(VerdictFromOutcome, EveryTransportErrorDenies) {
  for (auto e : {transport_error::bad_url, transport_error::resolve_failed,
                 transport_error::connection_refused, transport_error::timed_out,
                 transport_error::closed, transport_error::other}) {
    http_outcome o;
    o.error = e;
    o.status = 200;  // ignored when there is an error
    EXPECT_EQ(verdict_from_outcome(o), webhook_verdict::deny) << transport_error_name(e);
  }
  http_outcome ok;
  ok.status = 200;
  EXPECT_EQ(verdict_from_outcome(ok), webhook_verdict::allow);
}

// fake_transport records requests and answers them with a canned outcome, inline.
class fake_transport : public webhook_transport {
 public:
  explicit fake_transport(http_outcome answer) : answer_(std::move(answer)) {}
  void send(http_request request, std::chrono::milliseconds timeout,
            std::function<void(http_outcome)> done) override {
    requests.push_back(std::move(request));
    timeouts.push_back(timeout);
    done(answer_);
  }
  std::vector<http_request> requests;
  std::vector<std::chrono::milliseconds> timeouts;

 private:
  http_outcome answer_;
};

TEST(AuthWebhook, SendsAuthRequestWithConfiguredTimeoutAndLogsWithoutPassword) {
  http_outcome answer;
  answer.status = 403;
  auto transport = std::make_shared<fake_transport>(answer);
  webhook_config cfg;
  cfg.auth = nanomq_auth_endpoint();
  cfg.timeout = std::chrono::milliseconds(750);
  std::vector<std::string> lines;
  auth_webhook hook(cfg, transport, [&](std::string_view l) { lines.emplace_back(l); });
  std::optional<webhook_verdict> got;
  hook.authenticate_async(sample_connect(), [&](webhook_verdict v) { got = v; });
  EXPECT_EQ(got, webhook_verdict::deny);
  ASSERT_EQ(transport->requests.size(), 1u);
  EXPECT_EQ(transport->timeouts[0], std::chrono::milliseconds(750));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find("wörd"), std::string::npos);
  EXPECT_EQ(lines[0].find("w%C3%B6rd"), std::string::npos);
  EXPECT_NE(lines[0].find("password=***"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("-> HTTP 403: deny"), std::string::npos) << lines[0];
}

TEST(AuthWebhook, UnconfiguredEndpointIgnores) {
  auth_webhook hook(webhook_config{}, nullptr);
  std::optional<webhook_verdict> a;
  std::optional<webhook_verdict> b;
  hook.authenticate_async(sample_connect(), [&](webhook_verdict v) { a = v; });
  hook.authorize_async(sample_connect().client, acl_action::publish, "t",
                       [&](webhook_verdict v) { b = v; });
  EXPECT_EQ(a, webhook_verdict::ignore);
  EXPECT_EQ(b, webhook_verdict::ignore);
}

TEST(AuthWebhook, MissingTransportDenies) {
  webhook_config cfg;
  cfg.auth = nanomq_auth_endpoint();
  cfg.acl = nanomq_auth_endpoint();
  auth_webhook hook(cfg, nullptr);
  std::optional<webhook_verdict> a;
  std::optional<webhook_verdict> b;
  hook.authenticate_async(sample_connect(), [&](webhook_verdict v) { a = v; });
  hook.authorize_async(sample_connect().client, acl_action::subscribe, "t",
                       [&](webhook_verdict v) { b = v; });
  EXPECT_EQ(a, webhook_verdict::deny);
  EXPECT_EQ(b, webhook_verdict::deny);
}

TEST(AuthWebhook, TransportErrorIsLoggedAndDenied) {
  http_outcome answer;
  answer.error = transport_error::timed_out;
  answer.why = "Timed out";
  auto transport = std::make_shared<fake_transport>(answer);
  webhook_config cfg;
  cfg.acl = nanomq_auth_endpoint();
  std::vector<std::string> lines;
  auth_webhook hook(cfg, transport, [&](std::string_view l) { lines.emplace_back(l); });
  std::optional<webhook_verdict> got;
  hook.authorize_async(sample_connect().client, acl_action::publish, "a/b",
                       [&](webhook_verdict v) { got = v; });
  EXPECT_EQ(got, webhook_verdict::deny);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("-> timed_out (Timed out): deny"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace mqtt::broker::auth
