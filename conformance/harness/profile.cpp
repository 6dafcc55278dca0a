#include "conformance/harness/profile.hpp"

#include <fnmatch.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mqtt::cert {

namespace {

// short_name drops the instantiation prefix of a parameterised test
// ("MalformedPackets/V5PacketTable.Row/X" and "V5PacketTable.Row/X" are one test).
std::string_view short_name(std::string_view test) {
  const auto dot = test.find('.');
  const auto slash = test.substr(0, dot == std::string_view::npos ? 0 : dot).find('/');
  return slash == std::string_view::npos ? test : test.substr(slash + 1);
}

}  // namespace

bool describes(std::string_view pattern, std::string_view text) {
  std::size_t at = 0;
  for (;;) {
    const auto star = pattern.find('*');
    const auto piece = pattern.substr(0, star);
    const auto found = text.find(piece, at);
    if (found == std::string_view::npos) return false;
    if (star == std::string_view::npos) return true;
    at = found + piece.size();
    pattern.remove_prefix(star + 1);
  }
}

bool deviation::names_test(std::string_view statement, std::string_view test) const {
  if (statement != id) return false;
  for (const auto& t : tests)
    if (short_name(t) == short_name(test)) return true;
  return false;
}

bool deviation::excuses(std::string_view statement, std::string_view test,
                        std::string_view report) const {
  if (statement != id) return false;
  if (!tests.empty() && !names_test(statement, test)) return false;
  return observed.empty() || describes(observed, report);
}

const deviation* broker_profile::find_deviation(std::string_view statement, std::string_view test,
                                                std::string_view report) const {
  for (const auto& d : deviations)
    if (d.excuses(statement, test, report)) return &d;
  return nullptr;
}

const deviation* broker_profile::stale_deviation(std::string_view statement,
                                                 std::string_view test) const {
  for (const auto& d : deviations)
    if (!d.intermittent && d.names_test(statement, test)) return &d;
  return nullptr;
}

const invariant_violation* broker_profile::find_invariant_violation(std::string_view test) const {
  const std::string full_name(test);
  for (const auto& v : invariant_violations)
    if (fnmatch(v.test.c_str(), full_name.c_str(), 0) == 0) return &v;
  return nullptr;
}

const property_violation* broker_profile::find_property_violation(std::string_view rule,
                                                                  std::string_view detail) const {
  for (const auto& v : property_violations)
    if (v.rule == rule && describes(v.observed, detail)) return &v;
  return nullptr;
}

const stress_outcome* broker_profile::find_stress_outcome(std::string_view scenario,
                                                        std::string_view outcome,
                                                        const std::vector<std::string>& evidence) const {
  for (const auto& o : stress_outcomes) {
    if (o.scenario != scenario || o.outcome != outcome) continue;
    for (const auto& line : evidence)
      if (describes(o.observed, line)) return &o;
  }
  return nullptr;
}

std::optional<broker_profile> parse_profile(std::string_view json_text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<broker_profile> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("profile is not a JSON object");
  static const std::set<std::string> top_keys{"name",       "description", "limits",
                                              "deviations", "time_scale",  "$comment",
                                              "invariant_violations", "property_violations", "stress_outcomes",
                                              "launch_flags", "variants", "authentication",
                                              "publish_denied_topic"};
  static const std::set<std::string> limit_keys{
      "maximum_qos", "retain_available", "wildcard_subscription_available",
      "shared_subscription_available", "subscription_identifiers_available",
      "topic_alias_maximum", "max_packet_size", "zero_length_client_id",
      "authentication_method", "authentication_data"};
  for (const auto& [k, v] : j.items())
    if (!top_keys.count(k)) return fail("profile: unknown key '" + k + "'");
  broker_profile p;
  try {
    p.name = j.value("name", p.name);
    p.description = j.value("description", std::string());
    p.publish_denied_topic = j.value("publish_denied_topic", std::string());
    if (j.contains("time_scale")) {
      const auto& ts = j.at("time_scale");
      if (!ts.is_number() || ts.get<double>() < 1)
        return fail("profile: 'time_scale' must be a number >= 1");
      p.time_scale = ts.get<double>();
    }
    for (const char* key : {"launch_flags", "variants"}) {
      if (!j.contains(key)) continue;
      const auto& list = j.at(key);
      auto& into = std::string_view(key) == "variants" ? p.variants : p.launch_flags;
      if (!list.is_array()) return fail(std::string("profile: '") + key + "' must be an array of strings");
      for (const auto& item : list) {
        if (!item.is_string()) return fail(std::string("profile: '") + key + "' must be an array of strings");
        into.push_back(item.get<std::string>());
      }
    }
    if (j.contains("limits")) {
      const auto& l = j.at("limits");
      if (!l.is_object()) return fail("profile: 'limits' must be an object");
      for (const auto& [k, v] : l.items())
        if (!limit_keys.count(k)) return fail("profile: unknown limit '" + k + "'");
      p.maximum_qos = l.value("maximum_qos", p.maximum_qos);
      if (p.maximum_qos > 2) return fail("profile: maximum_qos must be 0, 1 or 2");
      p.retain_available = l.value("retain_available", p.retain_available);
      p.wildcard_subscription_available =
          l.value("wildcard_subscription_available", p.wildcard_subscription_available);
      p.shared_subscription_available =
          l.value("shared_subscription_available", p.shared_subscription_available);
      p.subscription_identifiers_available =
          l.value("subscription_identifiers_available", p.subscription_identifiers_available);
      p.topic_alias_maximum = l.value("topic_alias_maximum", p.topic_alias_maximum);
      p.max_packet_size = l.value("max_packet_size", p.max_packet_size);
      p.zero_length_client_id = l.value("zero_length_client_id", p.zero_length_client_id);
      p.authentication_method = l.value("authentication_method", p.authentication_method);
      p.authentication_data_hex =
          l.value("authentication_data", p.authentication_data_hex);
    }
    if (j.contains("authentication")) {
      const auto& a = j.at("authentication");
      static const std::set<std::string> keys{"method", "username", "password", "data"};
      if (!a.is_object()) return fail("profile: 'authentication' must be an object");
      for (const auto& [k, v] : a.items())
        if (!keys.count(k)) return fail("profile: unknown authentication key '" + k + "'");
      if (!p.authentication_method.empty())
        return fail("profile: give the method in 'authentication' or in 'limits', not both");
      p.authentication_method = a.at("method").get<std::string>();
      p.authentication_username = a.value("username", std::string());
      p.authentication_password = a.value("password", std::string());
      p.authentication_data_hex = a.value("data", p.authentication_data_hex);
      if (p.authentication_method == "SCRAM-SHA-256") {
        if (p.authentication_username.empty())
          return fail("profile: SCRAM-SHA-256 authentication needs 'username' and 'password'");
        if (!p.authentication_data_hex.empty())
          return fail("profile: SCRAM-SHA-256 steps are computed; leave out 'data'");
      } else if (!p.authentication_username.empty() || !p.authentication_password.empty()) {
        return fail("profile: 'username'/'password' are for SCRAM-SHA-256; give other "
                    "methods' steps as hex 'data'");
      }
    }
    if (j.contains("deviations")) {
      static const std::set<std::string> deviation_keys{"id", "tests", "observed",
                                                        "intermittent", "reason"};
      for (const auto& d : j.at("deviations")) {
        for (const auto& [k, v] : d.items())
          if (!deviation_keys.count(k)) return fail("profile: unknown deviation key '" + k + "'");
        deviation dev;
        dev.id = d.at("id").get<std::string>();
        dev.reason = d.at("reason").get<std::string>();
        dev.tests = d.value("tests", dev.tests);
        dev.observed = d.value("observed", dev.observed);
        dev.intermittent = d.value("intermittent", dev.intermittent);
        const bool statement_id =
            dev.id.rfind("v5.0/MQTT-", 0) == 0 || dev.id.rfind("v3.1.1/MQTT-", 0) == 0;
        const bool packet_format = dev.id == "v5.0/server-packet-format" ||
                                   dev.id == "v3.1.1/server-packet-format";
        if (!statement_id && !packet_format)
          return fail("profile: deviation id '" + dev.id +
                      "' must look like v5.0/MQTT-x.y.z-n, v3.1.1/MQTT-x.y.z-n or "
                      "<version>/server-packet-format");
        if (dev.reason.empty()) return fail("profile: deviation " + dev.id + " has no reason");
        p.deviations.push_back(std::move(dev));
      }
    }
    if (j.contains("invariant_violations")) {
      static const std::set<std::string> keys{"test", "observed", "intermittent", "reason"};
      for (const auto& v : j.at("invariant_violations")) {
        for (const auto& [k, x] : v.items())
          if (!keys.count(k)) return fail("profile: unknown invariant_violations key '" + k + "'");
        invariant_violation iv;
        iv.test = v.at("test").get<std::string>();
        iv.observed = v.at("observed").get<std::string>();
        iv.reason = v.at("reason").get<std::string>();
        iv.intermittent = v.value("intermittent", false);
        if (iv.observed.empty() || iv.reason.empty())
          return fail("profile: invariant violation " + iv.test + " needs 'observed' and 'reason'");
        p.invariant_violations.push_back(std::move(iv));
      }
    }
    if (j.contains("property_violations")) {
      static const std::set<std::string> keys{"rule", "observed", "reason"};
      for (const auto& v : j.at("property_violations")) {
        for (const auto& [k, x] : v.items())
          if (!keys.count(k)) return fail("profile: unknown property_violations key '" + k + "'");
        property_violation pv;
        pv.rule = v.at("rule").get<std::string>();
        pv.observed = v.value("observed", std::string());
        pv.reason = v.at("reason").get<std::string>();
        if (pv.rule.empty() || pv.reason.empty())
          return fail("profile: a property violation needs 'rule' and 'reason'");
        p.property_violations.push_back(std::move(pv));
      }
    }
    if (j.contains("stress_outcomes")) {
      static const std::set<std::string> keys{"scenario", "outcome", "observed", "reason"};
      for (const auto& v : j.at("stress_outcomes")) {
        for (const auto& [k, x] : v.items())
          if (!keys.count(k)) return fail("profile: unknown stress_outcomes key '" + k + "'");
        stress_outcome so{v.at("scenario").get<std::string>(), v.at("outcome").get<std::string>(),
                          v.value("observed", std::string()), v.at("reason").get<std::string>()};
        if (so.outcome != "degraded" && so.outcome != "failed")
          return fail("profile: a stress outcome is 'degraded' or 'failed', not '" + so.outcome + "'");
        if (so.scenario.empty() || so.reason.empty())
          return fail("profile: a stress outcome needs 'scenario' and 'reason'");
        p.stress_outcomes.push_back(std::move(so));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("profile: ") + e.what());
  }
  return p;
}

std::optional<broker_profile> load_profile(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = "cannot read profile " + path;
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto p = parse_profile(ss.str(), error);
  if (!p && error) *error = path + ": " + *error;
  // Launch flags name files beside the profile as {profile_dir}/FILE.
  if (p) {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    for (auto& flag : p->launch_flags)
      for (auto at = flag.find("{profile_dir}"); at != std::string::npos; at = flag.find("{profile_dir}"))
        flag.replace(at, std::string_view("{profile_dir}").size(), dir.empty() ? "." : dir);
  }
  return p;
}

}  // namespace mqtt::cert
