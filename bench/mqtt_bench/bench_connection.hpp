// bench_connection.hpp: one non-blocking MQTT client socket for the load generator: a
// TCP connection to a loopback address, an outbound byte queue and the codec's framer.
#pragma once

#include <cstdint>
#include <string>

#include "codec/framer.hpp"
#include "codec/packet_codec.hpp"

namespace mqtt::bench {

// clock_ns returns CLOCK_MONOTONIC in nanoseconds.
std::uint64_t clock_ns();

// resolve_loopback parses an IPv4 loopback address ("127.0.0.1", "localhost"); throws
// std::invalid_argument for anything else, since the bench only ever loads loopback.
std::uint32_t resolve_loopback(const std::string& host);

// spread_source_address is the index-th of 65,536 loopback source addresses, 127.1.0.0 to
// 127.1.255.255, in network byte order. A connect from 127.0.0.1 has to find a local
// port no earlier socket to the same broker port holds, in TIME_WAIT included; after a
// few runs of 10,000 connects that search was 27 % of the load generator's CPU (perf:
// __inet_hash_connect, __inet_check_established) and capped the rate it measured. With
// a fresh source address the first port it tries is free.
std::uint32_t spread_source_address(std::uint32_t index);

// bench_connection owns one socket. open() starts a non-blocking connect; queue() and
// flush() send; read_some() feeds the framer; the caller drains framer().next().
// Never blocks. One thread only.
class bench_connection {
 public:
  bench_connection(codec::protocol_version v) : framer_(v) {}
  ~bench_connection() { close(); }
  bench_connection(const bench_connection&) = delete;
  bench_connection& operator=(const bench_connection&) = delete;

  // open creates the socket (TCP_NODELAY) and starts connecting; false on error (errno).
  // A non-zero source_be binds the local address first (the kernel still picks the port).
  bool open(std::uint32_t addr_be, std::uint16_t port, std::uint32_t source_be = 0);
  void close();
  int fd() const { return fd_; }

  // out is the queue of bytes not yet written; append packets with the codec.
  codec::byte_buffer& out() { return out_; }
  std::size_t pending() const { return out_.size() - out_off_; }
  void queue(const codec::packet& p) { codec::encode_packet(p, framer_.version(), out_); }
  // flush writes what it can; false when the socket failed.
  bool flush();
  // read_some reads what is there into the framer; false on EOF or error.
  bool read_some();

  codec::framer& framer() { return framer_; }
  codec::protocol_version version() const { return framer_.version(); }

  // want_write is what the event loop last registered for EPOLLOUT.
  bool want_write = false;

 private:
  int fd_ = -1;
  codec::byte_buffer out_;
  std::size_t out_off_ = 0;
  codec::framer framer_;
};

}  // namespace mqtt::bench
