// decode_typed_fuzzer.cpp: one packet decoder in one version, built once per row of
// fuzz/targets.tsv as decode_<type>_<v311|v5>_fuzzer with MQTT_FUZZ_TYPE (a packet_type
// name) and MQTT_FUZZ_VERSION (v3_1_1 or v5_0). Each binary's coverage and crashes are
// then that decoder's alone.
//
// The input is one whole packet, fixed header included. The high nibble of byte 1 is
// forced to the target's type (the low nibble, the flags, is kept), so mutations stay on
// this decoder. CONNECT takes its version from its own Protocol Level, not from the
// connection, so the CONNECT targets also force that byte when the input reaches it:
// 5 for v5; for v311 3 after the name "MQIsdp" (3.1) and 4 otherwise. The Protocol Name
// is left as it is, so a wrong name still reaches its rejection.
//
// Checks (fuzz/packet_checks.hpp): no crash; a failure carries an error Reason Code and a
// why; need_more only for a short input; what decodes is this type (for CONNECT, this
// version), consumed is the fixed header's packet size within the input, and it
// re-encodes to bytes that decode to an equal packet and re-encode identically.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "codec/variable_byte_integer.hpp"
#include "fuzz/packet_checks.hpp"

using namespace mqtt::codec;
using namespace mqtt::fuzz;

namespace {

constexpr packet_type fuzz_type = packet_type::MQTT_FUZZ_TYPE;
constexpr protocol_version fuzz_version = protocol_version::MQTT_FUZZ_VERSION;

// force_protocol_level rewrites the CONNECT Protocol Level, which follows the fixed header
// and the Protocol Name (3.1.2.1, 3.1.2.2), when the input is long enough to have one.
void force_protocol_level(byte_buffer& in) {
  const vbi_result length = decode_vbi(byte_view(in).subspan(1));
  if (length.status != vbi_status::ok && length.status != vbi_status::non_minimal) return;
  const std::size_t name_at = 1 + length.length;
  if (in.size() < name_at + 2) return;
  const std::size_t name_size = (std::size_t{in[name_at]} << 8) | in[name_at + 1];
  const std::size_t level_at = name_at + 2 + name_size;
  if (level_at >= in.size()) return;
  const std::string_view name(reinterpret_cast<const char*>(in.data() + name_at + 2), name_size);
  if (is_v5(fuzz_version)) {
    in[level_at] = 5;
  } else {
    in[level_at] = name == "MQIsdp" ? 3 : 4;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  byte_buffer input(data, data + size);
  input[0] = static_cast<std::uint8_t>((static_cast<unsigned>(fuzz_type) << 4) | (input[0] & 0x0F));
  if (fuzz_type == packet_type::connect) force_protocol_level(input);

  const decode_result r = decode_packet(input, fuzz_version);
  if (!check_decode(r, input, fuzz_version)) return 0;

  fuzz_check(type_of(*r.value) == fuzz_type, "decoded another packet type", input);
  if (const auto* c = std::get_if<connect_packet>(&*r.value)) {
    fuzz_check(is_v5(c->version) == is_v5(fuzz_version), "CONNECT decoded in the wrong version",
               input);
  }
  return 0;
}
