#include "conformance/cli/process_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace mqtt::cert::cli {

std::string mib_text(long kib) {
  std::ostringstream o;
  o.precision(1);
  o << std::fixed << static_cast<double>(kib) / 1024.0 << " MiB";
  return o.str();
}

std::optional<process_sample> sample_process(pid_t pid, double seconds_since_start) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // Field 2 (comm) may hold spaces: count fields after its closing parenthesis.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  std::vector<std::string> fields;
  while (rest >> field) fields.push_back(field);
  if (fields.size() < 13 || fields[0] == "Z" || fields[0] == "X") return std::nullopt;  // field 3 = state
  process_sample s;
  s.seconds = seconds_since_start;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  s.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / tick;  // utime 14, stime 15
  std::ifstream status(dir + "/status");
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stol(line.substr(6));
  return s;
}

bool rss_keeps_growing(const std::vector<process_sample>& samples, std::string* why) {
  if (samples.size() < 8 || samples.back().seconds < 60) return false;
  const std::size_t q = samples.size() / 4;
  long warm_peak = 0;
  for (std::size_t i = q; i < 2 * q; ++i) warm_peak = std::max(warm_peak, samples[i].rss_kib);
  long last_low = samples.back().rss_kib;
  for (std::size_t i = samples.size() - q; i < samples.size(); ++i)
    last_low = std::min(last_low, samples[i].rss_kib);
  if (last_low * 2 < warm_peak * 3 || last_low - warm_peak < 32 * 1024) return false;
  if (why) {
    *why = "RSS rose from " + std::to_string(warm_peak / 1024) + " MiB (peak after warm-up) to at least " +
           std::to_string(last_low / 1024) + " MiB over the last quarter of the run";
  }
  return true;
}

}  // namespace mqtt::cert::cli
