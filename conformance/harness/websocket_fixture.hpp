// websocket_fixture.hpp: helpers the section 6 (WebSocket) tests of both versions share,
// added on top of a version's fixture: websocket_fixture<v5_test>, <v311_test>.
#pragma once

#include <string>
#include <vector>

#include "codec/packet_codec.hpp"
#include "conformance/harness/conformance_test.hpp"
#include "conformance/harness/websocket_stream.hpp"

namespace mqtt::cert {

template <typename VersionFixture>
class websocket_fixture : public VersionFixture {
 protected:
  // encode is the wire form of `p` for this fixture's version.
  codec::byte_buffer encode(const codec::packet& p) const {
    return codec::encode_packet(p, this->version());
  }
  codec::byte_buffer connect_bytes(const std::string& label) {
    connect_options o;
    o.client_id = this->client_id(label);
    return encode(make_connect(this->version(), o));
  }
  codec::byte_buffer subscribe_bytes(const std::string& filter) const {
    codec::subscribe_packet s;
    s.packet_id = 7;
    s.subscriptions.push_back({filter, {}});
    return encode(s);
  }
  // split cuts `bytes` into [0, at) and [at, end).
  static std::vector<codec::byte_buffer> split(const codec::byte_buffer& bytes, std::size_t at) {
    return {codec::byte_buffer(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(at)),
            codec::byte_buffer(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end())};
  }
  // expect_connack_ok waits for a CONNACK accepting the connection.
  ::testing::AssertionResult expect_connack_ok(raw_client& c) {
    auto r = c.expect_packet();
    const auto* ack = r.template as<codec::connack_packet>();
    if (ack == nullptr || ack->reason != 0) {
      return ::testing::AssertionFailure()
             << mismatch(codec::is_v5(this->version())
                                   ? "S→C CONNACK 20 .. 00 00 (Success)"
                                   : "S→C CONNACK 20 02 .. 00 (Connection Accepted)",
                               r);
    }
    return ::testing::AssertionSuccess();
  }
  // expect_pingresp sends PINGREQ and waits for PINGRESP: the connection still works.
  ::testing::AssertionResult expect_pingresp(raw_client& c) {
    c.send_packet(codec::pingreq_packet{});
    auto r = c.expect_ack();
    if (r.template as<codec::pingresp_packet>() == nullptr) {
      return ::testing::AssertionFailure() << mismatch("S→C PINGRESP D0 00", r);
    }
    return ::testing::AssertionSuccess();
  }
};

}  // namespace mqtt::cert
