// session_model.hpp: an executable model of what MQTT 3.1.1 and 5.0 let a client observe
// from a broker, written from the spec (chapters 3 and 4.1–4.9), not from any broker.
//
// The model follows the commands a runner carries out (connects, subscriptions,
// publications, disconnects, time) and keeps, per session, its *entitlements*: each copy
// of a message the session may receive, with its QoS, the RETAIN flag it must carry and
// whether it *must* eventually arrive. A live copy is created when a message is published
// to a matching subscription (QoS 1/2 to a session that exists: must; QoS 0: may), a
// retained copy when a subscription is made (Retain Handling 0, or 1 for a new one). Every
// packet the broker sends is held against them at once (on_packet); what must arrive and
// has not is checked when the runner says the broker is quiet (check_quiescent). Where the
// spec allows a choice — QoS 0 dropped, extra copies for overlapping subscriptions, a
// buffered message still delivered after UNSUBSCRIBE, a will on takeover — the model
// accepts each permitted outcome and nothing else.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "codec/packets.hpp"
#include "property/model/commands.hpp"

namespace mqtt::property {

// violation is one broken rule: its name, the statements it touches, and what happened.
struct violation {
  std::string rule;        // "qos-of-delivery"
  std::string statements;  // "v5.0 MQTT-3.8.4-8, 3.1.1 MQTT-3.8.4-6"
  std::string detail;      // one line, with the packet
};

// coverage counts what a sequence made the broker do, so that a run can show its
// sequences reached resumes, resends and expiry, not only plain deliveries.
struct coverage {
  int deliveries = 0;        // first deliveries of a copy
  int resends = 0;           // PUBLISH or PUBREL repeated on a resumed session
  int resumed_sessions = 0;  // CONNACK with Session Present 1
  int takeovers = 0;         // a connection replaced by one with the same ClientID
  int wills = 0;             // Will Messages delivered
  int retained = 0;          // retained messages sent on subscribing
  int expired = 0;           // copies whose message expired before delivery
  int window_full = 0;       // deliveries that filled a Receive Maximum below 65535
  int shared = 0;            // messages delivered through a shared subscription
  coverage& operator+=(const coverage& o);
};

// reply is what the client answers to a packet the broker sent (PUBACK, PUBREC, PUBCOMP).
using replies = std::vector<codec::packet>;

class session_model {
 public:
  session_model();

  // The runner reports each command as it carries it out. A broker can only forward what
  // it received, so a message's copies exist from the moment it is sent (on_publish_sent),
  // and a subscription's retained copies from the moment SUBSCRIBE is sent (the retained
  // PUBLISH "is permitted" before the SUBACK, 3.8.4); the acknowledgement then confirms.
  void on_connack(const connect_cmd& c, const codec::connack_packet& ack);
  void on_connect_refused(const connect_cmd& c, const std::string& why);
  // on_takeover: a new connection with the client's ClientID was answered; what still
  // arrives on the old one comes next, then on_connack.
  void on_takeover(int client);
  void on_disconnect(const disconnect_cmd& d);
  // The broker closed the client's connection when nothing in the sequence asked for it.
  void on_closed_by_broker(int client, const std::string& why);
  void on_subscribe_sent(const subscribe_cmd& s);
  void on_suback(const subscribe_cmd& s, const codec::suback_packet& ack);
  void on_unsubscribe_sent(const unsubscribe_cmd& u);
  void on_publish_sent(const publish_cmd& p);
  // on_publish_refused: the broker answered the client's PUBLISH with an error code.
  void on_publish_refused(const publish_cmd& p, const std::string& answer);
  void on_withhold(const withhold_cmd& w);
  void on_time(std::uint32_t seconds);
  // A violation the runner found itself (a missing acknowledgement, say).
  void on_runner_violation(std::string rule, std::string statements, std::string detail);

  // publish_payload / will_payload: what the client puts in the PUBLISH (or the CONNECT's
  // Will), so that every delivery names its message.
  std::string publish_payload(const publish_cmd& p) const;
  std::string will_payload(int client) const;

  // on_packet holds one packet the broker sent to `client`'s current connection (or, after
  // on_takeover, to the one being replaced, which nobody answers) against the model, and
  // returns the client's answers (empty while it withholds them).
  replies on_packet(int client, const codec::packet& p);
  // on_malformed: the broker sent bytes the codec rejects.
  void on_malformed(int client, const std::string& why);

  // release returns the answers a client withheld (on resuming acknowledgements).
  replies release(int client);

  // check_quiescent: called when the broker has nothing more to send. Every entitlement
  // that must arrive at a connected client and has not is a violation.
  void check_quiescent();

  // awaiting says whether a connected client still must receive something (the runner
  // keeps reading while this is true, up to its deadline).
  bool awaiting() const;

  // allow_in_transit: on a real network a connection can end with packets still on the
  // way, so a first observed delivery of a copy made before the last reconnect may carry
  // DUP 1 (it is the resend of a PUBLISH the client never read).
  void allow_in_transit(bool yes) { in_transit_ = yes; }

  bool connected(int client) const { return sessions_[client].connected; }
  codec::protocol_version version(int client) const { return sessions_[client].version; }
  const std::vector<violation>& violations() const { return violations_; }
  const coverage& covered() const { return covered_; }

 private:
  struct message {
    int id = 0;
    int publisher = 0;
    int topic = 0;  // index into topic_names; will_topic is topic 0
    codec::qos q = codec::qos::at_most_once;
    bool retain = false;
    bool empty = false;
    bool will = false;
    bool will_after_clean_start_zero = false;  // its client's CONNECT had Clean Start 0
    bool void_ = false;  // nobody may receive it: the broker refused it, or a discarded Will
    std::string void_reason;
    std::set<int> no_local_skipped;  // sessions a No Local subscription kept it from
    std::optional<std::uint32_t> expiry;
    std::int64_t published_at = 0;  // model seconds
    std::string payload;
  };

  enum class copy_state : std::uint8_t { pending, in_flight, awaiting_pubrel, done };

  struct entitlement {
    int msg = 0;
    bool retained_copy = false;       // sent because a subscription was made
    codec::qos q = codec::qos::at_most_once;
    bool must = false;
    bool optional = false;            // the spec neither requires nor forbids this copy
    std::optional<bool> retain_flag;  // the RETAIN the PUBLISH must carry; nullopt: either
    copy_state state = copy_state::pending;
    bool resend_due = false;          // in flight when the connection ended
    std::uint16_t packet_id = 0;
    int deliveries = 0;
    std::uint64_t sent_order = 0;     // when it was first sent, for resend order
    bool expired = false;             // its message expired before delivery began
    int connection = 0;               // the session's connection count when it was made
    int overlaps = 1;                 // matching subscriptions when it was made
    int group = -1;                   // a shared subscription's copy: index into groups_
    bool offline = false;             // made while no connection was attached
  };

  // group_copy: one message for one shared subscription, which exactly one of its member
  // sessions may receive (4.8.2). `must` when every member could take it at once.
  struct group_copy {
    int msg = 0;
    int filter = 0;
    bool must = false;
    std::vector<std::pair<int, int>> members;  // client, session generation
    int delivered_to = -1;
    codec::qos delivered_q = codec::qos::at_most_once;
    int delivered_generation = 0;  // of the session it went to
  };

  struct session {
    bool exists = false;
    bool connected = false;
    bool persistent = false;
    bool clean_start = true;  // of the latest CONNECT
    codec::protocol_version version = codec::protocol_version::v5_0;
    std::uint32_t expiry = 0;
    std::int64_t disconnected_at = 0;
    std::uint16_t receive_maximum = 65535;
    bool withholding = false;
    bool will = false;
    std::string will_payload;
    int connects = 0;
    int generation = 0;  // sessions this ClientID has had (end_session counts)
    std::map<int, subscribe_cmd> subs;  // by filter index
    std::map<int, subscribe_cmd> shared_subs;  // "$share/g/<filter>", by filter index
    // The session's latest SUBSCRIBE, when it was to a shared subscription: its filter and
    // how many messages had been published by then.
    struct {
      int filter = -1;
      int since = 0;
    } last_shared_subscribe;
    std::vector<entitlement> copies;
    replies withheld;
    // 4.6 ordering: per (publisher, topic, QoS published, QoS delivered) the last message
    // id first delivered.
    std::map<std::tuple<int, int, int, int>, int> last_in_order;
    std::uint64_t next_send_order = 0;
    std::uint64_t last_resend_order = 0;
    bool resuming = false;
    // The session was resumed by a connection of another protocol version: what 5.0
    // subscription options mean for a 3.1.1 connection (and back) neither spec says.
    bool mixed_versions = false;
    bool taken_over = false;  // a new connection replaces the current one
  };

  void fail(std::string rule, std::string statements, std::string detail);
  // publish_message registers `m` and gives every session with a matching subscription
  // its copies; `must` false makes every copy optional (a will on takeover).
  void publish_message(message m, bool must);
  void publish_will(int client, bool must);
  void end_session(int client);
  void connection_ended(int client);
  void offer_retained(int client, const subscribe_cmd& s, bool new_subscription);
  void share_message(const message& m, bool must);
  // group_member_ready: the member can take a group copy at once (connected, acknowledging,
  // still subscribed, and without a non-shared subscription that matches too).
  bool group_member_ready(const group_copy& g, int client, int generation) const;
  // group_owed: a group copy that must still arrive at one of its members.
  bool group_owed(const group_copy& g) const;
  void check_group_delivery(int client, const codec::publish_packet& p, const message& m,
                            const entitlement& e);
  int in_flight(const session& s) const;
  // candidates: the messages a PUBLISH may be (one, named by its payload; with an empty
  // payload, each empty message on its topic the session still holds a copy of).
  std::vector<int> candidates(const session& s, const codec::publish_packet& p) const;
  entitlement* match(session& s, const codec::publish_packet& p, const message& m);
  replies on_publish(int client, const codec::publish_packet& p);
  replies on_publish_of(int client, const codec::publish_packet& p, const message* m);
  // mixed_subscriptions_note: " (cN has a shared and a non-shared subscription that match
  // it)" when it does, for telling a broker's known confusion of the two apart.
  std::string mixed_subscriptions_note(int client, int topic) const;
  // on_repeat judges a further delivery of a copy already delivered (or in flight under
  // another packet id).
  replies on_repeat(int client, const codec::publish_packet& p, const message& m, entitlement& e);
  replies on_pubrel(int client, const codec::pubrel_packet& p);
  // answer sends (or, while withholding, keeps) the client's reply and moves the copy on.
  replies answer(int client, codec::packet reply);
  void apply_reply(session& s, const codec::packet& reply);
  std::string describe(const message& m) const;
  std::string where(int client, const codec::publish_packet& p) const;

  std::vector<session> sessions_;
  std::vector<message> messages_;
  std::map<std::string, int> by_payload_;
  std::map<int, int> retained_;  // topic -> message id (non-empty)
  std::vector<group_copy> groups_;
  std::int64_t now_ = 0;
  bool in_transit_ = false;
  std::vector<violation> violations_;
  coverage covered_;
};

}  // namespace mqtt::property
