// auth_webhook_invariant_test.cpp: the auth-webhook invariant. A broker that asks an HTTP
// webhook on CONNECT must let in only the clients the webhook allows, and must fail
// closed on every other answer or non-answer; a broker that asks an ACL webhook must not
// deliver a refused PUBLISH nor honour a refused subscription.
//
// An in-test HTTP server (Boost.Beast, 127.0.0.1:0) answers per User Name (auth) or per
// topic level (ACL) as scripted below; mqtt-refbroker is started by the test with
// --auth-webhook-url / --acl-webhook-url pointing at it, --webhook-timeout-ms 300 and
// --allow-anonymous false, once for each webhook shape (POST form, POST json, GET), plus
// once with both URLs pointing at a port nothing listens on.
//
//   script name    webhook answer                      expected broker behaviour
//   allow          200, empty body                     CONNACK success / delivered
//   deny_403       403                                 refused
//   deny_json      200 {"result":"deny"}               refused
//   error_500      500                                 refused (fail closed)
//   hang           reads the request, never answers    refused after the timeout
//   close          reads the request, closes           refused (fail closed)
//   ignore         200 {"result":"ignore"}             refused: nobody else decides
//   redirect_302   302 to an allowing URL               refused: only 2xx allows
//   unreachable    (nothing listens on the port)       refused (fail closed)
//
// Refused CONNECT: a CONNACK with 0x87/0x86 (5.0) or 0x05/0x04 (3.1.1), then the
// connection closes, and nothing the client sent after CONNECT is acted on
// [v5.0 MQTT-3.1.4-6, v3.1.1 MQTT-3.1.4-5]. The broker log never contains the password.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec/packet_codec.hpp"
#include "codec/packets.hpp"
#include "conformance/harness/broker_target.hpp"
#include "conformance/harness/child_process.hpp"
#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/session_helpers.hpp"

#ifndef MQTTCERT_INVARIANT_REFBROKER
#define MQTTCERT_INVARIANT_REFBROKER "mqtt-refbroker"
#endif

namespace mqtt::cert {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using codec::protocol_version;
using codec::qos;
using steady = std::chrono::steady_clock;

constexpr int webhook_timeout_ms = 300;
// A refusal must come within the webhook timeout plus this margin.
constexpr auto refusal_margin = 1500ms;

// ---------------------------------------------------------------------------------------
// The scripted webhook server.

enum class hook_script {
  allow, deny_403, deny_json, error_500, hang, close, ignore, redirect_302, unreachable,
};

constexpr hook_script denial_scripts[] = {
    hook_script::deny_403, hook_script::deny_json, hook_script::error_500,
    hook_script::hang,     hook_script::close,     hook_script::ignore,
    hook_script::redirect_302, hook_script::unreachable,
};
// What an ACL webhook can answer (an unreachable ACL webhook needs its own broker and is
// covered by the refused CONNECT there).
constexpr hook_script acl_denial_scripts[] = {
    hook_script::deny_403, hook_script::deny_json, hook_script::error_500, hook_script::hang,
    hook_script::close,    hook_script::ignore,    hook_script::redirect_302,
};

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

// webhook_request is one request the server read, with its parameters decoded from the
// query string (GET), the form body or the JSON body (POST).
struct webhook_request {
  std::string method;
  std::string path;  // "/auth" or "/acl"
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> params;
  bool params_parsed = true;

  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? "<absent>" : it->second;
  }
  std::string describe() const {
    std::string out = method + " " + path + " [" + content_type + "]";
    for (auto& [k, v] : params) out += " " + k + "=" + (k == "password" ? "***" : v);
    return out;
  }
};

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

class webhook_server {
 public:
  webhook_server() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~webhook_server() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  // requests_for returns the requests whose clientid parameter is `client_id`.
  std::vector<webhook_request> requests_for(const std::string& client_id) {
    std::lock_guard lock(mutex_);
    std::vector<webhook_request> out;
    for (const auto& r : seen_) {
      if (r.param("clientid") == client_id) out.push_back(r);
    }
    return out;
  }

 private:
  struct session {
    explicit session(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto s = std::make_shared<session>(std::move(socket));
      http::async_read(s->socket, s->buffer, s->req,
                       [this, s](beast::error_code rec, std::size_t) {
                         if (!rec) answer(s);
                       });
      accept();
    });
  }

  static webhook_request decode(const http::request<http::string_body>& req) {
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

  void answer(const std::shared_ptr<session>& s) {
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

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = acceptor_.local_endpoint().port();
  std::thread thread_;
  std::mutex mutex_;
  std::vector<webhook_request> seen_;
  std::vector<std::shared_ptr<session>> parked_;
};

// ---------------------------------------------------------------------------------------
// A reference broker with extra flags. broker_process::start_refbroker takes none, so
// this launches it itself: --listen tcp://127.0.0.1:0 --port-file, stdout and stderr to a
// log file, SIGTERM (then SIGKILL) on stop.

class refbroker_with_flags {
 public:
  static std::unique_ptr<refbroker_with_flags> start(const std::vector<std::string>& flags,
                                                     std::string* error) {
    const char* env = std::getenv("MQTTCERT_REFBROKER");
    const std::string binary = env && *env ? env : MQTTCERT_INVARIANT_REFBROKER;
    std::unique_ptr<refbroker_with_flags> p(new refbroker_with_flags());
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "mqttcert-invariant-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      *error = "mkdtemp failed";
      return nullptr;
    }
    p->dir_ = tmpl;
    p->log_path_ = p->dir_ + "/broker.log";
    const std::string port_file = p->dir_ + "/port";
    std::vector<std::string> argv{binary, "--listen", "tcp://127.0.0.1:0", "--port-file",
                                  port_file, "--log-level", "debug"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    for (auto& a : argv) p->command_ += (p->command_.empty() ? "" : " ") + a;
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int log_fd = ::open(p->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_t pid = ::fork();
    if (pid < 0) {
      *error = std::string("fork: ") + std::strerror(errno);
      return nullptr;
    }
    if (pid == 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      ::execv(args[0], args.data());
      std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
      ::_exit(127);
    }
    ::close(log_fd);
    p->pid_ = pid;
    const auto deadline = steady::now() + 10s;
    while (steady::now() < deadline) {
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port && port > 0) {
        p->address_.port = static_cast<std::uint16_t>(port);
        if (wait_until_accepting(p->address_, 5s, pid)) return p;
        break;
      }
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        p->pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(10ms);  // pacing between polls of the port file
    }
    *error = p->command_ + " did not start; its log:\n" + p->log_text();
    return nullptr;
  }

  ~refbroker_with_flags() { stop(); }

  void stop() {
    stop_child(pid_);
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  const broker_address& address() const { return address_; }
  const std::string& log_path() const { return log_path_; }
  const std::string& command() const { return command_; }
  std::string log_text() const {
    std::ifstream in(log_path_, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  refbroker_with_flags() = default;
  pid_t pid_ = -1;
  std::string dir_;
  std::string log_path_;
  std::string command_;
  broker_address address_;
};

// ---------------------------------------------------------------------------------------
// Webhook shapes and the shared server and brokers (one set per test process).

enum class hook_shape { post_form, post_json, get };

std::string shape_name(hook_shape s) {
  switch (s) {
    case hook_shape::post_form: return "post_form";
    case hook_shape::post_json: return "post_json";
    case hook_shape::get: return "get";
  }
  return "?";
}

class fixtures {
 public:
  static webhook_server& server() {
    if (!server_) server_ = std::make_unique<webhook_server>();
    return *server_;
  }

  // broker returns the reference broker for `shape`, its webhooks on the scripted server
  // or (`reachable` false) on a port nothing listens on. Started on first use.
  static refbroker_with_flags* broker(hook_shape shape, bool reachable, std::string* error) {
    auto& slot = brokers_[{shape, reachable}];
    if (!slot) {
      std::string base = reachable ? server().url("")
                                   : "http://127.0.0.1:" + std::to_string(pick_free_port());
      std::vector<std::string> flags{"--auth-webhook-url", base + "/auth",
                                     "--acl-webhook-url", base + "/acl",
                                     "--webhook-timeout-ms", std::to_string(webhook_timeout_ms),
                                     "--allow-anonymous", "false",
                                     "--webhook-method", shape == hook_shape::get ? "get" : "post"};
      if (shape != hook_shape::get) {
        flags.insert(flags.end(),
                     {"--webhook-body", shape == hook_shape::post_json ? "json" : "form"});
      }
      slot = refbroker_with_flags::start(flags, error);
    }
    return slot.get();
  }

  static void stop_all() {
    brokers_.clear();
    server_.reset();
  }

 private:
  static inline std::unique_ptr<webhook_server> server_;
  static inline std::map<std::pair<hook_shape, bool>, std::unique_ptr<refbroker_with_flags>>
      brokers_;
};

// ---------------------------------------------------------------------------------------
// Helpers.

std::string unique_tag() {
  static std::atomic<int> counter{0};
  return "wh" + std::to_string(::getpid()) + "x" + std::to_string(counter++);
}

// secret_token is a random hex string embedded in each password, searched for in logs.
std::string secret_token() {
  static std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << std::hex << rng() << rng();
  return s.str();
}

bool is_refusal(std::uint8_t code, protocol_version v) {
  return codec::is_v5(v) ? (code == 0x87 || code == 0x86) : (code == 0x05 || code == 0x04);
}

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

// drain_publishes reads until nothing arrives for `quiet`, acknowledging QoS 1/2, and
// returns the topics of the PUBLISH packets seen (anything else is noted as "<packet>").
std::vector<std::string> drain_publishes(raw_client& c, std::chrono::milliseconds quiet = 400ms) {
  std::vector<std::string> topics;
  for (;;) {
    received r = c.expect_packet(quiet);
    if (!r.is_packet()) break;
    if (const auto* p = r.as<codec::publish_packet>()) {
      topics.push_back(p->topic);
      if (p->qos_level == qos::at_least_once) {
        c.send_packet(codec::puback_packet{p->packet_id, codec::reason_code::success, {}});
      } else if (p->qos_level == qos::exactly_once) {
        c.send_packet(codec::pubrec_packet{p->packet_id, codec::reason_code::success, {}});
      }
    } else if (const auto* rel = r.as<codec::pubrel_packet>()) {
      c.send_packet(codec::pubcomp_packet{rel->packet_id, codec::reason_code::success, {}});
    } else {
      topics.push_back("<" + r.describe() + ">");
    }
  }
  return topics;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(nothing)" : out;
}

// ---------------------------------------------------------------------------------------
// Fixture: one webhook shape and protocol version; a test may add a script.

class webhook_test_base {
 protected:
  void start(hook_shape shape, protocol_version v, bool reachable = true) {
    version_ = v;
    shape_ = shape;
    std::string error;
    broker_ = fixtures::broker(shape, reachable, &error);
    ASSERT_NE(broker_, nullptr) << error;
    tag_ = unique_tag();
    base_ = "invariant/" + tag_;
    ::testing::Test::RecordProperty("broker_command", broker_->command());
  }

  // client_options gives a client whose User Name selects `script` and whose password
  // holds a fresh secret token.
  connect_options client_options(const std::string& role, hook_script script) {
    connect_options o;
    o.client_id = tag_ + "-" + role;
    o.username = script_name(script);
    const std::string password = "pw " + secret_token() + " &=+%/";
    passwords_.push_back(password);
    o.password = payload_bytes(password);
    return o;
  }

  // connect_allowed opens a client the webhook allows, or fails the test.
  std::unique_ptr<raw_client> connect_allowed(const std::string& role) {
    auto c = std::make_unique<raw_client>(role, version_);
    EXPECT_TRUE(c->connect(broker_->address())) << c->connect_error();
    EXPECT_TRUE(connect_session(*c, client_options(role, hook_script::allow)));
    return c;
  }

  // expect_log_clean checks that no password of this test reached the broker log.
  void expect_log_clean() {
    const std::string log = broker_->log_text();
    EXPECT_NE(log.find("webhook"), std::string::npos)
        << "the broker (--log-level debug) logged no webhook request; the password check "
           "below proves nothing. Log: "
        << broker_->log_path();
    for (const auto& pw : passwords_) {
      const std::string token = pw.substr(3, pw.find(' ', 3) - 3);
      EXPECT_EQ(log.find(token), std::string::npos)
          << "the broker log " << broker_->log_path() << " contains a client's password";
    }
  }

  // expect_auth_request checks the webhook saw the CONNECT of `o` as configured.
  void expect_auth_request(const connect_options& o) {
    auto reqs = fixtures::server().requests_for(o.client_id);
    ASSERT_FALSE(reqs.empty()) << "the auth webhook was never asked about ClientID "
                               << o.client_id;
    const auto& r = reqs.front();
    EXPECT_EQ(r.path, "/auth") << r.describe();
    EXPECT_EQ(r.method, shape_ == hook_shape::get ? "GET" : "POST") << r.describe();
    if (shape_ == hook_shape::post_json) {
      EXPECT_NE(r.content_type.find("application/json"), std::string::npos) << r.describe();
    } else if (shape_ == hook_shape::post_form) {
      EXPECT_NE(r.content_type.find("application/x-www-form-urlencoded"), std::string::npos)
          << r.describe();
    }
    EXPECT_TRUE(r.params_parsed) << "body is not a JSON object: " << r.body;
    EXPECT_EQ(r.param("clientid"), o.client_id) << r.describe();
    EXPECT_EQ(r.param("username"), *o.username) << r.describe();
    EXPECT_EQ(r.param("password"), std::string(o.password->begin(), o.password->end()))
        << "password not carried verbatim: " << r.describe();
  }

  refbroker_with_flags* broker_ = nullptr;
  protocol_version version_ = protocol_version::v5_0;
  hook_shape shape_ = hook_shape::post_form;
  std::string tag_;
  std::string base_;
  std::vector<std::string> passwords_;
};

using shape_version = std::tuple<hook_shape, protocol_version>;

std::string version_label(protocol_version v) { return codec::is_v5(v) ? "v5_0" : "v3_1_1"; }

class AuthWebhookInvariant : public ::testing::TestWithParam<shape_version>,
                             protected webhook_test_base {
 protected:
  static void TearDownTestSuite() { fixtures::stop_all(); }
  void SetUp() override { start(std::get<0>(GetParam()), std::get<1>(GetParam())); }
};

// ---------------------------------------------------------------------------------------

TEST_P(AuthWebhookInvariant, AllowedUserConnectsPublishesAndSubscribes) {
  raw_client c("allowed", version_);
  ASSERT_TRUE(c.connect(broker_->address())) << c.connect_error();
  auto o = client_options("allowed", hook_script::allow);
  const std::string topic = base_ + "/t";
  // CONNECT and SUBSCRIBE in one write: the SUBSCRIBE must be acted on after the CONNACK.
  codec::subscribe_packet sub{1, {}, {{topic, {qos::at_least_once}}}};
  codec::byte_buffer bytes = codec::encode_packet(make_connect(version_, o), version_);
  codec::encode_packet(sub, version_, bytes);
  c.set_version(version_);
  ASSERT_TRUE(c.send_bytes(bytes));

  received first = c.expect_packet(webhook_timeout_ms * 1ms + refusal_margin);
  const auto* connack = first.as<codec::connack_packet>();
  ASSERT_NE(connack, nullptr) << "expected CONNACK success, observed " << first.describe();
  ASSERT_EQ(connack->reason, 0) << "the webhook allowed user '" << *o.username
                                << "' but the broker refused: " << first.describe();
  received second = c.expect_packet();
  const auto* suback = second.as<codec::suback_packet>();
  ASSERT_NE(suback, nullptr) << "expected SUBACK, observed " << second.describe();
  ASSERT_EQ(suback->reasons.size(), 1u);
  EXPECT_LT(suback->reasons[0], 0x80) << second.describe();

  // Publish to its own subscription: the PUBACK and the routed PUBLISH may come in
  // either order.
  codec::publish_packet p;
  p.topic = topic;
  p.qos_level = qos::at_least_once;
  p.packet_id = 7;
  p.payload = payload_bytes("hello");
  ASSERT_TRUE(c.send_packet(p));
  bool acked = false, delivered = false;
  while (!(acked && delivered)) {
    received r = c.expect_packet(webhook_timeout_ms * 1ms + refusal_margin);
    if (const auto* a = r.as<codec::puback_packet>()) {
      EXPECT_FALSE(codec::is_error(a->reason)) << "ACL allowed, PUBACK refused: " << r.describe();
      acked = true;
    } else if (const auto* m = r.as<codec::publish_packet>()) {
      EXPECT_EQ(m->topic, topic) << r.describe();
      c.send_packet(codec::puback_packet{m->packet_id, codec::reason_code::success, {}});
      delivered = true;
    } else {
      FAIL() << "expected PUBACK and the PUBLISH back, observed " << r.describe();
    }
  }
  disconnect(c);

  expect_auth_request(o);
  expect_log_clean();
}

TEST_P(AuthWebhookInvariant, AclDeniedPublishIsNotDelivered) {
  auto watcher = connect_allowed("watcher");
  ASSERT_TRUE(subscribe(*watcher, base_ + "/#", qos::exactly_once));
  auto pub = connect_allowed("publisher");

  std::uint16_t id = 1;
  for (auto s : acl_denial_scripts) {
    const std::string topic = base_ + "/pub_" + script_name(s) + "/x";
    for (auto q : {qos::at_most_once, qos::at_least_once, qos::exactly_once}) {
      if (s != hook_script::deny_403 && q != qos::at_least_once) continue;  // keep it short
      codec::publish_packet p;
      p.topic = topic;
      p.qos_level = q;
      p.packet_id = q == qos::at_most_once ? 0 : id++;
      p.payload = payload_bytes("denied");
      ASSERT_TRUE(pub->send_packet(p));
      if (q == qos::at_most_once) continue;
      received r = pub->expect_packet(webhook_timeout_ms * 1ms + refusal_margin);
      if (q == qos::at_least_once) {
        const auto* ack = r.as<codec::puback_packet>();
        ASSERT_NE(ack, nullptr) << script_name(s) << ": expected PUBACK, observed " << r.describe();
        if (codec::is_v5(version_)) {
          EXPECT_EQ(static_cast<int>(ack->reason), 0x87)
              << "ACL webhook '" << script_name(s) << "' refused PUBLISH to " << topic
              << ": expected PUBACK 0x87 (Not authorized), observed " << r.describe();
        }
      } else {
        const auto* rec = r.as<codec::pubrec_packet>();
        ASSERT_NE(rec, nullptr) << script_name(s) << ": expected PUBREC, observed " << r.describe();
        if (codec::is_v5(version_)) {
          EXPECT_EQ(static_cast<int>(rec->reason), 0x87) << r.describe();
        } else {
          pub->send_packet(codec::pubrel_packet{rec->packet_id, codec::reason_code::success, {}});
          received comp = pub->expect_packet();
          EXPECT_NE(comp.as<codec::pubcomp_packet>(), nullptr) << comp.describe();
        }
      }
    }
  }
  // Sentinel: an allowed PUBLISH from the same client, after all the refused ones.
  ASSERT_TRUE(publish(*pub, base_ + "/ok", "allowed", qos::at_least_once, false, id++));

  auto topics = drain_publishes(*watcher);
  EXPECT_EQ(topics, std::vector<std::string>{base_ + "/ok"})
      << "a subscriber to " << base_ << "/# must get only the allowed PUBLISH; got "
      << join(topics);

  // Each PUBLISH was put to the ACL webhook with access 2 and its topic.
  auto reqs = fixtures::server().requests_for(tag_ + "-publisher");
  int acl_publish = 0;
  for (const auto& r : reqs) {
    if (r.path != "/acl") continue;
    EXPECT_EQ(r.param("access"), "2") << r.describe();
    EXPECT_EQ(r.param("username"), "allow") << r.describe();
    ++acl_publish;
  }
  EXPECT_GE(acl_publish, static_cast<int>(std::size(acl_denial_scripts)) + 1);
  disconnect(*pub);
  disconnect(*watcher);
  expect_log_clean();
}

TEST_P(AuthWebhookInvariant, AclDeniedSubscribeGetsNoMessages) {
  auto watcher = connect_allowed("watcher");
  ASSERT_TRUE(subscribe(*watcher, base_ + "/#", qos::at_least_once));
  auto sub = connect_allowed("subscriber");

  codec::subscribe_packet sp;
  sp.packet_id = 9;
  for (auto s : acl_denial_scripts) {
    sp.subscriptions.push_back({base_ + "/sub_" + script_name(s) + "/x", {qos::at_least_once}});
  }
  sp.subscriptions.push_back({base_ + "/ok", {qos::at_least_once}});
  ASSERT_TRUE(sub->send_packet(sp));
  received r = sub->expect_packet(webhook_timeout_ms * 1ms + refusal_margin);
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_NE(ack, nullptr) << "expected SUBACK, observed " << r.describe();
  ASSERT_EQ(ack->reasons.size(), sp.subscriptions.size()) << r.describe();
  for (std::size_t i = 0; i + 1 < sp.subscriptions.size(); ++i) {
    const std::uint8_t want = codec::is_v5(version_) ? 0x87 : 0x80;
    EXPECT_EQ(ack->reasons[i], want)
        << "ACL webhook '" << script_name(acl_denial_scripts[i]) << "' refused "
        << sp.subscriptions[i].filter << ": expected " << hex_byte(want) << ", observed "
        << hex_byte(ack->reasons[i]);
  }
  EXPECT_LT(ack->reasons.back(), 0x80) << "the allowed filter was refused: " << r.describe();

  // The filters' own topics are publishable (only subscribing is refused).
  auto pub = connect_allowed("publisher");
  std::uint16_t id = 1;
  std::vector<std::string> published;
  for (const auto& s : sp.subscriptions) {
    ASSERT_TRUE(publish(*pub, s.filter, "m", qos::at_least_once, false, id++));
    published.push_back(s.filter);
  }
  auto got = drain_publishes(*sub);
  EXPECT_EQ(got, std::vector<std::string>{base_ + "/ok"})
      << "the subscriber must get only the message on its allowed filter; got " << join(got);
  auto control = drain_publishes(*watcher);
  EXPECT_EQ(control, published) << "control subscriber to " << base_ << "/#";

  for (const auto& rq : fixtures::server().requests_for(tag_ + "-subscriber")) {
    if (rq.path == "/acl") {
      EXPECT_EQ(rq.param("access"), "1") << rq.describe();
    }
  }
  disconnect(*pub);
  disconnect(*sub);
  disconnect(*watcher);
  expect_log_clean();
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AuthWebhookInvariant,
    ::testing::Combine(::testing::Values(hook_shape::post_form, hook_shape::post_json,
                                         hook_shape::get),
                       ::testing::Values(protocol_version::v3_1_1, protocol_version::v5_0)),
    [](const ::testing::TestParamInfo<shape_version>& param_info) {
      return shape_name(std::get<0>(param_info.param)) + "_" +
             version_label(std::get<1>(param_info.param));
    });

// ---------------------------------------------------------------------------------------
// Every way the auth webhook can say no, or fail to say yes.

using denial_case = std::tuple<hook_shape, protocol_version, hook_script>;

class AuthWebhookDenial : public ::testing::TestWithParam<denial_case>,
                          protected webhook_test_base {
 protected:
  static void TearDownTestSuite() { fixtures::stop_all(); }
  void SetUp() override {
    start(std::get<0>(GetParam()), std::get<1>(GetParam()),
          std::get<2>(GetParam()) != hook_script::unreachable);
    ::testing::Test::RecordProperty(
        "statement", codec::is_v5(version_) ? "v5.0/MQTT-3.1.4-6" : "v3.1.1/MQTT-3.1.4-5");
  }
};

TEST_P(AuthWebhookDenial, RefusedClientIsClosedAndNeverServed) {
  const hook_script script = std::get<2>(GetParam());
  // With the webhook unreachable nobody can connect, so there is no one to watch.
  const bool reachable = script != hook_script::unreachable;
  auto watcher = reachable ? connect_allowed("watcher") : nullptr;
  if (watcher) {
    ASSERT_TRUE(subscribe(*watcher, base_ + "/#", qos::at_least_once));
  }
  auto pub = reachable ? connect_allowed("publisher") : nullptr;

  // The refused client sends CONNECT, SUBSCRIBE and two PUBLISHes in one write, before any
  // CONNACK; none of them may be acted on.
  raw_client denied("denied", version_);
  ASSERT_TRUE(denied.connect(broker_->address())) << denied.connect_error();
  auto o = client_options("denied", script);
  codec::byte_buffer bytes = codec::encode_packet(make_connect(version_, o), version_);
  codec::encode_packet(codec::subscribe_packet{1, {}, {{base_ + "/#", {qos::at_least_once}}}},
                       version_, bytes);
  codec::publish_packet p0;
  p0.topic = base_ + "/from-denied";
  p0.payload = payload_bytes("must not be delivered");
  codec::encode_packet(p0, version_, bytes);
  codec::publish_packet p1 = p0;
  p1.qos_level = qos::at_least_once;
  p1.packet_id = 2;
  codec::encode_packet(p1, version_, bytes);
  denied.set_version(version_);
  const auto sent_at = steady::now();
  ASSERT_TRUE(denied.send_bytes(bytes));

  // While the webhook is being asked, an allowed client publishes where the pipelined
  // SUBSCRIBE would match.
  if (pub) {
    ASSERT_TRUE(publish(*pub, base_ + "/live", "while authenticating", qos::at_least_once, false, 3));
  }

  close_observation obs = denied.expect_close(webhook_timeout_ms * 1ms + refusal_margin);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - sent_at);
  const std::string what = "auth webhook '" + script_name(script) + "' (" +
                           shape_name(shape_) + ", " +
                           std::string(codec::protocol_version_name(version_)) + ")";
  EXPECT_TRUE(obs.closed) << what << ": the connection must close after a refused CONNECT; "
                          << "observed " << obs.describe();
  ASSERT_FALSE(obs.before.empty())
      << what << ": expected a refusing CONNACK before the close, observed " << obs.describe();
  const auto* connack = obs.before.front().as<codec::connack_packet>();
  ASSERT_NE(connack, nullptr) << what << ": expected CONNACK first, observed " << obs.describe();
  EXPECT_TRUE(is_refusal(connack->reason, version_))
      << what << ": FAIL-OPEN or wrong code. expected CONNACK "
      << (codec::is_v5(version_) ? "0x87/0x86" : "0x05/0x04") << ", observed "
      << obs.describe();
  EXPECT_EQ(obs.before.size(), 1u)
      << what << ": nothing may follow a refusing CONNACK (the pipelined SUBSCRIBE and "
      << "PUBLISHes must be ignored); observed " << obs.describe();
  EXPECT_LT(took, webhook_timeout_ms * 1ms + refusal_margin) << what;

  if (reachable) {
    // Nothing the refused client published reached anyone.
    auto topics = drain_publishes(*watcher);
    EXPECT_EQ(topics, std::vector<std::string>{base_ + "/live"})
        << what << ": the watcher on " << base_ << "/# must see only the allowed client's "
        << "message, never " << base_ << "/from-denied; got " << join(topics);
    expect_auth_request(o);
    disconnect(*pub);
    disconnect(*watcher);
  }
  expect_log_clean();
}

INSTANTIATE_TEST_SUITE_P(
    Scripts, AuthWebhookDenial,
    ::testing::Combine(::testing::Values(hook_shape::post_form, hook_shape::post_json,
                                         hook_shape::get),
                       ::testing::Values(protocol_version::v3_1_1, protocol_version::v5_0),
                       ::testing::ValuesIn(denial_scripts)),
    [](const ::testing::TestParamInfo<denial_case>& param_info) {
      return shape_name(std::get<0>(param_info.param)) + "_" +
             version_label(std::get<1>(param_info.param)) + "_" +
             script_name(std::get<2>(param_info.param));
    });

}  // namespace
}  // namespace mqtt::cert
