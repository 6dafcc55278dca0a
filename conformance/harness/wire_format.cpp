#include "conformance/harness/wire_format.hpp"

#include <variant>

#include "codec/hex.hpp"
#include "codec/reason_code.hpp"
#include "codec/variable_byte_integer.hpp"

namespace mqtt::cert {
namespace {

// field_splitter cuts a byte view into consecutive fields; a field that would run past
// the end takes whatever is left, so truncated packets still print.
class field_splitter {
 public:
  explicit field_splitter(codec::byte_view b) : bytes_(b) {}

  bool done() const { return pos_ >= bytes_.size(); }
  std::size_t left() const { return bytes_.size() - pos_; }

  void take(std::size_t n) {
    n = std::min(n, left());
    if (n == 0) return;
    if (!out_.empty()) out_ += ' ';
    out_ += codec::to_hex(bytes_.subspan(pos_, n));
    pos_ += n;
  }
  // take_string takes a Two Byte Integer length and the bytes it counts, as two fields.
  void take_string() {
    if (left() < 2) return take(left());
    std::size_t n = (std::size_t{bytes_[pos_]} << 8) | bytes_[pos_ + 1];
    take(2);
    take(n);
  }
  // take_vbi takes a Variable Byte Integer and returns its value (0 if unreadable).
  std::uint32_t take_vbi() {
    auto r = codec::decode_vbi(bytes_.subspan(pos_));
    if (r.status != codec::vbi_status::ok && r.status != codec::vbi_status::non_minimal) {
      take(std::min<std::size_t>(left(), 4));
      return 0;
    }
    take(r.length);
    return r.value;
  }
  // take_properties takes a Property Length and the property block as two fields.
  void take_properties() { take(take_vbi()); }
  void take_rest() { take(left()); }
  std::string str() && { return std::move(out_); }

 private:
  codec::byte_view bytes_;
  std::size_t pos_ = 0;
  std::string out_;
};

}  // namespace

std::string packet_label(codec::byte_view bytes) {
  if (bytes.empty()) return "(empty)";
  unsigned t = bytes[0] >> 4;
  if (t == 0) return "type 0";
  return std::string(codec::packet_type_name(static_cast<codec::packet_type>(t)));
}

std::string format_wire_hex(codec::byte_view bytes, codec::protocol_version v) {
  field_splitter f(bytes);
  if (bytes.empty()) return "";
  f.take(1);
  std::uint32_t remaining = f.take_vbi();
  (void)remaining;
  const bool v5 = codec::is_v5(v);
  const unsigned type = bytes[0] >> 4;
  const unsigned qos_bits = (bytes[0] >> 1) & 3U;
  switch (static_cast<codec::packet_type>(type)) {
    case codec::packet_type::connect: {
      f.take_string();  // protocol name
      std::uint8_t level = f.left() > 0 ? bytes[bytes.size() - f.left()] : 0;
      f.take(1);        // level
      f.take(1);        // flags
      f.take(2);        // keep alive
      if (level == 5) f.take_properties();
      f.take_string();  // client id; will, user name and password follow as one run
      f.take_rest();
      break;
    }
    case codec::packet_type::connack:
      f.take(1);
      f.take(1);
      if (v5) f.take_properties();
      break;
    case codec::packet_type::publish:
      f.take_string();
      if (qos_bits != 0) f.take(2);
      if (v5) f.take_properties();
      break;
    case codec::packet_type::puback:
    case codec::packet_type::pubrec:
    case codec::packet_type::pubrel:
    case codec::packet_type::pubcomp:
      f.take(2);
      if (v5) {
        f.take(1);
        f.take_properties();
      }
      break;
    case codec::packet_type::subscribe:
    case codec::packet_type::unsubscribe:
      f.take(2);
      if (v5) f.take_properties();
      while (!f.done()) {
        f.take_string();
        if (static_cast<codec::packet_type>(type) == codec::packet_type::subscribe) f.take(1);
      }
      break;
    case codec::packet_type::suback:
    case codec::packet_type::unsuback:
      f.take(2);
      if (v5) f.take_properties();
      break;
    case codec::packet_type::disconnect:
    case codec::packet_type::auth:
      f.take(1);
      f.take_properties();
      break;
    default:
      break;
  }
  f.take_rest();
  return std::move(f).str();
}

std::string reason_note(const codec::packet& p, codec::protocol_version v) {
  auto note = [&](std::uint8_t value) {
    auto t = codec::type_of(p);
    if (!codec::is_v5(v)) {
      if (t == codec::packet_type::connack)
        return " (" + std::string(codec::connect_return_code_name(value)) + ")";
      if (t != codec::packet_type::suback) return std::string();
      return value == 0x80 ? std::string(" (Failure)") : std::string();
    }
    return " (" + std::string(codec::reason_code_name(value, t)) + ")";
  };
  return std::visit(
      [&](const auto& pk) -> std::string {
        using T = std::decay_t<decltype(pk)>;
        if constexpr (std::is_same_v<T, codec::connack_packet>) {
          return note(pk.reason);
        } else if constexpr (std::is_same_v<T, codec::disconnect_packet> ||
                             std::is_same_v<T, codec::auth_packet> ||
                             std::is_same_v<T, codec::puback_packet> ||
                             std::is_same_v<T, codec::pubrec_packet> ||
                             std::is_same_v<T, codec::pubrel_packet> ||
                             std::is_same_v<T, codec::pubcomp_packet>) {
          if (!codec::is_v5(v)) return "";
          return note(static_cast<std::uint8_t>(pk.reason));
        } else if constexpr (std::is_same_v<T, codec::suback_packet> ||
                             std::is_same_v<T, codec::unsuback_packet>) {
          std::string s;
          for (auto r : pk.reasons) s += note(r);
          return s;
        } else {
          return "";
        }
      },
      p);
}

}  // namespace mqtt::cert
