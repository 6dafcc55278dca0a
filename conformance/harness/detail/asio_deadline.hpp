// asio_deadline.hpp: blocking-with-deadline helpers over a private io_context, shared by
// tls_stream.cpp and websocket_stream.cpp. Harness-internal.
//
// The streams start an asynchronous operation and run their own io_context until it
// completes or the deadline passes. A read that times out is left pending, not cancelled,
// and the next recv() waits for it: cancelling a TLS or WebSocket read part-way through a
// record or frame would leave the stream unusable.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

#include "conformance/harness/broker_address.hpp"

namespace mqtt::cert::detail {

using deadline_clock = std::chrono::steady_clock;

// send_timeout bounds one send(): byte_stream::send has no timeout of its own, and a broker
// that stops reading must not hang the test.
inline constexpr std::chrono::milliseconds send_timeout{10000};

// run_until runs `ioc` until `done` becomes true or `deadline` passes. Returns `done`.
// Never cancels anything. Blocks; the stream's thread only.
bool run_until(boost::asio::io_context& ioc, const bool& done, deadline_clock::time_point deadline);

// drain runs `ioc` until no handler is left (after a socket was closed, so every pending
// handler completes with operation_aborted before its buffers go away). Blocks.
void drain(boost::asio::io_context& ioc);

// connect_tcp resolves `address.host` and connects `socket` to the first address that
// answers, before `deadline`. False and `error` otherwise. Blocks.
bool connect_tcp(boost::asio::io_context& ioc, boost::asio::ip::tcp::socket& socket,
                 const broker_address& address, deadline_clock::time_point deadline,
                 std::string* error);

// make_client_tls_context builds the client TLS settings: with MQTTCERT_TLS_CA=file the
// peer must present a certificate under that CA; otherwise nothing is verified. nullptr
// and `error` when the CA file cannot be loaded.
std::unique_ptr<boost::asio::ssl::context> make_client_tls_context(std::string* error);

// handshake_tls sets SNI and (when verifying) host name checking for `host`, then runs the
// client handshake before `deadline`. False and `error` otherwise. Blocks.
bool handshake_tls(boost::asio::io_context& ioc,
                   boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& tls,
                   const std::string& host, deadline_clock::time_point deadline,
                   std::string* error);

// is_peer_close says whether `ec` means the peer went away (EOF, reset, TLS truncation,
// WebSocket close) rather than a local failure.
bool is_peer_close(const boost::system::error_code& ec);

}  // namespace mqtt::cert::detail
