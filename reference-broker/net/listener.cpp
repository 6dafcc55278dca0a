// listener.cpp: nng stream listeners for tcp://, ws://, tls+tcp:// and wss://.
#include "reference-broker/net/listener.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "reference-broker/net/log_sink.hpp"

namespace mqtt::broker::net {

namespace {

// MQTT over WebSocket uses the "mqtt" subprotocol (MQTT 5.0 section 6); nng refuses the
// upgrade when the client does not offer it.
constexpr const char* ws_subprotocol = "mqtt";
// After an unexpected accept error (out of descriptors, ...) wait before retrying, so
// the loop does not spin.
constexpr nng_duration accept_backoff_ms = 100;
// Accepts waiting at once per listener (see listener::acceptor).
constexpr int accepts_in_flight = 8;

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " file " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check(int rv, const std::string& doing) {
  if (rv != 0) throw nng_error(rv, doing);
}

// set_optional applies a listener option that only some transports have.
template <class Set>
void set_optional(Set&& set, const std::string& doing) {
  int rv = set();
  if (rv != 0 && rv != NNG_ENOTSUP) throw nng_error(rv, doing);
}

tls_config_handle make_server_tls(const tls_settings& t, const std::string& url) {
  if (t.cert_file.empty() || t.key_file.empty()) {
    throw std::runtime_error(url + " needs --tls-cert and --tls-key");
  }
  nng_tls_config* raw = nullptr;
  check(nng_tls_config_alloc(&raw, NNG_TLS_MODE_SERVER), "nng_tls_config_alloc");
  tls_config_handle cfg(raw);
  const std::string cert = read_file(t.cert_file, "--tls-cert");
  const std::string key = read_file(t.key_file, "--tls-key");
  check(nng_tls_config_own_cert(cfg.get(), cert.c_str(), key.c_str(), nullptr),
        "load --tls-cert " + t.cert_file + " / --tls-key " + t.key_file);
  if (!t.ca_file.empty()) {
    check(nng_tls_config_ca_file(cfg.get(), t.ca_file.c_str()), "load --tls-ca " + t.ca_file);
    check(nng_tls_config_auth_mode(cfg.get(), t.require_client_cert
                                                  ? NNG_TLS_AUTH_MODE_REQUIRED
                                                  : NNG_TLS_AUTH_MODE_OPTIONAL),
          "set TLS client authentication mode");
  } else if (t.require_client_cert) {
    throw std::runtime_error("--tls-require-client-cert needs --tls-ca");
  } else {
    check(nng_tls_config_auth_mode(cfg.get(), NNG_TLS_AUTH_MODE_NONE),
          "set TLS client authentication mode");
  }
  return cfg;
}

}  // namespace

std::string_view transport_of(std::string_view url) {
  auto starts = [&](std::string_view p) { return url.substr(0, p.size()) == p; };
  if (starts("tcp://") || starts("tcp4://") || starts("tcp6://")) return "tcp";
  if (starts("ws://") || starts("ws4://") || starts("ws6://")) return "ws";
  if (starts("tls+tcp://") || starts("tls+tcp4://") || starts("tls+tcp6://")) return "tls+tcp";
  if (starts("wss://") || starts("wss4://") || starts("wss6://")) return "wss";
  return "";
}

listener::listener(listener_settings settings, accept_handler on_accept)
    : settings_(std::move(settings)), on_accept_(std::move(on_accept)) {
  for (int i = 0; i < accepts_in_flight; ++i) acceptors_.push_back(std::make_unique<acceptor>(this));
  try {
    open();
  } catch (const listener_config_error&) {
    throw;
  } catch (const std::exception& e) {
    throw listener_config_error(e.what());
  }
}

void listener::open() {
  transport_ = transport_of(settings_.url);
  if (transport_.empty()) {
    throw listener_config_error("unsupported --listen URL " + settings_.url +
                             " (use tcp://, ws://, tls+tcp:// or wss://)");
  }
  const bool is_ws = transport_ == "ws" || transport_ == "wss";
  const bool is_tls = transport_ == "tls+tcp" || transport_ == "wss";
  if (is_tls) tls_ = make_server_tls(settings_.tls, settings_.url);

  check(nng_stream_listener_alloc(&l_, settings_.url.c_str()), "listener " + settings_.url);
  try {
    set_optional([&] { return nng_stream_listener_set_bool(l_, NNG_OPT_TCP_NODELAY, true); },
                 "set tcp-nodelay on " + settings_.url);
    if (is_ws) {
      check(nng_stream_listener_set_string(l_, NNG_OPT_WS_PROTOCOL, ws_subprotocol),
            "set ws:protocol on " + settings_.url);
      const std::size_t frame = std::max<std::size_t>(settings_.max_ws_frame, 64 * 1024);
      set_optional([&] { return nng_stream_listener_set_size(l_, NNG_OPT_WS_RECVMAXFRAME, frame); },
                   "set ws:rxframe-max on " + settings_.url);
    }
    if (is_tls) {
      check(nng_stream_listener_set_ptr(l_, NNG_OPT_TLS_CONFIG, tls_.get()),
            "set TLS config on " + settings_.url);
    }
  } catch (...) {
    nng_stream_listener_free(l_);
    l_ = nullptr;
    throw;
  }
}

listener::~listener() {
  stop();
  if (l_ != nullptr) nng_stream_listener_free(l_);
}

void listener::start() {
  check(nng_stream_listener_listen(l_), "listen on " + settings_.url);
  int port = 0;
  if (nng_stream_listener_get_int(l_, NNG_OPT_TCP_BOUND_PORT, &port) == 0) port_ = port;
  for (auto& a : acceptors_) a->post();
}

void listener::stop() {
  if (stopping_.exchange(true)) return;
  if (l_ != nullptr) nng_stream_listener_close(l_);
  for (auto& a : acceptors_) a->aio.stop();
}

void listener::acceptor::post() {
  if (owner->stopping_.load()) return;
  backing_off = false;
  nng_stream_listener_accept(owner->l_, aio.get());
}

void listener::on_accept_done(acceptor& a) {
  if (a.backing_off) {
    a.post();
    return;
  }
  const int rv = a.aio.result();
  if (rv == 0) {
    stream_handle s(static_cast<nng_stream*>(nng_aio_get_output(a.aio.get(), 0)));
    // Accept the next peer first: setting this one up may then run in parallel with it,
    // instead of every connect in a burst waiting for the one before.
    a.post();
    on_accept_(std::move(s), *this);
    return;
  }
  if (stopping_.load() || rv == NNG_ECLOSED || rv == NNG_ECANCELED) return;
  // A failed handshake or a peer that vanished before accept is that peer's problem;
  // keep listening.
  log_line(log_level::warn, "event=accept_error listener=" + settings_.url + " error=\"" +
                                nng_strerror(rv) + "\"");
  a.backing_off = true;
  nng_sleep_aio(accept_backoff_ms, a.aio.get());
}

}  // namespace mqtt::broker::net
