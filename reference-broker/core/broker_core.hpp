// broker_core.hpp: the sans-I/O MQTT broker engine over the broker-wide state (sessions,
// subscriptions, retained messages). It is fed decoded packets with their verdicts,
// network events and the current time, and answers with actions: bytes to send,
// connections to close, lines to log. It never reads a clock, touches a socket or starts
// a thread, so fuzzers, property tests and the nng front end all drive the same code.
// Each connection reaches it through its client_connection (client_connection.hpp),
// which frames bytes into packets and asks for the verdicts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/packets.hpp"
#include "codec/packet_codec.hpp"
#include "reference-broker/core/broker_config.hpp"
#include "reference-broker/core/enhanced_auth.hpp"
#include "reference-broker/core/verdict.hpp"

namespace mqtt::broker {

// millis is time since an arbitrary epoch, supplied by the caller: steady_clock in the
// server, a fake clock in tests.
using millis = std::chrono::milliseconds;
using shared_bytes = std::shared_ptr<const codec::byte_buffer>;

// action is one thing the caller must do, in order, for one connection.
struct action {
  enum class kind : std::uint8_t {
    send,   // write `bytes` to the connection
    close,  // close the connection after everything queued before it is sent
    log,    // write `text` to the log (a structured one-line record)
  };
  kind what = kind::send;
  connection_id conn = 0;
  shared_bytes bytes;
  // For a send, bytes that go out right after `bytes`, or null. A fan-out of one PUBLISH
  // at QoS 1/2 shares this part (everything after the Packet Identifier) among all its
  // copies; `bytes` holds only each copy's own header.
  shared_bytes tail;
  std::string text;
  // Order of this send or close among all of its connection's sends and closes, from 0.
  // Calls on different threads can hand their actions over out of order; the front end
  // carries them out by seq, so a connection's bytes keep the order the core chose.
  std::uint64_t seq = 0;
};

using action_list = std::vector<action>;

// wire_bytes returns what a send action puts on the wire: `bytes`, then `tail`.
inline codec::byte_buffer wire_bytes(const action& a) {
  codec::byte_buffer all;
  if (a.bytes) all = *a.bytes;
  if (a.tail) all.insert(all.end(), a.tail->begin(), a.tail->end());
  return all;
}

struct broker_stats {
  std::uint64_t clients_connected = 0;
  std::uint64_t sessions = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t retained_messages = 0;
  std::uint64_t messages_dropped = 0;
};

// session_usage is how much one session holds: what the bounds in broker_config limit.
// For tests and fuzzers that check those bounds from outside.
struct session_usage {
  std::string client_id;
  bool online = false;
  std::size_t queued = 0;         // QoS 1/2 deliveries behind the window: <= max_queued_messages
  std::size_t inflight = 0;       // QoS 1/2 sent and not completed: <= max_inflight_messages
  std::size_t inbound_qos2 = 0;   // PUBREC sent, PUBREL awaited: <= receive_maximum
  std::size_t subscriptions = 0;  // not bounded by the config
};

struct broker_state;

// broker_core may be called from many threads at once, but calls for one connection must
// not overlap (a connection's packets are processed in order). PUBLISH, PUBACK, PUBREC,
// PUBREL, PUBCOMP and PINGREQ of different connections run in parallel, with one lock per
// session; every other call (open, CONNECT, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT, reject,
// closed, tick, shutdown) runs alone.
class broker_core {
 public:
  // `methods` are the enhanced authentication methods offered (4.12); null offers none,
  // and a CONNECT naming any method is refused with 0x8C.
  explicit broker_core(broker_config config = {},
                       std::shared_ptr<const auth_methods> methods = nullptr);
  ~broker_core();
  broker_core(const broker_core&) = delete;
  broker_core& operator=(const broker_core&) = delete;

  const broker_config& config() const;

  // open registers a new network connection; `peer` is its address for logs.
  void open(connection_id conn, std::string peer, millis now, action_list& out);

  // receive_connect handles the first packet of a connection, after the caller asked its
  // authenticator. A CONNECT on a connection that already has one is a protocol error.
  void receive_connect(connection_id conn, codec::connect_packet&& connect,
                       const auth_verdict& verdict, millis now, action_list& out);

  // receive handles any packet other than the first CONNECT (a later one is a Protocol
  // Error). `acl` holds the verdicts for PUBLISH (one) and SUBSCRIBE (one per filter);
  // what it does not allow is denied. A PUBLISH comes with its Topic Alias resolved
  // (client_connection keeps the map). AUTH continues an
  // enhanced authentication or starts a re-authentication; a CONNECT that named a method
  // is accepted (CONNACK) only once its exchange succeeds, so client_id() is "" until then.
  void receive(connection_id conn, codec::packet&& p, const acl_verdicts& acl, millis now,
               action_list& out);

  // receive_bytes_count adds to the byte statistics; the caller counts what it read.
  void count_bytes_received(std::size_t n);

  // reject handles a packet the decoder refused: DISCONNECT with its reason (5.0, after
  // CONNACK), CONNACK refusal (bad CONNECT) or a plain close (3.1.1), then the will.
  void reject(connection_id conn, const codec::decode_result& failure, millis now,
              action_list& out);

  // closed tells the core the network connection is gone (peer closed, I/O error, or the
  // close the core asked for). Publishes the will when the spec says so.
  void closed(connection_id conn, millis now, action_list& out);

  // tick runs time-driven work: keep-alive timeouts, will delays, session and message
  // expiry, $SYS statistics. Call it at least every next_deadline() or every second.
  void tick(millis now, action_list& out);

  // shutdown sends DISCONNECT 0x8B (Server shutting down) to every 5.0 client and closes
  // every connection.
  void shutdown(millis now, action_list& out);

  // version returns the protocol version a connection agreed on (5.0 before CONNECT).
  codec::protocol_version version(connection_id conn) const;

  // client_id returns the ClientID of a connected connection ("" before CONNECT).
  std::string client_id(connection_id conn) const;

  broker_stats stats() const;

  // session_usages lists every session (online or not) with what it holds. Read-only;
  // takes the gate shared and each session's lock in turn, so a caller on any thread sees
  // each session consistent on its own. For tests and fuzzers: it walks all sessions.
  std::vector<session_usage> session_usages() const;

 private:
  std::unique_ptr<broker_state> state_;
};

}  // namespace mqtt::broker
