#include "codec/hex.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mqtt::codec {
namespace {

// ---- to_hex ------------------------------------------------------------------------------

TEST(ToHex, EmptyIsEmpty) {
  EXPECT_EQ(to_hex(byte_view{}), "");
  EXPECT_EQ(to_hex(byte_view{}, " "), "");
}

TEST(ToHex, UpperCasePairsWithoutSeparatorByDefault) {
  byte_buffer b{0x00, 0x0E, 0x30, 0xAB, 0xFF};
  EXPECT_EQ(to_hex(b), "000E30ABFF");
}

TEST(ToHex, SeparatorGoesBetweenPairsOnly) {
  byte_buffer one{0xE0};
  EXPECT_EQ(to_hex(one, " "), "E0");
  byte_buffer disconnect{0xE0, 0x01, 0x81};
  EXPECT_EQ(to_hex(disconnect, " "), "E0 01 81");
  EXPECT_EQ(to_hex(disconnect, ", "), "E0, 01, 81");
}

TEST(ToHex, EveryByteValue) {
  static constexpr std::string_view digits = "0123456789ABCDEF";
  for (unsigned v = 0; v <= 0xFF; ++v) {
    byte_buffer b{static_cast<std::uint8_t>(v)};
    std::string want{digits[v >> 4], digits[v & 0x0F]};
    EXPECT_EQ(to_hex(b), want);
  }
}

// ---- from_hex ----------------------------------------------------------------------------

TEST(FromHex, EmptyIsAnEmptyBuffer) {
  auto b = from_hex("");
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->empty());
  b = from_hex("   ");
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->empty());
}

TEST(FromHex, ReadsFieldSpacedPackets) {
  // The Mosquitto-style spacing at field boundaries of STYLE.md.
  auto b = from_hex("30 0E 0005 746F706963 7061796C6F6164");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, (byte_buffer{0x30, 0x0E, 0x00, 0x05, 't', 'o', 'p', 'i', 'c', 'p', 'a', 'y',
                             'l', 'o', 'a', 'd'}));
}

TEST(FromHex, AcceptsBothCases) {
  auto b = from_hex("abCDeF");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, (byte_buffer{0xAB, 0xCD, 0xEF}));
}

TEST(FromHex, IgnoresNewlinesAndTabs) {
  auto b = from_hex("E0 01\n\t81\n");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, (byte_buffer{0xE0, 0x01, 0x81}));
}

TEST(FromHex, SpacesInsideAPairAreIgnoredToo) {
  // "ignoring spaces" is literal: digits pair up regardless of where spaces fall.
  auto b = from_hex("3 0");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, (byte_buffer{0x30}));
}

TEST(FromHex, OddDigitCountIsRejected) {
  EXPECT_FALSE(from_hex("A").has_value());
  EXPECT_FALSE(from_hex("ABC").has_value());
  EXPECT_FALSE(from_hex("30 0E 0").has_value());
}

TEST(FromHex, OtherCharactersAreRejected) {
  for (std::string_view bad : {"0G", "0x30", "30-0E", "30,0E", "30:0E", "zz", "3O",
                               "\xC3\xA9"}) {
    SCOPED_TRACE(std::string(bad));
    EXPECT_FALSE(from_hex(bad).has_value());
  }
}

TEST(FromHex, RoundTripsEveryByteValue) {
  byte_buffer all;
  for (unsigned v = 0; v <= 0xFF; ++v) all.push_back(static_cast<std::uint8_t>(v));
  for (std::string_view sep : {"", " ", "\n"}) {
    auto back = from_hex(to_hex(all, sep));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, all);
  }
  auto lower = from_hex("000102");
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(to_hex(*lower), "000102");
}

}  // namespace
}  // namespace mqtt::codec
