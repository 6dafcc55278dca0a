#include "reference-broker/auth/scram_auth_method.hpp"

namespace mqtt::broker::auth {
namespace {

// scram_auth_exchange adapts scram_server (text messages) to the core's byte steps.
class scram_auth_exchange final : public auth_exchange {
 public:
  explicit scram_auth_exchange(std::shared_ptr<const password_file> passwords)
      : server_(
            [passwords](std::string_view user) { return passwords->find_scram(user); },
            random_scram_nonce()) {}

  auth_step step(codec::byte_view client_data) override {
    const std::string_view text(reinterpret_cast<const char*>(client_data.data()),
                                client_data.size());
    scram_step s = server_.step(text);
    auth_step out;
    out.data.assign(s.message.begin(), s.message.end());
    out.identity = s.username;
    out.why = s.why;
    switch (s.what) {
      case scram_step::kind::challenge:
        out.what = auth_step::kind::challenge;
        break;
      case scram_step::kind::success:
        out.what = auth_step::kind::success;
        break;
      case scram_step::kind::failure:
        // One reason for a wrong password, an unknown user and a malformed message.
        out.what = auth_step::kind::failure;
        out.reason = codec::reason_code::not_authorized;
        break;
    }
    return out;
  }

 private:
  scram_server server_;
};

}  // namespace

scram_auth_methods::scram_auth_methods(std::shared_ptr<const password_file> passwords)
    : passwords_(std::move(passwords)) {}

std::unique_ptr<auth_exchange> scram_auth_methods::start(std::string_view method) const {
  if (method != scram_sha256_method || !passwords_) return nullptr;
  return std::make_unique<scram_auth_exchange>(passwords_);
}

}  // namespace mqtt::broker::auth
