// tls_stream.cpp: byte_stream over TLS (tls://, mqtts://, tls+tcp://) with Boost.Asio and
// OpenSSL, keeping tcp_stream's blocking-with-deadline behaviour. Certificate checks
// follow MQTTCERT_TLS_CA (see detail/asio_deadline.hpp).
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "conformance/harness/byte_stream.hpp"
#include "conformance/harness/detail/asio_deadline.hpp"
#include "conformance/harness/detail/pending_read.hpp"

namespace mqtt::cert {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class tls_stream final : public byte_stream {
 public:
  tls_stream() = default;
  ~tls_stream() override { close(); }

  // open connects and runs the handshake before `deadline`. Blocks.
  bool open(const broker_address& address, detail::deadline_clock::time_point deadline,
            std::string* error) {
    ctx_ = detail::make_client_tls_context(error);
    if (!ctx_) return false;
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(ioc_, *ctx_);
    if (!detail::connect_tcp(ioc_, tls_->next_layer(), address, deadline, error)) return false;
    return detail::handshake_tls(ioc_, *tls_, address.host, deadline, error);
  }

  stream_result send(codec::byte_view bytes) override {
    if (!tls_ || closed_) return {stream_status::closed, 0, closed_why_.empty() ? "socket closed" : closed_why_};
    bool done = false;
    boost::system::error_code ec;
    std::size_t n = 0;
    asio::async_write(*tls_, asio::buffer(bytes.data(), bytes.size()),
                      [&](const boost::system::error_code& e, std::size_t k) {
                        ec = e;
                        n = k;
                        done = true;
                      });
    if (!detail::run_until(ioc_, done, detail::deadline_clock::now() + detail::send_timeout)) {
      fail("send timed out");
      return {stream_status::error, 0, "send timed out"};
    }
    return detail::completed_result(ec, n);
  }

  stream_result recv(std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout) override {
    const auto deadline = detail::deadline_clock::now() + timeout;
    for (;;) {
      if (read_.has_bytes()) return read_.take(buffer);
      if (!tls_ || closed_) return {stream_status::closed, 0, closed_why_.empty() ? "socket closed" : closed_why_};
      if (read_.failed()) return read_.failure();
      if (!read_.reading()) read_.start(*tls_, [](const boost::system::error_code&) {});
      if (!detail::run_until(ioc_, read_.done(), deadline)) return {stream_status::timeout, 0, {}};
    }
  }

  void shutdown_send() override {
    // A TCP FIN without a TLS close_notify: to the broker this is the network closing.
    if (!tls_) return;
    boost::system::error_code ignored;
    tls_->lowest_layer().shutdown(tcp::socket::shutdown_send, ignored);
  }

  void close() override {
    if (!tls_) return;
    boost::system::error_code ignored;
    tls_->lowest_layer().close(ignored);
    detail::drain(ioc_);
    tls_.reset();
  }

 private:
  void fail(std::string why) {
    closed_ = true;
    closed_why_ = std::move(why);
    boost::system::error_code ignored;
    tls_->lowest_layer().close(ignored);
  }

  asio::io_context ioc_;
  std::unique_ptr<asio::ssl::context> ctx_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
  detail::pending_read read_;
  bool closed_ = false;
  std::string closed_why_;
};

}  // namespace

std::unique_ptr<byte_stream> open_tls_stream(const broker_address& address,
                                             std::chrono::milliseconds timeout,
                                             std::string* error) {
  auto s = std::make_unique<tls_stream>();
  if (!s->open(address, detail::deadline_clock::now() + timeout, error)) return nullptr;
  return s;
}

}  // namespace mqtt::cert
