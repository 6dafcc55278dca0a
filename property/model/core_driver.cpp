#include "property/model/core_driver.hpp"

#include <sstream>

#include "codec/packet_codec.hpp"
#include "conformance/harness/wire_format.hpp"

namespace mqtt::property {

core_driver::core_driver(broker::broker_config config)
    : core_(std::make_unique<broker::broker_core>(config)) {}

core_driver::~core_driver() = default;

void core_driver::record(conn_handle c, const std::string& line) {
  std::ostringstream o;
  o << "  #" << c << " " << line;
  log_.push_back(o.str());
}

std::optional<conn_handle> core_driver::open(codec::protocol_version v, std::string*) {
  const conn_handle c = next_++;
  conns_[c].version = v;
  broker::action_list out;
  core_->open(static_cast<broker::connection_id>(c), "127.0.0.1:" + std::to_string(c), now_, out);
  record(c, "--- connected");
  apply(out);
  return c;
}

void core_driver::send(conn_handle c, const codec::packet& p) {
  auto& conn = conns_[c];
  if (conn.closed) return;
  const auto v = std::holds_alternative<codec::connect_packet>(p)
                     ? std::get<codec::connect_packet>(p).version
                     : conn.version;
  const auto bytes = codec::encode_packet(p, v);
  record(c, "C→S " + cert::packet_label(bytes) + " " + cert::format_wire_hex(bytes, v));
  broker::action_list out;
  if (const auto* connect = std::get_if<codec::connect_packet>(&p)) {
    conn.version = connect->version;
    conn.connected = true;
    core_->receive_connect(static_cast<broker::connection_id>(c), codec::connect_packet(*connect),
                           broker::auth_verdict::allow(), now_, out);
  } else {
    core_->receive(static_cast<broker::connection_id>(c), codec::packet(p), broker::acl_verdicts::allow_all(), now_, out);
  }
  apply(out);
}

void core_driver::drop(conn_handle c) {
  auto& conn = conns_[c];
  if (conn.closed) return;
  conn.closed = true;
  record(c, "--- client closed the connection");
  broker::action_list out;
  core_->closed(static_cast<broker::connection_id>(c), now_, out);
  apply(out);
}

std::vector<inbound> core_driver::poll(conn_handle c, std::chrono::milliseconds) {
  auto& conn = conns_[c];
  std::vector<inbound> out(conn.inbox.begin(), conn.inbox.end());
  conn.inbox.clear();
  return out;
}

void core_driver::let_time_pass(std::uint32_t seconds) {
  // Tick every second, as the front end's timer would.
  for (std::uint32_t i = 0; i < seconds; ++i) {
    now_ += broker::millis(1000);
    broker::action_list out;
    core_->tick(now_, out);
    apply(out);
  }
  log_.push_back("  --- " + std::to_string(seconds) + " s pass");
}

void core_driver::apply(broker::action_list& out) {
  std::vector<conn_handle> to_close;
  for (auto& a : out) {
    const auto c = static_cast<conn_handle>(a.conn);
    auto it = conns_.find(c);
    if (it == conns_.end()) continue;
    auto& conn = it->second;
    switch (a.what) {
      case broker::action::kind::send: {
        if (conn.closed) break;
        const codec::byte_buffer bytes = broker::wire_bytes(a);
        const auto v = conn.connected ? core_->version(a.conn) : conn.version;
        conn.version = v;
        inbound in;
        auto r = codec::decode_packet(bytes, v);
        in.text = "S→C " + cert::packet_label(bytes) + " " + cert::format_wire_hex(bytes, v);
        if (r.status == codec::decode_status::ok && r.consumed == bytes.size()) {
          in.packet = std::move(r.value);
        } else {
          in.malformed = r.why.empty() ? "trailing bytes" : r.why;
        }
        record(c, in.text);
        conn.inbox.push_back(std::move(in));
        break;
      }
      case broker::action::kind::close:
        if (!conn.closed) {
          conn.closed = true;
          inbound in;
          in.closed = true;
          in.text = "--- broker closed the connection";
          record(c, in.text);
          conn.inbox.push_back(std::move(in));
          to_close.push_back(c);
        }
        break;
      case broker::action::kind::log:
        break;
    }
  }
  for (conn_handle c : to_close) {
    broker::action_list more;
    core_->closed(static_cast<broker::connection_id>(c), now_, more);
    apply(more);
  }
}

std::string core_driver::transcript() const {
  std::string out;
  for (const auto& l : log_) out += l + "\n";
  return out;
}

}  // namespace mqtt::property
