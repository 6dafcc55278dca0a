#include "conformance/cli/reports.hpp"

#include <ctime>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "conformance/harness/statement_catalogue.hpp"

namespace mqtt::cert::cli {
namespace {

// section_order compares "3.10.1" and "3.2" numerically, level by level.
bool section_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    std::size_t ni = a.find('.', i), nj = b.find('.', j);
    int x = std::atoi(a.substr(i, ni - i).c_str()), y = std::atoi(b.substr(j, nj - j).c_str());
    if (x != y) return x < y;
    if (ni == std::string::npos || nj == std::string::npos) return ni == std::string::npos && nj != std::string::npos;
    i = ni + 1;
    j = nj + 1;
  }
  return a.size() < b.size();
}

// statement_less orders "…MQTT-3.1.2-2" before "…MQTT-3.1.2-10": by the numbers in the
// ID, not by their text.
bool statement_less(const std::string& a, const std::string& b) {
  auto numbers = [](const std::string& s) {
    std::vector<int> n;
    std::size_t at = s.find("MQTT-");
    for (std::size_t i = at == std::string::npos ? 0 : at + 5; i < s.size();) {
      if (std::isdigit(static_cast<unsigned char>(s[i]))) {
        std::size_t end = i;
        while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
        n.push_back(std::atoi(s.substr(i, end - i).c_str()));
        i = end;
      } else {
        ++i;
      }
    }
    return n;
  };
  auto na = numbers(a), nb = numbers(b);
  return na != nb ? na < nb : a < b;
}

using grouped = std::map<std::string, std::vector<const test_result*>>;

// group_by_section groups by "version section" in spec order.
std::vector<std::pair<std::string, std::vector<const test_result*>>> group_by_section(
    const std::vector<test_result>& results) {
  grouped g;
  for (const auto& r : results) g[r.version + " " + r.section].push_back(&r);
  std::vector<std::pair<std::string, std::vector<const test_result*>>> out(g.begin(), g.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    auto va = a.first.substr(0, a.first.find(' ')), vb = b.first.substr(0, b.first.find(' '));
    if (va != vb) return va < vb;
    return section_less(a.first.substr(a.first.find(' ') + 1), b.first.substr(b.first.find(' ') + 1));
  });
  for (auto& [k, v] : out)
    std::sort(v.begin(), v.end(), [](const test_result* a, const test_result* b) {
      return a->statement != b->statement ? statement_less(a->statement, b->statement)
                                          : a->test < b->test;
    });
  return out;
}

std::string summary_of(const test_result& r) {
  const statement_info* s = find_statement_key(r.statement);
  return s ? s->summary : std::string();
}

std::string short_test_name(const std::string& test) {
  auto dot = test.rfind('.');
  std::string name = dot == std::string::npos ? test : test.substr(dot + 1);
  auto slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string iso_time_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::ofstream open_report_file(const std::string& path) {
  std::error_code ec;
  if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty())
    std::filesystem::create_directories(dir, ec);
  return std::ofstream(path);
}

totals count(const std::vector<test_result>& results) {
  totals t;
  for (const auto& r : results) {
    switch (r.outcome) {
      case verdict::passed: ++t.passed; break;
      case verdict::failed: ++t.failed; break;
      case verdict::non_strict: ++t.non_strict; break;
      case verdict::allowed_deviation: ++t.deviations; break;
      case verdict::unimplemented: ++t.unimplemented; ++t.skipped; break;
      case verdict::skipped: ++t.skipped; break;
    }
  }
  return t;
}

void print_tree(std::ostream& out, const std::vector<test_result>& results, bool color) {
  auto paint = [&](const char* code, const std::string& s) {
    return color ? std::string("\x1b[") + code + "m" + s + "\x1b[0m" : s;
  };
  std::string version;
  for (const auto& [key, items] : group_by_section(results)) {
    std::string v = key.substr(0, key.find(' '));
    if (v != version) {
      out << "\n" << paint("1", "MQTT " + v.substr(1)) << "\n";
      version = v;
    }
    std::string section = key.substr(key.find(' ') + 1);
    const statement_info* any = items.empty() ? nullptr : find_statement_key(items.front()->statement);
    out << "  " << section << " " << (any ? any->section_title : "") << "\n";
    for (const auto* r : items) {
      std::string mark;
      switch (r->outcome) {
        case verdict::passed: mark = paint("32", "✔"); break;
        case verdict::failed: mark = paint("31", "×"); break;
        case verdict::non_strict: mark = paint("33", "!"); break;
        case verdict::allowed_deviation: mark = paint("36", "~"); break;
        case verdict::unimplemented:
        case verdict::skipped: mark = paint("90", "-"); break;
      }
      out << "    " << mark << " " << r->statement << "  " << short_test_name(r->test);
      if (r->outcome != verdict::passed) out << "  [" << verdict_name(r->outcome) << "]";
      if (!r->note.empty()) out << "  " << r->note;
      out << "\n";
    }
  }
  std::vector<const test_result*> bad;
  for (const auto& r : results)
    if (r.outcome == verdict::failed || r.outcome == verdict::non_strict) bad.push_back(&r);
  if (!bad.empty()) {
    out << "\n" << paint("1", "Failures") << "\n\n";
    for (const auto* r : bad) out << r->report << "\n";
  }
  totals t = count(results);
  out << "\n";
  if (t.deviations || t.non_strict || t.unimplemented)
    out << t.deviations << " allowed deviations, " << t.non_strict << " non-strict, "
        << t.unimplemented << " unimplemented\n";
  out << t.passed << " passed, " << t.failed << " failed, " << t.skipped << " skipped\n";
}

bool write_junit(const std::string& path, const std::vector<test_result>& results,
                 const run_info& info) {
  std::ofstream out = open_report_file(path);
  if (!out) return false;
  totals t = count(results);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"mqttcert\" tests=\"" << results.size() << "\" failures=\""
      << t.failed + t.non_strict << "\" skipped=\"" << t.skipped + t.deviations << "\">\n";
  std::map<std::string, std::vector<const test_result*>> by_version;
  for (const auto& r : results) by_version[r.version].push_back(&r);
  for (const auto& [v, items] : by_version) {
    out << "  <testsuite name=\"" << v << "\" tests=\"" << items.size() << "\">\n";
    out << "    <properties><property name=\"broker\" value=\"" << xml_escape(info.broker_url)
        << "\"/><property name=\"profile\" value=\"" << xml_escape(info.profile_name)
        << "\"/></properties>\n";
    for (const auto* r : items) {
      out << "    <testcase classname=\"" << xml_escape(r->statement) << "\" name=\""
          << xml_escape(r->test) << "\" time=\"" << r->seconds << "\">\n";
      out << "      <properties><property name=\"statement\" value=\"" << xml_escape(r->statement)
          << "\"/><property name=\"verdict\" value=\"" << verdict_name(r->outcome)
          << "\"/></properties>\n";
      if (r->outcome == verdict::failed || r->outcome == verdict::non_strict)
        out << "      <failure message=\"" << verdict_name(r->outcome) << " " << xml_escape(r->statement)
            << "\">" << xml_escape(r->report) << "</failure>\n";
      else if (r->outcome == verdict::allowed_deviation)
        out << "      <skipped message=\"allowed deviation: " << xml_escape(r->note) << "\"/>\n";
      else if (r->outcome == verdict::unimplemented || r->outcome == verdict::skipped)
        out << "      <skipped message=\"" << verdict_name(r->outcome) << " " << xml_escape(r->note)
            << "\"/>\n";
      out << "    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return true;
}

bool write_json(const std::string& path, const std::vector<test_result>& results,
                const run_info& info) {
  std::ofstream out = open_report_file(path);
  if (!out) return false;
  nlohmann::json j;
  j["tool"] = "mqttcert";
  j["broker"] = info.broker_url;
  j["profile"] = info.profile_name;
  j["command"] = info.command_line;
  j["started"] = info.started;
  totals t = count(results);
  j["totals"] = {{"passed", t.passed},         {"failed", t.failed},
                 {"skipped", t.skipped},       {"non_strict", t.non_strict},
                 {"allowed_deviation", t.deviations}, {"unimplemented", t.unimplemented}};
  j["results"] = nlohmann::json::array();
  for (const auto& r : results) {
    j["results"].push_back({{"statement", r.statement},
                            {"version", r.version},
                            {"section", r.section},
                            {"test", r.test},
                            {"level", r.level},
                            {"verdict", verdict_name(r.outcome)},
                            {"note", r.note},
                            {"report", r.report},
                            {"seconds", r.seconds}});
  }
  out << j.dump(2) << "\n";
  return true;
}

bool write_html(const std::string& path, const std::vector<test_result>& results,
                const run_info& info) {
  std::ofstream out = open_report_file(path);
  if (!out) return false;
  totals t = count(results);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>mqttcert report</title><style>"
         "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
         "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;vertical-align:top}"
         ".cell{display:inline-block;width:14px;height:14px;margin:1px;border-radius:2px}"
         ".passed{background:#2e9e44}.failed{background:#d62b2b}.non_strict{background:#e5a50a}"
         ".allowed_deviation{background:#2aa1b3}.unimplemented,.skipped{background:#aaa}"
         "pre{background:#f4f4f4;padding:8px;overflow-x:auto;font-size:12px}"
         "summary{cursor:pointer}</style></head><body>\n";
  out << "<h1>mqttcert report</h1>\n<p>Broker <code>" << xml_escape(info.broker_url)
      << "</code>, profile <code>" << xml_escape(info.profile_name) << "</code>, started "
      << xml_escape(info.started) << "<br>Command: <code>" << xml_escape(info.command_line)
      << "</code></p>\n";
  out << "<p><b>" << t.passed << " passed, " << t.failed << " failed, " << t.skipped
      << " skipped</b> (" << t.deviations << " allowed deviations, " << t.non_strict
      << " non-strict, " << t.unimplemented << " unimplemented)</p>\n";
  out << "<p><span class=\"cell passed\"></span> passed <span class=\"cell failed\"></span> failed "
         "<span class=\"cell non_strict\"></span> non-strict <span class=\"cell allowed_deviation\">"
         "</span> allowed deviation <span class=\"cell skipped\"></span> skipped/unimplemented</p>\n";
  out << "<h2>Matrix by section</h2>\n<table>\n<tr><th>version</th><th>section</th><th>results</th></tr>\n";
  for (const auto& [key, items] : group_by_section(results)) {
    out << "<tr><td>" << key.substr(0, key.find(' ')) << "</td><td>"
        << xml_escape(key.substr(key.find(' ') + 1)) << "</td><td>";
    for (const auto* r : items)
      out << "<span class=\"cell " << verdict_name(r->outcome) << "\" title=\""
          << xml_escape(r->statement + " " + short_test_name(r->test) + ": " +
                        std::string(verdict_name(r->outcome)))
          << "\"></span>";
    out << "</td></tr>\n";
  }
  out << "</table>\n<h2>Results</h2>\n";
  for (const auto& r : results) {
    if (r.outcome == verdict::passed) continue;
    out << "<details><summary><span class=\"cell " << verdict_name(r.outcome) << "\"></span> "
        << xml_escape(r.statement) << " — " << xml_escape(r.test) << " ["
        << verdict_name(r.outcome) << "]</summary>\n<p>" << xml_escape(summary_of(r)) << "</p>";
    if (!r.note.empty()) out << "<p>" << xml_escape(r.note) << "</p>";
    if (!r.report.empty()) out << "<pre>" << xml_escape(r.report) << "</pre>";
    out << "</details>\n";
  }
  out << "<h2>Passed</h2>\n<ul>\n";
  for (const auto& r : results)
    if (r.outcome == verdict::passed)
      out << "<li>" << xml_escape(r.statement) << " — " << xml_escape(r.test) << "</li>\n";
  out << "</ul>\n</body></html>\n";
  return true;
}

}  // namespace mqtt::cert::cli
