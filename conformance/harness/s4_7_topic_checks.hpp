// s4_7_topic_checks.hpp: the 4.7 Topic Name and Topic Filter test bodies that are the same
// for both versions. The two specs number some of these statements differently, so each
// version's s4_7_topic_test.cpp keeps its own TEST_F that binds its ID, then calls the body
// here (last: a body's ASSERT ends the body only).
#pragma once

#include <string>
#include <string_view>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert {

template <typename VersionFixture>
class topic_checks : public VersionFixture {
 protected:
  // check_misplaced_multi_level_wildcard_refused subscribes to "<p>/b#" and, on another
  // connection, "<p>/#/b": each is refused (SUBACK failure or close).
  void check_misplaced_multi_level_wildcard_refused() {
    auto c = this->connect_client("c");
    ASSERT_TRUE(c);
    EXPECT_TRUE(refuses_subscription(*c, this->topic_prefix() + "/b#"));
    auto c2 = this->connect_client("c2");
    ASSERT_TRUE(c2);
    EXPECT_TRUE(refuses_subscription(*c2, this->topic_prefix() + "/#/b"));
  }

  // publish_to_dollar_topic subscribes "wild" to `wild_filter` and "exact" to the '$' topic
  // `dollar` (QoS 0), publishes "x" to `dollar` and expects "exact" to receive it, which
  // shows the message was published and routed. Returns "wild" (as .sub) and the publisher;
  // both null after a recorded failure.
  client_pair publish_to_dollar_topic(const std::string& wild_filter, const std::string& dollar) {
    auto subscriber = [this](std::string_view label, const std::string& filter) {
      auto c = this->connect_client(label);
      if (!c) return c;
      if (auto ok = subscribe(*c, filter, codec::qos::at_most_once); !ok) {
        ADD_FAILURE() << "setup: " << ok.message();
        c.reset();
      }
      return c;
    };
    auto wild = subscriber("wild", wild_filter);
    if (!wild) return {};
    auto exact = subscriber("exact", dollar);
    if (!exact) return {};
    auto pub = this->connect_client("pub");
    if (!pub) return {};
    if (auto ok = publish(*pub, dollar, "x"); !ok) {
      ADD_FAILURE() << "setup: " << ok.message();
      return {};
    }
    if (auto ok = receive_publish(*exact, nullptr); !ok) {
      ADD_FAILURE() << "the $ topic was not delivered at all\n" << ok.message();
      return {};
    }
    return {std::move(wild), std::move(pub)};
  }

  // check_leading_wildcard_does_not_match_dollar_topics publishes to "$mqttcert/<p>/d":
  // an exact subscription gets it (so it was published), "+/<p>/d" does not.
  void check_leading_wildcard_does_not_match_dollar_topics() {
    const std::string rest = this->topic_prefix() + "/d";
    auto [wild, pub] = publish_to_dollar_topic("+/" + rest, "$mqttcert/" + rest);
    ASSERT_TRUE(wild);
    auto r = wild->expect_no_packet();
    EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no PUBLISH for filter +/…", r);
  }

  // check_empty_topic_filter_refused subscribes to "" and expects a refusal.
  void check_empty_topic_filter_refused() {
    auto c = this->connect_client("c");
    ASSERT_TRUE(c);
    EXPECT_TRUE(refuses_subscription(*c, ""));
  }

  // check_matching_does_not_normalise subscribes to ".../Case" and publishes to ".../case",
  // ".../Case/" and ".../Case": only the exact spelling is delivered.
  void check_matching_does_not_normalise() {
    auto [sub, pub] = this->connect_pair(this->topic("Case"));
    ASSERT_TRUE(sub);
    ASSERT_TRUE(publish(*pub, this->topic("case"), "lower"));
    ASSERT_TRUE(publish(*pub, this->topic("Case/"), "slash"));
    ASSERT_TRUE(publish(*pub, this->topic("Case"), "exact"));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_EQ(got.payload, payload_bytes("exact")) << "a differently spelled topic matched";
  }
};

}  // namespace mqtt::cert
