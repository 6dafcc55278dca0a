// load_scenarios.cpp: the load group of stress scenarios — many connections at once.
#include <sstream>

#include "stress/connection_pool.hpp"
#include "stress/pool_phases.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {
namespace {

using namespace std::chrono_literals;

struct flood_plan {
  std::size_t connections;
  double idle_s;        // all connected, nothing sent but PINGREQ
  double publish_s;     // every connection publishes
  int ticks_per_message;  // of 100 ms: 10 is one message a second per connection
  std::chrono::seconds connect_deadline;
};

flood_plan plan_for(const context& c) {
  flood_plan p;
  p.connections = c.quick ? 1'000 : 10'000;
  p.idle_s = std::max(1.0, c.duration_s / 4);
  p.publish_s = std::max(1.0, c.duration_s - p.idle_s);
  p.ticks_per_message = c.quick ? 5 : 10;  // quick: 2 msg/s x 1,000; full: 1 msg/s x 10,000
  p.connect_deadline = c.quick ? 30s : 90s;
  return p;
}

// Every 50th connection publishes to a topic the first four watch; the rest to topics
// nobody subscribes to, which is most of what a fleet of sensors does.
std::string flood_topic(const context& c, std::size_t i) {
  return c.run_id + (i % 50 == 0 ? "/flood/watched/" : "/flood/quiet/") + std::to_string(i);
}

// add_flood_connections queues the connections: half 5.0, half 3.1.1, the first four
// subscribed at QoS 0 to the watched topics.
void add_flood_connections(const context& c, connection_pool& pool, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    pool_connection_options o;
    o.client_id = c.run_id + "-f" + std::to_string(i);
    o.version = i % 2 == 0 ? codec::protocol_version::v5_0 : codec::protocol_version::v3_1_1;
    if (i < 4) o.subscribe.push_back({c.run_id + "/flood/watched/+", {}});
    pool.add(std::move(o));
  }
}

// judge_connects says how the connect phase ended. A refusal with a reason code is the
// broker stating a limit: 5.0 3.2.2.2 "If a well formed CONNECT packet is received by the
// Server, but the Server is unable to complete the Connection the Server MAY send a CONNACK
// packet containing the appropriate Connect Reason code" (0x89 Server busy, 0x97 Quota
// exceeded, 0x9F Connection rate exceeded; 3.1.1 return code 3, Server unavailable). A
// close without a word or no answer at all is not a documented limit: degraded.
void judge_connects(const connection_pool& pool, std::size_t target, scenario_report& rep) {
  const auto t = tally(pool);
  rep.saw(t.describe());
  if (t.connected == target) return;
  if (t.failed > 0) {
    rep.degrade("our side could not open " + std::to_string(t.failed) + " sockets (" + t.first_failure +
                "); the broker was not tested at the full count");
    return;
  }
  if (t.refused > 0 && t.closed == 0 && t.unfinished == 0) {
    rep.saw("the broker refused " + std::to_string(t.refused) + " connections with a CONNACK reason code: "
            "a limit it states on the wire, which the spec allows");
    return;
  }
  rep.degrade(std::to_string(target - t.connected) + " of " + std::to_string(target) +
              " connections did not get CONNACK 0 without the broker giving a reason code");
}

void rss_per_connection(const context& c, std::optional<long> before, std::size_t connected,
                        scenario_report& rep) {
  const auto after = c.rss_kib();
  if (!before || !after || connected == 0) return;
  const double per = static_cast<double>(*after - *before) / static_cast<double>(connected);
  std::ostringstream s;
  s.precision(1);
  s << std::fixed << "broker RSS " << *before / 1024 << " MiB -> " << *after / 1024 << " MiB with "
    << connected << " connections: " << per << " KiB per connection";
  rep.saw(s.str());
}

// publish_round sends this tick's messages: each connection every ticks_per_message ticks,
// every fifth of its messages at QoS 1 when its previous QoS 1 is acknowledged.
void publish_round(const context& c, connection_pool& pool, const flood_plan& p, long tick,
                   const std::vector<std::string>& topics, codec::byte_view payload) {
  for (std::size_t i = 0; i < pool.size(); ++i) {
    if ((static_cast<std::size_t>(tick) + i) % static_cast<std::size_t>(p.ticks_per_message) != 0) continue;
    const auto& conn = pool.at(i);
    const bool qos1 = (conn.sent_qos0 + conn.sent_qos1) % 5 == 4 && conn.unacked.empty();
    pool.publish(i, topics[i], qos1 ? codec::qos::at_least_once : codec::qos::at_most_once, payload, 1);
  }
  (void)c;
}

void publish_phase(context& c, connection_pool& pool, const flood_plan& p, scenario_report& rep) {
  std::vector<std::string> topics;
  for (std::size_t i = 0; i < pool.size(); ++i) topics.push_back(flood_topic(c, i));
  const codec::byte_buffer payload(64, 'm');
  const auto start = pool_clock::now();
  const auto end = start + std::chrono::duration_cast<pool_clock::duration>(std::chrono::duration<double>(p.publish_s));
  long tick = 0;
  bool probed = false;
  while (pool_clock::now() < end && !c.stopping()) {
    publish_round(c, pool, p, tick++, topics, payload);
    const auto next = start + tick * 100ms;
    while (pool_clock::now() < next) pool.poll(10ms);
    if (!probed && pool_clock::now() - start > std::chrono::duration<double>(p.publish_s / 2)) {
      record_probe(rep, "while publishing", probe_while(c, pool));
      probed = true;
    }
    c.progress("connection-flood: publishing, " + std::to_string(tick / 10) + " s");
  }
  const auto t = tally(pool);
  rep.saw("published " + std::to_string(t.sent_qos0) + " QoS 0 and " + std::to_string(t.sent_qos1) +
          " QoS 1 messages in " + seconds_text(p.publish_s) + " s; " +
          std::to_string(t.acked) + " PUBACKs so far (" + std::to_string(t.ack_errors) +
          " with a reason code >= 0x80); the 4 watchers received " + std::to_string(t.received));
}

// settle_acks waits for the PUBACKs still owed. 4.3.2: the receiver "MUST respond with a
// PUBACK packet containing the Packet Identifier from the incoming PUBLISH packet"
// [MQTT-4.3.2-4]; a broker that closed the connection owes nothing on it, so only open
// connections count.
void settle_acks(context& c, connection_pool& pool, scenario_report& rep) {
  const auto deadline = pool_clock::now() + 10s;
  while (tally(pool).owed_on_open > 0 && pool_clock::now() < deadline && !c.stopping()) pool.poll(50ms);
  const auto t = tally(pool);
  if (t.owed_on_open > 0)
    rep.fail(std::to_string(t.owed_on_open) + " QoS 1 PUBLISH on open connections still had no PUBACK 10 s "
             "after publishing stopped [MQTT-4.3.2-4]");
  else
    rep.saw("every QoS 1 PUBLISH on a connection still open was acknowledged; " + std::to_string(t.connected) +
            " connections open at the end, " + std::to_string(t.closed) + " closed by the broker");
}

scenario_report connection_flood(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.3.2-4";
  const auto p = plan_for(c);
  const auto rss_before = c.rss_kib();
  connection_pool pool(c.address);
  add_flood_connections(c, pool, p.connections);
  const double took = connect_all(c, pool, p.connect_deadline, "connection-flood");
  rep.saw("opened " + std::to_string(p.connections) + " connections (half 5.0, half 3.1.1, 256 connects in "
          "flight at most) in " + seconds_text(took) + " s");
  judge_connects(pool, p.connections, rep);
  hold(c, pool, 1.0);  // let the broker settle before its memory is read
  rss_per_connection(c, rss_before, tally(pool).connected, rep);
  record_probe(rep, "with all connections idle", probe_while(c, pool));
  hold(c, pool, p.idle_s);
  publish_phase(c, pool, p, rep);
  settle_acks(c, pool, rep);
  return rep;
}

}  // namespace

std::vector<scenario> load_scenarios() {
  return {
      {"connection-flood", "load",
       "10,000 connections (quick: 1,000) connect, idle, then all publish QoS 0 and QoS 1",
       connection_flood, 128},
  };
}

}  // namespace mqtt::cert::stress
