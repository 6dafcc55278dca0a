#include "conformance/harness/transcript.hpp"

#include <algorithm>
#include <cstdio>

#include "conformance/harness/wire_format.hpp"

namespace mqtt::cert {

transcript::transcript(std::string label) : label_(std::move(label)) {}

void transcript::set_version(codec::protocol_version v) {
  std::lock_guard lock(mutex_);
  version_ = v;
}

codec::protocol_version transcript::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

void transcript::record_sent(codec::byte_view bytes) {
  std::lock_guard lock(mutex_);
  entries_.push_back({std::chrono::steady_clock::now(), direction::client_to_server,
                      codec::byte_buffer(bytes.begin(), bytes.end()), {}});
}

void transcript::record_received(codec::byte_view bytes) {
  std::lock_guard lock(mutex_);
  entries_.push_back({std::chrono::steady_clock::now(), direction::server_to_client,
                      codec::byte_buffer(bytes.begin(), bytes.end()), {}});
}

void transcript::record_note(std::string text) {
  std::lock_guard lock(mutex_);
  entries_.push_back({std::chrono::steady_clock::now(), direction::note, {}, std::move(text)});
}

std::vector<transcript_entry> transcript::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

std::string_view direction_arrow(direction d) {
  switch (d) {
    case direction::client_to_server: return "C→S";
    case direction::server_to_client: return "S→C";
    case direction::note: return "---";
  }
  return "---";
}

std::string format_transcripts(const std::vector<std::shared_ptr<transcript>>& logs,
                               std::chrono::steady_clock::time_point origin) {
  struct line {
    transcript_entry e;
    const transcript* from;
  };
  std::vector<line> all;
  std::size_t label_width = 0;
  for (const auto& log : logs) {
    if (!log) continue;
    label_width = std::max(label_width, log->label().size());
    for (auto& e : log->entries()) all.push_back({std::move(e), log.get()});
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const line& a, const line& b) { return a.e.at < b.e.at; });
  std::string out;
  for (const auto& l : all) {
    double ms = std::chrono::duration<double, std::milli>(l.e.at - origin).count();
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%+9.1fms", ms);
    std::string label = l.from->label();
    label.resize(label_width, ' ');
    out += "  ";
    out += stamp;
    out += ' ';
    out += label;
    out += ' ';
    out += direction_arrow(l.e.dir);
    out += ' ';
    if (l.e.dir == direction::note) {
      out += l.e.text;
    } else {
      std::string name = packet_label(l.e.bytes);
      name.resize(std::max<std::size_t>(name.size(), 11), ' ');
      out += name;
      out += ' ';
      out += format_wire_hex(l.e.bytes, l.from->version());
    }
    out += '\n';
  }
  return out;
}

}  // namespace mqtt::cert
