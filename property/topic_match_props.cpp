// topic_match_props.cpp: laws of topic filter matching (4.7) against a plain model.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "codec/topic.hpp"

namespace mqtt::property {
namespace {

using namespace mqtt::codec;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> levels{""};
  for (char ch : s) {
    if (ch == '/') {
      levels.emplace_back();
    } else {
      levels.back() += ch;
    }
  }
  return levels;
}

std::string join(const std::vector<std::string>& levels) {
  std::string s;
  for (std::size_t i = 0; i < levels.size(); ++i) s += (i ? "/" : "") + levels[i];
  return s;
}

// model_match is the definition of 4.7.1 read level by level, written for clarity.
bool model_match(const std::string& filter, const std::string& topic) {
  if (!topic.empty() && topic[0] == '$' && !filter.empty() && (filter[0] == '+' || filter[0] == '#'))
    return false;
  auto f = split(filter), t = split(topic);
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // matches this level and all below, or the parent
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return f.size() == t.size();
}

rc::Gen<std::string> level() { return rc::gen::element<std::string>("a", "b", "", "$x", "cc"); }

rc::Gen<std::string> topic() {
  return rc::gen::map(rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(level())),
                      [](std::vector<std::string> l) {
                        std::string s = join(l);
                        return s.empty() ? std::string("a") : s;
                      });
}

// filter_from turns some levels of a topic into '+' and may end it with '#'.
rc::Gen<std::string> filter_like(const std::string& t) {
  return rc::gen::exec([t] {
    auto levels = split(t);
    for (auto& l : levels) {
      if (*rc::gen::inRange(0, 4) == 0) l = "+";
    }
    if (*rc::gen::inRange(0, 3) == 0) levels.resize(*rc::gen::inRange<std::size_t>(0, levels.size() + 1));
    if (levels.empty() || *rc::gen::inRange(0, 3) == 0) levels.push_back("#");
    return join(levels);
  });
}

RC_GTEST_PROP(TopicMatch, AgreesWithTheLevelModel, ()) {
  const std::string t = *topic();
  const std::string f = *rc::gen::oneOf(filter_like(t), topic());
  RC_PRE(validate_topic_name(t) == topic_status::ok);
  RC_PRE(validate_topic_filter(f) == topic_status::ok);
  RC_ASSERT(match_topic_filter(f, t) == model_match(f, t));
}

RC_GTEST_PROP(TopicMatch, ATopicMatchesItselfAsAFilter, ()) {
  const std::string t = *topic();
  RC_PRE(validate_topic_name(t) == topic_status::ok);
  RC_ASSERT(match_topic_filter(t, t));
}

RC_GTEST_PROP(TopicMatch, HashMatchesEveryTopicNotStartingWithDollar, ()) {
  const std::string t = *topic();
  RC_PRE(validate_topic_name(t) == topic_status::ok);
  RC_ASSERT(match_topic_filter("#", t) == (t[0] != '$'));  // [MQTT-4.7.2-1]
}

}  // namespace
}  // namespace mqtt::property
