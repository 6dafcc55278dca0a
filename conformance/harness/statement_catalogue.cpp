#include "conformance/harness/statement_catalogue.hpp"

#include "conformance/harness/statement_catalogue_data.hpp"

namespace mqtt::cert {
namespace {

std::vector<statement_info> parse_tsv(std::string_view version, std::string_view text) {
  std::vector<statement_info> out;
  for (auto& cols : tsv_rows(text)) {
    if (cols.size() < 6) continue;
    out.push_back({std::string(version), cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]});
  }
  return out;
}

}  // namespace

std::vector<std::vector<std::string>> tsv_rows(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  bool header = true;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> cols;
    while (true) {
      auto tab = line.find('\t');
      cols.emplace_back(line.substr(0, tab));
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    rows.push_back(std::move(cols));
  }
  return rows;
}

std::string_view version_tag(codec::protocol_version v) {
  return codec::is_v5(v) ? "v5.0" : "v3.1.1";
}

const std::vector<statement_info>& statement_catalogue(std::string_view version) {
  static const std::vector<statement_info> v5 = parse_tsv("v5.0", detail::catalogue_v5_0_tsv);
  static const std::vector<statement_info> v311 =
      parse_tsv("v3.1.1", detail::catalogue_v3_1_1_tsv);
  static const std::vector<statement_info> none;
  if (version == "v5.0") return v5;
  if (version == "v3.1.1") return v311;
  return none;
}

const statement_info* find_statement(std::string_view version, std::string_view id) {
  for (const auto& s : statement_catalogue(version))
    if (s.id == id) return &s;
  return nullptr;
}

const statement_info* find_statement_key(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return nullptr;
  return find_statement(key.substr(0, slash), key.substr(slash + 1));
}

}  // namespace mqtt::cert
