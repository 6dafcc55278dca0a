// pub_sub_run.cpp: publishers and subscribers of the pub-sub mode on one epoll loop.
// Every payload starts with a payload_stamp (bench_payload.hpp).
#include "bench/mqtt_bench/pub_sub_run.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <variant>
#include <vector>

#include "bench/mqtt_bench/bench_connection.hpp"
#include "bench/mqtt_bench/bench_payload.hpp"
#include "bench/mqtt_bench/client_loop.hpp"
#include "bench/mqtt_bench/topic_pattern.hpp"

namespace mqtt::bench {
namespace {

using namespace mqtt::codec;

constexpr std::size_t max_pending_bytes = 256 * 1024;  // stop writing into a full socket
constexpr int publish_batch = 64;                        // per publisher per loop turn
constexpr std::uint64_t stall_ns = 250'000'000;          // window written off after this

struct client : bench_client {
  explicit client(protocol_version v) : bench_client(v) {}
  bool is_publisher = false;
  unsigned index = 0;
  bool ready = false;  // publisher: CONNACK accepted; subscriber: SUBACK accepted
  // publisher
  std::string topic;
  std::uint64_t next_seq = 0;
  std::uint64_t next_due_ns = 0;
};

class pub_sub_runner {
 public:
  explicit pub_sub_runner(const pub_sub_settings& s)
      : s_(s), addr_(resolve_loopback(s.host)), ledger_(s.shape, s.publishers, s.subscribers) {
    if (s.payload_size < payload_stamp_bytes) {
      throw std::invalid_argument("--payload must be at least 20 bytes (index, sequence, time)");
    }
    if (s.publishers == 0 || s.subscribers == 0) {
      throw std::invalid_argument("--publishers and --subscribers must be at least 1");
    }
    if (s.shape == delivery_shape::pairs && s.publishers != s.subscribers) {
      throw std::invalid_argument("--pairs needs as many subscribers as publishers");
    }
    if (s.shape == delivery_shape::shared && !valid_share_name(s.share_group)) {
      throw std::invalid_argument("--shared GROUP must be non-empty without '/', '+' or '#'");
    }
    payload_.assign(s.payload_size, 0);
  }

  pub_sub_result run() {
    for (unsigned i = 0; i < s_.subscribers; ++i) open_client(false, i);
    wait_ready(subs_, "subscribers");
    for (unsigned i = 0; i < s_.publishers; ++i) open_client(true, i);
    wait_ready(pubs_, "publishers");

    const std::uint64_t start = clock_ns();
    const auto duration = static_cast<std::uint64_t>(s_.duration_s * 1e9);
    stop_ns_ = start + duration;
    if (s_.rate > 0) {
      interval_ns_ = static_cast<std::uint64_t>(1e9 * s_.publishers / s_.rate);
      for (auto& p : pubs_) p->next_due_ns = start + interval_ns_ * p->index / s_.publishers;
    }
    last_progress_ns_ = start;
    publishing_ = true;
    while (true) {
      const std::uint64_t now = clock_ns();
      if (now >= stop_ns_) break;
      const bool more = publish_pass(now);
      std::int64_t timeout = 5'000'000;
      if (more) {
        timeout = 0;
      } else if (s_.rate > 0) {
        timeout = std::clamp<std::int64_t>(static_cast<std::int64_t>(next_due_min_ - now), 0, 5'000'000);
      }
      timeout = std::min<std::int64_t>(timeout, static_cast<std::int64_t>(stop_ns_ - now));
      poll_once(timeout);
    }
    publishing_ = false;
    result_.published = published_;
    result_.delivered = delivered_in_window_;

    // Drain: wait for the deliveries and acknowledgements still on their way.
    const std::uint64_t drain_end = clock_ns() + static_cast<std::uint64_t>(s_.drain_s * 1e9);
    std::uint64_t last_count = delivered_total_ + acked_total();
    std::uint64_t last_change = clock_ns();
    while (!all_done()) {
      const std::uint64_t now = clock_ns();
      if (now >= drain_end || now - last_change > 1'000'000'000) break;
      poll_once(10'000'000);
      const std::uint64_t c = delivered_total_ + acked_total();
      if (c != last_count) {
        last_count = c;
        last_change = clock_ns();
      }
    }
    disconnect_all();
    return finish(duration);
  }

 private:
  void open_client(bool publisher, unsigned index) {
    auto c = std::make_unique<client>(s_.version);
    c->is_publisher = publisher;
    c->index = index;
    if (publisher) c->topic = topic_for(s_.topic, index);
    connect_packet cp;
    cp.version = s_.version;
    cp.clean_start = true;
    cp.keep_alive = 60;
    cp.client_id = s_.client_prefix + (publisher ? "-p" : "-s") + std::to_string(index);
    loop_.open(*c, addr_, s_.port, cp);
    (publisher ? pubs_ : subs_).push_back(std::move(c));
  }

  void wait_ready(std::vector<std::unique_ptr<client>>& group, const char* what) {
    const std::uint64_t deadline = clock_ns() + static_cast<std::uint64_t>(s_.setup_timeout_s * 1e9);
    auto pending = [&] {
      return std::any_of(group.begin(), group.end(), [](const auto& c) {
        return !c->ready && !c->closed;
      });
    };
    while (pending()) {
      if (clock_ns() >= deadline) {
        ++result_.errors["setup_timeout"];
        throw std::runtime_error(std::string("timed out connecting the ") + what);
      }
      poll_once(10'000'000);
    }
    for (const auto& c : group) {
      if (c->closed) {
        throw std::runtime_error(std::string("could not set up all ") + what);
      }
    }
  }

  // publish_pass lets every publisher send what it may; true when some could send more.
  bool publish_pass(std::uint64_t now) {
    bool more = false;
    next_due_min_ = UINT64_MAX;
    const std::size_t n = pubs_.size();
    for (std::size_t k = 0; k < n; ++k) {
      client& p = *pubs_[(k + rotate_) % n];
      if (!p.ready || p.closed) continue;
      int budget = publish_batch;
      while (budget > 0 && can_send(p, now)) {
        if (s_.rate > 0) {
          if (now < p.next_due_ns) break;
          p.next_due_ns += interval_ns_;
          // A publisher held back (window, socket) does not burst to catch up later.
          if (now > p.next_due_ns + 100'000'000) p.next_due_ns = now;
        }
        publish_one(p, now);
        --budget;
      }
      if (budget == 0 && can_send(p, now) && (s_.rate <= 0 || now >= p.next_due_ns)) more = true;
      if (s_.rate > 0) next_due_min_ = std::min(next_due_min_, p.next_due_ns);
      loop_.send(p);
    }
    ++rotate_;
    return more;
  }

  bool can_send(client& p, std::uint64_t now) {
    if (p.conn.pending() >= max_pending_bytes) return false;
    if (s_.qos_level != qos::at_most_once && p.flow.inflight >= s_.inflight) return false;
    if (s_.rate > 0 || s_.window == 0) return true;
    const std::uint64_t expected = published_ * ledger_.copies_per_message();
    const std::uint64_t done = ledger_.settled() + written_off_;
    const std::uint64_t outstanding = expected > done ? expected - done : 0;
    if (outstanding < std::uint64_t{s_.window} * ledger_.copies_per_message()) return true;
    if (now - last_progress_ns_ > stall_ns) {  // deliveries stopped: count the rest lost
      written_off_ += outstanding;
      last_progress_ns_ = now;
      ++result_.window_stalls;
      return true;
    }
    return false;
  }

  void publish_one(client& p, std::uint64_t now) {
    write_stamp(payload_, {p.index, p.next_seq, now});
    publish_view v;
    v.qos_level = s_.qos_level;
    v.topic = p.topic;
    if (s_.qos_level != qos::at_most_once) v.packet_id = p.flow.take_packet_id();
    v.payload = payload_;
    encode_publish(v, s_.version, p.conn.out());
    ++p.next_seq;
    ++published_;
  }

  // filter_for is subscriber `index`'s filter: the same for all in fan-out, its own
  // publisher's in pairs, the group's Shared Subscription in shared.
  std::string filter_for(unsigned index) const {
    switch (s_.shape) {
      case delivery_shape::pairs:
        return topic_for(s_.filter, index);
      case delivery_shape::shared:
        return shared_filter(s_.share_group, s_.filter);
      case delivery_shape::fan_out:
        break;
    }
    return s_.filter;
  }

  void poll_once(std::int64_t timeout_ns) {
    loop_.poll(timeout_ns, [this](bench_client& c, const packet& p) {
      handle(static_cast<client&>(c), p);
    });
  }

  void handle(client& c, const packet& p) {
    const flow_step step = answer_flow(p, c.flow, c.conn);
    if (const char* e = flow_error(step)) ++result_.errors[e];
    if (step == flow_step::publish) on_publish(c, std::get<publish_packet>(p));
    if (step != flow_step::not_flow) return;
    if (const auto* ca = std::get_if<connack_packet>(&p)) {
      if (ca->reason != 0) {
        loop_.fail(c, "connack_refused");
      } else if (c.is_publisher) {
        c.ready = true;
      } else {
        subscribe_packet sp;
        sp.packet_id = 1;
        sp.subscriptions.push_back({filter_for(c.index), subscribe_options{s_.qos_level}});
        c.conn.queue(sp);
      }
    } else if (const auto* sa = std::get_if<suback_packet>(&p)) {
      if (sa->reasons.empty() || sa->reasons[0] >= 0x80) {
        loop_.fail(c, "suback_refused");
      } else {
        c.ready = true;
      }
    } else if (!std::holds_alternative<pingresp_packet>(p)) {
      ++result_.errors["unexpected_packet"];
    }
  }

  void on_publish(client& c, const publish_packet& pub) {
    const std::uint64_t now = clock_ns();
    const std::optional<payload_stamp> stamp = read_stamp(pub.payload);
    if (c.is_publisher || !stamp) {
      ++result_.errors["bad_payload"];
      return;
    }
    switch (ledger_.record(c.index, stamp->publisher, stamp->seq)) {
      case delivery_verdict::owed:
        break;
      case delivery_verdict::unknown_publisher:
        ++result_.errors["bad_payload"];
        return;
      case delivery_verdict::unexpected_publisher:
        ++result_.errors["unexpected_publisher"];
        return;
    }
    result_.latency.record(now >= stamp->sent_ns ? now - stamp->sent_ns : 0);
    ++delivered_total_;
    if (publishing_) ++delivered_in_window_;
    last_progress_ns_ = now;
  }

  std::uint64_t acked_total() const {
    std::uint64_t n = 0;
    for (const auto& p : pubs_) n += p->flow.acked;
    return n;
  }

  bool all_done() const {
    if (ledger_.settled() < published_ * ledger_.copies_per_message()) return false;
    for (const auto& p : pubs_) {
      if (!p->closed && p->flow.inflight > 0) return false;
    }
    return true;
  }

  void disconnect_all() {
    for (auto& c : pubs_) loop_.close(*c);
    for (auto& c : subs_) loop_.close(*c);
  }

  pub_sub_result finish(std::uint64_t duration_ns) {
    result_.duration_s = static_cast<double>(duration_ns) / 1e9;
    result_.delivered_total = delivered_total_;
    result_.in_rate = static_cast<double>(result_.published) / result_.duration_s;
    result_.out_rate = static_cast<double>(result_.delivered) / result_.duration_s;
    for (const auto& p : pubs_) {
      publisher_result pr = ledger_.totals(p->index, p->next_seq);
      pr.sent = p->next_seq;
      pr.acked = p->flow.acked;
      result_.publishers.push_back(pr);
    }
    return std::move(result_);
  }

  const pub_sub_settings& s_;
  std::uint32_t addr_;
  pub_sub_result result_;            // before loop_, which counts into result_.errors
  client_loop loop_{result_.errors};
  std::vector<std::unique_ptr<client>> subs_;
  std::vector<std::unique_ptr<client>> pubs_;
  delivery_ledger ledger_;
  byte_buffer payload_;
  bool publishing_ = false;
  std::uint64_t stop_ns_ = 0;
  std::uint64_t interval_ns_ = 0;
  std::uint64_t next_due_min_ = 0;
  std::size_t rotate_ = 0;
  std::uint64_t published_ = 0;
  std::uint64_t delivered_total_ = 0;
  std::uint64_t delivered_in_window_ = 0;
  std::uint64_t written_off_ = 0;
  std::uint64_t last_progress_ns_ = 0;
};

}  // namespace

pub_sub_result run_pub_sub(const pub_sub_settings& s) { return pub_sub_runner(s).run(); }

}  // namespace mqtt::bench
