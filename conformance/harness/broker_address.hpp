// broker_address.hpp: a broker URL such as tcp://127.0.0.1:1883 or ws://host:8080/mqtt, parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqtt::cert {

struct broker_address {
  // scheme is normalised to one of: tcp (also mqtt://), tls (also mqtts://, tls+tcp://,
  // ssl://), ws, wss.
  std::string scheme = "tcp";
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  // path is the WebSocket request target ("/mqtt"); "/" when the URL has none. Unused by
  // tcp and tls.
  std::string path = "/";

  // url returns "scheme://host:port", plus the path for ws and wss.
  std::string url() const;
  // is_websocket says whether the scheme is ws or wss; is_tls whether it is tls or wss.
  bool is_websocket() const { return scheme == "ws" || scheme == "wss"; }
  bool is_tls() const { return scheme == "tls" || scheme == "wss"; }

  // parse reads "tcp://host:port", "mqtt://", "tls://", "mqtts://", "tls+tcp://",
  // "ws://host:port/path" and "wss://host:port/path" ("host:port" alone is tcp). A missing
  // port is 1883 (tcp), 8883 (tls), 80 (ws) or 443 (wss). Returns nullopt and sets `error`
  // to one plain sentence when the text is not a usable URL.
  static std::optional<broker_address> parse(std::string_view text, std::string* error);
};

}  // namespace mqtt::cert
