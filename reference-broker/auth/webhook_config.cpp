#include "reference-broker/auth/webhook_config.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "reference-broker/auth/config_error.hpp"

namespace mqtt::broker::auth {
namespace {

using json = nlohmann::ordered_json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

[[noreturn]] void fail(std::string_view source, const std::string& key, const std::string& why) {
  throw config_error(std::string(source) + ": " + key + ": " + why);
}

std::string get_string(const json& obj, const std::string& key, std::string_view source,
                       const std::string& path) {
  const json& v = obj.at(key);
  if (!v.is_string()) fail(source, path + key, "must be a string");
  return v.get<std::string>();
}

name_value_list get_map(const json& obj, const std::string& key, std::string_view source,
                        const std::string& path) {
  name_value_list out;
  if (!obj.contains(key)) return out;
  const json& v = obj.at(key);
  if (!v.is_object()) fail(source, path + key, "must be an object of strings");
  for (const auto& [name, value] : v.items()) {
    if (!value.is_string()) fail(source, path + key + "." + name, "must be a string");
    out.emplace_back(name, value.get<std::string>());
  }
  return out;
}

webhook_endpoint parse_endpoint(const json& obj, std::string_view source, const std::string& path) {
  if (!obj.is_object()) fail(source, path, "must be an object");
  for (const auto& [key, value] : obj.items()) {
    if (key != "url" && key != "method" && key != "body" && key != "params" && key != "headers") {
      fail(source, path + "." + key, "unknown key (expected url, method, body, params, headers)");
    }
  }
  const std::string prefix = path + ".";
  webhook_endpoint ep;
  if (!obj.contains("url")) fail(source, prefix + "url", "missing");
  ep.url = get_string(obj, "url", source, prefix);
  std::string scheme = lower(ep.url.substr(0, ep.url.find("://")));
  if (ep.url.find("://") == std::string::npos || (scheme != "http" && scheme != "https") ||
      ep.url.size() <= scheme.size() + 3) {
    fail(source, prefix + "url", "\"" + ep.url + "\" is not an http:// or https:// URL");
  }
  if (obj.contains("method")) {
    std::string m = lower(get_string(obj, "method", source, prefix));
    if (m == "post") {
      ep.method = http_method::post;
    } else if (m == "get") {
      ep.method = http_method::get;
    } else {
      fail(source, prefix + "method", "\"" + m + "\" is not post or get");
    }
  }
  ep.params = get_map(obj, "params", source, prefix);
  ep.headers = get_map(obj, "headers", source, prefix);
  if (obj.contains("body")) {
    std::string b = lower(get_string(obj, "body", source, prefix));
    if (b == "form") {
      ep.format = body_format::form;
    } else if (b == "json") {
      ep.format = body_format::json;
    } else {
      fail(source, prefix + "body", "\"" + b + "\" is not form or json");
    }
  } else {
    for (const auto& [name, value] : ep.headers) {
      if (lower(name) == "content-type" && lower(value).find("application/json") == 0) {
        ep.format = body_format::json;
      }
    }
  }
  return ep;
}

}  // namespace

webhook_config webhook_config_from_json(std::string_view json_text, std::string_view source) {
  json doc = json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) fail(source, "(document)", "not a JSON object");
  webhook_config cfg;
  for (const auto& [key, value] : doc.items()) {
    if (key == "auth") {
      cfg.auth = parse_endpoint(value, source, "auth");
    } else if (key == "acl") {
      cfg.acl = parse_endpoint(value, source, "acl");
    } else if (key == "timeout_ms") {
      if (!value.is_number_integer() || value.get<long long>() <= 0 ||
          value.get<long long>() > 3'600'000) {
        fail(source, key, "must be a whole number of milliseconds in 1..3600000");
      }
      cfg.timeout = std::chrono::milliseconds(value.get<long long>());
    } else if (key == "tls_ca_file") {
      cfg.tls_ca_file = get_string(doc, key, source, "");
    } else {
      fail(source, key, "unknown key (expected auth, acl, timeout_ms, tls_ca_file)");
    }
  }
  return cfg;
}

}  // namespace mqtt::broker::auth
