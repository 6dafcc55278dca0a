#include "codec/packet_codec.hpp"

#include <gtest/gtest.h>

#include "codec/testing/packet_test_vectors.hpp"

namespace mqtt::codec {
namespace {

using test::hex_bytes;
using v = protocol_version;

class EncodeVector : public ::testing::TestWithParam<test::packet_vector> {};

TEST_P(EncodeVector, GivesExactBytes) {
  const auto& tv = GetParam();
  EXPECT_EQ(to_hex(encode_packet(tv.value, tv.version), " "),
            to_hex(hex_bytes(tv.hex), " "));
}

TEST_P(EncodeVector, DecodesBackToTheSamePacket) {
  const auto& tv = GetParam();
  byte_buffer bytes = encode_packet(tv.value, tv.version);
  decode_result r = decode_packet(bytes, tv.version);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_TRUE(*r.value == tv.value);
}

TEST_P(EncodeVector, AppendsAfterExistingBytes) {
  const auto& tv = GetParam();
  byte_buffer out = {0xAA, 0xBB};
  encode_packet(tv.value, tv.version, out);
  byte_buffer expected = {0xAA, 0xBB};
  byte_buffer body = hex_bytes(tv.hex);
  expected.insert(expected.end(), body.begin(), body.end());
  EXPECT_EQ(out, expected);
}

std::string vector_name(const ::testing::TestParamInfo<test::packet_vector>& info) {
  std::string version = info.param.version == v::v5_0     ? "v5"
                        : info.param.version == v::v3_1_1 ? "v311"
                                                          : "v31";
  return info.param.name + "_" + version;
}

INSTANTIATE_TEST_SUITE_P(AllPackets, EncodeVector, ::testing::ValuesIn(test::packet_vectors()),
                         vector_name);

TEST(EncodePublish, PropertiesAreLeftOutFor311) {
  publish_packet p;
  p.topic = "a/b";
  p.props.message_expiry_interval = 5;
  p.payload = test::bytes_of("hi");
  EXPECT_EQ(to_hex(encode_packet(p, v::v3_1_1), " "),
            to_hex(hex_bytes("30 07 0003 612F62 6869"), " "));
}

TEST(EncodePublish, RemainingLengthGrowsToFourBytes) {
  publish_packet p;
  p.topic = "t";
  p.payload.assign(2'097'152, 0x55);  // body 2097155 bytes: a 4-byte Remaining Length
  byte_buffer out = encode_packet(p, v::v3_1_1);
  ASSERT_EQ(out.size(), 1u + 4u + 3u + 2'097'152u);
  EXPECT_EQ(to_hex(byte_view(out).first(8), " "), "30 83 80 80 01 00 01 74");
  decode_result r = decode_packet(out, v::v3_1_1);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_EQ(std::get<publish_packet>(*r.value).payload.size(), 2'097'152u);
}

TEST(EncodeAck, ReasonWithoutPropertiesUsesTheThreeByteForm) {
  disconnect_packet d{reason_code::server_shutting_down, {}};
  EXPECT_EQ(to_hex(encode_packet(d, v::v5_0), " "), "E0 01 8B");
  EXPECT_EQ(to_hex(encode_packet(d, v::v3_1_1), " "), "E0 00");
}

TEST(EncodeString, OverlongStringIsACallerBug) {
  publish_packet p;
  p.topic.assign(65'536, 'a');
  EXPECT_THROW(encode_packet(p, v::v5_0), std::length_error);
}

TEST(PublishHead, SplitsAfterThePacketIdentifier) {
  for (auto v : {protocol_version::v3_1_1, protocol_version::v5_0}) {
    for (std::size_t payload : {std::size_t{0}, std::size_t{200}, std::size_t{20000}}) {
      properties props;
      props.user_properties.push_back({"k", "v"});
      const byte_buffer body(payload, 0x5A);
      byte_buffer wire;
      encode_publish({false, qos::at_least_once, false, "a/b", 0x1234, &props, body}, v, wire);
      const std::size_t head = publish_head_size(wire);
      ASSERT_GT(head, 0u);
      EXPECT_EQ(wire[head - 2], 0x12);
      EXPECT_EQ(wire[head - 1], 0x34);
      byte_buffer copy(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(head));
      set_publish_packet_id(copy, 7);
      copy.insert(copy.end(), wire.begin() + static_cast<std::ptrdiff_t>(head), wire.end());
      auto r = decode_packet(copy, v);
      ASSERT_EQ(r.status, decode_status::ok) << r.why;
      EXPECT_EQ(std::get<publish_packet>(*r.value).packet_id, 7);
    }
  }
}

TEST(PublishHead, RefusesWhatIsNotOneWholeQos1Or2Publish) {
  byte_buffer qos0;
  encode_publish({false, qos::at_most_once, false, "t", 0, nullptr, {}}, protocol_version::v5_0, qos0);
  EXPECT_EQ(publish_head_size(qos0), 0u);
  EXPECT_EQ(publish_head_size(byte_buffer{0xC0, 0x00}), 0u);               // PINGREQ
  EXPECT_EQ(publish_head_size(byte_buffer{0x32, 0x05, 0x00, 0x09}), 0u);   // cut short
  EXPECT_EQ(publish_head_size(byte_buffer{0x32, 0x80, 0x80, 0x80, 0x80}), 0u);  // bad length
  EXPECT_EQ(publish_head_size(byte_buffer{}), 0u);
}

}  // namespace
}  // namespace mqtt::codec
