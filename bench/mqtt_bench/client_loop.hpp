// client_loop.hpp: the epoll loop the pub-sub and queue modes run their MQTT clients on:
// open, read, decode, hand each packet to the mode, flush, and count failures.
#pragma once

#include <cstdint>
#include <variant>

#include "bench/mqtt_bench/bench_connection.hpp"
#include "bench/mqtt_bench/event_loop.hpp"
#include "bench/mqtt_bench/qos_flow.hpp"
#include "bench/mqtt_bench/run_result.hpp"
#include "codec/packets.hpp"

namespace mqtt::bench {

// bench_client is one MQTT client of a run; modes derive their own client from it.
struct bench_client {
  explicit bench_client(codec::protocol_version v) : conn(v) {}
  bench_connection conn;
  qos_flow flow;
  bool connected = false;  // a CONNACK arrived (accepted or not)
  bool closed = false;     // failed or closed; the loop passes it over
};

// client_loop drives any number of bench_clients on one event_loop and counts their
// failures in `errors`. One thread only; never blocks except in poll().
class client_loop {
 public:
  explicit client_loop(error_counts& errors) : errors_(errors) {}

  // open starts connecting `c` (not yet open) and queues `cp`; on failure it counts
  // "connect_failed", marks `c` closed and returns false.
  bool open(bench_client& c, std::uint32_t addr_be, std::uint16_t port,
            const codec::connect_packet& cp);

  // poll waits up to timeout_ns (< 0: no limit) for socket events, reads what came and
  // calls on_packet(bench_client&, const codec::packet&) for each packet decoded, then
  // flushes what the handler queued. A DISCONNECT from the broker, EOF or a socket error
  // fails the client ("connect_failed" before its CONNACK, "closed_by_broker" after),
  // as does a packet that does not decode ("decode_failed").
  template <class OnPacket>
  void poll(std::int64_t timeout_ns, OnPacket&& on_packet);

  // send writes what is queued on `c` and watches for writability while some remains.
  void send(bench_client& c);
  // fail counts `why` once, stops watching `c` and closes its socket.
  void fail(bench_client& c, const char* why);
  // close sends `bye` (best effort, no wait) and closes `c`; counts nothing.
  void close(bench_client& c, const codec::disconnect_packet& bye = {});

 private:
  const char* closed_why(const bench_client& c) const {
    return c.connected ? "closed_by_broker" : "connect_failed";
  }
  template <class OnPacket>
  void read_packets(bench_client& c, OnPacket& on_packet);

  error_counts& errors_;
  event_loop loop_;
};

template <class OnPacket>
void client_loop::poll(std::int64_t timeout_ns, OnPacket&& on_packet) {
  const int n = loop_.wait(timeout_ns);
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = loop_.event(i);
    bench_client& c = *static_cast<bench_client*>(ev.data.ptr);
    if (c.closed) continue;
    if (ev.events & EPOLLIN) {
      if (!c.conn.read_some()) {
        fail(c, closed_why(c));
        continue;
      }
      read_packets(c, on_packet);
    } else if (ev.events & (EPOLLERR | EPOLLHUP)) {
      fail(c, closed_why(c));
      continue;
    }
    if (!c.closed && (ev.events & EPOLLOUT)) send(c);
  }
}

template <class OnPacket>
void client_loop::read_packets(bench_client& c, OnPacket& on_packet) {
  for (;;) {
    codec::decode_result r = c.conn.framer().next();
    if (r.status == codec::decode_status::need_more) break;
    if (r.status != codec::decode_status::ok) {
      fail(c, "decode_failed");
      return;
    }
    if (std::holds_alternative<codec::disconnect_packet>(*r.value)) {
      fail(c, "closed_by_broker");
      return;
    }
    if (std::holds_alternative<codec::connack_packet>(*r.value)) c.connected = true;
    on_packet(c, *r.value);
    if (c.closed) return;
  }
  send(c);
}

}  // namespace mqtt::bench
