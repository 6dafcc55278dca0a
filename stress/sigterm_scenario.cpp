// sigterm_scenario.cpp: sigterm-under-load — a dozen clients (5.0 and 3.1.1, QoS 0 and 1)
// publish and subscribe on a broker of the target's kind, then the broker gets SIGTERM.
// It should end every connection, exit with status 0 within a few seconds, and not crash.
//
// What each client may see is wide. 5.0, 3.14: "The Client or Server MAY send a DISCONNECT
// packet before closing the Network Connection." 0x8B (Server shutting down) is the code
// that fits, but a plain close is allowed too, so both are recorded and neither is judged.
// 3.1.1 has no DISCONNECT from the Server: 3.14 "The DISCONNECT Packet is the final
// Control Packet sent from the Client to the Server."
#include <signal.h>

#include <atomic>
#include <map>
#include <thread>

#include "conformance/harness/broker_target.hpp"
#include "stress/fault_clients.hpp"
#include "stress/fault_scenarios.hpp"

namespace mqtt::cert::stress {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using codec::protocol_version;

// load_client is one client's thread and what it saw of the shutdown.
struct load_client {
  std::unique_ptr<raw_client> client;
  bool publisher = false;
  codec::qos level = codec::qos::at_most_once;
  std::string topic;
  std::thread thread;
  // Written by the thread, read after join.
  long published = 0, received = 0;
  std::optional<std::uint8_t> disconnect_reason;  // a DISCONNECT the broker sent
  bool closed = false;
  std::chrono::milliseconds closed_after{0};  // from SIGTERM
};

// react handles one packet; false once the connection ended.
bool react(load_client& l, const received& got, clock_type::time_point signalled) {
  if (const auto* p = got.as<codec::publish_packet>()) {
    ++l.received;
    if (p->qos_level == codec::qos::at_least_once) {
      codec::puback_packet back;
      back.packet_id = p->packet_id;
      l.client->send_packet(back);
    }
  }
  if (const auto* d = got.as<codec::disconnect_packet>())
    if (!l.disconnect_reason) l.disconnect_reason = static_cast<std::uint8_t>(d->reason);
  if (got.status == recv_status::closed || got.status == recv_status::malformed) {
    l.closed = true;
    if (signalled != clock_type::time_point{})
      l.closed_after = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - signalled);
    return false;
  }
  return true;
}

// drive publishes (publishers, a burst of 5 per turn) and reads until the connection
// ends or `give_up` passes after the signal.
void drive(load_client& l, const std::atomic<clock_type::rep>& signalled_at) {
  std::uint16_t id = 1;
  while (true) {
    const clock_type::time_point signalled{clock_type::duration(signalled_at.load())};
    if (signalled != clock_type::time_point{} && clock_type::now() - signalled > 10s) return;
    for (int i = 0; l.publisher && signalled == clock_type::time_point{} && i < 5; ++i) {
      codec::publish_packet p;
      p.topic = l.topic;
      p.qos_level = l.level;
      p.packet_id = l.level == codec::qos::at_least_once ? id++ : 0;
      if (id == 0) id = 1;
      p.payload = {'l', 'o', 'a', 'd'};
      if (l.client->send_packet(p)) ++l.published;
    }
    // Read what is there (PUBACKs, messages, a DISCONNECT), then publish again.
    received got;
    do {
      got = l.client->expect_packet(20ms);
      if (!react(l, got, signalled)) return;
    } while (got.status == recv_status::packet);
  }
}

// start_clients connects 4 subscribers and 8 publishers, half 5.0 and half 3.1.1.
bool start_clients(const context& own, std::vector<std::unique_ptr<load_client>>& out, std::string* why) {
  const std::string base = own.run_id + "/load";
  for (int i = 0; i < 12; ++i) {
    auto l = std::make_unique<load_client>();
    l->publisher = i >= 4;
    l->level = i % 2 == 0 ? codec::qos::at_least_once : codec::qos::at_most_once;
    l->topic = base + "/" + std::to_string(i);
    session_request r;
    r.version = (i / 2) % 2 == 0 ? protocol_version::v5_0 : protocol_version::v3_1_1;
    auto cl = connect_client(own, own.run_id + "-load" + std::to_string(i), r);
    if (!cl) {
      *why = "client " + std::to_string(i) + ": " + cl.failure;
      return false;
    }
    if (!l->publisher) {
      codec::subscribe_packet s;
      s.packet_id = 1;
      s.subscriptions = {{base + "/#", {l->level}}};
      cl.client->send_packet(s);
      if (!cl.client->expect_ack(5000ms).as<codec::suback_packet>()) {
        *why = "subscriber " + std::to_string(i) + " got no SUBACK";
        return false;
      }
    }
    l->client = std::move(cl.client);
    out.push_back(std::move(l));
  }
  return true;
}

// wait_exit polls the process until it ends or 10 s pass; the time it took, if it ended.
std::optional<std::chrono::milliseconds> wait_exit(broker_process& b, clock_type::time_point signalled) {
  while (clock_type::now() - signalled < 10s) {
    if (!b.running()) return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - signalled);
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

// judge_clients records what each version of client saw; only a DISCONNECT sent to a
// 3.1.1 client is judged (the protocol has none from the Server).
void judge_clients(const std::vector<std::unique_ptr<load_client>>& clients, scenario_report& rep) {
  std::map<std::string, int> seen;
  int v5 = 0, v5_8b = 0, v311_disconnect = 0, open = 0;
  long published = 0, received = 0;
  std::chrono::milliseconds last{0};
  for (const auto& l : clients) {
    const bool is5 = l->client->version() == protocol_version::v5_0;
    published += l->published;
    received += l->received;
    if (!l->closed) ++open;
    last = std::max(last, l->closed_after);
    if (is5) ++v5;
    if (is5 && l->disconnect_reason == 0x8B) ++v5_8b;
    if (!is5 && l->disconnect_reason) ++v311_disconnect;
  }
  rep.saw("before SIGTERM: " + std::to_string(published) + " messages published, " + std::to_string(received) +
          " delivered to the 4 subscribers");
  rep.saw(std::to_string(v5_8b) + " of " + std::to_string(v5) + " 5.0 clients got DISCONNECT 0x8B (Server shutting "
          "down) first; the others: " + std::to_string(v5 - v5_8b) + " (a plain close, which 3.14 also permits); " +
          std::to_string(clients.size() - open) + " of " + std::to_string(clients.size()) +
          " connections closed, the last " + ms_text(last) + " after SIGTERM");
  if (v311_disconnect)
    rep.degrade(std::to_string(v311_disconnect) + " 3.1.1 client(s) got a DISCONNECT, a packet 3.1.1 only lets the "
                "Client send");
}

// judge_exit: a crash on the way down fails; dying by SIGTERM's default action, a non-zero
// status or a slow exit is degraded (the broker did stop, but not cleanly or promptly).
void judge_exit(broker_process& b, std::optional<std::chrono::milliseconds> exited, scenario_report& rep) {
  if (!exited) {
    rep.degrade("the broker was still running 10 s after SIGTERM (it is killed now)");
    return;
  }
  const std::string how = b.exit_description();
  rep.saw("the broker ended " + ms_text(*exited) + " after SIGTERM: " + how);
  if (how.rfind("killed by signal " + std::to_string(SIGTERM) + " ", 0) == 0)
    rep.degrade("it died by SIGTERM's default action instead of shutting down cleanly");
  else if (how.rfind("killed", 0) == 0)
    rep.fail("it crashed on the way down: " + how);
  else if (how != "exited with status 0")
    rep.degrade("it exited with a non-zero status after SIGTERM: " + how);
  if (*exited > 5s) rep.degrade("it took " + ms_text(*exited) + " to exit after SIGTERM");
}

}  // namespace

scenario_report sigterm_under_load(context& c) {
  scenario_report rep;
  rep.on_own_broker = true;
  std::string error;
  auto broker = c.launch_own({}, &error);
  if (!broker) {
    rep.skip("cannot start a broker of its own to send SIGTERM to: " + error);
    return rep;
  }
  const context own = with_client_address(c, broker->address());
  std::vector<std::unique_ptr<load_client>> clients;
  if (!start_clients(own, clients, &error)) {
    rep.degrade("could not start the load: " + error);
    return rep;
  }
  std::atomic<clock_type::rep> signalled_at{0};
  for (auto& l : clients) l->thread = std::thread([&l, &signalled_at] { drive(*l, signalled_at); });
  c.progress("12 clients publishing and subscribing");
  std::this_thread::sleep_for(c.quick ? 1s : 3s);
  const auto signalled = clock_type::now();
  signalled_at = signalled.time_since_epoch().count();
  ::kill(broker->pid(), SIGTERM);
  const auto exited = wait_exit(*broker, signalled);
  for (auto& l : clients) l->thread.join();
  judge_clients(clients, rep);
  judge_exit(*broker, exited, rep);
  return rep;
}

}  // namespace mqtt::cert::stress
