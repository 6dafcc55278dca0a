#include "stress/fault_clients.hpp"

namespace mqtt::cert::stress {

using clock_type = std::chrono::steady_clock;

std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

login_attempt try_login(const context& c, const std::string& client_id, const std::string& user,
                        std::chrono::milliseconds timeout) {
  session_request r;
  r.username = user;
  r.password = "secret";
  const auto start = clock_type::now();
  auto cl = connect_client(c, client_id, r, timeout);
  login_attempt a;
  a.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  a.let_in = static_cast<bool>(cl);
  // connect_client says "no CONNACK: nothing within N ms" when the broker neither answered
  // nor closed; every other failure is an answer (a refusing CONNACK or a close).
  a.answered = a.let_in || cl.failure.find("nothing within") == std::string::npos;
  a.what = a.let_in ? "let in" : cl.failure;
  return a;
}

bool held_client::hold(const context& c, const std::string& client_id, const std::string& user,
                       std::string* why) {
  session_request r;
  r.username = user;
  r.password = "secret";
  auto cl = connect_client(c, client_id, r);
  if (!cl) {
    *why = cl.failure;
    return false;
  }
  topic_ = client_id + "/held";
  codec::subscribe_packet sub;
  sub.packet_id = next_id_++;
  sub.subscriptions = {{topic_, {codec::qos::at_least_once}}};
  cl.client->send_packet(sub);
  const auto ack = cl.client->expect_ack(std::chrono::milliseconds(5000));
  if (!ack.as<codec::suback_packet>()) {
    *why = "no SUBACK: " + ack.describe();
    return false;
  }
  client_ = std::move(cl.client);
  return true;
}

bool held_client::round_trip(std::chrono::milliseconds timeout, std::string* why) {
  if (!client_) {
    *why = "not connected";
    return false;
  }
  codec::publish_packet pub;
  pub.qos_level = codec::qos::at_least_once;
  pub.topic = topic_;
  pub.packet_id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  pub.payload = {'h', 'e', 'l', 'd'};
  if (!client_->send_packet(pub)) {
    *why = "the broker closed the held connection";
    return false;
  }
  bool acked = false, delivered = false;
  const auto until = clock_type::now() + timeout;
  while (!(acked && delivered) && clock_type::now() < until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
    const auto got = client_->expect_packet(std::max(left, std::chrono::milliseconds(1)));
    if (got.as<codec::puback_packet>()) acked = true;
    if (const auto* p = got.as<codec::publish_packet>()) {
      delivered = true;
      codec::puback_packet back;
      back.packet_id = p->packet_id;
      client_->send_packet(back);
    }
    if (got.status == recv_status::closed || got.status == recv_status::malformed) {
      *why = "the held connection ended: " + got.describe();
      return false;
    }
  }
  if (!(acked && delivered)) *why = std::string(acked ? "" : "no PUBACK") + (acked || delivered ? "" : ", ") +
                                    (delivered ? "" : "no message back") + " within " + ms_text(timeout);
  return acked && delivered;
}

}  // namespace mqtt::cert::stress
