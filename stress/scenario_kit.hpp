// scenario_kit.hpp: what the malformed and abuse scenarios share — packets built by hand
// (the codec will not encode a repeated property or a five-byte length, and a scenario
// sometimes needs an exact size), a short account of what a broker answered, and a memory
// check against the RSS the runner watches.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "codec/packets.hpp"
#include "conformance/harness/raw_client.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

// put_u16 and put_string append a Two Byte Integer and a UTF-8 Encoded String (1.5.2, 1.5.4).
void put_u16(codec::byte_buffer& out, std::uint16_t v);
void put_string(codec::byte_buffer& out, std::string_view s);

// raw_publish is a PUBLISH with `props` copied as they are after the Property Length (5.0;
// 3.1.1 has no property section, so `props` must then be empty).
codec::byte_buffer raw_publish(std::string_view topic, codec::byte_view props, codec::byte_view payload,
                               codec::qos q = codec::qos::at_most_once, std::uint16_t packet_id = 0,
                               bool v5 = true);

// publish_of_size is a 5.0 QoS 1 PUBLISH of exactly `size` bytes, fixed header included (the
// payload takes up the rest); nullopt when `size` is too small for the topic.
std::optional<codec::byte_buffer> publish_of_size(std::string_view topic, std::uint32_t size,
                                                  std::uint16_t packet_id);

// answer is what came back for something sent: a packet, or a close (with the reason code of
// a DISCONNECT that came first), or nothing in time.
struct answer {
  enum class kind : std::uint8_t { packet, closed, silence } what = kind::silence;
  received got;                        // the packet, for kind::packet
  std::optional<std::uint8_t> reason;  // DISCONNECT's reason before a close; an ack's reason
  std::string text;                    // one short line for evidence (no multi-KiB hex dumps)
};

// await_answer waits up to `timeout` for the next packet; a DISCONNECT is followed to the close.
answer await_answer(raw_client& c, std::chrono::milliseconds timeout);

// reason_of is the reason code of an acknowledgement (PUBACK … PUBCOMP, DISCONNECT), if any.
std::optional<std::uint8_t> reason_of(const codec::packet& p);

// hex_byte is "0x95".
std::string hex_byte(std::uint8_t b);

// memory_watch remembers the broker's RSS when made and tells how much it grew since.
class memory_watch {
 public:
  explicit memory_watch(const context& c);
  std::optional<long> grown_kib() const;
  // judge records the growth and degrades the report beyond `allowance_mib`.
  void judge(scenario_report& rep, long allowance_mib, const std::string& what) const;

 private:
  const context& c_;
  std::optional<long> before_;
};

// drain_publishes reads packets until none comes for `quiet`, acknowledging QoS 1/2 PUBLISH (PUBACK /
// PUBREC, and PUBCOMP for PUBREL) and calling `on_publish` for each PUBLISH. Returns false
// when the connection closed.
bool drain_publishes(raw_client& c, std::chrono::milliseconds quiet,
                     const std::function<void(const codec::publish_packet&)>& on_publish);

}  // namespace mqtt::cert::stress
