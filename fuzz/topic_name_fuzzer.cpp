// topic_name_fuzzer: validate_topic_name on the input's bytes, checked against 4.7 worked
// out here: empty [MQTT-4.7.3-1], over 65,535 bytes [MQTT-4.7.3-3], U+0000
// [MQTT-4.7.3-2], '+' or '#' [MQTT-3.3.2-2], in that order. A valid name has no wildcard,
// is a valid filter matching itself (unless it spells a $share/ filter), and '#' matches
// it unless it starts with '$' [MQTT-4.7.2-1]. parse_shared_filter splits "$share/..."
// losslessly, and a valid shared filter has a non-empty ShareName without wildcards and a
// non-empty filter (4.8.2). Finally the decoder agrees: a QoS 0 PUBLISH with this Topic
// Name decodes, in 3.1.1 and 5.0, exactly when the name and its UTF-8 are valid.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/packet_codec.hpp"
#include "codec/topic.hpp"
#include "codec/utf8.hpp"
#include "codec/variable_byte_integer.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace mqtt::codec;
using namespace mqtt::fuzz;

namespace {

topic_status spec_name_status(std::string_view s) {
  if (s.empty()) return topic_status::empty;
  if (s.size() > 65'535) return topic_status::too_long;
  if (s.find('\0') != std::string_view::npos) return topic_status::null_character;
  if (s.find_first_of("+#") != std::string_view::npos) return topic_status::wildcard_in_name;
  return topic_status::ok;
}

void check_shared(std::string_view s, byte_view input) {
  const auto shared = parse_shared_filter(s);
  fuzz_check(shared.has_value() == s.starts_with("$share/"), "parse_shared_filter misread the prefix",
             input);
  if (!shared) return;
  std::string rebuilt = "$share/" + std::string(shared->share_name);
  if (s.size() > rebuilt.size()) rebuilt += "/" + std::string(shared->filter);
  fuzz_check(rebuilt == s, "parse_shared_filter lost bytes", input);
  if (validate_topic_filter(s) == topic_status::ok) {
    fuzz_check(!shared->share_name.empty() &&
                   shared->share_name.find_first_of("+#/") == std::string_view::npos &&
                   !shared->filter.empty(),
               "a bad shared filter was accepted [MQTT-4.8.2-1] [MQTT-4.8.2-2]", input);
  }
}

// publish_with_topic builds a QoS 0 PUBLISH whose Topic Name is `s` and no payload.
byte_buffer publish_with_topic(std::string_view s, protocol_version v) {
  const std::size_t remaining = 2 + s.size() + (is_v5(v) ? 1 : 0);
  byte_buffer out{0x30};
  encode_vbi(static_cast<std::uint32_t>(remaining), out);
  out.push_back(static_cast<std::uint8_t>(s.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(s.size() & 0xFF));
  out.insert(out.end(), s.begin(), s.end());
  if (is_v5(v)) out.push_back(0);  // Property Length 0
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(data, size);
  const std::string_view name(reinterpret_cast<const char*>(data), size);
  const topic_status status = validate_topic_name(name);
  fuzz_check(status == spec_name_status(name), "validate_topic_name disagrees with 4.7", input);
  check_shared(name, input);

  if (status == topic_status::ok) {
    fuzz_check(!has_wildcard(name), "a valid Topic Name has a wildcard", input);
    if (!parse_shared_filter(name)) {
      fuzz_check(validate_topic_filter(name) == topic_status::ok,
                 "a valid Topic Name is not a valid Topic Filter", input);
      fuzz_check(match_topic_filter(name, name), "a Topic Name does not match itself", input);
    }
    fuzz_check(match_topic_filter("#", name) != name.starts_with('$'),
               "'#' and a '$' topic [MQTT-4.7.2-1]", input);
  }

  if (size > 65'535) return 0;
  const bool valid = status == topic_status::ok && validate_utf8(name) == utf8_status::ok;
  for (const protocol_version v : {protocol_version::v3_1_1, protocol_version::v5_0}) {
    const decode_result r = decode_packet(publish_with_topic(name, v), v);
    if ((r.status == decode_status::ok) != valid) {
      fuzz_fail("PUBLISH decoding disagrees with validate_topic_name + validate_utf8: " + r.why,
                "input", input);
    }
  }
  return 0;
}
