// malformed_scenarios.cpp: oversize and malformed input — the right reason code or a
// close, and memory that stays flat.
#include <thread>

#include "codec/hex.hpp"
#include "stress/clients.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {
namespace {

using namespace std::chrono_literals;

// huge_remaining_length: many connections each start a PUBLISH whose Remaining Length
// claims 268,435,455 bytes (FF FF FF 7F, the largest the encoding holds) and send 10 bytes
// of it. A broker that reserves what a header claims runs out of memory; one that announced
// a smaller Maximum Packet Size should close at once. 5.0, 3.2.2.3.6: "If a Server receives
// a packet whose size exceeds this limit, this is a Protocol Error, the Server uses
// DISCONNECT with Reason Code 0x95 (Packet too large), as described in section 4.13."
scenario_report huge_remaining_length(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-4.13.1-1";
  const int connections = c.quick ? 50 : 200;
  const auto rss_before = c.rss_kib();
  std::vector<connected> clients;
  std::optional<std::uint32_t> limit;
  for (int i = 0; i < connections && !c.stopping(); ++i) {
    auto cl = connect_client(c, c.run_id + "-" + std::to_string(i));
    if (!cl) {
      rep.degrade("connection " + std::to_string(i) + " could not connect: " + cl.failure);
      break;
    }
    limit = cl.maximum_packet_size();
    cl.client->send_hex("30 FF FF FF 7F 00 03 61 2F 62 00 00 00 00 00");
    clients.push_back(std::move(cl));
    if (i % 10 == 0) c.progress(std::to_string(i + 1) + " connections claim 256 MB each");
  }
  rep.saw(std::to_string(clients.size()) + " connections each sent a PUBLISH header claiming 268,435,455 "
          "bytes, then 10 of them; Maximum Packet Size announced: " +
          (limit ? std::to_string(*limit) : std::string("none (no limit below the protocol's)")));
  std::this_thread::sleep_for(1s);
  const auto rss_during = c.rss_kib();
  if (rss_before && rss_during) {
    const long grown = *rss_during - *rss_before;
    rep.saw("broker RSS grew by " + std::to_string(grown / 1024) + " MiB while they waited");
    if (grown > 256 * 1024) rep.fail("the broker reserved memory for what the headers claimed (" +
                                     std::to_string(grown / 1024) + " MiB for " +
                                     std::to_string(clients.size()) + " connections)");
    else if (grown > 64 * 1024) rep.degrade("memory grew by more than 64 MiB for 10-byte packets");
  }
  int closed = 0, with_0x95 = 0;
  for (auto& cl : clients) {
    const auto seen = cl.client->expect_close(limit ? 5000ms : 500ms);
    if (seen.closed) ++closed;
    if (seen.first_reason() == 0x95) ++with_0x95;
  }
  rep.saw(std::to_string(closed) + " of " + std::to_string(clients.size()) + " closed by the broker, " +
          std::to_string(with_0x95) + " with DISCONNECT 0x95 (Packet too large) first");
  if (limit && *limit < 268'435'460 && closed < static_cast<int>(clients.size()))
    rep.degrade("the broker kept connections open whose packet is larger than the Maximum Packet Size "
                "it announced, waiting for bytes it will refuse");
  return rep;
}

}  // namespace

std::vector<scenario> malformed_scenarios() {
  return {
      {"huge-remaining-length", "malformed",
       "PUBLISH headers claiming 256 MB with 10 bytes sent, on many connections", huge_remaining_length},
  };
}

}  // namespace mqtt::cert::stress
