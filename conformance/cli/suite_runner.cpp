#include "conformance/cli/suite_runner.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#ifndef MQTTCERT_V5_BINARY
#define MQTTCERT_V5_BINARY ""
#endif
#ifndef MQTTCERT_V311_BINARY
#define MQTTCERT_V311_BINARY ""
#endif

extern char** environ;

namespace mqtt::cert::cli {
namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// child is one running test binary whose stdout we read line by line.
struct child {
  pid_t pid = -1;
  int out_fd = -1;
  std::string partial;
  std::string json_path;
  std::string version;
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

// from_gtest_json undoes GoogleTest's JSON escaping of UTF-8: it writes each byte of a
// multi-byte character as its own \u00XX, so "→" arrives as three Latin-1 characters.
// When every character of `s` is below U+0100, those are the original bytes.
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

std::string prop(const nlohmann::json& t, const char* key) {
  auto it = t.find(key);
  return it != t.end() && it->is_string() ? from_gtest_json(it->get<std::string>())
                                          : std::string();
}

// parse_results reads one GoogleTest JSON file.
bool parse_results(const std::string& path, const std::string& version,
                   std::vector<test_result>& out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = "no test output at " + path;
    return false;
  }
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    if (error) *error = "unreadable test output " + path;
    return false;
  }
  for (const auto& suite : j.value("testsuites", nlohmann::json::array())) {
    for (const auto& t : suite.value("testsuite", nlohmann::json::array())) {
      std::string line;
      test_result r;
      r.version = version;
      r.test = suite.value("name", "") + "." + t.value("name", "");
      r.statement = prop(t, "statement");
      r.section = prop(t, "section");
      if (!prop(t, "level").empty()) r.level = prop(t, "level");
      r.report = prop(t, "report");
      for (std::istringstream lines(prop(t, "server_malformed")); std::getline(lines, line);)
        if (!line.empty()) r.malformed_server_packets.push_back(line);
      std::string time = t.value("time", "0s");
      r.seconds = std::atof(time.c_str());
      const bool failed = t.contains("failures") && !t["failures"].empty();
      const std::string result = t.value("result", "");
      if (failed) {
        r.outcome = r.level == "should" ? verdict::non_strict : verdict::failed;
        if (r.report.empty())
          for (const auto& f : t["failures"]) {
            r.report += from_gtest_json(f.value("failure", "")) + "\n";
          }
      } else if (result == "SKIPPED") {
        if (prop(t, "verdict") == "unimplemented") {
          r.outcome = verdict::unimplemented;
          r.note = "broker lacks " + prop(t, "unimplemented_feature");
        } else {
          r.outcome = verdict::skipped;
          r.note = prop(t, "skip_reason");
        }
      } else if (t.value("status", "") == "NOTRUN") {
        continue;
      } else {
        r.outcome = verdict::passed;
      }
      out.push_back(std::move(r));
    }
  }
  return true;
}

std::string temp_json(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path();
  return (dir / ("mqttcert-" + std::to_string(::getpid()) + "-" + tag + ".json")).string();
}

}  // namespace

std::string_view verdict_name(verdict v) {
  switch (v) {
    case verdict::passed: return "passed";
    case verdict::failed: return "failed";
    case verdict::non_strict: return "non_strict";
    case verdict::allowed_deviation: return "allowed_deviation";
    case verdict::unimplemented: return "unimplemented";
    case verdict::skipped: return "skipped";
  }
  return "?";
}

std::vector<suite_binary> suite_binaries() {
  std::vector<suite_binary> out;
  std::string v5 = env_or("MQTTCERT_V5_BINARY", MQTTCERT_V5_BINARY);
  std::string v311 = env_or("MQTTCERT_V311_BINARY", MQTTCERT_V311_BINARY);
  if (!v311.empty()) out.push_back({"v3.1.1", v311});
  if (!v5.empty()) out.push_back({"v5.0", v5});
  return out;
}

std::optional<std::vector<test_result>> list_tests(const std::vector<suite_binary>& binaries,
                                                   std::string* error) {
  std::vector<test_result> all;
  for (const auto& b : binaries) {
    std::string json = temp_json("list-" + b.version);
    auto c = spawn_child(b.path, {"--gtest_output=json:" + json},
                         {"MQTTCERT_DRY_RUN=1"}, error);
    if (!c) return std::nullopt;
    char buf[4096];
    while (::read(c->out_fd, buf, sizeof buf) > 0) {
    }
    ::close(c->out_fd);
    int status = 0;
    ::waitpid(c->pid, &status, 0);
    std::vector<test_result> listed;
    if (!parse_results(json, b.version, listed, error)) return std::nullopt;
    std::filesystem::remove(json);
    for (auto& r : listed) {
      r.outcome = verdict::skipped;
      r.report.clear();
      all.push_back(std::move(r));
    }
  }
  return all;
}

std::optional<std::vector<test_result>> run_tests(
    const std::vector<suite_binary>& binaries, const std::vector<test_result>& selected,
    const run_options& options, const std::function<void(int, int, const std::string&)>& progress,
    std::string* error) {
  std::vector<child> children;
  const int jobs = std::max(1, options.jobs);
  int total = static_cast<int>(selected.size());
  for (const auto& b : binaries) {
    std::string filter;
    for (const auto& t : selected)
      if (t.version == b.version) filter += (filter.empty() ? "" : ":") + t.test;
    if (filter.empty()) continue;
    for (int shard = 0; shard < jobs; ++shard) {
      std::string json = temp_json(b.version + "-" + std::to_string(shard));
      std::vector<std::string> env{"MQTTCERT_BROKER=" + options.broker_url,
                                   "GTEST_TOTAL_SHARDS=" + std::to_string(jobs),
                                   "GTEST_SHARD_INDEX=" + std::to_string(shard),
                                   "GTEST_COLOR=no"};
      if (!options.ws_url.empty()) env.push_back("MQTTCERT_BROKER_WS=" + options.ws_url);
      if (!options.profile_path.empty()) env.push_back("MQTTCERT_PROFILE=" + options.profile_path);
      if (options.time_scale > 0) {
        std::ostringstream scale;
        scale << options.time_scale;
        env.push_back("MQTTCERT_TIME_SCALE=" + scale.str());
      }
      auto c = spawn_child(b.path, {"--gtest_filter=" + filter, "--gtest_output=json:" + json},
                           env, error);
      if (!c) return std::nullopt;
      c->json_path = json;
      c->version = b.version;
      children.push_back(std::move(*c));
    }
  }
  int done = 0;
  std::size_t open = children.size();
  while (open > 0) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < children.size(); ++i)
      if (children[i].out_fd >= 0) {
        fds.push_back({children[i].out_fd, POLLIN, 0});
        idx.push_back(i);
      }
    if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) break;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      child& c = children[idx[k]];
      char buf[4096];
      ssize_t n = ::read(c.out_fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(c.out_fd);
        c.out_fd = -1;
        --open;
        continue;
      }
      c.partial.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = c.partial.find('\n')) != std::string::npos) {
        std::string line = c.partial.substr(0, nl);
        c.partial.erase(0, nl + 1);
        if (line.rfind("[       OK ]", 0) == 0 || line.rfind("[  FAILED  ]", 0) == 0 ||
            line.rfind("[  SKIPPED ]", 0) == 0) {
          if (line.find(" ms)") == std::string::npos) continue;  // the summary lists
          ++done;
          if (progress) progress(done, total, line);
        }
      }
    }
  }
  std::vector<test_result> results;
  for (auto& c : children) {
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    if (!parse_results(c.json_path, c.version, results, error)) return std::nullopt;
    std::filesystem::remove(c.json_path);
  }
  return results;
}

void add_server_packet_findings(std::vector<test_result>& results) {
  struct finding {
    std::string hex;
    std::vector<std::string> tests;
  };
  std::map<std::pair<std::string, std::string>, finding> found;  // (version, why)
  for (const auto& r : results) {
    for (const auto& line : r.malformed_server_packets) {
      const auto tab = line.find('\t');
      auto& f = found[{r.version, line.substr(0, tab)}];
      if (f.hex.empty() && tab != std::string::npos) f.hex = line.substr(tab + 1);
      if (f.tests.empty() || f.tests.back() != r.test) f.tests.push_back(r.test);
    }
  }
  for (const auto& [key, f] : found) {
    const auto& [version, why] = key;
    test_result row;
    row.version = version;
    row.section = "2";
    row.statement = version + "/server-packet-format";
    row.test = "ServerPacketFormat." + why.substr(0, why.find(':'));
    row.outcome = verdict::failed;
    std::ostringstream report;
    report << "FAIL " << version << " server packet format (2): the broker sent a packet that "
           << "is malformed for MQTT " << version.substr(1) << "\n"
           << "  expected packets the client's protocol version defines, well-formed\n"
           << "  observed S→C " << f.hex << "\n"
           << "           " << why << "\n"
           << "  seen in " << f.tests.size() << " test" << (f.tests.size() == 1 ? "" : "s") << ":";
    for (std::size_t i = 0; i < f.tests.size() && i < 10; ++i) report << " " << f.tests[i];
    if (f.tests.size() > 10) report << " and " << f.tests.size() - 10 << " more";
    report << "\n  Each of those tests is judged on its own statement; this row counts the "
              "malformed packet once.\n";
    row.report = report.str();
    results.push_back(std::move(row));
  }
}

void apply_profile(std::vector<test_result>& results, const broker_profile& profile) {
  for (auto& r : results) {
    if (r.outcome == verdict::passed) {
      if (const deviation* d = profile.stale_deviation(r.statement, r.test)) {
        r.outcome = verdict::failed;
        r.report = "STALE DEVIATION " + r.statement + ": profile " + profile.name +
                   " excuses a failure of " + r.test + " (\"" + d->reason +
                   "\"), but the test passed: the broker no longer deviates here, so the "
                   "profile's claim is untrue. Remove the deviation, or mark it intermittent "
                   "if the broker passes only sometimes.\n";
      }
      continue;
    }
    if (r.outcome != verdict::failed && r.outcome != verdict::non_strict) continue;
    if (const deviation* d = profile.find_deviation(r.statement, r.test, r.report)) {
      r.outcome = verdict::allowed_deviation;
      r.note = d->reason;
    }
  }
}

}  // namespace mqtt::cert::cli
