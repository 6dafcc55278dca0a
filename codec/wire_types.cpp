#include "codec/wire_types.hpp"

namespace mqtt::codec {

std::string_view protocol_version_name(protocol_version v) {
  switch (v) {
    case protocol_version::v3_1: return "3.1";
    case protocol_version::v3_1_1: return "3.1.1";
    case protocol_version::v5_0: return "5.0";
  }
  return "unknown";
}

std::string_view packet_type_name(packet_type t) {
  static constexpr std::string_view names[] = {
      "RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
      "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT",
      "AUTH"};
  auto i = static_cast<std::size_t>(t);
  return i < 16 ? names[i] : "UNKNOWN";
}

}  // namespace mqtt::codec
