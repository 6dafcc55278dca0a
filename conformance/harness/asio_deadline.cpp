// asio_deadline.cpp: the blocking-with-deadline helpers of detail/asio_deadline.hpp.
#include "conformance/harness/detail/asio_deadline.hpp"

#include <cstdlib>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/websocket/error.hpp>

namespace mqtt::cert::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool run_until(asio::io_context& ioc, const bool& done, deadline_clock::time_point deadline) {
  while (!done) {
    const auto now = deadline_clock::now();
    if (now >= deadline) return false;
    if (ioc.stopped()) ioc.restart();
    if (ioc.run_one_for(deadline - now) == 0 && ioc.stopped() && !done) {
      // No work left and the operation never completed: nothing will change it.
      return done;
    }
  }
  return true;
}

void drain(asio::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

bool connect_tcp(asio::io_context& ioc, tcp::socket& socket, const broker_address& address,
                 deadline_clock::time_point deadline, std::string* error) {
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  tcp::resolver::results_type endpoints;
  bool done = false;
  resolver.async_resolve(address.host, std::to_string(address.port),
                         [&](const boost::system::error_code& e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                           done = true;
                         });
  if (!run_until(ioc, done, deadline)) {
    resolver.cancel();
    drain(ioc);
    if (error) *error = "resolving " + address.host + " timed out";
    return false;
  }
  if (ec) {
    if (error) *error = "cannot resolve " + address.host + ": " + ec.message();
    return false;
  }
  done = false;
  asio::async_connect(socket, endpoints,
                      [&](const boost::system::error_code& e, const tcp::endpoint&) {
                        ec = e;
                        done = true;
                      });
  if (!run_until(ioc, done, deadline)) {
    boost::system::error_code ignored;
    socket.close(ignored);
    drain(ioc);
    if (error) *error = "connect timed out";
    return false;
  }
  if (ec) {
    if (error) *error = ec.message();
    return false;
  }
  socket.set_option(tcp::no_delay(true), ec);
  return true;
}

std::unique_ptr<asio::ssl::context> make_client_tls_context(std::string* error) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  const char* ca = std::getenv("MQTTCERT_TLS_CA");
  if (ca != nullptr && *ca != '\0') {
    boost::system::error_code ec;
    ctx->load_verify_file(ca, ec);
    if (ec) {
      if (error) *error = std::string("cannot load MQTTCERT_TLS_CA ") + ca + ": " + ec.message();
      return nullptr;
    }
    ctx->set_verify_mode(asio::ssl::verify_peer);
  } else {
    // Test brokers run with self-signed certificates; verification is opt-in.
    ctx->set_verify_mode(asio::ssl::verify_none);
  }
  return ctx;
}

bool handshake_tls(asio::io_context& ioc, asio::ssl::stream<tcp::socket>& tls,
                   const std::string& host, deadline_clock::time_point deadline,
                   std::string* error) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  const bool is_ip = !ec;
  if (!is_ip) SSL_set_tlsext_host_name(tls.native_handle(), host.c_str());
  const char* ca = std::getenv("MQTTCERT_TLS_CA");
  if (ca != nullptr && *ca != '\0') tls.set_verify_callback(asio::ssl::host_name_verification(host));
  bool done = false;
  tls.async_handshake(asio::ssl::stream_base::client, [&](const boost::system::error_code& e) {
    ec = e;
    done = true;
  });
  if (!run_until(ioc, done, deadline)) {
    boost::system::error_code ignored;
    tls.lowest_layer().close(ignored);
    drain(ioc);
    if (error) *error = "TLS handshake timed out";
    return false;
  }
  if (ec) {
    if (error) *error = "TLS handshake failed: " + ec.message();
    return false;
  }
  return true;
}

bool is_peer_close(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == asio::ssl::error::stream_truncated ||
         ec == boost::beast::websocket::error::closed;
}

}  // namespace mqtt::cert::detail
