// core_shutdown_test.cpp: server shutdown (DISCONNECT 0x8B) and the $SYS statistics the
// core publishes from tick().
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/core_test_driver.hpp"

namespace mqtt::broker {
namespace {

using codec::qos;
using codec::reason_code;
using test::core_test_driver;
using test::fake_client;
using test::publish;
using test::subscribe;
using test::text;

void shutdown(core_test_driver& d) {
  action_list out;
  d.core.shutdown(d.now, out);
  d.apply(out);
}

// sys_values drains the $SYS publications a client received, by topic.
std::map<std::string, std::string> sys_values(fake_client& c) {
  std::map<std::string, std::string> values;
  while (!c.idle()) {
    auto p = c.take<codec::publish_packet>();
    EXPECT_TRUE(p.topic.starts_with("$SYS/broker/")) << p.topic;
    values[p.topic] = text(p.payload);
  }
  return values;
}

TEST(CoreShutdown, V5ClientsGetServerShuttingDown) {
  // 3.14.2.1: 0x8B Server shutting down; [MQTT-3.14.4-2] then the connection closes.
  core_test_driver d;
  auto& a = d.connect_v5("a");
  auto& b = d.connect_v5("b");
  shutdown(d);
  for (auto* c : {&a, &b}) {
    auto disc = c->take<codec::disconnect_packet>();
    EXPECT_EQ(disc.reason, reason_code::server_shutting_down);
    EXPECT_FALSE(disc.props.session_expiry_interval);  // [MQTT-3.14.2-2]
    EXPECT_TRUE(c->closed);
    EXPECT_TRUE(c->idle());  // [MQTT-3.14.4-1]
  }
  EXPECT_EQ(d.core.stats().clients_connected, 0u);
}

TEST(CoreShutdown, V311ClientsAreClosedWithoutDisconnect) {
  // v3.1.1 has no server DISCONNECT.
  core_test_driver d;
  auto& a = d.connect_v311("a");
  shutdown(d);
  EXPECT_TRUE(a.closed);
  EXPECT_TRUE(a.idle());
}

TEST(CoreShutdown, ConnectionsWithoutConnectAreClosedSilently) {
  // [MQTT-3.14.0-1] no DISCONNECT before a successful CONNACK.
  core_test_driver d;
  auto& pending = d.open();
  auto& v5 = d.connect_v5("v5");
  shutdown(d);
  EXPECT_TRUE(pending.closed);
  EXPECT_TRUE(pending.idle());
  EXPECT_EQ(v5.take<codec::disconnect_packet>().reason, reason_code::server_shutting_down);
}

TEST(CoreShutdown, ShutdownWithNoConnectionsDoesNothing) {
  core_test_driver d;
  action_list out;
  d.core.shutdown(d.now, out);
  EXPECT_TRUE(out.empty());
}

TEST(CoreSys, StatisticsArePublishedOnTickAndThenEverySysInterval) {
  broker_config cfg;
  cfg.sys_interval_ms = 5'000;
  core_test_driver d(cfg);
  auto& mon = d.connect_v5("mon");
  mon.send(subscribe("$SYS/#"));
  mon.take<codec::suback_packet>();
  d.connect_v311("other");
  d.advance(millis(1));
  auto first = sys_values(mon);
  EXPECT_EQ(first["$SYS/broker/clients/connected"], "2");
  EXPECT_EQ(first["$SYS/broker/sessions"], "2");
  EXPECT_TRUE(first.count("$SYS/broker/messages/received"));
  EXPECT_TRUE(first.count("$SYS/broker/messages/sent"));
  EXPECT_TRUE(first.count("$SYS/broker/messages/dropped"));
  EXPECT_TRUE(first.count("$SYS/broker/bytes/received"));
  EXPECT_TRUE(first.count("$SYS/broker/bytes/sent"));
  EXPECT_TRUE(first.count("$SYS/broker/retained/count"));
  d.advance(millis(4'999));
  EXPECT_TRUE(mon.idle());  // not before the interval
  d.advance(millis(1));
  auto second = sys_values(mon);
  EXPECT_FALSE(second.empty());
  EXPECT_NE(second["$SYS/broker/messages/sent"], first["$SYS/broker/messages/sent"]);
}

TEST(CoreSys, SysTopicsAreNotMatchedByFirstLevelWildcards) {
  // [MQTT-4.7.2-1]
  core_test_driver d;
  auto& all = d.connect_v5("all");
  all.send(subscribe("#"));
  all.take<codec::suback_packet>();
  all.send(subscribe("+/broker/#"));
  all.take<codec::suback_packet>();
  d.advance(millis(1));
  EXPECT_TRUE(all.idle());
}

TEST(CoreSys, StatisticsAreRetained) {
  core_test_driver d;
  d.connect_v5("a");
  d.advance(millis(1));
  auto& late = d.connect_v5("late");
  late.send(subscribe("$SYS/broker/clients/connected"));
  late.take<codec::suback_packet>();
  auto p = late.take<codec::publish_packet>();
  EXPECT_TRUE(p.retain);
  EXPECT_EQ(text(p.payload), "1");
}

TEST(CoreSys, SysIntervalZeroTurnsStatisticsOff) {
  broker_config cfg;
  cfg.sys_interval_ms = 0;
  core_test_driver d(cfg);
  auto& mon = d.connect_v5("mon");
  mon.send(subscribe("$SYS/#"));
  mon.take<codec::suback_packet>();
  d.advance(millis(60'000));
  EXPECT_TRUE(mon.idle());
  EXPECT_EQ(d.core.stats().retained_messages, 0u);
}

TEST(CoreSys, DroppedMessagesAreReported) {
  broker_config cfg;
  cfg.sys_interval_ms = 1'000;
  core_test_driver d(cfg);
  auto c = test::make_connect("small", codec::protocol_version::v5_0);
  c.props.maximum_packet_size = 32;
  auto& small = d.connect(c);
  small.take<codec::connack_packet>();
  small.send(subscribe("t"));
  small.take<codec::suback_packet>();
  auto& pub = d.connect_v5("pub");
  pub.send(publish("t", std::string(100, 'x')));
  EXPECT_TRUE(small.idle());
  auto& mon = d.connect_v5("mon");
  mon.send(subscribe("$SYS/broker/messages/dropped"));
  mon.take<codec::suback_packet>();
  d.advance(millis(1));
  EXPECT_EQ(text(mon.take<codec::publish_packet>().payload), "1");
}

}  // namespace
}  // namespace mqtt::broker
