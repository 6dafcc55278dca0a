#include "conformance/cli/live_target.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <chrono>

#include "conformance/cli/fuzz_connection.hpp"
#include "conformance/cli/process_stats.hpp"

namespace mqtt::cert::cli {
namespace {

// resolve_ipv4 turns the URL's host into an IPv4 address ("localhost" included).
std::optional<sockaddr_in> resolve_ipv4(const broker_address& b, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(b.host.c_str(), nullptr, &hints, &found) != 0 || !found) {
    *error = "cannot resolve " + b.host + " to an IPv4 address";
    return std::nullopt;
  }
  sockaddr_in a = *reinterpret_cast<sockaddr_in*>(found->ai_addr);
  ::freeaddrinfo(found);
  a.sin_port = htons(b.port);
  return a;
}

}  // namespace

bool is_loopback(const in_addr& a) { return (ntohl(a.s_addr) >> 24) == 127; }

std::optional<live_target> open_live_target(const live_target_request& r, std::string* error) {
  if (r.url.empty() == r.launch.empty()) {
    *error = "give exactly one of --broker URL and --launch NAME";
    return std::nullopt;
  }
  live_target t;
  if (!r.launch.empty()) {
    t.running = start_broker(r.launch, "", 1, error);
    if (!t.running) return std::nullopt;
    if (t.running->launched) t.pid = t.running->launched->pid();
    t.kind = r.launch;
  }
  t.url = t.running ? t.running->url : r.url;
  auto address = broker_address::parse(t.url, error);
  if (!address) return std::nullopt;
  if (address->scheme != "tcp") {
    *error = "only tcp:// brokers can be targeted (got " + t.url + ")";
    return std::nullopt;
  }
  auto ip = resolve_ipv4(*address, error);
  if (!ip) return std::nullopt;
  if (!is_loopback(ip->sin_addr) && !r.allow_remote) {
    *error = address->host + " is not a loopback address: " + r.why_loopback +
             "; add --allow-remote if this broker is yours to break";
    return std::nullopt;
  }
  t.address = *ip;
  if (r.pid) t.pid = *r.pid;
  if (t.pid && !sample_process(*t.pid, 0)) {
    *error = "no process " + std::to_string(*t.pid) + " to watch";
    return std::nullopt;
  }
  if (tcp_connect_check(t.address, std::chrono::milliseconds(3000)) != connect_outcome::connected) {
    *error = "broker " + t.url + " is unreachable";
    return std::nullopt;
  }
  t.text = r.launch.empty() ? t.url : r.launch + " (" + t.url + ")";
  return t;
}

}  // namespace mqtt::cert::cli
