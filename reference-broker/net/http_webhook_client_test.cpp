// Integration tests of http_webhook_client against a Boost.Beast HTTP server on
// 127.0.0.1 (ephemeral port), run in-process. Every wait has a deadline.
#include "reference-broker/net/http_webhook_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "reference-broker/auth/auth_webhook.hpp"
#include "reference-broker/auth/authenticator.hpp"

namespace mqtt::broker::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct seen_request {
  std::string method;
  std::string target;
  std::string content_type;
  std::string content_length;
  std::string api_key;
  std::string body;
};

// test_http_server answers by path: /allow 200, /forbid 403, /error 500,
// /deny 200 {"result":"deny"}, /ignore 200 {"result":"ignore"}; /hang reads the request
// and never answers. It records every request it read.
class test_http_server {
 public:
  test_http_server() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~test_http_server() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  std::vector<seen_request> seen() {
    std::lock_guard lock(mtx_);
    return seen_;
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
                       [this, s](beast::error_code rec, std::size_t) { answer(s, rec); });
      accept();
    });
  }

  void answer(const std::shared_ptr<session>& s, beast::error_code ec) {
    if (ec) return;
    const auto& req = s->req;
    std::string target(req.target());
    std::string path = target.substr(0, target.find('?'));
    {
      std::lock_guard lock(mtx_);
      seen_.push_back({std::string(req.method_string()), target,
                       std::string(req[http::field::content_type]),
                       std::string(req[http::field::content_length]),
                       std::string(req["X-Api-Key"]), req.body()});
      if (path == "/hang") {
        parked_.push_back(s);  // keep the connection open, never answer
        return;
      }
    }
    static const std::map<std::string, std::pair<http::status, std::string>> routes = {
        {"/allow", {http::status::ok, ""}},
        {"/forbid", {http::status::forbidden, ""}},
        {"/error", {http::status::internal_server_error, "oops"}},
        {"/deny", {http::status::ok, R"({"result":"deny"})"}},
        {"/ignore", {http::status::ok, R"({"result":"ignore"})"}},
        {"/deny-until-close", {http::status::ok, "deny"}},
    };
    auto it = routes.find(path);
    auto [status, body] =
        it == routes.end() ? std::pair{http::status::not_found, std::string()} : it->second;
    s->res = http::response<http::string_body>(status, req.version());
    s->res.set(http::field::content_type, "application/json");
    s->res.body() = body;
    s->res.keep_alive(false);
    if (path == "/deny-until-close") {
      // HTTP/1.0 style: no Content-Length, the body ends when the connection closes.
      s->res.version(10);
      s->res.body() = "deny";
    } else {
      s->res.prepare_payload();
    }
    http::async_write(s->socket, s->res, [s](beast::error_code, std::size_t) {
      beast::error_code ignored;
      s->socket.shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mtx_;
  std::vector<seen_request> seen_;
  std::vector<std::shared_ptr<session>> parked_;
};

// unused_port returns a port nothing listens on (bound, then released).
std::uint16_t unused_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

struct answer {
  auth::http_outcome outcome;
  std::thread::id thread;
};

// send_and_wait sends one request and waits (at most 10 s) for its answer.
answer send_and_wait(http_webhook_client& client, auth::http_request req,
                     std::chrono::milliseconds timeout) {
  std::promise<answer> p;
  auto f = p.get_future();
  client.send(std::move(req), timeout, [&p](auth::http_outcome o) {
    p.set_value({std::move(o), std::this_thread::get_id()});
  });
  if (f.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << "no answer within 10 s";
    std::abort();  // the callback would write to a dead promise
  }
  return f.get();
}

auth::http_request post(std::string url, std::string body = "a=1") {
  auth::http_request req;
  req.method = "POST";
  req.url = std::move(url);
  req.headers = {{"X-Api-Key", "k1"}, {"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = std::move(body);
  return req;
}

class HttpWebhookClient : public testing::Test {
 protected:
  test_http_server server;
  http_webhook_client client;
};

TEST_F(HttpWebhookClient, Status200Allows) {
  answer a = send_and_wait(client, post(server.url("/allow"), "clientid=c1&password=p%26w"), 2s);
  EXPECT_EQ(a.outcome.error, auth::transport_error::none) << a.outcome.why;
  EXPECT_EQ(a.outcome.status, 200);
  EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::allow);
  EXPECT_NE(a.thread, std::this_thread::get_id());
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/allow");
  EXPECT_EQ(seen[0].content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(seen[0].content_length, "26");
  EXPECT_EQ(seen[0].api_key, "k1");
  EXPECT_EQ(seen[0].body, "clientid=c1&password=p%26w");
}

TEST_F(HttpWebhookClient, Status403Denies) {
  answer a = send_and_wait(client, post(server.url("/forbid")), 2s);
  EXPECT_EQ(a.outcome.status, 403);
  EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::deny);
}

TEST_F(HttpWebhookClient, Status500Denies) {
  answer a = send_and_wait(client, post(server.url("/error")), 2s);
  EXPECT_EQ(a.outcome.status, 500);
  EXPECT_EQ(a.outcome.body, "oops");
  EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::deny);
}

TEST_F(HttpWebhookClient, JsonDenyWithStatus200Denies) {
  answer a = send_and_wait(client, post(server.url("/deny")), 2s);
  EXPECT_EQ(a.outcome.status, 200);
  EXPECT_EQ(a.outcome.body, R"({"result":"deny"})");
  EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::deny);
}

TEST_F(HttpWebhookClient, Status200WithoutContentLengthDenies) {
  // Regression: the body "deny" ended by a close used to read as empty, and an empty 2xx
  // body allows. An answer whose body cannot be read must fail closed.
  answer a = send_and_wait(client, post(server.url("/deny-until-close")), 2s);
  EXPECT_NE(a.outcome.error, auth::transport_error::none);
  EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::deny);
}

TEST_F(HttpWebhookClient, JsonIgnoreWithStatus200Ignores) {
  answer a = send_and_wait(client, post(server.url("/ignore")), 2s);
  EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::ignore);
}

TEST_F(HttpWebhookClient, GetSendsTheQueryAndNoBody) {
  auth::http_request req;
  req.method = "GET";
  req.url = server.url("/allow?clientid=c%201&username=u");
  answer a = send_and_wait(client, req, 2s);
  EXPECT_EQ(a.outcome.status, 200);
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/allow?clientid=c%201&username=u");
  EXPECT_EQ(seen[0].body, "");
}

TEST_F(HttpWebhookClient, ServerThatNeverAnswersTimesOutAndDenies) {
  auto start = std::chrono::steady_clock::now();
  answer a = send_and_wait(client, post(server.url("/hang")), 200ms);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(a.outcome.error, auth::transport_error::timed_out) << a.outcome.why;
  EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::deny);
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(server.seen().size(), 1u);  // the request did arrive
}

TEST_F(HttpWebhookClient, ConnectionRefusedDenies) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/auth";
  answer a = send_and_wait(client, post(url), 2s);
  EXPECT_EQ(a.outcome.error, auth::transport_error::connection_refused) << a.outcome.why;
  EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::deny);
}

TEST_F(HttpWebhookClient, MalformedUrlDeniesOnAnotherThread) {
  for (std::string url : {"not a url", "ftp://127.0.0.1/x", "http://", ""}) {
    answer a = send_and_wait(client, post(url), 2s);
    EXPECT_EQ(a.outcome.error, auth::transport_error::bad_url) << url << ": " << a.outcome.why;
    EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::deny);
    EXPECT_NE(a.thread, std::this_thread::get_id());
  }
}

TEST_F(HttpWebhookClient, UnresolvableHostDenies) {
  answer a = send_and_wait(client, post("http://no-such-host.invalid/auth"), 2s);
  EXPECT_NE(a.outcome.error, auth::transport_error::none);
  EXPECT_EQ(auth::verdict_from_outcome(a.outcome), auth::webhook_verdict::deny);
}

TEST_F(HttpWebhookClient, ManyConcurrentRequestsAllAnswer) {
  constexpr int n = 32;
  std::vector<std::promise<int>> promises(n);
  for (int i = 0; i < n; ++i) {
    client.send(post(server.url(i % 2 == 0 ? "/allow" : "/forbid")), 5s,
                [&promises, i](auth::http_outcome o) { promises[i].set_value(o.status); });
  }
  for (int i = 0; i < n; ++i) {
    auto f = promises[i].get_future();
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready) << i;
    EXPECT_EQ(f.get(), i % 2 == 0 ? 200 : 403) << i;
  }
}

TEST(HttpWebhookClientShutdown, DestructorCancelsPendingRequests) {
  test_http_server server;
  std::promise<auth::http_outcome> p;
  auto f = p.get_future();
  auto start = std::chrono::steady_clock::now();
  {
    http_webhook_client client;
    client.send(post(server.url("/hang")), 60s,
                [&p](auth::http_outcome o) { p.set_value(std::move(o)); });
    // Wait until the server holds the request, so the cancel hits a live transaction.
    for (int i = 0; i < 500 && server.seen().empty(); ++i) std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(f.wait_for(0s), std::future_status::ready);
  auth::http_outcome o = f.get();
  EXPECT_EQ(o.error, auth::transport_error::closed) << o.why;
  EXPECT_EQ(auth::verdict_from_outcome(o), auth::webhook_verdict::deny);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

// End to end: authenticator -> auth_webhook -> http_webhook_client -> server.
TEST(HttpWebhookClientEndToEnd, AuthenticatorRefusesWhatTheWebhookForbids) {
  test_http_server server;
  auto transport = std::make_shared<http_webhook_client>();
  auto make = [&](std::string_view path) {
    auth::webhook_config cfg;
    auth::webhook_endpoint ep;
    ep.url = server.url(path);
    ep.params = {{"clientid", "%c"}, {"username", "%u"}, {"password", "%P"}};
    cfg.auth = ep;
    cfg.timeout = 2s;
    return auth::authenticator(false, nullptr,
                               std::make_shared<auth::auth_webhook>(cfg, transport));
  };
  auth::connect_info info;
  info.client.client_id = "dev1";
  info.client.username = "alice";
  info.password = "pw";
  auto run = [&](const auth::authenticator& a) {
    std::promise<auth_verdict> p;
    auto f = p.get_future();
    a.authenticate_async(info, [&p](auth_verdict v) { p.set_value(v); });
    EXPECT_EQ(f.wait_for(10s), std::future_status::ready);
    return f.get();
  };
  EXPECT_TRUE(run(make("/allow")).allowed);
  auth_verdict refused = run(make("/forbid"));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.reason, codec::reason_code::not_authorized);
  EXPECT_FALSE(run(make("/deny")).allowed);
  EXPECT_FALSE(run(make("/error")).allowed);
  auto seen = server.seen();
  ASSERT_GE(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "clientid=dev1&username=alice&password=pw");
}

}  // namespace
}  // namespace mqtt::broker::net
