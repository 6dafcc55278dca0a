// fuzz_check.hpp: how the fuzz targets report a broken invariant. abort() rather than a
// bare trap, so libFuzzer and fuzz_replay both show which check failed and on what bytes.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/hex.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::fuzz {

// fuzz_fail prints "fuzz check failed: <what>" and each labelled hex form, then aborts.
[[noreturn]] inline void fuzz_fail(std::string_view what, std::string_view label_a = {},
                                   codec::byte_view a = {}, std::string_view label_b = {},
                                   codec::byte_view b = {}) {
  std::fprintf(stderr, "fuzz check failed: %.*s\n", static_cast<int>(what.size()), what.data());
  if (!label_a.empty()) {
    std::fprintf(stderr, "  %.*s: %s\n", static_cast<int>(label_a.size()), label_a.data(),
                 codec::to_hex(a, " ").c_str());
  }
  if (!label_b.empty()) {
    std::fprintf(stderr, "  %.*s: %s\n", static_cast<int>(label_b.size()), label_b.data(),
                 codec::to_hex(b, " ").c_str());
  }
  std::abort();
}

// fuzz_check aborts with `what` and the input's hex when `ok` is false.
inline void fuzz_check(bool ok, std::string_view what, codec::byte_view input) {
  if (!ok) fuzz_fail(what, "input", input);
}

inline codec::byte_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace mqtt::fuzz
