// tcp_stream.cpp: byte_stream over a plain blocking TCP socket with poll() deadlines.
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conformance/harness/byte_stream.hpp"
#include "conformance/harness/websocket_stream.hpp"

namespace mqtt::cert {
namespace {

class tcp_stream final : public byte_stream {
 public:
  explicit tcp_stream(int fd) : fd_(fd) {}
  ~tcp_stream() override { close(); }

  stream_result send(codec::byte_view bytes) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      if (fd_ < 0) return {stream_status::closed, done, "socket closed"};
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EPIPE || errno == ECONNRESET)
          return {stream_status::closed, done, std::strerror(errno)};
        return {stream_status::error, done, std::strerror(errno)};
      }
      done += static_cast<std::size_t>(n);
    }
    return {stream_status::ok, done, {}};
  }

  stream_result recv(std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout) override {
    if (fd_ < 0) return {stream_status::closed, 0, "socket closed"};
    pollfd p{fd_, POLLIN, 0};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() < 0) left = std::chrono::milliseconds(0);
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return {stream_status::error, 0, std::strerror(errno)};
      if (r == 0) return {stream_status::timeout, 0, {}};
      ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        if (errno == ECONNRESET) return {stream_status::closed, 0, "connection reset"};
        return {stream_status::error, 0, std::strerror(errno)};
      }
      if (n == 0) return {stream_status::closed, 0, "end of stream"};
      return {stream_status::ok, static_cast<std::size_t>(n), {}};
    }
  }

  void shutdown_send() override {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
  }

  void close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// connect_with_timeout does a non-blocking connect, waits for it, then makes the socket
// blocking again.
int connect_with_timeout(const addrinfo* ai, std::chrono::milliseconds timeout, std::string* error) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    if (error) *error = std::strerror(errno);
    return -1;
  }
  int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int r = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (r < 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r <= 0) {
      if (error) *error = r == 0 ? "connect timed out" : std::strerror(errno);
      ::close(fd);
      return -1;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
      if (error) *error = std::strerror(so_error);
      ::close(fd);
      return -1;
    }
  } else if (r < 0) {
    if (error) *error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, flags);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

std::unique_ptr<byte_stream> open_stream(const broker_address& address,
                                         std::chrono::milliseconds timeout,
                                         std::string* error) {
  if (address.scheme == "tcp") return open_tcp_stream(address, timeout, error);
  if (address.scheme == "tls") return open_tls_stream(address, timeout, error);
  if (address.is_websocket()) return open_websocket_stream(address, timeout, {}, error);
  if (error) *error = "unknown transport '" + address.scheme + "'";
  return nullptr;
}

std::unique_ptr<byte_stream> open_tcp_stream(const broker_address& address,
                                             std::chrono::milliseconds timeout,
                                             std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(address.port);
  int gai = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &res);
  if (gai != 0) {
    if (error) *error = std::string("cannot resolve ") + address.host + ": " + ::gai_strerror(gai);
    return nullptr;
  }
  std::unique_ptr<byte_stream> out;
  for (addrinfo* ai = res; ai != nullptr && !out; ai = ai->ai_next) {
    int fd = connect_with_timeout(ai, timeout, error);
    if (fd >= 0) out = std::make_unique<tcp_stream>(fd);
  }
  ::freeaddrinfo(res);
  if (!out && error && error->empty()) *error = "no address to connect to";
  return out;
}

}  // namespace mqtt::cert
