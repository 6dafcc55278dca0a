// qos_flow.cpp: replies to PUBLISH, PUBACK, PUBREC, PUBREL and PUBCOMP.
#include "bench/mqtt_bench/qos_flow.hpp"

#include <variant>

namespace mqtt::bench {

using namespace mqtt::codec;

std::uint16_t qos_flow::take_packet_id() {
  const std::uint16_t id = next_packet_id;
  next_packet_id = static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
  ++inflight;
  return id;
}

flow_step answer_flow(const packet& p, qos_flow& f, bench_connection& c) {
  auto release = [&f] {
    if (f.inflight > 0) --f.inflight;
  };
  if (const auto* pub = std::get_if<publish_packet>(&p)) {
    if (pub->qos_level == qos::at_least_once) {
      c.queue(puback_packet{pub->packet_id, reason_code::success, {}});
    } else if (pub->qos_level == qos::exactly_once) {
      c.queue(pubrec_packet{pub->packet_id, reason_code::success, {}});
      ++f.awaiting_pubrel;
    }
    return flow_step::publish;
  }
  if (const auto* ack = std::get_if<puback_packet>(&p)) {
    release();
    ++f.acked;
    return is_error(ack->reason) ? flow_step::puback_refused : flow_step::acked;
  }
  if (const auto* rec = std::get_if<pubrec_packet>(&p)) {
    if (is_error(rec->reason)) {
      release();
      return flow_step::pubrec_refused;
    }
    c.queue(pubrel_packet{rec->packet_id, reason_code::success, {}});
    return flow_step::answered;
  }
  if (const auto* rel = std::get_if<pubrel_packet>(&p)) {
    if (f.awaiting_pubrel > 0) --f.awaiting_pubrel;
    c.queue(pubcomp_packet{rel->packet_id, reason_code::success, {}});
    return flow_step::answered;
  }
  if (std::holds_alternative<pubcomp_packet>(p)) {
    release();
    ++f.acked;
    return flow_step::acked;
  }
  return flow_step::not_flow;
}

const char* flow_error(flow_step s) {
  switch (s) {
    case flow_step::puback_refused:
      return "puback_failed";
    case flow_step::pubrec_refused:
      return "pubrec_failed";
    default:
      return nullptr;
  }
}

}  // namespace mqtt::bench
