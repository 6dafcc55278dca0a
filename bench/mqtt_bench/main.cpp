// main.cpp: mqtt-bench, a load generator for MQTT brokers on loopback.
// Exit status: 0 when the run finished (errors, if any, are in the report), 1 when it
// could not run (setup failed), 2 for a bad flag.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <sched.h>
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "bench/mqtt_bench/conn_run.hpp"
#include "bench/mqtt_bench/pub_sub_run.hpp"
#include "bench/mqtt_bench/queue_report.hpp"
#include "bench/mqtt_bench/queue_run.hpp"
#include "bench/mqtt_bench/run_report.hpp"
#include "bench/mqtt_bench/topic_pattern.hpp"

namespace {

using namespace mqtt::bench;
using json = nlohmann::json;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mqtt-bench: MQTT load generator for brokers on loopback (pub-sub, conn, queue)",
               "mqtt-bench"};
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();

  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::string mqtt = "3.1.1";
  std::string json_file;
  int cpu = -1;
  std::string prefix = "mqtt-bench";
  auto common = [&](CLI::App* sub) {
    sub->add_option("--host", host, "Broker address; IPv4 loopback only");
    sub->add_option("--port", port, "Broker port");
    sub->add_option("--mqtt", mqtt, "Protocol version")->check(CLI::IsMember({"3.1.1", "5", "5.0"}));
    sub->add_option("--json", json_file, "Also write the results as JSON to FILE")->type_name("FILE");
    sub->add_option("--cpu", cpu, "Pin the load generator to this CPU (-1: no pinning)");
    sub->add_option("--client-prefix", prefix, "Client Identifier prefix");
  };

  pub_sub_settings ps;
  unsigned qos = 0;
  auto* pub_sub = app.add_subcommand("pub-sub", "N publishers, M subscribers: throughput, latency, losses");
  common(pub_sub);
  pub_sub->add_option("-p,--publishers", ps.publishers, "Publishers")->check(CLI::Range(1u, 10000u));
  pub_sub->add_option("-s,--subscribers", ps.subscribers, "Subscribers")->check(CLI::Range(1u, 10000u));
  pub_sub->add_option("--topic", ps.topic, "Publish topic; %i becomes the publisher index");
  auto* filter_opt = pub_sub->add_option(
      "--filter", ps.filter,
      "Subscription filter; must match every publisher's topic (--pairs: %i becomes the "
      "subscriber's index, default: the --topic pattern)");
  bool pairs = false;
  std::string share_group;
  auto* pairs_opt = pub_sub->add_flag(
      "--pairs", pairs,
      "Publisher i -> subscriber i only (needs -p == -s); another publisher's message is an error");
  pub_sub->add_option("--shared", share_group,
                      "Subscribers form Shared Subscription group GROUP ($share/GROUP/<filter>): "
                      "each message to exactly one of them")
      ->type_name("GROUP")
      ->excludes(pairs_opt);
  pub_sub->add_option("-q,--qos", qos, "QoS of PUBLISH and SUBSCRIBE")->check(CLI::Range(0u, 2u));
  pub_sub->add_option("--payload", ps.payload_size, "Payload bytes (>= 20)")->check(CLI::Range(std::size_t{20}, std::size_t{1} << 24));
  pub_sub->add_option("--rate", ps.rate, "Messages/s over all publishers; 0 = max rate")->check(CLI::NonNegativeNumber);
  pub_sub->add_option("--window", ps.window,
                      "Max rate only: messages published and not yet delivered to every "
                      "subscriber, at most; 0 = unbounded (open loop)");
  pub_sub->add_option("--inflight", ps.inflight, "QoS 1/2: unacknowledged PUBLISHes per publisher")->check(CLI::Range(1u, 65535u));
  pub_sub->add_option("-d,--duration", ps.duration_s, "Publishing time, seconds")->check(CLI::Range(0.1, 3600.0));
  pub_sub->add_option("--drain", ps.drain_s, "Wait at most this long for late deliveries, seconds")->check(CLI::Range(0.0, 60.0));

  conn_settings cs;
  auto* conn = app.add_subcommand("conn", "Connection setup rate: CONNECT to CONNACK");
  common(conn);
  conn->add_option("-n,--connections", cs.connections, "Connections to open")->check(CLI::Range(1u, 100000u));
  conn->add_option("-c,--concurrency", cs.concurrency, "Handshakes in progress at once")->check(CLI::Range(1u, 100000u));
  conn->add_option("--hold", cs.hold_s, "Keep all open this long at the end, seconds")->check(CLI::Range(0.0, 600.0));
  conn->add_option("--timeout", cs.timeout_s, "Give up after this long, seconds")->check(CLI::Range(0.1, 600.0));
  conn->add_flag("!--single-source", cs.spread_sources,
                 "Connect from 127.0.0.1 only, not from 127.1.x.y addresses in turn (then the kernel's local port search grows with the sockets left in TIME_WAIT)");

  queue_settings qs;
  unsigned queue_qos = 1;
  auto* queue = app.add_subcommand(
      "queue", "Messages queued for offline sessions: publish rate, what the broker keeps");
  common(queue);
  queue->add_option("--sessions", qs.sessions, "Offline subscriber sessions, all on one topic")->check(CLI::Range(1u, 100000u));
  queue->add_option("--messages", qs.messages, "Messages published; each session is owed all")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  queue->add_option("-q,--qos", queue_qos, "QoS of PUBLISH and SUBSCRIBE")->check(CLI::Range(1u, 2u));
  queue->add_option("--payload", qs.payload_size, "Payload bytes (>= 20)")->check(CLI::Range(std::size_t{20}, std::size_t{1} << 24));
  queue->add_option("--topic", qs.topic, "The one topic every session subscribes to");
  queue->add_option("--inflight", qs.inflight, "Publisher's unacknowledged PUBLISHes at most (and never above the broker's Receive Maximum)")->check(CLI::Range(1u, 65535u));
  queue->add_option("-c,--concurrency", qs.concurrency, "Session handshakes in progress at once")->check(CLI::Range(1u, 100000u));
  queue->add_option("--hold", qs.hold_s, "Once all is queued, wait this long (read the broker's RSS), seconds")->check(CLI::Range(0.0, 3600.0));
  queue->add_option("--reconnect", qs.reconnect, "Then reconnect every session and count what it gets (true/false)");
  queue->add_option("--drain", qs.drain_s, "Reconnected: stop after this long even if messages still come, seconds")->check(CLI::Range(0.1, 3600.0));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message; its own exit codes (105, 106, 108, ...) all mean "bad flag".
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
      std::fprintf(stderr, "mqtt-bench: error: cannot pin to CPU %d\n", cpu);
      return 2;
    }
  }
  const auto version = mqtt == "3.1.1" ? mqtt::codec::protocol_version::v3_1_1
                                       : mqtt::codec::protocol_version::v5_0;
  json out;
  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);
  out["command"] = cmdline;
  out["mqtt"] = mqtt;
  out["port"] = port;

  if (pub_sub->parsed()) {
    if (pairs && ps.publishers != ps.subscribers) {
      std::fprintf(stderr, "mqtt-bench: error: --pairs needs -p == -s (got -p %u -s %u)\n",
                   ps.publishers, ps.subscribers);
      return 2;
    }
    if (pub_sub->count("--shared") > 0 && !valid_share_name(share_group)) {
      std::fprintf(stderr,
                   "mqtt-bench: error: --shared GROUP must be non-empty, without '/', '+' or '#'\n");
      return 2;
    }
    if (pairs) {
      ps.shape = delivery_shape::pairs;
      if (filter_opt->count() == 0) ps.filter = ps.topic;
    } else if (pub_sub->count("--shared") > 0) {
      ps.shape = delivery_shape::shared;
      ps.share_group = share_group;
    }
  }

  try {
    if (pub_sub->parsed()) {
      ps.host = host;
      ps.port = port;
      ps.version = version;
      ps.qos_level = static_cast<mqtt::codec::qos>(qos);
      ps.client_prefix = prefix;
      const pub_sub_result r = run_pub_sub(ps);
      std::uint64_t sent = 0, acked = 0, lost = 0, dups = 0, ooo = 0;
      json per = json::array();
      for (const auto& p : r.publishers) {
        sent += p.sent;
        acked += p.acked;
        lost += p.lost;
        dups += p.duplicates;
        ooo += p.out_of_order;
        per.push_back({{"index", p.index}, {"sent", p.sent}, {"acked", p.acked},
                       {"received", p.received}, {"lost", p.lost},
                       {"duplicates", p.duplicates}, {"out_of_order", p.out_of_order}});
      }
      const std::string shape = ps.shape == delivery_shape::pairs    ? " in pairs"
                                : ps.shape == delivery_shape::shared ? " shared as " + share_group
                                                                     : "";
      std::printf("pub-sub: %u pub -> %u sub%s, QoS %u, %zu B, MQTT %s, %s, %.1f s\n",
                  ps.publishers, ps.subscribers, shape.c_str(), qos, ps.payload_size, mqtt.c_str(),
                  ps.rate > 0 ? (std::to_string(ps.rate) + " msg/s").c_str() : "max rate",
                  r.duration_s);
      std::printf("throughput: in %.0f msg/s, out %.0f msg/s\n", r.in_rate, r.out_rate);
      print_latency("latency", r.latency);
      std::printf("sent %llu, acked %llu, deliveries %llu, lost %llu, duplicates %llu, out of order %llu, window stalls %llu\n",
                  (unsigned long long)sent, (unsigned long long)acked,
                  (unsigned long long)r.delivered_total, (unsigned long long)lost,
                  (unsigned long long)dups, (unsigned long long)ooo,
                  (unsigned long long)r.window_stalls);
      print_errors(r.errors);
      out["mode"] = "pub-sub";
      out["settings"] = {{"publishers", ps.publishers}, {"subscribers", ps.subscribers},
                         {"topic", ps.topic}, {"filter", ps.filter}, {"qos", qos},
                         {"payload", ps.payload_size}, {"rate", ps.rate},
                         {"window", ps.window}, {"inflight", ps.inflight},
                         {"duration_s", ps.duration_s},
                         {"pairs", ps.shape == delivery_shape::pairs},
                         {"shared", ps.shape == delivery_shape::shared ? json(share_group) : json(nullptr)}};
      out["duration_s"] = r.duration_s;
      out["published"] = r.published;
      out["delivered"] = r.delivered;
      out["delivered_total"] = r.delivered_total;
      out["in_msgs_per_s"] = r.in_rate;
      out["out_msgs_per_s"] = r.out_rate;
      out["latency"] = latency_json(r.latency);
      out["totals"] = {{"sent", sent}, {"acked", acked}, {"lost", lost},
                       {"duplicates", dups}, {"out_of_order", ooo},
                       {"window_stalls", r.window_stalls}};
      out["publishers"] = per;
      out["errors"] = errors_json(r.errors);
    } else if (queue->parsed()) {
      qs.host = host;
      qs.port = port;
      qs.version = version;
      qs.qos_level = static_cast<mqtt::codec::qos>(queue_qos);
      qs.client_prefix = prefix;
      print_queue_start(qs, mqtt);
      const queue_result r = run_queue(qs, [&qs](const queue_result& so_far) { print_queued(qs, so_far); });
      out.update(report_queue(qs, r));
    } else {
      cs.host = host;
      cs.port = port;
      cs.version = version;
      cs.client_prefix = prefix;
      const conn_result r = run_conn(cs);
      std::printf("conn: %u connections, %u at a time, MQTT %s\n", cs.connections,
                  cs.concurrency, mqtt.c_str());
      std::printf("connected %llu in %.3f s: %.0f conn/s\n", (unsigned long long)r.connected,
                  r.elapsed_s, r.rate);
      print_latency("CONNECT->CONNACK", r.latency);
      print_errors(r.errors);
      out["mode"] = "conn";
      out["settings"] = {{"connections", cs.connections}, {"concurrency", cs.concurrency}};
      out["connected"] = r.connected;
      out["elapsed_s"] = r.elapsed_s;
      out["conn_per_s"] = r.rate;
      out["latency"] = latency_json(r.latency);
      out["errors"] = errors_json(r.errors);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mqtt-bench: error: %s\n", e.what());
    return 1;
  }
  out["bench_cpu_s"] = cpu_seconds();
  std::printf("mqtt-bench CPU: %.2f s\n", cpu_seconds());
  if (!json_file.empty()) {
    std::ofstream f(json_file, std::ios::trunc);
    f << out.dump(2) << "\n";
    if (!f) {
      std::fprintf(stderr, "mqtt-bench: error: cannot write %s\n", json_file.c_str());
      return 1;
    }
  }
  return 0;
}
