// server.hpp: the nng front end of mqtt-refbroker. It owns the broker core, the
// listeners, the connection table and a 100 ms tick, and carries out the core's actions
// (send, close, log) on the connections.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/detail/publish_gate.hpp"
#include "reference-broker/net/connection.hpp"
#include "reference-broker/net/connection_authorizer.hpp"
#include "reference-broker/net/listener.hpp"

namespace mqtt::broker::net {

struct server_settings {
  broker_config core;
  std::vector<listener_settings> listeners;  // one per --listen URL
  std::size_t max_outbound_bytes = 8 * 1024 * 1024;
  // Connections open at once, CONNECT done or not; one more is closed as it is accepted,
  // before a byte is read or written (5.0 3.2.2.2 lets a Server that cannot complete a
  // connection send a CONNACK, it does not make it: no CONNACK keeps an overloaded server
  // from parsing a CONNECT it will refuse).
  std::size_t max_connections = 100'000;
  nng_duration tick_interval_ms = 100;
  // Test hook: the core's clock runs this many times faster than real time, so keep
  // alive, will delay and expiry tests finish quickly. 1 in any real deployment.
  unsigned time_scale = 1;
};

// server is started and shut down from the main thread; everything else runs on nng task
// threads (and authorizer threads) through the connection_host calls.
//
// Threads: the core does its own locking (PUBLISH flows of different connections run in
// parallel), and the server holds no lock while it calls the core or carries out actions.
// Order: each connection puts the actions it gets back into the core's order by their
// seq (connection::carry_out), so a CONNACK still goes out before the first PUBLISH.
//
// Verdicts: connections ask through ask_connect / ask_acl, which hand the question to the
// authorizer under the shared side of a striped lock (no cache line shared between
// threads that ask at once). Shutdown takes the authorizer out under the exclusive side, so
// every later question is denied without asking, and no connection ever gets a verdict
// from anything but the configured authorizer.
class server final : public connection_host {
 public:
  server(server_settings settings, std::unique_ptr<connection_authorizer> authorizer);
  ~server() override;
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // start makes and binds each listener in turn and starts the tick. Throws
  // listener_config_error (bad URL or TLS file) or nng_error (cannot bind). Logs each
  // bound address and port.
  void start();

  // bound_ports lists each listener's TCP port, in --listen order.
  std::vector<int> bound_ports() const;

  // shutdown stops accepting, has the core send DISCONNECT 0x8B (5.0) and close every
  // connection, waits up to `flush` for queued bytes to go out, then closes whatever is
  // left and stops the tick. Blocks; main thread only; idempotent. Returns how many
  // connections had still not finished: their nng callbacks may yet run and reach this
  // server, so it must then not be destroyed (see main.cpp).
  std::size_t shutdown(std::chrono::milliseconds flush);

  // connection_host
  broker_core& core() override { return core_; }
  millis now() const override;
  void dispatch(const action_list& actions) override;
  void ask_connect(const verdict_question& q, connect_done done) override;
  void ask_acl(const verdict_question& q, acl_done done) override;
  void handle_finished(connection_id conn) override;
  void enter() override;
  void leave() override;

 private:
  void on_accept(stream_handle s, const listener& from);
  void on_tick();

  // with_core runs f(core, now, actions) and dispatches the actions.
  template <class F>
  void with_core(F&& f);
  std::shared_ptr<connection> find(connection_id conn);

  // The connection table, in shards by id so that dispatching actions on many threads
  // does not meet on one mutex.
  struct table_shard {
    std::mutex mu;
    std::unordered_map<connection_id, std::shared_ptr<connection>> connections;
  };
  static constexpr std::size_t table_shards = 16;
  table_shard& shard_of(connection_id conn) { return table_[conn % table_shards]; }
  // all_connections copies the table (for shutdown).
  std::vector<std::shared_ptr<connection>> all_connections();

  server_settings settings_;
  connection_limits limits_;
  const std::chrono::steady_clock::time_point epoch_;

  broker_core core_;
  // After core_: destroyed first, so verdicts it cancels on the way out still find a core.
  // Null once shutdown has begun: questions are then denied (see ask_connect / ask_acl).
  std::unique_ptr<connection_authorizer> authorizer_;
  publish_gate authorizer_gate_;

  std::array<table_shard, table_shards> table_;
  // live_ counts the table's connections; shutdown waits on table_empty_ for it to be 0.
  std::mutex live_mutex_;
  std::condition_variable table_empty_;
  std::size_t live_ = 0;
  std::atomic<connection_id> next_id_{1};
  // Connection callbacks entered and not yet left, on any thread; shutdown waits for 0,
  // since a connection can finish while another thread still carries out its actions.
  std::atomic<int> callbacks_in_flight_{0};

  std::vector<std::unique_ptr<listener>> listeners_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;  // start() returned: every listener is bound
  bool shut_down_ = false;
  aio_handle<server, &server::on_tick> tick_aio_;
};

}  // namespace mqtt::broker::net
