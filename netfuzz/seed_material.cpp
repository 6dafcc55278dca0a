#include "netfuzz/seed_material.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace mqtt::netfuzz {

using codec::byte_buffer;
using codec::protocol_version;
namespace fs = std::filesystem;

namespace {

byte_buffer read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return byte_buffer(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());  // the same order everywhere: seeds index into it
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string field;
  while (std::getline(s, field, '\t')) out.push_back(field);
  return out;
}

std::vector<protocol_version> versions_named(const std::string& text) {
  if (text.find("3.1.1") != std::string::npos || text == "4") return {protocol_version::v3_1_1};
  if (text.find("5") != std::string::npos) return {protocol_version::v5_0};
  return {protocol_version::v3_1_1, protocol_version::v5_0};
}

// load_regressions reads corpora/regressions: index.tsv (another tool's list: file,
// format packet/stream/session, version, expected behaviour; a header row names the
// columns) when present, else every file as one packet for both versions.
std::vector<regression_input> load_regressions(const fs::path& dir) {
  std::vector<regression_input> out;
  std::ifstream index(dir / "index.tsv");
  if (index) {
    std::string line;
    int file_col = 0, format_col = 1, version_col = 2;
    bool first = true;
    while (std::getline(index, line)) {
      if (line.empty() || line[0] == '#') {
        if (!first || line.empty()) continue;
      }
      auto f = split_tabs(line[0] == '#' ? line.substr(1) : line);
      if (first) {
        first = false;
        bool header = false;
        for (int i = 0; i < static_cast<int>(f.size()); ++i) {
          std::string name = f[i];
          while (!name.empty() && name[0] == ' ') name.erase(0, 1);
          if (name == "file") file_col = i, header = true;
          if (name == "format") format_col = i, header = true;
          if (name == "version") version_col = i, header = true;
        }
        if (header || line[0] == '#') continue;
      }
      if (static_cast<int>(f.size()) <= file_col) continue;
      const std::string format = static_cast<int>(f.size()) > format_col ? f[format_col] : "packet";
      if (format == "session") continue;  // broker_session_fuzzer operations, not wire bytes
      regression_input r;
      r.name = f[file_col];
      r.bytes = read_file(dir / r.name);
      if (r.bytes.empty()) continue;
      r.whole_stream = format == "stream";
      r.versions = versions_named(static_cast<int>(f.size()) > version_col ? f[version_col] : "");
      out.push_back(std::move(r));
    }
    if (!out.empty()) return out;
  }
  for (const auto& p : files_in(dir)) {
    const auto name = p.filename().string();
    if (name == "README.md" || name == "index.tsv") continue;
    regression_input r;
    r.name = name;
    r.bytes = read_file(p);
    r.versions = {protocol_version::v3_1_1, protocol_version::v5_0};
    if (!r.bytes.empty()) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

bool parse_dict_line(const std::string& line, byte_buffer& token) {
  const auto open = line.find('"');
  const auto close = line.rfind('"');
  if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) return false;
  token.clear();
  for (std::size_t i = open + 1; i < close; ++i) {
    if (line[i] != '\\') {
      token.push_back(static_cast<std::uint8_t>(line[i]));
      continue;
    }
    if (i + 1 >= close) return false;
    const char e = line[++i];
    if (e == 'x') {
      if (i + 2 >= close) return false;
      const std::string hex = line.substr(i + 1, 2);
      char* end = nullptr;
      const long v = std::strtol(hex.c_str(), &end, 16);
      if (end != hex.c_str() + 2) return false;
      token.push_back(static_cast<std::uint8_t>(v));
      i += 2;
    } else {
      token.push_back(static_cast<std::uint8_t>(e));  // \\ and \"
    }
  }
  return !token.empty();
}

seed_material load_seed_material(const std::string& corpora_dir, const std::string& dict_dir,
                                 std::string* notes) {
  seed_material m;
  const fs::path corpora(corpora_dir);
  for (const auto& p : files_in(corpora / "decode_packet_fuzzer")) m.packets.push_back(read_file(p));
  for (const auto& p : files_in(corpora / "framer_fuzzer")) {
    auto b = read_file(p);
    if (b.size() > 1) m.streams.emplace_back(b.begin() + 1, b.end());  // drop the chunk-size byte
  }
  m.regressions = load_regressions(corpora / "regressions");
  for (const auto& p : files_in(dict_dir)) {
    if (p.extension() != ".dict") continue;
    std::ifstream in(p);
    std::string line;
    byte_buffer token;
    while (std::getline(in, line))
      if (parse_dict_line(line, token)) m.tokens.push_back(token);
  }
  if (notes) {
    std::ostringstream o;
    o << m.packets.size() << " seed packets, " << m.streams.size() << " seed streams, "
      << m.regressions.size() << " regressions, " << m.tokens.size() << " dictionary tokens";
    *notes = o.str();
  }
  return m;
}

}  // namespace mqtt::netfuzz
