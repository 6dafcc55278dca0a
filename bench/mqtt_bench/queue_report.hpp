// queue_report.hpp: the queue mode's lines on stdout and its JSON fields.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bench/mqtt_bench/queue_run.hpp"

namespace mqtt::bench {

// print_queue_start prints the line naming the run, before it starts.
void print_queue_start(const queue_settings& s, const std::string& mqtt);

// print_queued prints the publish figures and "queued: N sessions x M messages", then
// flushes stdout, so a caller reading the pipe knows the hold has begun.
void print_queued(const queue_settings& s, const queue_result& r);

// report_queue prints what the reconnect found and the errors, and returns the mode's
// JSON fields (mode, settings, queued_offered, published, publish_rate, delivered, ...);
// the reconnect fields are null when the run did not reconnect.
nlohmann::json report_queue(const queue_settings& s, const queue_result& r);

}  // namespace mqtt::bench
