// broker_session_fuzzer: drives three client_connection sessions (the same front door the
// network uses: framer, CONNECT gating, Topic Aliases, the verdict hold) over one broker
// core with a fake clock, and checks the broker's invariants after every event.
//
// Input: a list of operations. Op byte: bits 0-1 pick the connection (3 means 0), bits
// 2-3 the operation, bits 4-7 the verdicts:
//   0: feed the next N bytes (N = following byte) to that connection
//   1: advance the clock by (following byte) * 100 ms and tick
//   2: drop the connection (network closed) and open a fresh one in its place
//   3: feed a canned CONNECT (5.0, session expiry 60 s, ClientID "a", "b" or "c" by
//      connection) so inputs get past the handshake
// Each verdict question one op raises is answered from bits 4-7 in turn: bit set = allowed
// (CONNECT, or every topic), clear = an unset verdict, which must deny. Bytes are handed
// to the connection one whole packet at a time (the framer's job is framer_fuzzer's), so
// each acknowledgement is seen before what the broker sends in answer to it.
//
// Invariants, checked on each packet fed and each tick/close (abort() with a message):
// - every send decodes as exactly one whole packet in the connection's version; nothing is
//   sent after the core closed a connection; a stopped session asks nothing more;
// - in flight [MQTT-4.9.0-2]: QoS 1/2 PUBLISHes sent on a connection and not yet completed
//   by its PUBACK / PUBCOMP / error PUBREC never exceed the client's Receive Maximum (5.0)
//   nor max_inflight_messages; a new one never reuses a Packet Identifier in use
//   [MQTT-2.2.1-4];
// - delivery: a PUBLISH goes only to a connection whose CONNACK accepted it, and matches a
//   filter its session was granted (SUBACK) or is subscribing to right now (3.8.4: it may
//   come before the SUBACK), at no more than that filter's QoS; No Local filters do not
//   count for the client's own messages [MQTT-3.8.3-3] (retained ones sent on subscribe
//   aside: the spec leaves those open). A session's filters live until
//   UNSUBSCRIBE or a CONNACK with Session Present 0. QoS 1/2 messages queued while a
//   filter existed may still come after it is gone (3.10.4: buffered messages may be
//   delivered), so for them any filter granted since the session began counts. Every
//   delivered message was published by some client (or is the broker's $SYS);
// - a CONNACK accepting a Clean Start CONNECT has Session Present 0 [MQTT-3.2.2-2];
// - Topic Aliases the broker uses stay within the client's Topic Alias Maximum and are
//   mapped before use [MQTT-3.1.2-26, 3.3.2-7];
// - bounded memory: per session (broker_core::session_usages) queued <=
//   max_queued_messages, in flight <= max_inflight_messages, inbound QoS 2 <=
//   receive_maximum; retained messages <= max_retained_messages.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/framer.hpp"
#include "codec/topic.hpp"
#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/client_connection.hpp"

using namespace mqtt;
using namespace mqtt::codec;

namespace {

[[noreturn]] void violated(const std::string& what) {
  std::fprintf(stderr, "broker_session_fuzzer: invariant violated: %s\n", what.c_str());
  std::abort();
}

// session_model is what a ClientID's session may be sent, from what the broker told it.
struct session_model {
  std::map<std::string, subscribe_options> granted;  // filter as subscribed -> options
  // Every filter granted since the session began, at its highest QoS; No Local only if
  // every grant had it.
  std::map<std::string, subscribe_options> ever_granted;
  // QoS 1/2 retained messages sent on subscribe and not yet acknowledged, by Packet
  // Identifier: a resumed session gets them again [MQTT-4.4.0-1], still not forwarded ones.
  std::map<std::uint16_t, std::pair<std::string, byte_buffer>> retained_unacknowledged;
};

// flight is a QoS 1/2 PUBLISH (or a resent PUBREL) towards the client, not yet completed.
struct flight {
  qos level = qos::at_least_once;
  bool released = false;  // PUBREC in, PUBREL out: waits for PUBCOMP
  bool counted = true;    // a PUBLISH sent on this connection (a lone resent PUBREL is not)
};

struct fake_connection {
  broker::connection_id id = 0;
  std::unique_ptr<broker::client_connection> link;
  std::unique_ptr<framer> shadow;  // frames the client's bytes as the link's framer does
  bool closed = false;             // the core closed it, or the network did
  bool stopped = false;            // the link reads nothing more
  std::optional<connect_packet> connect;
  bool accepted = false;           // a CONNACK with reason 0 was sent
  std::string client_id;           // the session's key, once accepted
  std::size_t inflight_limit = 0;
  std::uint16_t alias_maximum = 0;  // the client's Topic Alias Maximum
  std::optional<subscribe_packet> subscribing;  // the SUBSCRIBE being processed, until its SUBACK
  bool answering_subscribe = false;  // what is sent now answers a SUBSCRIBE (SUBACK or not yet)
  std::map<std::uint16_t, flight> outbound;
  std::unordered_map<std::uint16_t, std::string> outbound_aliases;
  std::unordered_map<std::uint16_t, std::string> inbound_aliases;
};

bool filter_matches(std::string_view filter, std::string_view topic) {
  if (auto shared = parse_shared_filter(filter)) filter = shared->filter;
  return validate_topic_filter(filter) == topic_status::ok && match_topic_filter(filter, topic);
}

struct session_run {
  broker::broker_core core;
  broker::millis now{0};
  std::array<fake_connection, 3> conns;
  broker::connection_id next_id = 1;
  std::map<std::string, session_model> sessions;
  // (topic, payload) -> ClientIDs that published it (PUBLISH or will).
  std::map<std::pair<std::string, byte_buffer>, std::set<std::string>> published;

  session_run() : core(small_config()) {
    for (auto& c : conns) open(c);
  }

  static broker::broker_config small_config() {
    broker::broker_config config;
    config.max_queued_messages = 16;  // reach the bounds quickly
    config.max_inflight_messages = 4;
    config.receive_maximum = 4;
    config.maximum_packet_size = 4096;
    config.topic_alias_maximum = 4;
    config.max_retained_messages = 12;  // the 8 $SYS topics and a few more
    config.sys_interval_ms = 1000;
    return config;
  }

  void open(fake_connection& c) {
    c = fake_connection{};
    c.id = next_id++;
    decode_limits limits;
    limits.max_packet_size = core.config().maximum_packet_size;
    c.shadow = std::make_unique<framer>(protocol_version::v5_0, limits);
    broker::peer_identity who;
    who.conn = c.id;
    who.peer_address = "127.0.0.1";
    who.transport = "tcp";
    c.link = std::make_unique<broker::client_connection>(core, who);
    broker::action_list out;
    c.link->open(now, out);
    apply(out);
  }

  fake_connection* find(broker::connection_id id) {
    for (auto& c : conns) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }

  void close(fake_connection& c) {
    c.closed = true;
    c.stopped = true;
    broker::action_list more;
    c.link->closed(now, more);
    apply(more);
  }

  // apply checks the actions in order. The closes they ask for are done afterwards, so
  // what closing sends (a will) is checked after what was sent before it.
  void apply(broker::action_list& out) {
    std::vector<fake_connection*> closing;
    for (const auto& a : out) {
      fake_connection* c = find(a.conn);
      if (a.what == broker::action::kind::send) {
        if (!c) continue;  // a connection we already replaced
        if (c->closed) violated("send after the connection was closed");
        const byte_buffer sent = wire_bytes(a);
        decode_result r = decode_packet(sent, core.version(c->id));
        if (r.status != decode_status::ok || r.consumed != sent.size()) {
          violated("a send is not one whole packet: " + r.why);
        }
        on_sent(*c, *r.value);
      } else if (a.what == broker::action::kind::close && c && !c->closed) {
        c->closed = true;
        closing.push_back(c);
      }
    }
    for (fake_connection* c : closing) close(*c);
    check_bounds();
  }

  // ---- what the broker sends

  void on_sent(fake_connection& c, const packet& p) {
    if (const auto* ack = std::get_if<connack_packet>(&p)) return on_connack(c, *ack);
    if (const auto* pub = std::get_if<publish_packet>(&p)) return on_delivery(c, *pub);
    if (const auto* ack = std::get_if<suback_packet>(&p)) return on_suback(c, *ack);
    if (const auto* rel = std::get_if<pubrel_packet>(&p); rel && !is_error(rel->reason)) {
      // A PUBREL resent after a reconnection keeps its id in use until PUBCOMP.
      auto [it, fresh] = c.outbound.try_emplace(rel->packet_id, flight{qos::exactly_once, true, false});
      if (!fresh) it->second.released = true;
    }
  }

  void on_connack(fake_connection& c, const connack_packet& ack) {
    if (ack.reason != 0 || !c.connect) return;
    if (c.connect->clean_start && ack.session_present) {
      violated("Session Present 1 answers a Clean Start CONNECT [MQTT-3.2.2-2]");
    }
    c.accepted = true;
    c.client_id = core.client_id(c.id);
    if (c.client_id.empty()) c.client_id = ack.props.assigned_client_identifier.value_or(c.connect->client_id);
    const bool v5 = is_v5(c.connect->version);
    c.inflight_limit = core.config().max_inflight_messages;
    if (v5) c.inflight_limit = std::min<std::size_t>(c.inflight_limit, c.connect->props.receive_maximum.value_or(65535));
    c.alias_maximum = v5 ? c.connect->props.topic_alias_maximum.value_or(0) : 0;
    if (!ack.session_present) sessions[c.client_id] = session_model{};
  }

  void on_suback(fake_connection& c, const suback_packet& ack) {
    if (!c.subscribing || c.subscribing->packet_id != ack.packet_id) {
      violated("SUBACK " + std::to_string(ack.packet_id) + " answers no SUBSCRIBE");
    }
    const auto& subs = c.subscribing->subscriptions;
    if (ack.reasons.size() != subs.size()) violated("SUBACK has not one code per filter [MQTT-3.8.4-6]");
    session_model& s = sessions[c.client_id];
    for (std::size_t i = 0; i < subs.size(); ++i) {
      if (ack.reasons[i] >= 0x80) continue;
      if (ack.reasons[i] > static_cast<std::uint8_t>(subs[i].options.max_qos)) {
        violated("SUBACK grants more than the QoS asked for");
      }
      subscribe_options granted = subs[i].options;
      granted.max_qos = static_cast<qos>(ack.reasons[i]);
      s.granted[subs[i].filter] = granted;  // [MQTT-3.8.4-3] replaces
      auto [it, fresh] = s.ever_granted.try_emplace(subs[i].filter, granted);
      if (!fresh) {
        it->second.max_qos = std::max(it->second.max_qos, granted.max_qos);
        it->second.no_local = it->second.no_local && granted.no_local;
      }
    }
    c.subscribing.reset();
  }

  // may_deliver says whether one of `filters` takes `topic` at `level` (a No Local one
  // only when someone else published it).
  static bool may_deliver(const std::map<std::string, subscribe_options>& filters,
                          std::string_view topic, qos level, bool from_someone_else) {
    return std::any_of(filters.begin(), filters.end(), [&](const auto& f) {
      return f.second.max_qos >= level && (!f.second.no_local || from_someone_else) &&
             filter_matches(f.first, topic);
    });
  }

  void on_delivery(fake_connection& c, const publish_packet& p) {
    if (!c.accepted) violated("PUBLISH to a connection its CONNACK did not accept");
    std::string topic = p.topic;
    if (p.props.topic_alias) {
      const std::uint16_t alias = *p.props.topic_alias;
      if (alias == 0 || alias > c.alias_maximum) violated("Topic Alias above the client's maximum [MQTT-3.1.2-26]");
      if (!topic.empty()) {
        c.outbound_aliases[alias] = topic;
      } else if (auto it = c.outbound_aliases.find(alias); it != c.outbound_aliases.end()) {
        topic = it->second;
      } else {
        violated("Topic Alias used before it was mapped on this connection [MQTT-3.3.2-7]");
      }
    }
    if (p.qos_level != qos::at_most_once) {
      if (c.outbound.count(p.packet_id)) violated("Packet Identifier " + std::to_string(p.packet_id) + " reused while in use [MQTT-2.2.1-4]");
      c.outbound.emplace(p.packet_id, flight{p.qos_level, false, true});
      const auto on_wire = std::count_if(c.outbound.begin(), c.outbound.end(),
                                         [](const auto& f) { return f.second.counted; });
      if (static_cast<std::size_t>(on_wire) > c.inflight_limit) {
        violated(std::to_string(on_wire) + " QoS 1/2 PUBLISH in flight, limit " +
                 std::to_string(c.inflight_limit) + " [MQTT-4.9.0-2]");
      }
    }
    const bool sys = topic.starts_with("$SYS/");
    const auto origins = published.find({topic, p.payload});
    if (!sys && origins == published.end()) violated("PUBLISH of a message nobody published: " + topic);
    // Retained messages sent on subscribe are not forwarded publications: 3.8.3.1 leaves
    // No Local for them open, so they are let through whoever published them. They may
    // come before or after the SUBACK (3.8.4 orders neither), but only in answer to the
    // SUBSCRIBE, or again when the session resumes before they were acknowledged: any
    // other PUBLISH with RETAIN 1 (Retain As Published) is a forwarded one.
    session_model& s = sessions[c.client_id];
    const bool resent_retained = [&] {
      const auto it = s.retained_unacknowledged.find(p.packet_id);
      return p.qos_level != qos::at_most_once && p.retain && it != s.retained_unacknowledged.end() &&
             it->second.first == topic && it->second.second == p.payload;
    }();
    const bool retained_on_subscribe = (c.answering_subscribe && p.retain) || resent_retained;
    if (c.answering_subscribe && p.retain && p.qos_level != qos::at_most_once) {
      s.retained_unacknowledged[p.packet_id] = {topic, p.payload};
    }
    const bool from_someone_else =
        sys || retained_on_subscribe || std::any_of(origins->second.begin(), origins->second.end(),
                           [&](const std::string& o) { return o != c.client_id; });
    bool ok = may_deliver(s.granted, topic, p.qos_level, from_someone_else);
    if (!ok && c.subscribing) {
      for (const auto& sub : c.subscribing->subscriptions) {
        ok = ok || (sub.options.max_qos >= p.qos_level && (!sub.options.no_local || from_someone_else) &&
                    filter_matches(sub.filter, topic));
      }
    }
    if (!ok && p.qos_level != qos::at_most_once) {
      ok = may_deliver(s.ever_granted, topic, p.qos_level, from_someone_else);
    }
    if (!ok) violated("PUBLISH " + topic + " (QoS " + std::to_string(int(p.qos_level)) + ") to \"" + c.client_id + "\", which has no subscription for it");
  }

  void check_bounds() {
    const broker::broker_config& cfg = core.config();
    for (const broker::session_usage& u : core.session_usages()) {
      if (u.queued > cfg.max_queued_messages) violated("session \"" + u.client_id + "\" queues " + std::to_string(u.queued));
      if (u.inflight > cfg.max_inflight_messages) violated("session \"" + u.client_id + "\" has " + std::to_string(u.inflight) + " in flight");
      if (u.inbound_qos2 > cfg.receive_maximum) violated("session \"" + u.client_id + "\" holds " + std::to_string(u.inbound_qos2) + " inbound QoS 2");
    }
    if (core.stats().retained_messages > cfg.max_retained_messages) violated("retained store above max_retained_messages");
  }

  // ---- what the client sends

  // on_client_packet notes what the client sends before the core sees it.
  void before_client_packet(fake_connection& c, packet& p) {
    if (auto* connect = std::get_if<connect_packet>(&p); connect && !c.connect) {
      c.connect = *connect;
      if (connect->will) published[{connect->will->topic, connect->will->payload}].insert(connect->client_id);
    } else if (auto* pub = std::get_if<publish_packet>(&p)) {
      std::string topic = pub->topic;
      if (pub->props.topic_alias) {
        if (!topic.empty()) c.inbound_aliases[*pub->props.topic_alias] = topic;
        else if (auto it = c.inbound_aliases.find(*pub->props.topic_alias); it != c.inbound_aliases.end()) topic = it->second;
      }
      published[{topic, pub->payload}].insert(core.client_id(c.id));
    } else if (auto* sub = std::get_if<subscribe_packet>(&p)) {
      c.subscribing = *sub;
      c.answering_subscribe = true;
    } else if (auto* unsub = std::get_if<unsubscribe_packet>(&p); unsub && c.accepted) {
      // [MQTT-3.10.4-2] no new messages for these filters from here on.
      for (const auto& f : unsub->filters) sessions[c.client_id].granted.erase(f);
    }
  }

  // after_client_packet applies the client's acknowledgements, before what the broker
  // sent in answer is checked.
  void after_client_packet(fake_connection& c, const packet& p) {
    auto done = [&](std::uint16_t id, qos level, bool released) {
      auto it = c.outbound.find(id);
      if (it != c.outbound.end() && it->second.level == level && it->second.released == released) {
        c.outbound.erase(it);
        if (c.accepted) sessions[c.client_id].retained_unacknowledged.erase(id);
      }
    };
    if (const auto* ack = std::get_if<puback_packet>(&p)) {
      done(ack->packet_id, qos::at_least_once, false);
    } else if (const auto* rec = std::get_if<pubrec_packet>(&p)) {
      if (is_error(rec->reason)) {
        done(rec->packet_id, qos::exactly_once, false);  // [MQTT-4.4.0-2] complete
      } else if (auto it = c.outbound.find(rec->packet_id);
                 it != c.outbound.end() && it->second.level == qos::exactly_once) {
        it->second.released = true;
      }
    } else if (const auto* comp = std::get_if<pubcomp_packet>(&p)) {
      done(comp->packet_id, qos::exactly_once, true);
    }
  }

  // feed gives `bytes` to the connection a packet at a time and answers its questions
  // from `verdict_bits`, starting at bit `bit`.
  void feed(fake_connection& c, byte_view bytes, unsigned verdict_bits, unsigned& bit) {
    if (c.closed) return;
    const std::size_t held_before = c.shadow->buffered();
    c.shadow->feed(bytes);
    std::size_t given = 0;
    std::size_t packet_end = 0;  // from the first byte the shadow held before this feed
    while (!c.stopped) {
      decode_result r = c.shadow->next();
      if (r.status != decode_status::ok) break;
      packet_end += r.consumed;
      const std::size_t upto = packet_end - held_before;
      feed_part(c, bytes.subspan(given, upto - given), &*r.value, verdict_bits, bit);
      given = upto;
    }
    if (given < bytes.size() || bytes.empty()) {
      feed_part(c, bytes.subspan(given), nullptr, verdict_bits, bit);
    }
  }

  void feed_part(fake_connection& c, byte_view part, packet* p, unsigned verdict_bits,
                 unsigned& bit) {
    if (c.closed) return;
    if (p && !c.stopped) before_client_packet(c, *p);
    broker::action_list out;
    broker::next_step step = c.link->feed(part, now, out);
    for (; step == broker::next_step::ask; bit = (bit + 1) % 4) {
      const broker::verdict_question q = c.link->question();
      if (q.packet == nullptr || q.who == nullptr) violated("a question without its packet");
      const bool allow = (verdict_bits >> bit) & 1;
      if (q.what == broker::verdict_question::kind::connect) {
        step = c.link->answer_connect(allow ? broker::auth_verdict::allow() : broker::auth_verdict{},
                                      now, out);
      } else {
        step = c.link->answer_acl(allow ? broker::acl_verdicts::allow_all() : broker::acl_verdicts{},
                                  now, out);
      }
    }
    if (p && !c.stopped) after_client_packet(c, *p);
    apply(out);
    c.subscribing.reset();  // its SUBACK, if any, came in `out`
    c.answering_subscribe = false;
    if (step == broker::next_step::stop) {
      c.stopped = true;
      // A stopped session reads and asks nothing more.
      broker::action_list after;
      if (c.link->feed(part, now, after) != broker::next_step::stop || !after.empty()) {
        violated("a stopped session still reads");
      }
    }
  }
};

// 10 13 0004 'MQTT' 05 00 (no clean start) 003C 05 11 0000003C 0001 'c' (Remaining Length 19)
const std::uint8_t canned_connect[] = {0x10, 0x13, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
                                       0x00, 0x00, 0x3C, 0x05, 0x11, 0x00, 0x00, 0x00,
                                       0x3C, 0x00, 0x01, 'c'};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  session_run run;
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t op = data[i++];
    fake_connection& c = run.conns[(op & 3) % 3];
    unsigned bit = 0;
    switch ((op >> 2) & 3) {
      case 0: {
        if (i >= size) return 0;
        const std::size_t want = data[i++];
        const std::size_t n = std::min(want, size - i);
        run.feed(c, byte_view(data + i, n), op >> 4, bit);
        i += n;
        break;
      }
      case 1: {
        if (i >= size) return 0;
        run.now += broker::millis(std::uint64_t{data[i++]} * 100);
        broker::action_list out;
        run.core.tick(run.now, out);
        run.apply(out);
        break;
      }
      case 2: {
        if (!c.closed) run.close(c);
        run.open(c);
        break;
      }
      case 3: {
        // ClientID "a", "b" or "c" by connection, so the three do not take each other over.
        std::array<std::uint8_t, sizeof canned_connect> connect{};
        std::copy(std::begin(canned_connect), std::end(canned_connect), connect.begin());
        connect.back() = static_cast<std::uint8_t>('a' + (op & 3) % 3);
        run.feed(c, connect, op >> 4, bit);
        break;
      }
    }
  }
  broker::action_list out;
  run.core.shutdown(run.now, out);
  run.apply(out);
  return 0;
}
