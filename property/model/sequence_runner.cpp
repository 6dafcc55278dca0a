#include "property/model/sequence_runner.hpp"

#include <map>
#include <optional>
#include <sstream>

namespace mqtt::property {
namespace {

using codec::qos;
using clock = std::chrono::steady_clock;

// runner is one sequence in progress.
class runner {
 public:
  runner(broker_driver& d, const runner_options& o) : d_(d), o_(o) {}

  void run(const command& c) {
    std::visit([this](const auto& x) { step(x); }, c);
    settle();
  }

  void clean_up();
  session_model model;

 private:
  std::string client_id(int c) const { return o_.prefix + "c" + std::to_string(c); }
  std::string topic(const char* name) const { return o_.prefix + "/" + name; }
  // filter: what a SUBSCRIBE or UNSUBSCRIBE names; a shared one in this sequence's group.
  std::string filter(int index, bool shared) const {
    return (shared ? "$share/" + o_.prefix + "g/" : std::string()) + topic(filter_names[index]);
  }

  std::uint16_t next_id(int c) {
    auto& id = ids_[c];
    id = static_cast<std::uint16_t>(id % 65535 + 1);
    return id;
  }

  // deliver shows one inbound item of client `c` (or of a connection being replaced, when
  // `answer` is false) to the model and sends the client's answers.
  void deliver(int c, conn_handle h, inbound& in, bool answer = true) {
    if (in.closed) {
      if (conn_[c] && *conn_[c] == h) {
        conn_[c].reset();
        model.on_closed_by_broker(c, in.text);
      }
      return;
    }
    if (!in.malformed.empty()) {
      model.on_malformed(c, in.malformed + ": " + in.text);
      return;
    }
    if (auto* p = std::get_if<codec::publish_packet>(&*in.packet)) {
      if (p->topic.rfind(o_.prefix + "/", 0) == 0) {
        p->topic = p->topic.substr(o_.prefix.size() + 1);
      } else {
        p->topic = "(foreign) " + p->topic;
      }
    }
    for (auto& reply : model.on_packet(c, *in.packet))
      if (answer) d_.send(h, reply);
  }

  // await reads client `c`'s connection until a packet `want` says it is the answer,
  // showing everything else to the model. nullopt when nothing answered in time.
  template <typename Want>
  std::optional<codec::packet> await(int c, const Want& want) {
    const conn_handle h = *conn_[c];
    const auto deadline = clock::now() + o_.answer_timeout;
    while (conn_[c] && *conn_[c] == h) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      auto items = d_.poll(h, d_.real_time() ? std::max(left, std::chrono::milliseconds(0))
                                             : std::chrono::milliseconds(0));
      std::optional<codec::packet> answer;
      for (auto& in : items) {
        if (!answer && in.packet && want(*in.packet)) {
          answer = std::move(in.packet);
          continue;
        }
        deliver(c, h, in);
      }
      if (answer) return answer;
      if (items.empty() && (!d_.real_time() || clock::now() >= deadline)) break;
    }
    return std::nullopt;
  }

  void missing(int c, const std::string& what) {
    model.on_runner_violation("no-answer", "",
                              "c" + std::to_string(c) + " got no " + what + " within " +
                                  std::to_string(o_.answer_timeout.count()) + " ms");
  }

  void step(const connect_cmd& x) {
    const auto old = conn_[x.client];
    std::string error;
    auto h = d_.open(x.version, &error);
    if (!h) {
      model.on_runner_violation(broker_unreachable_rule, "",
                                "c" + std::to_string(x.client) + " cannot connect: " + error);
      return;
    }
    codec::connect_packet p;
    p.version = x.version;
    p.client_id = client_id(x.client);
    p.clean_start = x.clean_start;
    p.keep_alive = 0;  // time passes in long steps in-process; keep-alive is not checked here
    p.username = o_.username;
    if (o_.password) p.password = codec::byte_buffer(o_.password->begin(), o_.password->end());
    if (codec::is_v5(x.version)) {
      if (x.session_expiry) p.props.session_expiry_interval = x.session_expiry;
      if (x.receive_maximum) p.props.receive_maximum = x.receive_maximum;
    }
    if (x.will) {
      codec::will_message w;
      w.topic = topic(will_topic);
      const std::string payload = model.will_payload(x.client);
      w.payload.assign(payload.begin(), payload.end());
      w.qos_level = qos::at_least_once;
      p.will = std::move(w);
    }
    d_.send(*h, p);
    conn_[x.client] = *h;
    ids_[x.client] = 0;
    // Nothing but CONNACK may come first (v5.0 MQTT-3.2.0-1, 3.1.1 MQTT-3.2.0-1).
    std::optional<codec::packet> ack;
    std::vector<inbound> after;  // what came behind the CONNACK, for the resumed session
    const auto deadline = clock::now() + o_.answer_timeout;
    while (!ack) {
      auto items = d_.poll(*h, d_.real_time() ? std::chrono::milliseconds(50) : std::chrono::milliseconds(0));
      for (auto& in : items) {
        if (ack) {
          after.push_back(std::move(in));
        } else if (in.packet && std::holds_alternative<codec::connack_packet>(*in.packet)) {
          ack = std::move(in.packet);
        } else {
          model.on_runner_violation("connack-first", "v5.0 MQTT-3.2.0-1; v3.1.1 MQTT-3.2.0-1",
                                    "c" + std::to_string(x.client) + " received " + in.text +
                                        " before CONNACK");
        }
      }
      if (!ack && (items.empty() && (!d_.real_time() || clock::now() >= deadline))) break;
    }
    if (old && ack) {
      model.on_takeover(x.client);
    }
    if (old) {
      // The connection taken over: what the broker still sent on it was sent to the
      // session, unanswered (its client is being replaced).
      for (int i = 0; i < 20; ++i) {
        auto items = d_.poll(*old, d_.real_time() ? std::chrono::milliseconds(25) : std::chrono::milliseconds(0));
        bool closed = false;
        for (auto& in : items) {
          closed = closed || in.closed;
          if (!in.closed && in.packet && std::holds_alternative<codec::disconnect_packet>(*in.packet)) continue;
          if (!in.closed) deliver(x.client, *old, in, false);
        }
        if (closed || items.empty()) break;
      }
      d_.drop(*old);
    }
    if (!ack) {
      conn_[x.client].reset();
      missing(x.client, "CONNACK");
      model.on_connect_refused(x, "no CONNACK");
      return;
    }
    model.on_connack(x, std::get<codec::connack_packet>(*ack));
    if (std::get<codec::connack_packet>(*ack).reason != 0) {
      conn_[x.client].reset();
      return;
    }
    for (auto& in : after) deliver(x.client, *h, in);
  }

  void step(const disconnect_cmd& x) {
    if (!conn_[x.client]) return;
    const conn_handle h = *conn_[x.client];
    const bool v5 = codec::is_v5(model.version(x.client));
    if (x.kind != disconnect_kind::abrupt) {
      codec::disconnect_packet p;
      if (v5 && x.kind == disconnect_kind::with_will)
        p.reason = codec::reason_code::disconnect_with_will_message;
      d_.send(h, p);
    }
    d_.drop(h);
    conn_[x.client].reset();
    model.on_disconnect(x);
  }

  void step(const subscribe_cmd& x) {
    if (!conn_[x.client]) return;
    // Shrinking can leave a shared subscription on a 3.1.1 connection, which has none.
    if (x.shared && !codec::is_v5(model.version(x.client))) return;
    model.on_subscribe_sent(x);
    codec::subscribe_packet s;
    s.packet_id = next_id(x.client);
    codec::subscribe_options so;
    so.max_qos = x.max_qos;
    if (codec::is_v5(model.version(x.client))) {
      so.no_local = x.no_local;
      so.retain_as_published = x.retain_as_published;
      so.handling = static_cast<codec::retain_handling>(x.retain_handling);
    }
    s.subscriptions.push_back({filter(x.filter, x.shared), so});
    d_.send(*conn_[x.client], s);
    const auto id = s.packet_id;
    auto ack = await(x.client, [id](const codec::packet& p) {
      const auto* a = std::get_if<codec::suback_packet>(&p);
      return a && a->packet_id == id;
    });
    if (!ack) return missing(x.client, "SUBACK");
    model.on_suback(x, std::get<codec::suback_packet>(*ack));
  }

  void step(const unsubscribe_cmd& x) {
    if (!conn_[x.client]) return;
    // Shrinking can leave a shared subscription on a 3.1.1 connection, which has none.
    if (x.shared && !codec::is_v5(model.version(x.client))) return;
    model.on_unsubscribe_sent(x);
    codec::unsubscribe_packet u;
    u.packet_id = next_id(x.client);
    u.filters.push_back(filter(x.filter, x.shared));
    d_.send(*conn_[x.client], u);
    const auto id = u.packet_id;
    if (!await(x.client, [id](const codec::packet& p) {
          const auto* a = std::get_if<codec::unsuback_packet>(&p);
          return a && a->packet_id == id;
        }))
      missing(x.client, "UNSUBACK");
  }

  void step(const publish_cmd& x) {
    if (!conn_[x.client]) return;
    codec::publish_packet p;
    p.topic = topic(topic_names[x.topic]);
    p.qos_level = x.q;
    p.retain = x.retain;
    const std::string payload = model.publish_payload(x);
    p.payload.assign(payload.begin(), payload.end());
    if (x.message_expiry && codec::is_v5(model.version(x.client)))
      p.props.message_expiry_interval = x.message_expiry;
    if (x.q != qos::at_most_once) p.packet_id = next_id(x.client);
    model.on_publish_sent(x);
    d_.send(*conn_[x.client], p);
    const auto id = p.packet_id;
    if (x.q == qos::at_most_once) return;
    if (x.q == qos::at_least_once) {
      auto ack = await(x.client, [id](const codec::packet& q) {
        const auto* a = std::get_if<codec::puback_packet>(&q);
        return a && a->packet_id == id;
      });
      if (!ack) return missing(x.client, "PUBACK");
      if (codec::is_error(std::get<codec::puback_packet>(*ack).reason))
        model.on_publish_refused(x, "PUBACK with an error code");
      return;
    }
    auto rec = await(x.client, [id](const codec::packet& q) {
      const auto* a = std::get_if<codec::pubrec_packet>(&q);
      return a && a->packet_id == id;
    });
    if (!rec) return missing(x.client, "PUBREC");
    if (codec::is_error(std::get<codec::pubrec_packet>(*rec).reason))
      return model.on_publish_refused(x, "PUBREC with an error code");
    d_.send(*conn_[x.client], codec::pubrel_packet{id, codec::reason_code::success, {}});
    if (!await(x.client, [id](const codec::packet& q) {
          const auto* a = std::get_if<codec::pubcomp_packet>(&q);
          return a && a->packet_id == id;
        }))
      missing(x.client, "PUBCOMP");
  }

  void step(const withhold_cmd& x) {
    if (x.on) {
      model.on_withhold(x);
      return;
    }
    auto answers = model.release(x.client);
    if (conn_[x.client])
      for (const auto& a : answers) d_.send(*conn_[x.client], a);
  }

  void step(const let_time_pass_cmd& x) {
    model.on_time(x.seconds);
    d_.let_time_pass(x.seconds);
  }

  // poll_all shows the model everything that has arrived; true when anything had.
  bool poll_all(std::chrono::milliseconds wait) {
    bool any = false;
    for (int c = 0; c < max_clients; ++c) {
      if (!conn_[c]) continue;
      const conn_handle h = *conn_[c];
      for (auto& in : d_.poll(h, wait)) {
        any = true;
        deliver(c, h, in);
      }
    }
    return any;
  }

  void settle() {
    if (!d_.real_time()) {
      while (poll_all(std::chrono::milliseconds(0))) {
      }
      model.check_quiescent();
      return;
    }
    const auto deadline = clock::now() + o_.answer_timeout;
    while (model.awaiting() && clock::now() < deadline) poll_all(std::chrono::milliseconds(5));
    // A PINGREQ answered means the broker has read everything before it, our
    // acknowledgements included; a last short look catches what it sent meanwhile.
    for (int c = 0; c < max_clients; ++c) {
      if (!conn_[c]) continue;
      d_.send(*conn_[c], codec::pingreq_packet{});
      if (!await(c, [](const codec::packet& p) {
            return std::holds_alternative<codec::pingresp_packet>(p);
          }) && conn_[c])
        missing(c, "PINGRESP");
    }
    poll_all(std::chrono::milliseconds(10));
    model.check_quiescent();
  }

  broker_driver& d_;
  const runner_options& o_;
  std::optional<conn_handle> conn_[max_clients];
  std::uint16_t ids_[max_clients] = {};
};

void runner::clean_up() {
  // Not part of the sequence and not checked: end every session the sequence may have
  // left on the broker, and clear its retained messages.
  for (int c = 0; c < max_clients; ++c) {
    if (conn_[c]) d_.drop(*conn_[c]);
    std::string error;
    auto h = d_.open(codec::protocol_version::v5_0, &error);
    if (!h) continue;
    codec::connect_packet p;
    p.client_id = client_id(c);
    p.clean_start = true;
    p.username = o_.username;
    if (o_.password) p.password = codec::byte_buffer(o_.password->begin(), o_.password->end());
    d_.send(*h, p);
    if (c == 0)
      for (const char* t : topic_names) {
        codec::publish_packet clear;
        clear.topic = topic(t);
        clear.retain = true;
        d_.send(*h, clear);
      }
    d_.send(*h, codec::disconnect_packet{});
    d_.poll(*h, std::chrono::milliseconds(20));
    d_.drop(*h);
  }
}

}  // namespace

run_result run_sequence(broker_driver& driver, const std::vector<command>& commands,
                        const runner_options& options) {
  runner r(driver, options);
  r.model.allow_in_transit(options.in_transit);
  run_result out;
  for (const auto& c : commands) {
    ++out.commands_run;
    r.run(c);
    if (!r.model.violations().empty()) break;
  }
  out.transcript = driver.transcript();  // the sequence's packets, not the clean-up's
  if (options.clean_up) r.clean_up();
  out.violations = r.model.violations();
  out.covered = r.model.covered();
  return out;
}

std::string format_failure(const std::vector<command>& commands, const run_result& r) {
  std::ostringstream o;
  for (const auto& v : r.violations) {
    o << "VIOLATED " << v.rule;
    if (!v.statements.empty()) o << " [" << v.statements << "]";
    o << "\n  " << v.detail << "\n";
  }
  o << "sequence (" << commands.size() << " commands; the violation showed after command "
    << r.commands_run << "):\n";
  for (std::size_t i = 0; i < commands.size(); ++i)
    o << (static_cast<int>(i + 1) == r.commands_run ? "  >" : "   ") << (i + 1) << ". "
      << describe(commands[i]) << "\n";
  o << "transcript (#N is a connection):\n" << r.transcript;
  return o.str();
}

}  // namespace mqtt::property
