// sequence_builder.hpp: makes sequence number N of a run from (seed, N) alone, so any
// sequence can be made again without the ones before it: a CONNECT (valid or mutated),
// a few generated packets with one mutated, corpus seeds and regressions, and faults that
// span packets (a second CONNECT, no CONNECT, packets after DISCONNECT). Every sequence
// ends with a PINGREQ, whose PINGRESP tells that the broker has read everything before it.
#pragma once

#include <string>
#include <vector>

#include "netfuzz/seed_material.hpp"
#include "netfuzz/sequence.hpp"

namespace mqtt::netfuzz {

struct builder_settings {
  std::vector<codec::protocol_version> versions = {codec::protocol_version::v3_1_1,
                                                   codec::protocol_version::v5_0};
};

// build_sequence returns sequence `number` of the run with `seed`. `client_id` names the
// connection's session (one per worker keeps the broker's session count bounded).
sequence build_sequence(std::uint64_t seed, std::uint64_t number, const std::string& client_id,
                        const builder_settings& settings, const seed_material& material);

}  // namespace mqtt::netfuzz
