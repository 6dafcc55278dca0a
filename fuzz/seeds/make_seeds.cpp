// make_seeds.cpp: mqttcert_make_seeds writes the seed corpora and regression inputs of
// fuzz/ from the codec, so seeds stay valid packets when the codec changes and nobody
// types hex. Usage (corpora/generate.sh runs it):
//   mqttcert_make_seeds --seeds DIR        one folder per target under DIR, files named by SHA-256
//   mqttcert_make_seeds --regressions DIR  named regression inputs and DIR/index.tsv
#include <cstdio>
#include <exception>
#include <fstream>
#include <string_view>

#include <openssl/evp.h>

#include "fuzz/seeds/seed_sink.hpp"

namespace mqtt::fuzz_seeds {

std::string sha256_hex(byte_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(sha256) failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

void seed_sink::add(std::string_view target, byte_view bytes) {
  const std::filesystem::path dir = root_ / target;
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / sha256_hex(bytes);
  if (std::filesystem::exists(file)) return;
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
  ++counts_[std::string(target)];
}

void seed_sink::add(std::string_view target, std::string_view text) {
  add(target, byte_view(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

byte_buffer checked_encode(const packet& p, protocol_version v) {
  byte_buffer wire = encode_packet(p, v);
  const decode_result back = decode_packet(wire, v);
  if (back.status != decode_status::ok || back.consumed != wire.size() || !back.value ||
      !(*back.value == p)) {
    throw std::runtime_error("generated " + std::string(packet_type_name(type_of(p))) + " (" +
                             std::string(protocol_version_name(v)) +
                             ") does not decode back: " + back.why);
  }
  return wire;
}

}  // namespace mqtt::fuzz_seeds

int main(int argc, char** argv) {
  using namespace mqtt::fuzz_seeds;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s --seeds DIR | --regressions DIR\n", argv[0]);
    return 2;
  }
  const std::string_view mode = argv[1];
  try {
    if (mode == "--seeds") {
      seed_sink sink(argv[2]);
      add_packet_seeds(sink);
      add_text_seeds(sink);
      add_stream_seeds(sink);
      for (const auto& [target, n] : sink.counts()) std::printf("%-32s %zu\n", target.c_str(), n);
    } else if (mode == "--regressions") {
      write_regression_inputs(argv[2]);
    } else {
      std::fprintf(stderr, "%s: unknown mode %s\n", argv[0], argv[1]);
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
  return 0;
}
