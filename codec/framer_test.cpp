#include "codec/framer.hpp"

#include <gtest/gtest.h>

#include <random>

#include "codec/testing/packet_test_vectors.hpp"

namespace mqtt::codec {
namespace {

using test::hex_bytes;
using v = protocol_version;

// stream_of concatenates every vector of one version, CONNECT first so the framer learns
// the version as a broker's would.
struct stream {
  byte_buffer bytes;
  std::vector<packet> packets;
  std::size_t largest = 0;
};

stream stream_of(protocol_version version) {
  stream s;
  connect_packet c;
  c.version = version;
  c.client_id = "framer";
  s.packets.push_back(c);
  encode_packet(c, version, s.bytes);
  s.largest = s.bytes.size();
  // 3.1 packets after CONNECT are laid out as in 3.1.1.
  const protocol_version body_version = version == v::v3_1 ? v::v3_1_1 : version;
  for (const auto& tv : test::packet_vectors()) {
    if (tv.version != body_version || std::holds_alternative<connect_packet>(tv.value)) continue;
    byte_buffer b = hex_bytes(tv.hex);
    s.largest = std::max(s.largest, b.size());
    s.bytes.insert(s.bytes.end(), b.begin(), b.end());
    s.packets.push_back(tv.value);
  }
  return s;
}

// drain takes every whole packet out of `f`, checking none fails.
void drain(framer& f, std::vector<packet>& got) {
  for (;;) {
    decode_result r = f.next();
    if (r.status == decode_status::need_more) return;
    ASSERT_EQ(r.status, decode_status::ok) << r.why;
    got.push_back(std::move(*r.value));
  }
}

class FramerChunks : public ::testing::TestWithParam<protocol_version> {};

TEST_P(FramerChunks, OneByteAtATime) {
  stream s = stream_of(GetParam());
  framer f(v::v3_1_1);
  std::vector<packet> got;
  for (std::uint8_t b : s.bytes) {
    f.feed(byte_view(&b, 1));
    drain(f, got);
    ASSERT_LE(f.buffered(), s.largest);
  }
  EXPECT_EQ(got, s.packets);
  EXPECT_EQ(f.buffered(), 0u);
  EXPECT_EQ(f.version(), GetParam());
}

TEST_P(FramerChunks, RandomChunkSizes) {
  stream s = stream_of(GetParam());
  std::mt19937 rng(20261125);  // fixed seed: a failure reproduces
  for (int round = 0; round < 200; ++round) {
    framer f;
    std::vector<packet> got;
    std::size_t pos = 0;
    while (pos < s.bytes.size()) {
      std::size_t n = std::uniform_int_distribution<std::size_t>(1, 64)(rng);
      n = std::min(n, s.bytes.size() - pos);
      f.feed(byte_view(s.bytes).subspan(pos, n));
      pos += n;
      drain(f, got);
      // Never more than one partial packet plus the last chunk.
      ASSERT_LE(f.buffered(), s.largest + n);
    }
    ASSERT_EQ(got, s.packets) << "round " << round;
  }
}

TEST_P(FramerChunks, AllAtOnce) {
  stream s = stream_of(GetParam());
  framer f;
  f.feed(s.bytes);
  std::vector<packet> got;
  drain(f, got);
  EXPECT_EQ(got, s.packets);
}

INSTANTIATE_TEST_SUITE_P(Versions, FramerChunks,
                         ::testing::Values(v::v3_1, v::v3_1_1, v::v5_0),
                         [](const auto& param_info) {
                           const protocol_version p = param_info.param;
                           return std::string(p == v::v5_0 ? "v5" : p == v::v3_1_1 ? "v311" : "v31");
                         });

TEST(Framer, OversizedPacketIsRefusedBeforeItsBody) {
  decode_limits limits;
  limits.max_packet_size = 1024;
  framer f(v::v5_0, limits);
  f.feed(hex_bytes("30 FF FF FF 7F"));  // announces 256 MiB
  decode_result r = f.next();
  EXPECT_EQ(r.status, decode_status::protocol_error);
  EXPECT_EQ(r.code, reason_code::packet_too_large);
  EXPECT_TRUE(f.failed());
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(Framer, FailureIsStickyAndDropsInput) {
  framer f(v::v3_1_1);
  f.feed(hex_bytes("36 09 0003 612F62 0001 6869 C0 00"));  // QoS 3 PUBLISH, then PINGREQ
  decode_result r = f.next();
  EXPECT_EQ(r.status, decode_status::malformed);
  EXPECT_EQ(r.code, reason_code::malformed_packet);
  f.feed(hex_bytes("C0 00"));
  EXPECT_EQ(f.buffered(), 0u);
  EXPECT_NE(f.next().status, decode_status::ok);
}

TEST(Framer, ConnectSetsTheVersionOfLaterPackets) {
  framer f(v::v5_0);
  // 3.1.1 CONNECT, then a 3.1.1 PUBLISH that would be malformed if read as 5.0
  // (its first payload byte would be taken as a Property Length).
  f.feed(hex_bytes("10 0E 0004 4D515454 04 02 003C 0002 6331  30 07 0003 612F62 6869"));
  ASSERT_EQ(f.next().status, decode_status::ok);
  EXPECT_EQ(f.version(), v::v3_1_1);
  decode_result r = f.next();
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_EQ(std::get<publish_packet>(*r.value).payload, test::bytes_of("hi"));
}

TEST(Framer, NeedMoreKeepsPartialHeader) {
  framer f(v::v5_0);
  f.feed(hex_bytes("30"));
  EXPECT_EQ(f.next().status, decode_status::need_more);
  f.feed(hex_bytes("87"));
  EXPECT_EQ(f.next().status, decode_status::need_more);
  EXPECT_EQ(f.buffered(), 2u);
  EXPECT_FALSE(f.failed());
}

}  // namespace
}  // namespace mqtt::codec
