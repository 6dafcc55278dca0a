// tls_stall_scenario.cpp: tls-handshake-stall — many connections open TCP to the broker's
// TLS listener and stall: half send nothing, half send the first 25 bytes of a ClientHello
// that announces 512. Clients of the plain listener and a client that completes its TLS
// handshake must be served meanwhile, and the stalled connections should be closed.
//
// 5.0, 3.1.4 (3.1.1 has the same words): "If the Server does not receive a CONNECT packet
// within a reasonable amount of time after the Network Connection is established, the
// Server SHOULD close the Network Connection." A SHOULD: stalls left open are degraded.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "conformance/harness/broker_target.hpp"
#include "stress/fault_clients.hpp"
#include "stress/fault_scenarios.hpp"

namespace mqtt::cert::stress {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// cert_dir is a temporary directory holding server.crt and server.key (a throwaway
// self-signed P-256 certificate for 127.0.0.1), removed when it goes.
struct cert_dir {
  std::string path;
  std::string error;
  cert_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mqttcert-stall-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      error = "cannot make a temporary directory";
      return;
    }
    path = tmpl;
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=mqttcert-stall -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" +
        path + "/server.key' -out '" + path + "/server.crt' >'" + path + "/openssl.log' 2>&1";
    if (std::system(cmd.c_str()) != 0) error = "openssl could not make a certificate (is it installed?)";
    // Mosquitto started as root drops to its own user before reading them: let it. The key
    // is a throwaway for this run only.
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec, ec);
    for (const char* f : {"/server.crt", "/server.key"})
      fs::permissions(path + f, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                    fs::perms::others_read, ec);
  }
  ~cert_dir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

// stalled is one connection to the TLS port that never completes its handshake.
struct stalled {
  int fd = -1;
  bool closed = false;
  std::chrono::milliseconds closed_at{0};  // since the stalls were opened
};

int open_stall(std::uint16_t port, bool half_hello) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  // A TLS record header (handshake, length 512), then the start of a ClientHello.
  static const unsigned char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x6d, 0x71,
                                        0x74, 0x74, 0x63, 0x65, 0x72, 0x74, 0x73, 0x74, 0x61, 0x6c, 0x6c, 0x21};
  if (half_hello) (void)::send(fd, hello, sizeof hello, MSG_NOSIGNAL);
  return fd;
}

// watch_closes polls the stalled connections until the broker closed all of them or
// `until`, noting when each closed.
void watch_closes(std::vector<stalled>& s, clock_type::time_point opened, clock_type::time_point until) {
  while (clock_type::now() < until) {
    std::vector<pollfd> fds;
    std::vector<stalled*> of;
    for (auto& x : s)
      if (!x.closed) fds.push_back({x.fd, POLLIN, 0}), of.push_back(&x);
    if (fds.empty()) return;
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      char buf[512];
      const auto n = ::recv(fds[i].fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) continue;  // an alert or a ServerHello: not closed yet
      of[i]->closed = true;
      of[i]->closed_at = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - opened);
    }
  }
}

// tls_login completes a TLS handshake and an MQTT CONNECT on the TLS listener.
login_attempt tls_login(const broker_address& tls, const std::string& client_id) {
  login_attempt a;
  const auto start = clock_type::now();
  raw_client cl(client_id);
  if (cl.connect(tls, 5000ms)) {
    codec::connect_packet p;
    p.client_id = client_id;
    cl.send_packet(p);
    const auto got = cl.expect_packet(5000ms);
    const auto* ack = got.as<codec::connack_packet>();
    a.let_in = ack && ack->reason == 0;
    a.what = got.describe();
  } else {
    a.what = "TLS connect failed: " + cl.connect_error();
  }
  a.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  return a;
}

// check_others judges the plain listener (a held client and a fresh one) and a full TLS
// client while the stalls are there.
void check_others(const context& own, const broker_address& tls, held_client& held, scenario_report& rep,
                  const std::string& when) {
  std::string why;
  const bool held_ok = held.round_trip(3000ms, &why);
  const auto fresh = try_login(own, own.run_id + "-plain-" + when, "plain", 5000ms);
  const auto full = tls_login(tls, own.run_id + "-tls-" + when);
  rep.saw(when + ": plain tcp held client " + (held_ok ? "served" : "NOT served (" + why + ")") +
          ", new plain client " + (fresh.let_in ? "in" : "refused") + " in " + ms_text(fresh.took) +
          ", full TLS client " + (full.let_in ? "in" : "refused (" + full.what + ")") + " in " + ms_text(full.took));
  if (!held_ok || !fresh.let_in) rep.fail("the plain tcp listener stopped serving while TLS handshakes stalled (" + when + ")");
  if (!full.let_in) rep.degrade("a client that completes its TLS handshake was not served while others stalled (" + when + ")");
}

// report_closes records when the broker closed the stalls. "A reasonable amount of time"
// has no number: only the full run, which waits 30 s (longer than common CONNECT
// timeouts, 10 s in the refbroker), calls stalls still open then degraded.
void report_closes(const std::vector<stalled>& s, scenario_report& rep, std::chrono::milliseconds waited,
                   bool judged) {
  std::vector<long> at;
  for (const auto& x : s)
    if (x.closed) at.push_back(x.closed_at.count());
  std::sort(at.begin(), at.end());
  std::string line = std::to_string(at.size()) + " of " + std::to_string(s.size()) +
                     " stalled connections closed by the broker within " + ms_text(waited);
  if (!at.empty())
    line += " (first at " + std::to_string(at.front()) + " ms, median " + std::to_string(at[at.size() / 2]) +
            " ms, last " + std::to_string(at.back()) + " ms)";
  rep.saw(line);
  if (at.size() < s.size() && !judged)
    rep.saw("not judged in --quick: " + std::to_string(s.size() - at.size()) + " still open; the full run waits "
            "30 s before calling that degraded");
  else if (at.size() < s.size())
    rep.degrade(std::to_string(s.size() - at.size()) + " connections that never finished their TLS handshake were "
                "still open after " + ms_text(waited) + " (the Server SHOULD close them, 3.1.4)");
}

}  // namespace

scenario_report tls_handshake_stall(context& c) {
  scenario_report rep;
  rep.on_own_broker = true;
  if (c.broker_kind == "nanomq") {
    rep.skip("a TLS listener for a launched NanoMQ is not set up by mqttcert");
    return rep;
  }
  cert_dir certs;
  if (!certs.error.empty()) {
    rep.skip(certs.error);
    return rep;
  }
  broker_address tls;
  tls.scheme = "tls";
  tls.port = pick_free_port();
  const std::string crt = certs.path + "/server.crt", key = certs.path + "/server.key";
  own_broker_request r;
  // The refbroker's CONNECT timeout is lowered so the run is short; it is what is tested.
  r.refbroker_flags = {"--listen", "tls+tcp://127.0.0.1:" + std::to_string(tls.port), "--tls-cert", crt,
                       "--tls-key", key, "--connect-timeout-ms", "2000"};
  r.mosquitto_config = {"listener " + std::to_string(tls.port) + " 127.0.0.1", "certfile " + crt, "keyfile " + key};
  std::string error;
  auto broker = c.launch_own(r, &error);
  if (!broker) {
    rep.skip("cannot start a broker of its own with a TLS listener: " + error);
    return rep;
  }
  if (!wait_until_accepting(tls, 5s, broker->pid())) {
    rep.skip("the broker's TLS listener " + tls.url() + " does not accept");
    return rep;
  }
  const context own = with_client_address(c, broker->address());
  held_client held;
  if (!held.hold(own, own.run_id + "-held", "plain", &error)) {
    rep.degrade("could not connect a plain client before the stalls: " + error);
    return rep;
  }
  const int count = c.quick ? 50 : 200;
  std::vector<stalled> stalls;
  const auto opened = clock_type::now();
  for (int i = 0; i < count; ++i)
    if (const int fd = open_stall(tls.port, i % 2 == 1); fd >= 0) stalls.push_back({fd});
  if (c.broker_kind == "refbroker") rep.saw("own refbroker started with --connect-timeout-ms 2000 (default 10000)");
  rep.saw(std::to_string(stalls.size()) + " of " + std::to_string(count) + " connections opened to " + tls.url() +
          " and stalled (half sent nothing, half 25 bytes of a ClientHello announcing 512)");
  std::this_thread::sleep_for(300ms);
  check_others(own, tls, held, rep, "while stalled");
  const auto waited = c.quick ? 8000ms : 30000ms;
  c.progress("waiting for the broker to close the stalled connections");
  watch_closes(stalls, opened, opened + waited);
  report_closes(stalls, rep, waited, !c.quick);
  for (auto& s : stalls) ::close(s.fd);
  check_others(own, tls, held, rep, "after");
  if (!broker->running()) rep.fail("the broker died: " + broker->exit_description());
  return rep;
}

}  // namespace mqtt::cert::stress
