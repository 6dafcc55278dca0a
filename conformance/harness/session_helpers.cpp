#include "conformance/harness/session_helpers.hpp"

#include <algorithm>

namespace mqtt::cert {

std::string mismatch(std::string_view expected, std::string_view observed) {
  return "  expected " + std::string(expected) + "\n  observed " + std::string(observed);
}
std::string mismatch(std::string_view expected, const received& observed) {
  return mismatch(expected, observed.describe());
}
std::string mismatch(std::string_view expected, const close_observation& observed) {
  return mismatch(expected, observed.describe());
}

codec::byte_buffer payload_bytes(std::string_view text) {
  return codec::byte_buffer(text.begin(), text.end());
}

codec::connect_packet make_connect(codec::protocol_version v, const connect_options& o) {
  codec::connect_packet p;
  p.version = v;
  p.clean_start = o.clean_start;
  p.keep_alive = o.keep_alive;
  p.client_id = o.client_id;
  if (codec::is_v5(v)) p.props = o.props;
  p.will = o.will;
  p.username = o.username;
  p.password = o.password;
  return p;
}

::testing::AssertionResult connect_session(raw_client& c, const connect_options& o,
                                           codec::connack_packet* out,
                                           std::chrono::milliseconds timeout) {
  auto v = c.version();
  c.send_packet(make_connect(v, o));
  auto r = c.expect_packet(timeout);
  const auto* ack = r.as<codec::connack_packet>();
  if (!ack || ack->reason != 0)
    return ::testing::AssertionFailure()
           << "CONNECT was not accepted\n"
           << mismatch("S→C CONNACK with reason code 0x00", r);
  if (out) *out = *ack;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult connect_v5(raw_client& c, const connect_options& o,
                                      codec::connack_packet* out) {
  c.set_version(codec::protocol_version::v5_0);
  return connect_session(c, o, out);
}

::testing::AssertionResult connect_v311(raw_client& c, const connect_options& o,
                                        codec::connack_packet* out) {
  c.set_version(codec::protocol_version::v3_1_1);
  return connect_session(c, o, out);
}

::testing::AssertionResult subscribe(raw_client& c, std::string filter,
                                     codec::subscribe_options opts, std::uint16_t packet_id,
                                     codec::suback_packet* out) {
  codec::subscribe_packet s;
  s.packet_id = packet_id;
  s.subscriptions.push_back({std::move(filter), opts});
  c.send_packet(s);
  auto r = c.expect_ack();
  const auto* ack = r.as<codec::suback_packet>();
  std::string expected = "S→C SUBACK for packet id " + std::to_string(packet_id) +
                         " granting a QoS";
  if (!ack || ack->packet_id != packet_id || ack->reasons.size() != 1 ||
      ack->reasons[0] >= 0x80)
    return ::testing::AssertionFailure() << "SUBSCRIBE failed\n" << mismatch(expected, r);
  if (out) *out = *ack;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult subscribe(raw_client& c, std::string filter, codec::qos q,
                                     std::uint16_t packet_id) {
  codec::subscribe_options o;
  o.max_qos = q;
  return subscribe(c, std::move(filter), o, packet_id);
}

::testing::AssertionResult publish(raw_client& c, const codec::publish_packet& p,
                                   std::chrono::milliseconds timeout) {
  c.send_packet(p);
  const std::string pid = std::to_string(p.packet_id);
  if (p.qos_level == codec::qos::at_most_once) return ::testing::AssertionSuccess();
  if (p.qos_level == codec::qos::at_least_once) {
    auto r = c.expect_ack(timeout);
    const auto* ack = r.as<codec::puback_packet>();
    if (!ack || ack->packet_id != p.packet_id || codec::is_error(ack->reason))
      return ::testing::AssertionFailure()
             << "QoS 1 PUBLISH not acknowledged\n"
             << mismatch("S→C PUBACK for packet id " + pid + " with a success reason", r);
    return ::testing::AssertionSuccess();
  }
  auto r = c.expect_ack(timeout);
  const auto* rec = r.as<codec::pubrec_packet>();
  if (!rec || rec->packet_id != p.packet_id || codec::is_error(rec->reason))
    return ::testing::AssertionFailure()
           << "QoS 2 PUBLISH not received\n"
           << mismatch("S→C PUBREC for packet id " + pid + " with a success reason", r);
  codec::pubrel_packet rel;
  rel.packet_id = p.packet_id;
  c.send_packet(rel);
  auto r2 = c.expect_ack(timeout);
  const auto* comp = r2.as<codec::pubcomp_packet>();
  if (!comp || comp->packet_id != p.packet_id || codec::is_error(comp->reason))
    return ::testing::AssertionFailure()
           << "QoS 2 PUBREL not completed\n"
           << mismatch("S→C PUBCOMP for packet id " + pid + " with a success reason", r2);
  return ::testing::AssertionSuccess();
}

codec::publish_packet make_publish(std::string topic, std::string_view payload, codec::qos q,
                                   std::uint16_t packet_id, bool retain) {
  codec::publish_packet p;
  p.topic = std::move(topic);
  p.payload = payload_bytes(payload);
  p.qos_level = q;
  p.packet_id = q == codec::qos::at_most_once ? 0 : packet_id;
  p.retain = retain;
  return p;
}

::testing::AssertionResult publish(raw_client& c, std::string topic, std::string_view payload,
                                   codec::qos q, bool retain, std::uint16_t packet_id) {
  return publish(c, make_publish(std::move(topic), payload, q, packet_id, retain));
}

::testing::AssertionResult receive_publish(raw_client& c, codec::publish_packet* out,
                                           bool acknowledge, std::chrono::milliseconds timeout) {
  auto r = c.expect_packet(timeout);
  const auto* p = r.as<codec::publish_packet>();
  if (!p) return ::testing::AssertionFailure() << mismatch("S→C PUBLISH", r);
  codec::publish_packet got = *p;
  if (out) *out = got;
  if (!acknowledge || got.qos_level == codec::qos::at_most_once)
    return ::testing::AssertionSuccess();
  if (got.qos_level == codec::qos::at_least_once) {
    codec::puback_packet ack;
    ack.packet_id = got.packet_id;
    c.send_packet(ack);
    return ::testing::AssertionSuccess();
  }
  codec::pubrec_packet rec;
  rec.packet_id = got.packet_id;
  c.send_packet(rec);
  auto r2 = c.expect_ack();
  const auto* rel = r2.as<codec::pubrel_packet>();
  if (!rel || rel->packet_id != got.packet_id)
    return ::testing::AssertionFailure()
           << mismatch("S→C PUBREL for packet id " + std::to_string(got.packet_id), r2);
  codec::pubcomp_packet comp;
  comp.packet_id = got.packet_id;
  c.send_packet(comp);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult receive_publishes(raw_client& c, std::size_t n,
                                             std::vector<codec::publish_packet>* out) {
  out->clear();
  while (out->size() < n) {
    codec::publish_packet got;
    auto r = receive_publish(c, &got);
    if (!r)
      return ::testing::AssertionFailure()
             << "delivery " << out->size() + 1 << " of " << n << " missing\n" << r.message();
    out->push_back(std::move(got));
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::string> sorted_topics(const std::vector<codec::publish_packet>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.push_back(p.topic);
  std::sort(out.begin(), out.end());
  return out;
}

const codec::publish_packet* find_topic(const std::vector<codec::publish_packet>& ps,
                                        std::string_view topic) {
  for (const auto& p : ps)
    if (p.topic == topic) return &p;
  return nullptr;
}

void disconnect(raw_client& c) {
  c.send_packet(codec::disconnect_packet{});
  // Wait (briefly) for the broker to close its side: then it has processed everything this
  // connection sent, so a test that resumes the session next cannot overtake a PUBACK
  // still queued on this connection. A broker that leaves the close to the client
  // (3.14.4) costs the wait.
  c.expect_close(std::chrono::milliseconds(1000));
  c.close();
}

::testing::AssertionResult refuses_subscription(raw_client& c, std::string filter,
                                                std::uint16_t packet_id) {
  codec::subscribe_packet s;
  s.packet_id = packet_id;
  s.subscriptions.push_back({std::move(filter), {}});
  c.send_packet(s);
  auto r = c.expect_ack();
  if (const auto* ack = r.as<codec::suback_packet>()) {
    if (ack->packet_id == packet_id && ack->reasons.size() == 1 && ack->reasons[0] >= 0x80)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << mismatch("S→C SUBACK with a failure code (0x80 or above), or a close", r);
  }
  close_observation obs;
  if (r.status == recv_status::closed) {
    obs.closed = true;
  } else {
    if (r.is_packet() || r.status == recv_status::malformed) obs.before.push_back(r);
    auto rest = c.expect_close();
    obs.closed = rest.closed;
    obs.before.insert(obs.before.end(), rest.before.begin(), rest.before.end());
  }
  if (obs.closed && obs.only_errors_before()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << mismatch("S→C SUBACK with a failure code (0x80 or above), or a close", obs);
}

::testing::AssertionResult closes_after_error(raw_client& c, std::chrono::milliseconds timeout) {
  auto obs = c.expect_close(timeout);
  if (obs.closed && obs.only_errors_before()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << mismatch(codec::is_v5(c.version())
                         ? "close (optionally after DISCONNECT/CONNACK with an error reason)"
                         : "close (optionally after CONNACK with a non-zero return code)",
                     obs);
}

received send_subscribe(raw_client& c, std::vector<codec::subscription> subscriptions,
                        std::uint16_t packet_id) {
  codec::subscribe_packet s;
  s.packet_id = packet_id;
  s.subscriptions = std::move(subscriptions);
  c.send_packet(s);
  return c.expect_ack();
}

received send_unsubscribe(raw_client& c, std::vector<std::string> filters,
                          std::uint16_t packet_id) {
  codec::unsubscribe_packet u;
  u.packet_id = packet_id;
  u.filters = std::move(filters);
  c.send_packet(u);
  return c.expect_ack();
}

}  // namespace mqtt::cert
