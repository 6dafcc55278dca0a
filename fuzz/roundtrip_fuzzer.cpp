// roundtrip_fuzzer.cpp: the differential target, built as roundtrip_v311_fuzzer and
// roundtrip_v5_fuzzer (MQTT_FUZZ_VERSION from fuzz/targets.tsv). The input is any packet.
// What decodes must survive decode -> encode -> decode unchanged, and encode(decode(
// encode(p))) must be byte-identical to encode(p); on a mismatch it aborts printing both
// hex forms. Then three pairs of codec paths that must agree on the same packet:
//   - framer (fed in two chunks, split by the input's last byte) and decode_packet;
//   - encode_publish (the broker's fan-out path) and encode_packet, for PUBLISH;
//   - publish_head_size + set_publish_packet_id (shared-body fan-out) and a re-encode
//     with the new Packet Identifier, for QoS 1 and 2 PUBLISH.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "codec/framer.hpp"
#include "fuzz/packet_checks.hpp"

using namespace mqtt::codec;
using namespace mqtt::fuzz;

namespace {

constexpr protocol_version fuzz_version = protocol_version::MQTT_FUZZ_VERSION;

void check_framer_agrees(byte_view input, const decode_result& direct) {
  framer f(fuzz_version);
  const std::size_t split = input.back() % (input.size() + 1);
  f.feed(input.first(split));
  decode_result framed = f.next();
  f.feed(input.subspan(split));
  if (framed.status == decode_status::need_more) framed = f.next();
  fuzz_check(framed.status == direct.status, "framer and decode_packet disagree on status", input);
  fuzz_check(framed.code == direct.code, "framer and decode_packet disagree on the reason", input);
  if (direct.status != decode_status::ok) return;
  fuzz_check(framed.consumed == direct.consumed && framed.value && *framed.value == *direct.value,
             "framer and decode_packet decode different packets", input);
  fuzz_check(f.buffered() == input.size() - direct.consumed, "framer kept the wrong tail", input);
}

void check_publish_paths(const publish_packet& p, byte_view input) {
  const byte_buffer whole = encode_packet(p, fuzz_version);
  byte_buffer viewed;
  encode_publish({p.dup, p.qos_level, p.retain, p.topic, p.packet_id, &p.props, p.payload},
                 fuzz_version, viewed);
  if (viewed != whole) fuzz_fail("encode_publish != encode_packet", "encode_packet ", whole,
                                 "encode_publish", viewed);

  const std::size_t head = publish_head_size(whole);
  if (p.qos_level == qos::at_most_once) {
    fuzz_check(head == 0, "publish_head_size cut a QoS 0 PUBLISH", input);
    return;
  }
  fuzz_check(head >= 5 && head <= whole.size(), "publish_head_size out of range", input);
  publish_packet renumbered = p;
  renumbered.packet_id = static_cast<std::uint16_t>(p.packet_id % 65535 + 1);  // never 0
  byte_buffer patched = whole;
  set_publish_packet_id(std::span(patched).first(head), renumbered.packet_id);
  const byte_buffer expected = encode_packet(renumbered, fuzz_version);
  if (patched != expected) fuzz_fail("set_publish_packet_id != re-encode with the new id",
                                     "re-encoded", expected, "patched   ", patched);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const byte_view input(data, size);
  const decode_result r = decode_packet(input, fuzz_version);
  check_framer_agrees(input, r);
  if (!check_decode(r, input, fuzz_version)) return 0;
  if (const auto* p = std::get_if<publish_packet>(&*r.value)) check_publish_paths(*p, input);
  return 0;
}
