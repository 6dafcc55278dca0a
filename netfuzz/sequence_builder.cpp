#include "netfuzz/sequence_builder.hpp"

#include "codec/packet_codec.hpp"
#include "netfuzz/mutator.hpp"
#include "netfuzz/packet_generator.hpp"

namespace mqtt::netfuzz {

using namespace mqtt::codec;

namespace {

const byte_buffer pingreq = {0xC0, 0x00};

// mutate_somehow tries random mutations until one applies to `bytes`.
byte_buffer mutate_somehow(const byte_buffer& bytes, protocol_version v, fuzz_random& r,
                           const seed_material& m, std::string& recipe) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const auto kind = static_cast<mutation>(r.below(mutation_count));
    if (auto out = mutate(kind, bytes, v, r, m.tokens)) {
      recipe += std::string(mutation_name(kind));
      return *out;
    }
  }
  recipe += "havoc";
  return *mutate(mutation::havoc, bytes, v, r, m.tokens);
}

std::string version_text(protocol_version v) { return is_v5(v) ? "5.0" : "3.1.1"; }

// split_writes cuts the stream into the writes it goes out in: one write, packet by
// packet (as given), or small random chunks that make the broker reassemble.
std::vector<byte_buffer> split_writes(const std::vector<byte_buffer>& packets, fuzz_random& r,
                                      std::string& recipe) {
  const auto how = r.below(10);
  if (how == 0) {
    recipe += ", one write per packet";
    return packets;
  }
  byte_buffer all;
  for (const auto& p : packets) all.insert(all.end(), p.begin(), p.end());
  if (how == 1) {
    recipe += ", small chunks";
    std::vector<byte_buffer> out;
    for (std::size_t at = 0; at < all.size();) {
      const std::size_t n = std::min<std::size_t>(all.size() - at, 1 + r.below(7));
      out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at),
                       all.begin() + static_cast<std::ptrdiff_t>(at + n));
      at += n;
    }
    return out;
  }
  return {all};
}

// draft is a sequence being built: the packets so far and the recipe that names them.
struct draft {
  fuzz_random& r;
  protocol_version v;
  const seed_material& m;
  const std::string& client_id;
  std::vector<byte_buffer> packets;
  std::string recipe;

  byte_buffer connect() { return encode_packet(generate_connect(r, v, client_id), v); }
};

// add_generated: generated packets after a CONNECT, one of them (or the CONNECT) mutated.
void add_generated(draft& d) {
  const bool bad_connect = d.r.chance(8);
  byte_buffer c = d.connect();
  if (bad_connect) {
    d.recipe += "CONNECT ";
    c = mutate_somehow(c, d.v, d.r, d.m, d.recipe);
  } else {
    d.recipe += "CONNECT";
  }
  d.packets.push_back(c);
  const auto n = 1 + d.r.below(4);
  const auto bad = bad_connect || d.r.chance(5) ? n : d.r.below(n);  // n: none mutated
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto p = generate_packet(d.r, d.v);
    byte_buffer b = encode_packet(p, d.v);
    d.recipe += ", " + std::string(packet_type_name(type_of(p)));
    if (i == bad) {
      d.recipe += " ";
      b = mutate_somehow(b, d.v, d.r, d.m, d.recipe);
    }
    d.packets.push_back(std::move(b));
  }
}

// add_cross_packet_fault: packets each well formed, in an order or place the spec forbids.
void add_cross_packet_fault(draft& d) {
  const protocol_version v = d.v;
  switch (d.r.below(5)) {
    case 0:
      d.recipe += "CONNECT, second CONNECT";
      d.packets.push_back(d.connect());
      d.packets.push_back(d.connect());
      break;
    case 1: {
      const auto p = generate_packet(d.r, v);
      d.recipe += std::string(packet_type_name(type_of(p))) + " without CONNECT";
      d.packets.push_back(encode_packet(p, v));
      break;
    }
    case 2: {
      d.recipe += "CONNECT, DISCONNECT, then PUBLISH QoS 1";
      d.packets.push_back(d.connect());
      d.packets.push_back(encode_packet(disconnect_packet{}, v));
      publish_packet pub;
      pub.qos_level = qos::at_least_once;
      pub.packet_id = 7;
      pub.topic = "nf/a";
      d.packets.push_back(encode_packet(pub, v));
      break;
    }
    case 3:
      d.recipe += "CONNECT, AUTH-type packet";
      d.packets.push_back(d.connect());
      d.packets.push_back(is_v5(v) ? byte_buffer{0xF0, 0x00} : byte_buffer{0xF0, 0x02, 0x00, 0x00});
      break;
    default: {
      // Many packets pipelined before the CONNACK can come back.
      d.recipe += "CONNECT, pipelined burst";
      d.packets.push_back(d.connect());
      const auto n = 5 + d.r.below(20);
      for (std::uint64_t i = 0; i < n; ++i)
        d.packets.push_back(encode_packet(generate_packet(d.r, v), v));
      if (d.r.chance(2)) {
        d.recipe += " with one mutated ";
        auto& victim = d.packets[1 + d.r.below(n)];
        victim = mutate_somehow(victim, v, d.r, d.m, d.recipe);
      }
    }
  }
}

}  // namespace

sequence build_sequence(std::uint64_t seed, std::uint64_t number, const std::string& client_id,
                        const builder_settings& settings, const seed_material& m) {
  fuzz_random r(seed * 0x100000001B3ull ^ (number + 1) * 0x9E3779B97F4A7C15ull);
  sequence s;
  s.number = number;
  s.version = r.pick(settings.versions);
  const protocol_version v = s.version;
  draft d{r, v, m, client_id, {}, "MQTT " + version_text(v) + ": "};

  const auto kind = r.below(100);
  if (kind < 55) {
    add_generated(d);
  } else if (kind < 65 && !m.packets.empty()) {
    const auto& seed_packet = r.pick(m.packets);
    d.recipe += "CONNECT, seed packet";
    if ((seed_packet[0] >> 4) != 1) d.packets.push_back(d.connect());
    else d.recipe = "MQTT " + version_text(v) + ": seed CONNECT";
    d.packets.push_back(r.chance(2) ? seed_packet
                                    : mutate_somehow(seed_packet, v, r, m, d.recipe += " "));
  } else if (kind < 70 && !m.streams.empty()) {
    d.recipe += "seed stream";
    d.packets.push_back(r.pick(m.streams));
    if (r.chance(2)) d.packets.back() = *mutate(mutation::havoc, d.packets.back(), v, r);
  } else if (kind < 76 && !m.regressions.empty()) {
    const auto& reg = r.pick(m.regressions);
    s.version = r.pick(reg.versions);
    d.recipe = "MQTT " + version_text(s.version) + ": regression " + reg.name;
    if (!reg.whole_stream) {
      d.packets.push_back(encode_packet(generate_connect(r, s.version, client_id), s.version));
    }
    d.packets.push_back(reg.bytes);
  } else if (kind < 88) {
    add_cross_packet_fault(d);
  } else {
    // Dictionary tokens and havoc over a generated packet.
    const auto p = generate_packet(r, v);
    d.recipe += "CONNECT, " + std::string(packet_type_name(type_of(p))) + " ";
    d.packets.push_back(d.connect());
    auto b = encode_packet(p, v);
    const auto k = r.chance(2) ? mutation::splice_token : mutation::havoc;
    d.recipe += mutation_name(k);
    if (auto out = mutate(k, b, v, r, m.tokens)) b = *out;
    d.packets.push_back(std::move(b));
  }
  d.packets.push_back(pingreq);
  d.recipe += ", PINGREQ";
  s.writes = split_writes(d.packets, r, d.recipe);
  s.recipe = std::move(d.recipe);
  return s;
}

}  // namespace mqtt::netfuzz
