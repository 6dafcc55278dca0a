// qos_flow.hpp: the QoS 1 and 2 acknowledgements one bench client owes and is owed (4.3).
#pragma once

#include <cstdint>

#include "bench/mqtt_bench/bench_connection.hpp"
#include "codec/packets.hpp"

namespace mqtt::bench {

// qos_flow counts one connection's acknowledgement state, both as sender of PUBLISHes
// and as receiver.
struct qos_flow {
  unsigned inflight = 0;          // our PUBLISHes with no PUBACK, PUBCOMP or refusing PUBREC yet
  std::uint64_t acked = 0;        // PUBACK (QoS 1) or PUBCOMP (QoS 2) received
  unsigned awaiting_pubrel = 0;   // QoS 2 PUBLISHes received and PUBREC sent, PUBREL not yet in
  std::uint16_t next_packet_id = 1;

  // take_packet_id returns the next Packet Identifier (1 to 65535, wrapping) and counts
  // one more PUBLISH in flight.
  std::uint16_t take_packet_id();
};

// flow_step says what answer_flow found in a packet.
enum class flow_step {
  publish,          // a PUBLISH: its PUBACK or PUBREC is queued; the caller reads the message
  acked,            // PUBACK or PUBCOMP of one of ours: one fewer in flight, one more acked
  puback_refused,   // PUBACK with an error Reason Code (counted acked, as it was answered)
  pubrec_refused,   // PUBREC with an error Reason Code: the QoS 2 flow ends there
  answered,         // PUBREC (PUBREL queued) or PUBREL (PUBCOMP queued)
  not_flow,         // any other packet: the caller's to handle
};

// answer_flow queues on `c` what the QoS flow requires in reply to `p` and updates `f`:
// PUBLISH QoS 1 -> PUBACK, QoS 2 -> PUBREC; PUBREC -> PUBREL; PUBREL -> PUBCOMP. Every
// reply is Reason Code 0. Never blocks; it only appends to c.out().
flow_step answer_flow(const codec::packet& p, qos_flow& f, bench_connection& c);

// flow_error names a refusal as error_counts counts it ("puback_failed",
// "pubrec_failed"); nullptr for every other step.
const char* flow_error(flow_step s);

}  // namespace mqtt::bench
