// bench_payload_test.cpp: the payload stamp survives a round trip and its layout is fixed.
#include "bench/mqtt_bench/bench_payload.hpp"

#include <gtest/gtest.h>

namespace mqtt::bench {
namespace {

TEST(BenchPayload, StampRoundTrips) {
  codec::byte_buffer p(64, 0);
  const payload_stamp s{7, 0x0102030405060708u, 0x1122334455667788u};
  write_stamp(p, s);
  EXPECT_EQ(read_stamp(p), s);
}

TEST(BenchPayload, LayoutIsLittleEndianIndexSeqTime) {
  codec::byte_buffer p(payload_stamp_bytes, 0);
  write_stamp(p, {1, 2, 3});
  const codec::byte_buffer want{1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(p, want);
}

TEST(BenchPayload, ShortPayloadHasNoStamp) {
  codec::byte_buffer p(payload_stamp_bytes - 1, 0);
  EXPECT_FALSE(read_stamp(p).has_value());
}

}  // namespace
}  // namespace mqtt::bench
