// core_test_driver.hpp: drives broker_core in-process with a fake clock through the same
// front door the network uses: each fake client's packets are encoded and fed as bytes
// to its client_connection, whose verdict questions the test answers. Decodes what the
// core sends back. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <string>

#include "codec/packet_codec.hpp"
#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/client_connection.hpp"
#include <memory>

namespace mqtt::broker::test {

// fake_client is one network connection to the core.
class core_test_driver;

struct fake_client {
  core_test_driver* driver = nullptr;
  connection_id id = 0;
  codec::protocol_version version = codec::protocol_version::v5_0;
  std::deque<codec::packet> inbox;  // packets the core sent, decoded
  bool closed = false;              // the core asked to close it
  std::unique_ptr<client_connection> link;  // the front door its bytes go through

  void send(codec::packet p, acl_verdicts acl = acl_verdicts::allow_all());
  // take pops the next packet the core sent; fails the test if there is none or it is
  // not a T.
  template <typename T>
  T take();
  bool idle() const { return inbox.empty(); }
};

class core_test_driver {
 public:
  explicit core_test_driver(broker_config config = {},
                            std::shared_ptr<const auth_methods> methods = nullptr)
      : core(config, std::move(methods)) {}

  broker_core core;
  millis now{1'000'000};
  std::vector<std::string> logs;

  // connect opens a connection and sends `c`; returns the client (CONNACK left in inbox).
  fake_client& open() {
    auto& c = clients_.emplace_back();
    c.driver = this;
    c.id = next_id_++;
    peer_identity who;
    who.conn = c.id;
    who.peer_address = "127.0.0.1";
    who.peer_port = static_cast<std::uint16_t>(c.id);
    who.transport = "tcp";
    c.link = std::make_unique<client_connection>(core, who);
    action_list out;
    c.link->open(now, out);
    apply(out);
    return c;
  }

  fake_client& connect(codec::connect_packet c, auth_verdict verdict = auth_verdict::allow()) {
    fake_client& client = open();
    client.version = c.version;
    feed(client, c, acl_verdicts{}, verdict);
    return client;
  }

  // connect_v5 / connect_v311 connect with a ClientID and clean start, taking the CONNACK.
  fake_client& connect_v5(const std::string& client_id, bool clean_start = true,
                          std::uint32_t session_expiry = 0) {
    codec::connect_packet c;
    c.version = codec::protocol_version::v5_0;
    c.client_id = client_id;
    c.clean_start = clean_start;
    if (session_expiry) c.props.session_expiry_interval = session_expiry;
    fake_client& client = connect(std::move(c));
    auto ack = client.take<codec::connack_packet>();
    EXPECT_EQ(ack.reason, 0) << "CONNACK refused";
    return client;
  }
  fake_client& connect_v311(const std::string& client_id, bool clean_session = true) {
    codec::connect_packet c;
    c.version = codec::protocol_version::v3_1_1;
    c.client_id = client_id;
    c.clean_start = clean_session;
    fake_client& client = connect(std::move(c));
    auto ack = client.take<codec::connack_packet>();
    EXPECT_EQ(ack.reason, 0) << "CONNACK refused";
    return client;
  }

  void receive(fake_client& c, codec::packet p, const acl_verdicts& acl) {
    feed(c, p, acl, auth_verdict::allow());
  }

  // feed sends `p` as bytes, answering a CONNECT's question with `verdict` and a PUBLISH
  // or SUBSCRIBE's with `acl`.
  void feed(fake_client& c, const codec::packet& p, const acl_verdicts& acl,
            const auth_verdict& verdict) {
    feed_bytes(c, codec::encode_packet(p, c.version), acl, verdict);
  }
  void feed_bytes(fake_client& c, const codec::byte_buffer& bytes, const acl_verdicts& acl,
                  const auth_verdict& verdict = auth_verdict::allow()) {
    if (c.closed) return;  // a closed connection reads nothing more
    action_list out;
    next_step step = c.link->feed(bytes, now, out);
    while (step == next_step::ask) {
      step = c.link->question().what == verdict_question::kind::connect
                 ? c.link->answer_connect(verdict, now, out)
                 : c.link->answer_acl(acl, now, out);
    }
    apply(out);
  }

  // drop closes the network connection from the client side (no DISCONNECT).
  void drop(fake_client& c) {
    if (c.closed) return;
    action_list out;
    c.link->closed(now, out);
    c.closed = true;
    apply(out);
  }

  // reject hands the core a decode failure on `c`'s connection, as the front door does.
  void reject(fake_client& c, codec::decode_status status, codec::reason_code code,
              std::string why) {
    codec::decode_result failure;
    failure.status = status;
    failure.code = code;
    failure.why = std::move(why);
    action_list out;
    core.reject(c.id, failure, now, out);
    apply(out);
  }

  void advance(millis by) {
    now += by;
    action_list out;
    core.tick(now, out);
    apply(out);
  }

  // apply carries out the core's actions: sends are decoded into the client's inbox, a
  // close marks the client closed and reports it back as the front end would.
  void apply(action_list& out) {
    std::vector<connection_id> to_close;
    for (auto& a : out) {
      fake_client* c = find(a.conn);
      if (a.what != action::kind::log) {
        // One caller at a time here, so every connection's seqs come in order.
        EXPECT_EQ(a.seq, next_seq_[a.conn]++) << "action seq out of order";
      }
      switch (a.what) {
        case action::kind::send: {
          ASSERT_NE(c, nullptr);
          ASSERT_FALSE(c->closed) << "send after close";
          const codec::byte_buffer sent = wire_bytes(a);
          codec::decode_result r = codec::decode_packet(sent, c->version);
          ASSERT_EQ(r.status, codec::decode_status::ok) << "core sent bad bytes: " << r.why;
          ASSERT_EQ(r.consumed, sent.size());
          c->inbox.push_back(std::move(*r.value));
          break;
        }
        case action::kind::close:
          if (c && !c->closed) {
            c->closed = true;
            to_close.push_back(a.conn);
          }
          break;
        case action::kind::log:
          logs.push_back(a.text);
          break;
      }
    }
    for (connection_id id : to_close) {
      action_list more;
      find(id)->link->closed(now, more);
      apply(more);
    }
  }

  fake_client* find(connection_id id) {
    for (auto& c : clients_) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }

 private:
  std::deque<fake_client> clients_;
  connection_id next_id_ = 1;
  std::map<connection_id, std::uint64_t> next_seq_;
};

inline void fake_client::send(codec::packet p, acl_verdicts acl) {
  driver->receive(*this, std::move(p), acl);
}

template <typename T>
T fake_client::take() {
  if (inbox.empty()) {
    ADD_FAILURE() << "expected " << codec::packet_type_name(codec::type_of(codec::packet{T{}}))
                  << ", the core sent nothing";
    return T{};
  }
  codec::packet p = std::move(inbox.front());
  inbox.pop_front();
  if (!std::holds_alternative<T>(p)) {
    ADD_FAILURE() << "expected " << codec::packet_type_name(codec::type_of(codec::packet{T{}}))
                  << ", the core sent " << codec::packet_type_name(codec::type_of(p));
    return T{};
  }
  return std::get<T>(std::move(p));
}

// publish builds a PUBLISH.
inline codec::publish_packet publish(std::string topic, std::string payload,
                                     codec::qos q = codec::qos::at_most_once,
                                     std::uint16_t id = 0, bool retain = false) {
  codec::publish_packet p;
  p.topic = std::move(topic);
  p.payload.assign(payload.begin(), payload.end());
  p.qos_level = q;
  p.packet_id = id;
  p.retain = retain;
  return p;
}

inline codec::subscribe_packet subscribe(std::string filter, codec::qos q = codec::qos::at_most_once,
                                         std::uint16_t id = 1) {
  codec::subscribe_packet s;
  s.packet_id = id;
  s.subscriptions.push_back({std::move(filter), {q}});
  return s;
}

// make_connect builds a CONNECT with a ClientID, for `version`, with Clean Start as given.
inline codec::connect_packet make_connect(std::string client_id,
                                          codec::protocol_version version = codec::protocol_version::v5_0,
                                          bool clean_start = true) {
  codec::connect_packet c;
  c.version = version;
  c.client_id = std::move(client_id);
  c.clean_start = clean_start;
  return c;
}

// make_will builds a Will Message.
inline codec::will_message make_will(std::string topic, std::string payload,
                                     codec::qos q = codec::qos::at_most_once, bool retain = false) {
  codec::will_message w;
  w.topic = std::move(topic);
  w.payload.assign(payload.begin(), payload.end());
  w.qos_level = q;
  w.retain = retain;
  return w;
}

// verdicts is one ACL verdict per topic, as an authorizer answers.
inline acl_verdicts verdicts(std::initializer_list<bool> allowed) {
  acl_verdicts v;
  for (bool a : allowed) v.topics.push_back({a, nullptr});
  return v;
}

inline std::string text(const codec::byte_buffer& b) { return std::string(b.begin(), b.end()); }
inline codec::byte_buffer bytes_of(std::string_view s) { return codec::byte_buffer(s.begin(), s.end()); }

}  // namespace mqtt::broker::test
