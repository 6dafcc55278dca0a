// qos_flow_test.cpp: what a bench client answers in the QoS 1 and 2 flows, read back as
// packets from its outbound queue (the connection is never opened).
#include "bench/mqtt_bench/qos_flow.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mqtt::bench {
namespace {

using namespace mqtt::codec;

std::vector<packet> sent(bench_connection& c) {
  std::vector<packet> out;
  byte_view rest(c.out().data(), c.out().size());
  while (!rest.empty()) {
    decode_result d = decode_packet(rest, c.version());
    if (d.status != decode_status::ok) break;
    out.push_back(*d.value);
    rest = rest.subspan(d.consumed);
  }
  return out;
}

class QosFlow : public ::testing::TestWithParam<protocol_version> {
 protected:
  bench_connection conn{GetParam()};
  qos_flow flow;
};

TEST_P(QosFlow, Qos1PublishIsAnsweredWithPuback) {
  publish_packet p;
  p.qos_level = qos::at_least_once;
  p.topic = "t";
  p.packet_id = 9;
  EXPECT_EQ(answer_flow(p, flow, conn), flow_step::publish);
  const auto out = sent(conn);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<puback_packet>(out[0]).packet_id, 9);
}

TEST_P(QosFlow, Qos2PublishWaitsForPubrelThenPubcomp) {
  publish_packet p;
  p.qos_level = qos::exactly_once;
  p.topic = "t";
  p.packet_id = 5;
  EXPECT_EQ(answer_flow(p, flow, conn), flow_step::publish);
  EXPECT_EQ(flow.awaiting_pubrel, 1u);
  EXPECT_EQ(answer_flow(pubrel_packet{5, reason_code::success, {}}, flow, conn), flow_step::answered);
  EXPECT_EQ(flow.awaiting_pubrel, 0u);
  const auto out = sent(conn);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<pubrec_packet>(out[0]).packet_id, 5);
  EXPECT_EQ(std::get<pubcomp_packet>(out[1]).packet_id, 5);
}

TEST_P(QosFlow, Qos0PublishIsNotAnswered) {
  publish_packet p;
  p.topic = "t";
  EXPECT_EQ(answer_flow(p, flow, conn), flow_step::publish);
  EXPECT_TRUE(conn.out().empty());
}

TEST_P(QosFlow, OwnQos2PublishCompletesThroughPubrelAndPubcomp) {
  const std::uint16_t id = flow.take_packet_id();
  EXPECT_EQ(flow.inflight, 1u);
  EXPECT_EQ(answer_flow(pubrec_packet{id, reason_code::success, {}}, flow, conn), flow_step::answered);
  EXPECT_EQ(flow.inflight, 1u);
  EXPECT_EQ(answer_flow(pubcomp_packet{id, reason_code::success, {}}, flow, conn), flow_step::acked);
  EXPECT_EQ(flow.inflight, 0u);
  EXPECT_EQ(flow.acked, 1u);
  const auto out = sent(conn);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<pubrel_packet>(out[0]).packet_id, id);
}

TEST_P(QosFlow, RefusedPubrecEndsTheFlowWithoutPubrel) {
  flow.take_packet_id();
  EXPECT_EQ(answer_flow(pubrec_packet{1, reason_code::quota_exceeded, {}}, flow, conn),
            flow_step::pubrec_refused);
  EXPECT_EQ(flow.inflight, 0u);
  EXPECT_EQ(flow.acked, 0u);
  EXPECT_TRUE(conn.out().empty());
}

TEST_P(QosFlow, RefusedPubackReleasesTheSlot) {
  flow.take_packet_id();
  EXPECT_EQ(answer_flow(puback_packet{1, reason_code::quota_exceeded, {}}, flow, conn),
            flow_step::puback_refused);
  EXPECT_EQ(flow.inflight, 0u);
}

TEST_P(QosFlow, OnlyRefusalsAreNamedAsErrors) {
  EXPECT_STREQ(flow_error(flow_step::puback_refused), "puback_failed");
  EXPECT_STREQ(flow_error(flow_step::pubrec_refused), "pubrec_failed");
  EXPECT_EQ(flow_error(flow_step::acked), nullptr);
  EXPECT_EQ(flow_error(flow_step::publish), nullptr);
}

TEST_P(QosFlow, PacketIdWrapsFrom65535To1) {
  flow.next_packet_id = 65535;
  EXPECT_EQ(flow.take_packet_id(), 65535);
  EXPECT_EQ(flow.take_packet_id(), 1);
}

TEST_P(QosFlow, OtherPacketsAreTheCallers) {
  EXPECT_EQ(answer_flow(connack_packet{}, flow, conn), flow_step::not_flow);
  EXPECT_TRUE(conn.out().empty());
}

INSTANTIATE_TEST_SUITE_P(Versions, QosFlow,
                         ::testing::Values(protocol_version::v3_1_1, protocol_version::v5_0));

}  // namespace
}  // namespace mqtt::bench
