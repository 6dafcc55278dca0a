#include "codec/topic.hpp"

#include <cstddef>

namespace mqtt::codec {

namespace {

constexpr std::size_t topic_max_bytes = 65'535;
constexpr std::string_view share_prefix = "$share/";

// level_cursor walks a topic or filter one level at a time without allocating. "a/" has
// two levels, "a" and ""; done() turns true only after the last level was taken.
class level_cursor {
 public:
  explicit level_cursor(std::string_view s) : rest_(s) {}

  bool done() const { return done_; }

  std::string_view next() {
    std::size_t slash = rest_.find('/');
    if (slash == std::string_view::npos) {
      done_ = true;
      return rest_;
    }
    std::string_view level = rest_.substr(0, slash);
    rest_.remove_prefix(slash + 1);
    return level;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// topic_check_common applies the rules Topic Names and Topic Filters share.
topic_status topic_check_common(std::string_view s) {
  // [MQTT-4.7.3-1] Topic Names and Topic Filters are at least one character long.
  if (s.empty()) return topic_status::empty;
  // [MQTT-4.7.3-3] They encode to at most 65,535 bytes.
  if (s.size() > topic_max_bytes) return topic_status::too_long;
  // [MQTT-4.7.3-2] No U+0000. Checked before the wildcard rules: it is an encoding fault
  // (also [MQTT-1.5.4-2]), which makes the whole packet malformed.
  if (s.find('\0') != std::string_view::npos) return topic_status::null_character;
  return topic_status::ok;
}

// topic_check_filter_levels applies the wildcard placement rules of 4.7.1 to a plain
// (non-shared) filter, level by level from the left.
topic_status topic_check_filter_levels(std::string_view filter) {
  // The placement rules bind only wildcards: a filter without one passes after two memchr
  // finds instead of a walk over every level, which every SUBSCRIBE decode pays.
  if (!has_wildcard(filter)) return topic_status::ok;
  level_cursor c(filter);
  while (!c.done()) {
    std::string_view level = c.next();
    if (level.find('#') != std::string_view::npos) {
      // [MQTT-4.7.1-1] '#' stands alone in its level and is the last character.
      // (3.1.1 numbers this rule MQTT-4.7.1-2.)
      if (level != "#" || !c.done()) return topic_status::misplaced_multi_level;
    } else if (level.find('+') != std::string_view::npos) {
      // [MQTT-4.7.1-2] '+' occupies an entire level. (3.1.1: MQTT-4.7.1-3.)
      if (level != "+") return topic_status::misplaced_single_level;
    }
  }
  return topic_status::ok;
}

}  // namespace

std::string_view topic_status_name(topic_status s) {
  switch (s) {
    case topic_status::ok: return "ok";
    case topic_status::empty: return "empty topic";
    case topic_status::too_long: return "topic longer than 65535 bytes";
    case topic_status::wildcard_in_name: return "wildcard in Topic Name";
    case topic_status::misplaced_multi_level: return "'#' not alone as the last level";
    case topic_status::misplaced_single_level: return "'+' not alone in its level";
    case topic_status::null_character: return "U+0000 in topic";
    case topic_status::bad_share_name: return "bad ShareName";
    case topic_status::bad_shared_filter: return "bad shared subscription filter";
  }
  return "unknown";
}

topic_status validate_topic_name(std::string_view name) {
  if (topic_status s = topic_check_common(name); s != topic_status::ok) return s;
  // [MQTT-3.3.2-2] [MQTT-4.7.0-1] A Topic Name never contains '+' or '#'.
  if (has_wildcard(name)) {
    return topic_status::wildcard_in_name;
  }
  return topic_status::ok;
}

topic_status validate_topic_filter(std::string_view filter) {
  if (topic_status s = topic_check_common(filter); s != topic_status::ok) return s;
  std::optional<shared_filter> shared = parse_shared_filter(filter);
  if (!shared) return topic_check_filter_levels(filter);

  // [MQTT-4.8.2-1] A ShareName is at least one character long.
  if (shared->share_name.empty()) return topic_status::bad_share_name;
  // [MQTT-4.8.2-2] The ShareName has no '/', '+' or '#' (a '/' ends it, by construction).
  if (has_wildcard(shared->share_name)) {
    return topic_status::bad_share_name;
  }
  // [MQTT-4.8.2-2] The ShareName is followed by '/' and a Topic Filter, which is at least
  // one character long [MQTT-4.7.3-1]. parse_shared_filter leaves `filter` empty both
  // for "$share/name" and for "$share/name/".
  if (shared->filter.empty()) return topic_status::bad_shared_filter;
  return topic_check_filter_levels(shared->filter);
}

std::optional<shared_filter> parse_shared_filter(std::string_view filter) {
  if (!filter.starts_with(share_prefix)) return std::nullopt;
  std::string_view rest = filter.substr(share_prefix.size());
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return shared_filter{rest, {}};
  return shared_filter{rest.substr(0, slash), rest.substr(slash + 1)};
}

bool match_topic_filter(std::string_view filter, std::string_view topic) {
  if (filter.empty() || topic.empty()) return false;
  // [MQTT-4.7.2-1] A filter starting with a wildcard never matches a topic starting with '$'.
  if (topic.front() == '$' && (filter.front() == '#' || filter.front() == '+')) return false;

  level_cursor f(filter);
  level_cursor t(topic);
  while (true) {
    std::string_view fl = f.next();
    // '#' matches this level and every level below it (4.7.1.2).
    if (fl == "#") return true;
    std::string_view tl = t.next();
    // [MQTT-4.7.3-4] Levels compare byte for byte, with no normalization.
    if (fl != "+" && fl != tl) return false;
    if (t.done()) {
      if (f.done()) return true;
      // "sport/#" matches "sport": '#' includes the parent level (4.7.1.2). A valid filter
      // has nothing after '#', so it must be the only level left.
      return f.next() == "#" && f.done();
    }
    if (f.done()) return false;  // the topic has more levels than the filter
  }
}

// Two single-character finds, not find_first_of("+#"): each is one memchr over the
// string, where find_first_of tests the set once per byte, which a PUBLISH with a long
// Topic Name pays on every decode.
bool has_wildcard(std::string_view s) {
  return s.find('+') != std::string_view::npos || s.find('#') != std::string_view::npos;
}

}  // namespace mqtt::codec
