#include "conformance/cli/compatibility_matrix.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "conformance/cli/reports.hpp"

namespace mqtt::cert::cli {
namespace {

using json = nlohmann::json;

struct column {
  std::string broker;
  json suite;       // null when there is no suite report
  json invariants;  // null when there is no invariants report
  json property;    // null when there is no `mqttcert property` report
};

std::optional<json> read_json(const std::string& path, std::string* error) {
  if (!std::filesystem::exists(path)) return json();
  std::ifstream in(path);
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    if (error) *error = "cannot read " + path;
    return std::nullopt;
  }
  return j;
}

// group_of: the rows are the packets and topics of chapters 3 and 4 ("3.1.2" -> "3.1"),
// data representation (1.5), and chapters 2, 6 and 7 whole ("2.2.1" -> "2").
std::string group_of(const std::string& section) {
  const auto first = section.find('.');
  if (first == std::string::npos) return section;
  const std::string chapter = section.substr(0, first);
  if (chapter != "1" && chapter != "3" && chapter != "4") return chapter;
  return section.substr(0, section.find('.', first + 1));
}

std::string section_title(const std::string& version, const std::string& group) {
  static const std::map<std::string, std::string> common{
      {"1.5", "Data representation"}, {"2", "Control packet format"},
      {"3.1", "CONNECT"},   {"3.2", "CONNACK"},    {"3.3", "PUBLISH"},   {"3.4", "PUBACK"},
      {"3.5", "PUBREC"},    {"3.6", "PUBREL"},     {"3.7", "PUBCOMP"},   {"3.8", "SUBSCRIBE"},
      {"3.9", "SUBACK"},    {"3.10", "UNSUBSCRIBE"}, {"3.11", "UNSUBACK"}, {"3.12", "PINGREQ"},
      {"3.13", "PINGRESP"}, {"3.14", "DISCONNECT"}, {"3.15", "AUTH"},
      {"4.1", "Session state"}, {"4.2", "Network connections"}, {"4.3", "Quality of Service"},
      {"4.4", "Message delivery retry"}, {"4.5", "Message receipt"},
      {"4.6", "Message ordering"}, {"4.7", "Topic names and filters"},
      {"4.9", "Flow control"}, {"4.12", "Enhanced authentication"},
      {"4.13", "Handling errors"}, {"6", "WebSocket"}, {"7", "Conformance"}};
  if (group == "4.8") return version == "v3.1.1" ? "Handling errors" : "Subscriptions";
  auto it = common.find(group);
  return it == common.end() ? "" : it->second;
}

bool section_less(const std::string& a, const std::string& b) {
  std::istringstream x(a), y(b);
  for (;;) {
    std::string p, q;
    const bool more_a = static_cast<bool>(std::getline(x, p, '.'));
    const bool more_b = static_cast<bool>(std::getline(y, q, '.'));
    if (!more_a || !more_b) return !more_a && more_b;
    if (std::stoi(p) != std::stoi(q)) return std::stoi(p) < std::stoi(q);
  }
}

struct counts {
  int passed = 0, failed = 0, deviations = 0, non_strict = 0, skipped = 0;
  void add(const std::string& verdict) {
    if (verdict == "passed") ++passed;
    else if (verdict == "failed") ++failed;
    else if (verdict == "allowed_deviation") ++deviations;
    else if (verdict == "non_strict") ++non_strict;
    else ++skipped;
  }
  int total() const { return passed + failed + deviations + non_strict + skipped; }
};

std::string anchor(const std::string& broker, const std::string& what) {
  std::string a = broker + "-" + what;
  for (char& c : a)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  return a;
}

// cell_text: "12 passed" or "10 passed, 1 failed, 2 deviations".
std::string cell_text(const counts& c) {
  std::vector<std::string> parts;
  if (c.passed) parts.push_back(std::to_string(c.passed) + " passed");
  if (c.failed) parts.push_back("**" + std::to_string(c.failed) + " failed**");
  if (c.deviations)
    parts.push_back(std::to_string(c.deviations) + (c.deviations == 1 ? " deviation" : " deviations"));
  if (c.non_strict) parts.push_back(std::to_string(c.non_strict) + " non-strict");
  if (c.skipped) parts.push_back(std::to_string(c.skipped) + " skipped");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "–" : out;
}

// first_lines keeps the lines of a failure report that say what was expected and observed.
std::vector<std::string> expected_observed(const std::string& report) {
  std::vector<std::string> out;
  std::istringstream in(report);
  for (std::string line; std::getline(in, line);) {
    const auto start = line.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    const std::string t = line.substr(start);
    if (t.rfind("expected ", 0) == 0 || t.rfind("observed ", 0) == 0 ||
        t.rfind("STALE", 0) == 0) {
      out.push_back(t.size() > 240 ? t.substr(0, 240) + "…" : t);
      if (out.size() >= 4) break;
    }
  }
  return out;
}

std::string invariant_of(const json& r) { return r.value("invariant", ""); }

// The model of the page, filled once and printed as Markdown or HTML.
struct row {
  std::string label;
  std::vector<std::string> cells;  // one per broker, Markdown-flavoured text
};

struct detail {
  std::string id;     // anchor
  std::string title;  // "nanomq, v5.0 3.3 PUBLISH"
  std::vector<std::string> items;  // Markdown bullet texts
};

struct page {
  std::vector<std::string> brokers;
  std::vector<row> rows;
  std::vector<detail> details;
};

// backlog_cell: one line per version, "3.1.1: offline lost 2000 (explained), slow lost 0",
// for the default or the raised queue limits, then the limit.
std::string backlog_cell(const json& results, bool raised) {
  std::string out, limit;
  for (const auto& r : results) {
    if (invariant_of(r) != "backlog" || r.value("verdict", "") == "skipped") continue;
    const std::string test = r.value("test", "");
    if ((test.find("_raised") != std::string::npos) != raised) continue;
    const auto& d = r.value("details", json::object());
    std::string line = test.find("v5_0") != std::string::npos ? "5.0:" : "3.1.1:";
    for (const char* sub : {"sub-offline", "sub-slow"}) {
      auto it = d.find(std::string("backlog_") + sub);
      if (it == d.end()) continue;
      const std::string v = it->get<std::string>();  // acknowledged=… delivered=… lost=…
      auto field = [&](const std::string& k) {
        auto at = v.find(k + "=");
        if (at == std::string::npos) return std::string("0");
        at += k.size() + 1;
        return v.substr(at, v.find(' ', at) - at);
      };
      const long long lost = std::stoll(field("lost"));
      line += std::string(" ") + (sub + 4) + " lost " + field("lost");
      if (lost > 0) line += lost <= std::stoll(field("explained_up_to")) ? " (explained)" : " (**unexplained**)";
      line += sub[4] == 'o' ? "," : "";
    }
    if (auto lim = d.find("queue_limit"); lim != d.end()) limit = lim->get<std::string>();
    out += (out.empty() ? "" : "<br>") + line;
  }
  if (out.empty()) return "not run";
  return out + "<br>limit: " + limit;
}

page build_page(const std::vector<column>& columns) {
  page p;
  for (const auto& c : columns) p.brokers.push_back(c.broker);
  // Suite totals and sections.
  std::set<std::pair<std::string, std::string>> groups;  // (version, group)
  for (const auto& c : columns)
    if (!c.suite.is_null())
      for (const auto& r : c.suite.value("results", json::array()))
        groups.insert({r.value("version", ""), group_of(r.value("section", ""))});
  std::vector<std::pair<std::string, std::string>> ordered(groups.begin(), groups.end());
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : section_less(a.second, b.second);
  });
  for (const std::string version : {"v3.1.1", "v5.0"}) {
    row total{"**Suite, MQTT " + version.substr(1) + "**", {}};
    for (const auto& c : columns) {
      if (c.suite.is_null()) {
        total.cells.push_back("not run");
        continue;
      }
      counts n;
      for (const auto& r : c.suite.value("results", json::array()))
        if (r.value("version", "") == version) n.add(r.value("verdict", ""));
      total.cells.push_back(cell_text(n));
    }
    p.rows.push_back(total);
    for (const auto& [v, g] : ordered) {
      if (v != version) continue;
      row r{version + " " + g + " " + section_title(v, g), {}};
      for (const auto& c : columns) {
        if (c.suite.is_null()) {
          r.cells.push_back("");
          continue;
        }
        counts n;
        detail d{anchor(c.broker, version + "-" + g), c.broker + ", " + r.label, {}};
        for (const auto& t : c.suite.value("results", json::array())) {
          if (t.value("version", "") != v || group_of(t.value("section", "")) != g) continue;
          const std::string verdict = t.value("verdict", "");
          n.add(verdict);
          if (verdict == "passed" || verdict == "skipped" || verdict == "unimplemented") continue;
          std::string item = "**" + std::string(verdict == "allowed_deviation" ? "deviation"
                                                : verdict == "non_strict"     ? "non-strict"
                                                                              : "FAILED") +
                             "** `" + t.value("statement", "") + "` " + t.value("test", "");
          if (!t.value("note", "").empty()) item += " — " + t.value("note", "");
          for (const auto& l : expected_observed(t.value("report", ""))) item += "<br>`" + l + "`";
          d.items.push_back(item);
        }
        std::string cell = n.total() ? cell_text(n) : "";
        if (!d.items.empty()) {
          cell = "[" + cell + "](#" + d.id + ")";
          p.details.push_back(std::move(d));
        }
        r.cells.push_back(cell);
      }
      p.rows.push_back(r);
    }
  }
  // Invariants.
  for (const std::string inv : {"ordering", "auth-webhook"}) {
    row r{std::string("**Invariant: ") + inv + "**", {}};
    for (const auto& c : columns) {
      if (c.invariants.is_null()) {
        r.cells.push_back("not run");
        continue;
      }
      counts n;
      int expected = 0;
      detail d{anchor(c.broker, inv), c.broker + ", invariant " + inv, {}};
      std::string skip_note;
      for (const auto& t : c.invariants.value("results", json::array())) {
        if (invariant_of(t) != inv) continue;
        const std::string verdict = t.value("verdict", "");
        if (verdict == "allowed_deviation") {
          ++expected;
        } else {
          n.add(verdict);
        }
        if (verdict == "skipped") skip_note = t.value("note", "");
        if (verdict == "passed" || verdict == "skipped") continue;
        std::string item = "**" + std::string(verdict == "allowed_deviation" ? "expected violation"
                                              : verdict == "non_strict"     ? "non-strict"
                                                                            : "FAILED") +
                           "** " + t.value("test", "");
        if (!t.value("note", "").empty()) item += " — " + t.value("note", "");
        const auto& problems = t.value("problems", json::array());
        for (std::size_t i = 0; i < problems.size() && i < 2; ++i) {
          std::string pr = problems[i].get<std::string>();
          std::replace(pr.begin(), pr.end(), '\n', ' ');
          item += "<br>`" + (pr.size() > 240 ? pr.substr(0, 240) + "…" : pr) + "`";
        }
        d.items.push_back(item);
      }
      std::string cell = n.total() ? cell_text(n) : "";
      if (expected)
        cell += (cell.empty() ? "" : ", ") + std::to_string(expected) + " expected violations";
      if (n.total() + expected == n.skipped && !skip_note.empty()) cell = "n/a: " + skip_note;
      if (!d.items.empty()) {
        cell = "[" + cell + "](#" + d.id + ")";
        p.details.push_back(std::move(d));
      }
      r.cells.push_back(cell);
    }
    p.rows.push_back(r);
  }
  // The session/QoS property (`mqttcert property`): one cell per broker, the properties
  // that held, with the violations behind the link.
  row prop{"**Session/QoS property** (generated sequences checked by the model)", {}};
  for (const auto& c : columns) {
    if (c.property.is_null()) {
      prop.cells.push_back("not run");
      continue;
    }
    counts n;
    int expected = 0;
    detail d{anchor(c.broker, "property"), c.broker + ", session/QoS property", {}};
    for (const auto& t : c.property.value("results", json::array())) {
      const std::string verdict = t.value("verdict", "");
      if (verdict == "allowed_deviation") ++expected;
      n.add(verdict == "allowed_deviation" ? "passed" : verdict);
      if (verdict == "passed") continue;
      std::string item = "**" + std::string(verdict == "failed" ? "FAILED" : "held, with expected violations") +
                         "** " + t.value("version", "");
      for (const std::string& text : {t.value("report", ""), t.value("note", "")}) {
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);)
          if (line.rfind("VIOLATED ", 0) == 0 || line.rfind("expected violation ", 0) == 0)
            item += "<br>`" + line + "`";
      }
      d.items.push_back(item);
    }
    std::string cell = cell_text(n);
    if (expected) cell += ", " + std::to_string(expected) + " with expected violations";
    if (!d.items.empty()) {
      cell = "[" + cell + "](#" + d.id + ")";
      p.details.push_back(std::move(d));
    }
    prop.cells.push_back(cell);
  }
  p.rows.push_back(prop);
  for (bool raised : {false, true}) {
    row backlog{std::string("**Backlog: acknowledged QoS 1 messages lost**, queue limit ") +
                    (raised ? "raised" : "at its default") +
                    " (of 12,000; offline and slow subscriber)",
                {}};
    for (const auto& c : columns)
      backlog.cells.push_back(c.invariants.is_null()
                                  ? "not run"
                                  : backlog_cell(c.invariants.value("results", json::array()), raised));
    p.rows.push_back(backlog);
  }
  return p;
}

// html_escape: HTML text and attributes need the same four entities as XML.
std::string html_escape(const std::string& s) { return xml_escape(s); }

// markdown_to_html turns the little Markdown the cells use (**bold**, `code`, [t](#a),
// <br>) into HTML.
std::string markdown_to_html(const std::string& md) {
  std::string out;
  bool bold = false, code = false;
  for (std::size_t i = 0; i < md.size(); ++i) {
    if (!code && md.compare(i, 2, "**") == 0) {
      out += bold ? "</b>" : "<b>";
      bold = !bold;
      ++i;
    } else if (md[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && md.compare(i, 4, "<br>") == 0) {
      out += "<br>";
      i += 3;
    } else if (!code && md[i] == '[') {
      const auto close = md.find("](#", i);
      const auto end = close == std::string::npos ? close : md.find(')', close);
      if (end == std::string::npos) {
        out += "[";
        continue;
      }
      out += "<a href=\"#" + html_escape(md.substr(close + 3, end - close - 3)) + "\">" +
             markdown_to_html(md.substr(i + 1, close - i - 1)) + "</a>";
      i = end;
    } else {
      out += html_escape(std::string(1, md[i]));
    }
  }
  return out;
}

void write_markdown(std::ostream& out, const page& p, const matrix_options& o) {
  out << "# Compatibility matrix\n\n"
      << "Generated by `" << o.command_line << "` from the reports of one interop run "
      << "(`ctest -L interop`). Do not edit: regenerate.\n\n"
      << "Verdicts: **failed** breaks a MUST; a *deviation* is a failure the broker's profile "
         "records, read against the spec, with its reason; *non-strict* misses a SHOULD; an "
         "*expected violation* is an invariant violation the profile records with its "
         "evidence. Every linked cell lists the statements and what was expected and "
         "observed.\n\n| | ";
  for (const auto& b : p.brokers) out << b << " | ";
  out << "\n|---|";
  for (std::size_t i = 0; i < p.brokers.size(); ++i) out << "---|";
  out << "\n";
  for (const auto& r : p.rows) {
    out << "| " << r.label << " | ";
    for (const auto& c : r.cells) out << c << " | ";
    out << "\n";
  }
  out << "\n## Details\n";
  for (const auto& d : p.details) {
    out << "\n<a id=\"" << d.id << "\"></a>\n### " << d.title << "\n\n";
    for (const auto& i : d.items) out << "- " << i << "\n";
  }
}

void write_html_page(std::ostream& out, const page& p, const matrix_options& o) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>mqttcert compatibility matrix</title><style>"
         "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
         "text-align:left;vertical-align:top;font-size:14px}th{background:#f0f0f0}"
         "code{font-size:12px}li{margin:4px 0}</style></head><body>\n"
      << "<h1>Compatibility matrix</h1>\n<p>Generated by <code>" << html_escape(o.command_line)
      << "</code> from the reports of one interop run.</p>\n<table>\n<tr><th></th>";
  for (const auto& b : p.brokers) out << "<th>" << html_escape(b) << "</th>";
  out << "</tr>\n";
  for (const auto& r : p.rows) {
    out << "<tr><td>" << markdown_to_html(r.label) << "</td>";
    for (const auto& c : r.cells) out << "<td>" << markdown_to_html(c) << "</td>";
    out << "</tr>\n";
  }
  out << "</table>\n<h2>Details</h2>\n";
  for (const auto& d : p.details) {
    out << "<h3 id=\"" << html_escape(d.id) << "\">" << html_escape(d.title) << "</h3>\n<ul>\n";
    for (const auto& i : d.items) out << "<li>" << markdown_to_html(i) << "</li>\n";
    out << "</ul>\n";
  }
  out << "</body></html>\n";
}

bool write_file(const std::string& path, const std::function<void(std::ostream&)>& fill,
                std::string* error) {
  std::ofstream out = open_report_file(path);
  if (!out) {
    if (error) *error = "cannot write " + path;
    return false;
  }
  fill(out);
  return true;
}

}  // namespace

bool write_compatibility_matrix(const matrix_options& options, std::string* error) {
  std::vector<column> columns;
  for (const auto& b : options.brokers) {
    column c{b, {}, {}, {}};
    auto suite = read_json(options.reports_dir + "/" + b + "-suite.json", error);
    auto inv = read_json(options.reports_dir + "/" + b + "-invariants.json", error);
    auto prop = read_json(options.reports_dir + "/" + b + "-property.json", error);
    if (!suite || !inv || !prop) return false;
    c.suite = *suite;
    c.invariants = *inv;
    c.property = *prop;
    columns.push_back(std::move(c));
  }
  const page p = build_page(columns);
  if (!options.markdown_path.empty() &&
      !write_file(options.markdown_path, [&](std::ostream& o) { write_markdown(o, p, options); },
                  error))
    return false;
  if (!options.html_path.empty() &&
      !write_file(options.html_path, [&](std::ostream& o) { write_html_page(o, p, options); },
                  error))
    return false;
  return true;
}

}  // namespace mqtt::cert::cli
