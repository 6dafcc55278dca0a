// raw_client_test.cpp: the raw client against a scripted loopback peer that writes fixed
// bytes, for the harness rules that decide pass or fail before any broker is involved.
#include "conformance/harness/raw_client.hpp"

#include <gtest/gtest.h>

#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec/hex.hpp"
#include "conformance/harness/test_context.hpp"

namespace mqtt::cert {
namespace {

// scripted_peer accepts one connection on 127.0.0.1 and writes `reply` to it, then keeps
// it open until destroyed (or closes it when `close_after` is set).
class scripted_peer {
 public:
  explicit scripted_peer(std::string reply_hex, bool close_after = false) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_fd_, 1);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, reply = *codec::from_hex(reply_hex), close_after] {
      conn_fd_ = ::accept(listen_fd_, nullptr, nullptr);
      if (conn_fd_ < 0) return;
      (void)::write(conn_fd_, reply.data(), reply.size());
      if (close_after) ::shutdown(conn_fd_, SHUT_RDWR);
    });
  }
  ~scripted_peer() {
    thread_.join();
    if (conn_fd_ >= 0) ::close(conn_fd_);
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int listen_fd_ = -1;
  int conn_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A server "is permitted to start sending PUBLISH packets matching the Subscription before
// the Server sends the SUBACK" (3.8.4): expect_ack returns the SUBACK and keeps the
// PUBLISH, which the next expect_packet returns.
TEST(RawClient, ExpectAckSetsAsidePublishBeforeSuback) {
  test_context::current().begin("RawClient.ExpectAckSetsAsidePublishBeforeSuback");
  // PUBLISH QoS 0 "t" "x" (3.1.1), then SUBACK id 1 granting QoS 0.
  scripted_peer peer("30 04 0001 74 78 90 03 0001 00");
  raw_client c("c", codec::protocol_version::v3_1_1);
  ASSERT_TRUE(c.connect("127.0.0.1", peer.port()));
  received ack = c.expect_ack();
  ASSERT_NE(ack.as<codec::suback_packet>(), nullptr) << ack.describe();
  received later = c.expect_packet();
  const auto* p = later.as<codec::publish_packet>();
  ASSERT_NE(p, nullptr) << later.describe();
  EXPECT_EQ(p->topic, "t");
  EXPECT_EQ(c.expect_no_packet(std::chrono::milliseconds(50)).status, recv_status::timeout);
}

// What expect_ack set aside comes back in arrival order, before anything newer.
TEST(RawClient, SetAsidePublishesKeepTheirOrder) {
  test_context::current().begin("RawClient.SetAsidePublishesKeepTheirOrder");
  scripted_peer peer("30 04 0001 74 31 30 04 0001 74 32 40 02 0007 30 04 0001 74 33");
  raw_client c("c", codec::protocol_version::v3_1_1);
  ASSERT_TRUE(c.connect("127.0.0.1", peer.port()));
  received ack = c.expect_ack();
  ASSERT_NE(ack.as<codec::puback_packet>(), nullptr) << ack.describe();
  for (char want : {'1', '2', '3'}) {
    received r = c.expect_packet();
    const auto* p = r.as<codec::publish_packet>();
    ASSERT_NE(p, nullptr) << r.describe();
    EXPECT_EQ(p->payload, codec::byte_buffer{static_cast<std::uint8_t>(want)});
  }
}

// A 5.0-style DISCONNECT with a reason code sent to a 3.1.1 client, then a close: the
// close is observed as announced by an error, and the malformed packet is noted once for
// the server-packet-format report.
TEST(RawClient, MalformedDisconnectBeforeCloseIsNotedNotCounted) {
  test_context::current().begin("RawClient.MalformedDisconnectBeforeCloseIsNotedNotCounted");
  scripted_peer peer("E0 02 82 00", true);
  raw_client c("c", codec::protocol_version::v3_1_1);
  ASSERT_TRUE(c.connect("127.0.0.1", peer.port()));
  close_observation obs = c.expect_close();
  EXPECT_TRUE(obs.closed) << obs.describe();
  EXPECT_TRUE(obs.only_errors_before()) << obs.describe();
  const auto noted = test_context::current().malformed_server_packets();
  ASSERT_EQ(noted.size(), 1u);
  EXPECT_NE(noted[0].find("DISCONNECT"), std::string::npos) << noted[0];
  EXPECT_NE(noted[0].find("E0 02 82 00"), std::string::npos) << noted[0];
}

// Any other malformed packet before a close still fails a close check.
TEST(RawClient, MalformedPublishBeforeCloseIsNotAnErrorNotice) {
  test_context::current().begin("RawClient.MalformedPublishBeforeCloseIsNotAnErrorNotice");
  scripted_peer peer("38 04 0001 74 78", true);  // QoS 0 with DUP set
  raw_client c("c", codec::protocol_version::v3_1_1);
  ASSERT_TRUE(c.connect("127.0.0.1", peer.port()));
  close_observation obs = c.expect_close();
  EXPECT_FALSE(obs.only_errors_before()) << obs.describe();
}

}  // namespace
}  // namespace mqtt::cert
