#include "conformance/harness/broker_target.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conformance/harness/byte_stream.hpp"
#include "conformance/harness/child_process.hpp"
#include "reference-broker/auth/scram.hpp"

#ifndef MQTTCERT_REFBROKER_PATH
#define MQTTCERT_REFBROKER_PATH "mqtt-refbroker"
#endif
#ifndef MQTTCERT_NANOMQ_BUILT
#define MQTTCERT_NANOMQ_BUILT ""
#endif
#ifndef MQTTCERT_NANOMQ_SNAPSHOT
#define MQTTCERT_NANOMQ_SNAPSHOT ""
#endif

extern char** environ;

namespace mqtt::cert {

std::uint16_t pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  std::uint16_t port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

bool wait_until_accepting(const broker_address& address, std::chrono::milliseconds timeout,
                          pid_t watch_pid) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto backoff = 5ms;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string error;
    if (open_stream(address, 200ms, &error)) return true;
    if (watch_pid > 0) {
      int status = 0;
      if (::waitpid(watch_pid, &status, WNOHANG) == watch_pid) return false;  // it died
    }
    std::this_thread::sleep_for(backoff);  // pacing between connect polls, not a guess
    backoff = std::min(backoff * 2, std::chrono::milliseconds(100));
  }
  return false;
}

std::string default_refbroker_path() {
  if (const char* env = std::getenv("MQTTCERT_REFBROKER"); env && *env) return env;
  return MQTTCERT_REFBROKER_PATH;
}

std::string nanomq_binary(std::string* why) {
  if (const char* env = std::getenv("NANOMQ_BIN"); env && *env) {
    if (::access(env, X_OK) == 0) return env;
    if (why) *why = std::string("NANOMQ_BIN=") + env + " is not an executable file";
    return {};
  }
  const std::string built = MQTTCERT_NANOMQ_BUILT;
  if (!built.empty() && ::access(built.c_str(), X_OK) == 0) return built;
  if (why) {
    const std::string snapshot = MQTTCERT_NANOMQ_SNAPSHOT;
    *why = snapshot.empty()
               ? "NanoMQ not available: no source snapshot was found when this build was "
                 "configured (set NANOMQ_BIN=/path/to/nanomq or MQTTCERT_NANOMQ_URL)"
               : "NanoMQ not built yet: run `ctest -R interop.nanomq.build` (builds " +
                     built + " from " + snapshot + ") or set NANOMQ_BIN=/path/to/nanomq";
  }
  return {};
}

bool refbroker_has_time_scale(const std::string& binary) {
  return command_output("'" + binary + "' --help 2>&1").find("--time-scale") !=
         std::string::npos;
}

std::optional<scram_login> scram_login_of(const broker_profile& profile) {
  if (profile.authentication_method != broker::auth::scram_sha256_method) return std::nullopt;
  return scram_login{profile.authentication_username, profile.authentication_password};
}

broker_process::~broker_process() { stop(); }

void broker_process::stop() {
  stop_child(pid_);
  if (!work_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir_, ec);
    work_dir_.clear();
  }
}

namespace {

// make_work_dir creates a private temporary directory for a broker's files; empty (and
// `error`, when given) if it cannot.
std::string make_work_dir(std::string* error = nullptr) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mqttcert-broker-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    if (error) *error = "cannot create a temporary directory";
    return {};
  }
  return tmpl;
}

// free_ws_address is a ws:// address on a free loopback port with request path `path`.
broker_address free_ws_address(std::string path = "/") {
  broker_address ws;
  ws.scheme = "ws";
  ws.port = pick_free_port();
  ws.path = std::move(path);
  return ws;
}

// write_scram_password_file writes `login`'s SCRAM-SHA-256 line to `path`, readable by
// its owner only. False when it cannot be written.
bool write_scram_password_file(const std::string& path, const scram_login& login) {
  namespace a = broker::auth;
  const std::string line =
      login.username + ":" +
      a::format_scram_credentials(a::derive_scram_credentials(
          login.password, a::random_bytes(a::default_scram_salt_size))) +
      "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  return ::close(fd) == 0 && ok;
}

std::string read_tail(const std::string& path, std::size_t max_bytes = 2000) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (all.size() > max_bytes) all = all.substr(all.size() - max_bytes);
  return all;
}

}  // namespace

std::unique_ptr<broker_process> broker_process::spawn(std::vector<std::string> argv,
                                                      broker_address address,
                                                      std::string work_dir, std::string* error,
                                                      const std::vector<std::string>& extra_env) {
  std::unique_ptr<broker_process> p(new broker_process());
  p->address_ = std::move(address);
  p->work_dir_ = std::move(work_dir);
  for (const auto& a : argv) p->command_ += (p->command_.empty() ? "" : " ") + a;
  p->log_path_ = p->work_dir_ + "/broker.log";
  int log_fd = ::open(p->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  // The child's environment is built before fork: the child only execs.
  std::vector<std::string> env_strings(extra_env.begin(), extra_env.end());
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    if (error) *error = std::string("fork: ") + std::strerror(errno);
    if (log_fd >= 0) ::close(log_fd);
    return nullptr;
  }
  if (pid == 0) {
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execve(args[0], args.data(), envp.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  p->pid_ = pid;
  if (!wait_until_accepting(p->address_, 10s, pid)) {
    if (error)
      *error = argv[0] + " did not accept connections on " + p->address_.url() +
               "; its output:\n" + read_tail(p->log_path_);
    p->stop();
    return nullptr;
  }
  return p;
}

std::unique_ptr<broker_process> broker_process::start_command(std::vector<std::string> argv,
                                                              broker_address wait_for,
                                                              std::string* error) {
  std::string dir = make_work_dir(error);
  if (dir.empty()) return nullptr;
  return spawn(std::move(argv), std::move(wait_for), std::move(dir), error);
}

bool broker_process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
  pid_ = -1;
  if (WIFSIGNALED(status)) {
    exit_description_ = "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                        strsignal(WTERMSIG(status)) + ")";
  } else {
    exit_description_ = "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  return false;
}

std::string broker_process::log_text() const {
  std::ifstream in(log_path_, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::unique_ptr<broker_process> broker_process::start_refbroker(
    const std::string& binary, std::string* error, double time_scale,
    const std::vector<std::string>& extra_flags, const std::optional<scram_login>& login) {
  if (::access(binary.c_str(), X_OK) != 0) {
    if (error)
      *error = "reference broker not found at " + binary +
               " (set MQTTCERT_BROKER=tcp://host:port or MQTTCERT_REFBROKER=/path)";
    return nullptr;
  }
  if (time_scale > 1 && !refbroker_has_time_scale(binary)) {
    std::fprintf(stderr,
                 "mqttcert: %s has no --time-scale option; it runs in real time (time_scale 1)\n",
                 binary.c_str());
    time_scale = 1;
  }
  // The port can be taken between pick_free_port and the broker's bind; retry then.
  for (int attempt = 0; attempt < 3; ++attempt) {
    broker_address a;
    a.port = pick_free_port();
    const broker_address ws = free_ws_address("/mqtt");
    std::string dir = make_work_dir();
    std::vector<std::string> argv{binary, "--listen", a.url(), "--listen", ws.url()};
    if (time_scale > 1) {
      std::ostringstream scale;
      scale << time_scale;  // "20", or "2.5"
      argv.insert(argv.end(), {"--time-scale", scale.str()});
    }
    if (login) {
      const std::string passwords = dir + "/passwords";
      if (dir.empty() || !write_scram_password_file(passwords, *login)) {
        if (error) *error = "cannot write a password file in " + dir;
        return nullptr;
      }
      argv.insert(argv.end(), {"--password-file", passwords, "--allow-anonymous", "true"});
    }
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    auto p = spawn(std::move(argv), a, dir, error);
    if (!p) continue;
    if (!wait_until_accepting(ws, 5s, p->pid())) {
      if (error)
        *error = binary + " accepted on " + a.url() + " but not on " + ws.url() +
                 "; its output:\n" + read_tail(p->log_path());
      continue;  // p's destructor stops it
    }
    p->ws_address_ = ws;
    p->time_scale_ = time_scale > 1 ? time_scale : 1;
    return p;
  }
  return nullptr;
}

bool mosquitto_has_websockets(const std::string& binary) {
  return command_output("ldd '" + binary + "' 2>/dev/null").find("libwebsockets") !=
         std::string::npos;
}

std::unique_ptr<broker_process> broker_process::start_mosquitto(
    const std::string& binary, std::string* error, const std::vector<std::string>& extra_config) {
  const bool with_ws = mosquitto_has_websockets(binary);
  for (int attempt = 0; attempt < 3; ++attempt) {
    broker_address a;
    a.port = pick_free_port();
    std::optional<broker_address> ws;
    if (with_ws) ws = free_ws_address();
    std::string dir = make_work_dir(error);
    if (dir.empty()) return nullptr;
    std::string conf = dir + "/mosquitto.conf";
    {
      std::ofstream out(conf);
      out << "listener " << a.port << " 127.0.0.1\n"
          << "allow_anonymous true\n"
          << "persistence false\n"
          << "log_dest stderr\n";
      for (const auto& line : extra_config) out << line << "\n";
      // Mosquitto serves MQTT over WebSocket on any request path.
      if (ws) out << "listener " << ws->port << " 127.0.0.1\n" << "protocol websockets\n";
    }
    ::chmod(dir.c_str(), 0755);
    ::chmod(conf.c_str(), 0644);
    auto p = spawn({binary, "-c", conf}, a, dir, error);
    if (!p) continue;
    if (ws && !wait_until_accepting(*ws, 5s, p->pid())) {
      if (error) *error = binary + " accepted on " + a.url() + " but not on " + ws->url();
      continue;
    }
    p->ws_address_ = ws;
    if (!ws)
      p->ws_absent_reason_ = binary + " is built without WebSocket support (no libwebsockets)";
    return p;
  }
  return nullptr;
}

std::unique_ptr<broker_process> broker_process::start_nanomq(
    const std::string& binary, std::string* error, const std::vector<std::string>& extra_config,
    const std::string& log_level) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    broker_address a;
    a.port = pick_free_port();
    const broker_address ws = free_ws_address("/mqtt");
    std::string dir = make_work_dir(error);
    if (dir.empty()) return nullptr;
    std::string conf = dir + "/nanomq.conf";
    {
      std::ofstream out(conf);
      out << "listeners.tcp {\n  bind = \"127.0.0.1:" << a.port << "\"\n}\n"
          << "listeners.ws {\n  bind = \"127.0.0.1:" << ws.port << "/mqtt\"\n}\n"
          << "log {\n  to = [console]\n  level = " << log_level << "\n}\n";
      for (const auto& line : extra_config) out << line << "\n";
    }
    auto p = spawn({binary, "start", "--conf", conf}, a, dir, error,
                   {"NANOMQ_PID_FILE=" + dir + "/nanomq.pid"});
    if (!p) continue;
    if (!wait_until_accepting(ws, 5s, p->pid())) {
      if (error)
        *error = binary + " accepted on " + a.url() + " but not on " + ws.url() +
                 "; its output:\n" + read_tail(p->log_path());
      continue;
    }
    p->ws_address_ = ws;
    return p;
  }
  return nullptr;
}

bool broker_target::will_launch(const std::optional<std::string>& explicit_url) {
  if (explicit_url) return false;
  const char* env = std::getenv("MQTTCERT_BROKER");
  return env == nullptr || *env == '\0';
}

std::unique_ptr<broker_target> broker_target::resolve(const std::optional<std::string>& explicit_url,
                                                      std::string* error,
                                                      double refbroker_time_scale,
                                                      const std::optional<scram_login>& refbroker_login) {
  auto t = std::unique_ptr<broker_target>(new broker_target());
  std::optional<std::string> url = explicit_url;
  if (!url) {
    if (const char* env = std::getenv("MQTTCERT_BROKER"); env && *env) url = env;
  }
  if (url) {
    auto a = broker_address::parse(*url, error);
    if (!a) return nullptr;
    t->address_ = *a;
  } else {
    t->process_ =
        broker_process::start_refbroker(default_refbroker_path(), error, refbroker_time_scale,
                                        {}, refbroker_login);
    if (!t->process_) return nullptr;
    t->address_ = t->process_->address();
  }
  if (const char* env = std::getenv("MQTTCERT_BROKER_WS"); env && *env) {
    std::string why;
    auto ws = broker_address::parse(env, &why);
    if (!ws || !ws->is_websocket()) {
      if (error) *error = "MQTTCERT_BROKER_WS=" + std::string(env) + " is not a ws:// or wss:// URL" +
                          (why.empty() ? std::string() : ": " + why);
      return nullptr;
    }
    t->ws_address_ = *ws;
  } else if (t->process_ && t->process_->ws_address()) {
    t->ws_address_ = t->process_->ws_address();
  } else if (t->address_.is_websocket()) {
    t->ws_address_ = t->address_;
  } else {
    t->ws_absent_reason_ =
        "no WebSocket address for the broker under test (set MQTTCERT_BROKER_WS=ws://host:port/path)";
  }
  return t;
}

}  // namespace mqtt::cert
