#include "reference-broker/auth/authenticator.hpp"

#include <gtest/gtest.h>

#include <map>

namespace mqtt::broker::auth {
namespace {

using codec::reason_code;

// Made with mosquitto_passwd 2.0.11: alice / s3cret!
constexpr std::string_view alice_line =
    "alice:$7$101$HqUxHUC2d1GQzFr5$v2z6dpIxVOpE/ZC5u5I+JLOR7WeY27BVcIEl0PFkl+SnowSss6WrsHrNbnIK"
    "66fsc4atfGJFTlc9mACChLs6Zg==\n";

// scripted_transport answers by the request's "username" (auth) or "topic" (ACL) param,
// found in the form body; unlisted keys get 200. Answers inline.
class scripted_transport : public webhook_transport {
 public:
  std::map<std::string, http_outcome> answers;
  int calls = 0;
  void send(http_request request, std::chrono::milliseconds,
            std::function<void(http_outcome)> done) override {
    ++calls;
    for (const auto& [key, outcome] : answers) {
      if (request.body.find("=" + key + "&") != std::string::npos ||
          request.body.ends_with("=" + key)) {
        done(outcome);
        return;
      }
    }
    http_outcome ok;
    ok.status = 200;
    done(ok);
  }
};

http_outcome status(int s, std::string body = {}) {
  http_outcome o;
  o.status = s;
  o.body = std::move(body);
  return o;
}

connect_info connect(std::optional<std::string> user, std::optional<std::string> password) {
  connect_info info;
  info.client.client_id = "c1";
  info.client.username = std::move(user);
  info.password = std::move(password);
  return info;
}

std::shared_ptr<auth_webhook> hook(std::shared_ptr<scripted_transport> t, bool auth, bool acl) {
  webhook_config cfg;
  webhook_endpoint ep;
  ep.url = "http://h/";
  ep.params = {{"username", "%u"}, {"topic", "%t"}};
  if (auth) cfg.auth = ep;
  if (acl) cfg.acl = ep;
  return std::make_shared<auth_webhook>(cfg, std::move(t));
}

auth_verdict run(const authenticator& a, const connect_info& info) {
  std::optional<auth_verdict> got;
  a.authenticate_async(info, [&](auth_verdict v) { got = v; });
  EXPECT_TRUE(got.has_value());
  return got.value_or(auth_verdict{false, reason_code::unspecified_error});
}

void expect_allowed(const auth_verdict& v) { EXPECT_TRUE(v.allowed); }
void expect_refused(const auth_verdict& v, reason_code why) {
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, why);
}

TEST(Authenticator, NothingConfiguredFollowsAllowAnonymous) {
  authenticator open(true, nullptr, nullptr);
  expect_allowed(run(open, connect(std::nullopt, std::nullopt)));
  expect_allowed(run(open, connect("anyone", "x")));
  authenticator closed(false, nullptr, nullptr);
  expect_refused(run(closed, connect(std::nullopt, std::nullopt)), reason_code::not_authorized);
  expect_refused(run(closed, connect("anyone", "x")), reason_code::bad_user_name_or_password);
}

TEST(Authenticator, PasswordFileDecidesItsUsers) {
  auto pw = std::make_shared<password_file>(password_file::parse(alice_line, "pw"));
  authenticator a(true, pw, nullptr);
  EXPECT_TRUE(a.try_authenticate(connect("alice", "s3cret!")).has_value());
  expect_allowed(run(a, connect("alice", "s3cret!")));
  expect_refused(run(a, connect("alice", "wrong")), reason_code::bad_user_name_or_password);
  expect_refused(run(a, connect("alice", std::nullopt)), reason_code::bad_user_name_or_password);
  // allow_anonymous covers clients without User Name, not unknown users.
  expect_refused(run(a, connect("mallory", "x")), reason_code::bad_user_name_or_password);
  expect_allowed(run(a, connect(std::nullopt, std::nullopt)));
}

// sam has a SCRAM line only (password "pencil").
std::shared_ptr<password_file> scram_only_file() {
  const std::string line =
      "sam:" + format_scram_credentials(derive_scram_credentials("pencil", random_salt(16))) + "\n";
  return std::make_shared<password_file>(password_file::parse(line, "pw"));
}

connect_info with_method(connect_info info) {
  info.authentication_method = "SCRAM-SHA-256";
  return info;
}

TEST(Authenticator, ScramOnlyFileIsNoPasswordCheckButKeepsItsUserNames) {
  authenticator a(true, scram_only_file(), nullptr);
  expect_allowed(run(a, connect("anyone", "x")));
  expect_allowed(run(a, connect(std::nullopt, std::nullopt)));
  // sam must prove itself with SCRAM, not with a Password.
  expect_refused(run(a, connect("sam", "pencil")), reason_code::bad_user_name_or_password);
  authenticator closed(false, scram_only_file(), nullptr);
  expect_refused(run(closed, connect("anyone", "x")), reason_code::bad_user_name_or_password);
}

TEST(Authenticator, AuthenticationMethodLeavesTheDecisionToTheExchange) {
  auto pw = std::make_shared<password_file>(password_file::parse(alice_line, "pw"));
  authenticator a(false, pw, nullptr);
  expect_allowed(run(a, with_method(connect("alice", std::nullopt))));
  expect_allowed(run(a, with_method(connect(std::nullopt, std::nullopt))));
  auto t = std::make_shared<scripted_transport>();
  t->answers["mallory"] = status(403);
  t->answers["ivan"] = status(200, R"({"result":"ignore"})");
  authenticator hooked(false, pw, hook(t, true, false));
  expect_refused(run(hooked, with_method(connect("mallory", std::nullopt))),
                 reason_code::not_authorized);
  expect_allowed(run(hooked, with_method(connect("ivan", std::nullopt))));
}

TEST(Authenticator, WebhookAnswersForUsersNotInTheFile) {
  auto pw = std::make_shared<password_file>(password_file::parse(alice_line, "pw"));
  auto t = std::make_shared<scripted_transport>();
  t->answers["bob"] = status(200);
  t->answers["mallory"] = status(403);
  t->answers["eve"] = status(200, R"({"result":"deny"})");
  t->answers["ivan"] = status(200, R"({"result":"ignore"})");
  t->answers["oscar"] = status(503);
  authenticator a(false, pw, hook(t, true, false));
  EXPECT_FALSE(a.try_authenticate(connect("bob", "x")).has_value());
  expect_allowed(run(a, connect("bob", "x")));
  expect_refused(run(a, connect("mallory", "x")), reason_code::not_authorized);
  expect_refused(run(a, connect("eve", "x")), reason_code::not_authorized);
  expect_refused(run(a, connect("ivan", "x")), reason_code::bad_user_name_or_password);
  expect_refused(run(a, connect("oscar", "x")), reason_code::not_authorized);
  // The file's answer for alice is final: the webhook is not asked.
  int before = t->calls;
  expect_refused(run(a, connect("alice", "wrong")), reason_code::bad_user_name_or_password);
  expect_allowed(run(a, connect("alice", "s3cret!")));
  EXPECT_EQ(t->calls, before);
}

TEST(Authenticator, WebhookIsAskedForAnonymousClientsAndIgnoreFallsToAllowAnonymous) {
  auto t = std::make_shared<scripted_transport>();
  t->answers[""] = status(200, R"({"result":"ignore"})");
  authenticator allow(true, nullptr, hook(t, true, false));
  expect_allowed(run(allow, connect(std::nullopt, std::nullopt)));
  authenticator deny(false, nullptr, hook(t, true, false));
  expect_refused(run(deny, connect(std::nullopt, std::nullopt)), reason_code::not_authorized);
  t->answers[""] = status(403);
  expect_refused(run(allow, connect(std::nullopt, std::nullopt)), reason_code::not_authorized);
}

client_info client(std::optional<std::string> user) {
  client_info c;
  c.client_id = "c1";
  c.username = std::move(user);
  return c;
}

// allowed lists each topic's verdict, as the core reads it ("not answered" is empty).
using flags = std::vector<bool>;
flags allowed(const std::optional<acl_verdicts>& v) {
  flags out;
  if (!v) return out;
  for (std::size_t i = 0; i < v->topics.size(); ++i) out.push_back(v->allows(i));
  return out;
}

acl_verdicts publish(const acl_checker& acl, const client_info& c, std::string topic) {
  std::optional<acl_verdicts> got;
  acl.check_publish_async(c, topic, [&](acl_verdicts v) { got = std::move(v); });
  EXPECT_TRUE(got.has_value());
  return got.value_or(acl_verdicts{});
}

acl_verdicts subscribe(const acl_checker& acl, const client_info& c,
                       std::vector<std::string> filters) {
  std::optional<acl_verdicts> got;
  acl.check_subscribe_async(c, filters, [&](acl_verdicts v) { got = std::move(v); });
  EXPECT_TRUE(got.has_value());
  return got.value_or(acl_verdicts{});
}

TEST(AclChecker, NothingConfiguredAllows) {
  acl_checker acl(nullptr, nullptr);
  EXPECT_EQ(allowed(acl.try_check_publish(client("u"), "a/b")), (flags{true}));
  EXPECT_EQ(allowed(subscribe(acl, client("u"), {"a", "#"})), (flags{true, true}));
}

TEST(AclChecker, FileOnlyAnswersSynchronously) {
  auto file = std::make_shared<acl_file>(acl_file::parse("user u\ntopic read a/#\n", "acl"));
  acl_checker acl(file, nullptr);
  EXPECT_EQ(allowed(acl.try_check_publish(client("u"), "a/b")), (flags{false}));
  EXPECT_EQ(allowed(acl.try_check_subscribe(client("u"), {"a/b", "b", "a/#"})),
            (flags{true, false, true}));
}

TEST(AclChecker, WebhookIsAskedOnlyForWhatTheFileAllows) {
  auto file = std::make_shared<acl_file>(
      acl_file::parse("user u\ntopic readwrite a/#\n", "acl"));
  auto t = std::make_shared<scripted_transport>();
  t->answers["a%2Fdenied"] = status(403);
  t->answers["a%2Fignored"] = status(200, R"({"result":"ignore"})");
  t->answers["a%2Fbroken"] = status(500);
  acl_checker acl(file, hook(t, false, true));
  EXPECT_FALSE(acl.try_check_publish(client("u"), "a/ok").has_value());
  EXPECT_EQ(allowed(publish(acl, client("u"), "a/ok")), (flags{true}));
  EXPECT_EQ(allowed(publish(acl, client("u"), "a/denied")), (flags{false}));
  EXPECT_EQ(allowed(publish(acl, client("u"), "a/ignored")), (flags{true}));  // file allowed
  EXPECT_EQ(allowed(publish(acl, client("u"), "a/broken")), (flags{false}));
  int before = t->calls;
  EXPECT_EQ(allowed(publish(acl, client("u"), "b")), (flags{false}));
  EXPECT_EQ(t->calls, before);
  EXPECT_EQ(allowed(subscribe(acl, client("u"), {"a/ok", "b", "a/denied", "a/ignored"})),
            (flags{true, false, false, true}));
  EXPECT_EQ(t->calls, before + 3);
}

TEST(AclChecker, WebhookAloneTreatsIgnoreAsDeny) {
  auto t = std::make_shared<scripted_transport>();
  t->answers["x"] = status(200, R"({"result":"ignore"})");
  acl_checker acl(nullptr, hook(t, false, true));
  EXPECT_EQ(allowed(publish(acl, client(std::nullopt), "x")), (flags{false}));
  EXPECT_EQ(allowed(publish(acl, client(std::nullopt), "y")), (flags{true}));
}

}  // namespace
}  // namespace mqtt::broker::auth
