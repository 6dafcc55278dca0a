// command_gen.hpp: RapidCheck generators for command sequences, with weights that keep
// sequences busy (publishing and subscribing most, reconnecting often enough to reach
// resumes and takeovers). What is generated follows what the broker offers (the profile's
// optional features) and where it runs: in-process sequences let minutes pass and use
// session and message expiry; network ones keep to real, short time.
#pragma once

#include <ostream>
#include <vector>

#include <rapidcheck.h>
#include <rapidcheck/shrink/Shrink.h>
#include <rapidcheck/shrinkable/Create.h>

#include "property/model/commands.hpp"

namespace mqtt::property {

struct generation_options {
  std::vector<codec::protocol_version> versions{codec::protocol_version::v3_1_1,
                                                codec::protocol_version::v5_0};
  int clients = 3;
  bool long_time = true;  // waits of seconds, session and message expiry (fake clock only)
  codec::qos max_qos = codec::qos::exactly_once;
  bool retain = true;
  bool wildcards = true;
  bool shared = true;  // 5.0 shared subscriptions (a profile may say the broker has none)
  int max_length = 40;
};

inline rc::Gen<codec::qos> gen_qos(const generation_options& o) {
  return rc::gen::map(rc::gen::inRange(0, static_cast<int>(o.max_qos) + 1),
                      [](int q) { return static_cast<codec::qos>(q); });
}

// One generator per kind of command, for a client the sequence chose.
inline rc::Gen<command> gen_connect(const generation_options& o, int client) {
  return rc::gen::exec([o, client] {
    using namespace rc;
    connect_cmd c;
    c.client = client;
    c.version = *gen::elementOf(o.versions);
    c.clean_start = *gen::weightedElement<bool>({{2, false}, {1, true}});
    if (codec::is_v5(c.version)) {
      c.session_expiry = o.long_time ? *gen::element<std::uint32_t>(0, 7, 300, 300)
                                     : *gen::element<std::uint32_t>(0, 300, 300);
      c.receive_maximum = *gen::element<std::uint16_t>(0, 0, 1, 2, 10);
    }
    c.will = *gen::weightedElement<bool>({{3, false}, {1, true}});
    return command(c);
  });
}

inline rc::Gen<command> gen_disconnect(int client) {
  return rc::gen::map(rc::gen::element(disconnect_kind::normal, disconnect_kind::with_will,
                                       disconnect_kind::abrupt, disconnect_kind::abrupt),
                      [client](disconnect_kind k) { return command(disconnect_cmd{client, k}); });
}

inline rc::Gen<int> gen_filter(const generation_options& o) {
  return o.wildcards ? rc::gen::inRange(0, static_cast<int>(std::size(filter_names)))
                     : rc::gen::element(0, 1);
}

// gen_shared_filter: one shared subscription per sequence ("$share/g/t/+"), so that
// several clients often join it. (With two overlapping ones a message has a copy for
// each, and which copy a PUBLISH is cannot be told from the packet.)
inline rc::Gen<int> gen_shared_filter(const generation_options& o) {
  return rc::gen::just(o.wildcards ? 2 : 0);
}

inline rc::Gen<command> gen_subscribe(const generation_options& o, int client, bool v5) {
  return rc::gen::exec([o, client, v5] {
    using namespace rc;
    subscribe_cmd s;
    s.client = client;
    s.shared = v5 && o.shared && *gen::weightedElement<bool>({{3, false}, {1, true}});
    s.filter = s.shared ? *gen_shared_filter(o) : *gen_filter(o);
    s.max_qos = *gen_qos(o);
    // No Local on a shared subscription is a Protocol Error (v5.0 MQTT-3.8.3-4).
    s.no_local = !s.shared && *gen::weightedElement<bool>({{4, false}, {1, true}});
    s.retain_as_published = *gen::arbitrary<bool>();
    s.retain_handling = *gen::weightedElement<std::uint8_t>({{4, 0}, {1, 1}, {1, 2}});
    return command(s);
  });
}

inline rc::Gen<command> gen_unsubscribe(const generation_options& o, int client, bool v5) {
  return rc::gen::exec([o, client, v5] {
    using namespace rc;
    const bool shared = v5 && o.shared && *gen::weightedElement<bool>({{3, false}, {1, true}});
    return command(unsubscribe_cmd{client, shared ? *gen_shared_filter(o) : *gen_filter(o), shared});
  });
}

inline rc::Gen<command> gen_publish(const generation_options& o, int client) {
  return rc::gen::exec([o, client] {
    using namespace rc;
    publish_cmd p;
    p.client = client;
    p.topic = *gen::inRange(0, static_cast<int>(std::size(topic_names)));
    p.q = *gen_qos(o);
    p.retain = o.retain && *gen::weightedElement<bool>({{3, false}, {1, true}});
    p.empty = p.retain && *gen::weightedElement<bool>({{3, false}, {1, true}});
    if (o.long_time && *gen::weightedElement<bool>({{3, false}, {1, true}}))
      p.message_expiry = *gen::element<std::uint32_t>(3, 61);  // odd: waits are even
    return command(p);
  });
}

inline rc::Gen<command> gen_wait(const generation_options& o) {
  if (!o.long_time) return rc::gen::just(command(let_time_pass_cmd{1}));
  return rc::gen::map(rc::gen::element<std::uint32_t>(2, 10),
                      [](std::uint32_t s) { return command(let_time_pass_cmd{s}); });
}

// generation_state is what the generator believes about the clients, so that most
// commands go to a client that is connected (the runner skips the others).
struct generation_state {
  bool connected[max_clients] = {};
  bool withholding[max_clients] = {};
  bool v5[max_clients] = {};

  void apply(const command& c) {
    if (const auto* con = std::get_if<connect_cmd>(&c)) {
      connected[con->client] = true;
      withholding[con->client] = false;
      v5[con->client] = codec::is_v5(con->version);
    } else if (const auto* dis = std::get_if<disconnect_cmd>(&c)) {
      connected[dis->client] = false;
      withholding[dis->client] = false;
    } else if (const auto* w = std::get_if<withhold_cmd>(&c)) {
      withholding[w->client] = w->on;
    }
  }
};

// gen_next_command: a connect for a client that is not connected (now and then one that
// is: a takeover), else a command of a connected client, with weights that keep sequences
// busy: publishing and subscribing most, reconnecting often enough to reach resumes.
inline rc::Gen<command> gen_next_command(const generation_options& o, const generation_state& st) {
  using namespace rc;
  std::vector<int> on, off;
  for (int c = 0; c < o.clients; ++c) (st.connected[c] ? on : off).push_back(c);
  auto connect = gen::exec([o, on, off] {
    const bool takeover = off.empty() || (!on.empty() && *gen::weightedElement<bool>({{6, false}, {1, true}}));
    return *gen_connect(o, *gen::elementOf(takeover ? on : off));
  });
  if (on.empty()) return connect;
  auto client = gen::elementOf(on);
  auto withhold = gen::exec([client, st] {
    const int c = *client;
    // Mostly the opposite of what the client does now, sometimes the same (a no-op).
    const bool on_now = st.withholding[c];
    return command(withhold_cmd{c, *gen::weightedElement<bool>({{3, !on_now}, {1, on_now}})});
  });
  return gen::weightedOneOf<command>(
      {{static_cast<std::size_t>(2 + 4 * off.size()), connect},
       {6, gen::exec([client] { return *gen_disconnect(*client); })},
       {14, gen::exec([o, client, st] {
          const int c = *client;
          return *gen_subscribe(o, c, st.v5[c]);
        })},
       {3, gen::exec([o, client, st] {
          const int c = *client;
          return *gen_unsubscribe(o, c, st.v5[c]);
        })},
       {30, gen::exec([o, client] { return *gen_publish(o, *client); })},
       {5, withhold},
       {4, gen_wait(o)}});
}

// simplify offers simpler versions of one command, for shrinking.
inline rc::Seq<command> simplify(const command& c) {
  std::vector<command> out;
  if (const auto* con = std::get_if<connect_cmd>(&c)) {
    if (con->will) { auto y = *con; y.will = false; out.push_back(y); }
    if (con->receive_maximum) { auto y = *con; y.receive_maximum = 0; out.push_back(y); }
  } else if (const auto* pub = std::get_if<publish_cmd>(&c)) {
    if (pub->message_expiry) { auto y = *pub; y.message_expiry.reset(); out.push_back(y); }
    if (pub->retain && !pub->empty) { auto y = *pub; y.retain = false; out.push_back(y); }
    if (pub->q != codec::qos::at_most_once) {
      auto y = *pub;
      y.q = static_cast<codec::qos>(static_cast<int>(pub->q) - 1);
      out.push_back(y);
    }
  } else if (const auto* sub = std::get_if<subscribe_cmd>(&c)) {
    if (sub->no_local || sub->retain_as_published || sub->retain_handling) {
      auto y = *sub;
      y.no_local = y.retain_as_published = false;
      y.retain_handling = 0;
      out.push_back(y);
    }
  }
  return rc::seq::fromContainer(std::move(out));
}

// gen_sequence: up to max_length commands (fewer at small sizes), each chosen knowing what
// came before. Shrinking removes runs of commands, then simplifies the ones left; every
// subsequence still runs, since the runner skips a command whose client is not connected.
inline rc::Gen<std::vector<command>> gen_sequence(const generation_options& o) {
  return rc::Gen<std::vector<command>>([o](const rc::Random& random, int size) {
    rc::Random r = random;
    const int length = std::max(4, std::min(o.max_length, size * o.max_length / 100 + 4));
    generation_state st;
    std::vector<command> v;
    for (int i = 0; i < length; ++i) {
      v.push_back(gen_next_command(o, st)(r.split(), size).value());
      st.apply(v.back());
    }
    return rc::shrinkable::shrinkRecur(std::move(v), [](const std::vector<command>& cs) {
      return rc::seq::concat(rc::shrink::removeChunks(cs), rc::shrink::eachElement(cs, simplify));
    });
  });
}

// showValue lets RapidCheck print a generated sequence, one command a line.
inline void showValue(const command& c, std::ostream& os) { os << describe(c); }

}  // namespace mqtt::property
