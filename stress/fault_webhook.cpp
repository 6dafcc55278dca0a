#include "stress/fault_webhook.hpp"

#include <utility>  // std::exchange, which Boost 1.74's awaitable.hpp uses unincluded

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

namespace mqtt::cert::stress {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string_view webhook_fault_name(webhook_fault f) {
  switch (f) {
    case webhook_fault::answering: return "answering";
    case webhook_fault::stopped: return "stopped (port closed)";
    case webhook_fault::closing: return "closes without answering";
    case webhook_fault::hanging: return "hangs (never answers)";
    case webhook_fault::not_http: return "answers bytes that are not HTTP";
    case webhook_fault::bad_status: return "answers a status line without a number";
    case webhook_fault::truncated: return "answers 200 and closes 51 bytes short of its Content-Length";
    case webhook_fault::junk_body: return "answers 200 with a complete non-JSON body";
  }
  return "?";
}

namespace {

// username_of finds the `username` parameter in a query string, a form body or a JSON
// body. The scenario's user names are plain letters and digits, so no decoding is needed.
std::string username_of(const http::request<http::string_body>& req) {
  const std::string target(req.target());
  for (const std::string& text : {target, req.body()}) {
    for (const std::string key : {"username=", "\"username\":\""}) {
      auto at = text.find(key);
      if (at == std::string::npos) continue;
      at += key.size();
      const auto end = text.find_first_of("&\"", at);
      return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    }
  }
  return "";
}

std::string http_answer(const std::string& status_line, const std::string& body) {
  return status_line + "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// answer_bytes is what the webhook writes for `f`; empty for hanging and closing.
std::string answer_bytes(webhook_fault f, bool allowed) {
  switch (f) {
    case webhook_fault::answering:
      return allowed ? http_answer("HTTP/1.1 200 OK", R"({"result":"allow"})")
                     : http_answer("HTTP/1.1 403 Forbidden", R"({"result":"deny"})");
    case webhook_fault::not_http: return std::string("\x00\xff\x16 this is not HTTP\r\n\r\n", 25);
    case webhook_fault::bad_status: return http_answer("HTTP/1.1 2OO OK", "");
    case webhook_fault::truncated:
      return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n"
             "Connection: close\r\n\r\n{\"result\":\"al";
    case webhook_fault::junk_body: return http_answer("HTTP/1.1 200 OK", "<html>\x01\x02 upstream error</html>");
    default: return "";
  }
}

}  // namespace

struct fault_webhook::impl {
  struct session {
    explicit session(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    std::string answer;
    char sink[256];
  };

  explicit impl(std::string user)
      : allowed(std::move(user)), guard(asio::make_work_guard(ioc)), acceptor(ioc) {
    listen(0);
    thread = std::thread([this] { ioc.run(); });
  }
  ~impl() {
    guard.reset();
    ioc.stop();
    thread.join();
  }

  // listen opens the port (0: any); a failure leaves it closed, which the broker sees as
  // a webhook that is down (the scenario's recovery check then reports it).
  void listen(std::uint16_t p) {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), p);
    beast::error_code ec;
    acceptor.open(ep.protocol(), ec);
    // The broker is started after this listens: without close-on-exec it would inherit
    // the port and keep it open after `stopped` closed it here.
    if (!ec) ::fcntl(acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      acceptor.close(ec);
      return;
    }
    port = acceptor.local_endpoint().port();
    accept();
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // the acceptor was closed: stopped
      ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
      auto s = std::make_shared<session>(std::move(socket));
      open.insert(s);
      http::async_read(s->socket, s->buffer, s->req, [this, s](beast::error_code rec, std::size_t) {
        if (rec) return drop(s);
        ++requests;
        answer(s);
      });
      accept();
    });
  }

  void answer(const std::shared_ptr<session>& s) {
    if (fault == webhook_fault::hanging) return watch_for_close(s);
    s->answer = answer_bytes(fault, username_of(s->req) == allowed);
    if (s->answer.empty()) return drop(s);  // closing
    asio::async_write(s->socket, asio::buffer(s->answer), [this, s](beast::error_code, std::size_t) {
      drop(s);
    });
  }

  // watch_for_close reads (and discards) until the broker closes its side, so
  // open_connections counts what the broker still holds open to a webhook that hangs.
  void watch_for_close(const std::shared_ptr<session>& s) {
    s->socket.async_read_some(asio::buffer(s->sink), [this, s](beast::error_code ec, std::size_t) {
      if (ec) return drop(s);
      watch_for_close(s);
    });
  }

  void drop(const std::shared_ptr<session>& s) {
    beast::error_code ignored;
    s->socket.shutdown(tcp::socket::shutdown_both, ignored);
    s->socket.close(ignored);
    open.erase(s);
  }

  void switch_to(webhook_fault f) {
    const bool was_stopped = fault == webhook_fault::stopped;
    fault = f;
    if (f == webhook_fault::stopped && !was_stopped) {
      beast::error_code ignored;
      acceptor.close(ignored);
      for (auto s : std::set(open)) drop(s);
    } else if (f != webhook_fault::stopped && was_stopped) {
      listen(port);
    }
  }

  std::string allowed;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::thread thread;
  // Touched on the server thread only, except the atomics.
  webhook_fault fault = webhook_fault::answering;
  std::set<std::shared_ptr<session>> open;
  std::atomic<int> requests{0};
};

fault_webhook::fault_webhook(std::string allowed_user) : impl_(std::make_unique<impl>(std::move(allowed_user))) {}
fault_webhook::~fault_webhook() = default;

std::uint16_t fault_webhook::port() const { return impl_->port; }
std::string fault_webhook::url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/auth"; }
int fault_webhook::requests() const { return impl_->requests; }

void fault_webhook::set(webhook_fault f) {
  std::promise<void> done;
  asio::post(impl_->ioc, [this, f, &done] {
    impl_->switch_to(f);
    done.set_value();
  });
  done.get_future().wait();
}

int fault_webhook::open_connections() const {
  std::promise<int> count;
  asio::post(impl_->ioc, [this, &count] { count.set_value(static_cast<int>(impl_->open.size())); });
  return count.get_future().get();
}

}  // namespace mqtt::cert::stress
