#include "conformance/cli/gtest_runner.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mqtt::cert::cli {
namespace {

// child is one running test binary whose output we read line by line.
struct child {
  pid_t pid = -1;
  int out_fd = -1;
  std::string partial;
};

std::optional<child> spawn_child(const std::string& path, const std::vector<std::string>& args,
                                 const std::vector<std::string>& extra_env, std::string* error) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    if (error) *error = std::string("pipe: ") + std::strerror(errno);
    return std::nullopt;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
  std::vector<std::string> argv_s{path};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    bool overridden = false;
    for (const auto& x : extra_env)
      if (kv.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0) overridden = true;
    if (!overridden) env_s.push_back(kv);
  }
  env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    if (error) *error = "cannot start " + path + ": " + std::strerror(rc);
    return std::nullopt;
  }
  child c;
  c.pid = pid;
  c.out_fd = fds[0];
  return c;
}

bool is_result_line(const std::string& line) {
  const bool result = line.rfind("[       OK ]", 0) == 0 || line.rfind("[  FAILED  ]", 0) == 0 ||
                      line.rfind("[  SKIPPED ]", 0) == 0;
  return result && line.find(" ms)") != std::string::npos;  // not the summary lists
}

}  // namespace

std::string temp_json_path(const std::string& tag) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path();
  return (dir / ("mqttcert-" + std::to_string(::getpid()) + "-" + tag + "-" +
                 std::to_string(counter++) + ".json"))
      .string();
}

bool run_gtest_tasks(std::vector<gtest_task>& tasks, int parallel,
                     const std::function<void(const std::string& line)>& on_test_done,
                     std::string* error) {
  std::vector<std::optional<child>> running(tasks.size());
  std::size_t next = 0, open = 0;
  bool ok = true;
  auto start_more = [&] {
    while (ok && next < tasks.size() && static_cast<int>(open) < std::max(1, parallel)) {
      auto& t = tasks[next];
      t.json_path = temp_json_path("task");
      std::vector<std::string> args = t.args;
      args.push_back("--gtest_output=json:" + t.json_path);
      running[next] = spawn_child(t.binary, args, t.env, error);
      if (!running[next]) {
        ok = false;
        return;
      }
      ++next;
      ++open;
    }
  };
  start_more();
  while (open > 0) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < running.size(); ++i)
      if (running[i] && running[i]->out_fd >= 0) {
        fds.push_back({running[i]->out_fd, POLLIN, 0});
        idx.push_back(i);
      }
    if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) break;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      child& c = *running[idx[k]];
      char buf[4096];
      const ssize_t n = ::read(c.out_fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(c.out_fd);
        c.out_fd = -1;
        int status = 0;
        ::waitpid(c.pid, &status, 0);
        --open;
        start_more();
        continue;
      }
      tasks[idx[k]].output.append(buf, static_cast<std::size_t>(n));
      c.partial.append(buf, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = c.partial.find('\n')) != std::string::npos;) {
        const std::string line = c.partial.substr(0, nl);
        c.partial.erase(0, nl + 1);
        if (on_test_done && is_result_line(line)) on_test_done(line);
      }
    }
  }
  return ok;
}

std::string from_gtest_json(const std::string& s) {
  std::string bytes;
  bytes.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      bytes += static_cast<char>(c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size()) {
      // U+0080..U+00FF as UTF-8: one original byte.
      bytes += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3F));
    } else {
      return s;  // a real character above U+00FF: the text was not byte-escaped
    }
  }
  return bytes;
}


std::string binary_path(const char* name, const char* compiled) {
  const char* v = std::getenv(name);
  return v && *v ? v : compiled;
}

}  // namespace mqtt::cert::cli
