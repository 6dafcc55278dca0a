// webhook_transport.hpp: what the webhook engine asks of an HTTP client. The engine builds
// http_requests and maps http_outcomes to verdicts without any I/O; the nng client in
// reference-broker/net/http_webhook_client.hpp carries them, and tests use fakes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "reference-broker/auth/webhook_config.hpp"

namespace mqtt::broker::auth {

struct http_request {
  std::string method;       // "POST" or "GET"
  std::string url;          // absolute URL; for GET it carries the encoded params
  name_value_list headers;  // in order; Host and Content-Length are the client's job
  std::string body;         // empty for GET
  std::string log_text;     // "POST http://... body=..." with the password as "***"
};

// transport_error says why no HTTP answer arrived. Every one of them denies.
enum class transport_error : std::uint8_t {
  none,               // an HTTP response arrived; see status
  bad_url,            // the URL did not parse or names an unsupported scheme
  resolve_failed,     // the host name did not resolve
  connection_refused, // nothing listens at host:port
  timed_out,          // no complete answer within the timeout
  closed,             // the client is shutting down; the request was cancelled
  other,              // any other I/O, TLS or protocol failure
};

std::string_view transport_error_name(transport_error e);

struct http_outcome {
  transport_error error = transport_error::none;
  int status = 0;     // HTTP status when error == none
  std::string body;   // response body when error == none
  std::string why;    // error detail for logs (e.g. nng_strerror text)
};

// webhook_transport sends one request at a time per call; calls may overlap.
class webhook_transport {
 public:
  virtual ~webhook_transport() = default;
  // send starts the request and returns at once; `done` runs exactly once, on a
  // transport thread (never inside send), with the answer or the error.
  virtual void send(http_request request, std::chrono::milliseconds timeout,
                    std::function<void(http_outcome)> done) = 0;
};

}  // namespace mqtt::broker::auth
