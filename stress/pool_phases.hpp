// pool_phases.hpp: the steps the load and slow scenarios share around a connection_pool —
// connect everything, hold, probe without stopping the pool, and count what happened.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "stress/connection_pool.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

// pool_tally counts a pool's connections by state and adds up their message counters.
struct pool_tally {
  std::size_t connected = 0, refused = 0, closed = 0, closed_before_connack = 0, failed = 0,
              unfinished = 0, half_open = 0;
  std::map<std::uint8_t, std::size_t> refusal_reasons;  // CONNACK reason -> count
  std::string first_failure;                             // our side's first socket error
  std::uint64_t sent_qos0 = 0, sent_qos1 = 0, acked = 0, ack_errors = 0, received = 0;
  std::uint64_t owed_on_open = 0;  // QoS 1 sent on a connection still open, not yet acked

  // describe is one evidence line: "1000 connected, 0 refused, ...".
  std::string describe() const;
};

pool_tally tally(const connection_pool& pool);

// connect_all polls until no connection is waiting, connecting or awaiting CONNACK, or
// until `deadline` passes (those left go on trying in later polls and count as
// unfinished meanwhile). Returns the seconds it took.
double connect_all(context& c, connection_pool& pool, std::chrono::seconds deadline, const std::string& name);

// hold keeps the pool served for `seconds` (or until Ctrl-C).
void hold(context& c, connection_pool& pool, double seconds);

// probe_while runs the runner's health probe on another thread and keeps the pool served
// meanwhile, so the probe measures the broker, not our pause.
probe_sample probe_while(context& c, connection_pool& pool);

std::string describe(const probe_sample& p);
// record_probe puts a probe's result in the evidence, saying when it ran; a failed probe
// degrades the report (the broker kept other clients waiting).
void record_probe(scenario_report& rep, const std::string& when, const probe_sample& p);
std::string seconds_text(double s);  // "12.3"

}  // namespace mqtt::cert::stress
