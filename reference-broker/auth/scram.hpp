// scram.hpp: SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash), sans-I/O: both ends of the
// exchange as objects fed one message at a time, and the credentials a server keeps.
//
//   client-first  n,,n=<user>,r=<client nonce>
//   server-first  r=<client nonce><server nonce>,s=<salt base64>,i=<iterations>
//   client-final  c=biws,r=<both nonces>,p=<ClientProof base64>
//   server-final  v=<ServerSignature base64>   or   e=<error>
//
// What this implementation takes: gs2 header "n,," or "y,," (no channel binding; "p="
// is refused, and so is an authorization identity "a="); a client-first with a mandatory
// extension "m=" is refused; optional extensions after the nonce are ignored, as RFC
// 5802 section 5.1 requires. User names are compared as bytes after "=2C"/"=3D" are
// decoded: no SASLprep, so use ASCII names and passwords. Nothing here does I/O or reads
// a clock; the nonces come in from the caller (random_scram_nonce).
//
// The server keeps StoredKey and ServerKey (never the password): a verification costs
// two HMACs and one SHA-256, no PBKDF2. Used by the broker (scram_server, via the
// password file) and by the conformance harness (scram_client); library mqtt_scram.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "reference-broker/auth/crypto_primitives.hpp"

namespace mqtt::broker::auth {

// The SASL mechanism name, used as the MQTT Authentication Method.
inline constexpr std::string_view scram_sha256_method = "SCRAM-SHA-256";
// RFC 7677 section 4: at least 4096 iterations.
inline constexpr std::uint32_t default_scram_iterations = 4096;
inline constexpr std::size_t default_scram_salt_size = 16;

// scram_credentials is what a server stores per user (RFC 5802 section 3).
struct scram_credentials {
  std::uint32_t iterations = 0;
  bytes salt;
  bytes stored_key;  // H(HMAC(SaltedPassword, "Client Key"))
  bytes server_key;  // HMAC(SaltedPassword, "Server Key")
};

// derive_scram_credentials runs PBKDF2-HMAC-SHA-256 over the password (CPU cost grows with
// `iterations`) and derives the keys from it.
scram_credentials derive_scram_credentials(std::string_view password,
                                           std::span<const std::byte> salt,
                                           std::uint32_t iterations = default_scram_iterations);

// format_scram_credentials writes "$scram-sha-256$<i>$<salt>$<StoredKey>$<ServerKey>"
// (base64 fields), the password-file form; parse_scram_credentials reads it back, or
// returns std::nullopt (with `why` when given).
std::string format_scram_credentials(const scram_credentials& c);
std::optional<scram_credentials> parse_scram_credentials(std::string_view text,
                                                         std::string* why = nullptr);
// is_scram_credentials says whether a password-file hash field is in the SCRAM form.
bool is_scram_credentials(std::string_view text);

// stand_in_scram_credentials makes credentials for a user that does not exist: the salt
// is derived from `secret` and the name, so asking twice shows the same salt, and no
// proof verifies against them. RFC 5802 section 9: do not tell which users exist.
scram_credentials stand_in_scram_credentials(std::string_view username,
                                             std::span<const std::byte> secret);

// random_scram_nonce returns 24 printable characters (18 random bytes in base64).
std::string random_scram_nonce();

// scram_lookup finds a user's credentials: the real ones and known = true, or stand-ins
// (stand_in_scram_credentials) and known = false.
struct scram_user {
  scram_credentials credentials;
  bool known = false;
};
using scram_lookup = std::function<scram_user(std::string_view username)>;

// scram_step is a server's answer to one client message.
struct scram_step {
  enum class kind : std::uint8_t {
    challenge,  // send `message` (server-first) and wait for client-final
    success,    // the proof verified: send `message` (server-final "v=...")
    failure,    // refused: send `message` ("e=...") if the transport can carry it
  };
  kind what = kind::failure;
  std::string message;
  std::string username;  // from client-first, once it was read
  std::string why;       // for logs: "client-final: proof does not verify"
};

// scram_server is the server side of one exchange. It is movable and holds no secret
// beyond the looked-up credentials. step() takes client-first, then client-final; any
// later call fails.
class scram_server {
 public:
  scram_server(scram_lookup lookup, std::string server_nonce);

  scram_step step(std::string_view client_message);

 private:
  scram_step first(std::string_view message);
  scram_step final(std::string_view message);

  enum class stage : std::uint8_t { client_first, client_final, done };
  stage stage_ = stage::client_first;
  scram_lookup lookup_;
  std::string server_nonce_;
  std::string gs2_header_;         // "n,," as the client sent it
  std::string client_first_bare_;  // "n=user,r=nonce"
  std::string server_first_;
  std::string nonce_;              // client nonce + server nonce
  std::string username_;
  scram_user user_;
};

// scram_client is the client side of one exchange: first_message(), then
// final_message(server-first), then verify_server_final(server-final).
class scram_client {
 public:
  scram_client(std::string username, std::string password, std::string client_nonce);

  std::string first_message() const;
  // final_message computes client-final (PBKDF2 with the server's salt and iterations);
  // std::nullopt and `why` when server-first is not valid for this exchange.
  std::optional<std::string> final_message(std::string_view server_first, std::string* why);
  // verify_server_final checks "v=ServerSignature"; false and `why` otherwise ("e=...").
  bool verify_server_final(std::string_view server_final, std::string* why) const;

 private:
  std::string username_;
  std::string password_;
  std::string client_nonce_;
  bytes server_key_;
  std::string auth_message_;
};

}  // namespace mqtt::broker::auth
