#include "reference-broker/net/http_webhook_client.hpp"

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <nng/supplemental/tls/tls.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace mqtt::broker::net {

// transaction is one request in flight. It owns its aio (reaped in finish) and the nng
// request, response and URL (freed in finish).
struct http_webhook_client::transaction {
  http_webhook_client* owner = nullptr;
  nng_aio* aio = nullptr;
  nng_url* url = nullptr;
  nng_http_req* req = nullptr;
  nng_http_res* res = nullptr;
  // Set when the request failed before any I/O; reported instead of the aio result.
  auth::transport_error early_error = auth::transport_error::none;
  std::string early_why;
  std::function<void(auth::http_outcome)> done;
};

namespace {

auth::transport_error map_nng_error(int rv) {
  switch (rv) {
    case NNG_ETIMEDOUT: return auth::transport_error::timed_out;
    case NNG_ECONNREFUSED: return auth::transport_error::connection_refused;
    case NNG_EADDRINVAL: return auth::transport_error::resolve_failed;
    case NNG_ECANCELED:
    case NNG_ECLOSED: return auth::transport_error::closed;
    default: return auth::transport_error::other;
  }
}

}  // namespace

http_webhook_client::http_webhook_client(std::string tls_ca_file)
    : tls_ca_file_(std::move(tls_ca_file)) {}

http_webhook_client::~http_webhook_client() {
  std::unique_lock lock(mtx_);
  closing_ = true;
  // A transaction stays in active_ until finish() erased it under mtx_, so its aio is
  // still allocated here. nng_aio_cancel does not wait for the callback.
  for (transaction* txn : active_) nng_aio_cancel(txn->aio);
  idle_.wait(lock, [this] { return active_.empty(); });
  for (auto& [key, client] : clients_) nng_http_client_free(client);
  clients_.clear();
}

int http_webhook_client::client_for(const std::string& key, const void* url_ptr,
                                    nng_http_client** out) {
  const auto* url = static_cast<const nng_url*>(url_ptr);
  std::lock_guard lock(mtx_);
  if (auto it = clients_.find(key); it != clients_.end()) {
    *out = it->second;
    return 0;
  }
  nng_http_client* client = nullptr;
  if (int rv = nng_http_client_alloc(&client, url); rv != 0) return rv;
  if (std::strcmp(url->u_scheme, "https") == 0 && !tls_ca_file_.empty()) {
    nng_tls_config* tls = nullptr;
    int rv = nng_http_client_get_tls(client, &tls);
    if (rv == 0) rv = nng_tls_config_ca_file(tls, tls_ca_file_.c_str());
    if (rv != 0) {
      nng_http_client_free(client);
      return rv;
    }
  }
  clients_.emplace(key, client);
  *out = client;
  return 0;
}

void http_webhook_client::send(auth::http_request request, std::chrono::milliseconds timeout,
                               std::function<void(auth::http_outcome)> done) {
  auto* txn = new transaction;
  txn->owner = this;
  txn->done = std::move(done);
  if (int rv = nng_aio_alloc(&txn->aio, &http_webhook_client::on_transaction_done, txn);
      rv != 0) {
    // Without an aio there is no nng thread to answer on: answer here (out of memory).
    auth::http_outcome outcome;
    outcome.error = auth::transport_error::other;
    outcome.why = nng_strerror(rv);
    auto cb = std::move(txn->done);
    delete txn;
    cb(std::move(outcome));
    return;
  }
  {
    std::lock_guard lock(mtx_);
    active_.insert(txn);
    if (closing_) {
      txn->early_error = auth::transport_error::closed;
      txn->early_why = "client is shutting down";
    }
  }
  // fail_early completes the aio with an error; its callback runs on an nng thread.
  auto fail_early = [txn](auth::transport_error e, std::string why, int rv) {
    if (txn->early_error == auth::transport_error::none) {
      txn->early_error = e;
      txn->early_why = std::move(why);
    }
    if (nng_aio_begin(txn->aio)) nng_aio_finish(txn->aio, rv);
  };
  if (txn->early_error != auth::transport_error::none) {
    fail_early(txn->early_error, txn->early_why, NNG_ECLOSED);
    return;
  }
  if (int rv = nng_url_parse(&txn->url, request.url.c_str()); rv != 0) {
    fail_early(auth::transport_error::bad_url,
               "\"" + request.url + "\": " + nng_strerror(rv), rv);
    return;
  }
  const std::string scheme = txn->url->u_scheme;
  if ((scheme != "http" && scheme != "https") || txn->url->u_hostname == nullptr ||
      txn->url->u_hostname[0] == '\0') {
    fail_early(auth::transport_error::bad_url,
               "\"" + request.url + "\": not an http:// or https:// URL", NNG_EADDRINVAL);
    return;
  }
  nng_http_client* client = nullptr;
  const std::string key = scheme + "://" + txn->url->u_host;
  if (int rv = client_for(key, txn->url, &client); rv != 0) {
    fail_early(auth::transport_error::other, key + ": " + nng_strerror(rv), rv);
    return;
  }
  int rv = nng_http_req_alloc(&txn->req, txn->url);
  if (rv == 0) rv = nng_http_req_set_method(txn->req, request.method.c_str());
  for (const auto& [name, value] : request.headers) {
    if (rv == 0) rv = nng_http_req_set_header(txn->req, name.c_str(), value.c_str());
  }
  if (rv == 0 && !request.body.empty()) {
    rv = nng_http_req_copy_data(txn->req, request.body.data(), request.body.size());
  }
  if (rv == 0) rv = nng_http_res_alloc(&txn->res);
  if (rv != 0) {
    fail_early(auth::transport_error::other, std::string("request: ") + nng_strerror(rv), rv);
    return;
  }
  const auto ms = std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 1, INT_MAX);
  nng_aio_set_timeout(txn->aio, static_cast<nng_duration>(ms));
  nng_http_client_transact(client, txn->req, txn->res, txn->aio);
}

void http_webhook_client::on_transaction_done(void* arg) {
  auto* txn = static_cast<transaction*>(arg);
  txn->owner->finish(txn);
}

void http_webhook_client::finish(transaction* txn) {
  auth::http_outcome outcome;
  const int rv = nng_aio_result(txn->aio);
  if (txn->early_error != auth::transport_error::none) {
    outcome.error = txn->early_error;
    outcome.why = std::move(txn->early_why);
  } else if (rv != 0) {
    outcome.error = map_nng_error(rv);
    outcome.why = nng_strerror(rv);
  } else {
    outcome.status = nng_http_res_get_status(txn->res);
    // nng reads a body only by its Content-Length. A 2xx answer without one may carry a
    // "deny" we cannot see (a body ended by closing the connection), so it is refused:
    // an unreadable answer must never count as an allow.
    const bool success = outcome.status >= 200 && outcome.status < 300 && outcome.status != 204;
    if (success && nng_http_res_get_header(txn->res, "Content-Length") == nullptr) {
      outcome.error = auth::transport_error::other;
      outcome.why = "2xx answer without Content-Length: body unknown, denied";
    }
    void* data = nullptr;
    std::size_t size = 0;
    nng_http_res_get_data(txn->res, &data, &size);
    if (data != nullptr) outcome.body.assign(static_cast<const char*>(data), size);
  }
  if (txn->req != nullptr) nng_http_req_free(txn->req);
  if (txn->res != nullptr) nng_http_res_free(txn->res);
  if (txn->url != nullptr) nng_url_free(txn->url);
  txn->req = nullptr;
  txn->res = nullptr;
  txn->url = nullptr;
  try {
    txn->done(std::move(outcome));
  } catch (...) {
    // A throwing callback must not unwind into nng's task thread; the verdict was given.
  }
  {
    std::lock_guard lock(mtx_);
    active_.erase(txn);
    if (active_.empty()) idle_.notify_all();
  }
  // `this` may be gone from here on (the destructor was waiting for active_ to empty).
  nng_aio_reap(txn->aio);
  delete txn;
}

}  // namespace mqtt::broker::net
