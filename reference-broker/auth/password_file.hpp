// password_file.hpp: a mosquitto-compatible password file of `username:hash` lines.
//
// Hash formats (as written by mosquitto_passwd 2.0):
//   $7$<iterations>$<salt base64>$<hash base64>   PBKDF2-HMAC-SHA512, 64-byte hash
//   $6$<salt base64>$<hash base64>                SHA-512(password || salt), legacy
// Plain-text passwords are refused: create lines with hash_password() or `mqtt-passwd`.
//
// SCRAM-SHA-256 entries (this project's extension; mosquitto does not read them):
//   $scram-sha-256$<iterations>$<salt b64>$<StoredKey b64>$<ServerKey b64>
// made with `mqtt-passwd --scram`. A user may have one line of each kind: the mosquitto
// line checks a CONNECT Password, the SCRAM line serves enhanced authentication (MQTT 5
// Authentication Method "SCRAM-SHA-256"). A user with only a SCRAM line cannot log in
// with a Password (check() says wrong_password). Users who appear in no line at all get
// stand-in SCRAM credentials (find_scram), so an exchange does not tell who exists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "reference-broker/auth/scram.hpp"

namespace mqtt::broker::auth {

enum class hash_kind : std::uint8_t {
  sha512_pbkdf2,  // "$7$": PBKDF2-HMAC-SHA512
  sha512,         // "$6$": one round of SHA-512 over password then salt
};

struct password_hash {
  hash_kind kind = hash_kind::sha512_pbkdf2;
  std::uint32_t iterations = 0;  // "$7$" only
  std::vector<std::byte> salt;
  std::vector<std::byte> hash;
};

// default_pbkdf2_iterations is mosquitto_passwd's default, so files stay interchangeable.
inline constexpr std::uint32_t default_pbkdf2_iterations = 101;
inline constexpr std::size_t default_salt_size = 12;

// parse_password_hash reads the hash part of a line; std::nullopt if it is not one of the
// formats above (with `why` set to a short reason when given).
std::optional<password_hash> parse_password_hash(std::string_view text,
                                                 std::string* why = nullptr);

// format_password_hash writes a hash in the file format parse_password_hash reads.
std::string format_password_hash(const password_hash& h);

// hash_password computes a "$7$" PBKDF2-HMAC-SHA512 hash; never blocks on I/O.
password_hash hash_password(std::string_view password, std::span<const std::byte> salt,
                            std::uint32_t iterations = default_pbkdf2_iterations);

// random_salt returns `size` bytes from the operating system's random source.
std::vector<std::byte> random_salt(std::size_t size = default_salt_size);

// verify_password recomputes the hash and compares in constant time.
bool verify_password(const password_hash& h, std::string_view password);

enum class password_check : std::uint8_t {
  ok,              // the user is in the file and the password matches
  wrong_password,  // the user is in the file, the password does not match (or is absent)
  unknown_user,    // the user is not in the file
};

class password_file {
 public:
  // load reads a file; throws config_error "path:line: why" on the first bad line.
  static password_file load(const std::filesystem::path& path);
  // parse reads file text; `source` names it in errors.
  static password_file parse(std::string_view text, std::string_view source);

  // check verifies a user's password. Unknown users cost as much time as known ones, so
  // timing does not tell which user names exist. A user with only a SCRAM line is known
  // and has no Password that works (wrong_password). Thread-safe (const).
  password_check check(std::string_view username,
                       const std::optional<std::string>& password) const;

  // find_scram returns the user's SCRAM credentials (known = true), or stand-ins for a
  // user without a SCRAM line, derived from a secret drawn when the file was read.
  // Cheap (no PBKDF2); thread-safe.
  scram_user find_scram(std::string_view username) const;

  // contains: the user has a line of either kind. size counts users, not lines.
  bool contains(std::string_view username) const;
  std::size_t size() const;
  // has_password_users: some user has a mosquitto line (a Password can be checked);
  // has_scram_users: some user has a SCRAM line (SCRAM-SHA-256 is offered).
  bool has_password_users() const { return !users_.empty(); }
  bool has_scram_users() const { return !scram_users_.empty(); }

 private:
  std::unordered_map<std::string, password_hash> users_;
  std::unordered_map<std::string, scram_credentials> scram_users_;
  bytes stand_in_secret_ = random_bytes(32);
};

}  // namespace mqtt::broker::auth
