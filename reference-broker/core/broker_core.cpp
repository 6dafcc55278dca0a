// broker_core.cpp: the broker_core facade: each call takes the gate, makes its core_call
// (the state, the call's action list and time) and runs the flow.
#include "reference-broker/core/broker_core.hpp"

#include <shared_mutex>
#include <variant>

#include "reference-broker/core/detail/core_call.hpp"

namespace mqtt::broker {

using codec::protocol_version;

broker_state::broker_state(broker_config cfg, std::shared_ptr<const auth_methods> m)
    : config(cfg), methods(std::move(m)), retained(cfg.max_retained_messages) {}

core_call::core_call(broker_state& state, action_list& list, millis time)
    : config(state.config),
      methods(state.methods),
      sessions(state.sessions),
      connections(state.connections),
      subscriptions(state.subscriptions),
      retained(state.retained),
      stats(state.stats),
      assigned_id_counter(state.assigned_id_counter),
      next_sys_at(state.next_sys_at),
      connection_deadlines(state.connection_deadlines),
      session_deadlines(state.session_deadlines),
      out(&list),
      now(time) {}

// ---------------------------------------------------------------- facade

broker_core::broker_core(broker_config config, std::shared_ptr<const auth_methods> methods)
    : state_(std::make_unique<broker_state>(config, std::move(methods))) {}
// Taking the gate once orders everything the last calls on other threads did before the
// state is torn down.
broker_core::~broker_core() { std::unique_lock last(state_->gate); }

const broker_config& broker_core::config() const { return state_->config; }

namespace {
// call_scope is one call: the gate, held exclusively unless the call is one of the
// PUBLISH flows, and the core_call the flow runs in.
struct call_scope {
  call_scope(broker_state& state, action_list& out, millis now)
      : exclusive(state.gate), call(state, out, now) {}
  std::unique_lock<publish_gate> exclusive;
  core_call call;
};
struct parallel_call_scope {
  parallel_call_scope(broker_state& state, action_list& out, millis now)
      : shared(state.gate), call(state, out, now) {}
  std::shared_lock<publish_gate> shared;
  core_call call;
};
}  // namespace

void broker_core::open(connection_id conn, std::string peer, millis now, action_list& out) {
  call_scope scope(*state_, out, now);
  scope.call.open(conn, std::move(peer));
}

void broker_core::receive_connect(connection_id conn, codec::connect_packet&& connect,
                                  const auth_verdict& verdict, millis now, action_list& out) {
  call_scope scope(*state_, out, now);
  auto it = state_->connections.find(conn);
  if (it == state_->connections.end()) return;
  it->second.last_packet = now;
  scope.call.receive_connect(it->second, std::move(connect), verdict);
}

void broker_core::receive(connection_id conn, codec::packet&& p, const acl_verdicts& acl,
                          millis now, action_list& out) {
  if (core_call::runs_in_parallel(p)) {
    parallel_call_scope scope(*state_, out, now);
    auto it = state_->connections.find(conn);
    if (it == state_->connections.end()) return;
    if (scope.call.receive_in_parallel(it->second, std::move(p), acl)) return;
  }
  call_scope scope(*state_, out, now);
  auto it = state_->connections.find(conn);
  if (it == state_->connections.end()) return;
  if (auto* connect = std::get_if<codec::connect_packet>(&p);
      connect && it->second.st == connection::state::awaiting_connect) {
    // A first CONNECT without a verdict: nobody decided, so it is refused.
    scope.call.receive_connect(it->second, std::move(*connect), auth_verdict{});
    return;
  }
  scope.call.receive(it->second, std::move(p), acl);
}

void broker_core::count_bytes_received(std::size_t n) { state_->stats.bytes_received += n; }

void broker_core::reject(connection_id conn, const codec::decode_result& failure, millis now,
                         action_list& out) {
  call_scope scope(*state_, out, now);
  auto it = state_->connections.find(conn);
  if (it != state_->connections.end()) scope.call.reject(it->second, failure);
}

void broker_core::closed(connection_id conn, millis now, action_list& out) {
  call_scope scope(*state_, out, now);
  scope.call.closed(conn);
}

void broker_core::tick(millis now, action_list& out) {
  call_scope scope(*state_, out, now);
  scope.call.tick();
}

void broker_core::shutdown(millis now, action_list& out) {
  call_scope scope(*state_, out, now);
  scope.call.shutdown();
}

codec::protocol_version broker_core::version(connection_id conn) const {
  std::shared_lock lock(state_->gate);
  auto it = state_->connections.find(conn);
  return it == state_->connections.end() ? protocol_version::v5_0 : it->second.version;
}

std::string broker_core::client_id(connection_id conn) const {
  std::shared_lock lock(state_->gate);
  auto it = state_->connections.find(conn);
  if (it == state_->connections.end() || !it->second.sess) return {};
  return it->second.sess->client_id;  // set at CONNECT, never changed
}

broker_stats broker_core::stats() const {
  std::shared_lock lock(state_->gate);
  const core_counters& c = state_->stats;
  broker_stats s;
  s.clients_connected = c.clients_connected;
  s.sessions = state_->sessions.size();
  s.messages_received = c.messages_received;
  s.messages_sent = c.messages_sent;
  s.bytes_received = c.bytes_received;
  s.bytes_sent = c.bytes_sent;
  s.retained_messages = state_->retained.size();
  s.messages_dropped = c.messages_dropped;
  return s;
}

std::vector<session_usage> broker_core::session_usages() const {
  std::shared_lock lock(state_->gate);
  std::vector<session_usage> all;
  all.reserve(state_->sessions.size());
  for (const auto& [client_id, s] : state_->sessions) {
    std::lock_guard own(s->mu);
    all.push_back({client_id, s->conn != 0, s->queue.size(), s->inflight.size(),
                   s->inbound_qos2.size(), s->subscriptions.size()});
  }
  return all;
}

}  // namespace mqtt::broker
