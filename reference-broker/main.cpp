// main.cpp: mqtt-refbroker, the reference MQTT 3.1.1 / 5.0 broker on nng.
// Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 1 when it cannot start (address
// in use, ...), 2 for a bad flag, value or configuration file.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <sched.h>
#include <string>
#include <vector>

#include "reference-broker/core/fault_injection.hpp"
#include "reference-broker/net/authorizer_factory.hpp"
#include "reference-broker/net/log_sink.hpp"
#include "reference-broker/net/server.hpp"

namespace {

using namespace mqtt::broker;
using namespace mqtt::broker::net;

constexpr int exit_cannot_start = 1;
constexpr int exit_usage = 2;

// write_port_file writes one bound port per line, in --listen order, through a temporary
// file and a rename so a test polling for it never reads half of it.
void write_port_file(const std::string& path, const std::vector<int>& ports) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write --port-file " + path);
    for (int p : ports) out << p << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write --port-file " + path);
  }
  std::filesystem::rename(tmp, path);
}

// keep_cpus keeps this thread, and every thread started after it, on the first `n` CPUs
// it may run on. nng 1.5.2 fixes the size of its thread pool when it is built, so this is
// how --threads bounds the cores the broker uses. Returns the CPUs kept (0: no change).
unsigned keep_cpus(unsigned n) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 0;
  cpu_set_t keep;
  CPU_ZERO(&keep);
  unsigned kept = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && kept < n; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) {
      CPU_SET(cpu, &keep);
      ++kept;
    }
  }
  if (sched_setaffinity(0, sizeof keep, &keep) != 0) return 0;
  return kept;
}

int usage_error(const std::string& what) {
  std::fprintf(stderr, "mqtt-refbroker: error: %s\n", what.c_str());
  return exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mqtt-refbroker: reference MQTT 3.1.1 / 5.0 broker on nng", "mqtt-refbroker"};
  app.option_defaults()->always_capture_default();
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error
  app.set_config("--config", "",
                 "Read options from FILE (TOML or INI; keys are the long option names, e.g. "
                 "max-packet-size = 65536, listen = [\"tcp://0.0.0.0:1883\"])");

  server_settings ss;
  broker_config& bc = ss.core;
  std::vector<std::string> listen{"tcp://0.0.0.0:1883"};
  tls_settings tls;
  auth_settings auth;
  std::string port_file;
  std::string log_level_name = "info";
  unsigned threads = 0;
  unsigned max_qos = 2;
  long long webhook_timeout_ms = 5000;

  app.add_option("--listen", listen,
                 "Listen URL, repeatable: tcp://HOST:PORT, ws://HOST:PORT/mqtt, "
                 "tls+tcp://HOST:PORT, wss://HOST:PORT/mqtt (port 0 picks a free port)")
      ->type_name("URL");
  app.add_option("--threads", threads,
                 "Run on N cores (the first N this process may use); 0 = all. nng 1.5.2 "
                 "fixes its thread count when it is built, so N bounds the CPUs its threads "
                 "run on rather than how many there are")
      ->type_name("N");

  auto* tls_group = app.add_option_group("TLS", "for tls+tcp:// and wss:// listeners");
  tls_group->add_option("--tls-cert", tls.cert_file, "Server certificate (chain), PEM")
      ->type_name("FILE");
  tls_group->add_option("--tls-key", tls.key_file, "Server private key, PEM, unencrypted")
      ->type_name("FILE");
  tls_group->add_option("--tls-ca", tls.ca_file,
                        "CA bundle to verify client certificates with (verified when offered)")
      ->type_name("FILE");
  tls_group->add_option("--tls-require-client-cert", tls.require_client_cert,
                        "Refuse TLS clients without a certificate valid under --tls-ca");

  auto* limits = app.add_option_group("Broker", "what CONNACK announces and the limits kept");
  limits->add_option("--max-packet-size", bc.maximum_packet_size,
                     "Largest packet accepted, bytes (Maximum Packet Size)")
      ->check(CLI::Range(std::uint32_t{16}, std::uint32_t{268'435'460}));
  limits->add_option("--receive-maximum", bc.receive_maximum,
                     "Receive Maximum: unacknowledged QoS 2 PUBLISHes per client")
      ->check(CLI::Range(1, 65535));
  limits->add_option("--topic-alias-maximum", bc.topic_alias_maximum,
                     "Topic Alias Maximum announced; 0 turns inbound aliases off");
  limits->add_option("--max-qos", max_qos, "Maximum QoS (0, 1 or 2)")->check(CLI::Range(0, 2));
  limits->add_option("--retain-available", bc.retain_available, "Retained messages (true/false)");
  limits->add_option("--wildcard-subscriptions", bc.wildcard_subscription_available,
                     "Wildcard subscriptions available (true/false)");
  limits->add_option("--subscription-identifiers", bc.subscription_identifiers_available,
                     "Subscription Identifiers available (true/false)");
  limits->add_option("--shared-subscriptions", bc.shared_subscription_available,
                     "Shared subscriptions available (true/false)");
  limits->add_option("--server-keep-alive", bc.server_keep_alive,
                     "Server Keep Alive, seconds; 0 uses each client's own Keep Alive");
  limits->add_option("--session-expiry-max", bc.maximum_session_expiry,
                     "Cap on Session Expiry Interval, seconds");
  limits->add_option("--allow-empty-client-id", bc.allow_empty_client_id,
                     "Assign a ClientID to clients that send an empty one (true/false)");
  limits->add_flag("--copy-per-subscription", bc.copy_per_subscription,
                   "Send a message that matches several subscriptions of a client once per "
                   "subscription (default: once, at the highest QoS)");
  limits->add_option("--max-client-id-length", bc.max_client_id_length,
                     "Longest ClientID accepted in bytes (0: any)");
  limits->add_option("--connect-timeout-ms", bc.connect_timeout_ms,
                     "Close a connection that has not completed CONNECT within this time")
      ->check(CLI::Range(100u, 3'600'000u));
  limits->add_option("--max-queued", bc.max_queued_messages,
                     "QoS 1/2 messages queued per session behind the in-flight window");
  limits->add_option("--max-inflight", bc.max_inflight_messages,
                     "QoS 1/2 messages in flight per session (the client's Receive Maximum "
                     "lowers it)")
      ->check(CLI::Range(1, 65535));
  limits->add_option("--max-retained", bc.max_retained_messages, "Retained messages kept at most");
  limits->add_option("--sys-interval", bc.sys_interval_ms,
                     "$SYS/broker/... statistics period, milliseconds; 0 turns them off");
  limits->add_option("--max-outbound-bytes", ss.max_outbound_bytes,
                     "Bytes queued for one connection before it is closed as a slow consumer")
      ->check(CLI::Range(std::size_t{64 * 1024}, std::size_t{1} << 34));

  auto* auth_group = app.add_option_group("Auth", "password file, ACL file, HTTP webhooks");
  auth_group->add_option("--password-file", auth.password_file,
                         "mosquitto-style password file (make one with mqtt-passwd); "
                         "SCRAM lines (mqtt-passwd --scram) offer MQTT 5 enhanced "
                         "authentication SCRAM-SHA-256")
      ->type_name("FILE");
  auth_group->add_option("--acl-file", auth.acl_file, "mosquitto-style ACL file")
      ->type_name("FILE");
  auth_group->add_option("--allow-anonymous", auth.allow_anonymous,
                         "Let clients without a User Name in when nothing else decides "
                         "(true/false)");
  auth_group->add_option("--auth-webhook-url", auth.auth_webhook_url,
                         "HTTP(S) URL asked on CONNECT (fails closed)")
      ->type_name("URL");
  auth_group->add_option("--acl-webhook-url", auth.acl_webhook_url,
                         "HTTP(S) URL asked on PUBLISH and per SUBSCRIBE filter (fails closed)")
      ->type_name("URL");
  auth_group->add_option("--webhook-timeout-ms", webhook_timeout_ms,
                         "Whole-request webhook timeout; on expiry the request is denied")
      ->check(CLI::Range(1LL, 600'000LL));
  auth_group->add_option("--webhook-method", auth.webhook_method, "post or get")
      ->check(CLI::IsMember({"post", "get"}));
  auth_group->add_option("--webhook-body", auth.webhook_body, "form or json (POST bodies)")
      ->check(CLI::IsMember({"form", "json"}));
  auth_group->add_option("--webhook-config", auth.webhook_config,
                         "JSON webhook settings (params, headers); flags override its URLs")
      ->type_name("FILE");
  auth_group->add_option("--webhook-tls-ca", auth.webhook_tls_ca,
                         "CA bundle for https:// webhooks")
      ->type_name("FILE");

  app.add_option("--time-scale", ss.time_scale,
                 "Test hook: run the broker clock N times faster than real time (keep alive, "
                 "will delay, expiry); for conformance runs only")
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--port-file", port_file,
                 "After binding, write each listener's port (one per line, --listen order) "
                 "to FILE")
      ->type_name("FILE");
  app.add_option("--log-level", log_level_name, "error, warn, info or debug")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
#if defined(MQTTCERT_FAULTS)
  std::string fault_name;
  app.add_option("--fault", fault_name,
                 "Inject one known fault, so a conformance run can show it is caught")
      ->required()
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(mqtt::broker::fault_names),
                                                     std::end(mqtt::broker::fault_names))));
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  set_log_level(*parse_log_level(log_level_name));
#if defined(MQTTCERT_FAULTS)
  mqtt::broker::injected_fault() = fault_name;
  log_line(log_level::warn, "event=fault_injected fault=" + fault_name +
                                " note=\"this broker is broken on purpose\"");
#endif
  bc.maximum_qos = static_cast<mqtt::codec::qos>(max_qos);
  auth.webhook_timeout = std::chrono::milliseconds(webhook_timeout_ms);
  if (listen.empty()) return usage_error("--listen needs at least one URL");
  for (const auto& url : listen) {
    listener_settings ls;
    ls.url = url;
    ls.tls = tls;
    ss.listeners.push_back(std::move(ls));
  }

  // SIGINT/SIGTERM are taken by sigwait() below, so block them before nng starts its
  // threads (they inherit the mask). SIGPIPE must never kill the broker.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // Before nng starts a thread, so that they all inherit the CPU set.
  const unsigned cpus_kept = threads != 0 ? keep_cpus(threads) : 0;

  std::unique_ptr<server> srv;
  try {
    srv = std::make_unique<server>(std::move(ss), make_authorizer(auth));
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  try {
    srv->start();
    if (!port_file.empty()) write_port_file(port_file, srv->bound_ports());
  } catch (const listener_config_error& e) {
    srv->shutdown(std::chrono::milliseconds(0));
    return usage_error(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mqtt-refbroker: error: %s\n", e.what());
    srv->shutdown(std::chrono::milliseconds(0));
    return exit_cannot_start;
  }
  if (threads != 0) {
    const bool short_of = cpus_kept < threads;
    log_line(short_of ? log_level::warn : log_level::info,
             "event=config option=threads value=" + std::to_string(threads) +
                 " cpus=" + std::to_string(cpus_kept) +
                 (cpus_kept == 0 ? " note=\"could not set the CPU affinity; running on all\""
                  : short_of     ? " note=\"fewer CPUs available than asked for\""
                                 : ""));
  }
  log_line(log_level::info, std::string("event=start version=0.1.0 nng=") + nng_version() +
                                " tls_engine=" + nng_tls_engine_name());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_line(log_level::info, std::string("event=stopping signal=") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  const std::size_t left = srv->shutdown(std::chrono::milliseconds(2000));
  log_line(log_level::info, "event=stopped");
  if (left > 0) {
    // Connections that did not finish still have nng callbacks in flight that reach the
    // server and its globals: destroying them now was a use-after-free (found by
    // `mqttcert fuzz`, interop/netfuzz/refbroker/shutdown_under_fuzz.sh). The process is
    // ending; end it without running destructors under those threads.
    std::fflush(nullptr);
    std::_Exit(0);
  }
  srv.reset();
  return 0;
}
