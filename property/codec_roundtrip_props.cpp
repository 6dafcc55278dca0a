// codec_roundtrip_props.cpp: laws of the codec over generated packets and bytes.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "codec/framer.hpp"
#include "codec/packet_codec.hpp"
#include "property/gen/codec_gen.hpp"

namespace mqtt::property {
namespace {

using namespace mqtt::codec;

const std::vector<protocol_version> versions = {protocol_version::v3_1_1, protocol_version::v5_0};

RC_GTEST_PROP(CodecRoundTrip, EncodeThenDecodeIsIdentity, ()) {
  const protocol_version v = *rc::gen::elementOf(versions);
  const packet p = *gen::packet_for(v);
  const byte_buffer wire = encode_packet(p, v);
  decode_result r = decode_packet(wire, v);
  RC_ASSERT(r.status == decode_status::ok);
  RC_ASSERT(r.consumed == wire.size());
  RC_ASSERT(*r.value == p);
}

RC_GTEST_PROP(CodecRoundTrip, DecodeThenEncodeGivesTheSameBytes, ()) {
  // For packets our encoder wrote, the wire form is canonical: decoding and encoding again
  // reproduces it byte for byte.
  const protocol_version v = *rc::gen::elementOf(versions);
  const byte_buffer wire = encode_packet(*gen::packet_for(v), v);
  decode_result r = decode_packet(wire, v);
  RC_ASSERT(r.status == decode_status::ok);
  RC_ASSERT(encode_packet(*r.value, v) == wire);
}

RC_GTEST_PROP(CodecRoundTrip, ArbitraryBytesNeverCrashAndFailuresCarryAReason,
              (const std::vector<std::uint8_t>& bytes)) {
  for (protocol_version v : versions) {
    decode_result r = decode_packet(bytes, v);
    switch (r.status) {
      case decode_status::ok:
        RC_ASSERT(r.consumed > 0 && r.consumed <= bytes.size());
        RC_ASSERT(r.value.has_value());
        break;
      case decode_status::need_more:
        RC_ASSERT(!r.value.has_value());
        break;
      case decode_status::malformed:
      case decode_status::protocol_error:
        RC_ASSERT(!r.value.has_value());
        RC_ASSERT(is_error(r.code));
        RC_ASSERT(!r.why.empty());
        break;
    }
  }
}

RC_GTEST_PROP(FramerChunking, ChunkBoundariesDoNotChangeThePackets, ()) {
  const protocol_version v = *rc::gen::elementOf(versions);
  auto packets = *rc::gen::container<std::vector<packet>>(gen::packet_for(v));
  // CONNECT would switch the framer's version; keep the stream to one version.
  std::erase_if(packets, [](const packet& p) { return std::holds_alternative<connect_packet>(p); });
  byte_buffer stream;
  for (const auto& p : packets) encode_packet(p, v, stream);
  const auto cuts = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(1, 97));

  framer f(v);
  std::vector<packet> got;
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < stream.size(); ++i) {
    const std::size_t n = std::min(cuts.empty() ? 7 : cuts[i % cuts.size()], stream.size() - pos);
    f.feed(byte_view(stream).subspan(pos, n));
    pos += n;
    for (decode_result r = f.next(); r.status != decode_status::need_more; r = f.next()) {
      RC_ASSERT(r.status == decode_status::ok);
      got.push_back(std::move(*r.value));
    }
  }
  RC_ASSERT(got == packets);
  RC_ASSERT(f.buffered() == 0u);
}

}  // namespace
}  // namespace mqtt::property
