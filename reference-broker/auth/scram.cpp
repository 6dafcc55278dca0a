#include "reference-broker/auth/scram.hpp"

#include <charconv>
#include <utility>
#include <vector>

namespace mqtt::broker::auth {
namespace {

constexpr std::string_view credentials_prefix = "$scram-sha-256$";
constexpr std::size_t key_size = 32;  // SHA-256

// attribute is one "x=value" of a SCRAM message.
struct attribute {
  char name = 0;
  std::string_view value;
};

// split_attributes cuts "a=1,b=2" into attributes; std::nullopt when a part is not
// "<letter>=...".
std::optional<std::vector<attribute>> split_attributes(std::string_view text) {
  std::vector<attribute> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = text.find(',', pos);
    const std::string_view part =
        text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (part.size() < 2 || part[1] != '=') return std::nullopt;
    const char n = part[0];
    if (!((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z'))) return std::nullopt;
    out.push_back({n, part.substr(2)});
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

// decode_saslname undoes "=2C" and "=3D"; std::nullopt for any other '=' or a ','.
std::optional<std::string> decode_saslname(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',') return std::nullopt;
    if (text[i] != '=') {
      out += text[i];
      continue;
    }
    const std::string_view esc = text.substr(i + 1, 2);
    if (esc == "2C") {
      out += ',';
    } else if (esc == "3D") {
      out += '=';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

std::string encode_saslname(std::string_view name) {
  std::string out;
  for (char ch : name) {
    if (ch == ',') {
      out += "=2C";
    } else if (ch == '=') {
      out += "=3D";
    } else {
      out += ch;
    }
  }
  return out;
}

// valid_nonce: printable ASCII except ',' (RFC 5802 "printable"), not empty.
bool valid_nonce(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (char ch : nonce) {
    if (ch < 0x21 || ch > 0x7E || ch == ',') return false;
  }
  return true;
}

bytes xor_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
  bytes out(a.size());
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) out[i] = a[i] ^ b[i];
  return out;
}

bytes client_key_from(std::span<const std::byte> salted_password) {
  return hmac(digest::sha256, salted_password, as_bytes_view("Client Key"));
}

scram_step fail(std::string error, std::string why, std::string username = {}) {
  scram_step s;
  s.what = scram_step::kind::failure;
  s.message = "e=" + std::move(error);
  s.why = std::move(why);
  s.username = std::move(username);
  return s;
}

}  // namespace

scram_credentials derive_scram_credentials(std::string_view password,
                                           std::span<const std::byte> salt,
                                           std::uint32_t iterations) {
  const bytes salted = pbkdf2(digest::sha256, password, salt, iterations);
  scram_credentials c;
  c.iterations = iterations;
  c.salt.assign(salt.begin(), salt.end());
  c.stored_key = hash(digest::sha256, client_key_from(salted));
  c.server_key = hmac(digest::sha256, salted, as_bytes_view("Server Key"));
  return c;
}

std::string format_scram_credentials(const scram_credentials& c) {
  return std::string(credentials_prefix) + std::to_string(c.iterations) + "$" +
         encode_base64(c.salt) + "$" + encode_base64(c.stored_key) + "$" +
         encode_base64(c.server_key);
}

bool is_scram_credentials(std::string_view text) { return text.starts_with(credentials_prefix); }

std::optional<scram_credentials> parse_scram_credentials(std::string_view text, std::string* why) {
  auto fail_parse = [&](std::string reason) -> std::optional<scram_credentials> {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  if (!is_scram_credentials(text)) return fail_parse("does not start with $scram-sha-256$");
  text.remove_prefix(credentials_prefix.size());
  std::vector<std::string_view> fields;
  for (std::size_t pos = 0;;) {
    const std::size_t end = text.find('$', pos);
    fields.push_back(text.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  if (fields.size() != 4) {
    return fail_parse("SCRAM entry is not \"$scram-sha-256$iterations$salt$StoredKey$ServerKey\"");
  }
  scram_credentials c;
  const std::string_view it = fields[0];
  auto [ptr, ec] = std::from_chars(it.data(), it.data() + it.size(), c.iterations);
  if (ec != std::errc{} || ptr != it.data() + it.size() || c.iterations == 0) {
    return fail_parse("bad iteration count \"" + std::string(it) + "\"");
  }
  auto salt = decode_base64(fields[1]);
  auto stored = decode_base64(fields[2]);
  auto server = decode_base64(fields[3]);
  if (!salt || salt->empty()) return fail_parse("SCRAM salt is not base64");
  if (!stored || stored->size() != key_size) return fail_parse("StoredKey is not 32 bytes of base64");
  if (!server || server->size() != key_size) return fail_parse("ServerKey is not 32 bytes of base64");
  c.salt = std::move(*salt);
  c.stored_key = std::move(*stored);
  c.server_key = std::move(*server);
  return c;
}

scram_credentials stand_in_scram_credentials(std::string_view username,
                                             std::span<const std::byte> secret) {
  auto derive = [&](std::string_view label) {
    bytes input(as_bytes_view(label).begin(), as_bytes_view(label).end());
    input.push_back(std::byte{0});
    input.insert(input.end(), as_bytes_view(username).begin(), as_bytes_view(username).end());
    return hmac(digest::sha256, secret, input);
  };
  scram_credentials c;
  c.iterations = default_scram_iterations;
  c.salt = derive("salt");
  c.salt.resize(default_scram_salt_size);
  c.stored_key = derive("stored");
  c.server_key = derive("server");
  return c;
}

std::string random_scram_nonce() { return encode_base64(random_bytes(18)); }

// ---------------------------------------------------------------- server

scram_server::scram_server(scram_lookup lookup, std::string server_nonce)
    : lookup_(std::move(lookup)), server_nonce_(std::move(server_nonce)) {}

scram_step scram_server::step(std::string_view client_message) {
  switch (stage_) {
    case stage::client_first:
      stage_ = stage::done;  // stays done unless first() moves on
      return first(client_message);
    case stage::client_final:
      stage_ = stage::done;
      return final(client_message);
    case stage::done:
      break;
  }
  return fail("other-error", "SCRAM: message after the exchange ended", username_);
}

scram_step scram_server::first(std::string_view message) {
  // gs2-header = gs2-cbind-flag "," [authzid] ","
  if (message.starts_with("p=")) {
    return fail("channel-binding-not-supported", "client-first: channel binding asked for");
  }
  if (!message.starts_with("n,") && !message.starts_with("y,")) {
    return fail("other-error", "client-first: no gs2 header");
  }
  const std::size_t second_comma = message.find(',', 2);
  if (second_comma == std::string_view::npos) {
    return fail("other-error", "client-first: no gs2 header");
  }
  if (second_comma != 2) {
    return fail("other-error", "client-first: authorization identity not supported");
  }
  gs2_header_ = std::string(message.substr(0, 3));
  const std::string_view bare = message.substr(3);
  auto attrs = split_attributes(bare);
  if (!attrs) return fail("other-error", "client-first: malformed attribute");
  if (!attrs->empty() && attrs->front().name == 'm') {
    return fail("extensions-not-supported", "client-first: mandatory extension");
  }
  if (attrs->size() < 2 || (*attrs)[0].name != 'n' || (*attrs)[1].name != 'r') {
    return fail("other-error", "client-first: expected n= then r=");
  }
  auto name = decode_saslname((*attrs)[0].value);
  if (!name || name->empty()) {
    return fail("invalid-username-encoding", "client-first: bad user name encoding");
  }
  const std::string_view client_nonce = (*attrs)[1].value;
  if (!valid_nonce(client_nonce)) return fail("other-error", "client-first: bad nonce", *name);
  // Later attributes are optional extensions: ignored (RFC 5802 section 5.1).

  username_ = std::move(*name);
  user_ = lookup_(username_);
  client_first_bare_ = std::string(bare);
  nonce_ = std::string(client_nonce) + server_nonce_;
  server_first_ = "r=" + nonce_ + ",s=" + encode_base64(user_.credentials.salt) +
                  ",i=" + std::to_string(user_.credentials.iterations);
  stage_ = stage::client_final;
  scram_step s;
  s.what = scram_step::kind::challenge;
  s.message = server_first_;
  s.username = username_;
  return s;
}

scram_step scram_server::final(std::string_view message) {
  // client-final = "c=" base64(gs2-header) ",r=" nonce [extensions] ",p=" proof
  const std::size_t proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) {
    return fail("other-error", "client-final: no proof", username_);
  }
  const std::string_view without_proof = message.substr(0, proof_at);
  auto attrs = split_attributes(without_proof);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].name != 'c' || (*attrs)[1].name != 'r') {
    return fail("other-error", "client-final: expected c=, r=, then p=", username_);
  }
  auto binding = decode_base64((*attrs)[0].value);
  if (!binding || !equal_constant_time(*binding, as_bytes_view(gs2_header_))) {
    return fail("channel-bindings-dont-match", "client-final: c= is not the gs2 header",
                username_);
  }
  if ((*attrs)[1].value != nonce_) {
    return fail("other-error", "client-final: nonce does not match", username_);
  }
  auto proof = decode_base64(message.substr(proof_at + 3));
  if (!proof || proof->size() != key_size) {
    return fail("invalid-encoding", "client-final: proof is not 32 bytes of base64", username_);
  }
  const std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  const scram_credentials& c = user_.credentials;
  const bytes client_signature = hmac(digest::sha256, c.stored_key, as_bytes_view(auth_message));
  const bytes client_key = xor_bytes(*proof, client_signature);
  const bool verified = equal_constant_time(hash(digest::sha256, client_key), c.stored_key);
  if (!verified || !user_.known) {
    // The same answer for an unknown user and a wrong password.
    return fail("invalid-proof", "client-final: proof does not verify", username_);
  }
  scram_step s;
  s.what = scram_step::kind::success;
  s.message = "v=" + encode_base64(hmac(digest::sha256, c.server_key, as_bytes_view(auth_message)));
  s.username = username_;
  return s;
}

// ---------------------------------------------------------------- client

scram_client::scram_client(std::string username, std::string password, std::string client_nonce)
    : username_(std::move(username)),
      password_(std::move(password)),
      client_nonce_(std::move(client_nonce)) {}

std::string scram_client::first_message() const {
  return "n,,n=" + encode_saslname(username_) + ",r=" + client_nonce_;
}

std::optional<std::string> scram_client::final_message(std::string_view server_first,
                                                       std::string* why) {
  auto fail_client = [&](std::string reason) -> std::optional<std::string> {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  if (server_first.starts_with("e=")) return fail_client("server refused: " + std::string(server_first));
  auto attrs = split_attributes(server_first);
  if (!attrs || attrs->size() < 3 || (*attrs)[0].name != 'r' || (*attrs)[1].name != 's' ||
      (*attrs)[2].name != 'i') {
    return fail_client("server-first is not r=...,s=...,i=...");
  }
  const std::string_view nonce = (*attrs)[0].value;
  if (!nonce.starts_with(client_nonce_) || nonce.size() == client_nonce_.size() ||
      !valid_nonce(nonce)) {
    return fail_client("server-first nonce does not extend the client nonce");
  }
  auto salt = decode_base64((*attrs)[1].value);
  if (!salt || salt->empty()) return fail_client("server-first salt is not base64");
  std::uint32_t iterations = 0;
  const std::string_view it = (*attrs)[2].value;
  auto [ptr, ec] = std::from_chars(it.data(), it.data() + it.size(), iterations);
  if (ec != std::errc{} || ptr != it.data() + it.size() || iterations == 0) {
    return fail_client("server-first iteration count is not a positive number");
  }
  const std::string gs2_header = "n,,";
  const std::string without_proof =
      "c=" + encode_base64(as_bytes_view(gs2_header)) + ",r=" + std::string(nonce);
  const std::string bare = first_message().substr(gs2_header.size());
  auth_message_ = bare + "," + std::string(server_first) + "," + without_proof;
  const bytes salted = pbkdf2(digest::sha256, password_, *salt, iterations);
  const bytes client_key = client_key_from(salted);
  const bytes stored_key = hash(digest::sha256, client_key);
  const bytes signature = hmac(digest::sha256, stored_key, as_bytes_view(auth_message_));
  server_key_ = hmac(digest::sha256, salted, as_bytes_view("Server Key"));
  return without_proof + ",p=" + encode_base64(xor_bytes(client_key, signature));
}

bool scram_client::verify_server_final(std::string_view server_final, std::string* why) const {
  auto fail_client = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return false;
  };
  if (server_key_.empty()) return fail_client("no client-final was sent");
  if (!server_final.starts_with("v=")) {
    return fail_client("server-final is not v=...: " + std::string(server_final));
  }
  auto got = decode_base64(server_final.substr(2));
  const bytes want = hmac(digest::sha256, server_key_, as_bytes_view(auth_message_));
  if (!got || !equal_constant_time(*got, want)) {
    return fail_client("server-final signature does not verify");
  }
  return true;
}

}  // namespace mqtt::broker::auth
