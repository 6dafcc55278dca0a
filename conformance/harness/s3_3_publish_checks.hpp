// s3_3_publish_checks.hpp: the 3.3 PUBLISH test bodies that are the same for both
// versions. The two specs number these statements differently, so each version's
// s3_3_publish_test.cpp keeps its own TEST_F that binds its ID (and, in v5.0, first asks
// the profile for retain support), then calls the body here. A body's ASSERT ends the body
// only, so a TEST_F calls it last or checks HasFatalFailure() after it.
#pragma once

#include <string>
#include <string_view>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert {

template <typename VersionFixture>
class publish_checks : public VersionFixture {
 protected:
  // publish_to_overlapping_subscriptions subscribes "sub" to "<p>/#" at `wildcard_qos`,
  // then to `t` at `exact_qos`, then publishes "x" to `t` at QoS 1. Returns the pair
  // before "sub" reads; both null after a recorded failure.
  client_pair publish_to_overlapping_subscriptions(const std::string& t,
                                                   codec::qos wildcard_qos = codec::qos::at_most_once,
                                                   codec::qos exact_qos = codec::qos::at_least_once) {
    auto sub = this->connect_subscriber(this->topic_prefix() + "/#", {.max_qos = wildcard_qos});
    if (!sub) return {};
    auto ok = subscribe(*sub, t, exact_qos, 2);
    if (!ok) {
      ADD_FAILURE() << "setup: " << ok.message();
      return {};
    }
    auto pub = this->connect_client("pub");
    if (!pub) return {};
    ok = publish(*pub, t, "x", codec::qos::at_least_once);
    if (!ok) {
      ADD_FAILURE() << "setup: " << ok.message();
      return {};
    }
    return {std::move(sub), std::move(pub)};
  }

  // check_incoming_dup_not_forwarded publishes at `q` with DUP 1 (Packet Identifier `id`)
  // to a subscriber at `q` on topic(leaf), and expects the first delivery to have DUP 0.
  void check_incoming_dup_not_forwarded(codec::qos q, std::string_view leaf, std::uint16_t id) {
    const std::string t = this->topic(leaf);
    auto [sub, pub] = this->connect_pair(t, {.max_qos = q});
    ASSERT_TRUE(sub);
    auto p = make_publish(t, "x", q, id);
    p.dup = true;
    ASSERT_TRUE(publish(*pub, p));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_FALSE(got.dup) << "first delivery of a QoS " << static_cast<int>(q)
                          << " message forwarded with DUP 1";
  }

  // check_empty_retained_publish_removes_retained retains "kept", then publishes an empty
  // retained message to the same topic: a new subscriber gets no retained message.
  void check_empty_retained_publish_removes_retained() {
    const std::string t = this->topic("r");
    auto pub = this->connect_retaining_publisher(t, "kept");
    ASSERT_TRUE(pub);
    ASSERT_TRUE(publish(*pub, t, "", codec::qos::at_least_once, true, 2));
    expect_no_retained_message(t);
  }

  // check_empty_retained_publish_is_not_stored publishes only an empty retained message:
  // a new subscriber gets no retained message.
  void check_empty_retained_publish_is_not_stored() {
    const std::string t = this->topic("r");
    auto pub = this->connect_client("pub");
    ASSERT_TRUE(pub);
    ASSERT_TRUE(publish(*pub, t, "", codec::qos::at_least_once, true, 1));
    expect_no_retained_message(t);
  }

  // check_non_retained_publish_leaves_retained retains "kept", then publishes "passing"
  // with RETAIN 0: a new subscriber still gets "kept".
  void check_non_retained_publish_leaves_retained() {
    const std::string t = this->topic("r");
    auto pub = this->connect_retaining_publisher(t, "kept");
    ASSERT_TRUE(pub);
    ASSERT_TRUE(publish(*pub, t, "passing", codec::qos::at_least_once, false, 2));
    auto sub = this->connect_subscriber(t);
    ASSERT_TRUE(sub);
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_EQ(got.payload, payload_bytes("kept"));
  }

  // check_retained_sent_on_subscribe_has_retain_set retains a message, then subscribes (with
  // default options): the retained message arrives with RETAIN 1.
  void check_retained_sent_on_subscribe_has_retain_set() {
    const std::string t = this->topic("r");
    auto pub = this->connect_retaining_publisher(t, "kept");
    ASSERT_TRUE(pub);
    auto sub = this->connect_subscriber(t);
    ASSERT_TRUE(sub);
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_TRUE(got.retain) << "retained message sent on subscribe with RETAIN 0";
  }

  // check_live_delivery_has_retain_clear subscribes (with default options), then a RETAIN 1
  // message is published at `q`: it reaches the established subscription with RETAIN 0.
  void check_live_delivery_has_retain_clear(codec::qos q = codec::qos::at_least_once) {
    const std::string t = this->topic("r");
    this->clear_retained_at_end(t);
    auto [sub, pub] = this->connect_pair(t);
    ASSERT_TRUE(sub);
    ASSERT_TRUE(publish(*pub, t, "live", q, true));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_FALSE(got.retain)
        << "forwarded with RETAIN 1 to an established subscription (v5.0: Retain As Published 0)";
  }

  // check_forwarded_topic_is_published_name subscribes to `filter`, publishes to `t` and
  // expects the delivery to carry exactly `t` as its Topic Name.
  void check_forwarded_topic_is_published_name(const std::string& filter, const std::string& t) {
    auto [sub, pub] = this->connect_pair(filter);
    ASSERT_TRUE(sub);
    ASSERT_TRUE(publish(*pub, t, "x"));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_EQ(got.topic, t);
  }

 private:
  // expect_no_retained_message subscribes to `t` and expects nothing within the quiet window.
  void expect_no_retained_message(const std::string& t) {
    auto sub = this->connect_subscriber(t);
    ASSERT_TRUE(sub);
    auto r = sub->expect_no_packet();
    EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no retained message", r);
  }
};

}  // namespace mqtt::cert
