// nng_handles_test: the figures nng_handles.hpp takes from nng itself hold for the nng
// this broker is built against.
#include "reference-broker/net/nng_handles.hpp"

#include <gtest/gtest.h>

#include <array>

namespace mqtt::broker::net {
namespace {

// A gathered write fills nng_max_iovs iovs; nng must take that many, and the figure must
// not be below what nng takes (or every write would be split more than it needs).
TEST(NngHandles, AnAioTakesExactlyNngMaxIovs) {
  nng_aio* aio = nullptr;
  ASSERT_EQ(nng_aio_alloc(&aio, nullptr, nullptr), 0);
  std::array<std::uint8_t, 1> byte{};
  std::array<nng_iov, nng_max_iovs + 1> iov{};
  for (auto& v : iov) v = nng_iov{byte.data(), byte.size()};
  EXPECT_EQ(nng_aio_set_iov(aio, nng_max_iovs, iov.data()), 0);
  EXPECT_NE(nng_aio_set_iov(aio, nng_max_iovs + 1, iov.data()), 0);
  nng_aio_free(aio);
}

}  // namespace
}  // namespace mqtt::broker::net
