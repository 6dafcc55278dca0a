// seed_sink.hpp: where the seed generator puts what it makes. Seeds go to
// <root>/<target>/<sha256 of content> (so identical seeds collapse and names never collide);
// regression inputs go to a named file plus a row of regressions/index.tsv.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "codec/packet_codec.hpp"

namespace mqtt::fuzz_seeds {

using namespace mqtt::codec;

class seed_sink {
 public:
  explicit seed_sink(std::filesystem::path root) : root_(std::move(root)) {}

  // add writes one seed for `target` (a corpus folder name such as decode_packet_fuzzer).
  void add(std::string_view target, byte_view bytes);
  void add(std::string_view target, std::string_view text);

  // counts says how many distinct seeds each target received.
  const std::map<std::string, std::size_t>& counts() const { return counts_; }

 private:
  std::filesystem::path root_;
  std::map<std::string, std::size_t> counts_;
};

// checked_encode encodes `p` for `v` and checks that it decodes back to the same packet,
// so every generated seed is a valid packet (a generator bug stops the run).
byte_buffer checked_encode(const packet& p, protocol_version v);

// sha256_hex is the lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(byte_view bytes);

// The generators, one per file.
void add_packet_seeds(seed_sink& sink);   // packet_seeds.cpp: decode_*, roundtrip_*, properties_*
void add_text_seeds(seed_sink& sink);     // text_seeds.cpp: vbi, utf8, topic name/filter
void add_stream_seeds(seed_sink& sink);   // stream_seeds.cpp: framer and broker sessions
// regression_inputs.cpp: writes <dir>/<name> for each known bug and <dir>/index.tsv.
void write_regression_inputs(const std::filesystem::path& dir);

}  // namespace mqtt::fuzz_seeds
