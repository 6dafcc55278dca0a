// pending_read.hpp: the one read a TLS or WebSocket stream keeps in flight and the bytes
// it brought, shared by tls_stream.cpp and websocket_stream.cpp. Harness-internal.
// A timed-out read stays pending (see asio_deadline.hpp); the next recv() waits for it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "conformance/harness/byte_stream.hpp"
#include "conformance/harness/detail/asio_deadline.hpp"

namespace mqtt::cert::detail {

// completed_result maps the end of an asynchronous write or read (`ec`, `n` bytes moved)
// to a stream_result: ok, closed when the peer went away (is_peer_close), else error.
inline stream_result completed_result(const boost::system::error_code& ec, std::size_t n) {
  if (!ec) return {stream_status::ok, n, {}};
  if (is_peer_close(ec)) return {stream_status::closed, n, ec.message()};
  return {stream_status::error, n, ec.message()};
}

class pending_read {
 public:
  // has_bytes says bytes of the last read are still to be handed out.
  bool has_bytes() const { return have_ < buffered_; }
  // take copies as many of those bytes as fit into `out`.
  stream_result take(std::span<std::uint8_t> out) {
    const std::size_t n = std::min(out.size(), buffered_ - have_);
    std::memcpy(out.data(), buf_.data() + have_, n);
    have_ += n;
    return {stream_status::ok, n, {}};
  }
  // failed says the last read ended with an error; failure() is then recv()'s answer.
  bool failed() const { return static_cast<bool>(ec_); }
  stream_result failure() const { return completed_result(ec_, 0); }
  // reading says a read is in flight; done becomes true when it completes.
  bool reading() const { return reading_; }
  const bool& done() const { return done_; }
  // discard drops what the last read brought (a frame the stream reports instead).
  void discard() { buffered_ = 0; }

  // start begins one async_read_some on `s`. On completion the bytes become takeable,
  // then `inspect(ec)` runs (it may discard them), then done() turns true.
  template <class AsyncReadStream, class Inspect>
  void start(AsyncReadStream& s, Inspect inspect) {
    reading_ = true;
    done_ = false;
    s.async_read_some(boost::asio::buffer(buf_),
                      [this, inspect](const boost::system::error_code& e, std::size_t n) {
                        reading_ = false;
                        ec_ = e;
                        have_ = 0;
                        buffered_ = n;
                        inspect(e);
                        done_ = true;
                      });
  }

 private:
  std::array<std::uint8_t, 16384> buf_{};
  std::size_t have_ = 0;      // bytes of buf_ already handed out
  std::size_t buffered_ = 0;  // bytes in buf_ from the last read
  bool reading_ = false;
  bool done_ = false;
  boost::system::error_code ec_;
};

}  // namespace mqtt::cert::detail
