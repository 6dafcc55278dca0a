#include "interop/invariants/message_flow.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include <unistd.h>

namespace mqtt::cert::invariants {

using codec::qos;
using steady = std::chrono::steady_clock;

namespace {

// QoS 1/2 messages a publisher keeps in flight (also capped by the CONNACK's Receive Maximum).
constexpr std::uint16_t publish_window = 8;
// How long a subscriber waits for the rest after the publishers are done.
constexpr auto qos0_idle_limit = 500ms;
constexpr auto qos12_idle_limit = 3000ms;
constexpr auto late_duplicate_window = 150ms;  // kept reading after the last expected one
constexpr auto backlog_stall_limit = 2000ms;

std::string make_payload(const std::string& tag, int publisher, int topic, int seq) {
  return tag + " " + std::to_string(publisher) + " " + std::to_string(topic) + " " +
         std::to_string(seq);
}

// parse_payload reads "<tag> <publisher> <topic> <seq>"; false for anything else.
bool parse_payload(const codec::byte_buffer& payload, const flow_plan& plan, delivery& d) {
  std::istringstream in(std::string(payload.begin(), payload.end()));
  std::string t;
  if (!(in >> t >> d.publisher >> d.topic >> d.seq) || t != plan.tag) return false;
  return d.publisher >= 0 && d.publisher < plan.publishers && d.topic >= 0 &&
         d.topic < static_cast<int>(plan.topics.size()) && d.seq >= 0;
}

}  // namespace

void done_flag::set() {
  {
    std::lock_guard lock(mutex_);
    set_ = true;
  }
  cv_.notify_all();
}

bool done_flag::is_set() const {
  std::lock_guard lock(mutex_);
  return set_;
}

bool done_flag::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, d, [this] { return set_; });
}

void backlog_gate::progress(std::size_t sub, int received) {
  {
    std::lock_guard lock(mutex_);
    received_[sub] = received;
  }
  cv_.notify_all();
}

void backlog_gate::release(std::size_t sub) { progress(sub, std::numeric_limits<int>::max()); }

int backlog_gate::slowest() const { return *std::min_element(received_.begin(), received_.end()); }

void backlog_gate::before_publish() {
  std::unique_lock lock(mutex_);
  while (!open_ && limit_ != unpaced && published_ - slowest() >= limit_) {
    const int before = slowest();
    if (!cv_.wait_for(lock, backlog_stall_limit, [&] { return slowest() != before; })) open_ = true;
  }
  ++published_;
  if (slowest() != std::numeric_limits<int>::max())
    widest_ = std::max(widest_, published_ - slowest());
}

int backlog_gate::widest() {
  std::lock_guard lock(mutex_);
  return widest_;
}

void flow_plan::use_credentials_from_environment() {
  if (const char* u = std::getenv("MQTTCERT_INVARIANT_USERNAME"); u && *u) username = u;
  if (const char* p = std::getenv("MQTTCERT_INVARIANT_PASSWORD"); p && *p) password = p;
}

int messages_on(const flow_plan& plan, std::size_t topic) {
  const int n = static_cast<int>(plan.topics.size());
  return plan.per_publisher / n + (static_cast<int>(topic) < plan.per_publisher % n ? 1 : 0);
}

// ---------------------------------------------------------------------------------------

void run_publisher(const flow_plan& plan, int index, backlog_gate& gate, done_flag* pause_gate,
                   int pause_at, publisher_result& out) {
  const std::string who = "publisher " + std::to_string(index);
  raw_client c("pub" + std::to_string(index), plan.version);
  if (!c.connect(plan.address)) {
    out.errors.push_back(who + ": cannot connect: " + c.connect_error());
    return;
  }
  connect_options o;
  o.client_id = plan.tag + "-pub" + std::to_string(index);
  o.username = plan.username;
  if (plan.password) o.password = payload_bytes(*plan.password);
  codec::connack_packet connack;
  if (auto r = connect_session(c, o, &connack); !r) {
    out.errors.push_back(who + ": " + r.message());
    return;
  }
  const qos q = plan.qos_level;
  const std::uint16_t window =
      std::min<std::uint16_t>(publish_window, connack.props.receive_maximum.value_or(65535));
  std::map<std::uint16_t, int> inflight;  // packet id -> message index, until PUBACK / PUBCOMP
  std::uint16_t next_id = 0;

  // read_one handles one acknowledgement; false (and an error) when none comes.
  auto read_one = [&]() -> bool {
    received r = c.expect_ack(5 * expect_timeout);
    if (!r.is_packet()) {
      out.errors.push_back(who + ": waiting for an acknowledgement (" +
                           std::to_string(inflight.size()) + " in flight): " + r.describe());
      return false;
    }
    if (const auto* a = r.as<codec::puback_packet>(); a && q == qos::at_least_once) {
      if (codec::is_error(a->reason)) {
        out.errors.push_back(who + ": PUBACK refused message " +
                             std::to_string(inflight[a->packet_id]) + ": " + r.describe());
      } else {
        ++out.acknowledged;
      }
      inflight.erase(a->packet_id);
      return true;
    }
    if (const auto* a = r.as<codec::pubrec_packet>(); a && q == qos::exactly_once) {
      if (codec::is_error(a->reason)) {
        out.errors.push_back(who + ": PUBREC refused message " +
                             std::to_string(inflight[a->packet_id]) + ": " + r.describe());
        inflight.erase(a->packet_id);
        return true;
      }
      c.send_packet(codec::pubrel_packet{a->packet_id, codec::reason_code::success, {}});
      return true;
    }
    if (const auto* a = r.as<codec::pubcomp_packet>(); a && q == qos::exactly_once) {
      ++out.acknowledged;
      inflight.erase(a->packet_id);
      return true;
    }
    out.errors.push_back(who + ": unexpected packet: " + r.describe());
    return false;
  };

  const int topics = static_cast<int>(plan.topics.size());
  for (int i = 0; i < plan.per_publisher; ++i) {
    if (pause_gate && i == pause_at && !pause_gate->wait_for(run_deadline / 2)) {
      out.errors.push_back(who + ": the subscriber never went offline; message " +
                           std::to_string(i) + " onwards were sent with it online");
    }
    while (q != qos::at_most_once && inflight.size() >= window) {
      if (!read_one()) return;
    }
    gate.before_publish();
    codec::publish_packet p;
    p.qos_level = q;
    p.topic = plan.topics[i % topics];
    p.payload = payload_bytes(make_payload(plan.tag, index, i % topics, i / topics));
    if (q != qos::at_most_once) {
      do {
        next_id = static_cast<std::uint16_t>(next_id % 65535 + 1);
      } while (inflight.count(next_id));
      p.packet_id = next_id;
      inflight[next_id] = i;
    }
    if (!c.send_packet(p)) {
      out.errors.push_back(who + ": broker closed the connection before message " +
                           std::to_string(i) + " was sent");
      return;
    }
    ++out.sent;
  }
  while (!inflight.empty()) {
    if (!read_one()) return;
  }
  disconnect(c);
}

// ---------------------------------------------------------------------------------------

subscriber::subscriber(subscriber_plan plan, const flow_plan& flow, int expected_unique,
                       backlog_gate& gate, std::size_t gate_index)
    : plan_(std::move(plan)), flow_(flow), expected_unique_(expected_unique), gate_(gate),
      gate_index_(gate_index), client_(std::make_unique<raw_client>(plan_.label, flow.version)) {}

connect_options subscriber::connect_opts(bool clean) const {
  connect_options o;
  o.client_id = flow_.tag + "-" + plan_.label;
  o.clean_start = clean;
  o.username = flow_.username;
  if (flow_.password) o.password = payload_bytes(*flow_.password);
  const bool v5 = codec::is_v5(flow_.version);
  if (plan_.persistent && v5) o.props.session_expiry_interval = 300;
  if (plan_.persistent && !v5) o.clean_start = false;
  if (plan_.receive_maximum > 0 && v5) o.props.receive_maximum = plan_.receive_maximum;
  return o;
}

::testing::AssertionResult subscriber::open() {
  if (!client_->connect(flow_.address)) {
    return ::testing::AssertionFailure()
           << plan_.label << ": cannot connect: " << client_->connect_error();
  }
  if (auto r = connect_session(*client_, connect_opts(true)); !r) return r;
  codec::subscribe_options so;
  so.max_qos = qos::exactly_once;
  if (auto r = subscribe(*client_, plan_.filter, so); !r) return r;
  if (plan_.offline_while_publishing) {
    disconnect(*client_);  // a normal DISCONNECT: the session stays, queueing for it
    dropped_ = true;
  }
  if (plan_.offline_while_publishing || plan_.read_after_publishers) gate_.release(gate_index_);
  return ::testing::AssertionSuccess();
}

void subscriber::run(done_flag& publishers_done, done_flag& offline) {
  if (plan_.offline_while_publishing || plan_.read_after_publishers) {
    if (!publishers_done.wait_for(run_deadline)) {
      errors.push_back(plan_.label + ": the publishers did not finish");
      return;
    }
    if (plan_.offline_while_publishing && !reconnect("resuming after the publishers finished"))
      return;
  }
  read(publishers_done, offline);
  gate_.release(gate_index_);
}

void subscriber::read(done_flag& publishers_done, done_flag& offline) {
  const auto deadline = steady::now() + run_deadline;
  auto last_activity = steady::now();
  while (steady::now() < deadline) {
    if (plan_.drop_after >= 0 && !dropped_ && unique_count() >= plan_.drop_after) {
      if (!drop_and_resume(publishers_done, offline)) return;
      last_activity = steady::now();
      continue;
    }
    received r = client_->expect_packet(50ms);
    if (r.is_packet()) {
      last_activity = steady::now();
      if (!handle(r)) return;
      continue;
    }
    if (r.status != recv_status::timeout) {
      errors.push_back(plan_.label + ": " + r.describe() + " after " +
                       std::to_string(deliveries.size()) + " deliveries");
      return;
    }
    if (!publishers_done.is_set()) continue;
    const auto idle = steady::now() - last_activity;
    const bool complete =
        flow_.qos_level != qos::at_most_once && unique_count() >= expected_unique_;
    if (complete ? idle >= late_duplicate_window
                 : idle >= (flow_.qos_level == qos::at_most_once ? qos0_idle_limit
                                                                 : qos12_idle_limit)) {
      disconnect(*client_);
      return;
    }
  }
  errors.push_back(plan_.label + ": still receiving after " +
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(run_deadline).count()) +
                   " s");
}

// reconnect resumes the persistent session on a new connection.
bool subscriber::reconnect(const std::string& why) {
  ++connection_;
  client_ = std::make_unique<raw_client>(plan_.label + "-resumed", flow_.version);
  if (!client_->connect(flow_.address)) {
    errors.push_back(plan_.label + ": cannot reconnect: " + client_->connect_error());
    return false;
  }
  codec::connack_packet ack;
  if (auto r = connect_session(*client_, connect_opts(false), &ack); !r) {
    errors.push_back(plan_.label + ": " + why + ": " + r.message());
    return false;
  }
  if (!ack.session_present) {
    errors.push_back(plan_.label +
                     ": CONNACK Session Present is 0 on resuming a persistent session "
                     "[MQTT-3.2.2-2]; queued messages are gone");
  }
  resumed_ = true;
  return true;
}

// drop_and_resume closes without DISCONNECT (unread packets stay unacknowledged), waits
// for the publishers to finish while offline, then resumes the session.
bool subscriber::drop_and_resume(done_flag& publishers_done, done_flag& offline) {
  dropped_ = true;
  client_->close();
  gate_.release(gate_index_);  // queued while offline: the publishers must not wait on it
  offline.set();
  if (!publishers_done.wait_for(run_deadline)) {
    errors.push_back(plan_.label + ": publishers did not finish while it was offline");
    return false;
  }
  return reconnect("resuming the session");
}

// handle acknowledges one packet and records a delivery; false ends the run.
bool subscriber::handle(const received& r) {
  if (const auto* rel = r.as<codec::pubrel_packet>()) {
    awaiting_pubrel_.erase(rel->packet_id);
    client_->send_packet(codec::pubcomp_packet{rel->packet_id, codec::reason_code::success, {}});
    return true;
  }
  const auto* p = r.as<codec::publish_packet>();
  if (p == nullptr) {
    errors.push_back(plan_.label + ": unexpected packet: " + r.describe());
    return false;
  }
  bool deliver = true;
  switch (p->qos_level) {
    case qos::at_most_once:
      break;
    case qos::at_least_once:
      client_->send_packet(codec::puback_packet{p->packet_id, codec::reason_code::success, {}});
      break;
    case qos::exactly_once:
      // [MQTT-4.3.3-10] (3.1.1: MQTT-4.3.3-2) a repeat before PUBREL is acknowledged
      // again and not delivered again.
      if (awaiting_pubrel_.count(p->packet_id)) {
        deliver = false;
        if (!p->dup) {
          errors.push_back(plan_.label + ": QoS 2 PUBLISH reuses packet id " +
                           std::to_string(p->packet_id) + " still awaiting PUBREL, with DUP=0: " +
                           r.describe());
        }
      }
      awaiting_pubrel_.insert(p->packet_id);
      client_->send_packet(codec::pubrec_packet{p->packet_id, codec::reason_code::success, {}});
      break;
  }
  if (!deliver) return true;
  delivery d;
  if (!parse_payload(p->payload, flow_, d)) {
    errors.push_back(plan_.label + ": PUBLISH with a payload no publisher sent: " + r.describe());
    return true;
  }
  d.q = p->qos_level;
  d.dup = p->dup;
  d.packet_id = p->packet_id;
  d.connection = connection_;
  if (seen_.insert({d.publisher, d.topic, d.seq}).second && !dropped_) {
    gate_.progress(gate_index_, unique_count());
  }
  deliveries.push_back(d);
  return true;
}

// ---------------------------------------------------------------------------------------

std::vector<std::string> check_deliveries(const std::vector<delivery>& ds, const flow_plan& plan,
                                          const std::vector<int>& topics, bool expect_all) {
  std::vector<std::string> out;
  const qos published = plan.qos_level;
  struct track {
    int next_expected = 0;  // QoS 1/2: the next seq not yet seen
    int last_new = -1;      // QoS 0: the highest seq seen so far
    std::set<int> seen;
  };
  std::map<std::pair<int, int>, track> t;  // (publisher, topic)
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const delivery& d = ds[i];
    auto& pt = t[{d.publisher, d.topic}];
    const std::string at =
        "publisher " + std::to_string(d.publisher) + " topic " + std::to_string(d.topic) + ": ";
    const std::string where = " (delivery #" + std::to_string(i + 1) + ", QoS " +
                              std::to_string(int(d.q)) + ", DUP " + std::to_string(int(d.dup)) +
                              ", packet id " + std::to_string(d.packet_id) + ", connection " +
                              std::to_string(d.connection) + ")";
    if (std::find(topics.begin(), topics.end(), d.topic) == topics.end()) {
      out.push_back(at + "seq " + std::to_string(d.seq) +
                    " delivered to a subscription that does not match its topic" + where);
    }
    if (d.q != published) {
      out.push_back(at + "seq " + std::to_string(d.seq) + " delivered at QoS " +
                    std::to_string(int(d.q)) + ", published and subscribed at QoS " +
                    std::to_string(int(published)) + where);
    }
    if (pt.seen.count(d.seq)) {
      if (published == qos::exactly_once) {
        out.push_back(at + "seq " + std::to_string(d.seq) +
                      " delivered twice at QoS 2 (exactly once) [MQTT-4.3.3]" + where);
      } else if (published == qos::at_most_once) {
        out.push_back(at + "seq " + std::to_string(d.seq) +
                      " delivered twice at QoS 0 (at most once)" + where);
      } else if (!d.dup) {
        out.push_back(at + "seq " + std::to_string(d.seq) +
                      " delivered again with DUP=0; a QoS 1 duplicate must have DUP=1 "
                      "[MQTT-3.3.1-1]" + where);
      }
      continue;  // an allowed QoS 1 redelivery may come out of order (4.6)
    }
    pt.seen.insert(d.seq);
    if (published == qos::at_most_once || !expect_all) {
      // Messages may be missing (QoS 0, or a loss judged elsewhere): what arrived must
      // still come in order.
      if (d.seq <= pt.last_new) {
        out.push_back(at + "expected a seq above " + std::to_string(pt.last_new) + ", saw seq " +
                      std::to_string(d.seq) + ": order not kept [MQTT-4.6.0-5/6]" + where);
      }
      pt.last_new = std::max(pt.last_new, d.seq);
      continue;
    }
    if (d.seq != pt.next_expected) {
      out.push_back(at + "expected seq " + std::to_string(pt.next_expected) + ", saw seq " +
                    std::to_string(d.seq) +
                    (d.seq > pt.next_expected ? ": earlier seq missing or reordered"
                                              : ": order not kept") +
                    " [MQTT-4.6.0-5/6]" + where);
    }
    // Resynchronise on what arrived so one gap is reported once.
    pt.next_expected = std::max(pt.next_expected, d.seq + 1);
  }
  if (published == qos::at_most_once || !expect_all) return out;
  for (int p = 0; p < plan.publishers; ++p) {
    for (int topic : topics) {
      const int want = messages_on(plan, static_cast<std::size_t>(topic));
      const auto& seen = t[{p, topic}].seen;
      const int got = static_cast<int>(seen.size());
      if (got == want) continue;
      int first_missing = 0;
      while (seen.count(first_missing)) ++first_missing;
      out.push_back("publisher " + std::to_string(p) + " topic " + std::to_string(topic) + ": " +
                    std::to_string(want - got) + " of " + std::to_string(want) +
                    " messages never arrived (first missing: seq " +
                    std::to_string(first_missing) + ") at QoS " +
                    std::to_string(int(published)) + ": loss");
    }
  }
  return out;
}

std::string broker_log_excerpt(const std::string& log_path, const std::string& tag) {
  if (log_path.empty()) return {};
  const std::string any_tag = "inv" + std::to_string(::getpid()) + "x";
  std::ifstream in(log_path);
  std::string line, out;
  int kept = 0;
  while (std::getline(in, line)) {
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower.find("drop") == std::string::npos && lower.find("error") == std::string::npos &&
        lower.find("warn") == std::string::npos && lower.find("slow") == std::string::npos &&
        lower.find("lost") == std::string::npos)
      continue;
    // Lines naming another scenario's clients (same process, same broker) are left out.
    if (line.find(any_tag) != std::string::npos && line.find(tag + "-") == std::string::npos)
      continue;
    if (++kept <= 10) out += "\n    " + line;
  }
  if (kept == 0) return {};
  return "\n  broker log (" + log_path + "), " + std::to_string(kept) +
         " lines about drops, warnings or errors:" + out;
}

}  // namespace mqtt::cert::invariants
