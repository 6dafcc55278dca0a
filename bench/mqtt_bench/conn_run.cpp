// conn_run.cpp: connection setup rate, one epoll loop.
#include "bench/mqtt_bench/conn_run.hpp"

#include <memory>
#include <variant>
#include <vector>

#include "bench/mqtt_bench/bench_connection.hpp"
#include "bench/mqtt_bench/event_loop.hpp"

namespace mqtt::bench {
namespace {

using namespace mqtt::codec;

struct conn_client {
  explicit conn_client(protocol_version v) : conn(v) {}
  bench_connection conn;
  std::uint64_t opened_ns = 0;
  bool done = false;  // CONNACK received or failed
  bool up = false;    // CONNACK 0 received and still open
};

}  // namespace

conn_result run_conn(const conn_settings& s) {
  conn_result r;
  r.requested = s.connections;
  const std::uint32_t addr = resolve_loopback(s.host);
  event_loop loop;
  std::vector<std::unique_ptr<conn_client>> clients;
  clients.reserve(s.connections);
  unsigned active = 0;
  unsigned finished = 0;

  auto fail = [&](conn_client& c, const char* why) {
    ++r.errors[why];
    loop.remove(c.conn);
    c.conn.close();
    c.done = true;
    c.up = false;
    --active;
    ++finished;
  };

  const std::uint64_t start = clock_ns();
  // Runs a few seconds apart start at different addresses, so a run does not meet its
  // predecessor's sockets in TIME_WAIT either.
  const auto first_source = static_cast<std::uint32_t>(start / 1'000'000);
  const std::uint64_t deadline = start + static_cast<std::uint64_t>(s.timeout_s * 1e9);
  std::uint64_t last_up = start;
  while (finished < s.connections && clock_ns() < deadline) {
    while (active < s.concurrency && clients.size() < s.connections) {
      auto c = std::make_unique<conn_client>(s.version);
      c->opened_ns = clock_ns();
      const unsigned index = static_cast<unsigned>(clients.size());
      const std::uint32_t source = s.spread_sources ? spread_source_address(first_source + index) : 0;
      if (!c->conn.open(addr, s.port, source)) {
        ++r.errors["connect_failed"];
        c->done = true;
        ++finished;
      } else {
        connect_packet cp;
        cp.version = s.version;
        cp.keep_alive = 60;
        cp.client_id = s.client_prefix + "-c" + std::to_string(index);
        c->conn.queue(cp);
        loop.add(c->conn, c.get());
        ++active;
      }
      clients.push_back(std::move(c));
    }
    const int n = loop.wait(10'000'000);
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = loop.event(i);
      auto& c = *static_cast<conn_client*>(ev.data.ptr);
      if (c.conn.fd() < 0) continue;
      if (ev.events & EPOLLIN) {
        if (!c.conn.read_some()) {
          if (!c.done) fail(c, "closed_by_broker");
          continue;
        }
        for (;;) {
          decode_result d = c.conn.framer().next();
          if (d.status == decode_status::need_more) break;
          if (d.status != decode_status::ok) {
            if (!c.done) fail(c, "decode_failed");
            break;
          }
          const auto* ca = std::get_if<connack_packet>(&*d.value);
          if (c.done || ca == nullptr) {
            ++r.errors["unexpected_packet"];
          } else if (ca->reason != 0) {
            fail(c, "connack_refused");
            break;
          } else {
            const std::uint64_t now = clock_ns();
            r.latency.record(now - c.opened_ns);
            last_up = now;
            c.done = c.up = true;
            ++r.connected;
            --active;
            ++finished;
          }
        }
      } else if (ev.events & (EPOLLERR | EPOLLHUP)) {
        if (!c.done) fail(c, "connect_failed");
        continue;
      }
      if (c.conn.fd() >= 0 && (ev.events & EPOLLOUT)) {
        if (!c.conn.flush()) {
          if (!c.done) fail(c, "connect_failed");
          continue;
        }
        loop.watch_write(c.conn, &c, c.conn.pending() > 0);
      }
    }
  }
  if (finished < s.connections) {
    r.errors["connack_timeout"] += s.connections - finished;
  }
  r.elapsed_s = static_cast<double>(last_up - start) / 1e9;
  r.rate = r.elapsed_s > 0 ? static_cast<double>(r.connected) / r.elapsed_s : 0;

  // Hold them open, answering nothing (keep alive is 60 s), then say goodbye.
  const std::uint64_t hold_end = clock_ns() + static_cast<std::uint64_t>(s.hold_s * 1e9);
  while (clock_ns() < hold_end) loop.wait(10'000'000);
  for (auto& c : clients) {
    if (c->conn.fd() < 0) continue;
    c->conn.queue(disconnect_packet{});
    c->conn.flush();
    c->conn.close();
  }
  return r;
}

}  // namespace mqtt::bench
