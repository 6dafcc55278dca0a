// message_flow.hpp: publishers and subscribers that move numbered messages through a
// broker, and the check of what arrived, shared by the ordering and backlog invariants.
//
// Publisher p sends messages i = 0..count-1, on topic i % topics and with sequence number
// i / topics within that topic, as the payload "<tag> <p> <topic> <seq>". It completes
// each QoS handshake, keeping a few messages in flight. A subscriber reads and
// acknowledges as a real client would (PUBACK; PUBREC, then PUBCOMP on PUBREL) and records
// each delivery; check_deliveries then applies the invariant per publisher and topic:
//   all QoS   order kept per publisher and topic                  [MQTT-4.6.0-5/6]
//   QoS 0     no duplicates (at most once)
//   QoS 1     no loss; a duplicate is allowed only with DUP=1      [MQTT-4.3.2]
//   QoS 2     no loss and no duplicates                          [MQTT-4.3.3]
#pragma once

#include <chrono>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "codec/packets.hpp"
#include "conformance/harness/broker_address.hpp"
#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/session_helpers.hpp"

namespace mqtt::cert::invariants {

using namespace std::chrono_literals;

// How long a whole scenario may take before a subscriber gives up.
inline constexpr auto run_deadline = 90s;

// done_flag is a one-shot event other threads can wait on with a deadline.
class done_flag {
 public:
  void set();
  bool is_set() const;
  bool wait_for(std::chrono::milliseconds d);

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool set_ = false;
};

// backlog_gate paces the publishers by the subscribers' progress: they stay at most
// `limit` messages ahead of the slowest online subscriber. When none progresses for two
// seconds the gate opens for good: a stalled subscriber is a loss to report, not a hang.
class backlog_gate {
 public:
  backlog_gate(std::size_t subscribers, int limit) : received_(subscribers, 0), limit_(limit) {}
  // unpaced lets the publishers run as fast as the broker takes messages.
  static constexpr int unpaced = std::numeric_limits<int>::max();

  void progress(std::size_t sub, int received);  // subscriber thread
  void release(std::size_t sub);                 // offline or finished: stop gating
  void before_publish();                         // publisher threads; may block
  int widest();  // the largest lead the publishers had over the slowest subscriber

 private:
  int slowest() const;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<int> received_;
  int limit_;
  int published_ = 0;
  int widest_ = 0;
  bool open_ = false;
};

// flow_plan is what every client of one scenario shares.
struct flow_plan {
  broker_address address;
  codec::protocol_version version = codec::protocol_version::v5_0;
  codec::qos qos_level = codec::qos::at_least_once;
  std::string tag;                  // unique per scenario; prefixes ClientIDs and payloads
  std::vector<std::string> topics;  // a publisher cycles through them
  int publishers = 4;
  int per_publisher = 500;          // messages each publisher sends, over all topics
  // Credentials for every client of the flow (MQTTCERT_INVARIANT_USERNAME / _PASSWORD).
  std::optional<std::string> username;
  std::optional<std::string> password;
  void use_credentials_from_environment();
};

// messages_on is how many of one publisher's messages go to topic `topic`.
int messages_on(const flow_plan& plan, std::size_t topic);

struct publisher_result {
  std::vector<std::string> errors;
  int sent = 0;
  int acknowledged = 0;  // PUBACK / PUBCOMP with a success code (QoS 1/2)
};

// run_publisher sends publisher `index`'s messages. With `pause_gate`, it waits for that
// flag before message `pause_at` (so the rest is published while a subscriber is away).
void run_publisher(const flow_plan& plan, int index, backlog_gate& gate, done_flag* pause_gate,
                   int pause_at, publisher_result& out);

struct delivery {
  int publisher = 0;
  int topic = 0;
  int seq = 0;
  codec::qos q = codec::qos::at_most_once;
  bool dup = false;
  std::uint16_t packet_id = 0;
  int connection = 1;  // 2 after a resume
};

struct subscriber_plan {
  std::string label;      // "sub-exact", "sub-wildcard"
  std::string filter;
  std::vector<int> topics;  // the topic indexes the filter matches
  bool persistent = false;
  int drop_after = -1;    // close abruptly after this many unique deliveries (-1: never)
  bool offline_while_publishing = false;  // DISCONNECT before the publishers start
  bool read_after_publishers = false;     // read nothing until the publishers are done
  std::uint16_t receive_maximum = 0;      // v5 CONNECT Receive Maximum (0: not sent)
};

class subscriber {
 public:
  subscriber(subscriber_plan plan, const flow_plan& flow, int expected_unique,
             backlog_gate& gate, std::size_t gate_index);

  // open connects and subscribes; on the test thread, before the publishers start.
  ::testing::AssertionResult open();
  // run reads until finished: everything arrived, or the publishers are done (`publishers_done`)
  // and nothing more comes. `offline` is set once the planned drop has happened.
  void run(done_flag& publishers_done, done_flag& offline);

  const subscriber_plan& plan() const { return plan_; }
  int unique_count() const { return static_cast<int>(seen_.size()); }
  bool resumed() const { return resumed_; }

  std::vector<delivery> deliveries;
  std::vector<std::string> errors;

 private:
  void read(done_flag& publishers_done, done_flag& offline);
  connect_options connect_opts(bool clean) const;
  bool reconnect(const std::string& why);
  bool drop_and_resume(done_flag& publishers_done, done_flag& offline);
  bool handle(const received& r);

  subscriber_plan plan_;
  const flow_plan& flow_;
  int expected_unique_;
  backlog_gate& gate_;
  std::size_t gate_index_;
  std::unique_ptr<raw_client> client_;
  std::set<std::tuple<int, int, int>> seen_;  // (publisher, topic, seq)
  std::set<std::uint16_t> awaiting_pubrel_;
  bool dropped_ = false;
  bool resumed_ = false;
  int connection_ = 1;
};

// check_deliveries applies the invariant to one subscriber's deliveries, in arrival
// order, and returns one line per violation ("publisher 2 topic 0: expected seq 17, saw
// seq 19 …"). `expect_all` false skips the loss check (QoS 0, or a loss another rule judges).
std::vector<std::string> check_deliveries(const std::vector<delivery>& ds, const flow_plan& plan,
                                          const std::vector<int>& topics, bool expect_all);

// broker_log_excerpt returns the broker log's lines about drops, warnings or errors, so a
// loss report shows whether a configured limit was hit ("" when there are none).
std::string broker_log_excerpt(const std::string& log_path, const std::string& tag);

}  // namespace mqtt::cert::invariants
