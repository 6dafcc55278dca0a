#include "reference-broker/auth/password_file.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "reference-broker/auth/config_error.hpp"
#include "reference-broker/auth/crypto_primitives.hpp"

namespace mqtt::broker::auth {
namespace {

bool set_why(std::string* why, std::string text) {
  if (why != nullptr) *why = std::move(text);
  return false;
}

}  // namespace

std::optional<password_hash> parse_password_hash(std::string_view text, std::string* why) {
  // Split "$k$a$b[$c]" into its '$'-separated fields after the leading '$'.
  if (text.empty() || text.front() != '$') {
    set_why(why, "hash does not start with '$' (plain-text passwords are not accepted)");
    return std::nullopt;
  }
  std::vector<std::string_view> fields;
  std::size_t start = 1;
  while (true) {
    std::size_t end = text.find('$', start);
    fields.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  password_hash h;
  std::string_view salt_text;
  std::string_view hash_text;
  if (fields[0] == "7" && fields.size() == 4) {
    h.kind = hash_kind::sha512_pbkdf2;
    std::string_view it = fields[1];
    auto [ptr, ec] = std::from_chars(it.data(), it.data() + it.size(), h.iterations);
    if (ec != std::errc{} || ptr != it.data() + it.size() || h.iterations == 0) {
      set_why(why, "bad iteration count \"" + std::string(it) + "\"");
      return std::nullopt;
    }
    salt_text = fields[2];
    hash_text = fields[3];
  } else if (fields[0] == "6" && fields.size() == 3) {
    h.kind = hash_kind::sha512;
    salt_text = fields[1];
    hash_text = fields[2];
  } else {
    set_why(why, "hash is not \"$7$iterations$salt$hash\" or \"$6$salt$hash\"");
    return std::nullopt;
  }
  auto salt = decode_base64(salt_text);
  auto hash = decode_base64(hash_text);
  if (!salt || salt->empty()) {
    set_why(why, "salt is not base64");
    return std::nullopt;
  }
  if (!hash || hash->size() != digest_size(digest::sha512)) {
    set_why(why, "hash is not 64 bytes of base64");
    return std::nullopt;
  }
  h.salt = std::move(*salt);
  h.hash = std::move(*hash);
  return h;
}

std::string format_password_hash(const password_hash& h) {
  std::string out = h.kind == hash_kind::sha512_pbkdf2
                        ? "$7$" + std::to_string(h.iterations) + "$"
                        : std::string("$6$");
  out += encode_base64(h.salt);
  out += '$';
  out += encode_base64(h.hash);
  return out;
}

password_hash hash_password(std::string_view password, std::span<const std::byte> salt,
                            std::uint32_t iterations) {
  password_hash h;
  h.kind = hash_kind::sha512_pbkdf2;
  h.iterations = iterations;
  h.salt.assign(salt.begin(), salt.end());
  h.hash = pbkdf2(digest::sha512, password, salt, iterations);
  return h;
}

std::vector<std::byte> random_salt(std::size_t size) { return random_bytes(size); }

bool verify_password(const password_hash& h, std::string_view password) {
  std::vector<std::byte> got = h.kind == hash_kind::sha512_pbkdf2
                                   ? pbkdf2(digest::sha512, password, h.salt, h.iterations)
                                   : hash_concat(digest::sha512, as_bytes_view(password), h.salt);
  return equal_constant_time(got, h.hash);
}

password_file password_file::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path.string() + ": cannot open password file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

password_file password_file::parse(std::string_view text, std::string_view source) {
  password_file file;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto fail = [&](const std::string& why) {
      throw config_error(std::string(source) + ":" + std::to_string(line_no) + ": " + why);
    };
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) fail("expected \"username:hash\"");
    std::string_view user = line.substr(0, colon);
    if (user.empty()) fail("empty username");
    std::string why;
    const std::string_view field = line.substr(colon + 1);
    bool added = false;
    if (is_scram_credentials(field)) {
      auto scram = parse_scram_credentials(field, &why);
      if (!scram) fail("user \"" + std::string(user) + "\": " + why);
      added = file.scram_users_.emplace(std::string(user), std::move(*scram)).second;
    } else {
      auto hash = parse_password_hash(field, &why);
      if (!hash) fail("user \"" + std::string(user) + "\": " + why);
      added = file.users_.emplace(std::string(user), std::move(*hash)).second;
    }
    if (!added) fail("user \"" + std::string(user) + "\" appears twice");
  }
  return file;
}

password_check password_file::check(std::string_view username,
                                    const std::optional<std::string>& password) const {
  auto it = users_.find(std::string(username));
  if (it == users_.end()) {
    const bool scram_only = scram_users_.contains(std::string(username));
    // Spend the same work on a fixed dummy entry so unknown users answer no faster.
    static const password_hash dummy =
        hash_password("", std::vector<std::byte>(default_salt_size, std::byte{0x5a}));
    (void)verify_password(dummy, password.value_or(std::string()));
    return scram_only ? password_check::wrong_password : password_check::unknown_user;
  }
  // A user listed in the file must present a password.
  if (!password) {
    (void)verify_password(it->second, "");
    return password_check::wrong_password;
  }
  return verify_password(it->second, *password) ? password_check::ok
                                                : password_check::wrong_password;
}

scram_user password_file::find_scram(std::string_view username) const {
  if (auto it = scram_users_.find(std::string(username)); it != scram_users_.end()) {
    return {it->second, true};
  }
  return {stand_in_scram_credentials(username, stand_in_secret_), false};
}

bool password_file::contains(std::string_view username) const {
  const std::string name(username);
  return users_.contains(name) || scram_users_.contains(name);
}

std::size_t password_file::size() const {
  std::size_t n = users_.size();
  for (const auto& [name, c] : scram_users_) n += users_.contains(name) ? 0 : 1;
  return n;
}

}  // namespace mqtt::broker::auth
