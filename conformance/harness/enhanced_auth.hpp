// enhanced_auth.hpp: driving a v5 enhanced authentication exchange (spec 4.12) from the
// steps a broker profile gives (`authentication_method`, `authentication_data`), so tests
// of CONNACK, AUTH and re-authentication can watch what the server sends.
#pragma once

#include <string>
#include <vector>

#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/session_helpers.hpp"

namespace mqtt::cert {

// auth_exchange is what the server sent during one exchange: every AUTH, then the packet
// that ended it (a CONNACK, a DISCONNECT, or a close/timeout/malformed result).
struct auth_exchange {
  std::vector<received> server_auths;
  received last;
  // connack returns the final CONNACK, or nullptr if the exchange did not end with one.
  const codec::connack_packet* connack() const { return last.as<codec::connack_packet>(); }
};

// run_enhanced_auth sends CONNECT (options `o` plus Authentication Method `method` and the
// first of `data_hex` as Authentication Data), then answers each server AUTH with AUTH
// 0x18 carrying the next step (empty data once the steps run out), until anything but an
// AUTH arrives. At most `max_rounds` AUTHs are answered. Blocks; test thread only.
auth_exchange run_enhanced_auth(raw_client& c, connect_options o, const std::string& method,
                                const std::vector<std::string>& data_hex, int max_rounds = 8);

// continue_enhanced_auth answers server AUTH packets as run_enhanced_auth does, starting
// from `first` (already received), for re-authentication after AUTH 0x19.
auth_exchange continue_enhanced_auth(raw_client& c, received first, const std::string& method,
                                     const std::vector<std::string>& data_hex,
                                     std::size_t next_step, int max_rounds = 8);

}  // namespace mqtt::cert
