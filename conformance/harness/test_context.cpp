#include "conformance/harness/test_context.hpp"

namespace mqtt::cert {

test_context& test_context::current() {
  static test_context ctx;
  return ctx;
}

void test_context::begin(std::string name) {
  std::lock_guard lock(mutex_);
  name_ = std::move(name);
  statement_.clear();
  logs_.clear();
  malformed_.clear();
  checks_.store(0, std::memory_order_relaxed);
  started_ = std::chrono::steady_clock::now();
}

void test_context::attach(std::shared_ptr<transcript> log) {
  std::lock_guard lock(mutex_);
  logs_.push_back(std::move(log));
}

void test_context::note_malformed_server_packet(std::string line) {
  std::lock_guard lock(mutex_);
  malformed_.push_back(std::move(line));
}

std::vector<std::string> test_context::malformed_server_packets() const {
  std::lock_guard lock(mutex_);
  return malformed_;
}

std::string test_context::format_transcripts() const {
  std::lock_guard lock(mutex_);
  return mqtt::cert::format_transcripts(logs_, started_);
}

}  // namespace mqtt::cert
