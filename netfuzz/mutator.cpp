#include "netfuzz/mutator.hpp"

#include "codec/variable_byte_integer.hpp"

namespace mqtt::netfuzz {

using namespace mqtt::codec;

namespace {

// A packet as its first byte and its body; the Remaining Length is rewritten on join.
struct parts {
  std::uint8_t first = 0;
  byte_buffer body;
  packet_type type() const { return static_cast<packet_type>(first >> 4); }
};

std::optional<parts> split(const byte_buffer& b) {
  if (b.empty()) return std::nullopt;
  const auto rl = decode_vbi(byte_view(b).subspan(1));
  if (rl.status != vbi_status::ok || 1 + rl.length + rl.value != b.size()) return std::nullopt;
  return parts{b[0], byte_buffer(b.begin() + static_cast<std::ptrdiff_t>(1 + rl.length), b.end())};
}

byte_buffer join(std::uint8_t first, const byte_buffer& body) {
  byte_buffer out{first};
  encode_vbi(static_cast<std::uint32_t>(body.size()), out);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::size_t u16_at(const byte_buffer& b, std::size_t at) {
  return at + 1 < b.size() ? (std::size_t{b[at]} << 8) | b[at + 1] : 0;
}
void put_u16(byte_buffer& b, std::size_t at, std::size_t value) {
  b[at] = static_cast<std::uint8_t>(value >> 8);
  b[at + 1] = static_cast<std::uint8_t>(value);
}

// props_total is the size of a property block (length prefix included) at `at`.
std::size_t props_total(const byte_buffer& body, std::size_t at) {
  if (at >= body.size()) return 0;
  const auto len = decode_vbi(byte_view(body).subspan(at));
  return len.status == vbi_status::ok ? len.length + len.value : 0;
}

// props_offset is where the property block of a 5.0 CONNECT, PUBLISH, SUBSCRIBE or
// UNSUBSCRIBE starts in its body.
std::optional<std::size_t> props_offset(const parts& p, protocol_version v) {
  if (!is_v5(v)) return std::nullopt;
  switch (p.type()) {
    case packet_type::connect: return p.body.size() > 10 ? std::optional<std::size_t>(10) : std::nullopt;
    case packet_type::publish: {
      const std::size_t at = 2 + u16_at(p.body, 0) + (((p.first >> 1) & 3) ? 2 : 0);
      return at < p.body.size() ? std::optional(at) : std::nullopt;
    }
    case packet_type::subscribe:
    case packet_type::unsubscribe: return p.body.size() > 2 ? std::optional<std::size_t>(2) : std::nullopt;
    default: return std::nullopt;
  }
}

// string_offsets are the length prefixes of the UTF-8 strings we can place: CONNECT's
// ClientID, PUBLISH's Topic Name, each Topic Filter of SUBSCRIBE and UNSUBSCRIBE.
// `subscribe_options` collects the Subscription Options bytes on the way.
std::vector<std::size_t> string_offsets(const parts& p, protocol_version v,
                                        std::vector<std::size_t>* subscribe_options = nullptr) {
  std::vector<std::size_t> out;
  const auto& b = p.body;
  switch (p.type()) {
    case packet_type::connect: {
      std::size_t at = 10;
      if (is_v5(v)) at += props_total(b, at);
      if (at + 1 < b.size()) out.push_back(at);
      break;
    }
    case packet_type::publish:
      if (b.size() >= 2) out.push_back(0);
      break;
    case packet_type::subscribe:
    case packet_type::unsubscribe: {
      std::size_t at = 2 + (is_v5(v) ? props_total(b, 2) : 0);
      while (at + 1 < b.size()) {
        out.push_back(at);
        at += 2 + u16_at(b, at);
        if (p.type() == packet_type::subscribe) {
          if (at < b.size() && subscribe_options) subscribe_options->push_back(at);
          ++at;
        }
      }
      break;
    }
    default: break;
  }
  return out;
}

// insert_property puts `prop` first in the property block at `at`, fixing its length.
void insert_property(byte_buffer& body, std::size_t at, const byte_buffer& prop) {
  const auto len = decode_vbi(byte_view(body).subspan(at));
  byte_buffer head(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(at));
  encode_vbi(static_cast<std::uint32_t>(len.value + prop.size()), head);
  head.insert(head.end(), prop.begin(), prop.end());
  head.insert(head.end(), body.begin() + static_cast<std::ptrdiff_t>(at + len.length), body.end());
  body = std::move(head);
}

// A property to insert, per packet type: [connect, publish, subscribe].
byte_buffer property_for(mutation m, packet_type t, fuzz_random& r) {
  const int k = t == packet_type::connect ? 0 : t == packet_type::publish ? 1 : 2;
  switch (m) {
    case mutation::property_unknown: {
      static const std::vector<byte_buffer> ids = {{0x00}, {0x04}, {0x7F}, {0x2B}, {0x10}};
      return r.pick(ids);
    }
    case mutation::property_duplicate: {
      static const byte_buffer d[3] = {{0x21, 0x00, 0x0A, 0x21, 0x00, 0x0A},
                                       {0x01, 0x00, 0x01, 0x00},
                                       {0x0B, 0x01, 0x0B, 0x02}};
      return d[k];
    }
    case mutation::property_wrong_place: {
      static const byte_buffer w[3] = {{0x23, 0x00, 0x01},
                                       {0x11, 0x00, 0x00, 0x00, 0x00},
                                       {0x02, 0x00, 0x00, 0x00, 0x0A}};
      return w[k];
    }
    case mutation::property_bad_value: {
      static const byte_buffer w[3] = {{0x21, 0x00, 0x00}, {0x01, 0x02}, {0x0B, 0x00}};
      return w[k];
    }
    default: return {};
  }
}

// mutate_raw handles the mutations that need no layout: any bytes will do.
std::optional<byte_buffer> mutate_raw(mutation m, const byte_buffer& bytes, fuzz_random& r,
                                      const std::vector<byte_buffer>& tokens) {
  switch (m) {
    case mutation::truncate: {
      if (bytes.size() < 2) return std::nullopt;
      return byte_buffer(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(1 + r.below(bytes.size() - 1)));
    }
    case mutation::havoc: {
      byte_buffer out = bytes;
      const auto n = 1 + r.below(4);
      for (std::uint64_t i = 0; i < n && !out.empty(); ++i) {
        const std::size_t at = r.below(out.size());
        switch (r.below(3)) {
          case 0: out[at] = static_cast<std::uint8_t>(r.next()); break;
          case 1: out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(r.next())); break;
          default: out.erase(out.begin() + static_cast<std::ptrdiff_t>(at)); break;
        }
      }
      return out;
    }
    case mutation::splice_token: {
      if (tokens.empty()) return std::nullopt;
      const auto& token = r.pick(tokens);
      byte_buffer out = bytes;
      const std::size_t at = r.below(out.size() + 1);
      if (r.chance(2)) {
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), token.begin(), token.end());
      } else {
        for (std::size_t i = 0; i < token.size(); ++i) {
          if (at + i < out.size()) out[at + i] = token[i];
          else out.push_back(token[i]);
        }
      }
      return out;
    }
    default: return std::nullopt;
  }
}

}  // namespace

std::string_view mutation_name(mutation m) {
  static constexpr std::string_view names[mutation_count] = {
      "wrong-flags",        "publish-qos3",       "remaining-length-lie", "vbi-five-bytes",
      "vbi-non-minimal",    "string-length-off",  "invalid-utf8",         "reserved-bits",
      "qos3-field",         "packet-id-zero",     "property-unknown",     "property-duplicate",
      "property-wrong-place", "property-bad-value", "topic-alias-zero",   "topic-alias-huge",
      "truncate",           "havoc",              "splice-token"};
  return names[static_cast<int>(m)];
}

namespace {

// mutate_header rewrites the fixed header: its flags or its Remaining Length.
std::optional<byte_buffer> mutate_header(mutation m, parts* p, fuzz_random& r) {
  const packet_type t = p->type();
  auto& b = p->body;
  switch (m) {
    case mutation::wrong_flags: {
      if (t == packet_type::publish) return std::nullopt;
      const bool two = t == packet_type::pubrel || t == packet_type::subscribe ||
                       t == packet_type::unsubscribe;
      const auto flags = static_cast<std::uint8_t>((two ? 2 : 0) ^ (1 + r.below(15)));
      return join(static_cast<std::uint8_t>((p->first & 0xF0) | flags), b);
    }
    case mutation::publish_qos3:
      if (t != packet_type::publish) return std::nullopt;
      return join(static_cast<std::uint8_t>(p->first | 0x06), b);
    case mutation::remaining_length_lie: {
      const auto delta = static_cast<std::int64_t>(1 + r.below(3));
      const std::int64_t length = static_cast<std::int64_t>(b.size()) + (r.chance(2) ? delta : -delta);
      if (length < 0) return std::nullopt;
      byte_buffer out{p->first};
      encode_vbi(static_cast<std::uint32_t>(length), out);
      out.insert(out.end(), b.begin(), b.end());
      return out;
    }
    case mutation::vbi_five_bytes: {
      byte_buffer out{p->first, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
      out.insert(out.end(), b.begin(), b.end());
      return out;
    }
    case mutation::vbi_non_minimal: {
      byte_buffer length;
      encode_vbi(static_cast<std::uint32_t>(b.size()), length);
      if (length.size() >= 4) return std::nullopt;
      length.back() |= 0x80;
      length.push_back(0x00);
      byte_buffer out{p->first};
      out.insert(out.end(), length.begin(), length.end());
      out.insert(out.end(), b.begin(), b.end());
      return out;
    }
    default: return std::nullopt;
  }
}

// mutate_string breaks one UTF-8 string field: its length or its characters.
std::optional<byte_buffer> mutate_string(mutation m, parts* p, protocol_version v, fuzz_random& r) {
  const packet_type t = p->type();
  auto& b = p->body;
  switch (m) {
    case mutation::string_length_off: {
      auto offsets = string_offsets(*p, v);
      if (t == packet_type::connect && b.size() >= 2) offsets.push_back(0);  // the Protocol Name
      if (offsets.empty()) return std::nullopt;
      const std::size_t at = r.pick(offsets);
      if (at + 1 >= b.size()) return std::nullopt;
      const std::size_t length = u16_at(b, at);
      static const std::vector<int> choices = {1, -1, 0, 0xFFFF};
      const int c = r.pick(choices);
      const std::size_t wrong = c == 0 ? 0 : c == 0xFFFF ? 0xFFFF : c == 1 ? length + 1 : length - 1;
      if ((c == -1 && length == 0) || wrong == length) return std::nullopt;
      put_u16(b, at, wrong);
      return join(p->first, b);
    }
    case mutation::invalid_utf8: {
      std::vector<std::size_t> offsets;
      for (auto at : string_offsets(*p, v))
        if (u16_at(b, at) > 0 && at + 2 + u16_at(b, at) <= b.size()) offsets.push_back(at);
      if (offsets.empty()) return std::nullopt;
      const std::size_t at = r.pick(offsets);
      const std::size_t length = u16_at(b, at);
      const std::size_t where = at + 2 + r.below(length);
      switch (r.below(3)) {
        case 0: b[where] = 0xFF; break;  // never valid in UTF-8
        case 1: b[where] = 0x00; break;  // U+0000
        default: {                       // U+D800, a surrogate
          const byte_buffer surrogate = {0xED, 0xA0, 0x80};
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(where), surrogate.begin(), surrogate.end());
          put_u16(b, at, length + 3);
        }
      }
      return join(p->first, b);
    }
    default: return std::nullopt;
  }
}

// mutate_field sets reserved or out-of-range bits in a flags byte, or a zero Packet
// Identifier.
std::optional<byte_buffer> mutate_field(mutation m, parts* p, protocol_version v, fuzz_random& r) {
  const packet_type t = p->type();
  auto& b = p->body;
  switch (m) {
    case mutation::reserved_bits: {
      if (t == packet_type::connect && b.size() > 7) {
        b[7] |= 0x01;
        return join(p->first, b);
      }
      std::vector<std::size_t> options;
      if (t == packet_type::subscribe) string_offsets(*p, v, &options);
      if (options.empty()) return std::nullopt;
      const std::size_t at = r.pick(options);
      b[at] |= is_v5(v) ? static_cast<std::uint8_t>(0x40 << r.below(2))
                        : static_cast<std::uint8_t>(0x04 << r.below(6));
      return join(p->first, b);
    }
    case mutation::qos3_field: {
      if (t == packet_type::connect && b.size() > 7 && (b[7] & 0x04)) {
        b[7] |= 0x18;
        return join(p->first, b);
      }
      std::vector<std::size_t> options;
      if (t == packet_type::subscribe) string_offsets(*p, v, &options);
      if (options.empty()) return std::nullopt;
      b[r.pick(options)] |= 0x03;
      return join(p->first, b);
    }
    case mutation::packet_id_zero: {
      std::size_t at = 0;
      if (t == packet_type::publish) {
        if (((p->first >> 1) & 3) == 0) return std::nullopt;
        at = 2 + u16_at(b, 0);
      } else if (t != packet_type::subscribe && t != packet_type::unsubscribe) {
        return std::nullopt;
      }
      if (at + 1 >= b.size()) return std::nullopt;
      put_u16(b, at, 0);
      return join(p->first, b);
    }
    default: return std::nullopt;
  }
}

// mutate_property adds a property that is unknown, repeated, misplaced or out of range
// (5.0 only: a packet without a properties block is left alone).
std::optional<byte_buffer> mutate_property(mutation m, parts* p, protocol_version v,
                                           fuzz_random& r) {
  const packet_type t = p->type();
  auto& b = p->body;
  const auto at = props_offset(*p, v);
  if (!at) return std::nullopt;
  const bool alias = m == mutation::topic_alias_zero || m == mutation::topic_alias_huge;
  if (alias && t != packet_type::publish) return std::nullopt;
  if (t == packet_type::unsubscribe && !alias) return std::nullopt;
  const byte_buffer prop = m == mutation::topic_alias_zero   ? byte_buffer{0x23, 0x00, 0x00}
                           : m == mutation::topic_alias_huge ? byte_buffer{0x23, 0xFF, 0xFF}
                                                             : property_for(m, t, r);
  insert_property(b, *at, prop);
  return join(p->first, b);
}

}  // namespace

std::optional<byte_buffer> mutate(mutation m, const byte_buffer& bytes, protocol_version v,
                                  fuzz_random& r, const std::vector<byte_buffer>& tokens) {
  switch (m) {
    case mutation::truncate:
    case mutation::havoc:
    case mutation::splice_token: return mutate_raw(m, bytes, r, tokens);
    default: break;
  }
  auto p = split(bytes);
  if (!p) return std::nullopt;
  switch (m) {
    case mutation::wrong_flags:
    case mutation::publish_qos3:
    case mutation::remaining_length_lie:
    case mutation::vbi_five_bytes:
    case mutation::vbi_non_minimal: return mutate_header(m, &*p, r);
    case mutation::string_length_off:
    case mutation::invalid_utf8: return mutate_string(m, &*p, v, r);
    case mutation::reserved_bits:
    case mutation::qos3_field:
    case mutation::packet_id_zero: return mutate_field(m, &*p, v, r);
    case mutation::property_unknown:
    case mutation::property_duplicate:
    case mutation::property_wrong_place:
    case mutation::property_bad_value:
    case mutation::topic_alias_zero:
    case mutation::topic_alias_huge: return mutate_property(m, &*p, v, r);
    default: return std::nullopt;
  }
}

}  // namespace mqtt::netfuzz
