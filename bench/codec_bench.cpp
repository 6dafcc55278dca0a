// codec_bench.cpp: decode, encode and framing throughput of the codec, with Google Benchmark.
// Every benchmark reports bytes/s and packets/s (items/s).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "codec/framer.hpp"
#include "codec/packet_codec.hpp"
#include "codec/packets.hpp"

namespace {

using namespace mqtt::codec;

// sample_publish is a typical telemetry message: QoS 1, a four-level topic, 64 bytes of
// payload and, for 5.0, a few of the properties devices commonly send.
publish_packet sample_publish(protocol_version v) {
  publish_packet p;
  p.qos_level = qos::at_least_once;
  p.topic = "sensors/building-1/floor-2/temperature";
  p.packet_id = 42;
  p.payload.assign(64, std::uint8_t{'x'});
  if (is_v5(v)) {
    p.props.payload_format_indicator = 1;
    p.props.message_expiry_interval = 3600;
    p.props.content_type = "application/json";
  }
  return p;
}

void bench_decode_publish(benchmark::State& state, protocol_version v) {
  const byte_buffer wire = encode_packet(packet{sample_publish(v)}, v);
  for (auto _ : state) {
    decode_result r = decode_packet(wire, v);
    if (r.status != decode_status::ok) {
      state.SkipWithError(("decode failed: " + r.why).c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
  state.SetItemsProcessed(state.iterations());
}

void bench_encode_publish(benchmark::State& state, protocol_version v) {
  const packet p{sample_publish(v)};
  byte_buffer out;
  for (auto _ : state) {
    out.clear();
    encode_packet(p, v, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
  state.SetItemsProcessed(state.iterations());
}

// bench_framer_1k_chunks feeds a stream of many PUBLISH packets to a framer in 1 KiB
// chunks, as a socket read loop would, and takes every packet out.
void bench_framer_1k_chunks(benchmark::State& state, protocol_version v) {
  constexpr std::size_t packets_in_stream = 1000;
  constexpr std::size_t chunk_size = 1024;
  byte_buffer stream;
  const packet p{sample_publish(v)};
  for (std::size_t i = 0; i < packets_in_stream; ++i) encode_packet(p, v, stream);

  std::int64_t packets = 0;
  for (auto _ : state) {
    framer f(v);
    std::size_t taken = 0;
    for (std::size_t at = 0; at < stream.size(); at += chunk_size) {
      const std::size_t n = std::min(chunk_size, stream.size() - at);
      f.feed(byte_view(stream).subspan(at, n));
      for (;;) {
        decode_result r = f.next();
        if (r.status == decode_status::need_more) break;
        if (r.status != decode_status::ok) {
          state.SkipWithError(("framer failed: " + r.why).c_str());
          return;
        }
        benchmark::DoNotOptimize(r);
        ++taken;
      }
    }
    if (taken != packets_in_stream) {
      state.SkipWithError("framer returned the wrong number of packets");
      return;
    }
    packets += static_cast<std::int64_t>(taken);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
  state.SetItemsProcessed(packets);
}

}  // namespace

BENCHMARK_CAPTURE(bench_decode_publish, v3_1_1, protocol_version::v3_1_1);
BENCHMARK_CAPTURE(bench_decode_publish, v5_0, protocol_version::v5_0);
BENCHMARK_CAPTURE(bench_encode_publish, v3_1_1, protocol_version::v3_1_1);
BENCHMARK_CAPTURE(bench_encode_publish, v5_0, protocol_version::v5_0);
BENCHMARK_CAPTURE(bench_framer_1k_chunks, v3_1_1, protocol_version::v3_1_1);
BENCHMARK_CAPTURE(bench_framer_1k_chunks, v5_0, protocol_version::v5_0);

BENCHMARK_MAIN();
