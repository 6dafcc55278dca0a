// queue_run.cpp: offline sessions, one publisher, then the sessions back, on one epoll
// loop. The sessions are set up and brought back in passes: one connection per session,
// `concurrency` handshakes at a time.
#include "bench/mqtt_bench/queue_run.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <variant>
#include <vector>

#include "bench/mqtt_bench/bench_connection.hpp"
#include "bench/mqtt_bench/bench_payload.hpp"
#include "bench/mqtt_bench/client_loop.hpp"
#include "bench/mqtt_bench/sequence_tracker.hpp"
#include "bench/mqtt_bench/session_tally.hpp"

namespace mqtt::bench {
namespace {

using namespace mqtt::codec;

constexpr std::size_t max_pending_bytes = 256 * 1024;  // stop writing into a full socket
constexpr std::int64_t poll_ns = 10'000'000;

std::uint64_t to_ns(double s) { return static_cast<std::uint64_t>(s * 1e9); }

// pass_kind is what one connection per session is for.
enum class pass_kind {
  wipe,       // Clean Start 1, then DISCONNECT: no session left behind
  subscribe,  // Clean Start 0 (persistent), SUBSCRIBE, then DISCONNECT
  reconnect,  // Clean Start 0 again: Session Present, then the queued messages
};

struct session_client : bench_client {
  session_client(protocol_version v, unsigned i) : bench_client(v), index(i) {}
  unsigned index;
  bool settled = false;  // its handshake slot is free: the pass is done with it, or it failed
};

class queue_runner {
 public:
  explicit queue_runner(const queue_settings& s) : s_(s), addr_(resolve_loopback(s.host)) {
    if (s.payload_size < payload_stamp_bytes) {
      throw std::invalid_argument("--payload must be at least 20 bytes (index, sequence, time)");
    }
    if (s.qos_level == qos::at_most_once) {
      throw std::invalid_argument("-q must be 1 or 2: a broker need not queue QoS 0");
    }
    if (s.sessions == 0 || s.messages == 0 || s.concurrency == 0 || s.inflight == 0) {
      throw std::invalid_argument("--sessions, --messages, --concurrency and --inflight must be at least 1");
    }
    payload_.assign(s.payload_size, 0);
    const std::uint64_t window = std::clamp<std::uint64_t>(s.messages, 64, 1u << 18);
    trackers_.assign(s.sessions, sequence_tracker(window));
    result_.offered = std::uint64_t{s.sessions} * s.messages;
  }

  queue_result run(const queue_ready& on_ready) {
    run_pass(pass_kind::wipe);
    run_pass(pass_kind::subscribe);
    if (result_.subscribed < s_.sessions) {
      throw std::runtime_error("set up " + std::to_string(result_.subscribed) + " of " +
                               std::to_string(s_.sessions) + " sessions" + error_list());
    }
    publish_all();
    if (on_ready) on_ready(result_);
    wait_for(to_ns(s_.hold_s));
    if (!s_.reconnect) return std::move(result_);

    reconnect_start_ = last_activity_ = clock_ns();
    run_pass(pass_kind::reconnect);
    drain();
    for (auto& c : sessions_) loop_.close(*c);
    run_pass(pass_kind::wipe);
    tally();
    return std::move(result_);
  }

 private:
  // run_pass opens one connection per session for `kind`, at most `concurrency`
  // handshakes at a time, and returns once each session is settled (or the pass timed
  // out). The reconnect pass leaves its connections open; the others close them.
  void run_pass(pass_kind kind) {
    kind_ = kind;
    sessions_.clear();
    sessions_.reserve(s_.sessions);
    std::vector<session_client*> in_progress;
    unsigned settled = 0;
    const std::uint64_t deadline = clock_ns() + to_ns(s_.setup_timeout_s);
    while (settled < s_.sessions) {
      while (in_progress.size() < s_.concurrency && sessions_.size() < s_.sessions) {
        auto c = std::make_unique<session_client>(s_.version, static_cast<unsigned>(sessions_.size()));
        loop_.open(*c, addr_, s_.port, connect_for(kind, c->index));
        in_progress.push_back(c.get());
        sessions_.push_back(std::move(c));
      }
      if (clock_ns() >= deadline) {
        result_.errors["setup_timeout"] += s_.sessions - settled;
        for (auto* c : in_progress) loop_.close(*c);
        return;
      }
      loop_.poll(poll_ns, [this](bench_client& c, const packet& p) {
        on_session_packet(static_cast<session_client&>(c), p);
      });
      // A session leaves the handshake window once settled, or when the loop failed it.
      std::erase_if(in_progress, [&settled](session_client* c) {
        if (!c->settled && !c->closed) return false;
        c->settled = true;
        ++settled;
        return true;
      });
    }
  }

  connect_packet connect_for(pass_kind kind, unsigned index) const {
    connect_packet cp;
    cp.version = s_.version;
    cp.keep_alive = 60;
    cp.client_id = s_.client_prefix + "-q" + std::to_string(index);
    cp.clean_start = kind == pass_kind::wipe;
    if (kind != pass_kind::wipe && s_.version == protocol_version::v5_0) {
      cp.props.session_expiry_interval = s_.session_expiry_s;
    }
    return cp;
  }

  void on_session_packet(session_client& c, const packet& p) {
    const flow_step step = answer_flow(p, c.flow, c.conn);
    if (const char* e = flow_error(step)) ++result_.errors[e];  // refusals of nothing we sent
    if (step == flow_step::publish) on_delivery(c, std::get<publish_packet>(p));
    if (step != flow_step::not_flow) return;
    if (const auto* ca = std::get_if<connack_packet>(&p)) {
      on_connack(c, *ca);
    } else if (const auto* sa = std::get_if<suback_packet>(&p)) {
      if (sa->reasons.empty() || sa->reasons[0] >= 0x80) {
        loop_.fail(c, "suback_refused");
        return;
      }
      ++result_.subscribed;
      loop_.close(c);
      c.settled = true;
    } else if (!std::holds_alternative<pingresp_packet>(p)) {
      ++result_.errors["unexpected_packet"];
    }
  }

  void on_connack(session_client& c, const connack_packet& ca) {
    if (ca.reason != 0) {
      loop_.fail(c, "connack_refused");
      return;
    }
    switch (kind_) {
      case pass_kind::wipe:
        loop_.close(c);
        c.settled = true;
        return;
      case pass_kind::subscribe: {
        // Right after a wipe there must be no session to resume.
        if (ca.session_present) ++result_.errors["stale_session"];
        subscribe_packet sp;
        sp.packet_id = 1;
        sp.subscriptions.push_back({s_.topic, subscribe_options{s_.qos_level}});
        c.conn.queue(sp);
        return;
      }
      case pass_kind::reconnect:
        if (ca.session_present) {
          ++result_.sessions_present;
        } else {
          ++result_.errors["session_not_present"];
        }
        c.settled = true;
        last_activity_ = clock_ns();
        return;
    }
  }

  void on_delivery(session_client& c, const publish_packet& pub) {
    const std::optional<payload_stamp> stamp = read_stamp(pub.payload);
    if (kind_ != pass_kind::reconnect || !stamp || stamp->publisher != 0 ||
        stamp->seq >= s_.messages) {
      ++result_.errors[kind_ == pass_kind::reconnect ? "bad_payload" : "unexpected_packet"];
      return;
    }
    sequence_tracker& t = trackers_[c.index];
    const std::uint64_t before = t.unique();
    t.observe(stamp->seq);
    unique_total_ += t.unique() - before;
    last_activity_ = last_delivery_ = clock_ns();
  }

  // publish_all publishes every message once from one clean session and waits for each
  // acknowledgement, at most `inflight` (or the broker's Receive Maximum) at a time.
  void publish_all() {
    bench_client p(s_.version);
    connect_packet cp;
    cp.version = s_.version;
    cp.keep_alive = 60;
    cp.client_id = s_.client_prefix + "-qpub";
    unsigned cap = 0;  // set by the CONNACK
    loop_.open(p, addr_, s_.port, cp);
    auto on_packet = [&](bench_client&, const packet& pk) {
      const flow_step step = answer_flow(pk, p.flow, p.conn);
      if (const char* e = flow_error(step)) ++result_.errors[e];
      if (step == flow_step::publish) ++result_.errors["unexpected_packet"];
      if (step != flow_step::not_flow) {
        last_progress_ = clock_ns();
        return;
      }
      if (const auto* ca = std::get_if<connack_packet>(&pk)) {
        if (ca->reason != 0) {
          loop_.fail(p, "connack_refused");
          return;
        }
        cap = std::min<unsigned>(s_.inflight, ca->props.receive_maximum.value_or(65535));
      } else if (!std::holds_alternative<pingresp_packet>(pk)) {
        ++result_.errors["unexpected_packet"];
      }
    };
    const std::uint64_t deadline = clock_ns() + to_ns(s_.setup_timeout_s);
    while (cap == 0 && !p.closed) {
      if (clock_ns() >= deadline) {
        ++result_.errors["setup_timeout"];
        loop_.close(p);
        throw std::runtime_error("timed out connecting the publisher");
      }
      loop_.poll(poll_ns, on_packet);
    }
    if (p.closed) throw std::runtime_error("could not connect the publisher" + error_list());

    std::uint64_t next_seq = 0;
    const std::uint64_t start = clock_ns();
    last_progress_ = start;
    while (!p.closed && (next_seq < s_.messages || p.flow.inflight > 0)) {
      const std::uint64_t now = clock_ns();
      if (now - last_progress_ > to_ns(s_.setup_timeout_s)) {
        ++result_.errors["publish_timeout"];
        break;
      }
      while (next_seq < s_.messages && p.flow.inflight < cap && p.conn.pending() < max_pending_bytes) {
        write_stamp(payload_, {0, next_seq++, now});
        publish_view v;
        v.qos_level = s_.qos_level;
        v.topic = s_.topic;
        v.packet_id = p.flow.take_packet_id();
        v.payload = payload_;
        encode_publish(v, s_.version, p.conn.out());
      }
      loop_.send(p);
      loop_.poll(poll_ns, on_packet);
    }
    const std::uint64_t end = last_progress_;
    loop_.close(p);
    result_.published = next_seq;
    result_.acked = p.flow.acked;
    result_.publish_s = static_cast<double>(end - start) / 1e9;
    result_.publish_rate = result_.publish_s > 0 ? static_cast<double>(next_seq) / result_.publish_s : 0;
  }

  // drain keeps the reconnected sessions reading until every message arrived everywhere,
  // or nothing came for quiet_s, or drain_s has passed since the reconnect began.
  void drain() {
    const std::uint64_t deadline = reconnect_start_ + to_ns(s_.drain_s);
    for (;;) {
      const std::uint64_t now = clock_ns();
      if (unique_total_ >= result_.offered && !awaiting_pubrel()) break;
      if (now - last_activity_ >= to_ns(s_.quiet_s)) break;
      if (now >= deadline) {
        ++result_.errors["drain_timeout"];
        break;
      }
      loop_.poll(poll_ns, [this](bench_client& c, const packet& p) {
        on_session_packet(static_cast<session_client&>(c), p);
      });
    }
  }

  bool awaiting_pubrel() const {
    return std::any_of(sessions_.begin(), sessions_.end(), [](const auto& c) {
      return !c->closed && c->flow.awaiting_pubrel > 0;
    });
  }

  void wait_for(std::uint64_t ns) {
    const std::uint64_t end = clock_ns() + ns;
    for (std::uint64_t now = clock_ns(); now < end; now = clock_ns()) {
      loop_.poll(static_cast<std::int64_t>(std::min<std::uint64_t>(end - now, 100'000'000)),
                 [](bench_client&, const packet&) {});
    }
  }

  void tally() {
    const session_tally t = tally_sessions(trackers_);
    result_.reconnected = true;
    result_.received = t.received;
    result_.delivered = t.delivered;
    result_.duplicates = t.duplicates;
    result_.out_of_order = t.out_of_order;
    result_.per_session_min = t.per_session_min;
    result_.per_session_max = t.per_session_max;
    const std::uint64_t last = std::max(last_delivery_, reconnect_start_);
    result_.drain_s = static_cast<double>(last - reconnect_start_) / 1e9;
    result_.drain_rate = result_.drain_s > 0 ? static_cast<double>(t.delivered) / result_.drain_s : 0;
  }

  std::string error_list() const {
    std::string s;
    for (const auto& [k, v] : result_.errors) s += (s.empty() ? " (" : ", ") + k + "=" + std::to_string(v);
    return s.empty() ? s : s + ")";
  }

  const queue_settings& s_;
  std::uint32_t addr_;
  queue_result result_;             // before loop_, which counts into result_.errors
  client_loop loop_{result_.errors};
  byte_buffer payload_;
  std::vector<sequence_tracker> trackers_;  // one per session, across passes
  std::vector<std::unique_ptr<session_client>> sessions_;  // this pass's connections
  pass_kind kind_ = pass_kind::wipe;
  std::uint64_t unique_total_ = 0;
  std::uint64_t reconnect_start_ = 0;
  std::uint64_t last_activity_ = 0;   // last CONNACK or delivery of the reconnect pass
  std::uint64_t last_delivery_ = 0;
  std::uint64_t last_progress_ = 0;   // publisher: last acknowledgement
};

}  // namespace

queue_result run_queue(const queue_settings& s, const queue_ready& on_ready) {
  return queue_runner(s).run(on_ready);
}

}  // namespace mqtt::bench
