// framer_fuzzer: feeds the input to a framer in chunks and drains it, as a connection's
// read loop does. The first byte picks the chunk size (1 to 256); the rest is the stream.
// Checks: no crash; every fed byte is either returned in a packet or still buffered; the
// framer never holds more than max_packet_size + one chunk; a failure is final.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "codec/framer.hpp"

using namespace mqtt::codec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = std::size_t{data[0]} + 1;
  const byte_view stream(data + 1, size - 1);

  decode_limits limits;
  limits.max_packet_size = 1024;  // small, so inputs up to max_len can exceed it
  framer f(protocol_version::v5_0, limits);

  std::size_t fed = 0;
  std::size_t returned = 0;
  for (std::size_t at = 0; at < stream.size() && !f.failed(); at += chunk) {
    const byte_view piece = stream.subspan(at, std::min(chunk, stream.size() - at));
    f.feed(piece);
    fed += piece.size();
    if (f.buffered() > limits.max_packet_size + chunk) __builtin_trap();

    for (;;) {
      const decode_result r = f.next();
      if (r.status == decode_status::need_more) break;
      if (r.status != decode_status::ok) {
        if (!f.failed()) __builtin_trap();
        break;
      }
      if (!r.value || r.consumed == 0 || r.consumed > limits.max_packet_size) __builtin_trap();
      returned += r.consumed;
      // A broker switches to the version its client's CONNECT asked for.
      if (const auto* c = std::get_if<connect_packet>(&*r.value)) f.set_version(c->version);
    }
    if (!f.failed() && returned + f.buffered() != fed) __builtin_trap();
  }

  if (f.failed()) {
    // Once failed, the framer stays failed and returns no more packets.
    f.feed(stream.first(std::min<std::size_t>(stream.size(), 2)));
    if (f.next().status == decode_status::ok || !f.failed()) __builtin_trap();
  }
  return 0;
}
