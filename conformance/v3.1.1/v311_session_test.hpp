// v311_session_test.hpp: the fixture the 3.1.1 section files share on top of v311_test:
// persistent sessions that are cleaned up after the test, Will options, and waits that
// tolerate unrelated traffic. Header only; each s*_test.cpp includes it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert::v311 {

namespace codec = mqtt::codec;

class session_test : public v311_test {
 protected:
  // session returns CONNECT options for ClientId `id` and CleanSession `clean`.
  static connect_options session(std::string id, bool clean) {
    connect_options o;
    o.client_id = std::move(id);
    o.clean_start = clean;
    return o;
  }

  // with_will returns CONNECT options carrying a Will Message "gone" on `t`.
  static connect_options with_will(std::string t, bool retain = false,
                                   codec::qos q = codec::qos::at_most_once) {
    connect_options o;
    codec::will_message w;
    w.topic = std::move(t);
    w.payload = payload_bytes("gone");
    w.retain = retain;
    w.qos_level = q;
    o.will = w;
    return o;
  }

  // watch connects a client `label` subscribed to `t` at QoS 0 (a late subscriber sees
  // the retained message of `t` at once).
  std::unique_ptr<raw_client> watch(const std::string& t, std::string_view label = "sub") {
    auto sub = connect_client(label);
    if (sub && !subscribe(*sub, t, codec::qos::at_most_once)) {
      ADD_FAILURE() << "setup: cannot subscribe to " << t;
      return nullptr;
    }
    return sub;
  }

  // session_id returns a unique ClientId whose session TearDown discards (CleanSession 1).
  std::string session_id(std::string_view label) {
    sessions_.push_back(client_id(label));
    return sessions_.back();
  }

  // resume opens a connection with CleanSession 0 for `id`; `out` gets the CONNACK.
  std::unique_ptr<raw_client> resume(const std::string& id, std::string_view label,
                                     codec::connack_packet* out = nullptr) {
    auto c = open_client(label);
    if (!c) return nullptr;
    auto ok = connect_session(*c, session(id, false), out);
    if (!ok) {
      ADD_FAILURE() << "setup: " << ok.message();
      return nullptr;
    }
    return c;
  }

  // make_session leaves a CleanSession 0 session for `id` subscribed to `filter` at `q`.
  ::testing::AssertionResult make_session(const std::string& id, const std::string& filter,
                                          codec::qos q = codec::qos::at_least_once) {
    raw_client c("setup", version());
    if (!c.connect(broker())) return ::testing::AssertionFailure() << "setup: cannot connect";
    auto ok = connect_session(c, session(id, false));
    if (!ok) return ok;
    ok = subscribe(c, filter, q);
    if (!ok) return ok;
    disconnect(c);
    return ::testing::AssertionSuccess();
  }

  // silent expects no packet and no close for the quiet window.
  static ::testing::AssertionResult silent(raw_client& c, std::string_view what,
                                           std::chrono::milliseconds window = quiet_window) {
    auto r = c.expect_no_packet(window);
    if (r.status == recv_status::timeout) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << mismatch(what, r);
  }

  // still_open sends PINGREQ and expects PINGRESP as the next packet.
  static ::testing::AssertionResult still_open(raw_client& c) {
    c.send_packet(codec::pingreq_packet{});
    auto r = c.expect_ack();
    if (r.as<codec::pingresp_packet>()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << mismatch("S→C PINGRESP D0 00 (connection open)", r);
  }

  // publish_on waits up to `timeout` for a PUBLISH on topic `t`, skipping PUBLISH packets
  // on other topics (acknowledging them at QoS 1) for subscriptions that also see other
  // tests' traffic ("#"). `out` gets the PUBLISH. Returns the last observation otherwise.
  static received publish_on(raw_client& c, const std::string& t,
                             std::chrono::milliseconds timeout, codec::publish_packet* out) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    received r;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        r = received{};
        r.waited = timeout;
        return r;
      }
      r = c.expect_packet(left);
      const auto* p = r.as<codec::publish_packet>();
      if (!p) return r;
      if (p->topic == t) {
        if (out) *out = *p;
        return r;
      }
      if (p->qos_level == codec::qos::at_least_once) {
        codec::puback_packet ack;
        ack.packet_id = p->packet_id;
        c.send_packet(ack);
      }
    }
  }

  void TearDown() override {
    for (const auto& id : sessions_) {
      raw_client c("cleanup", version());
      if (c.connect(broker()) && connect_session(c, session(id, true))) disconnect(c);
    }
    v311_test::TearDown();
  }

 private:
  std::vector<std::string> sessions_;
};

}  // namespace mqtt::cert::v311
