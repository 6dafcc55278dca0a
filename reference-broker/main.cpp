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

#include "reference-broker/broker_options.hpp"
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

// use_batch_scheduling puts this thread, and every thread started after it, under
// SCHED_BATCH. nng 1.5.2 wakes a task thread while it still holds the connection's and
// the task queue's locks (the poller's read completion); under the normal policy the woken
// thread preempts the poller on its CPU and at once blocks on those locks, two context
// switches per arriving packet. Under SCHED_BATCH it runs when the poller blocks instead.
// Any process may choose it (no privilege), so failing is only logged.
bool use_batch_scheduling() {
  const sched_param param{};  // priority 0, the only one SCHED_BATCH takes
  return sched_setscheduler(0, SCHED_BATCH, &param) == 0;
}

int usage_error(const std::string& what) {
  std::fprintf(stderr, "mqtt-refbroker: error: %s\n", what.c_str());
  return exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mqtt-refbroker: reference MQTT 3.1.1 / 5.0 broker on nng", "mqtt-refbroker"};
  broker_options opts;
  add_broker_options(app, opts);
  server_settings& ss = opts.server;
  broker_config& bc = ss.core;
  auth_settings& auth = opts.auth;
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

  set_log_level(*parse_log_level(opts.log_level));
#if defined(MQTTCERT_FAULTS)
  mqtt::broker::injected_fault() = fault_name;
  log_line(log_level::warn, "event=fault_injected fault=" + fault_name +
                                " note=\"this broker is broken on purpose\"");
#endif
  bc.maximum_qos = static_cast<mqtt::codec::qos>(opts.max_qos);
  auth.webhook_timeout = std::chrono::milliseconds(opts.webhook_timeout_ms);
  if (opts.listen.empty()) return usage_error("--listen needs at least one URL");
  for (const auto& url : opts.listen) {
    listener_settings ls;
    ls.url = url;
    ls.tls = opts.tls;
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

  // Before nng starts a thread, so that they all inherit the CPU set and the policy.
  const unsigned cpus_kept = opts.threads != 0 ? keep_cpus(opts.threads) : 0;
  const bool batch = opts.scheduling == "batch" && use_batch_scheduling();

  std::unique_ptr<server> srv;
  try {
    srv = std::make_unique<server>(std::move(ss), make_authorizer(auth));
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  try {
    srv->start();
    if (!opts.port_file.empty()) write_port_file(opts.port_file, srv->bound_ports());
  } catch (const listener_config_error& e) {
    srv->shutdown(std::chrono::milliseconds(0));
    return usage_error(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mqtt-refbroker: error: %s\n", e.what());
    srv->shutdown(std::chrono::milliseconds(0));
    return exit_cannot_start;
  }
  if (opts.threads != 0) {
    const bool short_of = cpus_kept < opts.threads;
    log_line(short_of ? log_level::warn : log_level::info,
             "event=config option=threads value=" + std::to_string(opts.threads) +
                 " cpus=" + std::to_string(cpus_kept) +
                 (cpus_kept == 0 ? " note=\"could not set the CPU affinity; running on all\""
                  : short_of     ? " note=\"fewer CPUs available than asked for\""
                                 : ""));
  }
  if (opts.scheduling == "batch" && !batch)
    log_line(log_level::warn,
             "event=config option=scheduling value=batch note=\"could not set SCHED_BATCH; "
             "running under the normal policy\"");
  log_line(log_level::info, std::string("event=start version=0.1.0 nng=") + nng_version() +
                                " tls_engine=" + nng_tls_engine_name() +
                                " scheduling=" + (batch ? "batch" : "normal"));

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
