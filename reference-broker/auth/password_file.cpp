#include "reference-broker/auth/password_file.hpp"

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/version.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "reference-broker/auth/config_error.hpp"

namespace mqtt::broker::auth {
namespace {

constexpr std::size_t sha512_size = 64;

const auto* as_uchar(const void* p) { return static_cast<const unsigned char*>(p); }

std::optional<std::vector<std::byte>> decode_base64(std::string_view text) {
  std::size_t need = 0;
  // The first call only measures; it fails with BUFFER_TOO_SMALL or INVALID_CHARACTER.
  int rc = mbedtls_base64_decode(nullptr, 0, &need, as_uchar(text.data()), text.size());
  if (rc == MBEDTLS_ERR_BASE64_INVALID_CHARACTER) return std::nullopt;
  std::vector<std::byte> out(need);
  std::size_t written = 0;
  rc = mbedtls_base64_decode(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                             &written, as_uchar(text.data()), text.size());
  if (rc != 0) return std::nullopt;
  out.resize(written);
  return out;
}

std::string encode_base64(std::span<const std::byte> data) {
  std::size_t need = 0;
  mbedtls_base64_encode(nullptr, 0, &need, as_uchar(data.data()), data.size());
  std::string out(need, '\0');
  std::size_t written = 0;
  if (mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                            &written, as_uchar(data.data()), data.size()) != 0) {
    throw std::runtime_error("base64 encoding failed");
  }
  out.resize(written);
  return out;
}

// pbkdf2_sha512 wraps mbedTLS; only fails on allocation (thrown).
std::vector<std::byte> pbkdf2_sha512(std::string_view password, std::span<const std::byte> salt,
                                     std::uint32_t iterations) {
  std::vector<std::byte> out(sha512_size);
  auto* key = reinterpret_cast<unsigned char*>(out.data());
#if MBEDTLS_VERSION_NUMBER >= 0x03030000
  int rc = mbedtls_pkcs5_pbkdf2_hmac_ext(MBEDTLS_MD_SHA512, as_uchar(password.data()),
                                         password.size(), as_uchar(salt.data()), salt.size(),
                                         iterations, static_cast<std::uint32_t>(out.size()), key);
#else
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  int rc = mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(MBEDTLS_MD_SHA512), 1);
  if (rc == 0) {
    rc = mbedtls_pkcs5_pbkdf2_hmac(&ctx, as_uchar(password.data()), password.size(),
                                   as_uchar(salt.data()), salt.size(), iterations,
                                   static_cast<std::uint32_t>(out.size()), key);
  }
  mbedtls_md_free(&ctx);
#endif
  if (rc != 0) throw std::runtime_error("PBKDF2-SHA512 failed");
  return out;
}

std::vector<std::byte> sha512_password_salt(std::string_view password,
                                            std::span<const std::byte> salt) {
  std::vector<std::byte> out(sha512_size);
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  int rc = mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(MBEDTLS_MD_SHA512), 0);
  if (rc == 0) rc = mbedtls_md_starts(&ctx);
  if (rc == 0) rc = mbedtls_md_update(&ctx, as_uchar(password.data()), password.size());
  if (rc == 0) rc = mbedtls_md_update(&ctx, as_uchar(salt.data()), salt.size());
  if (rc == 0) rc = mbedtls_md_finish(&ctx, reinterpret_cast<unsigned char*>(out.data()));
  mbedtls_md_free(&ctx);
  if (rc != 0) throw std::runtime_error("SHA-512 failed");
  return out;
}

// equal_constant_time compares without an early exit; lengths are not secret.
bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(diff | static_cast<unsigned char>(a[i] ^ b[i]));
  }
  return diff == 0;
}

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
  if (!hash || hash->size() != sha512_size) {
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
  h.hash = pbkdf2_sha512(password, salt, iterations);
  return h;
}

std::vector<std::byte> random_salt(std::size_t size) {
  std::random_device rd;  // getrandom(2) on Linux with libstdc++
  std::vector<std::byte> out(size);
  for (auto& b : out) b = static_cast<std::byte>(rd() & 0xFFu);
  return out;
}

bool verify_password(const password_hash& h, std::string_view password) {
  std::vector<std::byte> got = h.kind == hash_kind::sha512_pbkdf2
                                   ? pbkdf2_sha512(password, h.salt, h.iterations)
                                   : sha512_password_salt(password, h.salt);
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
    auto hash = parse_password_hash(line.substr(colon + 1), &why);
    if (!hash) fail("user \"" + std::string(user) + "\": " + why);
    if (!file.users_.emplace(std::string(user), std::move(*hash)).second) {
      fail("user \"" + std::string(user) + "\" appears twice");
    }
  }
  return file;
}

password_check password_file::check(std::string_view username,
                                    const std::optional<std::string>& password) const {
  auto it = users_.find(std::string(username));
  if (it == users_.end()) {
    // Spend the same work on a fixed dummy entry so unknown users answer no faster.
    static const password_hash dummy =
        hash_password("", std::vector<std::byte>(default_salt_size, std::byte{0x5a}));
    (void)verify_password(dummy, password.value_or(std::string()));
    return password_check::unknown_user;
  }
  // A user listed in the file must present a password.
  if (!password) {
    (void)verify_password(it->second, "");
    return password_check::wrong_password;
  }
  return verify_password(it->second, *password) ? password_check::ok
                                                : password_check::wrong_password;
}

bool password_file::contains(std::string_view username) const {
  return users_.contains(std::string(username));
}

}  // namespace mqtt::broker::auth
