// abuse_session_scenarios.cpp: sessions under churn — one client id taken over back and
// forth, and persistent subscribers that keep dropping their connection while QoS 1
// messages flow to them.
#include <algorithm>
#include <set>

#include "stress/abuse_scenarios.hpp"
#include "stress/clients.hpp"
#include "stress/scenario_kit.hpp"

namespace mqtt::cert::stress {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

std::chrono::milliseconds phase_length(const context& c) {
  return c.quick ? 3000ms : std::chrono::milliseconds(static_cast<long>(c.duration_s * 1000));
}

struct takeover_tally {
  int takeovers = 0, with_0x8e = 0, plain_close = 0, other_reason = 0, stayed_open = 0, refused = 0;
  long slowest_ms = 0;
};

// take_over connects the next holder of `id` and watches the previous one go.
// [MQTT-3.1.4-3] "If the ClientID represents a Client already connected to the Server, the
// Server sends a DISCONNECT packet to the existing Client with Reason Code of 0x8E (Session
// taken over) as described in section 4.13 and MUST close the Network Connection of the
// existing Client." The close is the MUST; the DISCONNECT before it is counted.
void take_over(context& c, const std::string& id, connected& holder, bool clean, takeover_tally& t) {
  session_request r;
  r.clean_start = clean;
  const auto start = steady::now();
  auto next = connect_client(c, id, r, 3000ms);
  if (!next) {
    ++t.refused;
    return;
  }
  if (holder) {
    const auto seen = holder.client->expect_close(2000ms);
    if (!seen.closed) ++t.stayed_open;
    else if (seen.first_reason() == 0x8E) ++t.with_0x8e;
    else if (seen.first_reason()) ++t.other_reason;
    else ++t.plain_close;
    ++t.takeovers;
  }
  t.slowest_ms = std::max<long>(t.slowest_ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  steady::now() - start).count());
  holder = std::move(next);
}

}  // namespace

scenario_report takeover_ping_pong(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-3.1.4-3";
  const memory_watch mem(c);
  const std::string id = c.run_id + "-pingpong";
  const auto until = steady::now() + phase_length(c);
  takeover_tally t;
  connected holder;
  for (int i = 0; steady::now() < until && !c.stopping(); ++i) {
    take_over(c, id, holder, i % 2 == 0, t);
    if (i % 100 == 0) c.progress(std::to_string(t.takeovers) + " takeovers");
  }
  if (holder) holder.client->send_packet(codec::disconnect_packet{});
  const double secs = std::chrono::duration<double>(phase_length(c)).count();
  rep.saw(std::to_string(t.takeovers) + " takeovers in " + std::to_string(static_cast<int>(secs)) + " s (" +
          std::to_string(static_cast<int>(t.takeovers / secs)) + "/s): old connection got DISCONNECT 0x8E " +
          std::to_string(t.with_0x8e) + ", another reason " + std::to_string(t.other_reason) + ", a plain close " +
          std::to_string(t.plain_close) + ", stayed open " + std::to_string(t.stayed_open) + "; " +
          std::to_string(t.refused) + " CONNECTs not accepted; slowest takeover " + std::to_string(t.slowest_ms) + " ms");
  if (t.stayed_open) rep.fail(std::to_string(t.stayed_open) + " taken-over connections stayed open 2 s [MQTT-3.1.4-3]");
  if (t.refused) rep.degrade(std::to_string(t.refused) + " CONNECTs failed during the ping-pong");
  if (t.takeovers == 0) rep.degrade("not one takeover completed");
  mem.judge(rep, 32, "after the ping-pong");
  return rep;
}

// ---------------------------------------------------------------- reconnect-storm

namespace {

// storm_subscriber is one persistent session and what reached it.
struct storm_subscriber {
  std::string id;
  session_request request;
  connected conn;
  std::set<int> received;
  int reconnects = 0, session_lost = 0;
  int offline_steps = 0;
};

void record_payload(storm_subscriber& s, const codec::publish_packet& p) {
  const std::string text(p.payload.begin(), p.payload.end());
  if (text.size() > 1 && text[0] == 's') s.received.insert(std::stoi(text.substr(1)));
}

// reconnect resumes the session (Clean Start 0). A CONNACK without Session Present means the
// broker dropped the session it promised to keep: counted, and the loss check will show it.
void reconnect(context& c, storm_subscriber& s) {
  session_request r = s.request;
  r.clean_start = false;
  s.conn = connect_client(c, s.id, r, 3000ms);
  if (!s.conn) return;
  ++s.reconnects;
  if (!s.conn.connack.session_present) ++s.session_lost;
}

// step_subscriber reads what arrived; every so often it drops the connection without
// DISCONNECT (whatever is unread stays in flight) and stays away a few steps.
void step_subscriber(context& c, storm_subscriber& s, int step, std::size_t index) {
  if (!s.conn) {
    if (s.offline_steps-- <= 0) reconnect(c, s);
    return;
  }
  drain_publishes(*s.conn.client, 1ms, [&](const codec::publish_packet& p) { record_payload(s, p); });
  if ((step + static_cast<int>(index)) % 7 == 0) {
    s.conn.client->close();
    s.conn = connected{};
    s.offline_steps = step % 4;
  }
}

bool start_subscriber(context& c, storm_subscriber& s, const std::string& topic) {
  // A clean connect wipes what an earlier run left; then the session is opened with Clean
  // Start 0, since a 3.1.1 session opened with Clean Session 1 ends with its connection.
  session_request wipe = s.request;
  wipe.session_expiry = 0;
  if (auto w = connect_client(c, s.id, wipe)) {
    w.client->send_packet(codec::disconnect_packet{});
    w.client->expect_close(2000ms);  // the wipe is over before the session opens
  }
  session_request r = s.request;
  r.clean_start = false;
  s.conn = connect_client(c, s.id, r);
  if (!s.conn) return false;
  s.conn.client->send_packet(codec::subscribe_packet{1, {}, {{topic, {codec::qos::at_least_once}}}});
  const auto ack = s.conn.client->expect_ack(3000ms);
  return ack.as<codec::suback_packet>() && !ack.as<codec::suback_packet>()->reasons.empty() &&
         ack.as<codec::suback_packet>()->reasons[0] < 0x80;
}

// finish_subscriber reconnects once more, reads until quiet, then ends the session.
void finish_subscriber(context& c, storm_subscriber& s) {
  if (!s.conn) reconnect(c, s);
  // The broker resends what is in flight and then the queue at once [MQTT-4.4.0-1]; a second
  // of quiet means it has nothing more.
  if (s.conn) drain_publishes(*s.conn.client, 1000ms, [&](const auto& p) { record_payload(s, p); });
  s.conn = connected{};
  session_request r = s.request;
  r.clean_start = true;
  r.session_expiry = 0;
  if (auto last = connect_client(c, s.id, r)) last.client->send_packet(codec::disconnect_packet{});
}

// publish_step sends message `n` at QoS 1 and says whether the broker acknowledged it.
bool publish_step(raw_client& pub, const std::string& topic, int n) {
  const std::string payload = "s" + std::to_string(n);
  pub.send_packet(codec::publish_packet{false, codec::qos::at_least_once, false, topic,
                                        static_cast<std::uint16_t>((n + 1) % 65535 + 1), {},
                                        codec::byte_buffer(payload.begin(), payload.end())});
  const auto r = pub.expect_ack(2000ms);
  const auto* ack = r.as<codec::puback_packet>();
  return ack && static_cast<std::uint8_t>(ack->reason) < 0x80;
}

std::vector<storm_subscriber> storm_subscribers(const context& c) {
  std::vector<storm_subscriber> subs(c.quick ? 4 : 10);
  for (std::size_t i = 0; i < subs.size(); ++i) {
    subs[i].id = c.run_id + "-storm-" + std::to_string(i);
    // Half 5.0 with a Session Expiry Interval, half 3.1.1 with Clean Session 0.
    subs[i].request.version = i % 2 ? codec::protocol_version::v3_1_1 : codec::protocol_version::v5_0;
    subs[i].request.session_expiry = 300;
  }
  return subs;
}

// judge_storm: every message the broker acknowledged must reach every persistent subscriber.
void judge_storm(scenario_report& rep, const std::vector<storm_subscriber>& subs, const std::vector<int>& acked) {
  for (const auto& s : subs) {
    std::vector<int> missing;
    for (int n : acked)
      if (!s.received.count(n)) missing.push_back(n);
    std::string first;
    for (std::size_t i = 0; i < missing.size() && i < 5; ++i) first += " s" + std::to_string(missing[i]);
    rep.saw(s.id.substr(s.id.rfind('-') + 1) + " (" + (s.request.version == codec::protocol_version::v5_0 ? "5.0" : "3.1.1") +
            "): " + std::to_string(s.reconnects) + " reconnects, " + std::to_string(s.session_lost) +
            " without Session Present, " + std::to_string(s.received.size()) + " distinct messages, " +
            std::to_string(missing.size()) + " acknowledged ones missing" + (first.empty() ? "" : ":" + first));
    if (!missing.empty())
      rep.fail(std::to_string(missing.size()) + " acknowledged QoS 1 messages never reached persistent session " + s.id +
               " [MQTT-4.5.0-1]");
  }
}

// warm_up sends one message before the storm and checks every subscriber gets it, so that a
// loss found later is the storm's doing, not a subscription that never worked.
bool warm_up(scenario_report& rep, raw_client& pub, std::vector<storm_subscriber>& subs, const std::string& topic) {
  const bool acked = publish_step(pub, topic, -1);
  int missing = 0;
  for (auto& s : subs) {
    drain_publishes(*s.conn.client, 500ms, [&](const codec::publish_packet& p) { record_payload(s, p); });
    missing += s.received.erase(-1) == 0;
  }
  if (acked && missing == 0) return true;
  rep.degrade(std::string("before the storm: the first message was ") + (acked ? "" : "not ") + "acknowledged and " +
              std::to_string(missing) + " of " + std::to_string(subs.size()) +
              " subscribers did not get it; the storm was not run");
  return false;
}

}  // namespace

// reconnect_storm: 4.1 "The Session State in the Server consists of: ... QoS 1 and QoS 2
// messages which have been sent to the Client, but have not been completely acknowledged.
// QoS 1 and QoS 2 messages pending transmission to the Client", and [MQTT-4.5.0-1] "When a
// Server takes ownership of an incoming Application Message it MUST add it to the Session
// State for those Clients that have matching Subscriptions." So every message the publisher
// got a PUBACK for reaches each persistent subscriber at least once (QoS 1 allows duplicates),
// however often it drops and resumes [MQTT-4.4.0-1].
scenario_report reconnect_storm(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.5.0-1";
  const memory_watch mem(c);
  const std::string topic = c.run_id + "/storm";
  auto subs = storm_subscribers(c);
  for (auto& s : subs)
    if (!start_subscriber(c, s, topic)) {
      rep.degrade("subscriber " + s.id + " could not connect and subscribe");
      return rep;
    }
  auto pub = connect_client(c, c.run_id + "-storm-pub");
  if (!pub) {
    rep.degrade("publisher could not connect: " + pub.failure);
    return rep;
  }
  if (!warm_up(rep, *pub.client, subs, topic)) return rep;
  std::vector<int> acked;
  const auto until = steady::now() + phase_length(c);
  for (int n = 0; steady::now() < until && !c.stopping(); ++n) {
    if (publish_step(*pub.client, topic, n)) acked.push_back(n);
    for (std::size_t i = 0; i < subs.size(); ++i) step_subscriber(c, subs[i], n, i);
    if (n % 100 == 0) c.progress(std::to_string(acked.size()) + " messages acknowledged");
  }
  for (auto& s : subs) finish_subscriber(c, s);
  rep.saw(std::to_string(acked.size()) + " QoS 1 messages acknowledged to the publisher while " +
          std::to_string(subs.size()) + " persistent subscribers dropped and resumed");
  judge_storm(rep, subs, acked);
  mem.judge(rep, 64, "after the storm (sessions ended)");
  return rep;
}

}  // namespace mqtt::cert::stress
