// fault_header_rewriter.hpp: the reserved-flags-ignored-* faults of mqtt-refbroker-faulty
// (../fault_injection.hpp). It follows the fixed headers in the bytes a connection
// reads and overwrites the flag bits of one packet type with the required ones before the
// framer decodes them, as a broker that never looks at those bits would behave.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "reference-broker/core/fault_injection.hpp"

namespace mqtt::broker {

class fault_header_rewriter {
 public:
  // rewrite edits `chunk` (the next bytes of the stream) in place.
  void rewrite(std::span<std::uint8_t> chunk) {
    for (std::size_t i = 0; i < chunk.size();) {
      switch (at_) {
        case part::type:
          chunk[i] = masked(chunk[i]);
          at_ = part::length;
          remaining_ = 0;
          shift_ = 0;
          ++i;
          break;
        case part::length:
          remaining_ |= std::uint32_t{chunk[i] & 0x7Fu} << shift_;
          shift_ += 7;
          at_ = (chunk[i] & 0x80) && shift_ < 28 ? part::length
                : remaining_ > 0                 ? part::body
                                                 : part::type;
          ++i;
          break;
        case part::body: {
          const std::size_t n = std::min<std::size_t>(remaining_, chunk.size() - i);
          remaining_ -= static_cast<std::uint32_t>(n);
          i += n;
          if (remaining_ == 0) at_ = part::type;
          break;
        }
      }
    }
  }

 private:
  static std::uint8_t masked(std::uint8_t b) {
    const unsigned type = b >> 4;
    if ((type == 8 && fault("reserved-flags-ignored-subscribe")) ||
        (type == 10 && fault("reserved-flags-ignored-unsubscribe")) ||
        (type == 6 && fault("reserved-flags-ignored-pubrel"))) {
      return static_cast<std::uint8_t>((b & 0xF0) | 0x02);
    }
    if (type == 14 && fault("reserved-flags-ignored-disconnect")) return 0xE0;
    return b;
  }

  enum class part : std::uint8_t { type, length, body };
  part at_ = part::type;
  std::uint32_t remaining_ = 0;
  unsigned shift_ = 0;
};

}  // namespace mqtt::broker
