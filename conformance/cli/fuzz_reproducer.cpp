#include "conformance/cli/fuzz_reproducer.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "codec/hex.hpp"
#include "conformance/cli/reports.hpp"

namespace mqtt::cert::cli {

using codec::protocol_version;

bool save_reproducer(const std::string& path, const fuzz_reproducer& r) {
  nlohmann::json j;
  j["format"] = "mqttcert-fuzz-reproducer/1";
  j["kind"] = r.kind;
  j["what"] = r.what;
  if (!r.statement.empty()) j["statement"] = r.statement;
  j["broker"] = r.broker;
  j["seed"] = r.seed;
  j["command_line"] = r.command_line;
  j["replay"] = "mqttcert fuzz --broker URL --replay " + path;
  j["sequences"] = nlohmann::json::array();
  for (const auto& s : r.sequences) {
    nlohmann::json w = nlohmann::json::array();
    for (const auto& bytes : s.writes) w.push_back(codec::to_hex(bytes, " "));
    j["sequences"].push_back({{"number", s.number},
                              {"version", codec::is_v5(s.version) ? "5.0" : "3.1.1"},
                              {"recipe", s.recipe},
                              {"writes", w}});
  }
  std::ofstream out = open_report_file(path);
  out << j.dump(2) << "\n";
  return static_cast<bool>(out);
}

std::optional<fuzz_reproducer> load_reproducer(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = "cannot read " + path;
    return std::nullopt;
  }
  try {
    const auto j = nlohmann::json::parse(in);
    fuzz_reproducer r;
    r.kind = j.value("kind", "");
    r.what = j.value("what", "");
    r.statement = j.value("statement", "");
    r.broker = j.value("broker", "");
    r.seed = j.value("seed", std::uint64_t{0});
    r.command_line = j.value("command_line", "");
    for (const auto& s : j.at("sequences")) {
      netfuzz::sequence q;
      q.number = s.value("number", std::uint64_t{0});
      q.version = s.value("version", "5.0") == "3.1.1" ? protocol_version::v3_1_1 : protocol_version::v5_0;
      q.recipe = s.value("recipe", "");
      for (const auto& w : s.at("writes")) {
        auto bytes = codec::from_hex(w.get<std::string>());
        if (!bytes) {
          if (error) *error = path + ": sequence " + std::to_string(q.number) + " has a write that is not hex";
          return std::nullopt;
        }
        q.writes.push_back(std::move(*bytes));
      }
      r.sequences.push_back(std::move(q));
    }
    if (r.sequences.empty()) {
      if (error) *error = path + " holds no sequences";
      return std::nullopt;
    }
    return r;
  } catch (const std::exception& e) {
    if (error) *error = path + " is not a fuzz reproducer: " + e.what();
    return std::nullopt;
  }
}

}  // namespace mqtt::cert::cli
