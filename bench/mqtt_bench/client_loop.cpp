// client_loop.cpp: opening, flushing and closing the clients of a client_loop.
#include "bench/mqtt_bench/client_loop.hpp"

namespace mqtt::bench {

bool client_loop::open(bench_client& c, std::uint32_t addr_be, std::uint16_t port,
                       const codec::connect_packet& cp) {
  if (!c.conn.open(addr_be, port)) {
    ++errors_["connect_failed"];
    c.conn.close();
    c.closed = true;
    return false;
  }
  c.conn.queue(cp);
  loop_.add(c.conn, &c);
  return true;
}

void client_loop::send(bench_client& c) {
  if (c.closed) return;
  if (c.conn.pending() > 0 && !c.conn.flush()) {
    fail(c, "closed_by_broker");
    return;
  }
  loop_.watch_write(c.conn, &c, c.conn.pending() > 0);
}

void client_loop::fail(bench_client& c, const char* why) {
  if (c.closed) return;
  ++errors_[why];
  loop_.remove(c.conn);
  c.conn.close();
  c.closed = true;
}

void client_loop::close(bench_client& c, const codec::disconnect_packet& bye) {
  if (c.closed) return;
  c.conn.queue(bye);
  c.conn.flush();
  loop_.remove(c.conn);
  c.conn.close();
  c.closed = true;
}

}  // namespace mqtt::bench
