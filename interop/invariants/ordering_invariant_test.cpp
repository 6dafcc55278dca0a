// ordering_invariant_test.cpp: the message ordering / loss / duplication invariant, against
// every broker interop covers (invariant_brokers.hpp), for MQTT 3.1.1 and 5.0 at QoS 0, 1
// and 2.
//
// Four publishers each send numbered messages, alternating between two topics <base>/a
// and <base>/b. Two subscribers with overlapping filters read them: sub-exact on <base>/a,
// sub-wildcard on <base>/+ (both topics). Checked per publisher and topic (message_flow.hpp):
// order kept (4.6), QoS 1 nothing lost and duplicates only with DUP, QoS 2 nothing lost
// and nothing duplicated. The resume case drops sub-exact (persistent session, no
// DISCONNECT) part way through, publishes the second half while it is away, then resumes
// the session [MQTT-4.4.0-1]: QoS 1/2 messages unacknowledged or sent while it was away
// must all arrive, in order (QoS 0 ones may be dropped, never reordered).
//
// A violation the broker's profile records (invariant_violations) passes as an expected
// violation with its evidence; one that stops happening fails (invariant_verdict.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "interop/invariants/invariant_brokers.hpp"
#include "interop/invariants/invariant_report.hpp"
#include "interop/invariants/message_flow.hpp"

namespace mqtt::cert::invariants {
namespace {

using codec::protocol_version;
using codec::qos;
using steady = std::chrono::steady_clock;

// Run size: small enough to take seconds, large enough to interleave publishers.
constexpr int messages_per_publisher = 500;
// The resume case stays under Mosquitto's default max_queued_messages (1000), so a loss
// there is the broker's and not a configured queue limit.
constexpr int resume_messages_per_publisher = 200;
constexpr int resume_drop_after = 100;  // unique deliveries before the drop
// Publishers stay at most this many messages ahead of the slowest online subscriber
// (MQTTCERT_INVARIANT_BACKLOG overrides it), so the run interleaves publishers and
// subscribers instead of queueing everything first; the backlog invariant does that.
constexpr int default_max_backlog = 40;

// broker_pool starts each broker once per test process, on first use, and stops them all
// when the test suite ends.
class broker_pool {
 public:
  static running_broker* get(broker_kind b, std::string* error) {
    auto& slot = brokers()[b];
    if (!slot) slot = start_broker(b, std::nullopt, error);
    return slot.get();
  }
  static void stop_all() { brokers().clear(); }

 private:
  static std::map<broker_kind, std::unique_ptr<running_broker>>& brokers() {
    static std::map<broker_kind, std::unique_ptr<running_broker>> m;
    return m;
  }
};

struct ordering_case {
  broker_kind broker;
  protocol_version version;
  qos q;
};

std::string case_name(const ::testing::TestParamInfo<ordering_case>& info) {
  const auto& c = info.param;
  return std::string(broker_name(c.broker)) + (codec::is_v5(c.version) ? "_v5_0" : "_v3_1_1") +
         "_qos" + std::to_string(int(c.q));
}

std::vector<ordering_case> all_cases() {
  std::vector<ordering_case> out;
  for (auto b : selected_brokers())
    for (auto v : {protocol_version::v3_1_1, protocol_version::v5_0})
      for (auto q : {qos::at_most_once, qos::at_least_once, qos::exactly_once})
        out.push_back({b, v, q});
  return out;
}

class OrderingInvariant : public ::testing::TestWithParam<ordering_case> {
 protected:
  static void TearDownTestSuite() { broker_pool::stop_all(); }

  void SetUp() override {
    const auto& c = GetParam();
    RecordProperty("broker", std::string(broker_name(c.broker)));
    if (auto why = unavailable_reason(c.broker); !why.empty()) {
      RecordProperty("skip_reason", why);
      GTEST_SKIP() << "skipped: " << why;
    }
    std::string error;
    broker_ = broker_pool::get(c.broker, &error);
    ASSERT_NE(broker_, nullptr) << "cannot start " << broker_name(c.broker) << ": " << error;
    static std::atomic<int> counter{0};
    tag_ = "inv" + std::to_string(::getpid()) + "x" + std::to_string(counter++);
    RecordProperty("statements", codec::is_v5(c.version)
                                     ? "v5.0/MQTT-4.6.0-5 v5.0/MQTT-4.6.0-6 v5.0/MQTT-4.3.2-5 "
                                       "v5.0/MQTT-4.3.3-10 v5.0/MQTT-4.4.0-1"
                                     : "v3.1.1/MQTT-4.6.0-5 v3.1.1/MQTT-4.6.0-6 "
                                       "v3.1.1/MQTT-4.3.3-2 v3.1.1/MQTT-4.4.0-1");
  }

  // run_scenario starts the subscribers, runs the publishers concurrently, then checks
  // every subscriber's deliveries. With `drop_after` >= 0 sub-exact goes offline after
  // that many messages, and the publishers hold their second half until it has, so that
  // half is published while it is away.
  void run_scenario(int per_publisher, int drop_after) {
    const auto& c = GetParam();
    flow_plan plan;
    plan.address = broker_->address;
    plan.version = c.version;
    plan.qos_level = c.q;
    plan.tag = tag_;
    plan.use_credentials_from_environment();
    const std::string base = "invariant/" + tag_;
    plan.topics = {base + "/a", base + "/b"};
    plan.per_publisher = per_publisher;
    const char* env = std::getenv("MQTTCERT_INVARIANT_BACKLOG");
    backlog_gate gate(2, env && *env ? std::atoi(env) : default_max_backlog);

    std::vector<std::unique_ptr<subscriber>> subs;
    subscriber_plan exact{"sub-exact", plan.topics[0], {0}};
    exact.persistent = drop_after >= 0;
    exact.drop_after = drop_after;
    subs.push_back(std::make_unique<subscriber>(exact, plan, plan.publishers * messages_on(plan, 0),
                                                gate, 0));
    subs.push_back(std::make_unique<subscriber>(subscriber_plan{"sub-wildcard", base + "/+", {0, 1}},
                                                plan, plan.publishers * per_publisher, gate, 1));
    for (auto& s : subs) ASSERT_TRUE(s->open()) << s->plan().label;

    done_flag publishers_done, offline;
    std::vector<std::thread> sub_threads;
    for (auto& s : subs)
      sub_threads.emplace_back([&s, &publishers_done, &offline] { s->run(publishers_done, offline); });
    const auto started = steady::now();
    std::vector<publisher_result> results(plan.publishers);
    std::vector<std::thread> pub_threads;
    for (int i = 0; i < plan.publishers; ++i) {
      pub_threads.emplace_back([&, i] {
        run_publisher(plan, i, gate, drop_after >= 0 ? &offline : nullptr, per_publisher / 2,
                      results[i]);
      });
    }
    for (auto& t : pub_threads) t.join();
    publishers_done.set();
    for (auto& t : sub_threads) t.join();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started);

    std::vector<std::string> problems;
    for (const auto& r : results) problems.insert(problems.end(), r.errors.begin(), r.errors.end());
    for (auto& s : subs) {
      for (auto& e : s->errors) problems.push_back(e);
      if (s->plan().drop_after >= 0 && !s->resumed() && s->errors.empty()) {
        problems.push_back(s->plan().label + ": never dropped and resumed (only " +
                           std::to_string(s->deliveries.size()) + " deliveries)");
      }
      for (auto& e : check_deliveries(s->deliveries, plan, s->plan().topics, true))
        problems.push_back(s->plan().label + " (" + s->plan().filter + "): " + e);
    }
    std::ostringstream summary;
    summary << broker_name(c.broker) << " " << codec::protocol_version_name(c.version) << " QoS "
            << int(c.q) << ": " << plan.publishers << " publishers x " << per_publisher
            << " messages over " << base << "/{a,b} in " << took.count() << " ms; deliveries:";
    for (auto& s : subs) summary << " " << s->plan().label << "=" << s->deliveries.size();
    summary << "; publishers at most " << gate.widest() << " messages ahead";
    report(summary.str(), problems,
           broker_log_excerpt(broker_->log_path(), tag_));
  }

  running_broker* broker_ = nullptr;
  std::string tag_;
};

TEST_P(OrderingInvariant, PublishersToTwoSubscribers) {
  run_scenario(messages_per_publisher, -1);
}

TEST_P(OrderingInvariant, SubscriberResumesPersistentSession) {
  run_scenario(resume_messages_per_publisher, resume_drop_after);
}

INSTANTIATE_TEST_SUITE_P(Brokers, OrderingInvariant, ::testing::ValuesIn(all_cases()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OrderingInvariant);

}  // namespace
}  // namespace mqtt::cert::invariants
