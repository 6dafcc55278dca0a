// auth_webhook.hpp: the HTTP auth/ACL webhook engine. Request building and verdict
// mapping are pure functions; auth_webhook ties them to a webhook_transport.
//
// Verdicts (compatible with NanoMQ auth_http and EMQX's JSON answer):
//   2xx                               allow, unless the body says otherwise:
//     {"result": "allow"}             allow
//     {"result": "deny"} or "deny"    deny
//     {"result": "ignore"} or "ignore" ignore: the next checker decides (deny if none)
//     {"result": <anything else>}     deny
//   1xx, 3xx, 4xx, 5xx, other         deny
//   timeout, refused, DNS failure,
//   bad URL, any transport error      deny (fail closed)
// A body that is not JSON (or JSON without "result") leaves a 2xx an allow.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "reference-broker/auth/client_info.hpp"
#include "reference-broker/auth/webhook_config.hpp"
#include "reference-broker/auth/webhook_transport.hpp"

namespace mqtt::broker::auth {

enum class webhook_verdict : std::uint8_t {
  allow,   // the webhook accepts
  deny,    // the webhook refuses, or could not be asked (fail closed)
  ignore,  // the webhook has no opinion; the next checker decides
};

std::string_view webhook_verdict_name(webhook_verdict v);

// expand_placeholders fills %c %u %P %a %p %t %A %% in one param value. `password_mask`
// replaces the password when set (logging). Pure.
struct placeholder_values {
  const client_info* client = nullptr;
  const std::optional<std::string>* password = nullptr;  // CONNECT only
  std::string_view topic;                                // ACL only
  std::optional<acl_action> access;                      // ACL only
};
std::string expand_placeholders(std::string_view value, const placeholder_values& values,
                                const char* password_mask = nullptr);

// url_encode percent-encodes every byte except ASCII letters, digits and - . _ ~ *
// (RFC 3986 unreserved plus '*', which form encoding also leaves alone, so a masked
// password reads "***" in logs). Pure.
std::string url_encode(std::string_view text);

// build_auth_request makes the CONNECT request for `endpoint`. Pure.
http_request build_auth_request(const webhook_endpoint& endpoint, const connect_info& info);

// build_acl_request makes the PUBLISH/SUBSCRIBE request for `endpoint`. Pure.
http_request build_acl_request(const webhook_endpoint& endpoint, const client_info& client,
                               acl_action access, std::string_view topic);

// verdict_from_response maps an HTTP status and body to a verdict (table above). Pure.
webhook_verdict verdict_from_response(int status, std::string_view body);

// verdict_from_outcome is verdict_from_response, with every transport error a deny. Pure.
webhook_verdict verdict_from_outcome(const http_outcome& outcome);

using log_function = std::function<void(std::string_view line)>;

// auth_webhook sends requests for one webhook_config over a transport. Thread-safe: calls
// may come from any thread and overlap.
class auth_webhook {
 public:
  // A null transport denies every request of a configured endpoint. `log` receives one
  // line per request and answer (never the password); may be empty.
  auth_webhook(webhook_config config, std::shared_ptr<webhook_transport> transport,
               log_function log = {});

  const webhook_config& config() const { return config_; }
  bool has_auth() const { return config_.auth.has_value(); }
  bool has_acl() const { return config_.acl.has_value(); }

  // authenticate_async asks the auth endpoint about a CONNECT; never blocks. `done` runs
  // once on a transport thread; ignore at once (on this thread) without an auth endpoint.
  void authenticate_async(const connect_info& info,
                          std::function<void(webhook_verdict)> done) const;

  // authorize_async asks the ACL endpoint about one topic; never blocks. `done` runs once
  // on a transport thread; ignore at once (on this thread) without an ACL endpoint.
  void authorize_async(const client_info& client, acl_action access, std::string_view topic,
                       std::function<void(webhook_verdict)> done) const;

 private:
  void send(http_request request, std::string_view what,
            std::function<void(webhook_verdict)> done) const;

  webhook_config config_;
  std::shared_ptr<webhook_transport> transport_;
  log_function log_;
};

}  // namespace mqtt::broker::auth
