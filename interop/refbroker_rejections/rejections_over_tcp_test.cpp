// rejections_over_tcp_test.cpp: every packet the codec's unit tests reject, sent to a
// running mqtt-refbroker over TCP (after a valid CONNECT where the packet is not itself a
// CONNECT). The broker must answer with nothing but an error CONNACK or DISCONNECT, close
// the connection, and keep serving new clients. Run it against an ASan build with
// MQTTCERT_REFBROKER=build/asan/reference-broker/mqtt-refbroker.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <unistd.h>

#include "codec/hex.hpp"
#include "codec/testing/packet_rejection_vectors.hpp"
#include "conformance/harness/broker_target.hpp"
#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/transcript.hpp"

namespace {

using namespace std::chrono_literals;
using mqtt::codec::test::rejection;
namespace codec = mqtt::codec;
namespace cert = mqtt::cert;

class RefbrokerRejects : public ::testing::TestWithParam<rejection> {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    broker_ = cert::broker_process::start_refbroker(cert::default_refbroker_path(), &error).release();
    ASSERT_NE(broker_, nullptr) << error;
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  // connected opens a client and, unless `skip_connect`, completes a CONNECT in `v`.
  std::unique_ptr<cert::raw_client> connected(codec::protocol_version v, bool skip_connect) {
    auto c = std::make_unique<cert::raw_client>("c");
    if (!c->connect(broker_->address())) {
      ADD_FAILURE() << "cannot reach the broker: " << c->connect_error();
      return nullptr;
    }
    if (skip_connect) return c;
    codec::connect_packet connect;
    connect.version = v;
    connect.client_id = "rejection-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    c->set_version(v);
    c->send_packet(connect);
    auto ack = c->expect_packet();
    const auto* connack = ack.as<codec::connack_packet>();
    if (!connack || connack->reason != 0) {
      ADD_FAILURE() << "setup CONNECT refused: " << ack.describe();
      return nullptr;
    }
    return c;
  }

  static inline cert::broker_process* broker_ = nullptr;
  static inline int counter_ = 0;
};

TEST_P(RefbrokerRejects, ClosesAndKeepsServing) {
  const rejection& r = GetParam();
  const auto started = std::chrono::steady_clock::now();
  auto bytes = codec::from_hex(r.hex);
  ASSERT_TRUE(bytes);
  const bool is_connect = !bytes->empty() && ((*bytes)[0] >> 4) == 1;
  auto c = connected(r.version, is_connect);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_bytes(*bytes));
  cert::close_observation seen = c->expect_close(2s);
  EXPECT_TRUE(seen.closed) << r.name << ": the broker kept the connection open; "
                           << seen.describe() << "\n"
                           << cert::format_transcripts({c->log()}, started);
  EXPECT_TRUE(seen.only_errors_before()) << r.name << ": " << seen.describe();

  // The broker survived: a new client still gets in.
  auto next = connected(codec::protocol_version::v5_0, false);
  EXPECT_TRUE(next) << "the broker stopped serving after " << r.name;
}

std::string rejection_name(const ::testing::TestParamInfo<rejection>& info) {
  return info.param.name + (info.param.version == codec::protocol_version::v5_0 ? "_v5" : "_v311");
}

INSTANTIATE_TEST_SUITE_P(CodecRejections, RefbrokerRejects,
                         ::testing::ValuesIn(mqtt::codec::test::rejections), rejection_name);

}  // namespace
