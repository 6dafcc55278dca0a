// packet_table.hpp: byte-level test tables (conformance/<version>/data/*.json), run by a
// TEST_P so each row reports its own statement ID. A row:
//
//   { "name": "QosBitsBoth", "statement": "MQTT-3.3.1-4",
//     "setup": "connect",                      // or "none": send on a fresh connection
//     "send": ["36 0C 0005 746F706963 0001 00 6869"],
//     "expect": "E0 01 81",                    // optional: this exact packet must arrive
//     "expect_close": true,                    // the broker must then close
//     "level": "must" }                        // or "should"
//
// With expect_close and no expect, only an error CONNACK/DISCONNECT may precede the close.
// Without expect_close, the row passes when `expect` arrives (or, with no expect, when
// the connection stays open and silent for the quiet window).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert {

struct packet_table_row {
  std::string name;
  std::string statement;
  std::string setup = "connect";
  std::vector<std::string> send;
  std::optional<std::string> expect;
  bool expect_close = false;
  bool should = false;
};

// load_packet_table reads a table file; a bad file is a suite bug and throws
// std::runtime_error (at test registration, so it cannot pass unnoticed).
std::vector<packet_table_row> load_packet_table(const std::string& path);

// packet_table_row_name gives GoogleTest a parameter name: the row's name.
std::string packet_table_row_name(const ::testing::TestParamInfo<packet_table_row>& info);

void PrintTo(const packet_table_row& row, std::ostream* os);

class packet_table_test : public conformance_test,
                          public ::testing::WithParamInterface<packet_table_row> {
 protected:
  using conformance_test::conformance_test;
  // run_row binds the row's statement, performs its setup, sends and checks.
  void run_row();
};

}  // namespace mqtt::cert
