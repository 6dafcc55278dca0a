// malformed_scenarios.cpp: oversize and malformed input — the right reason code or a
// close, and memory that stays flat.
#include <algorithm>
#include <map>
#include <thread>

#include "codec/hex.hpp"
#include "codec/packet_codec.hpp"
#include "stress/clients.hpp"
#include "stress/scenario.hpp"
#include "stress/scenario_kit.hpp"

namespace mqtt::cert::stress {
namespace {

using namespace std::chrono_literals;

// huge_remaining_length: many connections each start a PUBLISH whose Remaining Length
// claims 268,435,455 bytes (FF FF FF 7F, the largest the encoding holds) and send 10 bytes
// of it. A broker that reserves what a header claims runs out of memory; one that announced
// a smaller Maximum Packet Size should close at once. 5.0, 3.2.2.3.6: "If a Server receives
// a packet whose size exceeds this limit, this is a Protocol Error, the Server uses
// DISCONNECT with Reason Code 0x95 (Packet too large), as described in section 4.13."
scenario_report huge_remaining_length(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.13.1-1";
  const int connections = c.quick ? 50 : 200;
  const memory_watch mem(c);
  std::vector<connected> clients;
  std::optional<std::uint32_t> limit;
  for (int i = 0; i < connections && !c.stopping(); ++i) {
    auto cl = connect_client(c, c.run_id + "-" + std::to_string(i));
    if (!cl) {
      rep.degrade("connection " + std::to_string(i) + " could not connect: " + cl.failure);
      break;
    }
    limit = cl.maximum_packet_size();
    cl.client->send_hex("30 FF FF FF 7F 00 03 61 2F 62 00 00 00 00 00");
    clients.push_back(std::move(cl));
    if (i % 10 == 0) c.progress(std::to_string(i + 1) + " connections claim 256 MB each");
  }
  rep.saw(std::to_string(clients.size()) + " connections each sent a PUBLISH header claiming 268,435,455 "
          "bytes, then 10 of them; Maximum Packet Size announced: " +
          (limit ? std::to_string(*limit) : std::string("none (no limit below the protocol's)")));
  std::this_thread::sleep_for(1s);
  if (const auto grown = mem.grown_kib()) {
    rep.saw("broker RSS grew by " + std::to_string(*grown / 1024) + " MiB while they waited");
    if (*grown > 256 * 1024) rep.fail("the broker reserved memory for what the headers claimed (" +
                                     std::to_string(*grown / 1024) + " MiB for " +
                                     std::to_string(clients.size()) + " connections)");
    else if (*grown > 64 * 1024) rep.degrade("memory grew by more than 64 MiB for 10-byte packets");
  }
  int closed = 0, with_0x95 = 0;
  // One wait for all of them: the broker had them all at once.
  const auto deadline = std::chrono::steady_clock::now() + (limit ? 5000ms : 500ms);
  for (auto& cl : clients) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto seen = cl.client->expect_close(std::max(left, 1ms));
    if (seen.closed) ++closed;
    if (seen.first_reason() == 0x95) ++with_0x95;
  }
  rep.saw(std::to_string(closed) + " of " + std::to_string(clients.size()) + " closed by the broker, " +
          std::to_string(with_0x95) + " with DISCONNECT 0x95 (Packet too large) first");
  if (limit && *limit < 268'435'460 && closed < static_cast<int>(clients.size()))
    rep.degrade("the broker kept connections open whose packet is larger than the Maximum Packet Size "
                "it announced, waiting for bytes it will refuse");
  return rep;
}

// ---------------------------------------------------------------- packet-size-limit

// fresh_answer sends `bytes` on a new 5.0 connection and says what came back within `wait`.
answer fresh_answer(context& c, const std::string& id, const codec::byte_buffer& bytes,
                    std::chrono::milliseconds wait = 5000ms) {
  auto cl = connect_client(c, id);
  if (!cl) {
    answer a;
    a.what = answer::kind::closed;
    a.text = "could not connect: " + cl.failure;
    return a;
  }
  cl.client->send_bytes(bytes);
  return await_answer(*cl.client, wait);
}

// at_limit: the limit is the size the server "is willing to accept" (3.2.2.3.6), so a packet
// of exactly that size must be taken.
void at_limit(context& c, scenario_report& rep, const std::string& topic, std::uint32_t limit) {
  const auto bytes = publish_of_size(topic, limit, 1);
  const answer a = fresh_answer(c, c.run_id + "-size-at", *bytes);
  rep.saw("PUBLISH of exactly " + std::to_string(limit) + " bytes (the limit): " + a.text);
  if (a.what == answer::kind::closed)
    rep.fail("closed the connection on a packet of exactly the Maximum Packet Size it announced");
  else if (a.what == answer::kind::silence)
    rep.degrade("no PUBACK for a QoS 1 PUBLISH within the limit");
  else if (a.reason && *a.reason >= 0x80)
    rep.degrade("refused a PUBLISH within its own limit with " + a.text);
}

// past_limit: 3.2.2.3.6 "If a Server receives a packet whose size exceeds this limit, this is
// a Protocol Error, the Server uses DISCONNECT with Reason Code 0x95 (Packet too large), as
// described in section 4.13." 4.13.1 lets the server close without the DISCONNECT ("MAY send
// a DISCONNECT packet"), so a plain close is fine; another reason code is not the one named.
void past_limit(context& c, scenario_report& rep, const std::string& topic, std::uint32_t limit) {
  const auto bytes = publish_of_size(topic, limit + 1, 2);
  const answer a = fresh_answer(c, c.run_id + "-size-past", *bytes);
  rep.saw("PUBLISH of " + std::to_string(limit + 1) + " bytes (one past the limit): " + a.text);
  if (a.what == answer::kind::closed) {
    if (a.reason && *a.reason != 0x95)
      rep.degrade("closed with " + hex_byte(*a.reason) + " where 3.2.2.3.6 names 0x95 (Packet too large)");
  } else if (a.what == answer::kind::silence) {
    rep.degrade("neither answered nor closed on a packet past its Maximum Packet Size");
  } else if (a.reason && *a.reason < 0x80) {
    rep.fail("accepted a packet larger than the Maximum Packet Size it announced (" + a.text + ")");
  } else {
    rep.degrade("refused with " + a.text + " but kept the connection; 3.2.2.3.6 makes it a Protocol Error");
  }
}

scenario_report packet_size_limit(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.13.1-1";
  const memory_watch mem(c);
  auto first = connect_client(c, c.run_id + "-size");
  if (!first) {
    rep.degrade("could not connect: " + first.failure);
    return rep;
  }
  const auto limit = first.maximum_packet_size();
  first.client->close();
  const std::string topic = c.run_id + "/size";
  // Past 16 MiB, sending the limit itself is a bandwidth test rather than a size check.
  if (!limit || *limit > (16u << 20)) {
    rep.saw(std::string("Maximum Packet Size announced: ") + (limit ? std::to_string(*limit) : "none") +
            "; sending a 1 MiB PUBLISH and only recording the answer");
    const answer a = fresh_answer(c, c.run_id + "-size-mib", *publish_of_size(topic, 1u << 20, 1));
    rep.saw("1 MiB PUBLISH: " + a.text);
    return rep;
  }
  const int rounds = c.quick ? 1 : 10;
  for (int i = 0; i < rounds && !c.stopping(); ++i) {
    c.progress("packet-size-limit round " + std::to_string(i + 1));
    at_limit(c, rep, topic, *limit);
    past_limit(c, rep, topic, *limit);
  }
  mem.judge(rep, 64, "over " + std::to_string(rounds) + " rounds");
  return rep;
}

// ---------------------------------------------------------------- five-byte-vbi

struct malformed_case {
  std::string name;
  codec::protocol_version version;
  codec::byte_buffer bytes;
};

// five_byte_cases: the Remaining Length (2.1.4), a Property Length (2.2.2.1) and a property
// value (Subscription Identifier, 3.8.2.1.2) given as FF FF FF FF 01 / 80 80 80 80 01.
std::vector<malformed_case> five_byte_cases() {
  std::vector<malformed_case> out;
  const codec::byte_buffer rl = *codec::from_hex("30 FF FF FF FF 01 00 03 61 2F 62 00 00 00 00 00 00 00");
  out.push_back({"Remaining Length FF FF FF FF 01 (5.0)", codec::protocol_version::v5_0, rl});
  out.push_back({"Remaining Length FF FF FF FF 01 (3.1.1)", codec::protocol_version::v3_1_1, rl});
  out.push_back({"PUBLISH Property Length FF FF FF FF 01", codec::protocol_version::v5_0,
                 *codec::from_hex("30 11 0003 612F62 FF FF FF FF 01 00 00 00 00 00 00 00 00 00")});
  out.push_back({"SUBSCRIBE Subscription Identifier 80 80 80 80 01", codec::protocol_version::v5_0,
                 *codec::from_hex("82 0E 0001 06 0B 80 80 80 80 01 0003 612F62 01")});
  return out;
}

// five_byte_vbi: 1.5.5 "The maximum number of bytes in the Variable Byte Integer field is
// four." A fifth byte makes the packet malformed, and [MQTT-4.13.1-1] "When a Server detects
// a Malformed Packet or Protocol Error, and a Reason Code is given in the specification, it
// MUST close the Network Connection." A DISCONNECT (0x81) first is allowed, not required.
scenario_report five_byte_vbi(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.13.1-1";
  const memory_watch mem(c);
  const int per_case = c.quick ? 10 : 100;
  for (const auto& k : five_byte_cases()) {
    std::vector<connected> clients;
    session_request r;
    r.version = k.version;
    for (int i = 0; i < per_case && !c.stopping(); ++i) {
      auto cl = connect_client(c, c.run_id + "-vbi-" + std::to_string(i), r);
      if (!cl) {
        rep.degrade("could not connect: " + cl.failure);
        break;
      }
      cl.client->send_bytes(k.bytes);
      clients.push_back(std::move(cl));
    }
    int closed = 0, answered = 0;
    std::map<std::string, int> reasons;
    for (auto& cl : clients) {
      const answer a = await_answer(*cl.client, 3000ms);
      if (a.what == answer::kind::closed) ++closed, ++reasons[a.reason ? hex_byte(*a.reason) : "no DISCONNECT"];
      if (a.what == answer::kind::packet) ++answered;
    }
    std::string how;
    for (const auto& [code, n] : reasons) how += " " + code + "×" + std::to_string(n);
    rep.saw(k.name + ": " + std::to_string(closed) + " of " + std::to_string(clients.size()) +
            " connections closed (" + (how.empty() ? " none" : how) + " ), " + std::to_string(answered) +
            " answered with a packet");
    if (closed < static_cast<int>(clients.size()))
      rep.fail(k.name + ": " + std::to_string(clients.size() - closed) +
               " connections stayed open after a malformed packet [MQTT-4.13.1-1]");
  }
  mem.judge(rep, 64, "after the malformed packets");
  return rep;
}

// ---------------------------------------------------------------- many-properties

// many_properties: 3.3.2.3.2 "It is a Protocol Error to include the Payload Format Indicator
// more than once." So the server must close [MQTT-4.13.1-1]; DISCONNECT 0x82 (or 0x81) first
// is allowed, and so is a limit code (0x95 Packet too large, 0x97 Quota exceeded) from a
// broker that stops reading before it notices the repetition.
scenario_report many_properties(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.13.1-1";
  const memory_watch mem(c);
  const int count = c.quick ? 2000 : 10000;
  const int connections = c.quick ? 5 : 50;
  codec::byte_buffer props;
  for (int i = 0; i < count; ++i) props.insert(props.end(), {0x01, 0x00});
  const codec::byte_buffer payload{'x'};
  const auto bytes = raw_publish(c.run_id + "/props", props, payload, codec::qos::at_least_once, 1);
  std::map<std::string, int> outcomes;
  for (int i = 0; i < connections && !c.stopping(); ++i) {
    const answer a = fresh_answer(c, c.run_id + "-props-" + std::to_string(i), bytes, 3000ms);
    ++outcomes[a.text];
    if (a.what == answer::kind::silence)
      rep.fail("neither answered nor closed on a Protocol Error (" + std::to_string(count) +
               " Payload Format Indicators) [MQTT-4.13.1-1]");
    else if (a.what == answer::kind::packet && a.reason && *a.reason < 0x80)
      rep.fail("accepted a PUBLISH with " + std::to_string(count) +
               " Payload Format Indicators (" + a.text + "), a Protocol Error");
    else if (a.what == answer::kind::packet)
      rep.degrade("refused with " + a.text + " but did not close, as [MQTT-4.13.1-1] requires");
    if (a.what != answer::kind::closed) break;
  }
  for (const auto& [text, n] : outcomes)
    rep.saw(std::to_string(n) + " PUBLISH with " + std::to_string(count) + " Payload Format Indicators (" +
            std::to_string(bytes.size()) + " bytes): " + text);
  mem.judge(rep, 64, "after the repeated-property packets");
  return rep;
}

// ---------------------------------------------------------------- many-user-properties

// user_property_publish is a QoS 1 PUBLISH carrying `count` User Properties k0=v … in order.
codec::publish_packet user_property_publish(const std::string& topic, int count, std::uint16_t id) {
  codec::publish_packet p;
  p.topic = topic;
  p.qos_level = codec::qos::at_least_once;
  p.packet_id = id;
  p.payload = {'u'};
  for (int i = 0; i < count; ++i) p.props.user_properties.push_back({"k" + std::to_string(i), "v"});
  return p;
}

// forwarded_intact: [MQTT-3.3.2-17] "The Server MUST send all User Properties unaltered in a
// PUBLISH packet when forwarding the Application Message to a Client" and [MQTT-3.3.2-18] in order.
bool forwarded_intact(const codec::publish_packet& got, const codec::publish_packet& sent) {
  return got.props.user_properties == sent.props.user_properties;
}

// many_user_properties: the spec puts no bound on User Properties (3.3.2.3.7: "The User
// Property is allowed to appear multiple times"), so a broker may forward them all or refuse
// the message by its own limit (PUBACK 0x97 / 0x95, or a DISCONNECT); both are fine.
scenario_report many_user_properties(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-3.3.2-17";
  const memory_watch mem(c);
  const int count = c.quick ? 2000 : 10000;
  const int messages = c.quick ? 1 : 20;
  const std::string topic = c.run_id + "/uprops";
  auto sub = connect_client(c, c.run_id + "-uprops-sub");
  auto pub = connect_client(c, c.run_id + "-uprops-pub");
  if (!sub || !pub) {
    rep.degrade("could not connect: " + sub.failure + pub.failure);
    return rep;
  }
  sub.client->send_packet(codec::subscribe_packet{1, {}, {{topic, {codec::qos::at_least_once}}}});
  sub.client->expect_ack(3000ms);
  int acked = 0, refused = 0, delivered = 0, altered = 0;
  for (int i = 0; i < messages && !c.stopping(); ++i) {
    const auto p = user_property_publish(topic, count, static_cast<std::uint16_t>(i + 1));
    pub.client->send_packet(p);
    const answer a = await_answer(*pub.client, 5000ms);
    if (a.what != answer::kind::packet || !a.reason || *a.reason >= 0x80) {
      rep.saw("PUBLISH with " + std::to_string(count) + " User Properties refused: " + a.text);
      ++refused;
      break;  // a refusal by the broker's own limit: nothing more to learn
    }
    ++acked;
    drain_publishes(*sub.client, 1000ms, [&](const codec::publish_packet& got) {
      ++delivered;
      if (!forwarded_intact(got, p)) ++altered;
    });
  }
  rep.saw(std::to_string(acked) + " PUBLISH with " + std::to_string(count) + " User Properties acknowledged, " +
          std::to_string(delivered) + " delivered to the subscriber, " + std::to_string(altered) + " with them altered");
  if (altered) rep.fail(std::to_string(altered) + " forwarded with User Properties changed [MQTT-3.3.2-17/18]");
  if (delivered < acked) rep.degrade(std::to_string(acked - delivered) + " acknowledged messages not delivered within 1 s");
  mem.judge(rep, 64, "for " + std::to_string(acked + refused) + " such messages");
  return rep;
}

// ---------------------------------------------------------------- long-topic

// subscribe_one sends SUBSCRIBE for `filters` at QoS 1 and returns the answer.
answer subscribe_one(raw_client& cl, const std::vector<std::string>& filters) {
  codec::subscribe_packet s;
  s.packet_id = 1;
  for (const auto& f : filters) s.subscriptions.push_back({f, {codec::qos::at_least_once}});
  cl.send_packet(s);
  return await_answer(cl, 5000ms);
}

// granted_any: a SUBACK with at least one code below 0x80.
bool granted_any(const answer& a) {
  const auto* ack = a.got.as<codec::suback_packet>();
  return ack && std::any_of(ack->reasons.begin(), ack->reasons.end(), [](std::uint8_t r) { return r < 0x80; });
}

std::string suback_text(const answer& a) {
  const auto* ack = a.got.as<codec::suback_packet>();
  if (!ack) return a.text;
  std::string codes;
  for (auto r : ack->reasons) codes += (codes.empty() ? "" : ",") + hex_byte(r);
  return "SUBACK " + codes;
}

// deliver_once subscribes `filters`, publishes on `topic` at QoS 1 and counts deliveries.
// Refusals (a SUBACK code, a PUBACK code, a close) are recorded: the spec leaves the broker
// free to refuse by its limits. Returns the copies delivered, or -1 when nothing was expected.
int deliver_once(context& c, scenario_report& rep, const std::string& topic,
                 const std::vector<std::string>& filters, const std::string& what) {
  auto sub = connect_client(c, c.run_id + "-" + what + "-sub");
  auto pub = connect_client(c, c.run_id + "-" + what + "-pub");
  if (!sub || !pub) {
    rep.degrade("could not connect: " + sub.failure + pub.failure);
    return -1;
  }
  const answer s = subscribe_one(*sub.client, filters);
  pub.client->send_packet(codec::publish_packet{false, codec::qos::at_least_once, false, topic, 1, {}, {'t'}});
  const answer p = await_answer(*pub.client, 5000ms);
  int copies = 0;
  if (s.what == answer::kind::packet)
    drain_publishes(*sub.client, 1000ms, [&](const codec::publish_packet& got) { copies += got.topic == topic; });
  rep.saw(what + ": SUBSCRIBE (" + std::to_string(filters.front().size()) + "-byte filter): " + suback_text(s) +
          "; PUBLISH (" + std::to_string(topic.size()) + "-byte topic): " + p.text + "; " +
          std::to_string(copies) + " delivered");
  const bool expected = granted_any(s) && p.what == answer::kind::packet && p.reason && *p.reason == 0x00;
  if (expected && copies == 0) rep.degrade(what + ": acknowledged, subscribed, and not delivered within 1 s");
  return expected ? copies : -1;
}

// long_topic: 1.5.4 "a UTF-8 Encoded String ... can be up to 65,535 bytes": a topic that long
// is legal; a broker takes it, or refuses it by its Maximum Packet Size or its own limits.
scenario_report long_topic(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.13.1-1";
  const memory_watch mem(c);
  const std::string topic = c.run_id + "/" + std::string(65535 - c.run_id.size() - 1, 'l');
  const int rounds = c.quick ? 1 : 10;
  for (int i = 0; i < rounds && !c.stopping(); ++i) deliver_once(c, rep, topic, {topic}, "long-topic");
  mem.judge(rep, 64, "after " + std::to_string(rounds) + " rounds");
  return rep;
}

// ---------------------------------------------------------------- deep-topic

// deep_topic: thousands of levels in a topic and in filters of "+" and "#". Legal (4.7), so a
// broker delivers, or refuses with a reason code; it must not crash on recursion depth.
// With two matching subscriptions 3.3.4 lets the server send one copy or one per subscription.
scenario_report deep_topic(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.7.1-1";
  const memory_watch mem(c);
  const int levels = c.quick ? 2000 : 10000;
  std::string topic = c.run_id, plus = c.run_id, hash = c.run_id;
  for (int i = 0; i < levels; ++i) {
    topic += "/a";
    plus += "/+";
    if (i < levels / 2) hash += "/+";
  }
  hash += "/#";
  const int rounds = c.quick ? 1 : 5;
  for (int i = 0; i < rounds && !c.stopping(); ++i)
    deliver_once(c, rep, topic, {plus, hash}, "deep-topic-" + std::to_string(levels) + "-levels");
  mem.judge(rep, 64, "after " + std::to_string(rounds) + " rounds");
  return rep;
}
}  // namespace

std::vector<scenario> malformed_scenarios() {
  return {
      {"huge-remaining-length", "malformed",
       "PUBLISH headers claiming 256 MB with 10 bytes sent, on many connections", huge_remaining_length},
      {"packet-size-limit", "malformed",
       "PUBLISH of exactly the announced Maximum Packet Size, then one byte more", packet_size_limit},
      {"five-byte-vbi", "malformed", "a five-byte Remaining Length and a five-byte Property Length",
       five_byte_vbi},
      {"many-properties", "malformed", "PUBLISH with thousands of repeated Payload Format Indicators",
       many_properties},
      {"many-user-properties", "malformed", "PUBLISH with thousands of User Properties (allowed)",
       many_user_properties},
      {"long-topic", "malformed", "PUBLISH and SUBSCRIBE with a 65,535-byte topic", long_topic},
      {"deep-topic", "malformed", "topics and filters with thousands of levels", deep_topic},
  };
}

}  // namespace mqtt::cert::stress
