// oracle.hpp: did the broker answer a sequence the way the spec allows?
//
// The bytes sent are decoded with the project's own codec, packet by packet, plus the
// rules that span packets (CONNECT first and once, Topic Alias against the CONNACK's
// maximum, nothing after DISCONNECT). The first packet the codec or those rules reject is
// "the fault"; what the broker sent and whether it closed are then judged against it.
//
// A false failure is the worst bug a certification tool can have, so a failure is only
// reported where the spec leaves the broker no choice:
//   - MQTT 5.0 4.13.1 [MQTT-4.13.1-1]: a Server that detects a Malformed Packet or Protocol
//     Error (with a Reason Code given) MUST close the Network Connection; before that it MAY
//     send a CONNACK (error in CONNECT) and SHOULD send a DISCONNECT, with the reason code.
//   - MQTT 3.1.1 4.8 [MQTT-4.8.0-1]: on a protocol violation the Server MUST close the
//     Network Connection.
// Both leave the rigor of checking to the receiver (5.0 4.13.1 lists the trade-offs), so
// only faults that a statement makes the receiver's duty are "strict" (must_close lists
// them); faults where the spec binds only the sender (Packet Identifier 0, DUP on QoS 0,
// wildcards in a Topic Name, a non-minimal Variable Byte Integer, ...) are noted, never
// failed. Closing is always allowed: a broker may close for its own limits at any time.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "codec/packet_codec.hpp"

namespace mqtt::netfuzz {

struct stream_fault {
  std::size_t packet_index = 0;          // 0 = the first packet of the connection
  codec::packet_type type = codec::packet_type::connect;
  std::string why;                        // codec reason or the cross-packet rule
  bool strict = false;                    // must_close(why): the broker has to close
  std::size_t offset = 0;                 // where the packet starts in the stream
  std::optional<std::uint16_t> packet_id; // its Packet Identifier, where the layout has one
  std::size_t later_pingreqs = 0;         // C0 00 pairs after it: PINGREQs it may hide
};

struct stream_analysis {
  codec::protocol_version version = codec::protocol_version::v5_0;  // the CONNECT's, else nominal
  std::size_t valid_packets = 0;          // whole packets before the fault (or the end)
  std::optional<stream_fault> fault;
  bool incomplete = false;                // no fault; the stream ends inside a packet
  // answers[t] is how many packets of type t the valid packets may draw from the broker
  // (CONNACK per CONNECT, PUBACK per QoS 1 PUBLISH, PINGRESP per PINGREQ, ...).
  std::array<int, 16> answers{};
  bool connect_has_auth_method = false;
  // (answer type, Packet Identifier) of each valid packet that draws an acknowledgement.
  std::vector<std::pair<codec::packet_type, std::uint16_t>> answered_ids;
};

// analyse_stream decodes what the client sent. `nominal` is the version to assume when
// the stream does not start with a CONNECT the codec reads. `topic_alias_maximum` is the
// broker's (from its CONNACK; absent there means 0), nullopt when no CONNACK was seen:
// then a Topic Alias cannot be judged and ends the strict part of the analysis.
stream_analysis analyse_stream(codec::byte_view stream, codec::protocol_version nominal,
                               std::optional<std::uint16_t> topic_alias_maximum);

// must_close says whether a fault (a codec `why` or a cross-packet rule) is one the spec
// makes the receiver detect, so that a broker that stays open is in breach.
bool must_close(std::string_view why);

// observation is what came back on the connection.
struct observation {
  std::vector<codec::packet> packets;   // what the broker sent, decoded, in order
  std::string broker_malformed;         // set when the broker sent bytes the codec rejects
  bool closed = false;                  // the broker closed (FIN or RST) within the wait
  bool answered_after_wait = false;     // still open at the end: a PINGREQ sent then got its PINGRESP
};

enum class verdict : std::uint8_t {
  ok,            // everything the broker did is allowed
  wrong_answer,  // it acknowledged, as if valid, a packet it must reject (failure)
  not_closed,    // it kept serving a connection it must close (failure)
  note,          // allowed, but worth counting (e.g. a non-strict fault left open)
};
std::string_view verdict_name(verdict v);

struct judgement {
  verdict outcome = verdict::ok;
  std::string what;  // one line: the fault and what the broker did
  std::string statement;  // the statement or section the failure is judged by
};

// topic_alias_maximum_of returns the Topic Alias Maximum of the first CONNACK in `o`
// (0 when it has none), nullopt when no CONNACK came.
std::optional<std::uint16_t> topic_alias_maximum_of(const observation& o);

// judge applies the rules above to one sequence: the bytes sent, the version meant, and
// what was observed.
judgement judge(codec::byte_view stream, codec::protocol_version nominal, const observation& o);

}  // namespace mqtt::netfuzz
