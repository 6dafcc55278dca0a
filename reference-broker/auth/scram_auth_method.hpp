// scram_auth_method.hpp: SCRAM-SHA-256 as an MQTT 5 enhanced authentication method for
// the broker core (core/enhanced_auth.hpp), over the SCRAM lines of a password file.
// Offered when the file holds at least one SCRAM line. Each exchange draws a fresh server
// nonce from the OS random source; a step costs two HMACs and one SHA-256 (the file
// stores StoredKey and ServerKey, so no PBKDF2 runs in the broker). Thread-safe.
#pragma once

#include <memory>

#include "reference-broker/auth/password_file.hpp"
#include "reference-broker/core/enhanced_auth.hpp"

namespace mqtt::broker::auth {

class scram_auth_methods final : public auth_methods {
 public:
  explicit scram_auth_methods(std::shared_ptr<const password_file> passwords);
  // start returns an exchange for "SCRAM-SHA-256", nullptr for any other method.
  std::unique_ptr<auth_exchange> start(std::string_view method) const override;

 private:
  std::shared_ptr<const password_file> passwords_;
};

}  // namespace mqtt::broker::auth
