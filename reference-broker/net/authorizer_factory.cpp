// authorizer_factory.cpp: allow-all, or the auth module behind connection_authorizer.
#include "reference-broker/net/authorizer_factory.hpp"

#include <stdexcept>

#ifdef MQTTCERT_HAVE_AUTH_MODULE
#include <fstream>
#include <sstream>

#include "reference-broker/auth/authenticator.hpp"
#include "reference-broker/auth/config_error.hpp"
#include "reference-broker/auth/scram_auth_method.hpp"
#include "reference-broker/auth/webhook_config.hpp"
#include "reference-broker/net/http_webhook_client.hpp"
#include "reference-broker/net/log_sink.hpp"
#endif

namespace mqtt::broker::net {

#ifdef MQTTCERT_HAVE_AUTH_MODULE
namespace {

auth::client_info to_client_info(const peer_identity& who) {
  auth::client_info c;
  c.client_id = who.client_id;
  c.username = who.username;
  c.peer_address = who.peer_address;
  c.peer_port = who.peer_port;
  return c;
}

// auth_module_authorizer adapts auth::authenticator and auth::acl_checker.
class auth_module_authorizer final : public connection_authorizer {
 public:
  auth_module_authorizer(std::shared_ptr<auth::webhook_transport> transport,
                         auth::authenticator authn, auth::acl_checker acl,
                         std::shared_ptr<const auth_methods> methods)
      : transport_(std::move(transport)),
        authn_(std::move(authn)),
        acl_(std::move(acl)),
        methods_(std::move(methods)) {}

  void authenticate(const peer_identity& who, const codec::connect_packet& connect,
                    connect_done done) override {
    auth::connect_info info;
    info.client = to_client_info(who);
    if (connect.password) info.password.emplace(connect.password->begin(), connect.password->end());
    info.authentication_method = connect.props.authentication_method;
    authn_.authenticate_async(info, std::move(done));
  }

  void authorize_publish(const peer_identity& who, const codec::publish_packet& p,
                         acl_done done) override {
    // The connection has already filled in the Topic Name of an alias-only PUBLISH.
    acl_.check_publish_async(to_client_info(who), p.topic, std::move(done));
  }

  void authorize_subscribe(const peer_identity& who, const codec::subscribe_packet& p,
                           acl_done done) override {
    std::vector<std::string> filters;
    filters.reserve(p.subscriptions.size());
    for (const auto& s : p.subscriptions) filters.push_back(s.filter);
    acl_.check_subscribe_async(to_client_info(who), filters, std::move(done));
  }

  std::shared_ptr<const auth_methods> enhanced_auth_methods() const override { return methods_; }

 private:
  std::shared_ptr<auth::webhook_transport> transport_;
  auth::authenticator authn_;
  auth::acl_checker acl_;
  std::shared_ptr<const auth_methods> methods_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read --webhook-config file " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

auth::webhook_endpoint endpoint_for(const std::string& url, const auth_settings& s, bool acl) {
  auth::webhook_endpoint ep;
  ep.url = url;
  if (s.webhook_method == "get") {
    ep.method = auth::http_method::get;
  } else if (s.webhook_method != "post") {
    throw std::runtime_error("--webhook-method must be post or get, not " + s.webhook_method);
  }
  if (s.webhook_body == "json") {
    ep.format = auth::body_format::json;
  } else if (s.webhook_body != "form") {
    throw std::runtime_error("--webhook-body must be form or json, not " + s.webhook_body);
  }
  // The parameter names NanoMQ and EMQX send by default.
  if (acl) {
    ep.params = {{"access", "%A"}, {"username", "%u"}, {"clientid", "%c"},
                 {"ipaddr", "%a"}, {"topic", "%t"}};
  } else {
    ep.params = {{"clientid", "%c"}, {"username", "%u"}, {"password", "%P"}};
  }
  return ep;
}

}  // namespace
#endif

std::unique_ptr<connection_authorizer> make_authorizer(const auth_settings& s) {
  if (!s.configured()) return std::make_unique<allow_all_authorizer>();
#ifndef MQTTCERT_HAVE_AUTH_MODULE
  throw std::runtime_error(
      "auth options need the auth module (reference-broker/auth), which this build lacks");
#else
  try {
    std::shared_ptr<const auth::password_file> passwords;
    if (!s.password_file.empty()) {
      passwords = std::make_shared<const auth::password_file>(
          auth::password_file::load(s.password_file));
    }
    std::shared_ptr<const auth::acl_file> acl;
    if (!s.acl_file.empty()) {
      acl = std::make_shared<const auth::acl_file>(auth::acl_file::load(s.acl_file));
    }
    auth::webhook_config wc;
    if (!s.webhook_config.empty()) {
      wc = auth::webhook_config_from_json(read_text(s.webhook_config), s.webhook_config);
    }
    if (!s.auth_webhook_url.empty()) wc.auth = endpoint_for(s.auth_webhook_url, s, false);
    if (!s.acl_webhook_url.empty()) wc.acl = endpoint_for(s.acl_webhook_url, s, true);
    if (s.webhook_timeout.count() <= 0) throw std::runtime_error("--webhook-timeout-ms must be > 0");
    wc.timeout = s.webhook_timeout;
    if (!s.webhook_tls_ca.empty()) wc.tls_ca_file = s.webhook_tls_ca;

    std::shared_ptr<auth::webhook_transport> transport;
    std::shared_ptr<const auth::auth_webhook> webhook;
    if (wc.auth || wc.acl) {
      transport = std::make_shared<http_webhook_client>(wc.tls_ca_file);
      webhook = std::make_shared<const auth::auth_webhook>(
          wc, transport, [](std::string_view line) { log_line(log_level::debug, line); });
    }
    // SCRAM-SHA-256 is offered when the password file holds SCRAM lines.
    std::shared_ptr<const auth_methods> methods;
    if (passwords && passwords->has_scram_users()) {
      methods = std::make_shared<const auth::scram_auth_methods>(passwords);
    }
    auth::authenticator authn(s.allow_anonymous, passwords, webhook);
    auth::acl_checker checker(acl, webhook);
    return std::make_unique<auth_module_authorizer>(std::move(transport), std::move(authn),
                                                    std::move(checker), std::move(methods));
  } catch (const auth::config_error& e) {
    throw std::runtime_error(e.what());
  }
#endif
}

}  // namespace mqtt::broker::net
