// webhook_server.hpp: the scripted HTTP auth/ACL webhook the auth-webhook invariant puts
// in front of a broker. It answers per User Name (auth) or per topic level (ACL), in any
// of the shapes brokers use: GET with query parameters, POST with a form or a JSON body.
//
//   script name    webhook answer                      a broker must
//   allow          200, empty body                     let the client in / deliver
//   deny_403       403                                 refuse
//   deny_json      200 {"result":"deny"}               refuse
//   error_500      500                                 refuse (fail closed)
//   hang           reads the request, never answers    refuse after its timeout
//   close          reads the request, closes           refuse (fail closed)
//   ignore         200 {"result":"ignore"}             refuse: nobody else decides
//   redirect_302   302 to an allowing URL               refuse: only 2xx allows
//   unreachable    (nothing listens on the port)       refuse (fail closed)
#pragma once

#include <utility>  // std::exchange, which Boost 1.74's awaitable.hpp uses unincluded

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace mqtt::cert::invariants {

enum class hook_script {
  allow, deny_403, deny_json, error_500, hang, close, ignore, redirect_302, unreachable,
};

// Every way the auth webhook can say no, or fail to say yes.
inline constexpr hook_script denial_scripts[] = {
    hook_script::deny_403, hook_script::deny_json, hook_script::error_500,
    hook_script::hang,     hook_script::close,     hook_script::ignore,
    hook_script::redirect_302, hook_script::unreachable,
};
// What an ACL webhook can answer (an unreachable ACL webhook needs its own broker and is
// covered by the refused CONNECT there).
inline constexpr hook_script acl_denial_scripts[] = {
    hook_script::deny_403, hook_script::deny_json, hook_script::error_500, hook_script::hang,
    hook_script::close,    hook_script::ignore,    hook_script::redirect_302,
};

std::string script_name(hook_script s);
std::optional<hook_script> script_named(std::string_view name);

// webhook_request is one request the server read, with its parameters decoded from the
// query string (GET), the form body or the JSON body (POST).
struct webhook_request {
  std::string method;
  std::string path;  // "/auth" or "/acl"
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> params;
  bool params_parsed = true;

  std::string param(const std::string& name) const;
  std::string describe() const;  // the password shown as ***
};

class webhook_server {
 public:
  // Listens on 127.0.0.1, on `port` (0: any free port).
  explicit webhook_server(std::string_view host = "127.0.0.1", std::uint16_t port = 0);
  ~webhook_server();
  webhook_server(const webhook_server&) = delete;
  webhook_server& operator=(const webhook_server&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path) const;

  // requests_for returns the requests whose clientid parameter is `client_id`.
  std::vector<webhook_request> requests_for(const std::string& client_id);

 private:
  struct session;
  void accept();
  void answer(const std::shared_ptr<session>& s);

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string host_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<webhook_request> seen_;
  std::vector<std::shared_ptr<session>> parked_;
};

}  // namespace mqtt::cert::invariants
