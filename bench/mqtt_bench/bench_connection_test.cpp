// bench_connection_test: connects from spread loopback source addresses.
#include "bench/mqtt_bench/bench_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>

namespace mqtt::bench {
namespace {

TEST(SpreadSourceAddress, GivesDistinctAddressesIn127_1Slash16) {
  std::set<std::uint32_t> seen;
  for (std::uint32_t i = 0; i < 65536; ++i) {
    const std::uint32_t a = ntohl(spread_source_address(i));
    EXPECT_EQ(a >> 16, (127u << 8) | 1u) << i;
    seen.insert(a);
  }
  EXPECT_EQ(seen.size(), 65536u);
  EXPECT_EQ(spread_source_address(65536), spread_source_address(0));
}

// The peer the listener sees is the source address given, so the kernel routed it over
// loopback as it would 127.0.0.1.
TEST(BenchConnection, ConnectsFromTheSourceAddressGiven) {
  const int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(l, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(l, 4), 0);
  socklen_t len = sizeof sa;
  ASSERT_EQ(::getsockname(l, reinterpret_cast<sockaddr*>(&sa), &len), 0);

  bench_connection c(codec::protocol_version::v3_1_1);
  const std::uint32_t source = spread_source_address(258);
  ASSERT_TRUE(c.open(sa.sin_addr.s_addr, ntohs(sa.sin_port), source));
  sockaddr_in peer{};
  len = sizeof peer;
  const int a = ::accept(l, reinterpret_cast<sockaddr*>(&peer), &len);
  ASSERT_GE(a, 0);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  EXPECT_STREQ(text, "127.1.1.2");
  ::close(a);
  ::close(l);
}

}  // namespace
}  // namespace mqtt::bench
