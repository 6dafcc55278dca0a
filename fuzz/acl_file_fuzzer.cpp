// acl_file_fuzzer: parses a mosquitto-style ACL file, then asks it about topics.
// Input: the ACL text, optionally followed by '\0' and query lines: ClientID, then User
// Name (the line may be empty; no line: no User Name), then Topic Names and Filters.
// Without queries the client is "client" with the first `user` line's name, and the
// topics asked about are the filters the file names (and their wildcard-free forms).
// Checks: parse throws nothing but config_error; for valid Topic Names T and Filters F
// (acl_file.hpp's rules, no $share/):
//   may_subscribe(T) == may_read(T)   (T not $share/: a literal filter asks the same rules)
//   may_read(T) and F matches T  =>  may_subscribe(F)
//   !needs_read_check(F) and F matches T  =>  may_read(T)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/topic.hpp"
#include "reference-broker/auth/acl_file.hpp"
#include "reference-broker/auth/config_error.hpp"

using namespace mqtt::broker::auth;
using mqtt::codec::match_topic_filter;
using mqtt::codec::topic_status;

namespace {

constexpr std::size_t max_queries = 24;  // pairs are checked, so keep the cost bounded

[[noreturn]] void violated(const char* what, std::string_view a, std::string_view b) {
  std::fprintf(stderr, "acl_file_fuzzer: %s: \"%.*s\" \"%.*s\"\n", what, int(a.size()),
               a.data(), int(b.size()), b.data());
  std::abort();
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// named_filters returns the last word of each `topic` / `pattern` line and the first
// `user` name, so a file alone is asked about what it mentions.
void named_filters(std::string_view text, std::vector<std::string>& topics,
                   std::optional<std::string>& user) {
  for (std::string_view line : split_lines(text)) {
    const std::size_t space = line.rfind(' ');
    if (space == std::string_view::npos) continue;
    const std::string_view word = line.substr(space + 1);
    if (line.starts_with("user ") && !user) user = std::string(word);
    if (!line.starts_with("topic ") && !line.starts_with("pattern ")) continue;
    topics.emplace_back(word);
    std::string literal(word);  // the same levels with each wildcard as a plain level
    for (char& ch : literal) {
      if (ch == '+' || ch == '#') ch = 'x';
    }
    topics.push_back(std::move(literal));
  }
}

// replace_all replaces each `from` in `text`, scanning past what it put in.
std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  std::optional<acl_file> acl;
  try {
    acl = acl_file::parse(text, "fuzz.acl");
  } catch (const config_error&) {
    return 0;  // a bad line is refused; that is the expected failure
  }

  std::string client_id = "client";
  std::optional<std::string> username;
  std::vector<std::string> topics;
  if (nul != std::string_view::npos) {
    const auto lines = split_lines(input.substr(nul + 1));
    if (!lines.empty()) client_id = std::string(lines[0]);
    if (lines.size() > 1) username = std::string(lines[1]);
    for (std::size_t i = 2; i < lines.size(); ++i) topics.emplace_back(lines[i]);
  } else {
    named_filters(text, topics, username);
    // Patterns name %c and %u: ask about them for this client too.
    const std::size_t named = topics.size();
    for (std::size_t i = 0; i < named; ++i) {
      std::string t = replace_all(topics[i], "%c", client_id);
      t = replace_all(t, "%u", username.value_or("u"));
      if (t != topics[i]) topics.push_back(std::move(t));
    }
  }
  if (topics.size() > max_queries) topics.resize(max_queries);

  std::vector<std::string_view> names;
  std::vector<std::string_view> filters;
  for (const std::string& t : topics) {
    // Every query must be safe, whatever it holds; only valid ones are checked.
    (void)acl->may_publish(client_id, username, t);
    (void)acl->may_subscribe(client_id, username, t);
    (void)acl->may_read(client_id, username, t);
    (void)acl->needs_read_check(client_id, username, t);
    if (mqtt::codec::validate_topic_name(t) == topic_status::ok) names.push_back(t);
    if (mqtt::codec::validate_topic_filter(t) == topic_status::ok &&
        !mqtt::codec::parse_shared_filter(t)) {
      filters.push_back(t);
    }
  }
  for (std::string_view t : names) {
    const bool readable = acl->may_read(client_id, username, t);
    // As a filter, "$share/g/x" is decided as "x" (a shared subscription), as a name not.
    const bool literal = !mqtt::codec::parse_shared_filter(t);
    if (literal && acl->may_subscribe(client_id, username, t) != readable) {
      violated("may_subscribe(T) != may_read(T)", t, t);
    }
    for (std::string_view f : filters) {
      if (!match_topic_filter(f, t)) continue;
      if (readable && !acl->may_subscribe(client_id, username, f)) {
        violated("T is readable but a filter matching it is refused", t, f);
      }
      if (!readable && !acl->needs_read_check(client_id, username, f)) {
        violated("needs_read_check(F) is false but T under F is not readable", t, f);
      }
    }
  }
  return 0;
}
