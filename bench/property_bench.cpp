// property_bench.cpp: how fast the in-process session/QoS property runs (property/model):
// generated sequences carried out against the reference broker's sans-I/O core with a
// fake clock, every packet checked by the model. Reports sequences/s (items/s) and, as
// counters, the deliveries per second the model checked.
#include <benchmark/benchmark.h>

#include <vector>

#include "property/model/command_gen.hpp"
#include "property/model/core_driver.hpp"
#include "property/model/sequence_runner.hpp"

namespace {

using namespace mqtt::property;

// sequences: 1,000 generated sequences of `versions`, sizes spread as in a property run,
// the same on every machine (fixed seeds).
std::vector<std::vector<command>> sequences(std::vector<mqtt::codec::protocol_version> versions) {
  generation_options o;
  o.versions = std::move(versions);
  o.clients = 4;
  const auto gen = gen_sequence(o);
  std::vector<std::vector<command>> out;
  for (int i = 0; i < 1000; ++i)
    out.push_back(gen(rc::Random(static_cast<std::uint64_t>(i) + 1), i / 10).value());
  return out;
}

void run_sequences(benchmark::State& state, std::vector<mqtt::codec::protocol_version> versions) {
  const auto all = sequences(std::move(versions));
  std::size_t i = 0;
  std::int64_t deliveries = 0;
  for (auto _ : state) {
    core_driver broker;
    const run_result r = run_sequence(broker, all[i++ % all.size()], runner_options{});
    if (!r.violations.empty()) state.SkipWithError(format_failure(all[(i - 1) % all.size()], r).c_str());
    deliveries += r.covered.deliveries;
    benchmark::DoNotOptimize(r.commands_run);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["deliveries"] = benchmark::Counter(static_cast<double>(deliveries), benchmark::Counter::kIsRate);
}

void BM_SequencesV311(benchmark::State& s) { run_sequences(s, {mqtt::codec::protocol_version::v3_1_1}); }
void BM_SequencesV5(benchmark::State& s) { run_sequences(s, {mqtt::codec::protocol_version::v5_0}); }
void BM_SequencesMixed(benchmark::State& s) {
  run_sequences(s, {mqtt::codec::protocol_version::v3_1_1, mqtt::codec::protocol_version::v5_0});
}
BENCHMARK(BM_SequencesV311);
BENCHMARK(BM_SequencesV5);
BENCHMARK(BM_SequencesMixed);

}  // namespace

BENCHMARK_MAIN();
