// client_connection.hpp: the MQTT protocol on one client's network connection, sans-I/O,
// built the way nghttp2's session and Beast's parser are: the front end feeds it the bytes
// it read, the verdicts it was asked for and the time, and gets back actions (in the
// broker core's action list: send, close, log) and what the connection needs next (more
// bytes, a verdict, or nothing more).
//
// It owns what belongs to one connection rather than to the broker: the framer, the
// protocol version, whether CONNECT came, the inbound Topic Alias map the ACL check needs,
// and the packet held while its verdict is out. The packets behind a held one stay in the
// framer until the verdict is in, so they keep their order. The broker-wide state
// (sessions, subscriptions, retained messages) stays in broker_core.
//
// Not thread-safe: the front end makes one call at a time (its read chain, or the thread
// that brings a verdict), and `question()` is valid until the next call.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "codec/framer.hpp"
#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/detail/fault_header_rewriter.hpp"
#include "reference-broker/core/verdict.hpp"

namespace mqtt::broker {

// next_step is what the connection needs after a call.
enum class next_step : std::uint8_t {
  read,  // more bytes
  ask,   // a verdict on question(): answer_connect or answer_acl
  stop,  // nothing more: the core closes the connection (read and discard, see net/)
};

// verdict_question is what the connection asks its front end's authorizer.
struct verdict_question {
  enum class kind : std::uint8_t { connect, publish, subscribe };
  kind what = kind::connect;
  const peer_identity* who = nullptr;
  // The held packet: a connect_packet, publish_packet (Topic Name already resolved from
  // its alias) or subscribe_packet.
  const codec::packet* packet = nullptr;
};

class client_connection {
 public:
  // `who` carries the peer's address and transport; the ClientID and User Name are filled
  // in from CONNECT.
  client_connection(broker_core& core, peer_identity who);
  client_connection(const client_connection&) = delete;
  client_connection& operator=(const client_connection&) = delete;

  // open registers the connection with the core (its CONNECT wait starts now).
  void open(millis now, action_list& out);

  // feed takes the next bytes read from the network and runs the packets they complete.
  next_step feed(codec::byte_view bytes, millis now, action_list& out);

  // question is what the last call that returned next_step::ask wants decided.
  verdict_question question() const;

  // answer_connect / answer_acl deliver the held packet with its verdict, then run the
  // packets already buffered behind it.
  next_step answer_connect(const auth_verdict& verdict, millis now, action_list& out);
  next_step answer_acl(const acl_verdicts& verdict, millis now, action_list& out);

  // closed: the network connection is gone (or the close the core asked for is done).
  // Call once; nothing else after it.
  void closed(millis now, action_list& out);

  connection_id id() const { return who_.conn; }
  const peer_identity& who() const { return who_; }

 private:
  // run takes packets out of the framer until it needs bytes, a verdict, or the core
  // closed the connection.
  next_step run(millis now, action_list& out);
  // refuse_early_non_connect is the refusal of a first packet whose first byte already
  // says it is not CONNECT; nothing before that byte or after CONNECT.
  std::optional<codec::decode_result> refuse_early_non_connect() const;
  // receive hands one decoded packet to the core, or holds it and asks.
  next_step receive(codec::packet&& p, millis now, action_list& out);
  next_step hold(codec::packet&& p, verdict_question::kind what);
  // resolve_topic_alias keeps the inbound alias map and fills in the Topic Name of an
  // alias-only PUBLISH, so the ACL check and the core see the real topic (3.3.2.3.4);
  // returns the refusal of a bad alias.
  std::optional<codec::decode_result> resolve_topic_alias(codec::publish_packet& p);
  // closing says whether the actions from `first` on close this connection: the core
  // stopped listening, so nothing more is read or asked about [MQTT-3.1.4-6].
  bool closing(const action_list& out, std::size_t first);
  // after_call is the step once a packet was handed to the core.
  next_step after_call(const action_list& out, std::size_t first);

  broker_core& core_;
  peer_identity who_;
  codec::framer framer_;
  std::uint16_t topic_alias_maximum_;
#if defined(MQTTCERT_FAULTS)
  fault_header_rewriter fault_rewriter_;  // mqtt-refbroker-faulty only
  codec::byte_buffer rewritten_;
#endif
  bool connect_seen_ = false;
  bool stopped_ = false;
  // The packet waiting for its verdict, boxed: a codec::packet is 1,136 bytes (a CONNECT
  // and its Will's properties), which inline made most of an idle connection's memory.
  // The box is dropped after the CONNECT and kept once a PUBLISH or SUBSCRIBE used it,
  // so a busy client does not allocate per packet.
  std::unique_ptr<codec::packet> held_;
  bool holding_ = false;
  verdict_question::kind held_kind_ = verdict_question::kind::connect;
  std::unordered_map<std::uint16_t, std::string> inbound_aliases_;
};

}  // namespace mqtt::broker
