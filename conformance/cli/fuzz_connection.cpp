#include "conformance/cli/fuzz_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "codec/framer.hpp"
#include "codec/packet_codec.hpp"

namespace mqtt::cert::cli {

using namespace mqtt::codec;
using clock_type = std::chrono::steady_clock;

namespace {

// socket_handle closes with a reset (SO_LINGER 0): no TIME_WAIT per fuzz connection.
struct socket_handle {
  int fd = -1;
  ~socket_handle() {
    if (fd < 0) return;
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
  }
};

connect_outcome open_connection(socket_handle& h, const sockaddr_in& broker,
                                std::chrono::milliseconds timeout, std::string* error) {
  h.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (h.fd < 0) {
    if (error) *error = std::strerror(errno);
    return connect_outcome::failed;
  }
  int one = 1;
  ::setsockopt(h.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(h.fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  if (::connect(h.fd, reinterpret_cast<const sockaddr*>(&broker), sizeof broker) != 0 &&
      errno != EINPROGRESS) {
    if (error) *error = std::strerror(errno);
    return errno == ECONNREFUSED ? connect_outcome::refused : connect_outcome::failed;
  }
  pollfd p{h.fd, POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
    if (error) *error = "no answer to the TCP handshake";
    return connect_outcome::timed_out;
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(h.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    if (error) *error = std::strerror(err);
    return err == ECONNREFUSED ? connect_outcome::refused : connect_outcome::failed;
  }
  return connect_outcome::connected;
}

// send_all writes `bytes`, waiting while the socket is full; false once the peer is gone.
bool send_all(int fd, byte_view bytes, clock_type::time_point deadline) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      at += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      if (left.count() <= 0) return false;
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
  return true;
}

// reader collects the broker's bytes and decodes them as packets.
struct reader {
  int fd;
  framer frames;
  exchange_result& out;
  int pingresps = 0;
  bool closing_said = false;

  // read_until reads until `done()` holds, the peer closes, or `deadline`.
  template <class Done>
  void read_until(clock_type::time_point deadline, Done done) {
    std::uint8_t buf[8192];
    while (!out.observed.closed && !done()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      if (left.count() <= 0) return;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR && errno != EWOULDBLOCK)) {
        out.observed.closed = true;  // FIN or reset
        return;
      }
      if (n < 0) continue;
      // Acknowledge at once: a broker with Nagle on would otherwise hold its next small
      // packet (or its close) for our delayed ACK, about 40 ms a connection.
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      byte_view chunk(buf, static_cast<std::size_t>(n));
      out.received.insert(out.received.end(), chunk.begin(), chunk.end());
      if (!out.observed.broker_malformed.empty()) continue;
      frames.feed(chunk);
      for (;;) {
        auto r = frames.next();
        if (r.status == decode_status::need_more) break;
        if (r.status != decode_status::ok) {
          out.observed.broker_malformed = r.why;
          break;
        }
        const auto t = type_of(*r.value);
        if (t == packet_type::pingresp) ++pingresps;
        if (auto c = std::get_if<connack_packet>(&*r.value); c && c->reason != 0) closing_said = true;
        if (auto d = std::get_if<disconnect_packet>(&*r.value); d && static_cast<std::uint8_t>(d->reason) >= 0x80)
          closing_said = true;
        out.observed.packets.push_back(std::move(*r.value));
      }
    }
  }
};

}  // namespace

exchange_result run_exchange(const netfuzz::sequence& s, const sockaddr_in& broker,
                             const exchange_timing& timing) {
  exchange_result out;
  socket_handle h;
  out.connect = open_connection(h, broker, timing.connect, &out.connect_error);
  if (out.connect != connect_outcome::connected) return out;

  const auto stream = s.stream();
  // What the broker owes if it reads everything: from our own decode of the stream. An
  // unknown Topic Alias Maximum counts as the largest here; judge() applies the real one.
  const auto a = netfuzz::analyse_stream(stream, s.version, std::uint16_t{65535});
  const int owed_pingresps = a.answers[static_cast<int>(packet_type::pingresp)] +
                             (a.fault && !a.fault->strict ? 1 : 0);
  reader rd{h.fd, framer(a.version), out};
  auto start = clock_type::now();
  for (const auto& w : s.writes)
    if (!send_all(h.fd, w, start + timing.answer)) break;  // the broker closed: read what it said
  const auto wait = a.incomplete ? timing.incomplete : timing.answer;
  rd.read_until(start + wait, [&] {
    return rd.closing_said || (owed_pingresps > 0 && rd.pingresps >= owed_pingresps);
  });
  if (!out.observed.closed && !rd.closing_said && a.fault && a.fault->strict) {
    // A fault the broker must close on: give the close a moment to arrive.
    rd.read_until(clock_type::now() + timing.close_grace, [] { return false; });
  }
  if (!out.observed.closed && a.fault && a.fault->strict && !rd.closing_said) {
    // Still open after a fault it must close on: is it still serving? One more PINGREQ.
    const int before = rd.pingresps;
    const std::uint8_t ping[] = {0xC0, 0x00};
    if (send_all(h.fd, ping, clock_type::now() + timing.answer)) {
      rd.read_until(clock_type::now() + timing.answer, [&] { return rd.pingresps > before; });
      out.observed.answered_after_wait = !out.observed.closed && rd.pingresps > before;
    }
  }
  return out;
}

connect_outcome tcp_connect_check(const sockaddr_in& broker, std::chrono::milliseconds timeout) {
  socket_handle h;
  return open_connection(h, broker, timeout, nullptr);
}

probe_result health_probe(const sockaddr_in& broker, const std::string& client_id,
                          const std::string& topic, std::chrono::milliseconds timeout) {
  probe_result result;
  const auto start = clock_type::now();
  // took is how long the probe ran, failed or not; a failure says what it saw.
  auto failed = [&](std::string why) {
    result.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
    result.failure = std::move(why) + " (after " + std::to_string(result.took.count()) + " ms)";
    return result;
  };
  socket_handle h;
  std::string error;
  if (open_connection(h, broker, timeout, &error) != connect_outcome::connected)
    return failed("cannot connect: " + error);
  connect_packet c;
  c.version = protocol_version::v3_1_1;
  c.client_id = client_id;
  c.keep_alive = 60;
  subscribe_packet sub;
  sub.packet_id = 1;
  sub.subscriptions = {{topic, {qos::at_least_once}}};
  publish_packet pub;
  pub.qos_level = qos::at_least_once;
  pub.packet_id = 2;
  pub.topic = topic;
  pub.payload = {'p', 'r', 'o', 'b', 'e'};
  // One step at a time: the probe measures whether the broker serves a client, not how
  // it orders pipelined packets (the suite tests that, MQTT-3.2.0-1). The PUBLISH goes
  // after the SUBACK: a broker may apply a subscription asynchronously.
  exchange_result out;
  reader rd{h.fd, framer(protocol_version::v3_1_1), out};
  const auto deadline = start + timeout;
  auto has = [&](packet_type t) {
    for (const auto& p : out.observed.packets)
      if (type_of(p) == t) return true;
    return false;
  };
  byte_buffer bytes;
  encode_packet(c, protocol_version::v3_1_1, bytes);
  if (!send_all(h.fd, bytes, deadline)) return failed("the broker closed during CONNECT");
  rd.read_until(deadline, [&] { return has(packet_type::connack); });
  if (has(packet_type::connack)) {
    bytes.clear();
    encode_packet(sub, protocol_version::v3_1_1, bytes);
    send_all(h.fd, bytes, deadline);
    rd.read_until(deadline, [&] { return has(packet_type::suback); });
  }
  if (!out.observed.broker_malformed.empty())
    return failed("the broker sent bytes the codec rejects: " + out.observed.broker_malformed);
  if (!has(packet_type::connack) || !has(packet_type::suback))
    return failed(std::string(out.observed.closed ? "the broker closed" : "nothing more came") + " before " +
                  (has(packet_type::connack) ? "the SUBACK" : "the CONNACK"));
  bytes.clear();
  encode_packet(pub, protocol_version::v3_1_1, bytes);
  send_all(h.fd, bytes, deadline);
  auto got_message = [&] {
    for (const auto& p : out.observed.packets)
      if (auto m = std::get_if<publish_packet>(&p); m && m->topic == topic) return true;
    return false;
  };
  rd.read_until(deadline, [&] { return has(packet_type::puback) && got_message(); });
  if (!has(packet_type::puback) || !got_message())
    return failed(std::string(has(packet_type::puback) ? "" : "no PUBACK") +
                  (has(packet_type::puback) || got_message() ? "" : " and ") +
                  (got_message() ? "" : "its own QoS 1 message did not come back") +
                  (out.observed.closed ? " (closed)" : ""));
  byte_buffer disconnect;
  encode_packet(disconnect_packet{}, protocol_version::v3_1_1, disconnect);
  send_all(h.fd, disconnect, deadline);
  result.ok = true;
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  return result;
}

}  // namespace mqtt::cert::cli
