// password_file_fuzzer: parses a mosquitto-style password file (with this project's SCRAM
// lines) and each line's hash on its own.
// Checks: parse throws nothing but config_error; every user of a parsed file is found;
// a parsed hash (or SCRAM entry) formats back to one that parses to the same values.
// Cost: PBKDF2 runs as many iterations as a "$7$" line names (up to 2^32), so a password
// is verified only for "$6$" lines and "$7$" lines of at most max_cheap_iterations, and
// password_file::check only when every line of the file is that cheap.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference-broker/auth/config_error.hpp"
#include "reference-broker/auth/password_file.hpp"
#include "reference-broker/auth/scram.hpp"

using namespace mqtt::broker::auth;

namespace {

constexpr std::uint32_t max_cheap_iterations = 16;

[[noreturn]] void violated(const char* what, std::string_view line) {
  std::fprintf(stderr, "password_file_fuzzer: %s: \"%.*s\"\n", what, int(line.size()),
               line.data());
  std::abort();
}

bool same(const password_hash& a, const password_hash& b) {
  return a.kind == b.kind && a.iterations == b.iterations && a.salt == b.salt && a.hash == b.hash;
}

bool same(const scram_credentials& a, const scram_credentials& b) {
  return a.iterations == b.iterations && a.salt == b.salt && a.stored_key == b.stored_key &&
         a.server_key == b.server_key;
}

// check_hash_field checks one "hash" field on its own; returns whether verifying a
// password against it is cheap.
bool check_hash_field(std::string_view field) {
  if (is_scram_credentials(field)) {
    if (auto c = parse_scram_credentials(field)) {
      auto again = parse_scram_credentials(format_scram_credentials(*c));
      if (!again || !same(*c, *again)) violated("SCRAM entry does not survive format/parse", field);
    }
    return true;  // find_scram does no PBKDF2
  }
  std::string why;
  auto h = parse_password_hash(field, &why);
  if (!h) {
    if (why.empty()) violated("refused without a reason", field);
    return true;
  }
  auto again = parse_password_hash(format_password_hash(*h));
  if (!again || !same(*h, *again)) violated("hash does not survive format/parse", field);
  const bool cheap = h->kind == hash_kind::sha512 || h->iterations <= max_cheap_iterations;
  if (cheap) (void)verify_password(*h, "password");
  return cheap;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> users;
  bool all_cheap = true;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (!check_hash_field(line.substr(colon + 1))) all_cheap = false;
    const std::size_t first = line.find_first_not_of(" \t");
    if (colon > 0 && line[first] != '#') users.emplace_back(line.substr(0, colon));
  }

  std::optional<password_file> file;
  try {
    file = password_file::parse(text, "fuzz.passwd");
  } catch (const config_error&) {
    return 0;  // a bad line is refused; that is the expected failure
  }
  for (const std::string& user : users) {
    if (!file->contains(user)) violated("a user of the parsed file is not found", user);
    (void)file->find_scram(user);
  }
  if (file->size() > users.size()) violated("more users than lines", text.substr(0, 64));
  if (all_cheap) {
    for (const std::string& user : users) {
      if (file->check(user, std::nullopt) == password_check::ok) {
        violated("a user got in without a password", user);
      }
      (void)file->check(user, std::string("password"));
    }
    if (file->check("\x01not-a-user", std::string("password")) != password_check::unknown_user &&
        !file->contains("\x01not-a-user")) {
      violated("an unknown user is not unknown", "\x01not-a-user");
    }
  }
  return 0;
}
