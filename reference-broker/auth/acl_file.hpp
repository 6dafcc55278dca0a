// acl_file.hpp: a mosquitto-style ACL file and the publish/subscribe decisions it makes.
//
//   # comment                      (only at the start of a line: '#' is also a wildcard)
//   topic read $SYS/#              rules before any `user` line: clients without User Name
//   user alice                     rules after it: only the client with User Name "alice"
//   topic readwrite sensors/#
//   topic deny sensors/secret/#
//   pattern write devices/%c/up    every client; %c = ClientID, %u = User Name
//   pattern read devices/%u/#
//
// Access is read, write, readwrite (the default when omitted) or deny. A topic or pattern
// takes the rest of the line as its Topic Filter, so filters may contain spaces.
//
// Decisions (deny wins, then allow, otherwise deny):
// - may_publish: denied if an applicable deny rule matches the Topic Name; allowed if a
//   write/readwrite rule matches it.
// - may_subscribe: the broker does not check ACLs again per delivered message, so a
//   subscription must not reach any topic the client may not read. It is denied if its
//   filter overlaps a deny rule (some topic matches both); it is allowed only if a single
//   read/readwrite rule covers it (every topic the filter matches, the rule matches too).
//   `a/+` is not covered by the two rules `a/x` and `a/y` together. A $share/{name}/
//   prefix is removed before the check.
// - Patterns: a ClientID or User Name that holds '/', '+' or '#' would widen the rule,
//   so an allow pattern using it does not apply; a deny pattern applies with each level
//   that uses it read as '+'. %u for a client without User Name is handled the same way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mqtt::broker::auth {

enum class acl_access : std::uint8_t {
  read = 1,
  write = 2,
  readwrite = 3,
  deny = 4,
};

struct acl_rule {
  acl_access access = acl_access::readwrite;
  std::string filter;
  bool pattern = false;  // a `pattern` line: %c and %u are substituted
  std::size_t line = 0;  // where it came from, for logs
};

class acl_file {
 public:
  // load reads a file; throws config_error "path:line: why" on the first bad line.
  static acl_file load(const std::filesystem::path& path);
  // parse reads file text; `source` names it in errors.
  static acl_file parse(std::string_view text, std::string_view source);

  // may_publish decides a PUBLISH to Topic Name `topic`. Thread-safe (const).
  bool may_publish(std::string_view client_id, const std::optional<std::string>& username,
                   std::string_view topic) const;
  // may_subscribe decides one SUBSCRIBE Topic Filter. Thread-safe (const).
  bool may_subscribe(std::string_view client_id, const std::optional<std::string>& username,
                     std::string_view filter) const;

  std::size_t rule_count() const;

 private:
  bool decide(std::string_view client_id, const std::optional<std::string>& username,
              std::string_view subject, bool subscribe) const;

  std::vector<acl_rule> anonymous_;
  std::unordered_map<std::string, std::vector<acl_rule>> users_;
  std::vector<acl_rule> patterns_;
};

// filter_covers says whether every Topic Name `inner` matches also matches `outer`
// (both valid, non-shared Topic Filters). Exposed for tests.
bool filter_covers(std::string_view outer, std::string_view inner);

// filters_overlap says whether some Topic Name matches both filters. Exposed for tests.
bool filters_overlap(std::string_view a, std::string_view b);

}  // namespace mqtt::broker::auth
