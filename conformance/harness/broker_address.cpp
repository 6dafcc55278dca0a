#include "conformance/harness/broker_address.hpp"

#include <charconv>

namespace mqtt::cert {

std::string broker_address::url() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

std::optional<broker_address> broker_address::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<broker_address> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  broker_address a;
  auto sep = text.find("://");
  if (sep != std::string_view::npos) {
    a.scheme = std::string(text.substr(0, sep));
    text.remove_prefix(sep + 3);
  }
  if (a.scheme != "tcp" && a.scheme != "mqtt") {
    // TODO(#5): ws://, wss:// and tls:// (mqtts://) transports in the raw client.
    return fail("unsupported broker URL scheme '" + a.scheme + "' (only tcp:// for now)");
  }
  a.scheme = "tcp";
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
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
