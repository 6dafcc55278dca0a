#include "conformance/harness/enhanced_auth.hpp"

#include <stdexcept>

#include "codec/hex.hpp"
#include "reference-broker/auth/scram.hpp"

namespace mqtt::cert {
namespace {

codec::byte_buffer text_bytes(std::string_view s) { return codec::byte_buffer(s.begin(), s.end()); }

class fixed_steps final : public auth_client_steps {
 public:
  explicit fixed_steps(std::vector<std::string> hex) : hex_(std::move(hex)) {}
  codec::byte_buffer first() override { return next(); }
  codec::byte_buffer answer(const codec::byte_buffer&) override { return next(); }

 private:
  codec::byte_buffer next() {
    if (i_ >= hex_.size()) return {};
    auto b = codec::from_hex(hex_[i_]);
    if (!b) throw std::invalid_argument("profile authentication data is not hex: " + hex_[i_]);
    ++i_;
    return *b;
  }
  std::vector<std::string> hex_;
  std::size_t i_ = 0;
};

class scram_steps final : public auth_client_steps {
 public:
  scram_steps(std::string username, std::string password)
      : client_(std::move(username), std::move(password),
                broker::auth::random_scram_nonce()) {}
  codec::byte_buffer first() override { return text_bytes(client_.first_message()); }
  codec::byte_buffer answer(const codec::byte_buffer& server_data) override {
    auto final = client_.final_message(std::string(server_data.begin(), server_data.end()),
                                       nullptr);
    return final ? text_bytes(*final) : codec::byte_buffer{};
  }
  std::string check_final(const codec::byte_buffer& server_data) override {
    std::string why;
    if (client_.verify_server_final(std::string(server_data.begin(), server_data.end()), &why))
      return {};
    return "SCRAM server-final: " + why;
  }

 private:
  broker::auth::scram_client client_;
};

}  // namespace

std::unique_ptr<auth_client_steps> fixed_auth_steps(std::vector<std::string> data_hex) {
  return std::make_unique<fixed_steps>(std::move(data_hex));
}

std::unique_ptr<auth_client_steps> scram_auth_steps(std::string username, std::string password) {
  return std::make_unique<scram_steps>(std::move(username), std::move(password));
}

std::unique_ptr<auth_client_steps> profile_auth_steps(const broker_profile& profile) {
  if (profile.authentication_method == broker::auth::scram_sha256_method)
    return scram_auth_steps(profile.authentication_username, profile.authentication_password);
  return fixed_auth_steps(profile.authentication_data_hex);
}

auth_exchange continue_enhanced_auth(raw_client& c, received first, const std::string& method,
                                     auth_client_steps& steps, int max_rounds) {
  auth_exchange out;
  received r = std::move(first);
  for (int round = 0; round < max_rounds; ++round) {
    const auto* a = r.as<codec::auth_packet>();
    if (!a || a->reason != codec::reason_code::continue_authentication) break;
    out.server_auths.push_back(r);
    codec::auth_packet reply;
    reply.reason = codec::reason_code::continue_authentication;
    reply.props.authentication_method = method;
    auto data = steps.answer(a->props.authentication_data.value_or(codec::byte_buffer{}));
    if (!data.empty()) reply.props.authentication_data = std::move(data);
    c.send_packet(reply);
    r = c.expect_packet();
  }
  // A re-authentication ends in AUTH 0x00: it is a server AUTH too.
  if (const auto* a = r.as<codec::auth_packet>()) {
    if (a->reason != codec::reason_code::continue_authentication) out.server_auths.push_back(r);
    if (a->reason == codec::reason_code::success)
      out.final_problem = steps.check_final(a->props.authentication_data.value_or(codec::byte_buffer{}));
  } else if (const auto* ack = r.as<codec::connack_packet>(); ack && ack->reason == 0) {
    out.final_problem =
        steps.check_final(ack->props.authentication_data.value_or(codec::byte_buffer{}));
  }
  out.last = std::move(r);
  return out;
}

auth_exchange run_enhanced_auth(raw_client& c, connect_options o, const std::string& method,
                                auth_client_steps& steps, int max_rounds) {
  o.props.authentication_method = method;
  auto data = steps.first();
  if (!data.empty()) o.props.authentication_data = std::move(data);
  c.set_version(codec::protocol_version::v5_0);
  c.send_packet(make_connect(codec::protocol_version::v5_0, o));
  return continue_enhanced_auth(c, c.expect_packet(), method, steps, max_rounds);
}

}  // namespace mqtt::cert
