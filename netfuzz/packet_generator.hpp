// packet_generator.hpp: valid MQTT packets of every type, for 3.1.1 and 5.0, built from a
// fuzz_random so that a seed gives the same packets everywhere. Topics, ClientIDs and
// session lifetimes come from small fixed sets so that a long run against one broker
// keeps its sessions and retained messages bounded (growth would then be the broker's).
#pragma once

#include <string>

#include "codec/packets.hpp"
#include "netfuzz/sequence.hpp"

namespace mqtt::netfuzz {

// generate_connect returns a CONNECT of version `v` with ClientID `client_id`: clean
// start, sometimes a Will, User Name, Password and (5.0) properties, no lasting session.
codec::connect_packet generate_connect(fuzz_random& r, codec::protocol_version v,
                                       const std::string& client_id);

// generate_packet returns a valid packet of a type the client may send after CONNECT
// (PUBLISH most often), and now and then one only a server sends (CONNACK, SUBACK,
// UNSUBACK, PINGRESP) or a 5.0 AUTH, so the broker sees every type.
codec::packet generate_packet(fuzz_random& r, codec::protocol_version v);

// topic_pool is the fixed set of topic names generated PUBLISHes use.
const std::vector<std::string>& topic_pool();

}  // namespace mqtt::netfuzz
