// mutator_test: each format-aware mutation produces the fault its name claims, as the
// codec's own decoder sees it.
#include "netfuzz/mutator.hpp"

#include <gtest/gtest.h>

#include "codec/packet_codec.hpp"
#include "netfuzz/packet_generator.hpp"

using namespace mqtt::codec;
using namespace mqtt::netfuzz;

namespace {

byte_buffer publish_qos1(protocol_version v) {
  publish_packet p;
  p.qos_level = qos::at_least_once;
  p.packet_id = 0x1234;
  p.topic = "nf/a";
  p.payload = {'h', 'i'};
  return encode_packet(p, v);
}

byte_buffer subscribe(protocol_version v) {
  subscribe_packet s;
  s.packet_id = 9;
  s.subscriptions = {{"nf/#", {}}, {"nf/b", {}}};
  return encode_packet(s, v);
}

byte_buffer connect_with_will(protocol_version v) {
  connect_packet c;
  c.version = v;
  c.client_id = "nf0";
  c.will = will_message{"nf/w", {1}, qos::at_least_once, false, {}};
  return encode_packet(c, v);
}

decode_result decode(const byte_buffer& b, protocol_version v) { return decode_packet(b, v); }

// expect_fault runs mutation `m` on `bytes` with many seeds and checks each result is
// rejected with a `why` containing `claim`.
void expect_fault(mutation m, const byte_buffer& bytes, protocol_version v, std::string_view claim) {
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    fuzz_random r(seed);
    auto out = mutate(m, bytes, v, r);
    ASSERT_TRUE(out) << mutation_name(m);
    auto d = decode(*out, v);
    EXPECT_TRUE(d.status == decode_status::malformed || d.status == decode_status::protocol_error)
        << mutation_name(m) << " seed " << seed << ": " << decode_status_name(d.status);
    EXPECT_NE(d.why.find(claim), std::string::npos) << mutation_name(m) << ": " << d.why;
  }
}

}  // namespace

TEST(NetfuzzMutator, WrongFlagsBreaksTheFixedHeaderFlags) {
  expect_fault(mutation::wrong_flags, subscribe(protocol_version::v5_0), protocol_version::v5_0,
               "fixed header flags");
  expect_fault(mutation::wrong_flags, encode_packet(pingreq_packet{}, protocol_version::v3_1_1),
               protocol_version::v3_1_1, "fixed header flags");
}

TEST(NetfuzzMutator, PublishQos3SetsBothQosBits) {
  expect_fault(mutation::publish_qos3, publish_qos1(protocol_version::v3_1_1),
               protocol_version::v3_1_1, "QoS bits are 11");
  fuzz_random r(1);
  EXPECT_FALSE(mutate(mutation::publish_qos3, subscribe(protocol_version::v5_0), protocol_version::v5_0, r));
}

TEST(NetfuzzMutator, VbiFiveBytesIsMalformed) {
  expect_fault(mutation::vbi_five_bytes, publish_qos1(protocol_version::v5_0), protocol_version::v5_0,
               "more than 4 bytes");
}

TEST(NetfuzzMutator, VbiNonMinimalIsMalformedIn5AndReadableIn311) {
  expect_fault(mutation::vbi_non_minimal, publish_qos1(protocol_version::v5_0), protocol_version::v5_0,
               "not minimally encoded");
  fuzz_random r(3);
  auto out = mutate(mutation::vbi_non_minimal, publish_qos1(protocol_version::v3_1_1),
                    protocol_version::v3_1_1, r);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->size(), publish_qos1(protocol_version::v3_1_1).size() + 1);
}

TEST(NetfuzzMutator, RemainingLengthLieChangesOnlyTheLength) {
  const auto original = publish_qos1(protocol_version::v3_1_1);
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    fuzz_random r(seed);
    auto out = mutate(mutation::remaining_length_lie, original, protocol_version::v3_1_1, r);
    ASSERT_TRUE(out);
    ASSERT_EQ(out->size(), original.size());
    EXPECT_NE((*out)[1], original[1]);
    EXPECT_EQ(byte_buffer(out->begin() + 2, out->end()), byte_buffer(original.begin() + 2, original.end()));
  }
}

TEST(NetfuzzMutator, InvalidUtf8IsRejectedAsUtf8) {
  expect_fault(mutation::invalid_utf8, publish_qos1(protocol_version::v5_0), protocol_version::v5_0,
               "UTF-8");
  expect_fault(mutation::invalid_utf8, subscribe(protocol_version::v3_1_1), protocol_version::v3_1_1,
               "UTF-8");
}

TEST(NetfuzzMutator, ReservedBitsAndQos3) {
  expect_fault(mutation::reserved_bits, connect_with_will(protocol_version::v3_1_1),
               protocol_version::v3_1_1, "reserved Connect Flags bit 0");
  expect_fault(mutation::reserved_bits, subscribe(protocol_version::v5_0), protocol_version::v5_0,
               "reserved bits");
  expect_fault(mutation::qos3_field, connect_with_will(protocol_version::v5_0), protocol_version::v5_0,
               "Will QoS is 3");
  expect_fault(mutation::qos3_field, subscribe(protocol_version::v3_1_1), protocol_version::v3_1_1,
               "QoS is 3");
}

TEST(NetfuzzMutator, PacketIdZero) {
  expect_fault(mutation::packet_id_zero, publish_qos1(protocol_version::v5_0), protocol_version::v5_0,
               "Packet Identifier is 0");
  expect_fault(mutation::packet_id_zero, subscribe(protocol_version::v3_1_1), protocol_version::v3_1_1,
               "Packet Identifier is 0");
}

TEST(NetfuzzMutator, PropertyMutationsBreakTheProperties) {
  const auto v = protocol_version::v5_0;
  expect_fault(mutation::property_unknown, publish_qos1(v), v, "PROPERTIES(");
  expect_fault(mutation::property_duplicate, publish_qos1(v), v, "more than once");
  expect_fault(mutation::property_duplicate, connect_with_will(v), v, "more than once");
  expect_fault(mutation::property_duplicate, subscribe(v), v, "more than once");
  expect_fault(mutation::property_wrong_place, publish_qos1(v), v, "is not allowed in");
  expect_fault(mutation::property_wrong_place, connect_with_will(v), v, "is not allowed in");
  expect_fault(mutation::property_wrong_place, subscribe(v), v, "is not allowed in");
  expect_fault(mutation::property_bad_value, connect_with_will(v), v, "Receive Maximum is 0");
  expect_fault(mutation::topic_alias_zero, publish_qos1(v), v, "Topic Alias is 0");
  fuzz_random r(0);
  EXPECT_FALSE(mutate(mutation::property_unknown, publish_qos1(protocol_version::v3_1_1),
                      protocol_version::v3_1_1, r));
}

TEST(NetfuzzMutator, TopicAliasHugeDecodesWithTheAlias) {
  fuzz_random r(0);
  auto out = mutate(mutation::topic_alias_huge, publish_qos1(protocol_version::v5_0), protocol_version::v5_0, r);
  ASSERT_TRUE(out);
  auto d = decode(*out, protocol_version::v5_0);
  ASSERT_EQ(d.status, decode_status::ok) << d.why;
  EXPECT_EQ(std::get<publish_packet>(*d.value).props.topic_alias, 65535);
}

TEST(NetfuzzMutator, StringLengthOffAndTruncateLeaveAnUnreadablePacket) {
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    fuzz_random r(seed);
    const auto original = publish_qos1(protocol_version::v5_0);
    auto cut = mutate(mutation::truncate, original, protocol_version::v5_0, r);
    ASSERT_TRUE(cut);
    EXPECT_LT(cut->size(), original.size());
    EXPECT_EQ(decode(*cut, protocol_version::v5_0).status, decode_status::need_more);
    auto off = mutate(mutation::string_length_off, original, protocol_version::v5_0, r);
    if (off) {
      EXPECT_NE(*off, original);
    }
  }
}

TEST(NetfuzzMutator, EveryMutationHasAName) {
  for (int i = 0; i < mutation_count; ++i) EXPECT_FALSE(mutation_name(static_cast<mutation>(i)).empty());
}
