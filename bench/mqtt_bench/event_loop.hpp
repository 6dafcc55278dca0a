// event_loop.hpp: a thin epoll wrapper shared by every mode (conn directly, pub-sub and
// queue through client_loop).
#pragma once

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <stdexcept>

#include "bench/mqtt_bench/bench_connection.hpp"

namespace mqtt::bench {

// event_loop registers connections level-triggered for reading, and for writing only
// while they have bytes queued (watch_write). wait() takes a nanosecond timeout.
class event_loop {
 public:
  static constexpr int max_events = 256;

  event_loop() : fd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("epoll_create1 failed");
  }
  ~event_loop() { ::close(fd_); }
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  // add registers a just-opened connection for reading and writing (connect completion).
  void add(bench_connection& c, void* tag) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = tag;
    c.want_write = true;
    epoll_ctl(fd_, EPOLL_CTL_ADD, c.fd(), &ev);
  }
  // watch_write turns EPOLLOUT on or off, only when that changes.
  void watch_write(bench_connection& c, void* tag, bool on) {
    if (c.want_write == on || c.fd() < 0) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.ptr = tag;
    c.want_write = on;
    epoll_ctl(fd_, EPOLL_CTL_MOD, c.fd(), &ev);
  }
  void remove(bench_connection& c) {
    if (c.fd() >= 0) epoll_ctl(fd_, EPOLL_CTL_DEL, c.fd(), nullptr);
  }
  // wait returns the number of ready events in events(); timeout_ns < 0 blocks.
  int wait(std::int64_t timeout_ns) {
    timespec ts{};
    timespec* tp = nullptr;
    if (timeout_ns >= 0) {
      ts.tv_sec = timeout_ns / 1'000'000'000;
      ts.tv_nsec = timeout_ns % 1'000'000'000;
      tp = &ts;
    }
    const int n = epoll_pwait2(fd_, events_, max_events, tp, nullptr);
    return n < 0 ? 0 : n;
  }
  const epoll_event& event(int i) const { return events_[i]; }

 private:
  int fd_;
  epoll_event events_[max_events];
};

}  // namespace mqtt::bench
