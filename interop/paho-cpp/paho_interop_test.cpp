// paho_interop_test.cpp: the Eclipse Paho MQTT C++ client (Debian's libpaho-mqttpp3)
// against mqtt-refbroker started on an ephemeral loopback port, for MQTT 3.1.1 and 5.0:
// QoS 0/1/2 round trips, retained messages, persistent sessions and v5 properties.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <unistd.h>

#include "conformance/harness/broker_target.hpp"

namespace {

using namespace std::chrono_literals;

class PahoInterop : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    broker_ = mqtt::cert::broker_process::start_refbroker(mqtt::cert::default_refbroker_path(),
                                                           &error)
                  .release();
    ASSERT_NE(broker_, nullptr) << error;
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  int version() const { return GetParam(); }
  std::string uri() const { return broker_->address().url(); }

  // unique gives ClientIDs and topics no other test (or earlier run) uses.
  std::string unique(const std::string& what) const {
    static std::atomic<int> counter{0};
    return "paho-" + std::to_string(version()) + "-" + what + "-" +
           std::to_string(::getpid()) + "-" + std::to_string(counter++);
  }

  std::unique_ptr<mqtt::async_client> client(const std::string& id) const {
    return std::make_unique<mqtt::async_client>(uri(), id, mqtt::create_options(version()));
  }

  mqtt::connect_options options(bool clean, std::uint32_t session_expiry = 0) const {
    mqtt::connect_options opts;
    opts.set_mqtt_version(version());
    opts.set_connect_timeout(5s);
    if (version() == MQTTVERSION_5) {
      opts.set_clean_start(clean);
      if (session_expiry) {
        opts.set_properties({{mqtt::property::SESSION_EXPIRY_INTERVAL, int(session_expiry)}});
      }
    } else {
      opts.set_clean_session(clean);
    }
    return opts;
  }

  static inline mqtt::cert::broker_process* broker_ = nullptr;
};

TEST_P(PahoInterop, RoundTripsEveryQos) {
  auto sub = client(unique("sub"));
  sub->start_consuming();
  sub->connect(options(true))->wait();
  const std::string topic = unique("t") + "/qos";
  sub->subscribe(topic, 2)->wait();
  auto pub = client(unique("pub"));
  pub->connect(options(true))->wait();
  for (int q = 0; q <= 2; ++q) {
    pub->publish(topic, "payload-" + std::to_string(q), q, false)->wait();
    auto m = sub->try_consume_message_for(5s);
    ASSERT_TRUE(m) << "QoS " << q << " message not delivered";
    EXPECT_EQ(m->get_payload_str(), "payload-" + std::to_string(q));
    EXPECT_EQ(m->get_qos(), q);
    EXPECT_FALSE(m->is_retained());
  }
  pub->disconnect()->wait();
  sub->disconnect()->wait();
}

TEST_P(PahoInterop, RetainedMessageReachesLateSubscriberThenClears) {
  const std::string topic = unique("t") + "/retained";
  auto pub = client(unique("pub"));
  pub->connect(options(true))->wait();
  pub->publish(topic, "kept", 1, true)->wait();

  auto sub = client(unique("sub"));
  sub->start_consuming();
  sub->connect(options(true))->wait();
  sub->subscribe(topic, 1)->wait();
  auto m = sub->try_consume_message_for(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), "kept");
  EXPECT_TRUE(m->is_retained());

  pub->publish(topic, "", 1, true)->wait();  // clears, and is forwarded as a normal message
  auto cleared = sub->try_consume_message_for(5s);
  ASSERT_TRUE(cleared);
  EXPECT_TRUE(cleared->get_payload_str().empty());
  sub->disconnect()->wait();

  auto late = client(unique("late"));
  late->start_consuming();
  late->connect(options(true))->wait();
  late->subscribe(topic, 1)->wait();
  EXPECT_FALSE(late->try_consume_message_for(300ms)) << "retained message was not cleared";
  late->disconnect()->wait();
  pub->disconnect()->wait();
}

TEST_P(PahoInterop, PersistentSessionGetsMessagesSentWhileOffline) {
  const std::string id = unique("persistent");
  const std::string topic = unique("t") + "/offline";
  {
    auto sub = client(id);
    // 3.1.1 keeps a session only with CleanSession 0; 5.0 by the Session Expiry Interval.
    sub->connect(options(version() == MQTTVERSION_5, 600))->wait();
    sub->subscribe(topic, 1)->wait();
    sub->disconnect()->wait();
  }
  auto pub = client(unique("pub"));
  pub->connect(options(true))->wait();
  pub->publish(topic, "while-away", 1, false)->wait();
  pub->disconnect()->wait();

  auto sub = client(id);
  sub->start_consuming();
  auto tok = sub->connect(options(false, 600));
  tok->wait();
  EXPECT_TRUE(tok->get_connect_response().is_session_present());
  auto m = sub->try_consume_message_for(5s);
  ASSERT_TRUE(m) << "queued QoS 1 message not delivered on resume";
  EXPECT_EQ(m->get_payload_str(), "while-away");
  sub->disconnect()->wait();
}

TEST_P(PahoInterop, UserPropertiesAndContentTypeAreForwarded) {
  if (version() != MQTTVERSION_5) GTEST_SKIP() << "properties are MQTT 5.0";
  auto sub = client(unique("sub"));
  sub->start_consuming();
  sub->connect(options(true))->wait();
  const std::string topic = unique("t") + "/props";
  sub->subscribe(topic, 1)->wait();
  auto pub = client(unique("pub"));
  pub->connect(options(true))->wait();
  mqtt::properties props{{mqtt::property::CONTENT_TYPE, "text/plain"},
                         {mqtt::property::USER_PROPERTY, "k1", "v1"},
                         {mqtt::property::USER_PROPERTY, "k2", "v2"}};
  auto msg = mqtt::message_ptr_builder().topic(topic).payload("p").qos(1).properties(props).finalize();
  pub->publish(msg)->wait();
  auto m = sub->try_consume_message_for(5s);
  ASSERT_TRUE(m);
  const auto& got = m->get_properties();
  EXPECT_EQ(mqtt::get<std::string>(got, mqtt::property::CONTENT_TYPE), "text/plain");
  ASSERT_EQ(got.count(mqtt::property::USER_PROPERTY), 2u);
  auto first = mqtt::get<mqtt::string_pair>(got, mqtt::property::USER_PROPERTY, 0);
  auto second = mqtt::get<mqtt::string_pair>(got, mqtt::property::USER_PROPERTY, 1);
  EXPECT_EQ(std::get<0>(first), "k1");
  EXPECT_EQ(std::get<0>(second), "k2");  // order kept [MQTT-3.3.2-18]
  pub->disconnect()->wait();
  sub->disconnect()->wait();
}

INSTANTIATE_TEST_SUITE_P(Versions, PahoInterop,
                         ::testing::Values(MQTTVERSION_3_1_1, MQTTVERSION_5),
                         [](const auto& param_info) {
                           return param_info.param == MQTTVERSION_5 ? std::string("v5")
                                                                    : std::string("v311");
                         });

}  // namespace
