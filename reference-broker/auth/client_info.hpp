// client_info.hpp: who a client is, as the authenticator, the ACL checks and the webhook
// see it. Filled by the network layer from the CONNECT packet and the socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mqtt::broker::auth {

struct client_info {
  std::string client_id;                // %c; the assigned one if the client sent ""
  std::optional<std::string> username;  // %u; std::nullopt: no User Name in CONNECT
  std::string peer_address;             // %a; IP address without port ("127.0.0.1", "::1")
  std::uint16_t peer_port = 0;          // %p
};

// connect_info is a client_info plus the CONNECT Password (binary data, 3.1.3.5).
struct connect_info {
  client_info client;
  std::optional<std::string> password;  // %P; never logged
  // The CONNECT's Authentication Method (MQTT 5 enhanced authentication), if any.
  std::optional<std::string> authentication_method;
};

// acl_action says what a client asks to do with a topic. The values are the `%A` wire
// values of the EMQX / NanoMQ HTTP ACL request (1 subscribe, 2 publish).
enum class acl_action : std::uint8_t {
  subscribe = 1,
  publish = 2,
};

}  // namespace mqtt::broker::auth
