// bench_connection.cpp: socket calls of the load generator.
#include "bench/mqtt_bench/bench_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <stdexcept>

namespace mqtt::bench {

std::uint64_t clock_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint32_t resolve_loopback(const std::string& host) {
  const std::string h = host == "localhost" ? "127.0.0.1" : host;
  in_addr a{};
  if (inet_pton(AF_INET, h.c_str(), &a) != 1 || (ntohl(a.s_addr) >> 24) != 127) {
    throw std::invalid_argument("--host must be an IPv4 loopback address (127.x.x.x): " + host);
  }
  return a.s_addr;
}

std::uint32_t spread_source_address(std::uint32_t index) {
  return htonl((127u << 24) | (1u << 16) | (index & 0xFFFFu));
}

bool bench_connection::open(std::uint32_t addr_be, std::uint16_t port, std::uint32_t source_be) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source_be != 0) {
    // Bind the address only: the port is chosen at connect(), against the full 4-tuple.
    ::setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = source_be;
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) return false;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = addr_be;
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 &&
      errno != EINPROGRESS) {
    return false;
  }
  return true;
}

void bench_connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool bench_connection::flush() {
  while (out_off_ < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN) return true;
      if (errno == EINTR) continue;
      return false;
    }
    out_off_ += static_cast<std::size_t>(n);
  }
  out_.clear();
  out_off_ = 0;
  return true;
}

bool bench_connection::read_some() {
  std::uint8_t buf[64 * 1024];
  // One read per call: the caller drains the framer, and level-triggered epoll calls
  // again while bytes remain, so the framer never holds more than one chunk.
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      framer_.feed(codec::byte_view(buf, static_cast<std::size_t>(n)));
      return true;
    }
    if (n == 0) return false;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    if (errno == EINTR) continue;
    return false;
  }
}

}  // namespace mqtt::bench
