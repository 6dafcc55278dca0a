#include "conformance/harness/child_process.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include <sys/wait.h>

namespace mqtt::cert {

void stop_child(pid_t& pid) {
  if (pid <= 0) return;
  using namespace std::chrono_literals;
  ::kill(pid, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  bool gone = false;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      gone = true;
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (!gone) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  pid = -1;
}

std::string command_output(const std::string& command) {
  std::string text;
  FILE* out = ::popen(command.c_str(), "r");
  if (out == nullptr) return text;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, out)) text.append(buf, n);
  ::pclose(out);
  return text;
}

}  // namespace mqtt::cert
