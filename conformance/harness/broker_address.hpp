// broker_address.hpp: a broker URL such as tcp://127.0.0.1:1883, parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqtt::cert {

struct broker_address {
  std::string scheme = "tcp";  // tcp today; ws, wss, tls later (TODO(#5))
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;

  // url returns "scheme://host:port".
  std::string url() const;

  // parse reads "tcp://host:port" (also "host:port", taken as tcp). Returns nullopt and
  // sets `error` to one plain sentence when the text is not a usable URL.
  static std::optional<broker_address> parse(std::string_view text, std::string* error);
};

}  // namespace mqtt::cert
