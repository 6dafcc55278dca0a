#include "reference-broker/auth/acl_file.hpp"

#include <fstream>
#include <sstream>

#include "codec/topic.hpp"
#include "reference-broker/auth/config_error.hpp"

namespace mqtt::broker::auth {
namespace {

std::vector<std::string_view> split_levels(std::string_view s) {
  std::vector<std::string_view> levels;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      levels.push_back(s.substr(start));
      return levels;
    }
    levels.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

bool is_wildcard(std::string_view level) { return level == "+" || level == "#"; }

// [MQTT-4.7.2-1] A filter starting with a wildcard does not match a topic starting with '$'.
bool dollar_blocked(std::string_view wild_first, std::string_view other_first) {
  return is_wildcard(wild_first) && !other_first.empty() && other_first.front() == '$';
}

std::string_view trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// split_word returns the first space-separated word and the trimmed rest.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  std::size_t sp = s.find_first_of(" \t");
  if (sp == std::string_view::npos) return {s, {}};
  return {s.substr(0, sp), trim(s.substr(sp))};
}

std::optional<acl_access> parse_access(std::string_view word) {
  if (word == "read") return acl_access::read;
  if (word == "write") return acl_access::write;
  if (word == "readwrite") return acl_access::readwrite;
  if (word == "deny") return acl_access::deny;
  return std::nullopt;
}

bool has_placeholder(std::string_view level) {
  return level.find("%c") != std::string_view::npos || level.find("%u") != std::string_view::npos;
}

// safe_value: substituting it cannot add levels or wildcards, or reach $-topics.
// std::nullopt (no User Name) is never safe.
bool safe_value(std::optional<std::string_view> v) {
  return v && v->find_first_of("/+#") == std::string_view::npos &&
         (v->empty() || v->front() != '$');
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// substitute_pattern expands %c and %u in a pattern filter for one client; std::nullopt
// when the rule does not apply (see acl_file.hpp for the unsafe-value rule).
std::optional<std::string> substitute_pattern(const acl_rule& rule, std::string_view client_id,
                                              const std::optional<std::string>& username) {
  std::optional<std::string_view> user;
  if (username) user = *username;
  std::string out;
  bool first = true;
  for (std::string_view level : split_levels(rule.filter)) {
    if (!first) out += '/';
    first = false;
    if (!has_placeholder(level)) {
      out += level;
      continue;
    }
    bool uses_c = level.find("%c") != std::string_view::npos;
    bool uses_u = level.find("%u") != std::string_view::npos;
    bool safe = (!uses_c || safe_value(client_id)) && (!uses_u || safe_value(user));
    if (!safe) {
      if (rule.access != acl_access::deny) return std::nullopt;
      out += '+';
      continue;
    }
    std::string expanded(level);
    if (uses_c) replace_all(expanded, "%c", client_id);
    if (uses_u) replace_all(expanded, "%u", *user);
    out += expanded;
  }
  return out;
}

bool grants(acl_access rule, acl_access needed) {
  return (static_cast<std::uint8_t>(rule) & static_cast<std::uint8_t>(needed)) != 0;
}

// strip_share removes a $share/{name}/ prefix: the ACL names the topics themselves.
std::string_view strip_share(std::string_view filter) {
  if (auto shared = codec::parse_shared_filter(filter)) return shared->filter;
  return filter;
}

}  // namespace

bool filter_covers(std::string_view outer, std::string_view inner) {
  const auto o = split_levels(outer);
  const auto in = split_levels(inner);
  if (dollar_blocked(o[0], in[0])) return false;
  for (std::size_t i = 0;; ++i) {
    if (i == o.size()) return i == in.size();
    if (o[i] == "#") return true;       // matches the rest, and the parent level too
    if (i == in.size()) return false;   // inner's topic is shorter than outer needs
    if (in[i] == "#") return false;     // inner reaches deeper or shallower than outer
    if (o[i] == "+") continue;          // one level of anything, including inner's '+'
    if (in[i] != o[i]) return false;    // a literal covers only itself
  }
}

bool filters_overlap(std::string_view a, std::string_view b) {
  const auto x = split_levels(a);
  const auto y = split_levels(b);
  if (dollar_blocked(x[0], y[0]) || dollar_blocked(y[0], x[0])) return false;
  for (std::size_t i = 0;; ++i) {
    if (i == x.size() && i == y.size()) return true;
    if (i == x.size()) return y[i] == "#";
    if (i == y.size()) return x[i] == "#";
    if (x[i] == "#" || y[i] == "#") return true;
    if (x[i] == "+" || y[i] == "+") continue;
    if (x[i] != y[i]) return false;
  }
}

acl_file acl_file::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path.string() + ": cannot open ACL file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

acl_file acl_file::parse(std::string_view text, std::string_view source) {
  acl_file file;
  std::optional<std::string> user;  // the current `user` section; none: anonymous
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    auto fail = [&](const std::string& why) {
      throw config_error(std::string(source) + ":" + std::to_string(line_no) + ": " + why);
    };
    if (line.empty() || line.front() == '#') continue;
    auto [keyword, rest] = split_word(line);
    if (keyword == "user") {
      if (rest.empty()) fail("user: missing User Name");
      user = std::string(rest);
      file.users_.try_emplace(*user);
      continue;
    }
    if (keyword != "topic" && keyword != "pattern") {
      fail("unknown keyword \"" + std::string(keyword) + "\" (expected user, topic or pattern)");
    }
    acl_rule rule;
    rule.pattern = keyword == "pattern";
    rule.line = line_no;
    auto [word, after] = split_word(rest);
    if (auto access = parse_access(word)) {
      rule.access = *access;
      rule.filter = std::string(after);
    } else {
      rule.filter = std::string(rest);
    }
    if (rule.filter.empty()) fail(std::string(keyword) + ": missing Topic Filter");
    std::string checked = rule.filter;
    if (rule.pattern) {
      replace_all(checked, "%c", "c");
      replace_all(checked, "%u", "u");
    }
    codec::topic_status status = codec::validate_topic_filter(checked);
    if (status != codec::topic_status::ok) {
      fail(std::string(keyword) + ": invalid Topic Filter \"" + rule.filter + "\" (" +
           std::string(codec::topic_status_name(status)) + ")");
    }
    if (codec::parse_shared_filter(checked)) {
      fail(std::string(keyword) + ": \"" + rule.filter +
           "\" is a shared subscription; ACL rules name the topics themselves");
    }
    if (rule.pattern) {
      file.patterns_.push_back(std::move(rule));
    } else if (user) {
      file.users_[*user].push_back(std::move(rule));
    } else {
      file.anonymous_.push_back(std::move(rule));
    }
  }
  return file;
}

std::size_t acl_file::rule_count() const {
  std::size_t n = anonymous_.size() + patterns_.size();
  for (const auto& [name, rules] : users_) n += rules.size();
  return n;
}

template <typename Visit>
void acl_file::for_each_rule(std::string_view client_id, const std::optional<std::string>& username,
                             Visit visit) const {
  const std::vector<acl_rule>* own = &anonymous_;
  if (username) {
    auto it = users_.find(*username);
    own = it == users_.end() ? nullptr : &it->second;
  }
  if (own != nullptr) {
    for (const acl_rule& rule : *own) {
      if (visit(rule.access, std::string_view(rule.filter))) return;
    }
  }
  for (const acl_rule& rule : patterns_) {
    auto filter = substitute_pattern(rule, client_id, username);
    if (filter && visit(rule.access, std::string_view(*filter))) return;
  }
}

acl_file::scan_result acl_file::scan(std::string_view client_id,
                                     const std::optional<std::string>& username,
                                     std::string_view subject, acl_access needed,
                                     matcher deny_matches, matcher grant_matches) const {
  scan_result r;
  for_each_rule(client_id, username, [&](acl_access access, std::string_view rule) {
    if (access == acl_access::deny) {
      r.denied = deny_matches(rule, subject);
      return r.denied;  // deny wins: no need to look further
    }
    if (!r.granted && grants(access, needed)) r.granted = grant_matches(rule, subject);
    return false;
  });
  return r;
}

bool acl_file::decide(std::string_view client_id, const std::optional<std::string>& username,
                      std::string_view subject, acl_access needed, matcher matches) const {
  const scan_result r = scan(client_id, username, subject, needed, matches, matches);
  return r.granted && !r.denied;
}

bool acl_file::may_publish(std::string_view client_id, const std::optional<std::string>& username,
                           std::string_view topic) const {
  // An empty topic (a PUBLISH that relies on a Topic Alias) must be resolved by the caller.
  if (topic.empty()) return false;
  return decide(client_id, username, topic, acl_access::write, codec::match_topic_filter);
}

bool acl_file::may_subscribe(std::string_view client_id,
                             const std::optional<std::string>& username,
                             std::string_view filter) const {
  filter = strip_share(filter);
  if (filter.empty()) return false;
  // Refused when a deny rule takes in the whole subscription (Mosquitto's sub-matches-acl:
  // a '+' or '#' in the subscription needs a wildcard in the rule), or when no read rule
  // can match any topic of it; otherwise granted, and deliveries are checked (may_read).
  const scan_result r =
      scan(client_id, username, filter, acl_access::read, filter_covers, filters_overlap);
  return r.granted && !r.denied;
}

bool acl_file::may_read(std::string_view client_id, const std::optional<std::string>& username,
                        std::string_view topic) const {
  if (topic.empty()) return false;
  return decide(client_id, username, topic, acl_access::read, codec::match_topic_filter);
}

bool acl_file::needs_read_check(std::string_view client_id,
                                const std::optional<std::string>& username,
                                std::string_view filter) const {
  filter = strip_share(filter);
  if (filter.empty()) return true;
  // No check only when one read rule covers the filter and no deny rule overlaps it (the
  // scan stops at an overlapping deny: some delivery would be refused).
  const scan_result r =
      scan(client_id, username, filter, acl_access::read, filters_overlap, filter_covers);
  return r.denied || !r.granted;
}

}  // namespace mqtt::broker::auth
