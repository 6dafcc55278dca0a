// test_context.hpp: what the running test has gathered so far: its statement, the
// transcripts of the clients it opened, its start time. One per process (GoogleTest runs
// tests one after another); reset at the start of each test.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "conformance/harness/transcript.hpp"

namespace mqtt::cert {

class test_context {
 public:
  // current returns the process-wide context. Safe from any thread.
  static test_context& current();

  // begin resets the context for a new test named `name` ("Suite.Test").
  void begin(std::string name);
  void attach(std::shared_ptr<transcript> log);

  void set_statement(std::string key) { statement_ = std::move(key); }
  const std::string& statement() const { return statement_; }
  const std::string& test_name() const { return name_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

  // format_transcripts prints all attached transcripts merged in time order.
  std::string format_transcripts() const;

  // note_malformed_server_packet keeps one packet the broker sent that the client's codec
  // rejects ("<why>\t<hex>"), so the run can report that broker fault once, under the
  // server's packet format, besides whatever the test itself concludes.
  void note_malformed_server_packet(std::string line);

  // note_check counts one expectation evaluated (an EXPECT_* of a conformance test; see
  // conformance_test.hpp): a test that passed with none checked nothing and fails.
  void note_check() { checks_.fetch_add(1, std::memory_order_relaxed); }
  int checks() const { return checks_.load(std::memory_order_relaxed); }
  std::vector<std::string> malformed_server_packets() const;

 private:
  mutable std::mutex mutex_;
  std::string name_;
  std::string statement_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<transcript>> logs_;
  std::vector<std::string> malformed_;
  std::atomic<int> checks_{0};
};

}  // namespace mqtt::cert
