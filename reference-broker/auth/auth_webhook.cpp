#include "reference-broker/auth/auth_webhook.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <string>

namespace mqtt::broker::auth {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string encode_params(const name_value_list& params, const placeholder_values& values,
                          const char* mask) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += url_encode(name);
    out += '=';
    out += url_encode(expand_placeholders(value, values, mask));
  }
  return out;
}

std::string json_params(const name_value_list& params, const placeholder_values& values,
                        const char* mask) {
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  for (const auto& [name, value] : params) {
    body[name] = expand_placeholders(value, values, mask);
  }
  // A binary Password is not valid UTF-8; such bytes become U+FFFD rather than throw.
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// build_request renders one endpoint; `mask` set renders the logged form instead.
std::string render(const webhook_endpoint& ep, const placeholder_values& values,
                   const char* mask, std::string& body) {
  std::string url = ep.url;
  body.clear();
  if (ep.method == http_method::get) {
    std::string query = encode_params(ep.params, values, mask);
    if (!query.empty()) {
      // Keep a #fragment, if any, out of the way: it is never sent.
      std::size_t hash = url.find('#');
      if (hash != std::string::npos) url.resize(hash);
      url += url.find('?') == std::string::npos ? '?' : '&';
      url += query;
    }
  } else if (ep.format == body_format::json) {
    body = json_params(ep.params, values, mask);
  } else {
    body = encode_params(ep.params, values, mask);
  }
  return url;
}

http_request build_request(const webhook_endpoint& ep, const placeholder_values& values) {
  http_request req;
  req.method = ep.method == http_method::get ? "GET" : "POST";
  for (const auto& header : ep.headers) {
    if (!iequals(header.first, "content-type")) req.headers.push_back(header);
  }
  if (ep.method == http_method::post) {
    req.headers.emplace_back("Content-Type", ep.format == body_format::json
                                                 ? "application/json"
                                                 : "application/x-www-form-urlencoded");
  }
  req.url = render(ep, values, nullptr, req.body);
  std::string logged_body;
  std::string logged_url = render(ep, values, "***", logged_body);
  req.log_text = req.method + " " + logged_url;
  if (!logged_body.empty()) req.log_text += " body=" + logged_body;
  return req;
}

}  // namespace

std::string_view transport_error_name(transport_error e) {
  switch (e) {
    case transport_error::none: return "none";
    case transport_error::bad_url: return "bad_url";
    case transport_error::resolve_failed: return "resolve_failed";
    case transport_error::connection_refused: return "connection_refused";
    case transport_error::timed_out: return "timed_out";
    case transport_error::closed: return "closed";
    case transport_error::other: return "other";
  }
  return "unknown";
}

std::string_view webhook_verdict_name(webhook_verdict v) {
  switch (v) {
    case webhook_verdict::allow: return "allow";
    case webhook_verdict::deny: return "deny";
    case webhook_verdict::ignore: return "ignore";
  }
  return "unknown";
}

std::string expand_placeholders(std::string_view value, const placeholder_values& values,
                                const char* password_mask) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%' || i + 1 == value.size()) {
      out += value[i];
      continue;
    }
    const char key = value[i + 1];
    const client_info* c = values.client;
    switch (key) {
      case 'c': if (c) out += c->client_id; break;
      case 'u': if (c && c->username) out += *c->username; break;
      case 'a': if (c) out += c->peer_address; break;
      case 'p': if (c) out += std::to_string(c->peer_port); break;
      case 'P':
        if (password_mask != nullptr) {
          out += password_mask;
        } else if (values.password != nullptr && values.password->has_value()) {
          out += **values.password;
        }
        break;
      case 't': out += values.topic; break;
      case 'A':
        if (values.access) out += std::to_string(static_cast<int>(*values.access));
        break;
      case '%': out += '%'; break;
      default:  // not a placeholder: keep both characters
        out += '%';
        out += key;
        break;
    }
    ++i;
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto u = static_cast<unsigned char>(ch);
    const bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (alnum || ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == '*') {
      out += ch;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0F];
    }
  }
  return out;
}

http_request build_auth_request(const webhook_endpoint& endpoint, const connect_info& info) {
  placeholder_values values;
  values.client = &info.client;
  values.password = &info.password;
  return build_request(endpoint, values);
}

http_request build_acl_request(const webhook_endpoint& endpoint, const client_info& client,
                               acl_action access, std::string_view topic) {
  placeholder_values values;
  values.client = &client;
  values.topic = topic;
  values.access = access;
  return build_request(endpoint, values);
}

webhook_verdict verdict_from_response(int status, std::string_view body) {
  if (status < 200 || status > 299) return webhook_verdict::deny;
  std::string_view text = trim(body);
  if (iequals(text, "deny")) return webhook_verdict::deny;
  if (iequals(text, "ignore")) return webhook_verdict::ignore;
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return webhook_verdict::allow;
  auto it = json.find("result");
  if (it == json.end()) return webhook_verdict::allow;
  if (!it->is_string()) return webhook_verdict::deny;
  const auto& result = it->get_ref<const std::string&>();
  if (iequals(result, "allow")) return webhook_verdict::allow;
  if (iequals(result, "ignore")) return webhook_verdict::ignore;
  return webhook_verdict::deny;  // "deny" and anything we do not understand
}

webhook_verdict verdict_from_outcome(const http_outcome& outcome) {
  if (outcome.error != transport_error::none) return webhook_verdict::deny;
  return verdict_from_response(outcome.status, outcome.body);
}

auth_webhook::auth_webhook(webhook_config config, std::shared_ptr<webhook_transport> transport,
                           log_function log)
    : config_(std::move(config)), transport_(std::move(transport)), log_(std::move(log)) {}

void auth_webhook::authenticate_async(const connect_info& info,
                                      std::function<void(webhook_verdict)> done) const {
  if (!config_.auth) {
    done(webhook_verdict::ignore);
    return;
  }
  send(build_auth_request(*config_.auth, info), "auth", std::move(done));
}

void auth_webhook::authorize_async(const client_info& client, acl_action access,
                                   std::string_view topic,
                                   std::function<void(webhook_verdict)> done) const {
  if (!config_.acl) {
    done(webhook_verdict::ignore);
    return;
  }
  send(build_acl_request(*config_.acl, client, access, topic), "acl", std::move(done));
}

void auth_webhook::send(http_request request, std::string_view what,
                        std::function<void(webhook_verdict)> done) const {
  std::string line = "webhook " + std::string(what) + ": " + request.log_text;
  if (!transport_) {
    if (log_) log_(line + " -> no HTTP client: deny");
    done(webhook_verdict::deny);
    return;
  }
  transport_->send(std::move(request), config_.timeout,
                   [log = log_, line = std::move(line), done = std::move(done)](
                       http_outcome outcome) {
                     webhook_verdict v = verdict_from_outcome(outcome);
                     if (log) {
                       std::string answer =
                           outcome.error == transport_error::none
                               ? "HTTP " + std::to_string(outcome.status)
                               : std::string(transport_error_name(outcome.error)) +
                                     (outcome.why.empty() ? "" : " (" + outcome.why + ")");
                       log(line + " -> " + answer + ": " + std::string(webhook_verdict_name(v)));
                     }
                     done(v);
                   });
}

}  // namespace mqtt::broker::auth
