// connection_pool.cpp: non-blocking sockets on one epoll; see connection_pool.hpp.
#include "stress/connection_pool.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace mqtt::cert::stress {

std::string_view pool_state_name(pool_state s) {
  switch (s) {
    case pool_state::waiting: return "waiting";
    case pool_state::connecting: return "connecting";
    case pool_state::open: return "open";
    case pool_state::connected: return "connected";
    case pool_state::refused: return "refused";
    case pool_state::closed: return "closed";
    case pool_state::failed: return "failed";
  }
  return "?";
}

connection_pool::connection_pool(const sockaddr_in& broker, pool_events events, std::size_t max_connecting)
    : broker_(broker), events_(std::move(events)), max_connecting_(max_connecting),
      epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {}

connection_pool::~connection_pool() {
  close_all();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

std::size_t connection_pool::add(pool_connection_options o) {
  pool_connection c;
  c.framer = codec::framer(o.version);
  c.keep_alive = o.keep_alive;
  c.options = std::move(o);
  conns_.push_back(std::move(c));
  want_write_.push_back(false);
  return conns_.size() - 1;
}

std::size_t connection_pool::count(pool_state s) const {
  std::size_t n = 0;
  for (const auto& c : conns_) n += c.state == s ? 1 : 0;
  return n;
}

std::size_t connection_pool::in_progress() const { return (conns_.size() - next_waiting_) + connecting_; }

void connection_pool::stop_reading(std::size_t i) {
  if (conns_[i].fd >= 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conns_[i].fd, nullptr);
}

bool connection_pool::peer_gone(std::size_t i) const {
  if (conns_[i].fd < 0) return false;
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(conns_[i].fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return false;
  return info.tcpi_state != TCP_ESTABLISHED;  // CLOSE_WAIT after a FIN, CLOSE after a reset
}

void connection_pool::close_all() {
  for (auto& c : conns_) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
  }
}

// start makes connection i's socket and begins a non-blocking connect.
void connection_pool::start(std::size_t i) {
  auto& c = conns_[i];
  c.opened_at = pool_clock::now();
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) return end(i, pool_state::failed, std::string("socket: ") + std::strerror(errno));
  if (c.options.receive_buffer > 0)
    ::setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &c.options.receive_buffer, sizeof c.options.receive_buffer);
  const int one = 1;
  ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  epoll_event ev{};
  ev.events = EPOLLOUT;  // writable = the connect finished (or failed: SO_ERROR says)
  ev.data.u64 = i;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev) != 0)
    return end(i, pool_state::failed, std::string("epoll_ctl: ") + std::strerror(errno));
  want_write_[i] = true;
  c.state = pool_state::connecting;
  ++connecting_;
  const int rc = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&broker_), sizeof broker_);
  if (rc != 0 && errno != EINPROGRESS) end(i, pool_state::failed, std::string("connect: ") + std::strerror(errno));
}

void connection_pool::start_waiting() {
  while (next_waiting_ < conns_.size() && connecting_ < max_connecting_) start(next_waiting_++);
}

void connection_pool::poll(std::chrono::milliseconds wait) {
  start_waiting();
  std::array<epoll_event, 512> events{};
  const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                             static_cast<int>(wait.count()));
  for (int k = 0; k < n; ++k) on_event(events[k].data.u64, events[k].events);
  const auto now = pool_clock::now();
  if (now - last_ping_scan_ > std::chrono::seconds(1)) ping_quiet(now);
  start_waiting();
}

void connection_pool::on_event(std::size_t i, std::uint32_t events) {
  auto& c = conns_[i];
  if (c.fd < 0) return;
  if (c.state == pool_state::connecting) return on_connected_tcp(i);
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_from(i);
  if (c.fd >= 0 && (events & EPOLLOUT)) flush(i);
}

// on_connected_tcp: the connect finished; send the CONNECT (unless half-open) and read.
void connection_pool::on_connected_tcp(std::size_t i) {
  auto& c = conns_[i];
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return end(i, pool_state::failed, std::string("connect: ") + std::strerror(err));
  c.state = pool_state::open;
  watch_writable(i, false);
  if (!c.options.send_connect) {
    --connecting_;  // a half-open connection is as far along as it will get
    return;
  }
  codec::connect_packet p;
  p.version = c.options.version;
  p.client_id = c.options.client_id;
  p.keep_alive = c.options.keep_alive;
  send(i, p);
}

void connection_pool::read_from(std::size_t i) {
  auto& c = conns_[i];
  std::array<std::uint8_t, 16384> buf{};
  for (int rounds = 0; rounds < 8 && c.fd >= 0; ++rounds) {  // bounded: others get a turn
    const ssize_t n = ::recv(c.fd, buf.data(), buf.size(), 0);
    if (n == 0) return end(i, pool_state::closed, "closed by the broker");
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      return end(i, pool_state::closed, std::string("recv: ") + std::strerror(errno));
    }
    c.framer.feed(codec::byte_view(buf.data(), static_cast<std::size_t>(n)));
    for (;;) {
      auto r = c.framer.next();
      if (r.status == codec::decode_status::need_more) break;
      if (r.status != codec::decode_status::ok || !r.value)
        return end(i, pool_state::closed, "the broker sent bytes the codec rejects: " + r.why);
      handle(i, *r.value);
      if (c.fd < 0) return;
    }
    if (static_cast<std::size_t>(n) < buf.size()) return;
  }
}

void connection_pool::handle(std::size_t i, codec::packet& p) {
  auto& c = conns_[i];
  if (auto* a = std::get_if<codec::connack_packet>(&p)) return on_connack(i, *a);
  if (auto* pub = std::get_if<codec::publish_packet>(&p)) {
    ++c.received;
    if (pub->qos_level == codec::qos::at_least_once) {
      codec::puback_packet ack;
      ack.packet_id = pub->packet_id;
      send(i, ack);
    }
    if (events_.on_publish) events_.on_publish(i, *pub);
    return;
  }
  if (auto* ack = std::get_if<codec::puback_packet>(&p)) {
    for (auto it = c.unacked.begin(); it != c.unacked.end(); ++it) {
      if (*it != ack->packet_id) continue;
      c.unacked.erase(it);
      ++c.acked;
      if (static_cast<std::uint8_t>(ack->reason) >= 0x80) ++c.ack_errors;
      if (events_.on_puback) events_.on_puback(i, ack->packet_id, static_cast<std::uint8_t>(ack->reason));
      break;
    }
    return;
  }
  if (std::holds_alternative<codec::suback_packet>(p)) c.subscribed = true;
  if (auto* d = std::get_if<codec::disconnect_packet>(&p)) c.disconnect_reason = static_cast<std::uint8_t>(d->reason);
}

void connection_pool::on_connack(std::size_t i, const codec::connack_packet& a) {
  auto& c = conns_[i];
  if (c.state != pool_state::open) return;
  c.connack_reason = a.reason;
  if (a.reason != 0) return end(i, pool_state::refused, "CONNACK reason " + std::to_string(a.reason));
  --connecting_;
  c.state = pool_state::connected;
  c.connected_at = pool_clock::now();
  if (a.props.receive_maximum) c.receive_maximum = *a.props.receive_maximum;
  if (a.props.server_keep_alive) c.keep_alive = *a.props.server_keep_alive;
  if (!c.options.subscribe.empty()) {
    codec::subscribe_packet s;
    s.packet_id = c.next_id++;
    s.subscriptions = c.options.subscribe;
    send(i, s);
  }
}

std::optional<std::uint16_t> connection_pool::publish(std::size_t i, const std::string& topic, codec::qos q,
                                                      codec::byte_view payload, std::size_t window,
                                                      std::size_t max_queued_out) {
  auto& c = conns_[i];
  if (c.state != pool_state::connected || c.out.size() > max_queued_out) return std::nullopt;
  codec::publish_view v;
  v.qos_level = q;
  v.topic = topic;
  v.payload = payload;
  if (q != codec::qos::at_most_once) {
    // 4.9: the Client MUST NOT send more QoS 1/2 PUBLISH than the Receive Maximum unacked.
    if (c.unacked.size() >= std::min<std::size_t>(window, c.receive_maximum)) return std::nullopt;
    if (c.next_id == 0) c.next_id = 1;
    v.packet_id = c.next_id++;
    c.unacked.push_back(v.packet_id);
    ++c.sent_qos1;
  } else {
    ++c.sent_qos0;
  }
  codec::encode_publish(v, c.options.version, c.out);
  flush(i);
  return v.packet_id;
}

void connection_pool::send(std::size_t i, const codec::packet& p) {
  codec::encode_packet(p, conns_[i].options.version, conns_[i].out);
  flush(i);
}

void connection_pool::flush(std::size_t i) {
  auto& c = conns_[i];
  std::size_t done = 0;
  while (done < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + done, c.out.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      return end(i, pool_state::closed, std::string("send: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  if (done > 0) c.last_sent = pool_clock::now();
  c.out.erase(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(done));
  watch_writable(i, !c.out.empty());
}

void connection_pool::watch_writable(std::size_t i, bool on) {
  auto& c = conns_[i];
  if (c.fd < 0 || want_write_[i] == on) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
  ev.data.u64 = i;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
  want_write_[i] = on;
}

void connection_pool::end(std::size_t i, pool_state s, std::string why) {
  auto& c = conns_[i];
  const bool was_in_flight = c.state == pool_state::connecting || (c.state == pool_state::open && c.options.send_connect);
  if (was_in_flight) --connecting_;
  if (c.fd >= 0) ::close(c.fd);  // close also takes it out of the epoll set
  c.fd = -1;
  c.state = s;
  c.ended_at = pool_clock::now();
  c.error = std::move(why);
}

// ping_quiet sends PINGREQ on a connection that has sent nothing for half its Keep Alive,
// so a broker does not close it for silence (3.1.2.10) while it is held idle on purpose.
void connection_pool::ping_quiet(pool_clock::time_point now) {
  last_ping_scan_ = now;
  for (std::size_t i = 0; i < conns_.size(); ++i) {
    auto& c = conns_[i];
    if (c.state != pool_state::connected || c.keep_alive == 0) continue;
    if (now - c.last_sent > std::chrono::seconds(c.keep_alive) / 2) send(i, codec::pingreq_packet{});
  }
}

}  // namespace mqtt::cert::stress
