// mqtt-passwd [--scram] FILE USER PASSWORD [ITERATIONS]: add USER to a password file, or
// replace its line, with a "$7$" PBKDF2-SHA512 hash that mosquitto can read too, or with
// --scram a "$scram-sha-256$" line (SCRAM-SHA-256 credentials for MQTT 5 enhanced
// authentication; default 4096 iterations). A user keeps one line of each kind: the
// other kind's line is left as it is. Creates FILE if it does not exist (mode 0600);
// keeps comments and other users' lines as they are.
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "reference-broker/auth/password_file.hpp"

int main(int argc, char** argv) {
  using namespace mqtt::broker::auth;
  const bool scram = argc > 1 && std::string(argv[1]) == "--scram";
  if (scram) {
    --argc;
    ++argv;
  }
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: mqtt-passwd [--scram] FILE USER PASSWORD [ITERATIONS]\n";
    return 2;
  }
  const std::filesystem::path path = argv[1];
  const std::string user = argv[2];
  const std::string password = argv[3];
  if (user.empty() || user.find(':') != std::string::npos ||
      user.find_first_of("\r\n") != std::string::npos) {
    std::cerr << "mqtt-passwd: USER must be non-empty, without ':' or line breaks\n";
    return 2;
  }
  std::uint32_t iterations = scram ? default_scram_iterations : default_pbkdf2_iterations;
  if (argc == 5) {
    char* end = nullptr;
    unsigned long n = std::strtoul(argv[4], &end, 10);
    if (*argv[4] == '\0' || *end != '\0' || n == 0 || n > 100'000'000) {
      std::cerr << "mqtt-passwd: ITERATIONS must be a positive number\n";
      return 2;
    }
    iterations = static_cast<std::uint32_t>(n);
  }
  try {
    std::vector<std::string> lines;
    if (std::ifstream in(path); in) {
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    const std::string entry =
        user + ":" +
        (scram ? format_scram_credentials(derive_scram_credentials(
                     password, random_salt(default_scram_salt_size), iterations))
               : format_password_hash(hash_password(password, random_salt(), iterations)));
    bool replaced = false;
    for (auto& line : lines) {
      const std::string prefix = user + ":";
      if (line.rfind(prefix, 0) == 0 &&
          is_scram_credentials(std::string_view(line).substr(prefix.size())) == scram) {
        line = entry;
        replaced = true;
      }
    }
    if (!replaced) lines.push_back(entry);
    std::ostringstream text;
    for (const auto& line : lines) text << line << '\n';
    password_file::parse(text.str(), path.string());  // refuse to write a file we can't read
    const bool existed = std::filesystem::exists(path);
    std::ofstream out(path, std::ios::trunc);
    out << text.str();
    if (!out.flush()) {
      std::cerr << "mqtt-passwd: " << path.string() << ": cannot write\n";
      return 1;
    }
    if (!existed) {  // hashes are still worth keeping private: owner read/write only
      std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_write);
    }
  } catch (const std::exception& e) {
    std::cerr << "mqtt-passwd: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
