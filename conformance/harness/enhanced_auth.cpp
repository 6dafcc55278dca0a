#include "conformance/harness/enhanced_auth.hpp"

#include <stdexcept>

#include "codec/hex.hpp"

namespace mqtt::cert {
namespace {

codec::byte_buffer step_bytes(const std::vector<std::string>& data_hex, std::size_t i) {
  if (i >= data_hex.size()) return {};
  auto b = codec::from_hex(data_hex[i]);
  if (!b) throw std::invalid_argument("profile authentication_data is not hex: " + data_hex[i]);
  return *b;
}

}  // namespace

auth_exchange continue_enhanced_auth(raw_client& c, received first, const std::string& method,
                                     const std::vector<std::string>& data_hex,
                                     std::size_t next_step, int max_rounds) {
  auth_exchange out;
  received r = std::move(first);
  for (int round = 0; round < max_rounds && r.as<codec::auth_packet>(); ++round) {
    out.server_auths.push_back(r);
    codec::auth_packet reply;
    reply.reason = codec::reason_code::continue_authentication;
    reply.props.authentication_method = method;
    auto data = step_bytes(data_hex, next_step++);
    if (!data.empty()) reply.props.authentication_data = std::move(data);
    c.send_packet(reply);
    r = c.expect_packet();
  }
  out.last = std::move(r);
  return out;
}

auth_exchange run_enhanced_auth(raw_client& c, connect_options o, const std::string& method,
                                const std::vector<std::string>& data_hex, int max_rounds) {
  o.props.authentication_method = method;
  auto data = step_bytes(data_hex, 0);
  if (!data.empty()) o.props.authentication_data = std::move(data);
  c.set_version(codec::protocol_version::v5_0);
  c.send_packet(make_connect(codec::protocol_version::v5_0, o));
  return continue_enhanced_auth(c, c.expect_packet(), method, data_hex, 1, max_rounds);
}

}  // namespace mqtt::cert
