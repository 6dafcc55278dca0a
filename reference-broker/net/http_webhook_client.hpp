// http_webhook_client.hpp: the nng HTTP client that carries auth/ACL webhook requests
// (auth::webhook_transport). One HTTP/1.1 connection per request, closed after the
// answer; the timeout covers connect, send and answer. Built into mqtt_broker_webhook
// by this folder's CMakeLists.txt.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>

#include "reference-broker/auth/webhook_transport.hpp"

struct nng_http_client;

namespace mqtt::broker::net {

class http_webhook_client final : public auth::webhook_transport {
 public:
  // `tls_ca_file`: PEM CA bundle used to verify https:// servers ("" leaves nng's TLS
  // defaults, which trust nothing).
  explicit http_webhook_client(std::string tls_ca_file = {});
  // ~http_webhook_client cancels requests still running, waits for their `done`
  // callbacks to return (each sees transport_error::closed), then frees everything.
  // Blocks; must not be called from a `done` callback.
  ~http_webhook_client() override;
  http_webhook_client(const http_webhook_client&) = delete;
  http_webhook_client& operator=(const http_webhook_client&) = delete;

  // send starts one request and returns at once; never blocks. `done` runs exactly once
  // on an nng thread, also for errors found before any I/O (bad URL). Callable from any
  // thread, including from a `done` callback.
  void send(auth::http_request request, std::chrono::milliseconds timeout,
            std::function<void(auth::http_outcome)> done) override;

 private:
  struct transaction;
  static void on_transaction_done(void* arg);
  void finish(transaction* txn);
  // client_for returns the nng client for the URL's scheme://host:port, made on first
  // use and kept until destruction (nng opens a new connection per transaction).
  int client_for(const std::string& key, const void* url, nng_http_client** out);

  std::string tls_ca_file_;
  std::mutex mtx_;
  std::condition_variable idle_;
  bool closing_ = false;
  std::unordered_set<transaction*> active_;
  std::map<std::string, nng_http_client*> clients_;
};

}  // namespace mqtt::broker::net
