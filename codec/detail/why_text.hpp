// why_text.hpp: builds a decode_error's `why` in one allocation. The decoder writes a why
// for every rejection, and rejections are most of what a fuzzer feeds it, so a why made of
// chained `std::string` + (one allocation per growth) was the decoders' largest own cost.
// Codec-internal.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mqtt::codec::detail {

// decimal is an unsigned number spelled in base 10 without allocating (std::to_string's
// text).
class decimal {
 public:
  explicit decimal(std::uint64_t v)
      : size_(static_cast<std::size_t>(std::to_chars(buf_, buf_ + sizeof buf_, v).ptr - buf_)) {}
  operator std::string_view() const { return {buf_, size_}; }

 private:
  char buf_[20];
  std::size_t size_;
};

// hex_digit is one upper-case hexadecimal digit of the low nibble of `v`.
inline std::string_view hex_digit(unsigned v) {
  static constexpr char digits[] = "0123456789ABCDEF";
  return {digits + (v & 0xF), 1};
}

// statement_id appends " [ID]" to a why, or nothing when `id` is empty (the spec has no
// statement for the rule).
struct statement_id {
  std::string_view id;
};

inline std::size_t why_part_size(std::string_view s) { return s.size(); }
inline std::size_t why_part_size(const statement_id& s) {
  return s.id.empty() ? 0 : s.id.size() + 3;
}
inline void append_why_part(std::string& out, std::string_view s) { out.append(s); }
inline void append_why_part(std::string& out, const statement_id& s) {
  if (s.id.empty()) return;
  out.append(" [").append(s.id).append("]");
}

// why_text concatenates its parts (text, `decimal`, `statement_id`) into one string,
// allocating once.
template <typename... Parts>
std::string why_text(const Parts&... parts) {
  std::string out;
  out.reserve((why_part_size(parts) + ...));
  (append_why_part(out, parts), ...);
  return out;
}

}  // namespace mqtt::codec::detail
