// stream_seeds.cpp: seeds that are more than one packet. framer_fuzzer gets short
// realistic sessions as one byte stream (a chunk-size byte first); broker_session_fuzzer
// gets operation lists (format at the top of fuzz/broker_session_fuzzer.cpp) that drive
// two or three connections through subscribe, publish at QoS 0-2 and its acknowledgements,
// retained messages, shared subscriptions, topic aliases, wills, time and closes.
#include <string>
#include <vector>

#include "fuzz/seeds/seed_sink.hpp"
#include "fuzz/seeds/session_ops.hpp"

namespace mqtt::fuzz_seeds {

namespace {

byte_buffer bytes_of(std::string_view s) { return byte_buffer(s.begin(), s.end()); }

constexpr protocol_version v5 = protocol_version::v5_0;
constexpr protocol_version v311 = protocol_version::v3_1_1;

connect_packet connect_as(std::string id, protocol_version v) {
  connect_packet c;
  c.version = v;
  c.client_id = std::move(id);
  c.keep_alive = 60;
  return c;
}

publish_packet publish(std::string topic, qos q, std::uint16_t id, std::string_view payload,
                       bool retain = false) {
  publish_packet p;
  p.topic = std::move(topic);
  p.qos_level = q;
  p.packet_id = id;
  p.retain = retain;
  p.payload = bytes_of(payload);
  return p;
}

// ack makes a PUBACK, PUBREC, PUBREL or PUBCOMP with reason Success.
template <typename Response>
Response ack(std::uint16_t id) {
  Response r;
  r.packet_id = id;
  return r;
}

subscribe_packet subscribe(std::uint16_t id, std::string filter, qos q) {
  return subscribe_packet{id, {}, {{std::move(filter), {q}}}};
}

// ---- framer_fuzzer: a chunk-size byte, then the packets of one connection.

void add_framer_streams(seed_sink& sink) {
  std::vector<std::vector<packet>> sessions;
  // 5.0: connect, subscribe, QoS 0/1/2 both ways, ping, unsubscribe, disconnect.
  sessions.push_back({connect_as("f1", v5), subscribe(1, "a/+", qos::exactly_once),
                      publish("a/b", qos::at_most_once, 0, "zero"),
                      publish("a/b", qos::at_least_once, 2, "one"), ack<puback_packet>(2),
                      publish("a/b", qos::exactly_once, 3, "two"), ack<pubrec_packet>(3),
                      ack<pubrel_packet>(3), ack<pubcomp_packet>(3), pingreq_packet{},
                      unsubscribe_packet{4, {}, {"a/+"}}, disconnect_packet{}});
  // 3.1.1: the framer switches to the CONNECT's version.
  sessions.push_back({connect_as("f2", v311), subscribe(1, "#", qos::at_least_once),
                      publish("t", qos::at_least_once, 1, "x"), ack<puback_packet>(1), pingreq_packet{},
                      disconnect_packet{}});
  // 5.0 enhanced authentication, then a large PUBLISH that spans many chunks.
  {
    connect_packet c = connect_as("f3", v5);
    c.props.authentication_method = "SCRAM-SHA-256";
    c.props.authentication_data = bytes_of("n,,n=u,r=abc");
    properties step;
    step.authentication_method = "SCRAM-SHA-256";
    step.authentication_data = bytes_of("c=biws,r=abcdef,p=proof");
    publish_packet big = publish("big/one", qos::at_least_once, 9, "");
    big.payload = byte_buffer(900, 'B');
    sessions.push_back({c, auth_packet{reason_code::continue_authentication, step}, big,
                        pingreq_packet{}});
  }
  // 5.0 topic aliases: set, then use with an empty Topic Name.
  {
    publish_packet set = publish("alias/target", qos::at_most_once, 0, "1");
    set.props.topic_alias = 1;
    publish_packet use = publish("", qos::at_most_once, 0, "2");
    use.props.topic_alias = 1;
    sessions.push_back({connect_as("f4", v5), set, use, use, disconnect_packet{}});
  }
  // A will, then a DISCONNECT that asks for it.
  {
    connect_packet c = connect_as("f5", v5);
    c.will = will_message{"will/f5", bytes_of("gone"), qos::at_least_once, true, {}};
    c.will->props.will_delay_interval = 2;
    sessions.push_back({c, disconnect_packet{reason_code::disconnect_with_will_message, {}}});
  }
  const std::uint8_t chunks[] = {0, 1, 6, 15, 63, 255};  // chunk size - 1
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    protocol_version v = v5;
    byte_buffer stream;
    for (const packet& p : sessions[i]) {
      if (const auto* c = std::get_if<connect_packet>(&p)) v = c->version;
      const byte_buffer wire = checked_encode(p, v);
      stream.insert(stream.end(), wire.begin(), wire.end());
    }
    // Two chunk sizes per session, so every size is used and a packet crosses chunks.
    for (const std::size_t k : {i % 6, (i + 3) % 6}) {
      byte_buffer seed{chunks[k]};
      seed.insert(seed.end(), stream.begin(), stream.end());
      sink.add("framer_fuzzer", seed);
    }
  }
  // A stream whose second packet is above the target's max_packet_size (1024): the framer
  // must fail without buffering it.
  {
    byte_buffer seed{63};
    const byte_buffer first = checked_encode(connect_as("f6", v5), v5);
    publish_packet huge = publish("huge", qos::at_most_once, 0, "");
    huge.payload = byte_buffer(1100, 'H');
    const byte_buffer second = checked_encode(huge, v5);
    seed.insert(seed.end(), first.begin(), first.end());
    seed.insert(seed.end(), second.begin(), second.end());
    sink.add("framer_fuzzer", seed);
  }
}

// ---- broker_session_fuzzer

constexpr int a = 0, b = 1, c = 2;

void add_sessions(seed_sink& sink) {
  auto add = [&sink](const session_ops& ops) { sink.add("broker_session_fuzzer", ops.bytes()); };

  {  // QoS 0/1/2 from b to a, every acknowledgement, then a unsubscribes and leaves.
    session_ops s;
    s.connect(a).connect(b);
    s.feed(a, subscribe(1, "t/#", qos::exactly_once));
    s.feed(b, publish("t/0", qos::at_most_once, 0, "q0"));
    s.feed(b, publish("t/1", qos::at_least_once, 1, "q1"));
    s.feed(a, ack<puback_packet>(1));
    s.feed(b, publish("t/2", qos::exactly_once, 2, "q2"));
    s.feed(b, ack<pubrel_packet>(2));
    s.feed(a, ack<pubrec_packet>(2)).feed(a, ack<pubcomp_packet>(2));
    s.tick(a, 10);
    s.feed(a, unsubscribe_packet{3, {}, {"t/#"}}).feed(a, disconnect_packet{});
    s.feed(b, publish("t/3", qos::at_least_once, 4, "after"));
    add(s);
  }
  {  // Retained messages and the three Retain Handling options, then clearing one.
    session_ops s;
    s.connect(a).connect(b);
    s.feed(b, publish("r/1", qos::at_least_once, 1, "kept", true));
    for (int h = 0; h < 3; ++h) {
      subscribe_packet sub{static_cast<std::uint16_t>(10 + h), {}, {{"r/#", {qos::at_least_once}}}};
      sub.subscriptions[0].options.handling = static_cast<retain_handling>(h);
      sub.subscriptions[0].options.retain_as_published = h == 1;
      s.feed(a, sub);
    }
    s.feed(b, publish("r/1", qos::at_most_once, 0, "", true));  // empty payload clears it
    s.feed(c, subscribe(1, "r/#", qos::at_most_once));           // c never connected
    add(s);
  }
  {  // A shared subscription on a and b, a plain one on c; several publishes.
    session_ops s;
    s.connect(a).connect(b).connect(c);
    s.feed(a, subscribe(1, "$share/g/s/#", qos::at_least_once));
    s.feed(b, subscribe(1, "$share/g/s/#", qos::at_least_once));
    s.feed(c, subscribe(1, "s/#", qos::at_most_once));
    for (std::uint16_t i = 1; i <= 4; ++i) s.feed(c, publish("s/x", qos::at_least_once, i, "m"));
    s.close(a);
    s.feed(c, publish("s/y", qos::exactly_once, 9, "after close"));
    add(s);
  }
  {  // Topic aliases: set, use, and one above the broker's maximum (4).
    session_ops s;
    s.connect(a).connect(b);
    s.feed(a, subscribe(1, "al/#", qos::at_most_once));
    publish_packet set = publish("al/one", qos::at_most_once, 0, "1");
    set.props.topic_alias = 1;
    publish_packet use = publish("", qos::at_least_once, 1, "2");
    use.props.topic_alias = 1;
    publish_packet over = publish("al/two", qos::at_most_once, 0, "3");
    over.props.topic_alias = 5;
    s.feed(b, set).feed(b, use).feed(b, over);
    add(s);
  }
  {  // No Local, Subscription Identifier, user properties carried through.
    session_ops s;
    s.connect(a).connect(b);
    subscribe_packet sub{1, {}, {{"nl/#", {qos::at_least_once, true, true, retain_handling::do_not_send}}}};
    sub.props.subscription_identifiers = {42};
    s.feed(a, sub);
    publish_packet p = publish("nl/x", qos::at_least_once, 1, "own");
    p.props.user_properties = {{"k", "v"}, {"k", "v2"}};
    p.props.message_expiry_interval = 1;
    s.feed(a, p).feed(b, p);
    s.tick(c, 20);  // the message expires
    add(s);
  }
  {  // A persistent session (the canned CONNECT keeps it 60 s): messages queued while a is
     // away are delivered when it returns; then the session expires.
    session_ops s;
    s.connect(a).connect(b);
    s.feed(a, subscribe(1, "q/#", qos::at_least_once));
    s.close(a);
    for (std::uint16_t i = 1; i <= 3; ++i) s.feed(b, publish("q/x", qos::at_least_once, i, "queued"));
    s.connect(a);
    s.feed(a, ack<puback_packet>(1)).feed(a, ack<puback_packet>(2));
    s.close(a).tick(b, 255).tick(b, 255).tick(b, 255);
    add(s);
  }
  {  // Flow control: more QoS 2 in flight than Receive Maximum (4), never released; more
     // queued for a than max_queued_messages (16), never acknowledged.
    session_ops s;
    s.connect(a).connect(b);
    s.feed(a, subscribe(1, "fc/#", qos::exactly_once));
    for (std::uint16_t i = 1; i <= 6; ++i) s.feed(b, publish("fc/x", qos::exactly_once, i, "2"));
    session_ops t;
    t.connect(a).connect(b);
    t.feed(a, subscribe(1, "fc/#", qos::at_least_once));
    for (std::uint16_t i = 1; i <= 20; ++i) t.feed(b, publish("fc/y", qos::at_least_once, i, "1"));
    add(s);
    add(t);
  }
  {  // Keep alive: 60 s from the canned CONNECT, so it is due after 90 s without a packet.
    session_ops s;
    s.connect(a).tick(a, 200).feed(a, pingreq_packet{}).tick(a, 255).tick(a, 255).tick(a, 255);
    add(s);
  }
  {  // ACL verdicts: a's subscribe and b's publish are asked about and denied.
    session_ops s;
    s.connect(a).connect(b);
    s.feed(a, subscribe(1, "acl/#", qos::at_least_once), 0x0);
    s.feed(b, publish("acl/x", qos::at_least_once, 1, "denied"), 0x0);
    s.feed(a, subscribe(2, "acl/#", qos::at_least_once));
    s.feed(b, publish("acl/x", qos::at_least_once, 2, "allowed"));
    add(s);
  }
  {  // Wills: b's own 5.0 CONNECT with a delayed will, dropped; a sees it after the delay.
    session_ops s;
    connect_packet w = connect_as("b", v5);
    w.will = will_message{"will/b", bytes_of("b gone"), qos::at_least_once, true, {}};
    w.will->props.will_delay_interval = 2;
    w.props.session_expiry_interval = 10;
    s.connect(a).feed(a, subscribe(1, "will/#", qos::at_least_once));
    s.feed(b, w).close(b).tick(a, 30);
    // c's will goes out at once when it disconnects with reason 0x04.
    connect_packet w2 = connect_as("c", v5);
    w2.will = will_message{"will/c", bytes_of("c gone"), qos::at_most_once, false, {}};
    s.feed(c, w2).feed(c, disconnect_packet{reason_code::disconnect_with_will_message, {}});
    add(s);
  }
  {  // 3.1.1 clients: own CONNECTs with every flag combination that matters.
    for (const bool clean : {true, false}) {
      for (const qos q : {qos::at_most_once, qos::at_least_once, qos::exactly_once}) {
        session_ops s;
        connect_packet p = connect_as("a", v311);
        p.clean_start = clean;
        p.will = will_message{"w/a", bytes_of("x"), q, q == qos::exactly_once, {}};
        p.username = "user";
        p.password = bytes_of("pw");
        s.feed(a, p, clean ? 0xF : 0x0);  // a denied CONNECT too
        s.feed(b, connect_as("b", v311));
        s.feed(b, subscribe(1, "w/#", qos::exactly_once), 0xF, v311);
        s.feed(a, publish("w/x", q, q == qos::at_most_once ? 0 : 5, "x"), 0xF, v311);
        s.close(a);
        add(s);
      }
    }
    session_ops s;  // 3.1 (MQIsdp) and an empty ClientID that must be refused with clean 0
    connect_packet old = connect_as("old", protocol_version::v3_1);
    s.feed(a, old);
    connect_packet empty = connect_as("", v311);
    empty.clean_start = false;
    s.feed(b, empty);
    add(s);
  }
  {  // Session takeover: b connects with a's ClientID.
    session_ops s;
    s.connect(a).feed(a, subscribe(1, "to/#", qos::at_least_once));
    connect_packet same = connect_as("a", v5);
    same.clean_start = false;
    s.feed(b, same).feed(a, pingreq_packet{}).feed(b, pingreq_packet{});
    add(s);
  }
  {  // 5.0 CONNECT properties the broker must honour or refuse.
    session_ops s;
    connect_packet p = connect_as("a", v5);
    p.props.receive_maximum = 1;
    p.props.maximum_packet_size = 64;
    p.props.topic_alias_maximum = 2;
    p.props.request_problem_information = 0;
    p.props.request_response_information = 1;
    p.props.user_properties = {{"client", "fuzz"}};
    s.feed(a, p).feed(a, subscribe(1, "#", qos::at_least_once));
    s.connect(b).feed(b, publish("mp/x", qos::at_least_once, 1, std::string(100, 'L')));
    s.feed(b, publish("mp/y", qos::at_least_once, 2, "small"));
    connect_packet m = connect_as("c", v5);
    m.props.authentication_method = "UNKNOWN-METHOD";
    s.feed(c, m);
    add(s);
  }
  {  // DISCONNECT changing the Session Expiry, and packets after it.
    session_ops s;
    properties expiry;
    expiry.session_expiry_interval = 5;
    s.connect(a).feed(a, disconnect_packet{reason_code::normal_disconnection, expiry});
    s.feed(a, pingreq_packet{}).close(a).tick(b, 100);
    add(s);
  }
}

}  // namespace

void add_stream_seeds(seed_sink& sink) {
  add_framer_streams(sink);
  add_sessions(sink);
}

}  // namespace mqtt::fuzz_seeds
