#include "conformance/harness/raw_client.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <stdexcept>

#include "codec/hex.hpp"
#include "codec/packet_codec.hpp"
#include "conformance/harness/test_context.hpp"
#include "conformance/harness/wire_format.hpp"

namespace mqtt::cert {

namespace {
std::chrono::milliseconds since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t);
}
}  // namespace

std::string received::describe() const {
  switch (status) {
    case recv_status::packet: {
      std::string name = packet_label(bytes);
      return "S→C " + name + " " + format_wire_hex(bytes, version) +
             (packet ? reason_note(*packet, version) : std::string());
    }
    case recv_status::timeout:
      return "nothing within " + std::to_string(waited.count()) + " ms" +
             (bytes.empty() ? std::string()
                            : " (partial bytes: " + codec::to_hex(bytes, " ") + ")");
    case recv_status::closed:
      return "connection closed by broker" + (why.empty() ? std::string() : " (" + why + ")");
    case recv_status::malformed:
      return "S→C malformed packet (" + why + "): " + format_wire_hex(bytes, version);
  }
  return "?";
}

namespace {

// is_legacy_connack_refusal: a 3.1.1-format refusal (20 02 00 rc, rc != 0), which a
// server may send to a CONNECT whose protocol version or name it does not speak: it
// cannot know that version's CONNACK format, and 3.1.1's is the one every client reads.
bool is_legacy_connack_refusal(const codec::byte_buffer& bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x20 && bytes[1] == 0x02 && bytes[3] != 0;
}

}  // namespace

bool close_observation::only_errors_before() const {
  for (const auto& r : before) {
    if (const auto* d = r.as<codec::disconnect_packet>()) {
      if (static_cast<std::uint8_t>(d->reason) < 0x80) return false;
    } else if (const auto* c = r.as<codec::connack_packet>()) {
      if (codec::is_v5(r.version) ? c->reason < 0x80 : c->reason == 0) return false;
    } else if (r.status == recv_status::malformed && is_legacy_connack_refusal(r.bytes)) {
      continue;
    } else if (r.status == recv_status::malformed && !r.bytes.empty() && r.bytes[0] == 0xE0) {
      // A DISCONNECT the client's version cannot decode (a 5.0-style DISCONNECT with a
      // reason code sent to a 3.1.1 client) still announces the close this checks; the
      // malformed packet itself is reported once, under the server's packet format.
      continue;
    } else {
      return false;
    }
  }
  return true;
}

std::optional<std::uint8_t> close_observation::first_reason() const {
  for (const auto& r : before) {
    if (const auto* d = r.as<codec::disconnect_packet>()) return static_cast<std::uint8_t>(d->reason);
    if (const auto* c = r.as<codec::connack_packet>()) return c->reason;
  }
  return std::nullopt;
}

std::string close_observation::describe() const {
  std::string out;
  for (const auto& r : before) {
    if (!out.empty()) out += ", then ";
    out += r.describe();
  }
  if (!out.empty()) out += ", then ";
  out += closed ? "close" : "connection still open after " + std::to_string(waited.count()) + " ms";
  return out;
}

raw_client::raw_client(std::string label, codec::protocol_version v)
    : label_(std::move(label)), version_(v), framer_(v),
      log_(std::make_shared<transcript>(label_)) {
  log_->set_version(v);
  test_context::current().attach(log_);
}

raw_client::~raw_client() { close(); }

bool raw_client::connect(const std::string& host, std::uint16_t port,
                         std::chrono::milliseconds timeout) {
  broker_address a;
  a.host = host;
  a.port = port;
  return connect(a, timeout);
}

bool raw_client::connect(const broker_address& address, std::chrono::milliseconds timeout) {
  connect_error_.clear();
  stream_ = open_stream(address, timeout, &connect_error_);
  if (!stream_) {
    log_->record_note("cannot connect to " + address.url() + ": " + connect_error_);
    return false;
  }
  peer_closed_ = false;
  set_aside_.clear();  // packets of an earlier connection
  log_->record_note("connected to " + address.url());
  return true;
}

void raw_client::set_version(codec::protocol_version v) {
  version_ = v;
  framer_.set_version(v);
  log_->set_version(v);
}

bool raw_client::send_bytes(codec::byte_view bytes) {
  log_->record_sent(bytes);
  if (!stream_) return false;
  auto r = stream_->send(bytes);
  if (r.status != stream_status::ok) {
    log_->record_note("send failed: " + r.why);
    return false;
  }
  return true;
}

websocket_stream* raw_client::websocket() {
  return dynamic_cast<websocket_stream*>(stream_.get());
}

namespace {

std::vector<codec::byte_view> views_of(const std::vector<codec::byte_buffer>& parts) {
  return {parts.begin(), parts.end()};
}

std::string sizes_of(const std::vector<codec::byte_buffer>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " + ") + std::to_string(p.size());
  return out;
}

}  // namespace

bool raw_client::send_websocket_text(codec::byte_view bytes) {
  log_->record_note("next bytes go in one WebSocket TEXT frame");
  log_->record_sent(bytes);
  auto* ws = websocket();
  if (ws == nullptr) {
    log_->record_note("not a WebSocket connection");
    return false;
  }
  auto r = ws->send_text(bytes);
  if (r.status != stream_status::ok) log_->record_note("send failed: " + r.why);
  return r.status == stream_status::ok;
}

bool raw_client::send_websocket_messages(const std::vector<codec::byte_buffer>& parts) {
  log_->record_note("next bytes go in " + std::to_string(parts.size()) +
                    " binary WebSocket messages of " + sizes_of(parts) + " bytes");
  for (const auto& p : parts) log_->record_sent(p);
  auto* ws = websocket();
  if (ws == nullptr) {
    log_->record_note("not a WebSocket connection");
    return false;
  }
  auto r = ws->send_messages(views_of(parts));
  if (r.status != stream_status::ok) log_->record_note("send failed: " + r.why);
  return r.status == stream_status::ok;
}

bool raw_client::send_websocket_fragmented(const std::vector<codec::byte_buffer>& parts) {
  log_->record_note("next bytes go in one binary WebSocket message fragmented into " +
                    std::to_string(parts.size()) + " frames of " + sizes_of(parts) + " bytes");
  for (const auto& p : parts) log_->record_sent(p);
  auto* ws = websocket();
  if (ws == nullptr) {
    log_->record_note("not a WebSocket connection");
    return false;
  }
  auto r = ws->send_fragmented(views_of(parts));
  if (r.status != stream_status::ok) log_->record_note("send failed: " + r.why);
  return r.status == stream_status::ok;
}

bool raw_client::send_hex(std::string_view hex) {
  auto bytes = codec::from_hex(hex);
  if (!bytes) throw std::invalid_argument("send_hex: bad hex text: " + std::string(hex));
  return send_bytes(*bytes);
}

bool raw_client::send_packet(const codec::packet& p) {
  if (const auto* c = std::get_if<codec::connect_packet>(&p)) set_version(c->version);
  auto bytes = codec::encode_packet(p, version_);
  return send_bytes(bytes);
}

// take_buffered returns the next packet already in the framer, or a timeout result.
received raw_client::take_buffered() {
  received out;
  out.version = version_;
  auto r = framer_.next();
  if (r.status == codec::decode_status::ok) {
    out.status = recv_status::packet;
    out.packet = std::move(r.value);
    out.bytes.assign(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    log_->record_received(out.bytes);
    return out;
  }
  if (r.status != codec::decode_status::need_more) {
    out.status = recv_status::malformed;
    out.why = r.why;
    out.bytes = pending_;
    log_->record_received(pending_);
    log_->record_note("codec rejects the bytes above: " + r.why);
    if (!is_legacy_connack_refusal(pending_))
      test_context::current().note_malformed_server_packet(r.why + "\t" +
                                                           format_wire_hex(pending_, version_));
    pending_.clear();
    return out;
  }
  out.status = recv_status::timeout;
  out.bytes = pending_;
  return out;
}

received raw_client::expect_packet(std::chrono::milliseconds timeout) {
  if (!set_aside_.empty()) {
    received r = std::move(set_aside_.front());
    set_aside_.pop_front();
    r.waited = std::chrono::milliseconds(0);
    return r;
  }
  return next_packet(timeout);
}

received raw_client::expect_ack(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::deque<received> passed_over;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    received r = expect_packet(std::max(left, std::chrono::milliseconds(0)));
    if (r.as<codec::publish_packet>()) {
      log_->record_note("set aside until the acknowledgement arrives: " + packet_label(r.bytes));
      passed_over.push_back(std::move(r));
      continue;
    }
    // What was passed over is read next, before anything that arrives later.
    set_aside_.insert(set_aside_.begin(), std::make_move_iterator(passed_over.begin()),
                      std::make_move_iterator(passed_over.end()));
    return r;
  }
}

// next_packet waits for the next packet from the stream, past what was set aside.
received raw_client::next_packet(std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  for (;;) {
    if (!framer_.failed()) {
      received r = take_buffered();
      if (r.status != recv_status::timeout) {
        r.waited = since(start);
        return r;
      }
    }
    if (!stream_ || peer_closed_) {
      received r;
      r.version = version_;
      r.status = recv_status::closed;
      r.why = stream_ ? closed_why_ : "not connected";
      r.bytes = pending_;
      r.waited = since(start);
      return r;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      received r;
      r.version = version_;
      r.status = recv_status::timeout;
      r.bytes = pending_;
      r.waited = since(start);
      log_->record_note("waited " + std::to_string(r.waited.count()) + " ms: no packet");
      return r;
    }
    std::array<std::uint8_t, 4096> buf{};
    auto got = stream_->recv(buf, left);
    if (got.status == stream_status::ok) {
      codec::byte_view chunk(buf.data(), got.bytes);
      if (framer_.failed()) {
        // Past a malformed packet nothing can be framed; keep the bytes for the record.
        log_->record_received(chunk);
        continue;
      }
      pending_.insert(pending_.end(), chunk.begin(), chunk.end());
      framer_.feed(chunk);
    } else if (got.status == stream_status::closed || got.status == stream_status::error) {
      peer_closed_ = true;
      closed_why_ = got.why;
      log_->record_note("connection closed by broker (" + got.why + ")");
    }
  }
}

close_observation raw_client::expect_close(std::chrono::milliseconds timeout) {
  close_observation out;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    received r = expect_packet(left);
    if (r.status == recv_status::closed) {
      out.closed = true;
      break;
    }
    if (r.status == recv_status::timeout) break;
    if (r.status == recv_status::malformed) {
      out.before.push_back(std::move(r));
      continue;  // the framer is now failed; the next call reports the close or timeout
    }
    out.before.push_back(std::move(r));
  }
  out.waited = since(start);
  return out;
}

received raw_client::expect_no_packet(std::chrono::milliseconds window) {
  return expect_packet(window);
}

void raw_client::shutdown_send() {
  if (stream_) {
    stream_->shutdown_send();
    log_->record_note("client half-closed the connection");
  }
}

void raw_client::close() {
  if (stream_) {
    stream_->close();
    stream_.reset();
    log_->record_note("client closed the connection");
  }
}

}  // namespace mqtt::cert
