// slow_scenarios.cpp: the slow group of stress scenarios — peers that take their time:
// a CONNECT one byte a second, connections that never speak, a subscriber that never reads.
#include <arpa/inet.h>

#include <algorithm>
#include <thread>

#include "codec/packet_codec.hpp"
#include "stress/clients.hpp"
#include "stress/connection_pool.hpp"
#include "stress/pool_phases.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {
namespace {

using namespace std::chrono_literals;

double since(pool_clock::time_point t) { return std::chrono::duration<double>(pool_clock::now() - t).count(); }

// The timeout for a CONNECT that has not arrived is the Server's choice. 5.0 3.1.4 (3.1.1
// 3.1.4 has the same words): "If the Server does not receive a CONNECT packet within a
// reasonable amount of time after the Network Connection is established, the Server SHOULD
// close the Network Connection." No number is given, so neither closing nor keeping a slow
// or silent connection is judged; what is judged is that other clients are unaffected.
constexpr const char* connect_timeout_rule = "v5.0/3.1.4-1 (SHOULD close without a CONNECT in reasonable time)";

struct trickler {
  std::unique_ptr<raw_client> client;
  codec::byte_buffer connect;   // the whole CONNECT, sent one byte a second
  std::size_t sent = 0;
  pool_clock::time_point opened;
  std::optional<double> closed_after;  // seconds from TCP connect to the broker's close
  bool connacked = false;
};

std::vector<trickler> open_tricklers(const context& c, int n, scenario_report& rep) {
  std::vector<trickler> out;
  char host[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &c.address.sin_addr, host, sizeof host);
  for (int i = 0; i < n; ++i) {
    trickler t;
    t.client = std::make_unique<raw_client>("slow" + std::to_string(i));
    if (!t.client->connect(host, ntohs(c.address.sin_port))) {
      rep.degrade("TCP connect " + std::to_string(i) + " failed: " + t.client->connect_error());
      continue;
    }
    codec::connect_packet p;
    p.client_id = c.run_id + "-slow" + std::to_string(i);
    p.keep_alive = 60;
    t.connect = codec::encode_packet(p, codec::protocol_version::v5_0);
    t.opened = pool_clock::now();
    out.push_back(std::move(t));
  }
  return out;
}

// trickle_round sends each open connection its next byte, then watches each for a close
// for its share of a second, so every connection gets one byte a second.
void trickle_round(std::vector<trickler>& ts) {
  const auto share = std::chrono::milliseconds(1000 / std::max<std::size_t>(1, ts.size()));
  for (auto& t : ts) {
    if (t.closed_after || t.connacked) {
      std::this_thread::sleep_for(share);
      continue;
    }
    if (t.sent < t.connect.size()) {
      if (!t.client->send_bytes(codec::byte_view(&t.connect[t.sent], 1))) t.closed_after = since(t.opened);
      else ++t.sent;
    }
    const auto seen = t.client->expect_close(share);
    for (const auto& r : seen.before) t.connacked = t.connacked || r.as<codec::connack_packet>() != nullptr;
    if (seen.closed && !t.closed_after) t.closed_after = since(t.opened);
  }
}

scenario_report slow_connect(context& c) {
  scenario_report rep;
  rep.statement = connect_timeout_rule;
  const int n = c.quick ? 3 : 5;
  const double bound_s = c.quick ? 15 : 45;
  auto ts = open_tricklers(c, n, rep);
  const auto start = pool_clock::now();
  bool probed = false;
  auto all_done = [&ts] {
    return std::all_of(ts.begin(), ts.end(), [](const trickler& t) { return t.closed_after || t.connacked; });
  };
  while (!all_done() && since(start) < bound_s && !c.stopping()) {
    trickle_round(ts);
    if (!probed && since(start) > 3) {
      record_probe(rep, "3 s into the trickle", c.probe());
      probed = true;
    }
    c.progress("slow-connect: " + std::to_string(static_cast<int>(since(start))) + " s");
  }
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const auto& t = ts[i];
    std::string line = "connection " + std::to_string(i) + ": " + std::to_string(t.sent) + " of " +
                       std::to_string(t.connect.size()) + " CONNECT bytes sent, one a second; ";
    if (t.closed_after) line += "the broker closed it after " + seconds_text(*t.closed_after) + " s";
    else if (t.connacked) line += "the CONNECT completed and the broker answered CONNACK";
    else line += "still open after " + seconds_text(since(t.opened)) + " s (the scenario's bound)";
    rep.saw(line);
  }
  record_probe(rep, "after the trickle", c.probe());
  return rep;
}

// close_times describes when the broker closed the connections it closed.
std::string close_times(const connection_pool& pool) {
  std::vector<double> at;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    const auto& k = pool.at(i);
    if (k.state == pool_state::closed) at.push_back(std::chrono::duration<double>(k.ended_at - k.opened_at).count());
  }
  if (at.empty()) return "none closed by the broker";
  std::sort(at.begin(), at.end());
  return std::to_string(at.size()) + " closed by the broker after " + seconds_text(at.front()) + " s (first), " +
         seconds_text(at[at.size() / 2]) + " s (median), " + seconds_text(at.back()) + " s (last)";
}

scenario_report half_open(context& c) {
  scenario_report rep;
  rep.statement = connect_timeout_rule;
  const std::size_t n = c.quick ? 200 : 2'000;
  const double wait_s = c.quick ? 15 : 30;
  const auto rss_before = c.rss_kib();
  connection_pool pool(c.address);
  pool_connection_options silent;
  silent.send_connect = false;
  // 50 at a time, 250 a second: a burst larger than the listener's accept backlog makes the
  // broker's kernel drop the handshake's last ACK, and our side would hold connections the
  // broker never had (observed with a backlog of 128).
  const auto opening = pool_clock::now();
  for (std::size_t i = 0; i < n && !c.stopping(); i += 50) {
    for (std::size_t k = i; k < std::min(n, i + 50); ++k) pool.add(silent);
    connect_all(c, pool, 10s, "half-open");
    hold(c, pool, 0.2);
  }
  const double took = since(opening);
  const auto t = tally(pool);
  rep.saw(std::to_string(t.half_open + t.closed) + " of " + std::to_string(n) + " TCP connections opened in " +
          seconds_text(took) + " s, nothing sent on them" +
          (t.failed ? "; " + std::to_string(t.failed) + " failed: " + t.first_failure : std::string()));
  if (t.failed > 0) rep.degrade(std::to_string(t.failed) + " TCP connections could not be opened");
  hold(c, pool, 1.0);
  if (const auto rss = c.rss_kib(); rss && rss_before)
    rep.saw("broker RSS grew by " + std::to_string((*rss - *rss_before) / 1024) + " MiB with them open (" +
            seconds_text(static_cast<double>(*rss - *rss_before) / static_cast<double>(n)) + " KiB each)");
  record_probe(rep, "with the silent connections open", probe_while(c, pool));
  const auto start = pool_clock::now();
  while (tally(pool).half_open > 0 && since(start) < wait_s && !c.stopping()) {
    pool.poll(50ms);
    c.progress("half-open: " + std::to_string(tally(pool).half_open) + " still open");
  }
  rep.saw(close_times(pool) + "; " + std::to_string(tally(pool).half_open) + " still open " +
          seconds_text(since(pool.at(0).opened_at)) + " s after the first was opened");
  record_probe(rep, "at the end", probe_while(c, pool));
  return rep;
}

}  // namespace

scenario_report slow_subscriber(context& c);  // slow_subscriber_scenario.cpp

std::vector<scenario> slow_scenarios() {
  return {
      {"slow-connect", "slow", "a few connections send their CONNECT one byte a second", slow_connect},
      {"half-open", "slow", "2,000 TCP connections (quick: 200) that never send a byte", half_open},
      {"slow-subscriber", "slow",
       "a subscriber that never reads while tens of MB are published to it at QoS 0 and 1", slow_subscriber, 128},
  };
}

}  // namespace mqtt::cert::stress
