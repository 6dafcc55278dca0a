// verdict.hpp: what a broker asks before it lets a client in or lets it publish or
// subscribe, and the verdicts that come back. The core's per-connection session asks
// (client_connection), the front end has its authorizer answer (../auth: password file,
// ACL file, webhook). Small on purpose: auth/ depends on this, not on the whole core.
//
// Every verdict is denied until someone sets it: a default-constructed verdict, or one a
// failed check never filled in, never lets anything through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/reason_code.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::broker {

using connection_id = std::uint64_t;

// peer_identity is who a connection is, as far as the broker knows it when it asks.
struct peer_identity {
  connection_id conn = 0;
  // Empty before CONNECT; for a CONNECT verdict the ClientID as sent (maybe "", the core
  // assigns one after the verdict); for ACL checks the one in force.
  std::string client_id;
  std::optional<std::string> username;
  std::string peer_address;  // IP address without port ("127.0.0.1", "::1")
  std::uint16_t peer_port = 0;
  std::string transport;     // "tcp", "ws", "tls+tcp", "wss"
  codec::protocol_version version = codec::protocol_version::v5_0;
};

// address_and_port is "address:port" ("[::1]:port" for IPv6), or "unknown", for logs.
inline std::string address_and_port(const peer_identity& who) {
  if (who.peer_address.empty()) return "unknown";
  const std::string port = std::to_string(who.peer_port);
  if (who.peer_address.find(':') != std::string::npos) return "[" + who.peer_address + "]:" + port;
  return who.peer_address + ":" + port;
}

// auth_verdict is what the authenticator decided about a CONNECT.
struct auth_verdict {
  bool allowed = false;
  // The CONNACK reason when refused: bad_user_name_or_password, not_authorized, ...
  codec::reason_code reason = codec::reason_code::not_authorized;

  static auth_verdict allow() { return {true, codec::reason_code::success}; }
};

// read_filter decides, per delivered message, whether a subscription's client may read
// its topic. A SUBSCRIBE verdict attaches one when the filter reaches topics the client
// may not read (a mosquitto-style ACL with a deny rule inside an allowed filter); a
// subscription without one is delivered everything it matches, at no cost. Const and
// thread-safe: deliveries run on many threads.
class read_filter {
 public:
  virtual ~read_filter() = default;
  virtual bool may_read(std::string_view topic) const = 0;
};

// topic_verdict answers for one Topic Name (PUBLISH) or one Topic Filter (SUBSCRIBE).
struct topic_verdict {
  bool allowed = false;
  std::shared_ptr<const read_filter> read_check;  // SUBSCRIBE only; null: no check needed
};

// acl_verdicts answers for a PUBLISH (one entry) or a SUBSCRIBE (one per Topic Filter, in
// order). `all_allowed` says no ACL applies at all; otherwise an entry that is missing
// denies.
struct acl_verdicts {
  bool all_allowed = false;
  std::vector<topic_verdict> topics;

  static acl_verdicts allow_all() { return {true, {}}; }
  bool allows(std::size_t i) const {
    return all_allowed || (i < topics.size() && topics[i].allowed);
  }
  std::shared_ptr<const read_filter> read_check(std::size_t i) const {
    return all_allowed || i >= topics.size() ? nullptr : topics[i].read_check;
  }
};

}  // namespace mqtt::broker
