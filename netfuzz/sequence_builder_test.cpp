// sequence_builder_test: a seed names the same sequences; sequences end with a PINGREQ;
// the repository's seed material loads.
#include "netfuzz/sequence_builder.hpp"

#include <gtest/gtest.h>

#include "netfuzz/seed_material.hpp"

using namespace mqtt::netfuzz;

TEST(NetfuzzSequenceBuilder, SameSeedSameBytes) {
  const auto m = load_seed_material(MQTTCERT_SOURCE_DIR "/corpora", MQTTCERT_SOURCE_DIR "/fuzz", nullptr);
  for (std::uint64_t n = 0; n < 200; ++n) {
    const auto a = build_sequence(7, n, "nf0", {}, m);
    const auto b = build_sequence(7, n, "nf0", {}, m);
    EXPECT_EQ(a.stream(), b.stream());
    EXPECT_EQ(a.recipe, b.recipe);
    const auto s = a.stream();
    ASSERT_GE(s.size(), 2u);
    EXPECT_EQ(s[s.size() - 2], 0xC0);
    EXPECT_EQ(s.back(), 0x00);
  }
  EXPECT_NE(build_sequence(7, 1, "nf0", {}, m).stream(), build_sequence(8, 1, "nf0", {}, m).stream());
}

TEST(NetfuzzSequenceBuilder, LoadsTheRepositorySeeds) {
  std::string notes;
  const auto m = load_seed_material(MQTTCERT_SOURCE_DIR "/corpora", MQTTCERT_SOURCE_DIR "/fuzz", &notes);
  EXPECT_FALSE(m.packets.empty()) << notes;
  EXPECT_FALSE(m.streams.empty()) << notes;
  EXPECT_FALSE(m.regressions.empty()) << notes;
  EXPECT_FALSE(m.tokens.empty()) << notes;
}

TEST(NetfuzzSequenceBuilder, DictLines) {
  mqtt::codec::byte_buffer t;
  ASSERT_TRUE(parse_dict_line("len_1=\"\\x00\\x01\"", t));
  EXPECT_EQ(t, (mqtt::codec::byte_buffer{0x00, 0x01}));
  ASSERT_TRUE(parse_dict_line("\"MQTT\"", t));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_FALSE(parse_dict_line("# comment", t));
  EXPECT_FALSE(parse_dict_line("", t));
}
