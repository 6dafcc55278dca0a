// config_file_seeds: writes the seed corpora of the text-format fuzz targets (ACL files,
// password files, webhook answers and JSON configs, broker config files) into
// CORPORA_DIR/<target>/, each file named by the SHA-256 of its content. Password hashes
// are made with the project's own writers (hash_password, format_password_hash,
// derive_scram_credentials) from fixed salts, so the output is the same on every run.
// Usage: fuzz_config_file_seeds CORPORA_DIR   (prints each path it writes)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "reference-broker/auth/crypto_primitives.hpp"
#include "reference-broker/auth/password_file.hpp"
#include "reference-broker/auth/scram.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mqtt::broker::auth;
using namespace std::string_literals;  // "...\0..."s keeps the NUL of the query separator

struct seed_writer {
  fs::path root;

  void write(std::string_view target, const std::string& content) const {
    std::string name;
    for (std::byte b : hash(digest::sha256, as_bytes_view(content))) {
      static const char hex[] = "0123456789abcdef";
      name += hex[std::to_integer<unsigned>(b) >> 4];
      name += hex[std::to_integer<unsigned>(b) & 15];
    }
    const fs::path dir = root / target;
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out << content;
    std::printf("%s\n", (fs::path(target) / name).c_str());
  }
};

bytes fixed_salt(std::size_t size, unsigned char fill) {
  return bytes(size, std::byte{fill});
}

// pbkdf2_line is "user:$7$..." as mqtt-passwd writes it, from a fixed salt.
std::string pbkdf2_line(std::string_view user, std::string_view password,
                        std::uint32_t iterations, unsigned char salt) {
  return std::string(user) + ":" +
         format_password_hash(hash_password(password, fixed_salt(12, salt), iterations)) + "\n";
}

// sha512_line is a legacy "$6$" line: SHA-512(password || salt).
std::string sha512_line(std::string_view user, std::string_view password, unsigned char salt) {
  password_hash h;
  h.kind = hash_kind::sha512;
  h.salt = fixed_salt(12, salt);
  h.hash = hash_concat(digest::sha512, as_bytes_view(password), h.salt);
  return std::string(user) + ":" + format_password_hash(h) + "\n";
}

std::string scram_line(std::string_view user, std::string_view password,
                       std::uint32_t iterations, unsigned char salt) {
  return std::string(user) + ":" +
         format_scram_credentials(
             derive_scram_credentials(password, fixed_salt(16, salt), iterations)) +
         "\n";
}

void acl_seeds(const seed_writer& w) {
  const std::string_view t = "acl_file_fuzzer";
  // Eclipse Paho's test ACL: everything but one topic.
  w.write(t, "topic readwrite #\ntopic deny test/nosubscribe\n");
  // Anonymous rules, two user sections and patterns, as in mosquitto's aclfile.example.
  w.write(t,
          "# anonymous clients\n"
          "topic read $SYS/#\n"
          "topic read public/#\n"
          "\n"
          "user alice\n"
          "topic readwrite sensors/#\n"
          "topic deny sensors/secret/#\n"
          "\n"
          "user bob\n"
          "topic write sensors/bob/+\n"
          "\n"
          "pattern write devices/%c/up\n"
          "pattern read devices/%u/#\n"
          "pattern deny devices/%c/secret\n");
  // A read rule narrower than the filter asked about, with explicit queries.
  w.write(t, "topic read a/x\n\0client\nalice\na/+\na/x\nb/+\n#\n"s);
  // '#' rules never reach $ topics [MQTT-4.7.2-1].
  w.write(t, "topic read #\ntopic read $SYS/broker/#\n\0c\n\n$SYS/broker/load\n$SYS/#\n#\n+/+\n"s);
  // Patterns with a ClientID and User Name that hold wildcards.
  w.write(t, "pattern readwrite room/%c/#\npattern deny room/%u/private\n\0a/+\n#\nroom/a/+/x\nroom/#/private\n"s);
  // CRLF line ends, a filter with spaces, default access.
  w.write(t, "topic read my topic/with space\r\nuser carol\r\ntopic carol/#\r\n");
  // Refused lines: no filter, unknown access word alone, empty user.
  w.write(t, "topic read\n");
  w.write(t, "user\ntopic read a\n");
  w.write(t, "topic read a/#/b\n");
  w.write(t, "pattern\n");
}

void password_seeds(const seed_writer& w) {
  const std::string_view t = "password_file_fuzzer";
  // mqtt-passwd's defaults (101 iterations): realistic, too dear to verify per input.
  w.write(t, pbkdf2_line("alice", "alice-pw", 101, 0x11) + pbkdf2_line("bob", "bob-pw", 101, 0x22));
  // Cheap hashes: the fuzzer runs password_file::check on these.
  w.write(t, pbkdf2_line("carol", "password", 1, 0x33) + sha512_line("dave", "password", 0x44));
  // One user with both a mosquitto line and a SCRAM line, one with SCRAM only.
  w.write(t, pbkdf2_line("erin", "erin-pw", 2, 0x55) + scram_line("erin", "erin-pw", 4096, 0x66) +
                 scram_line("frank", "frank-pw", 1, 0x77));
  // Comments, blank lines and CRLF line ends.
  std::string crlf = "# users\r\n\r\n" + sha512_line("gina", "g", 0x88);
  crlf.insert(crlf.size() - 1, "\r");
  w.write(t, crlf);
  // Refused: a plain-text password, a user twice, a zero iteration count, bad base64.
  w.write(t, "alice:secret\n");
  w.write(t, sha512_line("hal", "a", 0x99) + sha512_line("hal", "b", 0x9a));
  w.write(t, "ivy:$7$0$AAAAAAAAAAAAAAAA$AAAA\n");
  w.write(t, "jo:$6$not*base64$AAAA\n");
  w.write(t, ":$6$AAAA$AAAA\n");
}

void webhook_answer_seeds(const seed_writer& w) {
  const std::string_view t = "webhook_answer_fuzzer";
  auto answer = [&](int status, std::string_view body) {
    std::string s;
    s += static_cast<char>(status >> 8);
    s += static_cast<char>(status & 0xff);
    s += body;
    w.write(t, s);
  };
  answer(200, "");
  answer(200, R"({"result": "allow"})");
  answer(200, R"({"result": "deny"})");
  answer(200, R"({"result": "ignore"})");
  answer(200, "deny");
  answer(204, " IGNORE\n");
  answer(200, R"({"result": 1})");
  answer(200, R"({"result": "maybe", "is_superuser": false})");
  answer(200, R"({"other": "allow"})");
  answer(200, "<html>ok</html>");
  answer(299, R"({"result": "Allow"})");
  answer(403, R"({"result": "allow"})");
  answer(302, "");
  answer(500, "internal error");
  answer(199, "");
}

void webhook_config_seeds(const seed_writer& w) {
  const std::string_view t = "webhook_config_fuzzer";
  // NanoMQ auth_http shaped: form POST for auth, GET for ACL.
  w.write(t, R"({
  "timeout_ms": 3000,
  "auth": {"url": "http://127.0.0.1:8991/mqtt/auth", "method": "post", "body": "form",
           "params": {"clientid": "%c", "username": "%u", "password": "%P"},
           "headers": {"X-Api-Key": "k"}},
  "acl": {"url": "http://127.0.0.1:8991/mqtt/acl?src=broker", "method": "get",
          "params": {"access": "%A", "topic": "%t", "ipaddr": "%a", "port": "%p", "pct": "%%"}}
})");
  // JSON bodies chosen by a content-type header (NanoMQ's way), https with a CA file.
  w.write(t, R"({"tls_ca_file": "/etc/ssl/ca.pem",
  "auth": {"url": "https://auth.example/check",
           "headers": {"content-type": "application/json"},
           "params": {"clientid": "%c", "x": "%z"}}})");
  w.write(t, R"({"acl": {"url": "http://h/acl", "body": "json", "params": {}}})");
  w.write(t, "{}");
  // Refused: unknown method, bad timeout, missing url, a non-string param, not JSON.
  w.write(t, R"({"auth": {"url": "http://h/", "method": "put"}})");
  w.write(t, R"({"timeout_ms": -1})");
  w.write(t, R"({"auth": {"method": "get"}})");
  w.write(t, R"({"acl": {"url": "http://h/", "params": {"n": 1}}})");
  w.write(t, "auth.url = http://h/");
}

void broker_config_seeds(const seed_writer& w) {
  const std::string_view t = "broker_config_fuzzer";
  w.write(t,
          "# mqtt-refbroker.toml\n"
          "listen = [\"tcp://0.0.0.0:1883\", \"ws://0.0.0.0:8080/mqtt\"]\n"
          "max-packet-size = 65536\n"
          "receive-maximum = 100\n"
          "topic-alias-maximum = 10\n"
          "max-qos = 1\n"
          "log-level = \"debug\"\n");
  w.write(t,
          "password-file = \"/etc/mqtt/passwd\"\n"
          "acl-file = \"/etc/mqtt/acl\"\n"
          "allow-anonymous = false\n"
          "auth-webhook-url = \"http://127.0.0.1:8991/auth\"\n"
          "webhook-method = get\n"
          "webhook-body = json\n"
          "webhook-timeout-ms = 2500\n");
  w.write(t,
          "copy-per-subscription = true\n"
          "retain-available = false\n"
          "shared-subscriptions = false\n"
          "max-queued = 1000\n"
          "max-inflight = 20\n"
          "max-outbound-bytes = 1048576\n"
          "connect-timeout-ms = 5000\n"
          "sys-interval = 0\n");
  w.write(t, "tls-cert = server.pem\ntls-key = server.key\ntls-require-client-cert = true\n");
  w.write(t, "# only a comment\n\n");
  // Refused: a misspelt key, a value out of range, a section (subcommand) that does not exist.
  w.write(t, "max-packet-sise = 10\n");
  w.write(t, "max-qos = 3\n");
  w.write(t, "[Broker]\nmax-inflight = 0\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPORA_DIR\n", argv[0]);
    return 2;
  }
  const seed_writer w{argv[1]};
  acl_seeds(w);
  password_seeds(w);
  webhook_answer_seeds(w);
  webhook_config_seeds(w);
  broker_config_seeds(w);
  return 0;
}
