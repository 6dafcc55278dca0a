// compatibility_matrix.hpp: `mqttcert matrix` — the page people read to choose a broker.
// It reads what one interop run wrote for each broker (<broker>-suite.json from
// `mqttcert run --json`, <broker>-invariants.json from `mqttcert interop --json`) and
// writes brokers as columns: the suite's totals and each spec section (passed / failed /
// deviations / non-strict), each invariant with its counts, the backlog losses with the
// limit that explains them, and the webhook findings; then, per broker, every failing or
// excused statement with its expected/observed lines, which the table links to.
#pragma once

#include <string>
#include <vector>

namespace mqtt::cert::cli {

struct matrix_options {
  std::string reports_dir;             // where the JSON reports are
  std::vector<std::string> brokers;    // columns, in order
  std::string markdown_path;           // "" = none
  std::string html_path;               // "" = none
  std::string command_line;            // printed in the page, so it can be regenerated
};

// write_compatibility_matrix writes the requested files. A broker without reports gets a
// "not run" column (its reason, when the report says it was skipped). False and `error`
// when a report cannot be read or a file cannot be written.
bool write_compatibility_matrix(const matrix_options& options, std::string* error);

}  // namespace mqtt::cert::cli
