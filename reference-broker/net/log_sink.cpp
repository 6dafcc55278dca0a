// log_sink.cpp: stderr writer behind log_line.
#include "reference-broker/net/log_sink.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace mqtt::broker::net {

namespace {

std::atomic<log_level> current_level{log_level::info};
std::mutex write_mutex;

constexpr std::string_view level_name(log_level l) {
  switch (l) {
    case log_level::error: return "error";
    case log_level::warn: return "warn";
    case log_level::info: return "info";
    case log_level::debug: return "debug";
  }
  return "info";
}

std::string timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto t = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms));
  return buf;
}

}  // namespace

std::optional<log_level> parse_log_level(std::string_view name) {
  for (auto l : {log_level::error, log_level::warn, log_level::info, log_level::debug}) {
    if (name == level_name(l)) return l;
  }
  return std::nullopt;
}

void set_log_level(log_level l) { current_level.store(l, std::memory_order_relaxed); }

bool log_enabled(log_level l) { return l <= current_level.load(std::memory_order_relaxed); }

void log_line(log_level l, std::string_view text) {
  if (!log_enabled(l)) return;
  std::string line = "ts=" + timestamp() + " level=" + std::string(level_name(l)) + " ";
  line.append(text);
  line.push_back('\n');
  std::lock_guard lock(write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace mqtt::broker::net
