// abuse_scenarios.cpp: protocol abuse by clients that speak MQTT well-formed but badly —
// acknowledgements for nothing, reused packet ids, one SUBSCRIBE with thousands of filters.
// The session abuses (takeover ping-pong, reconnect storm) are in abuse_session_scenarios.cpp.
#include <map>
#include <set>

#include "stress/abuse_scenarios.hpp"
#include "stress/clients.hpp"
#include "stress/scenario_kit.hpp"

namespace mqtt::cert::stress {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------- pubrel-storm

struct pubcomp_tally {
  int answered = 0, unexpected = 0;
  std::map<std::uint8_t, int> codes;
  bool closed = false;
  std::string close_text;
};

// storm_batch sends PUBREL for ids first..first+n-1 in one write, then reads the answers.
void storm_batch(raw_client& cl, int first, int n, pubcomp_tally& t) {
  codec::byte_buffer bytes;
  for (int i = 0; i < n; ++i) {
    const auto id = static_cast<std::uint16_t>((first + i) % 65535 + 1);
    bytes.insert(bytes.end(), {0x62, 0x02});
    put_u16(bytes, id);
  }
  cl.send_bytes(bytes);
  for (int i = 0; i < n; ++i) {
    const answer a = await_answer(cl, 3000ms);
    if (a.what == answer::kind::closed) {
      t.closed = true;
      t.close_text = a.text;
      return;
    }
    if (a.what == answer::kind::silence) return;
    const auto* comp = a.got.as<codec::pubcomp_packet>();
    if (!comp) {
      ++t.unexpected;
      continue;
    }
    ++t.answered;
    ++t.codes[static_cast<std::uint8_t>(comp->reason)];
  }
}

// pubrel_storm: PUBREL for packet ids never used. [MQTT-4.3.3-11] "the receiver MUST respond
// to a PUBREL packet by sending a PUBCOMP packet containing the same Packet Identifier as the
// PUBREL." In 5.0 the PUBCOMP may say 0x00 or 0x92 (3.7.2.1, Packet Identifier not found:
// "This is not an error during recovery, but at other times indicates a mismatch between the
// Session State on the Client and Server"); both are allowed. 3.1.1 PUBCOMP has no code.
scenario_report pubrel_storm(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.3.3-11";
  const memory_watch mem(c);
  const int total = c.quick ? 2000 : 10000;
  for (auto v : {codec::protocol_version::v5_0, codec::protocol_version::v3_1_1}) {
    session_request r;
    r.version = v;
    auto cl = connect_client(c, c.run_id + "-pubrel", r);
    if (!cl) {
      rep.degrade("could not connect: " + cl.failure);
      return rep;
    }
    pubcomp_tally t;
    for (int sent = 0; sent < total && !t.closed && !c.stopping(); sent += 500) storm_batch(*cl.client, sent, 500, t);
    std::string codes;
    for (const auto& [code, n] : t.codes) codes += " " + hex_byte(code) + "×" + std::to_string(n);
    const std::string ver(codec::protocol_version_name(v));
    rep.saw(ver + ": " + std::to_string(total) + " PUBREL for unused ids, " + std::to_string(t.answered) +
            " PUBCOMP (" + (codes.empty() ? "none" : codes.substr(1)) + "), " + std::to_string(t.unexpected) +
            " other packets" + (t.closed ? ", then " + t.close_text : ""));
    for (const auto& [code, n] : t.codes)
      if (code != 0x00 && code != 0x92) rep.fail(ver + ": PUBCOMP " + hex_byte(code) + " is not a PUBCOMP reason code [MQTT-3.7.2-1]");
    if (t.closed) rep.degrade(ver + ": closed the connection during the storm; 0x92 is the answer the spec gives");
    else if (t.answered < total) rep.fail(ver + ": " + std::to_string(total - t.answered) + " PUBREL got no PUBCOMP [MQTT-4.3.3-11]");
  }
  mem.judge(rep, 32, "for the PUBREL storm");
  return rep;
}

// ---------------------------------------------------------------- packet-id-reuse

// delivery_count counts the first deliveries (DUP 0) of each payload to the subscriber.
struct delivery_count {
  std::map<std::string, int> fresh;
  int resent = 0;  // DUP 1 copies: the protocol's own resends, not new deliveries
  void add(const codec::publish_packet& p) {
    if (p.dup) ++resent;
    else ++fresh[std::string(p.payload.begin(), p.payload.end())];
  }
  int of(const std::string& payload) const {
    auto it = fresh.find(payload);
    return it == fresh.end() ? 0 : it->second;
  }
};

codec::publish_packet publish_of(const std::string& topic, codec::qos q, std::uint16_t id, const std::string& payload,
                                 bool dup = false) {
  return {dup, q, false, topic, id, {}, codec::byte_buffer(payload.begin(), payload.end())};
}

// qos2_round: one QoS 2 message, then the same packet id twice more before PUBREL (a DUP
// resend, then a new payload). [MQTT-4.3.3-10] "the receiver until it has received the
// corresponding PUBREL packet ... MUST acknowledge any subsequent PUBLISH packet with the same
// Packet Identifier by sending a PUBREC. It MUST NOT cause duplicate messages to be delivered
// to any onward recipients in this case." Returns the first PUBREC's reason (0xFF: none).
std::uint8_t qos2_round(raw_client& pub, const std::string& topic, int round) {
  const auto id = static_cast<std::uint16_t>(round % 100 + 1);
  const std::string payload = "r" + std::to_string(round);
  pub.send_packet(publish_of(topic, codec::qos::exactly_once, id, payload));
  const answer first = await_answer(pub, 2000ms);
  pub.send_packet(publish_of(topic, codec::qos::exactly_once, id, payload, true));
  pub.send_packet(publish_of(topic, codec::qos::exactly_once, id, payload + "-again"));
  await_answer(pub, 2000ms);
  await_answer(pub, 2000ms);
  pub.send_packet(codec::pubrel_packet{id, codec::reason_code::success, {}});
  await_answer(pub, 2000ms);
  return first.what == answer::kind::packet && first.got.as<codec::pubrec_packet>() ? first.reason.value_or(0) : 0xFF;
}

// qos1_pair: two QoS 1 PUBLISH with one packet id, the second sent before the first PUBACK
// is read. [MQTT-4.3.2-5]: once it has sent PUBACK the receiver "MUST treat any incoming
// PUBLISH packet that contains the same Packet Identifier as being a new Application Message".
// Returns how many of the two were acknowledged with a success code.
int qos1_pair(raw_client& pub, const std::string& topic, int pair, std::set<std::string>& acked) {
  const auto id = static_cast<std::uint16_t>(pair % 100 + 200);
  const std::string a = "a" + std::to_string(pair), b = "b" + std::to_string(pair);
  pub.send_packet(publish_of(topic, codec::qos::at_least_once, id, a));
  pub.send_packet(publish_of(topic, codec::qos::at_least_once, id, b));
  int ok = 0;
  for (const auto& payload : {a, b}) {
    const answer r = await_answer(pub, 2000ms);
    if (r.got.as<codec::puback_packet>() && r.reason && *r.reason < 0x80) {
      acked.insert(payload);
      ++ok;
    }
  }
  return ok;
}

// judge_qos2_reuse: the DUP resend is the same message, so a payload delivered twice breaks
// [MQTT-4.3.3-10] and fails. The third PUBLISH (new payload, DUP 0, same id) breaks the
// client's own rule [MQTT-4.3.3-1] ("allocate an unused Packet Identifier"), so what the
// broker does with it is only recorded: delivering both payloads, or neither, is degraded.
void judge_qos2_reuse(scenario_report& rep, const delivery_count& seen, const std::vector<std::uint8_t>& first_rec) {
  int once = 0, twice = 0, both = 0, lost = 0, refused = 0;
  for (std::size_t i = 0; i < first_rec.size(); ++i) {
    const std::string p = "r" + std::to_string(i);
    const int first = seen.of(p), again = seen.of(p + "-again");
    if (first_rec[i] >= 0x80) ++refused;
    if (first > 1 || again > 1) ++twice;
    else if (first == 1 && again == 1) ++both;
    else if (first + again == 1) ++once;
    else if (first_rec[i] < 0x80) ++lost;
  }
  rep.saw("QoS 2: " + std::to_string(first_rec.size()) + " rounds of PUBLISH, its DUP resend and a new payload on "
          "the same id before PUBREL: " + std::to_string(once) + " delivered once, " + std::to_string(twice) +
          " with a payload twice, " + std::to_string(both) + " with both payloads, " + std::to_string(lost) +
          " with neither, " + std::to_string(refused) + " refused by the first PUBREC; " +
          std::to_string(seen.resent) + " DUP resends seen");
  if (twice) rep.fail(std::to_string(twice) + " QoS 2 messages delivered twice [MQTT-4.3.3-10]");
  if (both) rep.degrade(std::to_string(both) + " rounds delivered both payloads of one packet id");
  if (lost) rep.degrade(std::to_string(lost) + " rounds acknowledged with PUBREC delivered neither payload");
}

// judge_qos1_reuse: both messages of a pair that got a success PUBACK must arrive (at least
// once: QoS 1 allows duplicates). The client broke MQTT-4.3.2-1 by reusing the id before the
// PUBACK, so a broker that takes the second for a resend of the first is only degraded.
void judge_qos1_reuse(scenario_report& rep, const delivery_count& seen, const std::set<std::string>& acked, int pairs) {
  int missing = 0;
  for (const auto& p : acked) missing += seen.of(p) == 0;
  rep.saw("QoS 1: " + std::to_string(pairs) + " pairs of PUBLISH sharing a packet id, " + std::to_string(acked.size()) +
          " acknowledged with success, " + std::to_string(missing) + " of those not delivered");
  if (missing) rep.degrade(std::to_string(missing) + " acknowledged QoS 1 messages (sent with a reused id) not delivered");
}

scenario_report packet_id_reuse(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.3.3-10";
  const std::string topic = c.run_id + "/reuse";
  auto sub = connect_client(c, c.run_id + "-reuse-sub");
  auto pub = connect_client(c, c.run_id + "-reuse-pub");
  if (!sub || !pub) {
    rep.degrade("could not connect: " + sub.failure + pub.failure);
    return rep;
  }
  sub.client->send_packet(codec::subscribe_packet{1, {}, {{topic, {codec::qos::exactly_once}}}});
  sub.client->expect_ack(3000ms);
  delivery_count seen;
  const auto drain = [&](std::chrono::milliseconds quiet) {
    drain_publishes(*sub.client, quiet, [&](const codec::publish_packet& p) { seen.add(p); });
  };
  const int rounds = c.quick ? 200 : 2000;
  std::vector<std::uint8_t> first_rec(rounds, 0xFF);
  for (int i = 0; i < rounds && !c.stopping(); ++i) {
    first_rec[i] = qos2_round(*pub.client, topic, i);
    drain(1ms);
  }
  std::set<std::string> acked1;
  const int pairs = c.quick ? 100 : 1000;
  for (int i = 0; i < pairs && !c.stopping(); ++i) {
    qos1_pair(*pub.client, topic, i, acked1);
    drain(1ms);
  }
  drain(1000ms);
  judge_qos2_reuse(rep, seen, first_rec);
  judge_qos1_reuse(rep, seen, acked1, pairs);
  return rep;
}

// ---------------------------------------------------------------- subscribe-many-filters

// requested_qos is the QoS filter `i` asks for: 0, 1, 2, 0, … so that SUBACK codes out of
// order show (a code above the requested QoS at some position).
codec::qos requested_qos(std::size_t i) { return static_cast<codec::qos>(i % 3); }

// judge_suback: [MQTT-3.8.4-6] one Reason Code per filter, and [MQTT-3.9.3-1] "The order of
// Reason Codes in the SUBACK packet MUST match the order of Topic Filters in the SUBSCRIBE
// packet." Each code is a granted QoS no higher than asked ([MQTT-3.8.4-7]) or a failure
// (0x80 and above: 0x97 Quota exceeded is the one a limit gives).
void judge_suback(scenario_report& rep, const codec::suback_packet& ack, std::size_t filters, const std::string& ver) {
  std::size_t granted = 0, out_of_order = 0;
  std::map<std::uint8_t, int> refusals;
  for (std::size_t i = 0; i < ack.reasons.size(); ++i) {
    const std::uint8_t r = ack.reasons[i];
    if (r >= 0x80) ++refusals[r];
    else if (r <= static_cast<std::uint8_t>(requested_qos(i))) ++granted;
    else ++out_of_order;
  }
  std::string refused;
  for (const auto& [code, n] : refusals) refused += " " + hex_byte(code) + "×" + std::to_string(n);
  rep.saw(ver + ": SUBSCRIBE with " + std::to_string(filters) + " filters: SUBACK with " +
          std::to_string(ack.reasons.size()) + " codes, " + std::to_string(granted) + " granted, refused:" +
          (refused.empty() ? " none" : refused));
  if (ack.reasons.size() != filters) rep.fail(ver + ": SUBACK code count differs from the filter count [MQTT-3.8.4-6]");
  if (out_of_order)
    rep.fail(ver + ": " + std::to_string(out_of_order) + " SUBACK codes grant more than their filter asked: "
             "codes out of order [MQTT-3.9.3-1]");
}

// subscribe_many: one SUBSCRIBE with `n` filters; a SUBACK, or a close by the broker's limit.
void subscribe_many(context& c, scenario_report& rep, std::size_t n, codec::protocol_version v) {
  session_request r;
  r.version = v;
  auto cl = connect_client(c, c.run_id + "-manyfilters", r);
  if (!cl) {
    rep.degrade("could not connect: " + cl.failure);
    return;
  }
  codec::subscribe_packet s;
  s.packet_id = 7;
  for (std::size_t i = 0; i < n; ++i)
    s.subscriptions.push_back({c.run_id + "/f/" + std::to_string(i), {requested_qos(i)}});
  cl.client->send_packet(s);
  const answer a = await_answer(*cl.client, 10000ms);
  const std::string ver(codec::protocol_version_name(v));
  if (const auto* ack = a.got.as<codec::suback_packet>()) {
    judge_suback(rep, *ack, n, ver);
  } else if (a.what == answer::kind::closed) {
    // A limit may be enforced by closing: 0x97 (Quota exceeded) or 0x95 (Packet too large).
    rep.saw(ver + ": SUBSCRIBE with " + std::to_string(n) + " filters refused: " + a.text);
  } else {
    rep.degrade(ver + ": SUBSCRIBE with " + std::to_string(n) + " filters: " + a.text);
  }
}

scenario_report subscribe_many_filters(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-3.9.3-1";
  const memory_watch mem(c);
  const std::size_t n = c.quick ? 2000 : 10000;
  const int rounds = c.quick ? 1 : 5;
  for (int i = 0; i < rounds && !c.stopping(); ++i) {
    c.progress("subscribe-many-filters round " + std::to_string(i + 1));
    subscribe_many(c, rep, n, codec::protocol_version::v5_0);
    subscribe_many(c, rep, n, codec::protocol_version::v3_1_1);
  }
  mem.judge(rep, 64, "after " + std::to_string(rounds * 2) + " such SUBSCRIBEs (sessions ended)");
  return rep;
}

}  // namespace

std::vector<scenario> abuse_scenarios() {
  return {
      {"pubrel-storm", "abuse", "thousands of PUBREL for packet ids never used", pubrel_storm},
      {"packet-id-reuse", "abuse", "QoS 2 and QoS 1 PUBLISH reusing a packet id before its exchange ends",
       packet_id_reuse},
      {"subscribe-many-filters", "abuse", "one SUBSCRIBE with thousands of filters", subscribe_many_filters},
      {"takeover-ping-pong", "abuse", "two connections with one client id taking over from each other",
       takeover_ping_pong},
      {"reconnect-storm", "abuse", "persistent subscribers reconnecting fast while QoS 1 messages flow",
       reconnect_storm},
  };
}

}  // namespace mqtt::cert::stress
