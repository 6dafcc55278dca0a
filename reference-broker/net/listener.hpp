// listener.hpp: one nng stream listener per --listen URL (tcp://, ws://, tls+tcp://,
// wss://) and its accept loop. Accepted streams go to a handler; the listener keeps
// nothing of them.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "reference-broker/net/nng_handles.hpp"

namespace mqtt::broker::net {

// tls_settings are the PEM files for tls+tcp:// and wss:// listeners.
struct tls_settings {
  std::string cert_file;  // server certificate (chain), PEM
  std::string key_file;   // its private key, PEM (unencrypted)
  std::string ca_file;    // optional: CAs that client certificates are checked against
  bool require_client_cert = false;  // with ca_file: refuse clients without a valid cert
};

struct listener_settings {
  std::string url;  // "tcp://0.0.0.0:1883", "ws://0.0.0.0:8080/mqtt", ...
  tls_settings tls;
  // Largest WebSocket frame accepted (bounds memory per frame); at least 64 KiB.
  std::size_t max_ws_frame = 1024 * 1024;
};

// listener_config_error: a --listen URL or its TLS files are unusable (operator error).
class listener_config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// transport_of returns "tcp", "ws", "tls+tcp" or "wss" for a listen URL, "" if unsupported.
std::string_view transport_of(std::string_view url);

// listener owns an nng_stream_listener and its accept aios. The accept callback runs on
// an nng task thread.
class listener {
 public:
  // accept_handler takes ownership of an accepted stream; called on an nng thread, and
  // for two streams of one listener possibly at once.
  using accept_handler = std::function<void(stream_handle, const listener&)>;

  // listener checks the URL and loads TLS files; throws listener_config_error with a
  // one-line reason.
  listener(listener_settings settings, accept_handler on_accept);
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  // start binds the address and posts the first accept; throws nng_error. Start each
  // listener before making the next: nng shares one HTTP server between ws:// and wss://
  // listeners with the same host and port, and port 0 counts as the same port until bound.
  void start();
  // stop closes the listener and waits for the accept callback; blocks; never call it
  // from an nng callback. Idempotent.
  void stop();

  // bound_port is the TCP port in use (useful with port 0); 0 before start().
  int bound_port() const { return port_; }
  const std::string& url() const { return settings_.url; }
  std::string_view transport() const { return transport_; }

 private:
  // acceptor is one accept in flight. Several wait at once: nng's tcp listener accepts
  // for every waiting aio on one wake of its poller, so a burst of connects is taken
  // several at a time and set up in parallel, instead of one per round trip through a
  // task thread (and the kernel's 128-deep backlog, which nng fixes, drains faster).
  struct acceptor {
    explicit acceptor(listener* of) : owner(of), aio(this) {}
    void done() { owner->on_accept_done(*this); }
    void post();
    listener* owner;
    aio_handle<acceptor, &acceptor::done> aio;
    bool backing_off = false;  // aio is sleeping after an accept error
  };

  void open();
  void on_accept_done(acceptor& a);

  listener_settings settings_;
  std::string_view transport_;
  accept_handler on_accept_;
  tls_config_handle tls_;
  nng_stream_listener* l_ = nullptr;
  std::vector<std::unique_ptr<acceptor>> acceptors_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace mqtt::broker::net
