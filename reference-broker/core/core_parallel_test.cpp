// core_parallel_test.cpp: the core driven from many threads at once, as the nng front end
// drives it: publishers, acknowledging subscribers, SUBSCRIBE churn and ticks in parallel.
// Checks that no message is lost or duplicated, that each publisher's messages arrive in
// order on every subscriber [MQTT-4.6.0-6], and that each connection's action seqs are
// 0, 1, 2, ... with no gap or repeat. Run it under ThreadSanitizer to check the locking
// (see docs/architecture.md).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "codec/packet_codec.hpp"
#include "reference-broker/core/broker_core.hpp"

namespace mqtt::broker {
namespace {

using codec::protocol_version;
using codec::qos;

// wire is one connection's outbound stream: actions arrive from any thread and leave in
// seq order, as net::connection puts them back in order.
struct wire {
  std::mutex mu;
  std::map<std::uint64_t, action> early;
  std::uint64_t next = 0;
  std::vector<action> ready;
  bool seq_repeated = false;
};

class parallel_fixture {
 public:
  explicit parallel_fixture(broker_config cfg, std::size_t connections)
      : core(cfg), wires(connections + 1) {}

  broker_core core;
  std::vector<wire> wires;  // by connection id
  const millis now{1'000'000};

  void carry_out(action_list& out) {
    for (action& a : out) {
      if (a.what == action::kind::log) continue;
      wire& w = wires.at(a.conn);
      std::lock_guard lock(w.mu);
      if (a.seq < w.next || w.early.count(a.seq)) {
        w.seq_repeated = true;
        continue;
      }
      w.early.emplace(a.seq, std::move(a));
      for (auto it = w.early.begin(); it != w.early.end() && it->first == w.next;
           it = w.early.erase(it), ++w.next) {
        w.ready.push_back(std::move(it->second));
      }
    }
    out.clear();
  }

  // take_ready returns the packets that reached `conn` in order so far.
  std::vector<codec::packet> take_ready(connection_id conn) {
    std::vector<action> got;
    {
      std::lock_guard lock(wires.at(conn).mu);
      got.swap(wires.at(conn).ready);
    }
    std::vector<codec::packet> packets;
    for (const action& a : got) {
      if (a.what != action::kind::send) continue;
      auto r = codec::decode_packet(wire_bytes(a), protocol_version::v5_0);
      EXPECT_EQ(r.status, codec::decode_status::ok) << r.why;
      if (r.value) packets.push_back(std::move(*r.value));
    }
    return packets;
  }

  void connect(connection_id id, const std::string& client_id) {
    action_list out;
    core.open(id, "test", now, out);
    codec::connect_packet c;
    c.version = protocol_version::v5_0;
    c.client_id = client_id;
    c.clean_start = true;
    core.receive_connect(id, std::move(c), auth_verdict::allow(), now, out);
    carry_out(out);
    auto got = take_ready(id);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<codec::connack_packet>(got[0]));
  }

  void receive(connection_id id, codec::packet p) {
    action_list out;
    core.receive(id, std::move(p), acl_verdicts::allow_all(), now, out);
    carry_out(out);
  }
};

codec::subscribe_packet subscribe_to(std::string filter, qos q, std::uint16_t id) {
  codec::subscribe_packet s;
  s.packet_id = id;
  s.subscriptions.push_back({std::move(filter), {q}});
  return s;
}

TEST(core_parallel, publishers_and_subscribers_on_many_threads_lose_and_reorder_nothing) {
  constexpr std::size_t publishers = 4;
  constexpr std::size_t subscribers = 3;
  constexpr std::size_t per_publisher = 1500;
  constexpr connection_id churn_conn = publishers + subscribers + 1;
  broker_config cfg;
  cfg.max_queued_messages = publishers * per_publisher;  // nothing may be dropped
  cfg.max_inflight_messages = 16;                        // so queues and pump() are used
  cfg.sys_interval_ms = 0;
  parallel_fixture f(cfg, churn_conn);

  // Connections 1..subscribers subscribe at QoS 1; the rest publish.
  for (connection_id s = 1; s <= subscribers; ++s) {
    f.connect(s, "sub" + std::to_string(s));
    f.receive(s, subscribe_to("load/#", qos::at_least_once, 1));
    ASSERT_EQ(f.take_ready(s).size(), 1u);  // SUBACK
  }
  for (std::size_t p = 0; p < publishers; ++p) {
    f.connect(subscribers + 1 + p, "pub" + std::to_string(p));
  }
  f.connect(churn_conn, "churn");

  std::atomic<bool> publishing_done{false};
  std::atomic<std::size_t> failures{0};
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < publishers; ++p) {
    threads.emplace_back([&, p] {
      const connection_id me = subscribers + 1 + p;
      for (std::size_t m = 0; m < per_publisher; ++m) {
        codec::publish_packet pub;
        pub.topic = "load/" + std::to_string(p);
        const std::string payload = std::to_string(p) + ":" + std::to_string(m);
        pub.payload.assign(payload.begin(), payload.end());
        pub.qos_level = qos::at_least_once;
        pub.packet_id = static_cast<std::uint16_t>(m % 65535 + 1);
        f.receive(me, std::move(pub));
        // The PUBACK comes back in the same call: nothing else writes to a publisher.
        auto acks = f.take_ready(me);
        if (acks.size() != 1 || !std::holds_alternative<codec::puback_packet>(acks[0])) {
          ++failures;
        }
      }
    });
  }
  std::vector<std::vector<std::size_t>> received(subscribers + 1,
                                                 std::vector<std::size_t>(publishers, 0));
  for (connection_id s = 1; s <= subscribers; ++s) {
    threads.emplace_back([&, s] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      std::size_t total = 0;
      while (total < publishers * per_publisher &&
             std::chrono::steady_clock::now() < deadline) {
        auto got = f.take_ready(s);
        if (got.empty()) std::this_thread::yield();
        for (auto& packet : got) {
          auto* pub = std::get_if<codec::publish_packet>(&packet);
          if (!pub) {
            ++failures;
            continue;
          }
          const std::string text(pub->payload.begin(), pub->payload.end());
          const std::size_t from = std::stoul(text.substr(0, text.find(':')));
          const std::size_t seq = std::stoul(text.substr(text.find(':') + 1));
          // Each publisher's messages in order, none missing, none twice.
          if (from >= publishers || seq != received[s][from]) ++failures;
          if (from < publishers) received[s][from] = seq + 1;
          ++total;
          f.receive(s, codec::puback_packet{pub->packet_id, codec::reason_code::success, {}});
        }
      }
    });
  }
  // The exclusive side at the same time: SUBSCRIBE/UNSUBSCRIBE and ticks.
  threads.emplace_back([&] {
    for (std::uint16_t i = 1; !publishing_done.load(); i = static_cast<std::uint16_t>(i % 60000 + 1)) {
      f.receive(churn_conn, subscribe_to("other/" + std::to_string(i % 7), qos::at_least_once, i));
      f.receive(churn_conn, codec::unsubscribe_packet{i, {}, {"other/" + std::to_string(i % 7)}});
      action_list out;
      f.core.tick(f.now, out);
      f.carry_out(out);
      f.take_ready(churn_conn);
    }
  });

  for (std::size_t i = 0; i < publishers + subscribers; ++i) threads[i].join();
  publishing_done = true;
  threads.back().join();

  EXPECT_EQ(failures.load(), 0u);
  for (connection_id s = 1; s <= subscribers; ++s) {
    for (std::size_t p = 0; p < publishers; ++p) {
      EXPECT_EQ(received[s][p], per_publisher) << "subscriber " << s << " publisher " << p;
    }
  }
  for (connection_id c = 1; c <= churn_conn; ++c) {
    std::lock_guard lock(f.wires[c].mu);
    EXPECT_FALSE(f.wires[c].seq_repeated) << "connection " << c;
    EXPECT_TRUE(f.wires[c].early.empty()) << "connection " << c << " has a gap in its seqs";
  }
  const broker_stats st = f.core.stats();
  EXPECT_EQ(st.messages_received, publishers * per_publisher);
  EXPECT_EQ(st.messages_sent, publishers * per_publisher * subscribers);
  EXPECT_EQ(st.messages_dropped, 0u);
}

}  // namespace
}  // namespace mqtt::broker
