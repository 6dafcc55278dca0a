// mutator.hpp: format-aware mutations of one encoded MQTT packet. Each knows the wire
// layout (fixed header, Remaining Length, strings, Packet Identifier, properties) and
// breaks one field the way its name says, so the broker meets exactly that fault, not
// random noise (havoc and token splicing are there too, for what nobody thought of).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "codec/wire_types.hpp"
#include "netfuzz/sequence.hpp"

namespace mqtt::netfuzz {

enum class mutation : std::uint8_t {
  wrong_flags,          // fixed header flags other than the ones the type requires
  publish_qos3,         // PUBLISH with both QoS bits set
  remaining_length_lie, // Remaining Length 1 to 3 more or less than the body
  vbi_five_bytes,       // Remaining Length written in five bytes
  vbi_non_minimal,      // Remaining Length with a needless continuation byte
  string_length_off,    // a string's length +1, -1, 0 or 0xFFFF
  invalid_utf8,         // a string byte replaced by 0xFF, U+0000, or a surrogate inserted
  reserved_bits,        // CONNECT flags bit 0, or reserved bits of Subscription Options
  qos3_field,           // Will QoS or a subscription's QoS set to 3
  packet_id_zero,       // Packet Identifier 0 (PUBLISH QoS>0, SUBSCRIBE, UNSUBSCRIBE)
  property_unknown,     // 5.0: a property identifier that does not exist
  property_duplicate,   // 5.0: a property that may appear once, twice
  property_wrong_place, // 5.0: a property not allowed in this packet
  property_bad_value,   // 5.0: a value the spec forbids (Payload Format 2, Receive Maximum 0)
  topic_alias_zero,     // 5.0: PUBLISH with Topic Alias 0
  topic_alias_huge,     // 5.0: PUBLISH with Topic Alias 65535 (above any announced maximum)
  truncate,             // cut the packet short
  havoc,                // a few random byte changes, insertions or deletions
  splice_token,         // a dictionary token written over or into the packet
};
inline constexpr int mutation_count = 19;

std::string_view mutation_name(mutation m);

// mutate applies `m` to the encoded packet `bytes` (one whole packet as encode_packet
// writes it, in version `v`). nullopt when the mutation has no target in this packet
// (e.g. publish_qos3 on a SUBSCRIBE). `tokens` are dictionary entries for splice_token.
std::optional<codec::byte_buffer> mutate(mutation m, const codec::byte_buffer& bytes,
                                         codec::protocol_version v, fuzz_random& r,
                                         const std::vector<codec::byte_buffer>& tokens = {});

}  // namespace mqtt::netfuzz
