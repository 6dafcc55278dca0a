// seed_material.hpp: what the network fuzzer takes from the repository's fuzzing files:
// the seed corpora (one packet, or a framer stream), the dictionary tokens, and the
// regression inputs (with corpora/regressions/index.tsv when it is there).
#pragma once

#include <string>
#include <vector>

#include "codec/wire_types.hpp"

namespace mqtt::netfuzz {

struct regression_input {
  std::string name;
  codec::byte_buffer bytes;
  bool whole_stream = false;  // "stream": sent as it is; else one packet after a CONNECT
  std::vector<codec::protocol_version> versions;  // the CONNECT versions to put it behind
};

struct seed_material {
  std::vector<codec::byte_buffer> packets;  // corpora/decode_packet_fuzzer/*: one packet each
  std::vector<codec::byte_buffer> streams;  // corpora/framer_fuzzer/* without the chunk byte
  std::vector<codec::byte_buffer> tokens;   // fuzz/*.dict entries
  std::vector<regression_input> regressions;
};

// parse_dict_line reads one libFuzzer dictionary line (`name="\x10..."` or `"..."`);
// false for comments, blank lines and lines it cannot read.
bool parse_dict_line(const std::string& line, codec::byte_buffer& token);

// load_seed_material reads `corpora_dir` (the repository's corpora/) and the .dict files
// of `dict_dir` (its fuzz/). Missing folders give fewer seeds, never an error; `notes`
// says what was found, for the run's header.
seed_material load_seed_material(const std::string& corpora_dir, const std::string& dict_dir,
                                 std::string* notes);

}  // namespace mqtt::netfuzz
