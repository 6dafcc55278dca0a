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

}  // namespace

sequence build_sequence(std::uint64_t seed, std::uint64_t number, const std::string& client_id,
                        const builder_settings& settings, const seed_material& m) {
  fuzz_random r(seed * 0x100000001B3ull ^ (number + 1) * 0x9E3779B97F4A7C15ull);
  sequence s;
  s.number = number;
  s.version = r.pick(settings.versions);
  const protocol_version v = s.version;
  std::vector<byte_buffer> packets;
  std::string recipe = "MQTT " + version_text(v) + ": ";
  auto connect = [&] { return encode_packet(generate_connect(r, v, client_id), v); };

  const auto kind = r.below(100);
  if (kind < 55) {
    // Generated packets after a CONNECT, one of them (or the CONNECT) mutated.
    const bool bad_connect = r.chance(8);
    byte_buffer c = connect();
    if (bad_connect) {
      recipe += "CONNECT ";
      c = mutate_somehow(c, v, r, m, recipe);
    } else {
      recipe += "CONNECT";
    }
    packets.push_back(c);
    const auto n = 1 + r.below(4);
    const auto bad = bad_connect || r.chance(5) ? n : r.below(n);  // n: none mutated
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto p = generate_packet(r, v);
      byte_buffer b = encode_packet(p, v);
      recipe += ", " + std::string(packet_type_name(type_of(p)));
      if (i == bad) {
        recipe += " ";
        b = mutate_somehow(b, v, r, m, recipe);
      }
      packets.push_back(std::move(b));
    }
  } else if (kind < 65 && !m.packets.empty()) {
    const auto& seed_packet = r.pick(m.packets);
    recipe += "CONNECT, seed packet";
    if ((seed_packet[0] >> 4) != 1) packets.push_back(connect());
    else recipe = "MQTT " + version_text(v) + ": seed CONNECT";
    packets.push_back(r.chance(2) ? seed_packet : mutate_somehow(seed_packet, v, r, m, recipe += " "));
  } else if (kind < 70 && !m.streams.empty()) {
    recipe += "seed stream";
    packets.push_back(r.pick(m.streams));
    if (r.chance(2)) packets.back() = *mutate(mutation::havoc, packets.back(), v, r);
  } else if (kind < 76 && !m.regressions.empty()) {
    const auto& reg = r.pick(m.regressions);
    s.version = r.pick(reg.versions);
    recipe = "MQTT " + version_text(s.version) + ": regression " + reg.name;
    if (!reg.whole_stream) {
      packets.push_back(encode_packet(generate_connect(r, s.version, client_id), s.version));
    }
    packets.push_back(reg.bytes);
  } else if (kind < 88) {
    // Faults across packets.
    switch (r.below(5)) {
      case 0:
        recipe += "CONNECT, second CONNECT";
        packets.push_back(connect());
        packets.push_back(connect());
        break;
      case 1: {
        const auto p = generate_packet(r, v);
        recipe += std::string(packet_type_name(type_of(p))) + " without CONNECT";
        packets.push_back(encode_packet(p, v));
        break;
      }
      case 2: {
        recipe += "CONNECT, DISCONNECT, then PUBLISH QoS 1";
        packets.push_back(connect());
        packets.push_back(encode_packet(disconnect_packet{}, v));
        publish_packet pub;
        pub.qos_level = qos::at_least_once;
        pub.packet_id = 7;
        pub.topic = "nf/a";
        packets.push_back(encode_packet(pub, v));
        break;
      }
      case 3:
        recipe += "CONNECT, AUTH-type packet";
        packets.push_back(connect());
        packets.push_back(is_v5(v) ? byte_buffer{0xF0, 0x00} : byte_buffer{0xF0, 0x02, 0x00, 0x00});
        break;
      default: {
        // Many packets pipelined before the CONNACK can come back.
        recipe += "CONNECT, pipelined burst";
        packets.push_back(connect());
        const auto n = 5 + r.below(20);
        for (std::uint64_t i = 0; i < n; ++i) packets.push_back(encode_packet(generate_packet(r, v), v));
        if (r.chance(2)) {
          recipe += " with one mutated ";
          auto& victim = packets[1 + r.below(n)];
          victim = mutate_somehow(victim, v, r, m, recipe);
        }
      }
    }
  } else {
    // Dictionary tokens and havoc over a generated packet.
    const auto p = generate_packet(r, v);
    recipe += "CONNECT, " + std::string(packet_type_name(type_of(p))) + " ";
    packets.push_back(connect());
    auto b = encode_packet(p, v);
    const auto k = r.chance(2) ? mutation::splice_token : mutation::havoc;
    recipe += mutation_name(k);
    if (auto out = mutate(k, b, v, r, m.tokens)) b = *out;
    packets.push_back(std::move(b));
  }
  packets.push_back(pingreq);
  recipe += ", PINGREQ";
  s.writes = split_writes(packets, r, recipe);
  s.recipe = std::move(recipe);
  return s;
}

}  // namespace mqtt::netfuzz
