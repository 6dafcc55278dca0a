// websocket_stream.cpp: MQTT over WebSocket (ws://, and wss:// over TLS) with Boost.Beast,
// keeping tcp_stream's blocking-with-deadline behaviour (see detail/asio_deadline.hpp for
// why a timed-out read stays pending instead of being cancelled).
#include "conformance/harness/websocket_stream.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "conformance/harness/detail/asio_deadline.hpp"
#include "conformance/harness/detail/pending_read.hpp"

namespace mqtt::cert {

std::string websocket_handshake::describe() const {
  if (status == 0) return "no HTTP response";
  return "HTTP " + std::to_string(status) +
         (has_subprotocol ? ", Sec-WebSocket-Protocol: " + subprotocol
                          : ", no Sec-WebSocket-Protocol header");
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using tls_socket = asio::ssl::stream<tcp::socket>;

// ws_stream<Next> is websocket_stream over `Next`: a tcp::socket (ws://) or a TLS stream
// (wss://).
template <class Next>
class ws_stream final : public websocket_stream {
 public:
  ws_stream() = default;
  ~ws_stream() override { close(); }

  // open connects, runs TLS for wss, then the upgrade, all before `deadline`. Blocks.
  bool open(const broker_address& address, detail::deadline_clock::time_point deadline,
            const websocket_options& options, std::string* error) {
    if constexpr (std::is_same_v<Next, tls_socket>) {
      ctx_ = detail::make_client_tls_context(error);
      if (!ctx_) return false;
      ws_ = std::make_unique<websocket::stream<Next>>(ioc_, *ctx_);
      if (!detail::connect_tcp(ioc_, beast::get_lowest_layer(*ws_), address, deadline, error))
        return false;
      if (!detail::handshake_tls(ioc_, ws_->next_layer(), address.host, deadline, error))
        return false;
    } else {
      ws_ = std::make_unique<websocket::stream<Next>>(ioc_);
      if (!detail::connect_tcp(ioc_, ws_->next_layer(), address, deadline, error)) return false;
    }
    const std::string offered = options.offered_subprotocols;
    ws_->set_option(websocket::stream_base::decorator([offered](websocket::request_type& req) {
      req.set(http::field::user_agent, "mqttcert");
      if (!offered.empty()) req.set(http::field::sec_websocket_protocol, offered);
    }));
    ws_->binary(true);
    ws_->auto_fragment(false);  // one send() is one frame
    ws_->read_message_max(0);   // no limit: the MQTT layer judges sizes
    const std::string host =
        (address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host) +
        ":" + std::to_string(address.port);
    websocket::response_type res;
    bool done = false;
    boost::system::error_code ec;
    ws_->async_handshake(res, host, address.path, [&](const boost::system::error_code& e) {
      ec = e;
      done = true;
    });
    if (!detail::run_until(ioc_, done, deadline)) {
      close();
      if (error) *error = "WebSocket upgrade timed out";
      return false;
    }
    handshake_.status = static_cast<int>(res.result_int());
    if (auto it = res.find(http::field::sec_websocket_protocol); it != res.end()) {
      handshake_.has_subprotocol = true;
      handshake_.subprotocol = std::string(it->value());
    }
    if (ec) {
      if (error) *error = "WebSocket upgrade failed (" + handshake_.describe() + "): " + ec.message();
      return false;
    }
    return true;
  }

  stream_result send(codec::byte_view bytes) override { return write_frame(bytes, true, false); }

  stream_result send_text(codec::byte_view bytes) override { return write_frame(bytes, true, true); }

  stream_result send_messages(const std::vector<codec::byte_view>& parts) override {
    stream_result total;
    for (const auto& p : parts) {
      auto r = write_frame(p, true, false);
      total.bytes += r.bytes;
      if (r.status != stream_status::ok) return {r.status, total.bytes, r.why};
    }
    return total;
  }

  stream_result send_fragmented(const std::vector<codec::byte_view>& parts) override {
    stream_result total;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      auto r = write_frame(parts[i], i + 1 == parts.size(), false);
      total.bytes += r.bytes;
      if (r.status != stream_status::ok) return {r.status, total.bytes, r.why};
    }
    return total;
  }

  const websocket_handshake& handshake() const override { return handshake_; }

  stream_result recv(std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout) override {
    const auto deadline = detail::deadline_clock::now() + timeout;
    for (;;) {
      if (read_.has_bytes()) return read_.take(buffer);
      if (!ws_ || closed_) return {stream_status::closed, 0, closed_why_.empty() ? "socket closed" : closed_why_};
      if (got_text_)
        return {stream_status::error, 0, "broker sent a WebSocket TEXT frame [MQTT-6.0.0-1]"};
      if (read_.failed()) return read_.failure();
      if (!read_.reading()) start_read();
      if (!detail::run_until(ioc_, read_.done(), deadline)) return {stream_status::timeout, 0, {}};
    }
  }

  void shutdown_send() override {
    // A TCP FIN, no WebSocket Close frame: to the broker this is the network closing.
    if (!ws_) return;
    boost::system::error_code ignored;
    beast::get_lowest_layer(*ws_).shutdown(tcp::socket::shutdown_send, ignored);
  }

  void close() override {
    if (!ws_) return;
    boost::system::error_code ignored;
    beast::get_lowest_layer(*ws_).close(ignored);
    detail::drain(ioc_);
    ws_.reset();
  }

 private:
  // write_frame writes one frame holding `bytes`: FIN set when `fin`, TEXT opcode when
  // `text` (else BINARY, or CONTINUATION inside a fragmented message).
  stream_result write_frame(codec::byte_view bytes, bool fin, bool text) {
    if (!ws_ || closed_) return {stream_status::closed, 0, closed_why_.empty() ? "socket closed" : closed_why_};
    ws_->text(text);
    bool done = false;
    boost::system::error_code ec;
    std::size_t n = 0;
    ws_->async_write_some(fin, asio::buffer(bytes.data(), bytes.size()),
                          [&](const boost::system::error_code& e, std::size_t k) {
                            ec = e;
                            n = k;
                            done = true;
                          });
    const bool finished =
        detail::run_until(ioc_, done, detail::deadline_clock::now() + detail::send_timeout);
    ws_->binary(true);
    if (!finished) {
      closed_ = true;
      closed_why_ = "send timed out";
      boost::system::error_code ignored;
      beast::get_lowest_layer(*ws_).close(ignored);
      return {stream_status::error, 0, closed_why_};
    }
    return detail::completed_result(ec, n);
  }

  void start_read() {
    read_.start(*ws_, [this](const boost::system::error_code& e) {
      // [MQTT-6.0.0-1] MQTT travels in binary frames only; a TEXT frame from the broker
      // is reported, not passed on as packet bytes.
      if (!e && ws_->got_text()) {
        got_text_ = true;
        read_.discard();
      }
    });
  }

  asio::io_context ioc_;
  std::unique_ptr<asio::ssl::context> ctx_;
  std::unique_ptr<websocket::stream<Next>> ws_;
  websocket_handshake handshake_;
  detail::pending_read read_;
  bool got_text_ = false;
  bool closed_ = false;
  std::string closed_why_;
};

}  // namespace

std::unique_ptr<websocket_stream> open_websocket_stream(const broker_address& address,
                                                        std::chrono::milliseconds timeout,
                                                        const websocket_options& options,
                                                        std::string* error,
                                                        websocket_handshake* handshake) {
  const auto deadline = detail::deadline_clock::now() + timeout;
  auto finish = [&](auto s, bool ok) -> std::unique_ptr<websocket_stream> {
    if (handshake) *handshake = s->handshake();
    if (!ok) return nullptr;
    return s;
  };
  if (address.scheme == "wss") {
    auto s = std::make_unique<ws_stream<tls_socket>>();
    const bool ok = s->open(address, deadline, options, error);
    return finish(std::move(s), ok);
  }
  if (address.scheme == "ws") {
    auto s = std::make_unique<ws_stream<tcp::socket>>();
    const bool ok = s->open(address, deadline, options, error);
    return finish(std::move(s), ok);
  }
  if (error) *error = "not a WebSocket URL: " + address.url();
  return nullptr;
}

}  // namespace mqtt::cert
