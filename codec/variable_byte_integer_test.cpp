#include "codec/variable_byte_integer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mqtt::codec {
namespace {

std::string hex_of(const byte_buffer& b) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (std::uint8_t x : b) {
    if (!out.empty()) out += ' ';
    out += digits[x >> 4];
    out += digits[x & 0x0F];
  }
  return out;
}

struct boundary {
  std::uint32_t value;
  byte_buffer bytes;
};

// The table of 1.5.5 (MQTT 5.0) / 2.2.3 (3.1.1): the smallest and largest value of each
// length.
const std::vector<boundary>& boundaries() {
  static const std::vector<boundary> rows = {
      {0, {0x00}},
      {127, {0x7F}},
      {128, {0x80, 0x01}},
      {16'383, {0xFF, 0x7F}},
      {16'384, {0x80, 0x80, 0x01}},
      {2'097'151, {0xFF, 0xFF, 0x7F}},
      {2'097'152, {0x80, 0x80, 0x80, 0x01}},
      {268'435'455, {0xFF, 0xFF, 0xFF, 0x7F}},
  };
  return rows;
}

vbi_result decode(std::initializer_list<std::uint8_t> bytes) {
  byte_buffer b(bytes);
  return decode_vbi(b);
}

// ---- encode_vbi / vbi_size ---------------------------------------------------------------

TEST(VariableByteInteger, EncodesSpecBoundariesExactly) {
  for (const boundary& row : boundaries()) {
    SCOPED_TRACE(row.value);
    byte_buffer out;
    encode_vbi(row.value, out);
    EXPECT_EQ(hex_of(out), hex_of(row.bytes));
    EXPECT_EQ(vbi_size(row.value), row.bytes.size());
  }
}

TEST(VariableByteInteger, EncodeAppends) {
  byte_buffer out{0x30};
  encode_vbi(321, out);
  EXPECT_EQ(hex_of(out), "30 C1 02");
}

TEST(VariableByteInteger, MaxIsVbiMax) {
  EXPECT_EQ(vbi_max, 268'435'455u);
  EXPECT_EQ(vbi_max, max_remaining_length);
}

// ---- decode_vbi --------------------------------------------------------------------------

TEST(VariableByteInteger, DecodesSpecBoundariesExactly) {
  for (const boundary& row : boundaries()) {
    SCOPED_TRACE(row.value);
    vbi_result r = decode_vbi(row.bytes);
    EXPECT_EQ(r.status, vbi_status::ok);
    EXPECT_EQ(r.value, row.value);
    EXPECT_EQ(r.length, row.bytes.size());
  }
}

TEST(VariableByteInteger, DecodeStopsAtTheLastByte) {
  // Bytes after the integer belong to the caller.
  for (const boundary& row : boundaries()) {
    SCOPED_TRACE(row.value);
    byte_buffer b = row.bytes;
    b.insert(b.end(), {0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
    vbi_result r = decode_vbi(b);
    EXPECT_EQ(r.status, vbi_status::ok);
    EXPECT_EQ(r.value, row.value);
    EXPECT_EQ(r.length, row.bytes.size());
  }
}

TEST(VariableByteInteger, EmptyInputNeedsMore) {
  vbi_result r = decode_vbi(byte_view{});
  EXPECT_EQ(r.status, vbi_status::need_more);
}

TEST(VariableByteInteger, TruncatedInputNeedsMore) {
  // Every proper prefix of a multi-byte encoding ends on a continuation bit.
  for (const boundary& row : boundaries()) {
    for (std::size_t n = 0; n < row.bytes.size(); ++n) {
      SCOPED_TRACE(std::to_string(row.value) + " cut to " + std::to_string(n) + " bytes");
      vbi_result r = decode_vbi(byte_view(row.bytes).first(n));
      EXPECT_EQ(r.status, vbi_status::need_more);
    }
  }
  EXPECT_EQ(decode({0x80}).status, vbi_status::need_more);
  EXPECT_EQ(decode({0xFF, 0xFF}).status, vbi_status::need_more);
  EXPECT_EQ(decode({0xFF, 0xFF, 0xFF}).status, vbi_status::need_more);
}

TEST(VariableByteInteger, FifthByteIsTooLong) {
  // The fourth byte has its continuation bit set: a fifth byte would be needed, which 1.5.5
  // does not allow (Malformed). Decided without waiting for the fifth byte.
  EXPECT_EQ(decode({0xFF, 0xFF, 0xFF, 0xFF}).status, vbi_status::too_long);
  EXPECT_EQ(decode({0x80, 0x80, 0x80, 0x80}).status, vbi_status::too_long);
  EXPECT_EQ(decode({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}).status, vbi_status::too_long);
  EXPECT_EQ(decode({0x80, 0x80, 0x80, 0x80, 0x01}).status, vbi_status::too_long);
  EXPECT_EQ(decode({0x80, 0x80, 0x80, 0x80, 0x00}).status, vbi_status::too_long);
}

TEST(VariableByteInteger, NonMinimalEncodingIsReported) {
  // [MQTT-1.5.5-1] The fewest bytes must be used; decode_vbi reports the value and
  // leaves the verdict to the caller.
  SCOPED_TRACE("MQTT-1.5.5-1");
  struct nm {
    byte_buffer bytes;
    std::uint32_t value;
  };
  const nm cases[] = {
      {{0x80, 0x00}, 0},
      {{0x81, 0x00}, 1},
      {{0xFF, 0x00}, 127},
      {{0xFF, 0x80, 0x00}, 127},
      {{0x80, 0x80, 0x00}, 0},
      {{0x80, 0x80, 0x80, 0x00}, 0},
      {{0xFF, 0xFF, 0x00}, 16'383},
      {{0xFF, 0xFF, 0xFF, 0x00}, 2'097'151},
      {{0x80, 0x81, 0x00}, 128},
  };
  for (const nm& c : cases) {
    SCOPED_TRACE(hex_of(c.bytes));
    vbi_result r = decode_vbi(c.bytes);
    EXPECT_EQ(r.status, vbi_status::non_minimal);
    EXPECT_EQ(r.value, c.value);
    EXPECT_EQ(r.length, c.bytes.size());
  }
}

TEST(VariableByteInteger, ZeroInsideIsStillMinimal) {
  // Only a zero *last* byte makes an encoding longer than needed.
  vbi_result r = decode({0x80, 0x01});
  EXPECT_EQ(r.status, vbi_status::ok);
  EXPECT_EQ(r.value, 128u);
  r = decode({0x80, 0x80, 0x01});
  EXPECT_EQ(r.status, vbi_status::ok);
  EXPECT_EQ(r.value, 16'384u);
  r = decode({0x80, 0x80, 0x80, 0x01});
  EXPECT_EQ(r.status, vbi_status::ok);
  EXPECT_EQ(r.value, 2'097'152u);
}

TEST(VariableByteInteger, RoundTripsAcrossTheRange) {
  std::vector<std::uint32_t> values;
  for (std::uint32_t v = 0; v < 70'000; ++v) values.push_back(v);
  for (std::uint32_t v = 70'000; v < vbi_max; v += 997) values.push_back(v);
  for (const boundary& row : boundaries()) {
    for (std::uint32_t d : {0u, 1u}) {
      if (row.value >= d) values.push_back(row.value - d);
      if (row.value + d <= vbi_max) values.push_back(row.value + d);
    }
  }
  for (std::uint32_t v : values) {
    byte_buffer out;
    encode_vbi(v, out);
    ASSERT_EQ(out.size(), vbi_size(v)) << v;
    ASSERT_LE(out.size(), 4u) << v;
    vbi_result r = decode_vbi(out);
    ASSERT_EQ(r.status, vbi_status::ok) << v;
    ASSERT_EQ(r.value, v);
    ASSERT_EQ(r.length, out.size()) << v;
  }
}

TEST(VariableByteInteger, EveryTwoByteInputIsClassified) {
  // Exhaustive over two bytes: one-byte values, minimal and non-minimal two-byte forms and
  // truncation are told apart.
  for (unsigned a = 0; a <= 0xFF; ++a) {
    for (unsigned b = 0; b <= 0xFF; ++b) {
      byte_buffer in{static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b)};
      vbi_result r = decode_vbi(in);
      if (a < 0x80) {
        ASSERT_EQ(r.status, vbi_status::ok);
        ASSERT_EQ(r.value, a);
        ASSERT_EQ(r.length, 1u);
      } else if (b >= 0x80) {
        ASSERT_EQ(r.status, vbi_status::need_more);
      } else {
        ASSERT_EQ(r.status, b == 0 ? vbi_status::non_minimal : vbi_status::ok);
        ASSERT_EQ(r.value, (a & 0x7Fu) + 128u * b);
        ASSERT_EQ(r.length, 2u);
      }
    }
  }
}

}  // namespace
}  // namespace mqtt::codec
