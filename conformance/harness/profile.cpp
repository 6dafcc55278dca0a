#include "conformance/harness/profile.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mqtt::cert {

const deviation* broker_profile::find_deviation(std::string_view key) const {
  for (const auto& d : deviations)
    if (d.id == key) return &d;
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
                                              "deviations", "time_scale",  "$comment"};
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
    if (j.contains("time_scale")) {
      const auto& ts = j.at("time_scale");
      if (!ts.is_number() || ts.get<double>() < 1)
        return fail("profile: 'time_scale' must be a number >= 1");
      p.time_scale = ts.get<double>();
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
    if (j.contains("deviations")) {
      for (const auto& d : j.at("deviations")) {
        deviation dev{d.at("id").get<std::string>(), d.at("reason").get<std::string>()};
        if (dev.id.rfind("v5.0/MQTT-", 0) != 0 && dev.id.rfind("v3.1.1/MQTT-", 0) != 0)
          return fail("profile: deviation id '" + dev.id +
                      "' must look like v5.0/MQTT-x.y.z-n or v3.1.1/MQTT-x.y.z-n");
        if (dev.reason.empty()) return fail("profile: deviation " + dev.id + " has no reason");
        p.deviations.push_back(std::move(dev));
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
  return p;
}

}  // namespace mqtt::cert
