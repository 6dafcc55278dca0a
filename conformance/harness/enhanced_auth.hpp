// enhanced_auth.hpp: driving a v5 enhanced authentication exchange (spec 4.12) so tests of
// CONNACK, AUTH and re-authentication can watch what the server sends. The client's side
// comes from an auth_client_steps: computed SCRAM-SHA-256 from a user name and password,
// or fixed hex steps, as the broker profile says (profile.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "conformance/harness/profile.hpp"
#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/session_helpers.hpp"

namespace mqtt::cert {

// auth_client_steps is the client's side of one exchange: first() is the Authentication
// Data of CONNECT (or AUTH 0x19), answer() the data answering each server AUTH 0x18, and
// check_final() judges the data of the CONNACK / AUTH 0x00 that ended it.
class auth_client_steps {
 public:
  virtual ~auth_client_steps() = default;
  virtual codec::byte_buffer first() = 0;
  virtual codec::byte_buffer answer(const codec::byte_buffer& server_data) = 0;
  // check_final returns "" when the server's final data is what the method expects (or
  // the method expects nothing), else one line saying what is wrong.
  virtual std::string check_final(const codec::byte_buffer& server_data) {
    (void)server_data;
    return {};
  }
};

// fixed_auth_steps sends the hex steps in order: the first in CONNECT, the next in each
// answer, empty data once they run out. A bad hex string throws std::invalid_argument.
std::unique_ptr<auth_client_steps> fixed_auth_steps(std::vector<std::string> data_hex);

// scram_auth_steps is a SCRAM-SHA-256 client (RFC 5802/7677) with a random nonce; its
// check_final verifies the server signature. A server-first it cannot use is answered
// with empty data (and the server should then refuse).
std::unique_ptr<auth_client_steps> scram_auth_steps(std::string username, std::string password);

// profile_auth_steps makes the steps the profile describes (SCRAM-SHA-256 computed from
// its user name and password, any other method from its hex steps).
std::unique_ptr<auth_client_steps> profile_auth_steps(const broker_profile& profile);

// auth_exchange is what the server sent during one exchange: every AUTH, then the packet
// that ended it (a CONNACK, a DISCONNECT, or a close/timeout/malformed result).
struct auth_exchange {
  std::vector<received> server_auths;
  received last;
  // final_problem is what check_final said of the final data of a successful end ("" when
  // fine, or when the exchange did not succeed).
  std::string final_problem;
  // connack returns the final CONNACK, or nullptr if the exchange did not end with one.
  const codec::connack_packet* connack() const { return last.as<codec::connack_packet>(); }
};

// run_enhanced_auth sends CONNECT (options `o` plus Authentication Method `method` and
// steps.first() as Authentication Data), then answers each server AUTH with AUTH 0x18
// carrying steps.answer(), until anything but an AUTH 0x18 arrives. At most `max_rounds`
// AUTHs are answered. Blocks; test thread only.
auth_exchange run_enhanced_auth(raw_client& c, connect_options o, const std::string& method,
                                auth_client_steps& steps, int max_rounds = 8);

// continue_enhanced_auth answers server AUTH packets as run_enhanced_auth does, starting
// from `first` (already received), for re-authentication after AUTH 0x19.
auth_exchange continue_enhanced_auth(raw_client& c, received first, const std::string& method,
                                     auth_client_steps& steps, int max_rounds = 8);

}  // namespace mqtt::cert
