#include "conformance/harness/broker_address.hpp"

#include <charconv>

namespace mqtt::cert {

namespace {

// normalise_scheme maps the accepted URL schemes onto tcp, tls, ws and wss; "" if unknown.
std::string normalise_scheme(std::string_view s) {
  if (s == "tcp" || s == "mqtt") return "tcp";
  if (s == "tls" || s == "mqtts" || s == "tls+tcp" || s == "ssl") return "tls";
  if (s == "ws" || s == "wss") return std::string(s);
  return {};
}

std::uint16_t default_port(const std::string& scheme) {
  if (scheme == "tls") return 8883;
  if (scheme == "ws") return 80;
  if (scheme == "wss") return 443;
  return 1883;
}

}  // namespace

std::string broker_address::url() const {
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string out = scheme + "://" + shown_host + ":" + std::to_string(port);
  if (is_websocket()) out += path;
  return out;
}

std::optional<broker_address> broker_address::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<broker_address> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  broker_address a;
  auto sep = text.find("://");
  if (sep != std::string_view::npos) {
    std::string_view given = text.substr(0, sep);
    a.scheme = normalise_scheme(given);
    if (a.scheme.empty())
      return fail("unsupported broker URL scheme '" + std::string(given) +
                  "' (use tcp://, tls://, mqtts://, ws:// or wss://)");
    text.remove_prefix(sep + 3);
  }
  a.port = default_port(a.scheme);
  // Everything from the first '/' after the authority is the path.
  auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    std::string_view path = text.substr(slash);
    text = text.substr(0, slash);
    if (a.is_websocket()) {
      a.path = std::string(path);
    } else if (path.find_first_not_of('/') != std::string_view::npos) {
      return fail("a " + a.scheme + ":// broker URL has no path ('" + std::string(path) + "')");
    }
  }
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {  // [::1]:1883
    auto close = text.find(']');
    if (close == std::string_view::npos) return fail("bad IPv6 address in broker URL");
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') port = rest.substr(1);
  } else {
    auto colon = text.rfind(':');
    host = text.substr(0, colon);
    if (colon != std::string_view::npos) port = text.substr(colon + 1);
  }
  if (host.empty()) return fail("broker URL has no host");
  a.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || p != port.data() + port.size() || value == 0 || value > 65535)
      return fail("bad port '" + std::string(port) + "' in broker URL");
    a.port = static_cast<std::uint16_t>(value);
  }
  return a;
}

}  // namespace mqtt::cert
