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
// Decisions. Rules that apply to a client: its own section (the one before any `user` line
// when it has no User Name) and every pattern. Deny wins: a matching deny rule refuses
// whatever else matches; otherwise a rule granting the access must match; else refused.
// - may_publish: rules are matched against the Topic Name; write/readwrite grants.
// - may_subscribe: refused when an applicable deny rule takes in the whole Topic Filter
//   (Mosquitto's sub-matches-acl, `filter_covers`: a '+' or '#' level in the subscription
//   is matched only by a wildcard in the rule), or when no read/readwrite rule can match
//   any topic the filter matches (`filters_overlap`); otherwise granted, and deliveries
//   are checked with may_read. With `topic readwrite #` and `topic deny test/nosubscribe`,
//   `#` is granted and `test/nosubscribe` refused; with only `topic read a/x`, `a/+` is
//   granted and delivers only a/x, and `b/+` is refused. A $share/{name}/ prefix is
//   removed first. Mosquitto's acl_file grants every SUBSCRIBE and checks only deliveries;
//   refusing a filter that can never deliver, or that a deny rule takes in whole, tells the
//   client at SUBACK time what it would otherwise learn by silence.
// - may_read: a granted filter can still reach topics a deny rule matches (`#` above reaches
//   test/nosubscribe), so each delivery is checked as Mosquitto does: rules are matched
//   against the Topic Name; read/readwrite grants.
// - needs_read_check lets the broker skip may_read where it can never refuse. The broker
//   stores the answer with the subscription (false without an ACL file), so a subscription
//   inside one rule pays nothing per message. It is false only when one read rule covers
//   the filter alone and no applicable deny rule overlaps it (`#` in the Paho file needs
//   the check; `a/+` under `topic read a/x` does too). Rules that cover only together
//   answer true, which is safe. The answer holds for this file, ClientID
//   and User Name: recompute it when a session is resumed under another User Name.
// - Patterns: a ClientID or User Name that holds '/', '+' or '#' (or starts with '$') would
//   widen the rule, so an allow pattern using it does not apply; a deny pattern applies with
//   each level that uses it read as '+'. %u for a client without User Name is handled the
//   same way.
// - [MQTT-4.7.2-1] A rule starting with a wildcard matches no topic starting with '$':
//   `topic read #` neither grants `$SYS/#` nor lets `$SYS/...` messages be read.
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
  // may_read decides one delivery of a message on Topic Name `topic` to the client (the
  // Topic Name the message was published with). Thread-safe (const).
  bool may_read(std::string_view client_id, const std::optional<std::string>& username,
                std::string_view topic) const;

  // needs_read_check says whether deliveries on a subscription to `filter` (SUBSCRIBE form,
  // $share/ allowed) must go through may_read. False only when one applicable read/readwrite
  // rule covers the whole filter and no applicable deny rule overlaps it: then may_read is
  // true for every Topic Name the filter matches. Costs one pass over the client's rules, so
  // call it once per subscription, not per message. Thread-safe (const).
  bool needs_read_check(std::string_view client_id, const std::optional<std::string>& username,
                        std::string_view filter) const;

  std::size_t rule_count() const;

 private:
  // matcher(rule filter, subject) says whether the rule matches what is being decided.
  using matcher = bool (*)(std::string_view, std::string_view);

  // for_each_rule calls visit(access, filter) for each rule that applies to the client,
  // with patterns expanded, until visit returns true.
  template <typename Visit>
  void for_each_rule(std::string_view client_id, const std::optional<std::string>& username,
                     Visit visit) const;
  // scan looks at the client's rules for `subject`: whether a deny rule matches it by
  // `deny_matches` (the scan stops there: deny wins), and whether a rule granting
  // `needed` matches it by `grant_matches`.
  struct scan_result {
    bool denied = false;
    bool granted = false;
  };
  scan_result scan(std::string_view client_id, const std::optional<std::string>& username,
                   std::string_view subject, acl_access needed, matcher deny_matches,
                   matcher grant_matches) const;
  bool decide(std::string_view client_id, const std::optional<std::string>& username,
              std::string_view subject, acl_access needed, matcher matches) const;

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
