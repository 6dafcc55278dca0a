#include "conformance/harness/conformance_test.hpp"

#include <cmath>
#include <cstdio>
#include <thread>
#include <random>

#include "conformance/harness/test_context.hpp"

namespace mqtt::cert {
namespace {

std::string random_alnum(std::size_t n) {
  static constexpr char alphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += alphabet[pick(rng)];
  return s;
}

// topic_safe keeps a GoogleTest name usable as a topic level (TEST_P names contain '/').
std::string topic_safe(std::string s) {
  for (char& ch : s)
    if (ch == '/' || ch == '+' || ch == '#') ch = '_';
  return s;
}

}  // namespace

conformance_test::conformance_test(codec::protocol_version v) : version_(v) {}

void conformance_test::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  test_context::current().begin(name);
  run_tag_ = random_alnum(10);
  prefix_ = "mqttcert/" + topic_safe(std::string(info->test_suite_name())) + "/" +
            topic_safe(info->name()) + "/" + run_tag_;
}

void conformance_test::TearDown() {
  const auto* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
  if (IsSkipped()) {
    // Every skip says why, and the report shows it (MQTT_SKIP, MQTT_REQUIRE_FEATURE).
    bool has_reason = false;
    for (int k = 0; k < result->test_property_count(); ++k) {
      const std::string key = result->GetTestProperty(k).key();
      has_reason = has_reason || key == "skip_reason" || key == "unimplemented_feature";
    }
    if (!has_reason) ADD_FAILURE() << "the test skipped without a reason: use MQTT_SKIP(why)";
  } else if (!HasFailure() && test_context::current().checks() == 0) {
    ADD_FAILURE() << "the test checked nothing: it ended without evaluating any expectation "
                     "about the broker, so it cannot pass (a test must earn its pass)";
  }
  if (HasFailure()) {
    std::string block = failure_block();
    std::fputs(block.c_str(), stdout);
    std::fflush(stdout);
    RecordProperty("report", block);
  }
  std::string malformed;
  for (const auto& line : test_context::current().malformed_server_packets())
    malformed += (malformed.empty() ? "" : "\n") + line;
  if (!malformed.empty()) {
    RecordProperty("server_malformed", malformed);
    std::printf("mqttcert: note: the broker sent packets the codec rejects (reported once under "
                "server-packet-format by `mqttcert run`):\n%s\n", malformed.c_str());
  }
  if (!retained_.empty() && suite().target) {
    raw_client c("cleanup", version_);
    connect_options o;
    o.client_id = client_id("cleanup");
    if (c.connect(broker()) && connect_session(c, o)) {
      for (const auto& t : retained_) publish(c, t, "", codec::qos::at_most_once, true);
      disconnect(c);
    }
  }
}

const broker_address& conformance_test::broker() const {
  static const broker_address none{};
  return suite().target ? suite().target->address() : none;
}

std::chrono::milliseconds conformance_test::scaled_time(std::chrono::milliseconds broker_time) const {
  const double scale = time_scale() >= 1 ? time_scale() : 1;
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(broker_time.count()) / scale));
}

std::uint32_t conformance_test::broker_seconds(std::chrono::milliseconds real_span) const {
  const double scale = time_scale() >= 1 ? time_scale() : 1;
  const double s = std::ceil(static_cast<double>(real_span.count()) * scale / 1000.0);
  return s < 1 ? 1 : static_cast<std::uint32_t>(s);
}

void conformance_test::let_broker_time_pass(std::chrono::milliseconds broker_time) const {
  std::this_thread::sleep_for(real_time(broker_time));
}

std::string conformance_test::client_id(std::string_view label) {
  // 3.1.1 servers must accept 1-23 letters and digits [MQTT-3.1.3-5]; stay inside that.
  std::string id = "mqc" + run_tag_ + std::to_string(next_id_++);
  for (char ch : label) {
    if (id.size() >= 23) break;
    if (std::isalnum(static_cast<unsigned char>(ch))) id += ch;
  }
  return id;
}

std::string conformance_test::topic(std::string_view leaf) {
  return prefix_ + "/" + std::string(leaf);
}

std::unique_ptr<raw_client> conformance_test::open_client_at(const broker_address& address,
                                                             std::string_view label) {
  auto c = std::make_unique<raw_client>(std::string(label), version_);
  if (!c->connect(address)) {
    ADD_FAILURE() << "cannot connect to the broker at " << address.url() << ": "
                  << c->connect_error();
    return nullptr;
  }
  return c;
}

std::unique_ptr<raw_client> conformance_test::finish_connect(std::unique_ptr<raw_client> c,
                                                             std::string_view label,
                                                             connect_options o,
                                                             codec::connack_packet* ack) {
  if (!c) return nullptr;
  if (o.client_id.empty()) o.client_id = client_id(label);
  auto ok = connect_session(*c, o, ack);
  if (!ok) {
    ADD_FAILURE() << "setup: " << ok.message();
    return nullptr;
  }
  return c;
}

std::unique_ptr<raw_client> conformance_test::open_client(std::string_view label) {
  return open_client_at(broker(), label);
}

const broker_address* conformance_test::websocket_broker() const {
  if (!suite().target || !suite().target->ws_address()) return nullptr;
  return &*suite().target->ws_address();
}

std::string conformance_test::websocket_absent_reason() const {
  if (!suite().target) return "no broker target";
  return suite().target->ws_absent_reason();
}

std::unique_ptr<raw_client> conformance_test::open_websocket_client(std::string_view label) {
  const broker_address* ws = websocket_broker();
  if (ws == nullptr) {
    ADD_FAILURE() << "no WebSocket address: " << websocket_absent_reason();
    return nullptr;
  }
  return open_client_at(*ws, label);
}

std::unique_ptr<raw_client> conformance_test::connect_websocket_client(std::string_view label,
                                                                       connect_options o) {
  return finish_connect(open_websocket_client(label), label, std::move(o));
}

std::unique_ptr<raw_client> conformance_test::connect_client(std::string_view label,
                                                             connect_options o,
                                                             codec::connack_packet* ack) {
  return finish_connect(open_client(label), label, std::move(o), ack);
}

std::unique_ptr<raw_client> conformance_test::send_connect(std::string_view label,
                                                           const connect_options& o) {
  auto c = open_client(label);
  if (c) c->send_packet(make_connect(version_, o));
  return c;
}

std::unique_ptr<raw_client> conformance_test::connect_subscriber(const std::string& filter,
                                                                 codec::subscribe_options so,
                                                                 connect_options o) {
  auto c = connect_client("sub", std::move(o));
  if (!c) return nullptr;
  auto ok = subscribe(*c, filter, so);
  if (!ok) {
    ADD_FAILURE() << "setup: " << ok.message();
    return nullptr;
  }
  return c;
}

std::unique_ptr<raw_client> conformance_test::connect_publisher(const std::string& t,
                                                                std::string_view payload,
                                                                codec::qos q, bool retain) {
  auto c = connect_client("pub");
  if (!c) return nullptr;
  auto ok = publish(*c, t, payload, q, retain, 1);
  if (!ok) {
    ADD_FAILURE() << "setup: " << ok.message();
    return nullptr;
  }
  return c;
}

std::unique_ptr<raw_client> conformance_test::connect_retaining_publisher(
    const std::string& t, std::string_view payload) {
  clear_retained_at_end(t);
  return connect_publisher(t, payload, codec::qos::at_least_once, true);
}

client_pair conformance_test::connect_pair(const std::string& filter,
                                           codec::subscribe_options so, connect_options o) {
  auto sub = connect_subscriber(filter, so, std::move(o));
  if (!sub) return {};
  auto pub = connect_client("pub");
  if (!pub) return {};
  return {std::move(sub), std::move(pub)};
}

client_pair conformance_test::deliver_unacknowledged(const codec::publish_packet& p,
                                                     codec::publish_packet* got,
                                                     connect_options o) {
  auto pair = connect_pair(p.topic, {.max_qos = p.qos_level}, std::move(o));
  if (!pair.sub) return {};
  auto ok = publish(*pair.pub, p);
  if (ok) ok = receive_publish(*pair.sub, got, /*acknowledge=*/false);
  if (!ok) {
    ADD_FAILURE() << "setup: " << ok.message();
    return {};
  }
  return pair;
}

}  // namespace mqtt::cert
