// front_door_over_tcp_test.cpp: what a client of a running mqtt-refbroker sees of its
// front door over TCP: the reason code of a close reaches a client that pipelines past
// it (lingering close), and a mosquitto-style ACL file means what it means in Mosquitto.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <unistd.h>

#include "conformance/harness/broker_target.hpp"
#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/transcript.hpp"

namespace {

using namespace std::chrono_literals;
namespace codec = mqtt::codec;
namespace cert = mqtt::cert;

std::unique_ptr<cert::broker_process> start(const std::vector<std::string>& flags) {
  std::string error;
  auto b = cert::broker_process::start_refbroker(cert::default_refbroker_path(), &error, 1, flags);
  EXPECT_NE(b, nullptr) << error;
  return b;
}

// connected opens a 5.0 client with ClientID `id` (and `username`) and takes a
// successful CONNACK.
std::unique_ptr<cert::raw_client> connected(const cert::broker_process& b, const std::string& id,
                                            std::optional<std::string> username = std::nullopt) {
  auto c = std::make_unique<cert::raw_client>(id);
  if (!c->connect(b.address())) {
    ADD_FAILURE() << "cannot reach the broker: " << c->connect_error();
    return nullptr;
  }
  codec::connect_packet connect;
  connect.version = codec::protocol_version::v5_0;
  connect.client_id = id + "-" + std::to_string(::getpid());
  connect.clean_start = true;
  connect.username = std::move(username);
  c->send_packet(connect);
  auto ack = c->expect_packet();
  const auto* connack = ack.as<codec::connack_packet>();
  if (!connack || connack->reason != 0) {
    ADD_FAILURE() << "CONNECT refused: " << ack.describe();
    return nullptr;
  }
  return c;
}

TEST(RefbrokerFrontDoor, PipeliningClientReadsTheReasonCodeOfTheClose) {
  // [MQTT-3.3.4-9] more QoS 2 PUBLISHes unacknowledged than Receive Maximum: the server
  // disconnects with 0x93. The client below writes far more before it reads anything.
  // A server that closes on unread bytes makes the kernel reset the connection: the
  // client's write fails, and a client that gives up on a failed write (as most do)
  // never reads the DISCONNECT. The broker must linger, reading and discarding, instead.
  auto broker = start({"--receive-maximum", "2"});
  ASSERT_NE(broker, nullptr);
  for (int round = 0; round < 5; ++round) {
    const auto started = std::chrono::steady_clock::now();
    auto c = connected(*broker, "pipeliner" + std::to_string(round));
    ASSERT_NE(c, nullptr);
    codec::byte_buffer burst;
    for (std::uint16_t id = 1; id <= 16000; ++id) {  // 16 MB: more than socket buffers hold
      codec::publish_packet p;
      p.topic = "pipelined/qos2";
      p.payload.assign(1000, 'x');
      p.qos_level = codec::qos::exactly_once;
      p.packet_id = id;
      const auto bytes = codec::encode_packet(p, codec::protocol_version::v5_0);
      burst.insert(burst.end(), bytes.begin(), bytes.end());
    }
    EXPECT_TRUE(c->send_bytes(burst))
        << "round " << round << ": the write failed: the broker reset the connection "
        << "instead of reading until the client was done";
    const cert::close_observation seen = c->expect_close(5s);
    EXPECT_TRUE(seen.closed) << seen.describe();
    EXPECT_EQ(seen.first_reason(), std::optional<std::uint8_t>(0x93))
        << "round " << round << ": the client did not read the DISCONNECT's reason code; "
        << seen.describe() << "\n"
        << cert::format_transcripts({c->log()}, started);
  }
}

TEST(RefbrokerFrontDoor, ConnectTimeoutIsTheConfiguredOne) {
  // --connect-timeout-ms: a connection that sends no CONNECT is closed after it, without
  // CONNACK; a client that connects in time is not.
  auto broker = start({"--connect-timeout-ms", "300"});
  ASSERT_NE(broker, nullptr);
  cert::raw_client silent("silent");
  const auto opened = std::chrono::steady_clock::now();
  ASSERT_TRUE(silent.connect(broker->address())) << silent.connect_error();
  auto in_time = connected(*broker, "in-time");
  ASSERT_NE(in_time, nullptr);
  const cert::close_observation seen = silent.expect_close(3s);
  EXPECT_TRUE(seen.closed) << seen.describe();
  EXPECT_TRUE(seen.before.empty()) << seen.describe();
  EXPECT_GE(std::chrono::steady_clock::now() - opened, 300ms) << "closed before the configured time";
  EXPECT_EQ(in_time->expect_no_packet(500ms).status, cert::recv_status::timeout)
      << "a connected client was closed by the CONNECT timeout";
}

TEST(RefbrokerFrontDoor, MaxConnectionsClosesTheOneTooManyAtAccept) {
  // --max-connections: one connection more than the limit is closed as it is accepted,
  // before any byte (5.0 3.2.2.2: a Server that cannot complete the connection "MAY send
  // a CONNACK"; the refbroker does not). Those within the limit keep working, and once
  // one of them goes its place is free again.
  auto broker = start({"--max-connections", "2"});
  ASSERT_NE(broker, nullptr);
  auto first = connected(*broker, "first");
  auto second = connected(*broker, "second");
  ASSERT_TRUE(first && second);
  cert::raw_client third("third");
  ASSERT_TRUE(third.connect(broker->address())) << third.connect_error();  // the kernel accepts
  codec::connect_packet connect;
  connect.client_id = "third-" + std::to_string(::getpid());
  third.send_packet(connect);  // may already fail: the close can come first
  const cert::close_observation seen = third.expect_close(2s);
  EXPECT_TRUE(seen.closed) << "the connection beyond the limit stayed open: " << seen.describe();
  EXPECT_TRUE(seen.before.empty()) << "it got an answer before the close: " << seen.describe();
  codec::pingreq_packet ping;
  ASSERT_TRUE(first->send_packet(ping));
  const auto pong = first->expect_packet();
  EXPECT_NE(pong.as<codec::pingresp_packet>(), nullptr) << "a connection within the limit: " << pong.describe();
  first->close();
  // The broker notices the close asynchronously; a new connection gets in once it has.
  std::unique_ptr<cert::raw_client> again;
  for (int attempt = 0; attempt < 20 && !again; ++attempt) {
    std::this_thread::sleep_for(100ms);
    auto c = std::make_unique<cert::raw_client>("again");
    if (!c->connect(broker->address())) continue;
    connect.client_id = "again-" + std::to_string(::getpid());
    c->send_packet(connect);
    const auto ack = c->expect_packet(500ms);
    if (const auto* a = ack.as<codec::connack_packet>(); a && a->reason == 0) again = std::move(c);
  }
  EXPECT_NE(again, nullptr) << "the place a closed connection left was not given to a new one";
}

// The Paho interoperability tests' usual ACL set-up: everything, except one topic. A
// second user may write everywhere, so a message on the denied topic does reach the
// broker and only the read check per delivery keeps it from the subscriber.
class RefbrokerPahoAcl : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = "/tmp/mqttcert-paho-acl-" + std::to_string(::getpid()) + ".acl";
    std::ofstream(path_) << "topic readwrite #\ntopic deny test/nosubscribe\n"
                            "user writer\ntopic readwrite #\n";
    broker_ = start({"--acl-file", path_});
  }
  void TearDown() override {
    broker_.reset();
    std::remove(path_.c_str());
  }
  std::string path_;
  std::unique_ptr<cert::broker_process> broker_;
};

TEST_F(RefbrokerPahoAcl, HashIsGrantedAndTheDeniedTopicNeverDelivered) {
  ASSERT_NE(broker_, nullptr);
  auto sub = connected(*broker_, "sub");
  auto pub = connected(*broker_, "pub", "writer");
  ASSERT_TRUE(sub && pub);
  codec::subscribe_packet s;
  s.packet_id = 1;
  s.subscriptions.push_back({"#", {codec::qos::at_least_once}});
  s.subscriptions.push_back({"test/nosubscribe", {codec::qos::at_least_once}});
  sub->send_packet(s);
  auto ack = sub->expect_ack();
  const auto* suback = ack.as<codec::suback_packet>();
  ASSERT_NE(suback, nullptr) << ack.describe();
  // The deny rule takes in the second filter whole: refused, Not authorized.
  EXPECT_EQ(suback->reasons, (std::vector<std::uint8_t>{0x01, 0x87}));

  std::uint16_t id = 1;
  for (const char* topic : {"test/nosubscribe", "test/other"}) {
    codec::publish_packet p;
    p.topic = topic;
    p.payload = {'m'};
    p.qos_level = codec::qos::at_least_once;
    p.packet_id = id++;
    pub->send_packet(p);
    auto puback = pub->expect_ack();
    const auto* a = puback.as<codec::puback_packet>();
    ASSERT_NE(a, nullptr) << puback.describe();
    EXPECT_NE(a->reason, codec::reason_code::not_authorized) << topic << ": the writer may publish";
  }
  auto got = sub->expect_packet();
  const auto* delivered = got.as<codec::publish_packet>();
  ASSERT_NE(delivered, nullptr) << got.describe();
  EXPECT_EQ(delivered->topic, "test/other");
  EXPECT_EQ(sub->expect_no_packet().status, cert::recv_status::timeout)
      << "a message the ACL denies reading was delivered";
}

}  // namespace
