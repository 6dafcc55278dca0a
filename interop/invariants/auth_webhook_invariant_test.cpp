// auth_webhook_invariant_test.cpp: the auth-webhook invariant, against every broker with
// an HTTP auth hook (the reference broker, NanoMQ's auth_http; Debian's Mosquitto has
// none, and its row says so). A broker that asks an HTTP webhook on CONNECT must let in
// only the clients the webhook allows, and must fail closed on every other answer or
// non-answer; a broker that asks an ACL webhook must not deliver a refused PUBLISH nor
// honour a refused subscription.
//
// The scripted webhook (webhook_server.hpp) answers per User Name (auth) or per topic
// level (ACL). Each broker is started by the test asking it, with anonymous clients
// refused, once for each webhook shape (POST form, POST json, GET), plus once with both
// URLs pointing at a port nothing listens on. A broker given by URL
// (MQTTCERT_INVARIANT_BROKER_URL) must already ask MQTTCERT_WEBHOOK_LISTEN, in whatever
// shape it uses.
//
// Refused CONNECT: a CONNACK with 0x87/0x86 (5.0) or 0x05/0x04 (3.1.1), then the
// connection closes, and nothing the client sent after CONNECT is acted on
// [v5.0 MQTT-3.1.4-6, v3.1.1 MQTT-3.1.4-5]. The broker log never contains the password.
// A refusal the spec only recommends telling the client (a CONNACK reason code before the
// close) is reported as non-strict, not failed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <unistd.h>

#include "codec/packet_codec.hpp"
#include "codec/packets.hpp"
#include "conformance/harness/broker_target.hpp"
#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/session_helpers.hpp"
#include "interop/invariants/invariant_brokers.hpp"
#include "interop/invariants/webhook_server.hpp"

namespace mqtt::cert::invariants {
namespace {

using namespace std::chrono_literals;
using codec::protocol_version;
using codec::qos;
using steady = std::chrono::steady_clock;

// A refusal must come within the broker's webhook timeout plus this margin.
constexpr auto refusal_margin = 1500ms;

// ---------------------------------------------------------------------------------------
// Webhook shapes and the shared server and brokers (one set per test process).

// as_configured: a broker given by URL asks in whatever shape it is configured with.
enum class hook_shape { post_form, post_json, get, as_configured };

std::string shape_name(hook_shape s) {
  switch (s) {
    case hook_shape::post_form: return "post_form";
    case hook_shape::post_json: return "post_json";
    case hook_shape::get: return "get";
    case hook_shape::as_configured: return "as_configured";
  }
  return "?";
}

// shapes_for: a broker given by URL asks in the one shape it is configured with, which
// the server reads whatever it is; the others are started once per shape.
std::vector<hook_shape> shapes_for(broker_kind b) {
  if (b == broker_kind::external) return {hook_shape::as_configured};
  return {hook_shape::post_form, hook_shape::post_json, hook_shape::get};
}

class fixtures {
 public:
  static webhook_server& server() {
    if (!server_) {
      const char* listen = std::getenv("MQTTCERT_WEBHOOK_LISTEN");
      if (listen && *listen) {
        std::string hp = listen;
        const auto colon = hp.rfind(':');
        server_ = std::make_unique<webhook_server>(
            hp.substr(0, colon), static_cast<std::uint16_t>(std::atoi(hp.c_str() + colon + 1)));
      } else {
        server_ = std::make_unique<webhook_server>();
      }
    }
    return *server_;
  }

  // start_broker starts `b` asking the scripted server in `shape` or (`reachable` false)
  // a port nothing listens on. Every test gets a broker of its own: a broker that a
  // webhook answer wedged or crashed must not decide the next test.
  static std::unique_ptr<running_broker> start_broker(broker_kind b, hook_shape shape,
                                                      bool reachable, std::string* error) {
    const std::string base = reachable ? server().url("")
                                       : "http://127.0.0.1:" + std::to_string(pick_free_port());
    webhook_config hooks{base + "/auth", base + "/acl", shape == hook_shape::get,
                         shape == hook_shape::post_json};
    return start_with_webhook(b, hooks, error);
  }

  static void stop_server() { server_.reset(); }

  static std::string log_tail(const running_broker& r) {
    const std::string log = r.log_text();
    return log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
  }

 private:
  static inline std::unique_ptr<webhook_server> server_;
};

// ---------------------------------------------------------------------------------------
// Helpers.

std::string unique_tag() {
  static std::atomic<int> counter{0};
  return "wh" + std::to_string(::getpid()) + "x" + std::to_string(counter++);
}

// secret_token is a random hex string embedded in each password, searched for in logs.
std::string secret_token() {
  static std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << std::hex << rng() << rng();
  return s.str();
}

bool is_refusal(std::uint8_t code, protocol_version v) {
  return codec::is_v5(v) ? (code == 0x87 || code == 0x86) : (code == 0x05 || code == 0x04);
}

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

// drain_publishes reads until nothing arrives for `quiet`, acknowledging QoS 1/2, and
// returns the topics of the PUBLISH packets seen (anything else is noted as "<packet>").
std::vector<std::string> drain_publishes(raw_client& c, std::chrono::milliseconds quiet = 400ms) {
  std::vector<std::string> topics;
  for (;;) {
    received r = c.expect_packet(quiet);
    if (!r.is_packet()) break;
    if (const auto* p = r.as<codec::publish_packet>()) {
      topics.push_back(p->topic);
      if (p->qos_level == qos::at_least_once) {
        c.send_packet(codec::puback_packet{p->packet_id, codec::reason_code::success, {}});
      } else if (p->qos_level == qos::exactly_once) {
        c.send_packet(codec::pubrec_packet{p->packet_id, codec::reason_code::success, {}});
      }
    } else if (const auto* rel = r.as<codec::pubrel_packet>()) {
      c.send_packet(codec::pubcomp_packet{rel->packet_id, codec::reason_code::success, {}});
    } else {
      topics.push_back("<" + r.describe() + ">");
    }
  }
  return topics;
}

// announces_close: the connection closed, or a DISCONNECT with an error code came (a
// 5.0-style one that a 3.1.1 client cannot decode included: the close is what counts here,
// its format is the conformance suite's business).
bool announces_close(const received& r) {
  if (r.status == recv_status::closed) return true;
  if (const auto* d = r.as<codec::disconnect_packet>()) return codec::is_error(d->reason);
  return r.status == recv_status::malformed && !r.bytes.empty() && r.bytes[0] == 0xE0;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(nothing)" : out;
}

// ---------------------------------------------------------------------------------------
// Fixture: one broker, webhook shape and protocol version; a test may add a script.

class webhook_test_base {
 protected:
  // expect_broker_alive fails the test when the broker process is gone: a broker must
  // never crash, whatever its webhook answers. Its log's last lines show why.
  bool expect_broker_alive() {
    if (broker_ == nullptr || broker_->process == nullptr || broker_->process->running())
      return true;
    if (!crash_reported_) {
      crash_reported_ = true;
      ADD_FAILURE() << "the broker CRASHED: " << broker_name(kind_) << " "
                    << broker_->process->exit_description() << " during this test; its log "
                    << broker_->log_path() << " ends:\n"
                    << fixtures::log_tail(*broker_);
    }
    return false;
  }

  // start returns false (and the test skips, saying why) when the broker cannot run here.
  bool start(broker_kind b, hook_shape shape, protocol_version v, bool reachable = true) {
    kind_ = b;
    version_ = v;
    shape_ = shape;
    ::testing::Test::RecordProperty("broker", std::string(broker_name(b)));
    if (auto why = unavailable_reason(b); !why.empty()) {
      skip_reason_ = why;
      return false;
    }
    if (!reachable && b == broker_kind::external) {
      skip_reason_ = "a broker given by URL cannot be pointed at a webhook port nothing listens on";
      return false;
    }
    std::string error;
    owned_ = fixtures::start_broker(b, shape, reachable, &error);
    broker_ = owned_.get();
    EXPECT_NE(broker_, nullptr) << "cannot start " << broker_name(b) << ": " << error;
    if (!broker_) return false;
    tag_ = unique_tag();
    base_ = "invariant/" + tag_;
    ::testing::Test::RecordProperty("broker_command", broker_->description);
    return true;
  }

  std::chrono::milliseconds refusal_bound() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(webhook_timeout(kind_) +
                                                                 refusal_margin);
  }

  // client_options gives a client whose User Name selects `script` and whose password
  // holds a fresh secret token.
  connect_options client_options(const std::string& role, hook_script script) {
    connect_options o;
    o.client_id = tag_ + "-" + role;
    o.username = script_name(script);
    const std::string password = "pw " + secret_token() + " &=+%/";
    passwords_.push_back(password);
    o.password = payload_bytes(password);
    return o;
  }

  // connect_allowed opens a client the webhook allows, or fails the test and returns
  // nullptr. The CONNACK may take up to the webhook timeout: a broker may ask its webhook
  // one request at a time, behind one that hangs.
  std::unique_ptr<raw_client> connect_allowed(const std::string& role) {
    if (!expect_broker_alive()) return nullptr;
    auto c = std::make_unique<raw_client>(role, version_);
    ::testing::AssertionResult r = ::testing::AssertionSuccess();
    if (!c->connect(broker_->address)) {
      r = ::testing::AssertionFailure() << "cannot connect: " << c->connect_error();
    } else {
      r = connect_session(*c, client_options(role, hook_script::allow), nullptr, refusal_bound());
    }
    if (r) return c;
    // A connection reset is often a broker dying: give it a moment to be reaped, and then
    // report the crash (once) rather than its symptom.
    std::this_thread::sleep_for(200ms);
    if (expect_broker_alive()) ADD_FAILURE() << role << " (allowed by the webhook): " << r.message();
    return nullptr;
  }

  // expect_log_clean checks that no password of this test reached the broker log. The
  // broker logs at debug level; it must show that it logged the webhook exchange at all,
  // or the check proves nothing. A broker given by URL has no log here.
  void expect_log_clean() {
    if (broker_->process == nullptr) return;
    const std::string log = broker_->log_text();
    const char* marker = kind_ == broker_kind::nanomq ? "online" : "webhook";
    EXPECT_NE(log.find(marker), std::string::npos)
        << "the broker (at debug level) logged nothing about clients (no \"" << marker
        << "\"); the password check below proves nothing. Log: " << broker_->log_path();
    for (const auto& pw : passwords_) {
      const std::string token = pw.substr(3, pw.find(' ', 3) - 3);
      EXPECT_EQ(log.find(token), std::string::npos)
          << "the broker log " << broker_->log_path() << " contains a client's password";
    }
  }

  // expect_auth_request checks the webhook saw the CONNECT of `o` as configured.
  void expect_auth_request(const connect_options& o) {
    auto reqs = fixtures::server().requests_for(o.client_id);
    ASSERT_FALSE(reqs.empty()) << "the auth webhook was never asked about ClientID "
                               << o.client_id;
    const auto& r = reqs.front();
    EXPECT_EQ(r.path, "/auth") << r.describe();
    if (kind_ != broker_kind::external) {
      EXPECT_EQ(r.method, shape_ == hook_shape::get ? "GET" : "POST") << r.describe();
      if (shape_ == hook_shape::post_json) {
        EXPECT_NE(r.content_type.find("application/json"), std::string::npos) << r.describe();
      } else if (shape_ == hook_shape::post_form) {
        EXPECT_NE(r.content_type.find("application/x-www-form-urlencoded"), std::string::npos)
            << r.describe();
      }
    }
    EXPECT_TRUE(r.params_parsed) << "body is not a JSON object: " << r.body;
    EXPECT_EQ(r.param("clientid"), o.client_id) << r.describe();
    EXPECT_EQ(r.param("username"), *o.username) << r.describe();
    EXPECT_EQ(r.param("password"), std::string(o.password->begin(), o.password->end()))
        << "password not carried verbatim: " << r.describe();
  }

  broker_kind kind_ = broker_kind::refbroker;
  std::unique_ptr<running_broker> owned_;
  running_broker* broker_ = nullptr;
  bool crash_reported_ = false;
  protocol_version version_ = protocol_version::v5_0;
  hook_shape shape_ = hook_shape::post_form;
  std::string skip_reason_;
  std::string tag_;
  std::string base_;
  std::vector<std::string> passwords_;
};

using broker_shape_version = std::tuple<broker_kind, hook_shape, protocol_version>;

std::string version_label(protocol_version v) { return codec::is_v5(v) ? "v5_0" : "v3_1_1"; }

// brokers_with_hook are the selected brokers that can ask an HTTP webhook; the others
// get one visible skip each (AuthWebhookNotApplicable).
std::vector<broker_kind> brokers_with_hook(bool with) {
  std::vector<broker_kind> out;
  for (auto b : selected_brokers())
    if (has_auth_webhook(b, nullptr) == with) out.push_back(b);
  return out;
}

std::vector<broker_shape_version> invariant_cases() {
  std::vector<broker_shape_version> out;
  for (auto b : brokers_with_hook(true))
    for (auto s : shapes_for(b))
      for (auto v : {protocol_version::v3_1_1, protocol_version::v5_0}) out.push_back({b, s, v});
  return out;
}

class AuthWebhookInvariant : public ::testing::TestWithParam<broker_shape_version>,
                             protected webhook_test_base {
 protected:
  static void TearDownTestSuite() { fixtures::stop_server(); }
  void TearDown() override { expect_broker_alive(); }
  void SetUp() override {
    if (!start(std::get<0>(GetParam()), std::get<1>(GetParam()), std::get<2>(GetParam())) &&
        !skip_reason_.empty()) {
      RecordProperty("skip_reason", skip_reason_);
      GTEST_SKIP() << "skipped: " << skip_reason_;
    }
  }
};

// ---------------------------------------------------------------------------------------

TEST_P(AuthWebhookInvariant, AllowedUserConnectsPublishesAndSubscribes) {
  raw_client c("allowed", version_);
  ASSERT_TRUE(c.connect(broker_->address)) << c.connect_error();
  auto o = client_options("allowed", hook_script::allow);
  const std::string topic = base_ + "/t";
  // CONNECT and SUBSCRIBE in one write: the SUBSCRIBE must be acted on after the CONNACK.
  codec::subscribe_packet sub{1, {}, {{topic, {qos::at_least_once}}}};
  codec::byte_buffer bytes = codec::encode_packet(make_connect(version_, o), version_);
  codec::encode_packet(sub, version_, bytes);
  c.set_version(version_);
  ASSERT_TRUE(c.send_bytes(bytes));

  received first = c.expect_packet(refusal_bound());
  const auto* connack = first.as<codec::connack_packet>();
  ASSERT_NE(connack, nullptr) << "expected CONNACK success, observed " << first.describe();
  ASSERT_EQ(connack->reason, 0) << "the webhook allowed user '" << *o.username
                                << "' but the broker refused: " << first.describe();
  received second = c.expect_packet();
  const auto* suback = second.as<codec::suback_packet>();
  ASSERT_NE(suback, nullptr) << "expected SUBACK, observed " << second.describe();
  ASSERT_EQ(suback->reasons.size(), 1u);
  EXPECT_LT(suback->reasons[0], 0x80) << second.describe();

  // Publish to its own subscription: the PUBACK and the routed PUBLISH may come in
  // either order.
  codec::publish_packet p;
  p.topic = topic;
  p.qos_level = qos::at_least_once;
  p.packet_id = 7;
  p.payload = payload_bytes("hello");
  ASSERT_TRUE(c.send_packet(p));
  bool acked = false, delivered = false;
  while (!(acked && delivered)) {
    received r = c.expect_packet(refusal_bound());
    if (const auto* a = r.as<codec::puback_packet>()) {
      EXPECT_FALSE(codec::is_error(a->reason)) << "ACL allowed, PUBACK refused: " << r.describe();
      acked = true;
    } else if (const auto* m = r.as<codec::publish_packet>()) {
      EXPECT_EQ(m->topic, topic) << r.describe();
      c.send_packet(codec::puback_packet{m->packet_id, codec::reason_code::success, {}});
      delivered = true;
    } else {
      FAIL() << "expected PUBACK and the PUBLISH back, observed " << r.describe();
    }
  }
  disconnect(c);

  expect_auth_request(o);
  expect_log_clean();
}

// A PUBLISH the ACL webhook refuses reaches nobody. The publisher hears so: v5.0 PUBACK or
// PUBREC 0x87 (Not authorized), or the connection is closed, optionally after a
// DISCONNECT with an error code. A success code is a failure even if the message is then
// dropped: "the receiver needs to perform all checks ... (e.g. ... authorization) before
// accepting ownership" and a Server taking ownership "MUST add it to the Session State"
// of matching subscribers (4.3 note, MQTT-4.5.0-1). 3.1.1 has no refusal codes, so there
// only the delivery is checked. Each refused PUBLISH goes on its own connection, so that a
// close is an answer for that one and not the end of the test.
TEST_P(AuthWebhookInvariant, AclDeniedPublishIsNotDelivered) {
  auto watcher = connect_allowed("watcher");
  if (!watcher) return;  // connect_allowed said why
  ASSERT_TRUE(subscribe(*watcher, base_ + "/#", qos::exactly_once));

  std::uint16_t id = 1;
  int asked = 0;
  for (auto s : acl_denial_scripts) {
    const std::string topic = base_ + "/pub_" + script_name(s) + "/x";
    for (auto q : {qos::at_most_once, qos::at_least_once, qos::exactly_once}) {
      if (s != hook_script::deny_403 && q != qos::at_least_once) continue;  // keep it short
      auto pub = connect_allowed("publisher");
      if (!pub) return;  // connect_allowed said why (a crashed broker, say)
      const std::string what = "ACL-refused PUBLISH ('" + script_name(s) + "', QoS " +
                               std::to_string(static_cast<int>(q)) + ")";
      ++asked;
      ASSERT_TRUE(pub->send_packet(make_publish(topic, "denied", q, id++)));
      if (q == qos::at_most_once) {
        disconnect(*pub);
        continue;
      }
      received r = pub->expect_ack(refusal_bound());
      if (announces_close(r)) continue;  // refused by closing the connection
      const auto* ack = r.as<codec::puback_packet>();
      const auto* rec = r.as<codec::pubrec_packet>();
      if (!(q == qos::at_least_once ? ack != nullptr : rec != nullptr)) {
        ADD_FAILURE() << what << ": expected " << (ack ? "PUBACK" : "PUBREC")
                      << " or a close, observed " << r.describe();
        continue;
      }
      const auto reason = ack ? ack->reason : rec->reason;
      if (codec::is_v5(version_) && !codec::is_error(reason)) {
        ADD_FAILURE() << what << ": acknowledged with success, taking ownership of a message "
                      << "it will not deliver; expected 0x87 (Not authorized) or a close, "
                      << "observed " << r.describe();
      }
      if (rec && !codec::is_error(reason)) {
        pub->send_packet(codec::pubrel_packet{rec->packet_id, codec::reason_code::success, {}});
        received comp = pub->expect_ack(refusal_bound());
        if (!announces_close(comp) && !comp.as<codec::pubcomp_packet>())
          ADD_FAILURE() << what << ": expected PUBCOMP after PUBREL, observed " << comp.describe();
      }
      disconnect(*pub);
    }
  }
  // Sentinel: an allowed PUBLISH, after all the refused ones.
  auto pub = connect_allowed("publisher");
  if (!pub) return;
  ASSERT_TRUE(publish(*pub, make_publish(base_ + "/ok", "allowed", qos::at_least_once, id++),
                      refusal_bound()));

  auto topics = drain_publishes(*watcher);
  EXPECT_EQ(topics, std::vector<std::string>{base_ + "/ok"})
      << "ACL-refused PUBLISH delivered: a subscriber to " << base_
      << "/# must get only the allowed PUBLISH; got " << join(topics);

  // Each PUBLISH was put to the ACL webhook with access 2 and its topic.
  auto reqs = fixtures::server().requests_for(tag_ + "-publisher");
  int acl_publish = 0;
  for (const auto& r : reqs) {
    if (r.path != "/acl") continue;
    EXPECT_EQ(r.param("access"), "2") << r.describe();
    EXPECT_EQ(r.param("username"), "allow") << r.describe();
    ++acl_publish;
  }
  EXPECT_GE(acl_publish, asked + 1) << "the ACL webhook was not asked about every PUBLISH";
  disconnect(*pub);
  disconnect(*watcher);
  expect_log_clean();
}

TEST_P(AuthWebhookInvariant, AclDeniedSubscribeGetsNoMessages) {
  auto watcher = connect_allowed("watcher");
  if (!watcher) return;  // connect_allowed said why
  ASSERT_TRUE(subscribe(*watcher, base_ + "/#", qos::at_least_once));
  auto sub = connect_allowed("subscriber");
  if (!sub) return;

  // One filter per SUBSCRIBE: some brokers ask the ACL webhook once per SUBSCRIBE packet
  // (NanoMQ joins the filters into one request), and each refusal must stand on its own.
  std::vector<std::string> filters;
  for (auto s : acl_denial_scripts) filters.push_back(base_ + "/sub_" + script_name(s) + "/x");
  filters.push_back(base_ + "/ok");
  for (std::size_t i = 0; i < filters.size(); ++i) {
    codec::subscribe_packet sp;
    sp.packet_id = static_cast<std::uint16_t>(9 + i);
    sp.subscriptions.push_back({filters[i], {qos::at_least_once}});
    ASSERT_TRUE(sub->send_packet(sp));
    received r = sub->expect_ack(refusal_bound());
    const auto* ack = r.as<codec::suback_packet>();
    if (ack == nullptr || ack->reasons.size() != 1) {
      ADD_FAILURE() << "expected SUBACK for " << filters[i] << ", observed " << r.describe();
      if (!r.is_packet()) break;
      continue;
    }
    if (i + 1 == filters.size()) {
      EXPECT_LT(ack->reasons[0], 0x80) << "the allowed filter was refused: " << r.describe();
    } else {
      const std::uint8_t want = codec::is_v5(version_) ? 0x87 : 0x80;
      EXPECT_EQ(ack->reasons[0], want)
          << "ACL webhook '" << script_name(acl_denial_scripts[i]) << "' refused " << filters[i]
          << ": expected " << hex_byte(want) << ", observed " << hex_byte(ack->reasons[0]);
    }
  }

  // The filters' own topics are publishable (only subscribing is refused).
  auto pub = connect_allowed("publisher");
  if (!pub) return;
  std::uint16_t id = 1;
  std::vector<std::string> published;
  for (const auto& f : filters) {
    auto sent = publish(*pub, make_publish(f, "m", qos::at_least_once, id++), refusal_bound());
    if (!expect_broker_alive()) return;
    if (!sent) {
      ADD_FAILURE() << "ACL-allowed PUBLISH to " << f << " (only subscribing is refused) was "
                    << "not acknowledged: " << sent.message();
      return;
    }
    published.push_back(f);
  }
  auto got = drain_publishes(*sub);
  EXPECT_EQ(got, std::vector<std::string>{base_ + "/ok"})
      << "the subscriber must get only the message on its allowed filter; got " << join(got);
  auto control = drain_publishes(*watcher);
  EXPECT_EQ(control, published) << "control subscriber to " << base_ << "/#";

  for (const auto& rq : fixtures::server().requests_for(tag_ + "-subscriber")) {
    if (rq.path == "/acl") {
      EXPECT_EQ(rq.param("access"), "1") << rq.describe();
    }
  }
  disconnect(*pub);
  disconnect(*sub);
  disconnect(*watcher);
  expect_log_clean();
}

INSTANTIATE_TEST_SUITE_P(
    Brokers, AuthWebhookInvariant, ::testing::ValuesIn(invariant_cases()),
    [](const ::testing::TestParamInfo<broker_shape_version>& param_info) {
      return std::string(broker_name(std::get<0>(param_info.param))) + "_" +
             shape_name(std::get<1>(param_info.param)) + "_" +
             version_label(std::get<2>(param_info.param));
    });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AuthWebhookInvariant);

// ---------------------------------------------------------------------------------------
// Every way the auth webhook can say no, or fail to say yes.

using denial_case = std::tuple<broker_kind, hook_shape, protocol_version, hook_script>;

std::vector<denial_case> denial_cases() {
  std::vector<denial_case> out;
  for (const auto& [b, s, v] : invariant_cases())
    for (auto script : denial_scripts) out.push_back({b, s, v, script});
  return out;
}

class AuthWebhookDenial : public ::testing::TestWithParam<denial_case>,
                          protected webhook_test_base {
 protected:
  static void TearDownTestSuite() { fixtures::stop_server(); }
  void TearDown() override { expect_broker_alive(); }
  void SetUp() override {
    const auto& [b, shape, v, script] = GetParam();
    if (!start(b, shape, v, script != hook_script::unreachable) && !skip_reason_.empty()) {
      RecordProperty("skip_reason", skip_reason_);
      GTEST_SKIP() << "skipped: " << skip_reason_;
    }
    ::testing::Test::RecordProperty(
        "statement", codec::is_v5(version_) ? "v5.0/MQTT-3.1.4-6" : "v3.1.1/MQTT-3.1.4-5");
  }
};

TEST_P(AuthWebhookDenial, RefusedClientIsClosedAndNeverServed) {
  const hook_script script = std::get<3>(GetParam());
  // With the webhook unreachable nobody can connect, so there is no one to watch.
  const bool reachable = script != hook_script::unreachable;
  auto watcher = reachable ? connect_allowed("watcher") : nullptr;
  if (watcher) {
    ASSERT_TRUE(subscribe(*watcher, base_ + "/#", qos::at_least_once));
  }
  auto pub = reachable ? connect_allowed("publisher") : nullptr;
  if (reachable && !(watcher && pub)) return;  // connect_allowed said why

  // The refused client sends CONNECT, SUBSCRIBE and two PUBLISHes in one write, before any
  // CONNACK; none of them may be acted on.
  raw_client denied("denied", version_);
  ASSERT_TRUE(denied.connect(broker_->address)) << denied.connect_error();
  auto o = client_options("denied", script);
  codec::byte_buffer bytes = codec::encode_packet(make_connect(version_, o), version_);
  codec::encode_packet(codec::subscribe_packet{1, {}, {{base_ + "/#", {qos::at_least_once}}}},
                       version_, bytes);
  codec::publish_packet p0;
  p0.topic = base_ + "/from-denied";
  p0.payload = payload_bytes("must not be delivered");
  codec::encode_packet(p0, version_, bytes);
  codec::publish_packet p1 = p0;
  p1.qos_level = qos::at_least_once;
  p1.packet_id = 2;
  codec::encode_packet(p1, version_, bytes);
  denied.set_version(version_);
  const auto sent_at = steady::now();
  ASSERT_TRUE(denied.send_bytes(bytes));

  // While the webhook is being asked, an allowed client publishes where the pipelined
  // SUBSCRIBE would match.
  if (pub) {
    ASSERT_TRUE(publish(*pub, make_publish(base_ + "/live", "while authenticating",
                                           qos::at_least_once, 3),
                        refusal_bound()));
  }

  close_observation obs = denied.expect_close(refusal_bound());
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - sent_at);
  const std::string what = "auth webhook '" + script_name(script) + "' (" +
                           shape_name(shape_) + ", " +
                           std::string(codec::protocol_version_name(version_)) + ")";
  EXPECT_TRUE(obs.closed) << what << ": the connection must close after a refused CONNECT; "
                          << "observed " << obs.describe();
  EXPECT_LT(took, refusal_bound()) << what;
  const auto* connack =
      obs.before.empty() ? nullptr : obs.before.front().as<codec::connack_packet>();
  if (connack && !codec::is_error(static_cast<codec::reason_code>(connack->reason)) &&
      (codec::is_v5(version_) || connack->reason == 0)) {
    ADD_FAILURE() << what << ": FAIL-OPEN: the broker accepted a client its webhook did not "
                  << "allow; expected a close, optionally after CONNACK "
                  << (codec::is_v5(version_) ? "0x87/0x86" : "0x05/0x04") << ", observed "
                  << obs.describe();
  } else if (!obs.before.empty() && !connack) {
    ADD_FAILURE() << what << ": expected a close, optionally after a refusing CONNACK, "
                  << "observed " << obs.describe();
  } else if (!connack || !is_refusal(connack->reason, version_)) {
    // The client must not get in; telling it why is what the specs recommend ("SHOULD
    // attempt to send a CONNACK packet containing the appropriate non-zero Connect return
    // code", 3.1.1 3.2.2.3; "MAY send a CONNACK packet with ... 0x87", 5.0 3.1.4), so a
    // bare close or a less precise code is a non-strict finding, not a failure.
    RecordProperty("non_strict",
                   what + ": refused " +
                       (connack ? "with CONNACK " + hex_byte(connack->reason) + " rather than " +
                                      (codec::is_v5(version_) ? "0x87/0x86" : "0x05/0x04")
                                : std::string("by closing without a CONNACK")));
  }
  EXPECT_LE(obs.before.size(), 1u)
      << what << ": nothing may follow a refusing CONNACK (the pipelined SUBSCRIBE and "
      << "PUBLISHes must be ignored); observed " << obs.describe();

  if (reachable) {
    // Nothing the refused client published reached anyone.
    auto topics = drain_publishes(*watcher);
    EXPECT_EQ(topics, std::vector<std::string>{base_ + "/live"})
        << what << ": the watcher on " << base_ << "/# must see only the allowed client's "
        << "message, never " << base_ << "/from-denied; got " << join(topics);
    expect_auth_request(o);
    disconnect(*pub);
    disconnect(*watcher);
  }
  expect_log_clean();
}

INSTANTIATE_TEST_SUITE_P(
    Brokers, AuthWebhookDenial, ::testing::ValuesIn(denial_cases()),
    [](const ::testing::TestParamInfo<denial_case>& param_info) {
      return std::string(broker_name(std::get<0>(param_info.param))) + "_" +
             shape_name(std::get<1>(param_info.param)) + "_" +
             version_label(std::get<2>(param_info.param)) + "_" +
             script_name(std::get<3>(param_info.param));
    });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AuthWebhookDenial);

// ---------------------------------------------------------------------------------------
// Brokers without an HTTP auth hook: one visible skip each, saying so.

class AuthWebhookNotApplicable : public ::testing::TestWithParam<broker_kind> {};

TEST_P(AuthWebhookNotApplicable, BrokerHasNoHttpAuthHook) {
  std::string why;
  has_auth_webhook(GetParam(), &why);
  RecordProperty("broker", std::string(broker_name(GetParam())));
  RecordProperty("skip_reason", why);
  GTEST_SKIP() << "skipped: " << why;
}

INSTANTIATE_TEST_SUITE_P(Brokers, AuthWebhookNotApplicable,
                         ::testing::ValuesIn(brokers_with_hook(false)),
                         [](const ::testing::TestParamInfo<broker_kind>& param_info) {
                           return std::string(broker_name(param_info.param));
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AuthWebhookNotApplicable);

}  // namespace
}  // namespace mqtt::cert::invariants
