// regression_inputs.cpp: one input per known broker bug (CVEs in Mosquitto, NanoMQ and
// VerneMQ issues, failure paths of the spec), written with the codec where the packet is
// well-formed enough and as raw bytes where it is not, plus regressions/index.tsv for the
// network fuzzer. What each bug was, and where its advisory is, is in
// corpora/regressions/README.md; keep the two in step.
//
// Formats (the index.tsv `format` column):
//   packet   one packet. A CONNECT is sent as the first packet of a connection; any other
//            packet after a successful CONNECT of the row's version.
//   stream   framer_fuzzer's format: a chunk-size byte, then the bytes a client writes from
//            the moment the connection opens (CONNECT included, if any).
//   session  broker_session_fuzzer's operation list (see fuzz/broker_session_fuzzer.cpp).
// Expectations (the `expect` column), for the broker under test:
//   close                   it closes the connection (5.0: a CONNACK or DISCONNECT with a
//                           reason >= 0x80 may come first)
//   close-or-reason C[|C]   it closes; a 5.0 CONNACK/DISCONNECT sent before the close (it
//                           may send none) carries one of the listed reason codes
//   refuse-or-close C       it answers the packet with reason C (5.0; 0x80 in 3.1.1) in its
//                           SUBACK, or closes
//   accept                  it stays up, keeps the connection and answers as the spec says
#include <cstdio>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "codec/variable_byte_integer.hpp"
#include "fuzz/seeds/seed_sink.hpp"
#include "fuzz/seeds/session_ops.hpp"

namespace mqtt::fuzz_seeds {

namespace {

byte_buffer bytes_of(std::string_view s) { return byte_buffer(s.begin(), s.end()); }

constexpr protocol_version v5 = protocol_version::v5_0;
constexpr protocol_version v311 = protocol_version::v3_1_1;

struct regression {
  std::string file;
  std::string format;   // packet | stream | session
  std::string version;  // 3.1.1 | 5.0 | both | - (a stream carries its own CONNECT or none)
  std::string expect;
  std::string what;     // one line; the README has the advisory
  byte_buffer bytes;
};

// encode_unchecked encodes a packet the codec would refuse to decode (that is the point).
byte_buffer encode_unchecked(const packet& p, protocol_version v) { return encode_packet(p, v); }

// with_length builds a packet from its first byte and body, writing the Remaining Length.
byte_buffer with_length(std::uint8_t first, const byte_buffer& body) {
  byte_buffer out{first};
  encode_vbi(static_cast<std::uint32_t>(body.size()), out);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// The failure paths written by hand before the generator existed, byte for byte.
void add_spec_failure_paths(std::vector<regression>& out) {
  out.push_back({"vbi-five-bytes", "packet", "both", "close",
                 "Remaining Length needing a fifth byte (1.5.5)",
                 {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}});
  out.push_back({"publish-qos3", "packet", "both", "close-or-reason 0x81",
                 "PUBLISH with both QoS bits set [MQTT-3.3.1-4]",
                 {0x36, 0x0A, 0x00, 0x05, 't', 'o', 'p', 'i', 'c', 0x00, 0x01, 'x'}});
  out.push_back({"connect-remaining-length-overflow", "packet", "3.1.1", "close",
                 "CONNECT whose Client Identifier length runs past the Remaining Length",
                 {0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x08,
                  'm', 'q'}});
  out.push_back({"connect-reserved-flag-set", "packet", "3.1.1", "close",
                 "CONNECT flags with the reserved bit set [MQTT-3.1.2-3]",
                 {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x03, 0x00, 0x3C, 0x00, 0x00}});
  out.push_back({"remaining-length-non-minimal", "packet", "5.0", "close-or-reason 0x81",
                 "Remaining Length 7 written in two bytes [MQTT-1.5.5-1]",
                 {0x30, 0x87, 0x00, 0x00, 0x05, 't', 'o', 'p', 'i', 'c'}});
  out.push_back({"property-length-past-packet", "packet", "5.0", "close-or-reason 0x81",
                 "PUBLISH whose Property Length runs past the packet",
                 {0x30, 0x08, 0x00, 0x05, 't', 'o', 'p', 'i', 'c', 0x7F}});
  out.push_back({"subscribe-no-topic-filters", "packet", "3.1.1", "close",
                 "SUBSCRIBE without any Topic Filter [MQTT-3.8.3-3]", {0x82, 0x02, 0x00, 0x01}});
  out.push_back({"subscribe-no-topic-filters-v5", "packet", "5.0", "close-or-reason 0x82",
                 "SUBSCRIBE without any Topic Filter [MQTT-3.8.3-2]",
                 {0x82, 0x03, 0x00, 0x01, 0x00}});
  out.push_back({"topic-utf8-surrogate", "packet", "both", "close",
                 "Topic Name encoding the surrogate U+D800 [MQTT-1.5.4-1]",
                 {0x30, 0x06, 0x00, 0x03, 0xED, 0xA0, 0x80, 0x00}});
  out.push_back({"packet-type-zero", "packet", "both", "close", "reserved packet type 0",
                 {0x00, 0x00}});
}

void add_known_bugs(std::vector<regression>& out) {
  {  // Mosquitto 2.0.0-2.0.9: a v5 client sending CONNACK crashed the broker (NULL deref).
     // The advisory does not say which CONNACK field; this one carries properties too.
    session_ops s;
    properties props;
    props.maximum_qos = 1;
    props.topic_alias_maximum = 10;
    props.reason_string = "client-sent";
    s.connect(0).feed(0, connack_packet{false, 0, {}}).connect(1);
    s.feed(1, connack_packet{true, 0x00, props}).feed(1, pingreq_packet{});
    out.push_back({"cve-2021-28166", "session", "5.0", "close-or-reason 0x82",
                   "client sends CONNACK after its CONNECT (plain, then with properties)",
                   s.bytes()});
  }
  {  // Mosquitto <= 2.0.7: PUBLISH with Topic Name length 0 crashed the broker.
    publish_packet p;
    p.topic = "";
    p.payload = bytes_of("testtest");
    out.push_back({"cve-2021-34432", "packet", "3.1.1", "close",
                   "PUBLISH QoS 0 with a zero-length Topic Name", encode_unchecked(p, v311)});
    out.push_back({"cve-2021-34432-v5", "packet", "5.0", "close-or-reason 0x82|0x90",
                   "PUBLISH with a zero-length Topic Name and no Topic Alias",
                   encode_unchecked(p, v5)});
  }
  {  // Mosquitto < 2.0.16: memory was allocated from the Remaining Length of a first packet
     // that is not CONNECT. Here SUBSCRIBE claims 268,435,455 bytes and sends 64.
    byte_buffer s{0xFF, 0x82, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01};
    s.insert(s.end(), 62, 'A');
    out.push_back({"cve-2023-0809", "stream", "-", "close",
                   "first packet is a SUBSCRIBE, not CONNECT, with Remaining Length 268435455",
                   s});
  }
  {  // Mosquitto < 2.0.16: leak on a v5 CONNECT whose Will Properties hold a property that
     // is not a Will property. Session Expiry Interval (0x11) belongs to CONNECT itself.
    connect_packet c;
    c.version = v5;
    c.client_id = "cve-2023-3592";
    c.keep_alive = 60;
    c.will = will_message{"will/t", bytes_of("bye"), qos::at_least_once, false, {}};
    c.will->props.session_expiry_interval = 3600;
    out.push_back({"cve-2023-3592", "packet", "5.0", "close-or-reason 0x81",
                   "CONNECT whose Will Properties contain Session Expiry Interval (0x11)",
                   encode_unchecked(c, v5)});
  }
  {  // Mosquitto < 2.0.16: leak when a client sends several QoS 2 PUBLISH with the same
     // Packet Identifier and never answers the PUBRECs with PUBREL.
    session_ops s;
    s.connect(0).connect(1).feed(1, subscribe_packet{1, {}, {{"q2/#", {qos::exactly_once}}}});
    for (int i = 0; i < 6; ++i) {
      publish_packet p;
      p.topic = "q2/same-id";
      p.qos_level = qos::exactly_once;
      p.packet_id = 1;
      p.dup = i > 0;
      p.payload = bytes_of("copy " + std::to_string(i));
      s.feed(0, p);
    }
    s.tick(0, 50).close(0).tick(1, 50);
    out.push_back({"cve-2023-28366", "session", "5.0", "accept",
                   "six QoS 2 PUBLISH with Packet Identifier 1, PUBRECs never released",
                   s.bytes()});
  }
  {  // Mosquitto <= 2.0.18a: shared and plain subscriptions on the same topic, subscribed and
     // unsubscribed in mismatched orders, then a PUBLISH walked freed memory.
    session_ops s;
    auto sub = [](std::uint16_t id, std::string f) {
      return subscribe_packet{id, {}, {{std::move(f), {qos::at_most_once}}}};
    };
    auto unsub = [](std::uint16_t id, std::string f) {
      return unsubscribe_packet{id, {}, {std::move(f)}};
    };
    publish_packet pub;
    pub.topic = "a";
    pub.payload = bytes_of("x");
    s.connect(0).connect(1);
    s.feed(0, sub(1, "$share/g/a")).feed(0, sub(2, "a")).feed(0, unsub(3, "a"));
    s.feed(0, unsub(4, "$share/g/a")).feed(1, pub);
    s.feed(0, sub(5, "a")).feed(0, sub(6, "$share/g/a")).feed(0, unsub(7, "a")).feed(1, pub);
    s.feed(0, unsub(8, "$share/g/a")).feed(0, sub(9, "$share/g/a")).feed(0, unsub(10, "$share/g/a"));
    s.feed(0, sub(11, "a")).feed(1, pub).close(0).feed(1, pub);
    out.push_back({"cve-2024-8376", "session", "5.0", "accept",
                   "shared and plain subscriptions on one topic, unsubscribed out of order, "
                   "then PUBLISH",
                   s.bytes()});
  }
  {  // NanoMQ <= 0.24.6: a Property Length of five VBI bytes read past the buffer.
    byte_buffer body{0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3C,
                     0xFF, 0xFF, 0xFF, 0xFF, 0x7F,  // Property Length: a fifth byte
                     0x00, 0x01, 'v'};
    out.push_back({"vbi-five-bytes-property-length", "packet", "5.0", "close-or-reason 0x81",
                   "CONNECT whose Property Length is five bytes FF FF FF FF 7F",
                   with_length(0x10, body)});
  }
  // Shared subscription filters that are not $share/{ShareName}/{filter} (4.8.2).
  for (const auto& [file, filter, what] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"share-no-filter", "$share/g", "SUBSCRIBE to $share/g: no '/' and filter after the ShareName"},
           {"share-empty-name", "$share//t", "SUBSCRIBE to $share//t: empty ShareName [MQTT-4.8.2-1]"},
           {"share-empty-filter", "$share/g/", "SUBSCRIBE to $share/g/: empty filter after the ShareName"}}) {
    out.push_back({file, "packet", "5.0", "refuse-or-close 0x8F", what,
                   encode_unchecked(subscribe_packet{1, {}, {{filter, {qos::at_least_once}}}}, v5)});
  }
  // SUBSCRIBE whose last Topic Filter has no options byte after it (NanoMQ, Mochi).
  out.push_back({"subscribe-no-options-byte", "packet", "3.1.1", "close",
                 "SUBSCRIBE ending right after its Topic Filter, no Requested QoS byte",
                 with_length(0x82, {0x00, 0x01, 0x00, 0x03, 'a', '/', 'b'})});
  out.push_back({"subscribe-no-options-byte-v5", "packet", "5.0", "close-or-reason 0x81",
                 "SUBSCRIBE ending right after its Topic Filter, no Subscription Options byte",
                 with_length(0x82, {0x00, 0x01, 0x00, 0x00, 0x03, 'a', '/', 'b'})});
  // PUBLISH QoS 1 ending right after its Topic Name: no Packet Identifier (NanoMQ).
  out.push_back({"publish-qos1-no-packet-id", "packet", "3.1.1", "close",
                 "PUBLISH QoS 1 ending after its Topic Name, no Packet Identifier",
                 with_length(0x32, {0x00, 0x01, 't'})});
  out.push_back({"publish-qos1-no-packet-id-v5", "packet", "5.0", "close-or-reason 0x81",
                 "PUBLISH QoS 1 ending after its Topic Name, no Packet Identifier or properties",
                 with_length(0x32, {0x00, 0x01, 't'})});
  {  // Found by broker_session_fuzzer in mqtt-refbroker: a second CONNECT whose Protocol Name
     // is not "MQTT" was answered with DISCONNECT 0x84, a code DISCONNECT may not carry.
    session_ops s;
    s.connect(0).connect(1);
    s.feed_raw(1, with_length(0x10, {0x00, 0x04, 'f', 'c', '/', 'y', 0x05, 0x02, 0x00, 0x3C,
                                     0x00, 0x00, 0x00}));
    s.feed(0, pingreq_packet{});
    out.push_back({"second-connect-bad-protocol-name", "session", "5.0", "close-or-reason 0x81|0x82",
                   "a connected 5.0 client sends a second CONNECT with Protocol Name 'fc/y'",
                   s.bytes()});
  }
  {  // Found the same way: that Protocol Name went raw into the DISCONNECT's Reason String,
     // so a name holding 00 made the broker send a Malformed Packet [MQTT-1.5.4-2].
    session_ops s;
    s.connect(0);
    s.feed_raw(0, with_length(0x10, {0x00, 0x04, 'i', 0x00, 0x07, 0x00, 0x05, 0x02, 0x00, 0x3C,
                                     0x00, 0x00, 0x00}));
    out.push_back({"second-connect-protocol-name-nul", "session", "5.0", "close-or-reason 0x81|0x82",
                   "a second CONNECT whose Protocol Name holds 00 bytes ('i' 00 07 00)", s.bytes()});
  }
  {  // Found by the deeper broker_session_fuzzer: a SUBSCRIBE whose second, shared filter
     // has No Local [MQTT-3.8.3-4] kept its first filter without a SUBACK, and the resumed
     // session was sent messages on it. The packet is now refused whole.
    session_ops s;
    s.connect(0).connect(1);
    s.feed_raw(0, with_length(0x82, {0x00, 0x01, 0x00,                    // id 1, no properties
                                     0x00, 0x01, 't', 0x00,                // "t", QoS 0
                                     0x00, 0x0A, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 'x',
                                     0x04}));                              // No Local
    s.close(0).connect(0);
    s.feed_raw(1, with_length(0x30, {0x00, 0x01, 't', 0x00, 'h', 'i'}));
    out.push_back({"subscribe-protocol-error-half-applied", "session", "5.0",
                   "close-or-reason 0x82",
                   "SUBSCRIBE [t, $share/g/x with No Local]; the session resumes; a PUBLISH to t",
                   s.bytes()});
  }
  {  // The same way: a second CONNECT naming Protocol Level 1 got DISCONNECT 0x84, a code
     // DISCONNECT does not have [MQTT-3.14.2-1]; now 0x82 [MQTT-3.1.0-2].
    session_ops s;
    s.connect(0);
    s.feed_raw(0, with_length(0x10, {0x00, 0x04, 'M', 'Q', 'T', 'T', 0x01, 0x02, 0x00, 0x3C,
                                     0x00, 0x01, 'a'}));
    out.push_back({"second-connect-unknown-protocol-level", "session", "5.0",
                   "close-or-reason 0x82", "a second CONNECT naming Protocol Level 1", s.bytes()});
  }
  {  // And: the DISCONNECT's Reason String quoted a Protocol Name "M\xC0" that is not UTF-8
     // [MQTT-1.5.4-1]; such bytes are now written as \xNN.
    session_ops s;
    s.connect(0);
    s.feed_raw(0, with_length(0x10, {0x00, 0x02, 'M', 0xC0, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x01,
                                     'a'}));
    out.push_back({"second-connect-protocol-name-not-utf8", "session", "5.0",
                   "close-or-reason 0x81|0x82", "a second CONNECT whose Protocol Name is M 0xC0",
                   s.bytes()});
  }
  {  // Found by broker_session_fuzzer in its own model, not the broker: a client's own
     // retained message, sent to it after the SUBACK of a No Local subscription, was taken
     // for a forwarded publication [MQTT-3.8.3-3]. 3.8.3.1 leaves No Local open for
     // retained messages sent on subscribe, and 3.8.4 does not order them after the SUBACK.
    publish_packet retained;
    retained.topic = "r/1";
    retained.retain = true;
    retained.payload = bytes_of("v");
    subscribe_packet sub;
    sub.packet_id = 10;
    sub.subscriptions.push_back({"r/#", {}});
    sub.subscriptions.back().options.no_local = true;
    session_ops s;
    s.connect(0).feed(0, retained).feed(0, sub);
    out.push_back({"own-retained-after-suback-no-local", "session", "5.0", "accept",
                   "a retained PUBLISH to r/1, then SUBSCRIBE r/# with No Local on the same connection",
                   s.bytes()});
  }
  {  // The same model, found next: that retained message at QoS 2, unacknowledged when the
     // connection dropped, is sent again when the session resumes [MQTT-4.4.0-1]; the
     // model took the resend for a forwarded publication.
    publish_packet retained;
    retained.topic = "t";
    retained.retain = true;
    retained.qos_level = qos::exactly_once;
    retained.packet_id = 1;
    retained.payload = bytes_of("v");
    subscribe_packet sub;
    sub.packet_id = 10;
    sub.subscriptions.push_back({"#", {}});
    sub.subscriptions.back().options.no_local = true;
    sub.subscriptions.back().options.max_qos = qos::exactly_once;
    session_ops s;
    s.connect(0).feed(0, retained).close(0).connect(0).feed(0, sub).close(0).connect(0);
    out.push_back({"own-retained-resent-no-local", "session", "5.0", "accept",
                   "a retained QoS 2 PUBLISH to t; SUBSCRIBE # with No Local, QoS 2; the "
                   "connection drops before PUBREC and the session resumes",
                   s.bytes()});
  }
  {  // Topic Alias 0 [MQTT-3.3.2-8]: 3.3.4 names DISCONNECT 0x94.
    publish_packet p;
    p.topic = "t";
    p.props.topic_alias = 0;
    p.payload = bytes_of("x");
    out.push_back({"topic-alias-zero", "packet", "5.0", "close-or-reason 0x94",
                   "PUBLISH with Topic Alias 0", encode_unchecked(p, v5)});
  }
}

// check_against_codec decodes a `packet` row in its version(s) and says whether our codec
// rejects it with the reason the row expects. A mismatch is printed, not fatal: some
// rejections are the broker's (filters), not the decoder's.
void check_against_codec(const regression& r) {
  if (r.format != "packet") return;
  std::vector<protocol_version> versions;
  if (r.version != "5.0") versions.push_back(v311);
  if (r.version != "3.1.1") versions.push_back(v5);
  for (const protocol_version v : versions) {
    const decode_result d = decode_packet(r.bytes, v);
    const bool rejects = d.status == decode_status::malformed || d.status == decode_status::protocol_error;
    std::string code = "0x00";
    if (rejects) {
      static constexpr char hex[] = "0123456789ABCDEF";
      const auto c = static_cast<std::uint8_t>(d.code);
      code = std::string("0x") + hex[c >> 4] + hex[c & 15];
    }
    const bool wants_close = r.expect.starts_with("close");
    const bool reason_ok = !r.expect.starts_with("close-or-reason") || !is_v5(v) ||
                           r.expect.find(code) != std::string::npos;
    if (wants_close && (!rejects || !reason_ok)) {
      std::fprintf(stderr, "note: %s (%s): codec says %s %s, row expects %s\n", r.file.c_str(),
                   std::string(protocol_version_name(v)).c_str(),
                   std::string(decode_status_name(d.status)).c_str(), code.c_str(),
                   r.expect.c_str());
    }
  }
}

}  // namespace

void write_regression_inputs(const std::filesystem::path& dir) {
  std::vector<regression> rows;
  add_spec_failure_paths(rows);
  add_known_bugs(rows);
  std::filesystem::create_directories(dir);
  std::ofstream index(dir / "index.tsv");
  index << "# file\tformat\tversion\texpect\twhat (written by mqttcert_make_seeds; formats and "
           "expectations: corpora/regressions/README.md)\n";
  for (const regression& r : rows) {
    check_against_codec(r);
    std::ofstream out(dir / r.file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(r.bytes.data()),
              static_cast<std::streamsize>(r.bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + (dir / r.file).string());
    index << r.file << '\t' << r.format << '\t' << r.version << '\t' << r.expect << '\t' << r.what
          << '\n';
  }
  if (!index) throw std::runtime_error("cannot write " + (dir / "index.tsv").string());
}

}  // namespace mqtt::fuzz_seeds
