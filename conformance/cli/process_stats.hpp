// process_stats.hpp: CPU time and resident memory of a process, from /proc/PID/stat and
// /proc/PID/status (Linux), and a plain test for memory that keeps growing.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace mqtt::cert::cli {

struct process_sample {
  double seconds = 0;      // since the run started
  double cpu_seconds = 0;  // user + system time so far
  long rss_kib = 0;        // VmRSS
};

// mib_text shows KiB as "12.3 MiB".
std::string mib_text(long kib);

// sample_process reads the process's counters; nullopt when it is gone.
std::optional<process_sample> sample_process(pid_t pid, double seconds_since_start);

// rss_keeps_growing looks at samples of a run of at least a minute: after the first
// quarter (warm-up), does the last quarter never come back down to 1.5 times the second
// quarter's peak, and stand at least 32 MiB above it? Then `why` says by how much. A
// heuristic, reported as a warning: ASan's quarantine alone can grow a broker by 256 MiB.
bool rss_keeps_growing(const std::vector<process_sample>& samples, std::string* why);

}  // namespace mqtt::cert::cli
