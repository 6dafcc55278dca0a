// statement_catalogue.hpp: the statement catalogues of conformance/statements/*.tsv,
// compiled into the binary, for failure headers and coverage counts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codec/wire_types.hpp"

namespace mqtt::cert {

struct statement_info {
  std::string version;          // "v5.0" or "v3.1.1"
  std::string id;               // "MQTT-3.3.1-4"
  std::string section;          // "3.3.1"
  std::string section_title;    // "PUBLISH Fixed Header"
  std::string binds;            // server, client, both, sender, receiver
  std::string broker_testable;  // yes, partial, no
  std::string summary;          // one-line paraphrase (not the normative text)

  // key is the suite-wide name: "v5.0/MQTT-3.3.1-4".
  std::string key() const { return version + "/" + id; }
};

// tsv_rows splits tab-separated text into rows of fields, skipping the header (the first
// row), empty lines and lines starting with '#'; a trailing '\r' is dropped. The statement
// catalogues and conformance/statements/uncovered_reasons.tsv are read with it.
std::vector<std::vector<std::string>> tsv_rows(std::string_view text);

// version_tag returns "v5.0" or "v3.1.1" (3.1 is tested as 3.1.1).
std::string_view version_tag(codec::protocol_version v);

// statement_catalogue returns every row of one version's catalogue, in spec order;
// empty for an unknown version.
const std::vector<statement_info>& statement_catalogue(std::string_view version);

// find_statement looks up one ID; nullptr when the catalogue has no such row.
const statement_info* find_statement(std::string_view version, std::string_view id);

// find_statement_key looks up a "v5.0/MQTT-x.y.z-n" key.
const statement_info* find_statement_key(std::string_view key);

}  // namespace mqtt::cert
