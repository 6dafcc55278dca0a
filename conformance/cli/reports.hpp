// reports.hpp: what `mqttcert run` writes: the per-section tree on the terminal
// (h2spec/Autobahn style) and JUnit XML, JSON and a self-contained HTML report.
#pragma once

#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "conformance/cli/suite_runner.hpp"

namespace mqtt::cert::cli {

struct run_info {
  std::string broker_url;
  std::string profile_name;
  std::string command_line;
  std::string started;  // ISO 8601 UTC
};

struct totals {
  int passed = 0, failed = 0, skipped = 0, non_strict = 0, deviations = 0, unimplemented = 0;
};
totals count(const std::vector<test_result>& results);

// print_tree prints results grouped by version and section, failures with their report,
// then the closing line "N passed, N failed, N skipped". `color` adds ANSI colours.
void print_tree(std::ostream& out, const std::vector<test_result>& results, bool color);

// iso_time_now is the current UTC time as ISO 8601 ("2026-12-04T07:25:00Z").
std::string iso_time_now();

// xml_escape replaces <, >, & and " with their entities: text and attribute values for
// the JUnit XML and for the HTML reports (compatibility_matrix.cpp too).
std::string xml_escape(const std::string& s);

// open_report_file opens `path` for writing, creating its directory first (report paths
// often point into a build tree that does not exist yet).
std::ofstream open_report_file(const std::string& path);

bool write_junit(const std::string& path, const std::vector<test_result>& results,
                 const run_info& info);
bool write_json(const std::string& path, const std::vector<test_result>& results,
                const run_info& info);
bool write_html(const std::string& path, const std::vector<test_result>& results,
                const run_info& info);

}  // namespace mqtt::cert::cli
