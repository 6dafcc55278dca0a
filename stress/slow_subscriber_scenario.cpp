// slow_subscriber_scenario.cpp: the slow-subscriber scenario (slow group). A subscriber
// stops reading while a publisher sends tens of MB to the topics it holds; a second,
// normal subscriber on the same topics must keep receiving, every QoS 1 message included.
#include <algorithm>
#include <map>
#include <set>

#include "stress/connection_pool.hpp"
#include "stress/pool_phases.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t publisher = 0, normal = 1, slow = 2;

// flow is what the publisher sent and what the normal subscriber got, by sequence number
// (the first 8 bytes of each payload).
struct flow {
  std::string topic_q0, topic_q1;
  std::map<std::uint16_t, std::uint64_t> in_flight;  // publisher packet id -> sequence
  std::set<std::uint64_t> acked;                     // QoS 1, PUBACK 0x00: the broker owns them
  std::uint64_t ack_no_subscribers = 0, ack_errors = 0;
  std::set<std::uint64_t> got_q1;                    // at the normal subscriber
  std::uint64_t got_q0 = 0, out_of_order = 0, last_q1 = 0;
  std::string first_disorder;                        // "3 after 5", for evidence
  std::uint64_t sent_q0 = 0, sent_q1 = 0, bytes = 0;
};

std::uint64_t sequence_of(const codec::byte_buffer& payload) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < 8 && i < payload.size(); ++i) s = (s << 8) | payload[i];
  return s;
}

// on_normal_publish checks the order on the QoS 1 topic. 5.0 4.6: "When a Server processes
// a message that has been published to an Ordered Topic, it MUST send PUBLISH packets to
// consumers (for the same Topic and QoS) in the order that they were received from any
// given Client [MQTT-4.6.0-5]", and every topic is ordered by default [MQTT-4.6.0-6]. A
// resend with DUP set may repeat an earlier one.
void on_normal_publish(flow& f, const codec::publish_packet& p) {
  if (p.topic == f.topic_q0) {
    ++f.got_q0;
    return;
  }
  if (p.topic != f.topic_q1) return;
  const auto seq = sequence_of(p.payload);
  if (seq <= f.last_q1 && !p.dup && f.got_q1.count(seq) == 0 && f.out_of_order++ == 0)
    f.first_disorder = "message " + std::to_string(seq) + " after " + std::to_string(f.last_q1);
  f.last_q1 = std::max(f.last_q1, seq);
  f.got_q1.insert(seq);
}

pool_events events_for(flow& f) {
  pool_events e;
  e.on_publish = [&f](std::size_t conn, const codec::publish_packet& p) {
    if (conn == normal) on_normal_publish(f, p);
  };
  e.on_puback = [&f](std::size_t conn, std::uint16_t id, std::uint8_t reason) {
    if (conn != publisher) return;
    const auto it = f.in_flight.find(id);
    if (it == f.in_flight.end()) return;
    if (reason == 0x00) f.acked.insert(it->second);
    else if (reason == 0x10) ++f.ack_no_subscribers;  // "No matching subscribers": nothing owed
    else ++f.ack_errors;
    f.in_flight.erase(it);
  };
  return e;
}

void add_clients(const context& c, connection_pool& pool, const flow& f) {
  const std::vector<codec::subscription> subs = {{f.topic_q0, {codec::qos::at_most_once}},
                                                 {f.topic_q1, {codec::qos::at_least_once}}};
  pool_connection_options o;
  o.client_id = c.run_id + "-pub";
  pool.add(o);
  o.client_id = c.run_id + "-normal";
  o.subscribe = subs;
  pool.add(o);
  // A receive buffer of 4 KiB (the kernel doubles it) fills after two messages.
  o.client_id = c.run_id + "-slow";
  o.receive_buffer = 4096;
  pool.add(o);
}

// publish_some sends what the pace allows: `rate` bytes a second, QoS 0 and QoS 1 in turn,
// payloads of 1 to 4 KiB whose first 8 bytes are the sequence number.
void publish_some(connection_pool& pool, flow& f, double allowed_bytes) {
  while (static_cast<double>(f.bytes) < allowed_bytes) {
    const std::uint64_t seq = f.sent_q0 + f.sent_q1 + 1;
    codec::byte_buffer payload(1024 + (seq * 997) % 3072, 'p');
    for (int i = 0; i < 8; ++i) payload[i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
    const bool q1 = seq % 2 == 0;
    const auto id = pool.publish(publisher, q1 ? f.topic_q1 : f.topic_q0,
                                 q1 ? codec::qos::at_least_once : codec::qos::at_most_once, payload, 32);
    if (!id) return;  // window full or socket backed up: the pace waits for the broker
    if (q1) {
      f.in_flight[*id] = seq;
      ++f.sent_q1;
    } else {
      ++f.sent_q0;
    }
    f.bytes += payload.size();
  }
}

struct watch {
  std::optional<long> rss_base, rss_peak;
  std::optional<double> slow_gone_after;  // seconds from the start of publishing
  pool_clock::time_point start = pool_clock::now();
  void sample(const context& c, const connection_pool& pool) {
    if (const auto r = c.rss_kib()) rss_peak = std::max(rss_peak.value_or(*r), *r);
    if (!slow_gone_after && pool.peer_gone(slow))
      slow_gone_after = std::chrono::duration<double>(pool_clock::now() - start).count();
  }
};

void publish_phase(context& c, connection_pool& pool, flow& f, watch& w, std::size_t total_bytes) {
  const double seconds = std::max(2.0, c.duration_s);
  const double rate = static_cast<double>(total_bytes) / seconds;
  auto last_sample = pool_clock::now();
  while (f.bytes < total_bytes && !c.stopping()) {
    const double elapsed = std::chrono::duration<double>(pool_clock::now() - w.start).count();
    if (elapsed > seconds * 3) break;  // the broker accepts less than a third of the pace
    publish_some(pool, f, std::min(static_cast<double>(total_bytes), rate * (elapsed + 0.05)));
    pool.poll(5ms);
    if (pool_clock::now() - last_sample > 200ms) {
      last_sample = pool_clock::now();
      w.sample(c, pool);
      c.progress("slow-subscriber: " + std::to_string(f.bytes >> 20) + " MiB published");
    }
  }
}

// settle waits (up to 10 s) for the normal subscriber to receive every acknowledged QoS 1
// message, still watching memory and the slow one.
void settle(context& c, connection_pool& pool, flow& f, watch& w) {
  const auto end = pool_clock::now() + 10s;
  auto missing = [&f] {
    return std::any_of(f.acked.begin(), f.acked.end(), [&f](std::uint64_t s) { return f.got_q1.count(s) == 0; });
  };
  while ((missing() || !f.in_flight.empty()) && pool_clock::now() < end && !c.stopping()) {
    pool.poll(50ms);
    w.sample(c, pool);
  }
}

void report_flow(const context& c, const connection_pool& pool, const flow& f, const watch& w, scenario_report& rep);

}  // namespace

scenario_report slow_subscriber(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.1.0-1";
  flow f;
  f.topic_q0 = c.run_id + "/slow/q0";
  f.topic_q1 = c.run_id + "/slow/q1";
  connection_pool pool(c.address, events_for(f));
  add_clients(c, pool, f);
  connect_all(c, pool, 10s, "slow-subscriber");
  const auto ready = pool_clock::now() + 5s;
  while (!(pool.at(normal).subscribed && pool.at(slow).subscribed) && pool_clock::now() < ready) pool.poll(20ms);
  for (std::size_t i : {publisher, normal, slow}) {
    const bool needs_sub = i != publisher;
    if (pool.at(i).state != pool_state::connected || (needs_sub && !pool.at(i).subscribed)) {
      rep.degrade("client " + std::to_string(i) + " could not connect and subscribe: " + pool.at(i).error);
      return rep;
    }
  }
  pool.stop_reading(slow);
  watch w;
  w.rss_base = c.rss_kib();
  const std::size_t total = (c.quick ? 16u : 64u) << 20;
  publish_phase(c, pool, f, w, total);
  record_probe(rep, "after publishing", probe_while(c, pool));
  settle(c, pool, f, w);
  report_flow(c, pool, f, w, rep);
  return rep;
}

namespace {

void report_memory(const context& c, const watch& w, scenario_report& rep) {
  if (!w.rss_base || !w.rss_peak) return;
  const long grown_mib = (*w.rss_peak - *w.rss_base) / 1024;
  rep.saw("broker RSS peaked " + std::to_string(grown_mib) + " MiB above its " + std::to_string(*w.rss_base / 1024) +
          " MiB baseline");
  const long bound = c.quick ? 128 : 256;
  if (grown_mib > bound)
    rep.degrade("memory grew more than " + std::to_string(bound) + " MiB for one subscriber that does not read: "
                "the outbound queue is not bounded");
}

// report_flow judges the normal subscriber. It is a live session that reads: 5.0 4.1.0-1
// "The Client and Server MUST NOT discard the Session State while the Network Connection is
// open", and the QoS 1 messages it is owed are part of that state. QoS 0 is "at most once"
// (4.3.1) and may be dropped; starving the normal subscriber of it is only degraded.
void report_flow(const context& c, const connection_pool& pool, const flow& f, const watch& w, scenario_report& rep) {
  rep.saw("published " + std::to_string(f.bytes >> 20) + " MiB: " + std::to_string(f.sent_q0) + " QoS 0 and " +
          std::to_string(f.sent_q1) + " QoS 1 (" + std::to_string(f.acked.size()) + " PUBACK 0x00, " +
          std::to_string(f.ack_no_subscribers) + " 0x10, " + std::to_string(f.ack_errors) + " errors, " +
          std::to_string(f.in_flight.size()) + " unanswered)");
  std::uint64_t missing = 0;
  for (auto s : f.acked) missing += f.got_q1.count(s) == 0 ? 1 : 0;
  rep.saw("the normal subscriber received " + std::to_string(f.got_q0) + " QoS 0 and " +
          std::to_string(f.got_q1.size()) + " QoS 1 messages; " + std::to_string(missing) +
          " acknowledged QoS 1 messages missing, " + std::to_string(f.out_of_order) + " out of order");
  rep.saw(w.slow_gone_after ? "the broker closed the subscriber that does not read " +
                                  seconds_text(*w.slow_gone_after) + " s after publishing began"
                            : std::string("the subscriber that does not read was still connected at the end"));
  report_memory(c, w, rep);
  if (pool.at(normal).state != pool_state::connected) {
    rep.degrade("the broker closed the normal subscriber too (" + pool.at(normal).error + ")");
    return;
  }
  if (missing > 0) rep.fail(std::to_string(missing) + " QoS 1 messages the broker acknowledged never reached the "
                            "normal subscriber, a live session that reads [MQTT-4.1.0-1]");
  if (f.out_of_order > 0) rep.fail(std::to_string(f.out_of_order) + " QoS 1 messages from one publisher on one topic arrived out "
                                   "of order, first " + f.first_disorder + " [MQTT-4.6.0-5]");
  if (f.sent_q0 > 0 && f.got_q0 * 2 < f.sent_q0)
    rep.degrade("the normal subscriber got fewer than half the QoS 0 messages: the slow one starved it");
  if (pool.at(publisher).state != pool_state::connected)
    rep.degrade("the broker closed the publisher (" + pool.at(publisher).error + ")");
}

}  // namespace
}  // namespace mqtt::cert::stress
