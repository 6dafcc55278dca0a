// byte_reader.hpp: a bounds-checked cursor over one packet's bytes. Codec-internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "codec/variable_byte_integer.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::codec::detail {

// byte_reader never reads past its span: every read returns false (and leaves the cursor
// where it was) when the bytes run out.
class byte_reader {
 public:
  explicit byte_reader(byte_view data) : data_(data) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  byte_view rest() const { return data_.subspan(pos_); }
  void skip(std::size_t n) { pos_ += n <= remaining() ? n : remaining(); }

  bool read_u8(std::uint8_t& v) {
    if (remaining() < 1) return false;
    v = data_[pos_++];
    return true;
  }
  bool read_u16(std::uint16_t& v) {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool read_u32(std::uint32_t& v) {
    if (remaining() < 4) return false;
    v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
        (std::uint32_t{data_[pos_ + 2]} << 8) | std::uint32_t{data_[pos_ + 3]};
    pos_ += 4;
    return true;
  }
  // read_vbi decodes a Variable Byte Integer; need_more here means truncated.
  vbi_result read_vbi() {
    vbi_result r = decode_vbi(rest());
    if (r.status == vbi_status::ok || r.status == vbi_status::non_minimal) pos_ += r.length;
    return r;
  }
  // read_binary reads a Two Byte length then that many bytes (Binary Data, 1.5.6).
  bool read_binary(byte_buffer& out) {
    byte_view v;
    if (!read_length_prefixed(v)) return false;
    out.assign(v.begin(), v.end());
    return true;
  }
  // read_string reads a Two Byte length then raw bytes; UTF-8 is checked by the caller.
  bool read_string(std::string& out) {
    byte_view v;
    if (!read_length_prefixed(v)) return false;
    out.assign(reinterpret_cast<const char*>(v.data()), v.size());
    return true;
  }
  bool read_bytes(std::size_t n, byte_view& out) {
    if (remaining() < n) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  bool read_length_prefixed(byte_view& out) {
    std::size_t saved = pos_;
    std::uint16_t len = 0;
    if (!read_u16(len) || !read_bytes(len, out)) {
      pos_ = saved;
      return false;
    }
    return true;
  }

  byte_view data_;
  std::size_t pos_ = 0;
};

}  // namespace mqtt::codec::detail
