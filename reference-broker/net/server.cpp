// server.cpp: calls into the broker core, the connection table, tick, shutdown.
#include "reference-broker/net/server.hpp"

#include <algorithm>
#include <thread>

#include "reference-broker/net/log_sink.hpp"

namespace mqtt::broker::net {

server::server(server_settings settings, std::unique_ptr<connection_authorizer> authorizer)
    : settings_(std::move(settings)),
      epoch_(std::chrono::steady_clock::now()),
      core_(settings_.core, authorizer ? authorizer->enhanced_auth_methods() : nullptr),
      authorizer_(authorizer ? std::move(authorizer) : std::make_unique<allow_all_authorizer>()),
      tick_aio_(this) {
  // A faster clock needs finer ticks for the same keep-alive precision in broker time.
  if (settings_.time_scale > 1) {
    settings_.tick_interval_ms =
        std::max<nng_duration>(5, settings_.tick_interval_ms / static_cast<nng_duration>(settings_.time_scale));
  }
  limits_.max_outbound_bytes = settings_.max_outbound_bytes;
  // Check every URL and TLS file now, so a bad one fails before anything is bound.
  for (const auto& ls : settings_.listeners) {
    if (transport_of(ls.url).empty()) {
      throw listener_config_error("unsupported --listen URL " + ls.url +
                                  " (use tcp://, ws://, tls+tcp:// or wss://)");
    }
  }
}

server::~server() { shutdown(std::chrono::milliseconds(0)); }

millis server::now() const {
  return std::chrono::duration_cast<millis>(std::chrono::steady_clock::now() - epoch_) *
         settings_.time_scale;
}

void server::start() {
  for (auto ls : settings_.listeners) {
    // A WebSocket frame may carry a whole packet plus the start of the next.
    ls.max_ws_frame = std::size_t{settings_.core.maximum_packet_size} + 16 * 1024;
    auto l = std::make_unique<listener>(std::move(ls), [this](stream_handle s, const listener& from) {
      on_accept(std::move(s), from);
    });
    // Bind before the next listener is made (see listener::start).
    l->start();
    listeners_.push_back(std::move(l));
    const auto& lp = listeners_.back();
    log_line(log_level::info, "event=listening url=" + lp->url() +
                                  " transport=" + std::string(lp->transport()) +
                                  " port=" + std::to_string(lp->bound_port()));
  }
  nng_sleep_aio(settings_.tick_interval_ms, tick_aio_.get());
  started_ = true;
}

std::vector<int> server::bound_ports() const {
  std::vector<int> ports;
  for (const auto& l : listeners_) ports.push_back(l->bound_port());
  return ports;
}

void server::enter() { callbacks_in_flight_.fetch_add(1, std::memory_order_relaxed); }

void server::leave() {
  // Last: from here on shutdown may finish and the server go away.
  callbacks_in_flight_.fetch_sub(1, std::memory_order_release);
}

template <class F>
void server::with_core(F&& f) {
  action_list out;
  f(core_, now(), out);
  dispatch(out);
}

std::shared_ptr<connection> server::find(connection_id conn) {
  table_shard& shard = shard_of(conn);
  std::lock_guard lock(shard.mu);
  auto it = shard.connections.find(conn);
  return it == shard.connections.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<connection>> server::all_connections() {
  std::vector<std::shared_ptr<connection>> all;
  for (auto& shard : table_) {
    std::lock_guard lock(shard.mu);
    for (auto& [id, c] : shard.connections) all.push_back(c);
  }
  return all;
}

// dispatch runs with no lock held: carrying out a close may report the connection
// finished, which calls the core again. Each connection's write starts once all its
// actions are queued, so it gets one gathered write per dispatch.
void server::dispatch(const action_list& actions) {
  std::vector<std::shared_ptr<connection>> writers;
  std::shared_ptr<connection> c;
  for (const action& a : actions) {
    if (a.what == action::kind::log) {
      log_line(log_level::info, a.text);
      continue;
    }
    if (!c || c->id() != a.conn) c = find(a.conn);
    if (!c) continue;  // already gone; nothing to send to
    if (c->carry_out(a)) writers.push_back(c);
  }
  for (auto& w : writers) w->write();
}

void server::on_accept(stream_handle s, const listener& from) {
  const connection_id id = next_id_.fetch_add(1);
  auto c = std::make_shared<connection>(id, std::move(s), from.transport(), *this, limits_);
  if (stopping_.load()) {
    c->abort("server shutting down");
    // Nothing was started: no callback will report it, so it is simply dropped.
    return;
  }
  {
    // Counted before it is in the table, so two accepts at once cannot both take the last place.
    std::lock_guard lock(live_mutex_);
    if (live_ >= settings_.max_connections) {
      log_line(log_level::warn, "event=connection_refused conn=" + std::to_string(id) + " peer=" + c->peer() +
                                    " reason=\"max-connections " + std::to_string(settings_.max_connections) +
                                    " reached\"");
      c->abort("max-connections reached");  // nothing started: dropped like one at shutdown
      return;
    }
    ++live_;
  }
  log_line(log_level::debug, "event=accept conn=" + std::to_string(id) + " peer=" + c->peer() +
                                 " listener=" + from.url());
  {
    table_shard& shard = shard_of(id);
    std::lock_guard lock(shard.mu);
    shard.connections.emplace(id, c);
  }
  c->start();
}

void server::on_tick() {
  if (stopping_.load() || tick_aio_.result() != 0) return;
  with_core([](broker_core& core, millis t, action_list& out) { core.tick(t, out); });
  nng_sleep_aio(settings_.tick_interval_ms, tick_aio_.get());
}

void server::ask_connect(const verdict_question& q, connect_done done) {
  std::shared_lock lock(authorizer_gate_);
  if (!authorizer_) {
    // Shutting down: nobody new gets in.
    done(auth_verdict{false, codec::reason_code::server_unavailable});
    return;
  }
  authorizer_->authenticate(*q.who, std::get<codec::connect_packet>(*q.packet), std::move(done));
}

void server::ask_acl(const verdict_question& q, acl_done done) {
  std::shared_lock lock(authorizer_gate_);
  if (!authorizer_) {
    done(acl_verdicts{});  // shutting down: nothing more gets through
    return;
  }
  if (q.what == verdict_question::kind::publish) {
    authorizer_->authorize_publish(*q.who, std::get<codec::publish_packet>(*q.packet),
                                   std::move(done));
  } else {
    authorizer_->authorize_subscribe(*q.who, std::get<codec::subscribe_packet>(*q.packet),
                                     std::move(done));
  }
}

void server::handle_finished(connection_id conn) {
  bool erased = false;
  {
    table_shard& shard = shard_of(conn);
    std::lock_guard lock(shard.mu);
    erased = shard.connections.erase(conn) > 0;
  }
  if (!erased) return;
  std::lock_guard lock(live_mutex_);
  if (--live_ == 0) table_empty_.notify_all();
}

std::size_t server::shutdown(std::chrono::milliseconds flush) {
  if (shut_down_) {
    std::lock_guard lock(live_mutex_);
    return live_;
  }
  shut_down_ = true;
  stopping_.store(true);
  for (auto& l : listeners_) l->stop();
  tick_aio_.stop();
  // No new verdicts: from here on every question is denied without asking. The retired
  // authorizer still answers what it was asked before.
  std::unique_ptr<connection_authorizer> retired;
  {
    std::unique_lock lock(authorizer_gate_);
    retired = std::move(authorizer_);
  }

  with_core([](broker_core& core, millis t, action_list& out) { core.shutdown(t, out); });

  std::unique_lock lock(live_mutex_);
  auto all_gone = [&] { return live_ == 0; };
  if (!table_empty_.wait_for(lock, flush, all_gone)) {
    lock.unlock();
    auto left = all_connections();  // abort() may finish a connection on another thread
    log_line(log_level::warn, "event=shutdown_flush_timeout connections=" +
                                  std::to_string(left.size()));
    for (auto& c : left) c->abort("server shutting down; flush timed out");
    left.clear();
    lock.lock();
    // Closed streams end their pending I/O at once; only a verdict still out (webhook)
    // can hold a connection now, and it is bounded by the webhook timeout.
    table_empty_.wait_for(lock, std::chrono::seconds(1), all_gone);
    if (!all_gone()) {
      lock.unlock();
      // Destroying the authorizer cancels its requests; their denials end the connections.
      retired.reset();
      lock.lock();
      table_empty_.wait_for(lock, std::chrono::seconds(1), all_gone);
    }
  }
  const auto n = live_;
  lock.unlock();
  // A connection finishes on one thread while another may still carry out its last
  // actions; that takes microseconds, so wait for it here.
  while (callbacks_in_flight_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
  // A server that failed to start says so itself; no shutdown line after that error.
  if (started_) log_line(log_level::info, "event=shutdown connections_left=" + std::to_string(n));
  return n;
}

}  // namespace mqtt::broker::net
