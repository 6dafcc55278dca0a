// network_driver.hpp: any broker over the network (tcp://, tls://, ws://, wss://), through
// the conformance harness's raw client. Real time: waits cost real time, so sequences
// meant for it leave out long waits and expiry (see command_gen.hpp).
#pragma once

#include <map>
#include <memory>

#include "conformance/harness/broker_address.hpp"
#include "conformance/harness/raw_client.hpp"
#include "property/model/broker_driver.hpp"

namespace mqtt::property {

class network_driver : public broker_driver {
 public:
  explicit network_driver(cert::broker_address address);

  std::optional<conn_handle> open(codec::protocol_version v, std::string* error) override;
  void send(conn_handle c, const codec::packet& p) override;
  void drop(conn_handle c) override;
  std::vector<inbound> poll(conn_handle c, std::chrono::milliseconds wait) override;
  void let_time_pass(std::uint32_t seconds) override;
  bool real_time() const override { return true; }
  std::string transcript() const override;

 private:
  cert::broker_address address_;
  std::map<conn_handle, std::unique_ptr<cert::raw_client>> clients_;
  std::vector<std::shared_ptr<cert::transcript>> logs_;
  conn_handle next_ = 1;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace mqtt::property
