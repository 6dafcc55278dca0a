#include "codec/framer.hpp"

namespace mqtt::codec {

framer::framer(protocol_version v, decode_limits limits) : version_(v), limits_(limits) {}

void framer::feed(byte_view chunk) {
  if (failed_ || chunk.empty()) return;
  if (start_ == buffer_.size()) {
    // Everything fed so far was returned: start over instead of growing.
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 0 && start_ >= buffer_.size() / 2) {
    // The unread tail is small next to what was read: move it to the front.
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
}

decode_result framer::next() {
  decode_result r;
  if (failed_) {
    r.status = decode_status::protocol_error;
    r.code = failure_code_;
    r.why = "framer: already failed";
    return r;
  }
  byte_view pending(buffer_.data() + start_, buffer_.size() - start_);
  fixed_header_result fh = decode_fixed_header(pending, version_, limits_);
  if (fh.error.status == decode_status::ok && pending.size() >= fh.header.packet_size()) {
    r = decode_packet(pending.first(fh.header.packet_size()), version_, limits_);
  } else {
    r.status = fh.error.status;
    r.code = fh.error.code;
    r.why = std::move(fh.error.why);
    if (r.status == decode_status::ok) r.status = decode_status::need_more;
  }
  switch (r.status) {
    case decode_status::ok:
      start_ += r.consumed;
      // CONNECT names the version every later packet on this connection uses.
      if (const auto* c = std::get_if<connect_packet>(&*r.value)) version_ = c->version;
      break;
    case decode_status::need_more:
      break;
    case decode_status::malformed:
    case decode_status::protocol_error:
      // A connection that sent a bad packet is closed; keep nothing of it.
      failed_ = true;
      failure_code_ = r.code;
      buffer_.clear();
      buffer_.shrink_to_fit();
      start_ = 0;
      break;
  }
  return r;
}

}  // namespace mqtt::codec
