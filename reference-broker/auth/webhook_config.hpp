// webhook_config.hpp: the HTTP auth/ACL webhook settings, shaped like NanoMQ's
// `auth.http_auth` (auth_req / acl_req with url, method, headers, params) so a NanoMQ or
// EMQX webhook service can be pointed at mqtt-refbroker unchanged.
//
// Placeholders in param values: %c ClientID, %u User Name, %P Password, %a peer IP
// address, %p peer port, %t topic (ACL), %A access (ACL: 1 subscribe, 2 publish),
// %% a literal '%'. Absent values (no User Name, no Password) expand to "". Any other
// %x is kept as written.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mqtt::broker::auth {

enum class http_method : std::uint8_t {
  post,  // params in the body
  get,   // params in the query string
};

enum class body_format : std::uint8_t {
  form,  // application/x-www-form-urlencoded
  json,  // application/json: one object, every value a string
};

using name_value_list = std::vector<std::pair<std::string, std::string>>;

// webhook_endpoint is one request kind: authentication (on CONNECT) or ACL (on PUBLISH
// and SUBSCRIBE). Params and headers keep their configured order.
struct webhook_endpoint {
  std::string url;  // http://host[:port]/path[?query] or https://...
  http_method method = http_method::post;
  body_format format = body_format::form;
  name_value_list params;   // name -> value template, e.g. {"clientid", "%c"}
  name_value_list headers;  // extra request headers; Content-Type comes from `format`
};

struct webhook_config {
  std::optional<webhook_endpoint> auth;  // asked on CONNECT
  std::optional<webhook_endpoint> acl;   // asked on PUBLISH and per SUBSCRIBE filter
  // Whole-request limit: connect, send, answer. On expiry the request is denied.
  std::chrono::milliseconds timeout{5000};
  // PEM CA bundle for https:// URLs; empty: nng's default (no trusted CAs, so https
  // requests fail and are denied until one is set).
  std::string tls_ca_file;
};

// webhook_config_from_json reads the JSON form of webhook_config:
//   {"timeout_ms": 5000, "tls_ca_file": "...",
//    "auth": {"url": "...", "method": "post"|"get", "body": "form"|"json",
//             "params": {"clientid": "%c", ...}, "headers": {"X-Key": "..."}},
//    "acl":  {...same keys...}}
// "body" may be left out when a "content-type" header says application/json (NanoMQ's
// way). Throws config_error naming `source` and the key on a bad value.
webhook_config webhook_config_from_json(std::string_view json_text, std::string_view source);

}  // namespace mqtt::broker::auth
