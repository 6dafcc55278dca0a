// backlog_invariant_test.cpp: subscribers fall thousands of QoS 1 messages behind, then
// drain. Every broker bounds what it holds for a session, and a bound is a documented
// choice, not a fault: this reports how many *acknowledged* messages never arrived and
// whether the broker's configured queue limit explains them. A broker that keeps a limit
// of L messages delivers at least min(N, L) of N, so a loss of more than N - L is one no
// configured limit explains: a failure. Each broker runs twice, with its default limit and
// with the limit raised above the whole run (where any loss is unexplained).
//
// Four publishers send 3,000 QoS 1 messages each, unpaced, on one topic. Two subscribers
// fall behind in the two ways a real one does:
//   sub-offline  persistent session, disconnected (normal DISCONNECT) before publishing
//                starts, resumed once the publishers are done [MQTT-3.1.2-5 / -23]
//   sub-slow     connected, but reads nothing until the publishers are done (v5.0 also
//                announces Receive Maximum 10, so the broker must queue the rest)
// What did arrive must still be in order per publisher (4.6).
#include <gtest/gtest.h>

#include <atomic>
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

constexpr int publishers = 4;
constexpr int messages_per_publisher = 3000;
constexpr std::uint16_t slow_receive_maximum = 10;

struct backlog_case {
  broker_kind broker;
  bool raised;  // queue limit raised above the run, else the broker's default
  protocol_version version;
};

std::string case_name(const ::testing::TestParamInfo<backlog_case>& info) {
  const auto& c = info.param;
  return std::string(broker_name(c.broker)) + (c.raised ? "_raised" : "_default") +
         (codec::is_v5(c.version) ? "_v5_0" : "_v3_1_1");
}

std::vector<backlog_case> all_cases() {
  std::vector<backlog_case> out;
  for (auto b : selected_brokers())
    for (bool raised : {false, true})
      for (auto v : {protocol_version::v3_1_1, protocol_version::v5_0}) out.push_back({b, raised, v});
  return out;
}

class BacklogInvariant : public ::testing::TestWithParam<backlog_case> {};

TEST_P(BacklogInvariant, SubscribersFallBehindThenDrain) {
  const auto& c = GetParam();
  RecordProperty("broker", std::string(broker_name(c.broker)));
  if (auto why = unavailable_reason(c.broker); !why.empty()) {
    RecordProperty("skip_reason", why);
    GTEST_SKIP() << "skipped: " << why;
  }
  if (c.broker == broker_kind::external && c.raised) {
    const std::string why = "a broker given by URL cannot be restarted with its queue limit raised";
    RecordProperty("skip_reason", why);
    GTEST_SKIP() << "skipped: " << why;
  }
  const queue_limit limit = c.raised ? raised_queue_limit(c.broker) : default_queue_limit(c.broker);
  RecordProperty("queue_limit", limit.name);
  std::string error;
  auto broker = start_broker(c.broker, limit, &error);
  ASSERT_NE(broker, nullptr) << "cannot start " << broker_name(c.broker) << ": " << error;

  static std::atomic<int> counter{0};
  flow_plan plan;
  plan.address = broker->address;
  plan.version = c.version;
  plan.qos_level = codec::qos::at_least_once;
  plan.tag = "inv" + std::to_string(::getpid()) + "b" + std::to_string(counter++);
  plan.use_credentials_from_environment();
  plan.topics = {"invariant/" + plan.tag + "/backlog"};
  plan.publishers = publishers;
  plan.per_publisher = messages_per_publisher;
  const int total = publishers * messages_per_publisher;
  backlog_gate gate(2, backlog_gate::unpaced);

  subscriber_plan offline{"sub-offline", plan.topics[0], {0}};
  offline.persistent = true;
  offline.offline_while_publishing = true;
  subscriber_plan slow{"sub-slow", plan.topics[0], {0}};
  slow.read_after_publishers = true;
  slow.receive_maximum = slow_receive_maximum;
  std::vector<std::unique_ptr<subscriber>> subs;
  subs.push_back(std::make_unique<subscriber>(offline, plan, total, gate, 0));
  subs.push_back(std::make_unique<subscriber>(slow, plan, total, gate, 1));
  for (auto& s : subs) ASSERT_TRUE(s->open()) << s->plan().label;

  done_flag publishers_done, unused;
  std::vector<std::thread> sub_threads;
  for (auto& s : subs)
    sub_threads.emplace_back([&s, &publishers_done, &unused] { s->run(publishers_done, unused); });
  std::vector<publisher_result> results(publishers);
  std::vector<std::thread> pub_threads;
  for (int i = 0; i < publishers; ++i)
    pub_threads.emplace_back([&, i] { run_publisher(plan, i, gate, nullptr, 0, results[i]); });
  for (auto& t : pub_threads) t.join();
  publishers_done.set();
  for (auto& t : sub_threads) t.join();

  int acknowledged = 0;
  std::vector<std::string> problems;
  for (const auto& r : results) {
    acknowledged += r.acknowledged;
    problems.insert(problems.end(), r.errors.begin(), r.errors.end());
  }
  // A broker keeping its limit delivers at least min(N, L) of N acknowledged messages.
  const int explained = limit.messages == 0
                            ? 0
                            : std::max(0, acknowledged - static_cast<int>(limit.messages));
  std::ostringstream summary;
  summary << broker_name(c.broker) << " " << codec::protocol_version_name(c.version)
          << ", queue limit " << limit.name << ": " << acknowledged << " of " << total
          << " QoS 1 messages acknowledged to the publishers;";
  for (auto& s : subs) {
    const std::string& label = s->plan().label;
    problems.insert(problems.end(), s->errors.begin(), s->errors.end());
    for (auto& e : check_deliveries(s->deliveries, plan, {0}, false))
      problems.push_back(label + ": " + e);
    const int lost = std::max(0, acknowledged - s->unique_count());
    summary << " " << label << " got " << s->unique_count() << ", lost " << lost;
    if (lost > 0) summary << (lost <= explained ? " (explained by the limit)" : " (UNEXPLAINED)");
    summary << ";";
    RecordProperty("backlog_" + label, "acknowledged=" + std::to_string(acknowledged) +
                                           " delivered=" + std::to_string(s->unique_count()) +
                                           " lost=" + std::to_string(lost) +
                                           " explained_up_to=" + std::to_string(explained) +
                                           " limit=" + limit.name);
    if (lost > explained) {
      problems.push_back(label + ": " + std::to_string(lost) + " of " +
                         std::to_string(acknowledged) +
                         " acknowledged messages never arrived, more than the queue limit " +
                         limit.name + " explains (at most " + std::to_string(explained) + ")");
    }
  }
  report(summary.str(), problems,
         broker_log_excerpt(broker->log_path(), plan.tag));
}

INSTANTIATE_TEST_SUITE_P(Brokers, BacklogInvariant, ::testing::ValuesIn(all_cases()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BacklogInvariant);

}  // namespace
}  // namespace mqtt::cert::invariants
