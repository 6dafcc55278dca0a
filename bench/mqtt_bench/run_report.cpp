// run_report.cpp: latency and error counts as text lines and JSON.
#include "bench/mqtt_bench/run_report.hpp"

#include <cstdio>

namespace mqtt::bench {

using json = nlohmann::json;

json latency_json(const latency_histogram& h) {
  auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e3; };
  return {{"count", h.count()},        {"min_us", us(h.min())},
          {"mean_us", h.mean() / 1e3}, {"p50_us", us(h.percentile(50))},
          {"p90_us", us(h.percentile(90))}, {"p99_us", us(h.percentile(99))},
          {"p99_9_us", us(h.percentile(99.9))}, {"max_us", us(h.max())}};
}

json errors_json(const error_counts& e) {
  json j = json::object();
  for (const auto& [k, v] : e) j[k] = v;
  return j;
}

void print_latency(const char* what, const latency_histogram& h) {
  auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e3; };
  std::printf("%s (us): p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (n=%llu)\n", what,
              us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)),
              us(h.percentile(99.9)), us(h.max()), static_cast<unsigned long long>(h.count()));
}

void print_errors(const error_counts& e) {
  std::printf("errors:");
  if (e.empty()) std::printf(" none");
  for (const auto& [k, v] : e) std::printf(" %s=%llu", k.c_str(), static_cast<unsigned long long>(v));
  std::printf("\n");
}

}  // namespace mqtt::bench
