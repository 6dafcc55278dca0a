#include "codec/packet_codec.hpp"

#include <gtest/gtest.h>

#include "codec/testing/packet_rejection_vectors.hpp"
#include "codec/testing/packet_test_vectors.hpp"

namespace mqtt::codec {
namespace {

using test::hex_bytes;
using v = protocol_version;

class DecodeVector : public ::testing::TestWithParam<test::packet_vector> {};

TEST_P(DecodeVector, GivesExactFields) {
  const auto& tv = GetParam();
  byte_buffer bytes = hex_bytes(tv.hex);
  decode_result r = decode_packet(bytes, tv.version);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_EQ(r.consumed, bytes.size());
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(type_of(*r.value), type_of(tv.value));
  EXPECT_TRUE(*r.value == tv.value) << tv.name;
}

TEST_P(DecodeVector, EveryPrefixNeedsMore) {
  const auto& tv = GetParam();
  byte_buffer bytes = hex_bytes(tv.hex);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    decode_result r = decode_packet(byte_view(bytes).first(n), tv.version);
    EXPECT_EQ(r.status, decode_status::need_more) << "prefix of " << n << " bytes";
  }
}

TEST_P(DecodeVector, StopsAtPacketEnd) {
  const auto& tv = GetParam();
  byte_buffer bytes = hex_bytes(tv.hex);
  const std::size_t size = bytes.size();
  bytes.push_back(0xC0);  // the start of a following PINGREQ
  decode_result r = decode_packet(bytes, tv.version);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_EQ(r.consumed, size);
}

std::string vector_name(const ::testing::TestParamInfo<test::packet_vector>& info) {
  std::string version = info.param.version == v::v5_0     ? "v5"
                        : info.param.version == v::v3_1_1 ? "v311"
                                                          : "v31";
  return info.param.name + "_" + version;
}

INSTANTIATE_TEST_SUITE_P(AllPackets, DecodeVector, ::testing::ValuesIn(test::packet_vectors()),
                         vector_name);

using test::rejection;

class DecodeRejection : public ::testing::TestWithParam<rejection> {};

TEST_P(DecodeRejection, GivesReasonCode) {
  const auto& c = GetParam();
  decode_result r = decode_packet(hex_bytes(c.hex), c.version);
  EXPECT_EQ(r.status, c.status) << decode_status_name(r.status) << ": " << r.why;
  EXPECT_EQ(r.code, c.code) << r.why;
  EXPECT_FALSE(r.value.has_value());
  EXPECT_FALSE(r.why.empty());
  if (!c.id.empty()) {
    EXPECT_NE(r.why.find("[" + c.id + "]"), std::string::npos) << r.why;
  }
}


std::string rejection_name(const ::testing::TestParamInfo<rejection>& info) {
  return info.param.name + (info.param.version == v::v5_0 ? "_v5" : "_v311");
}

INSTANTIATE_TEST_SUITE_P(AllPaths, DecodeRejection, ::testing::ValuesIn(test::rejections),
                         rejection_name);

TEST(DecodeFixedHeader, NonMinimalRemainingLengthIsAcceptedIn311) {
  decode_result r = decode_packet(hex_bytes("C0 80 00"), v::v3_1_1);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_EQ(r.consumed, 3u);
}

TEST(DecodeFixedHeader, OversizedPacketIsRefusedFromItsHeaderAlone) {
  decode_limits limits;
  limits.max_packet_size = 10;
  // Only the two header bytes of an 11-byte PUBLISH: no body needed to refuse it.
  decode_result r = decode_packet(hex_bytes("30 09"), v::v5_0, limits);
  EXPECT_EQ(r.status, decode_status::protocol_error);
  EXPECT_EQ(r.code, reason_code::packet_too_large);
  // Exactly at the limit is fine.
  r = decode_packet(hex_bytes("30 08 0003 612F62 00 6869"), v::v5_0, limits);
  EXPECT_EQ(r.status, decode_status::ok) << r.why;
}

TEST(DecodeFixedHeader, LargestRemainingLengthNeedsMore) {
  fixed_header_result h = decode_fixed_header(hex_bytes("30 FF FF FF 7F"), v::v5_0, {});
  ASSERT_EQ(h.error.status, decode_status::ok);
  EXPECT_EQ(h.header.remaining_length, 268'435'455u);
  EXPECT_EQ(h.header.header_size, 5u);
  EXPECT_EQ(decode_packet(hex_bytes("30 FF FF FF 7F 00"), v::v5_0).status,
            decode_status::need_more);
}

TEST(DecodeConnect, ProtocolNameWithNulIsQuotedInHexSoWhyIsAReasonString) {
  // Found by broker_session_fuzzer: the raw name went into `why`, then into a Reason String
  // with U+0000 in it [MQTT-1.5.4-2].
  decode_result r = decode_packet(hex_bytes("10 0D 0004 69000700 05 02 003C 00 0000"), v::v5_0);
  ASSERT_EQ(r.status, decode_status::protocol_error);
  EXPECT_EQ(r.code, reason_code::unsupported_protocol_version);
  EXPECT_EQ(validate_utf8(r.why, utf8_policy::reject_disallowed), utf8_status::ok) << r.why;
  EXPECT_NE(r.why.find("0x69000700"), std::string::npos) << r.why;
}

TEST(DecodeConnect, VersionComesFromTheProtocolLevel) {
  // A v5 CONNECT read on a connection that has not agreed a version yet (3.1.1 default).
  decode_result r = decode_packet(hex_bytes("10 0F 0004 4D515454 05 02 003C 00 0002 6331"),
                                  v::v3_1_1);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_EQ(std::get<connect_packet>(*r.value).version, v::v5_0);
}

TEST(DecodeUtf8, ByteOrderMarkIsKept) {
  // [MQTT-1.5.4-3] EF BB BF is U+FEFF and must not be skipped or stripped.
  decode_result r = decode_packet(hex_bytes("30 08 0004 EFBBBF61 6869"), v::v3_1_1);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_EQ(std::get<publish_packet>(*r.value).topic, "\xEF\xBB\xBF" "a");
}

TEST(DecodeUtf8, DisallowedCodePointsAreAPolicy) {
  byte_buffer bytes = hex_bytes("30 07 0003 61 01 62 6869");  // U+0001 in the topic
  EXPECT_EQ(decode_packet(bytes, v::v3_1_1).status, decode_status::ok);
  decode_limits strict;
  strict.utf8 = utf8_policy::reject_disallowed;
  EXPECT_EQ(decode_packet(bytes, v::v3_1_1, strict).status, decode_status::malformed);
}

TEST(DecodePublish, PayloadMayBeEmptyOrLarge) {
  decode_result r = decode_packet(hex_bytes("31 05 0003 612F62"), v::v3_1_1);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_TRUE(std::get<publish_packet>(*r.value).payload.empty());
  EXPECT_TRUE(std::get<publish_packet>(*r.value).retain);

  byte_buffer big = hex_bytes("30 87 80 01 0003 612F62");  // 16391-byte body
  big.resize(big.size() + 16386, 0xAB);
  r = decode_packet(big, v::v3_1_1);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_EQ(std::get<publish_packet>(*r.value).payload.size(), 16386u);
}

TEST(DecodePublish, SubscriptionIdentifierMayRepeat) {
  // Server to client: one per matching subscription (3.3.4).
  decode_result r = decode_packet(hex_bytes("30 0A 0003 612F62 04 0B 01 0B 02"), v::v5_0);
  ASSERT_EQ(r.status, decode_status::ok) << r.why;
  EXPECT_EQ(std::get<publish_packet>(*r.value).props.subscription_identifiers,
            (std::vector<std::uint32_t>{1, 2}));
}

}  // namespace
}  // namespace mqtt::codec
