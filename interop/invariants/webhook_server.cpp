#include "interop/invariants/webhook_server.hpp"

#include <cctype>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mqtt::cert::invariants {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string script_name(hook_script s) {
  switch (s) {
    case hook_script::allow: return "allow";
    case hook_script::deny_403: return "deny_403";
    case hook_script::deny_json: return "deny_json";
    case hook_script::error_500: return "error_500";
    case hook_script::hang: return "hang";
    case hook_script::close: return "close";
    case hook_script::ignore: return "ignore";
    case hook_script::redirect_302: return "redirect_302";
    case hook_script::unreachable: return "unreachable";
  }
  return "?";
}

std::optional<hook_script> script_named(std::string_view name) {
  for (auto s : {hook_script::allow, hook_script::deny_403, hook_script::deny_json,
                 hook_script::error_500, hook_script::hang, hook_script::close,
                 hook_script::ignore, hook_script::redirect_302}) {
    if (script_name(s) == name) return s;
  }
  return std::nullopt;
}

std::string webhook_request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "<absent>" : it->second;
}

std::string webhook_request::describe() const {
  std::string out = method + " " + path + " [" + content_type + "]";
  for (auto& [k, v] : params) out += " " + k + "=" + (k == "password" ? "***" : v);
  return out;
}

namespace {

std::string url_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(in[i + 1]) &&
               std::isxdigit(in[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_form(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos) out[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return out;
}

// acl_script_for picks the scripted ACL answer: a topic level "pub_<script>" applies to
// PUBLISH (access 2), "sub_<script>" to SUBSCRIBE (access 1); anything else is allowed.
hook_script acl_script_for(const std::string& topic, const std::string& access) {
  const std::string prefix = access == "2" ? "pub_" : "sub_";
  std::istringstream levels(topic);
  std::string level;
  while (std::getline(levels, level, '/')) {
    if (level.rfind(prefix, 0) == 0) {
      if (auto s = script_named(level.substr(prefix.size()))) return *s;
    }
  }
  return hook_script::allow;
}

}  // namespace

struct webhook_server::session {
  explicit session(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
};

namespace {

webhook_request decode(const http::request<http::string_body>& req) {
  webhook_request r;
  r.method = std::string(req.method_string());
  std::string target(req.target());
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.content_type = std::string(req[http::field::content_type]);
  r.body = req.body();
  if (req.method() == http::verb::get) {
    if (q != std::string::npos) r.params = parse_form(std::string_view(target).substr(q + 1));
  } else if (r.content_type.find("json") != std::string::npos) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object()) {
      for (auto& [k, v] : j.items()) r.params[k] = v.is_string() ? v.get<std::string>() : v.dump();
    } else {
      r.params_parsed = false;
    }
  } else {
    r.params = parse_form(r.body);
  }
  return r;
}

}  // namespace

webhook_server::webhook_server(std::string_view host, std::uint16_t port)
    : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address(std::string(host)), port)),
      host_(host),
      port_(acceptor_.local_endpoint().port()) {
  accept();
  thread_ = std::thread([this] { ioc_.run(); });
}

webhook_server::~webhook_server() {
  ioc_.stop();
  thread_.join();
}

std::string webhook_server::url(std::string_view path) const {
  return "http://" + host_ + ":" + std::to_string(port_) + std::string(path);
}

std::vector<webhook_request> webhook_server::requests_for(const std::string& client_id) {
  std::lock_guard lock(mutex_);
  std::vector<webhook_request> out;
  for (const auto& r : seen_)
    if (r.param("clientid") == client_id) out.push_back(r);
  return out;
}

void webhook_server::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    auto s = std::make_shared<session>(std::move(socket));
    http::async_read(s->socket, s->buffer, s->req, [this, s](beast::error_code rec, std::size_t) {
      if (!rec) answer(s);
    });
    accept();
  });
}

void webhook_server::answer(const std::shared_ptr<session>& s) {
  webhook_request r = decode(s->req);
  hook_script script = hook_script::deny_403;  // unknown callers are refused
  if (r.path == "/auth") {
    script = script_named(r.param("username")).value_or(hook_script::deny_403);
  } else if (r.path == "/acl") {
    script = acl_script_for(r.param("topic"), r.param("access"));
  } else if (r.path == "/allow-target") {
    script = hook_script::allow;
  }
  {
    std::lock_guard lock(mutex_);
    seen_.push_back(r);
    if (script == hook_script::hang) {
      parked_.push_back(s);  // keep the connection open, never answer
      return;
    }
  }
  if (script == hook_script::close) {
    beast::error_code ignored;
    s->socket.shutdown(tcp::socket::shutdown_both, ignored);
    s->socket.close(ignored);
    return;
  }
  http::status status = http::status::ok;
  std::string body;
  switch (script) {
    case hook_script::deny_403: status = http::status::forbidden; break;
    case hook_script::deny_json: body = R"({"result":"deny"})"; break;
    case hook_script::error_500: status = http::status::internal_server_error; break;
    case hook_script::ignore: body = R"({"result":"ignore"})"; break;
    case hook_script::redirect_302: status = http::status::found; break;
    default: break;
  }
  s->res = http::response<http::string_body>(status, s->req.version());
  s->res.set(http::field::content_type, "application/json");
  if (script == hook_script::redirect_302) s->res.set(http::field::location, url("/allow-target"));
  s->res.body() = body;
  s->res.keep_alive(false);
  s->res.prepare_payload();
  http::async_write(s->socket, s->res, [s](beast::error_code, std::size_t) {
    beast::error_code ignored;
    s->socket.shutdown(tcp::socket::shutdown_send, ignored);
  });
}

}  // namespace mqtt::cert::invariants
