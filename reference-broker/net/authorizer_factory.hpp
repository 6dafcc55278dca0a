// authorizer_factory.hpp: builds the connection_authorizer the command line asks for:
// allow-all when no auth option is given, else the auth module (../auth: password file,
// ACL file, HTTP auth/ACL webhook over net/http_webhook_client). This is the one place
// where net/ meets auth/.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "reference-broker/net/connection_authorizer.hpp"

namespace mqtt::broker::net {

struct auth_settings {
  std::string password_file;     // mosquitto-style user:hash lines; SCRAM lines offer SCRAM-SHA-256
  std::string acl_file;          // mosquitto-style ACL
  bool allow_anonymous = true;   // clients without a User Name nobody else decides on
  std::string auth_webhook_url;  // asked on CONNECT
  std::string acl_webhook_url;   // asked on PUBLISH and per SUBSCRIBE filter
  std::string webhook_config;    // JSON file with params/headers (auth module format)
  std::chrono::milliseconds webhook_timeout{5000};
  std::string webhook_method = "post";  // post | get
  std::string webhook_body = "form";    // form | json
  std::string webhook_tls_ca;           // CA bundle for https:// webhooks

  // configured says whether anything beyond allow-all was asked for.
  bool configured() const {
    return !password_file.empty() || !acl_file.empty() || !auth_webhook_url.empty() ||
           !acl_webhook_url.empty() || !webhook_config.empty() || !allow_anonymous;
  }
};

// make_authorizer loads files and sets up webhooks; throws std::runtime_error with a
// one-line reason (bad file, bad value, auth module not built). Never returns null.
std::unique_ptr<connection_authorizer> make_authorizer(const auth_settings& settings);

}  // namespace mqtt::broker::net
