#include "property/model/network_driver.hpp"

#include <sstream>
#include <thread>

namespace mqtt::property {

network_driver::network_driver(cert::broker_address address) : address_(std::move(address)) {}

std::optional<conn_handle> network_driver::open(codec::protocol_version v, std::string* error) {
  const conn_handle c = next_++;
  auto client = std::make_unique<cert::raw_client>("#" + std::to_string(c), v);
  logs_.push_back(client->log());
  if (!client->connect(address_)) {
    if (error) *error = client->connect_error();
    return std::nullopt;
  }
  clients_[c] = std::move(client);
  return c;
}

void network_driver::send(conn_handle c, const codec::packet& p) {
  auto it = clients_.find(c);
  if (it != clients_.end()) it->second->send_packet(p);
}

void network_driver::drop(conn_handle c) {
  auto it = clients_.find(c);
  if (it != clients_.end()) it->second->close();
}

std::vector<inbound> network_driver::poll(conn_handle c, std::chrono::milliseconds wait) {
  std::vector<inbound> out;
  auto it = clients_.find(c);
  if (it == clients_.end() || !it->second->is_open()) return out;
  for (auto w = wait;; w = std::chrono::milliseconds(0)) {
    cert::received r = it->second->expect_packet(w);
    if (r.status == cert::recv_status::timeout) break;
    inbound in;
    in.text = r.describe();
    if (r.status == cert::recv_status::packet) {
      in.packet = std::move(r.packet);
    } else if (r.status == cert::recv_status::malformed) {
      in.malformed = r.why;
    } else {
      in.closed = true;
      out.push_back(std::move(in));
      it->second->close();
      break;
    }
    out.push_back(std::move(in));
  }
  return out;
}

void network_driver::let_time_pass(std::uint32_t seconds) {
  // Sequences for a real broker keep waits short: the time itself is not what they test.
  std::this_thread::sleep_for(std::chrono::milliseconds(20) * seconds);
}

std::string network_driver::transcript() const {
  // The runner polls all the time; "waited N ms: no packet" lines would bury the packets.
  std::istringstream all(cert::format_transcripts(logs_, started_));
  std::string out, line;
  while (std::getline(all, line))
    if (line.find("--- waited ") == std::string::npos) out += line + "\n";
  return out;
}

}  // namespace mqtt::property
