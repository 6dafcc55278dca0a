// core_driver.hpp: the in-process broker — mqtt-refbroker's sans-I/O core fed decoded
// packets and a fake clock, its actions decoded back into packets per connection, as the
// network front end would carry them out. Deterministic and fast: thousands of sequences
// a second.
#pragma once

#include <deque>
#include <map>
#include <memory>

#include "property/model/broker_driver.hpp"
#include "reference-broker/core/broker_core.hpp"

namespace mqtt::property {

class core_driver : public broker_driver {
 public:
  explicit core_driver(broker::broker_config config = {});
  ~core_driver() override;

  std::optional<conn_handle> open(codec::protocol_version v, std::string* error) override;
  void send(conn_handle c, const codec::packet& p) override;
  void drop(conn_handle c) override;
  std::vector<inbound> poll(conn_handle c, std::chrono::milliseconds wait) override;
  void let_time_pass(std::uint32_t seconds) override;
  bool real_time() const override { return false; }
  std::string transcript() const override;

 private:
  struct connection {
    codec::protocol_version version = codec::protocol_version::v5_0;
    bool connected = false;  // CONNECT sent
    bool closed = false;
    std::deque<inbound> inbox;
  };
  void apply(broker::action_list& out);
  void record(conn_handle c, const std::string& line);

  std::unique_ptr<broker::broker_core> core_;
  broker::millis now_{1'000'000};
  std::map<conn_handle, connection> conns_;
  conn_handle next_ = 1;
  std::vector<std::string> log_;
};

}  // namespace mqtt::property
