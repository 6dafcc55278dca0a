// run_report.hpp: how every mode prints and writes its latency and error counts.
#pragma once

#include <nlohmann/json.hpp>

#include "bench/mqtt_bench/latency_histogram.hpp"
#include "bench/mqtt_bench/run_result.hpp"

namespace mqtt::bench {

// latency_json is a histogram as {count, min_us, mean_us, p50_us, ..., max_us}.
nlohmann::json latency_json(const latency_histogram& h);
// errors_json is {name: count}, {} when there were none.
nlohmann::json errors_json(const error_counts& e);
// print_latency prints one line "WHAT (us): p50 ...  (n=COUNT)" to stdout.
void print_latency(const char* what, const latency_histogram& h);
// print_errors prints one line "errors: none" or "errors: name=count ..." to stdout.
void print_errors(const error_counts& e);

}  // namespace mqtt::bench
