// fault_webhook.hpp: an HTTP auth webhook whose behaviour the webhook-faults scenario
// switches mid-run: it answers, stops listening, hangs, closes, or answers bytes that are
// not a usable HTTP answer. While answering it allows one User Name and denies all others.
//
// It reads requests with Boost.Beast (GET query or POST form/JSON body, `username`
// parameter) and writes its answers as raw bytes, so it can write what Beast would not.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mqtt::cert::stress {

enum class webhook_fault : std::uint8_t {
  answering,   // 200 {"result":"allow"} for the allowed user, 403 {"result":"deny"} otherwise
  stopped,     // the port is closed: connections are refused
  closing,     // reads the request, closes without answering
  hanging,     // reads the request, never answers, keeps the connection open
  not_http,    // answers bytes that are not HTTP, then closes
  bad_status,  // a status line whose code is not a number
  truncated,   // 200 with Content-Length 64, then 13 bytes of body and a close
  junk_body,   // 200 with a complete body that is not JSON (an allow by both brokers' contracts)
};

std::string_view webhook_fault_name(webhook_fault f);

class fault_webhook {
 public:
  // Listens on 127.0.0.1, any free port; starts answering.
  explicit fault_webhook(std::string allowed_user);
  ~fault_webhook();
  fault_webhook(const fault_webhook&) = delete;
  fault_webhook& operator=(const fault_webhook&) = delete;

  std::uint16_t port() const;
  // url is http://127.0.0.1:PORT/auth.
  std::string url() const;
  // set switches the behaviour for requests read from now on. Leaving `stopped` listens on
  // the same port again; entering it closes the port and every open connection. Blocks
  // until the server thread made the switch.
  void set(webhook_fault f);
  // requests is how many requests it has read; open_connections how many connections
  // from the broker are open right now (hanging ones included).
  int requests() const;
  int open_connections() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mqtt::cert::stress
