// wire_format.hpp: human-readable dumps of MQTT packets for failure reports.
#pragma once

#include <string>

#include "codec/packets.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::cert {

// format_wire_hex writes one packet's bytes as upper-case hex with a space at each field
// boundary it can find (fixed header byte, Remaining Length, length-prefixed strings,
// packet identifier, properties, payload), e.g. "30 0E 0005 746F706963 7061796C6F6164".
// Bytes it cannot split are written as one run. Never throws on bad input.
std::string format_wire_hex(codec::byte_view bytes, codec::protocol_version v);

// packet_label returns the packet type name of the first byte ("PUBLISH", "type 0").
std::string packet_label(codec::byte_view bytes);

// reason_note returns " (Malformed Packet)"-style text for the reason code carried by a
// decoded packet (CONNACK, acks, DISCONNECT, AUTH), or "" when there is none.
std::string reason_note(const codec::packet& p, codec::protocol_version v);

}  // namespace mqtt::cert
