// pool_phases.cpp: see pool_phases.hpp.
#include "stress/pool_phases.hpp"

#include <future>
#include <sstream>

namespace mqtt::cert::stress {

using namespace std::chrono_literals;

std::string seconds_text(double s) {
  std::ostringstream o;
  o.precision(1);
  o << std::fixed << s;
  return o.str();
}

std::string pool_tally::describe() const {
  std::ostringstream s;
  s << connected << " connected, " << refused << " refused with a CONNACK reason code";
  for (const auto& [reason, n] : refusal_reasons) s << " (0x" << std::hex << int(reason) << std::dec << ": " << n << ")";
  s << ", " << closed_before_connack << " closed before CONNACK, " << unfinished
    << " unanswered at the deadline, " << failed << " could not be opened on our side";
  if (!first_failure.empty()) s << " (" << first_failure << ")";
  return s.str();
}

pool_tally tally(const connection_pool& pool) {
  pool_tally t;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    const auto& c = pool.at(i);
    switch (c.state) {
      case pool_state::connected: ++t.connected; t.owed_on_open += c.unacked.size(); break;
      case pool_state::refused: ++t.refused; ++t.refusal_reasons[c.connack_reason]; break;
      case pool_state::closed:
        ++t.closed;
        if (c.connected_at == pool_clock::time_point{}) ++t.closed_before_connack;
        break;
      case pool_state::failed:
        if (t.failed++ == 0) t.first_failure = c.error;
        break;
      case pool_state::open:
        if (!c.options.send_connect) { ++t.half_open; break; }
        [[fallthrough]];
      case pool_state::waiting:
      case pool_state::connecting: ++t.unfinished; break;
    }
    t.sent_qos0 += c.sent_qos0;
    t.sent_qos1 += c.sent_qos1;
    t.acked += c.acked;
    t.ack_errors += c.ack_errors;
    t.received += c.received;
  }
  return t;
}

double connect_all(context& c, connection_pool& pool, std::chrono::seconds deadline, const std::string& name) {
  const auto start = pool_clock::now();
  auto last_report = start;
  while (pool.in_progress() > 0 && pool_clock::now() - start < deadline && !c.stopping()) {
    pool.poll(20ms);
    if (pool_clock::now() - last_report > 500ms) {
      last_report = pool_clock::now();
      c.progress(name + ": " + std::to_string(pool.count(pool_state::connected)) + " connected, " +
                 std::to_string(pool.in_progress()) + " in progress");
    }
  }
  return std::chrono::duration<double>(pool_clock::now() - start).count();
}

void hold(context& c, connection_pool& pool, double seconds) {
  const auto end = pool_clock::now() + std::chrono::duration_cast<pool_clock::duration>(std::chrono::duration<double>(seconds));
  while (pool_clock::now() < end && !c.stopping()) pool.poll(50ms);
}

probe_sample probe_while(context& c, connection_pool& pool) {
  auto done = std::async(std::launch::async, [&c] { return c.probe(); });
  while (done.wait_for(0s) != std::future_status::ready) pool.poll(10ms);
  return done.get();
}

std::string describe(const probe_sample& p) {
  if (p.ok) return "answered in " + std::to_string(p.took.count()) + " ms";
  return "FAILED after " + std::to_string(p.took.count()) + " ms (" + p.failure + ")";
}

void record_probe(scenario_report& rep, const std::string& when, const probe_sample& p) {
  rep.saw("probe " + when + ": " + describe(p));
  if (!p.ok) rep.degrade("the health probe " + when + " failed: " + p.failure);
}

}  // namespace mqtt::cert::stress
