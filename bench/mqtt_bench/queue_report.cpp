// queue_report.cpp: the queue mode's text lines and JSON.
#include "bench/mqtt_bench/queue_report.hpp"

#include <cstdio>

#include "bench/mqtt_bench/run_report.hpp"

namespace mqtt::bench {

using json = nlohmann::json;

namespace {

unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }

}  // namespace

void print_queue_start(const queue_settings& s, const std::string& mqtt) {
  std::printf("queue: %u sessions x %llu messages, QoS %u, %zu B, MQTT %s, topic %s\n",
              s.sessions, ull(s.messages), static_cast<unsigned>(s.qos_level), s.payload_size,
              mqtt.c_str(), s.topic.c_str());
  std::fflush(stdout);
}

void print_queued(const queue_settings& s, const queue_result& r) {
  std::printf("published %llu in %.3f s: %.0f msg/s, acknowledged %llu\n", ull(r.published),
              r.publish_s, r.publish_rate, ull(r.acked));
  std::printf("queued: %u sessions x %llu messages\n", s.sessions, ull(s.messages));
  std::fflush(stdout);
}

json report_queue(const queue_settings& s, const queue_result& r) {
  if (r.reconnected) {
    std::printf("reconnected: session present %llu of %u\n", ull(r.sessions_present), s.sessions);
    std::printf("delivered %llu of %llu queued (per session %llu to %llu), duplicates %llu, "
                "out of order %llu, in %.3f s: %.0f msg/s\n",
                ull(r.delivered), ull(r.offered), ull(r.per_session_min), ull(r.per_session_max),
                ull(r.duplicates), ull(r.out_of_order), r.drain_s, r.drain_rate);
  } else {
    std::printf("not reconnected (--reconnect false): the sessions stay on the broker\n");
  }
  print_errors(r.errors);

  auto after = [&r](auto v) { return r.reconnected ? json(v) : json(nullptr); };
  json out;
  out["mode"] = "queue";
  out["settings"] = {{"sessions", s.sessions}, {"messages", s.messages},
                     {"qos", static_cast<unsigned>(s.qos_level)}, {"payload", s.payload_size},
                     {"topic", s.topic}, {"inflight", s.inflight},
                     {"concurrency", s.concurrency}, {"hold_s", s.hold_s},
                     {"reconnect", s.reconnect}, {"drain_timeout_s", s.drain_s}};
  out["queued_offered"] = r.offered;
  out["subscribed"] = r.subscribed;
  out["published"] = r.published;
  out["acked"] = r.acked;
  out["publish_s"] = r.publish_s;
  out["publish_rate"] = r.publish_rate;
  out["reconnected"] = r.reconnected;
  out["sessions_present"] = after(r.sessions_present);
  out["received"] = after(r.received);
  out["delivered"] = after(r.delivered);
  out["duplicates"] = after(r.duplicates);
  out["out_of_order"] = after(r.out_of_order);
  out["per_session_min"] = after(r.per_session_min);
  out["per_session_max"] = after(r.per_session_max);
  out["drain_s"] = after(r.drain_s);
  out["drain_rate"] = after(r.drain_rate);
  out["errors"] = errors_json(r.errors);
  return out;
}

}  // namespace mqtt::bench
