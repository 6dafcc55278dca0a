// transcript.hpp: every byte a test client sent and received, with direction and time,
// for failure reports (the Autobahn "wire log").
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codec/wire_types.hpp"

namespace mqtt::cert {

enum class direction : std::uint8_t {
  client_to_server,  // "C→S"
  server_to_client,  // "S→C"
  note,              // harness event: connect, close seen, timeout
};

struct transcript_entry {
  std::chrono::steady_clock::time_point at;
  direction dir = direction::note;
  codec::byte_buffer bytes;  // one packet (or an unparsable run) for C→S / S→C
  std::string text;          // for notes: what happened
};

// transcript records the traffic of one client connection. Thread-safe for one writer
// and concurrent readers (the report printer).
class transcript {
 public:
  explicit transcript(std::string label);

  const std::string& label() const { return label_; }
  // set_version tells the printer how to split v5 property fields.
  void set_version(codec::protocol_version v);

  void record_sent(codec::byte_view bytes);
  void record_received(codec::byte_view bytes);
  void record_note(std::string text);

  std::vector<transcript_entry> entries() const;
  codec::protocol_version version() const;

 private:
  std::string label_;
  mutable std::mutex mutex_;
  codec::protocol_version version_ = codec::protocol_version::v5_0;
  std::vector<transcript_entry> entries_;
};

// format_transcripts prints the entries of several transcripts merged in time order,
// one line each: "  +12.3ms sub   C→S SUBSCRIBE   82 0E 0001 00 0008 ...".
// Times are relative to `origin`.
std::string format_transcripts(const std::vector<std::shared_ptr<transcript>>& logs,
                               std::chrono::steady_clock::time_point origin);

// direction_arrow returns "C→S", "S→C" or "---".
std::string_view direction_arrow(direction d);

}  // namespace mqtt::cert
