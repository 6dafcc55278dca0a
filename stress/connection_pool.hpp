// connection_pool.hpp: many MQTT client connections on one epoll, for the load and slow
// scenarios (thousands of connections a blocking raw_client per connection cannot hold).
//
// The pool is single-threaded and driven by its owner: add() connections, then call poll()
// in a loop; poll() finishes TCP connects, writes what is queued, reads and decodes what
// came back with codec::framer (CONNACK, SUBACK, PUBACK, PUBLISH, DISCONNECT), answers a
// QoS 1 PUBLISH with PUBACK and a PINGREQ is sent when a connection has been quiet for half
// its Keep Alive. Nothing else is answered on its own. It never blocks longer than the
// wait poll() is given, and bad bytes from the broker only close that one connection.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codec/framer.hpp"
#include "codec/packets.hpp"

namespace mqtt::cert::stress {

using pool_clock = std::chrono::steady_clock;

enum class pool_state : std::uint8_t {
  waiting,      // not yet started (the pool keeps a bounded number of connects in flight)
  connecting,   // TCP connect in progress
  open,         // TCP up; CONNECT sent and CONNACK awaited (or no CONNECT: half-open)
  connected,    // CONNACK 0 received
  refused,      // CONNACK with a non-zero reason, then (usually) a close
  closed,       // the broker closed, or the connection broke
  failed,       // our side could not make the socket or connect (errno in `error`)
};

struct pool_connection_options {
  std::string client_id;
  codec::protocol_version version = codec::protocol_version::v5_0;
  std::uint16_t keep_alive = 300;
  bool send_connect = true;  // false: a TCP connection that never sends a byte
  int receive_buffer = 0;    // SO_RCVBUF set before connect, when > 0
  std::vector<codec::subscription> subscribe;  // SUBSCRIBE sent right after CONNACK 0
};

struct pool_connection {
  pool_connection_options options;
  pool_state state = pool_state::waiting;
  int fd = -1;
  codec::framer framer;
  codec::byte_buffer out;  // bytes queued and not yet written
  pool_clock::time_point opened_at{}, connected_at{}, ended_at{}, last_sent{};
  std::uint8_t connack_reason = 0;
  std::optional<std::uint8_t> disconnect_reason;  // a DISCONNECT the broker sent (5.0)
  std::string error;                              // why it ended, for evidence
  std::uint16_t receive_maximum = 65535;          // what the CONNACK allowed (5.0)
  std::uint16_t keep_alive = 0;                   // ours, or the Server Keep Alive
  bool subscribed = false;                        // SUBACK received
  std::uint16_t next_id = 1;
  std::deque<std::uint16_t> unacked;  // QoS 1 packet ids sent, PUBACK not yet received
  std::uint64_t sent_qos0 = 0, sent_qos1 = 0, acked = 0, ack_errors = 0, received = 0;
};

// pool_events are the owner's hooks; each may be empty.
struct pool_events {
  std::function<void(std::size_t conn, const codec::publish_packet&)> on_publish;
  std::function<void(std::size_t conn, std::uint16_t packet_id, std::uint8_t reason)> on_puback;
};

class connection_pool {
 public:
  // max_connecting bounds the connects in flight (TCP connect or CONNACK awaited), so a
  // listener's accept backlog is not overrun by our own burst.
  explicit connection_pool(const sockaddr_in& broker, pool_events events = {}, std::size_t max_connecting = 256);
  ~connection_pool();
  connection_pool(const connection_pool&) = delete;
  connection_pool& operator=(const connection_pool&) = delete;

  // add queues one more connection; it starts on a later poll(). Returns its index.
  std::size_t add(pool_connection_options o);
  // poll starts waiting connections, then waits up to `wait` for socket events and handles
  // them. Returns at once when nothing is open.
  void poll(std::chrono::milliseconds wait);

  // publish queues a PUBLISH on a connected connection and returns its packet id (0 for
  // QoS 0); nullopt when it cannot be sent now: not connected, more than `max_queued_out`
  // bytes already queued, or QoS 1 with the CONNACK's Receive Maximum (or `window`) unacked.
  std::optional<std::uint16_t> publish(std::size_t conn, const std::string& topic, codec::qos q,
                                       codec::byte_view payload, std::size_t window = 64,
                                       std::size_t max_queued_out = 256 * 1024);
  // stop_reading takes connection i out of the epoll set and leaves its socket open and
  // unread: a subscriber that stops consuming (its receive buffer fills, then the broker's
  // send side backs up). peer_gone tells whether the broker has since closed it.
  void stop_reading(std::size_t conn);
  // peer_gone says the broker closed or reset the connection (TCP_INFO state), without
  // reading from it. False for a connection that has no socket.
  bool peer_gone(std::size_t conn) const;
  // close_all closes every socket (no DISCONNECT: the scenarios end abruptly on purpose).
  void close_all();

  std::size_t size() const { return conns_.size(); }
  const pool_connection& at(std::size_t i) const { return conns_[i]; }
  // count is how many connections are in state s.
  std::size_t count(pool_state s) const;
  // in_progress is how many are waiting, connecting or awaiting CONNACK (half-open ones
  // count once their TCP connect is done).
  std::size_t in_progress() const;

 private:
  void start(std::size_t i);
  void start_waiting();
  void on_event(std::size_t i, std::uint32_t events);
  void on_connected_tcp(std::size_t i);
  void read_from(std::size_t i);
  void handle(std::size_t i, codec::packet& p);
  void on_connack(std::size_t i, const codec::connack_packet& a);
  void send(std::size_t i, const codec::packet& p);
  void flush(std::size_t i);
  void watch_writable(std::size_t i, bool on);
  void end(std::size_t i, pool_state s, std::string why);
  void ping_quiet(pool_clock::time_point now);

  sockaddr_in broker_;
  pool_events events_;
  std::size_t max_connecting_;
  int epoll_fd_ = -1;
  std::vector<pool_connection> conns_;
  std::vector<bool> want_write_;
  std::size_t next_waiting_ = 0;  // conns_ before this index have been started
  std::size_t connecting_ = 0;    // connecting or open-awaiting-CONNACK
  pool_clock::time_point last_ping_scan_{};
};

std::string_view pool_state_name(pool_state s);

}  // namespace mqtt::cert::stress
