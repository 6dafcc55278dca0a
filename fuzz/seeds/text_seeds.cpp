// text_seeds.cpp: seeds for the targets that take one field, not a packet: Variable Byte
// Integers, UTF-8 strings, Topic Names and "<filter>\0<topic>" pairs. Each list has the
// valid values at the rule's boundaries and the invalid ones right past them.
#include <string>
#include <vector>

#include "codec/variable_byte_integer.hpp"
#include "fuzz/seeds/seed_sink.hpp"

namespace mqtt::fuzz_seeds {

namespace {

void add_vbis(seed_sink& sink) {
  // The boundaries of 1.5.5: where the encoding grows a byte, and its largest value.
  for (const std::uint32_t v : {0u, 1u, 127u, 128u, 16'383u, 16'384u, 2'097'151u, 2'097'152u,
                                268'435'455u}) {
    byte_buffer b;
    encode_vbi(v, b);
    sink.add("vbi_fuzzer", b);
  }
  // Invalid: non-minimal (0 in two bytes, 127 in four), a fifth byte, truncated.
  for (const byte_buffer& b : {byte_buffer{0x80, 0x00}, byte_buffer{0xFF, 0x80, 0x80, 0x00},
                               byte_buffer{0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, byte_buffer{0x80},
                               byte_buffer{0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, byte_buffer{}}) {
    sink.add("vbi_fuzzer", b);
  }
}

void add_utf8(seed_sink& sink) {
  const std::vector<std::string> strings{
      "", "a", "hello/world", std::string(1000, 'a'),
      "\x7F",                  // U+007F, last one-byte (a control: SHOULD NOT)
      "\xC2\x80",              // U+0080, first two-byte
      "\xDF\xBF",              // U+07FF
      "\xE0\xA0\x80",          // U+0800, first three-byte
      "\xED\x9F\xBF",          // U+D7FF, just below the surrogates
      "\xEE\x80\x80",          // U+E000, just above them
      "\xEF\xBB\xBF",          // U+FEFF BOM: must be kept [MQTT-1.5.4-3]
      "\xEF\xBF\xBE",          // U+FFFE noncharacter (SHOULD NOT)
      "\xEF\xBF\xBF",          // U+FFFF
      "\xF0\x90\x80\x80",      // U+10000, first four-byte
      "\xF4\x8F\xBF\xBF",      // U+10FFFF, the last code point
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
      "\x01", "\xC2\x9F",      // U+0001, U+009F controls (SHOULD NOT)
      // Invalid:
      std::string("a\0b", 3),  // U+0000 [MQTT-1.5.4-2]
      "\xC0\x80",              // overlong U+0000
      "\xE0\x80\xAF",          // overlong '/'
      "\xED\xA0\x80",          // U+D800 surrogate [MQTT-1.5.4-1]
      "\xED\xBF\xBF",          // U+DFFF surrogate
      "\xF4\x90\x80\x80",      // above U+10FFFF
      "\xE2\x82",              // truncated
      "\x80", "\xBF\xBF",      // lone continuation bytes
      "\xFE", "\xFF",          // never in UTF-8
      "\xC3\x28",              // bad continuation
  };
  for (const std::string& s : strings) sink.add("utf8_string_fuzzer", s);
}

void add_topic_names(seed_sink& sink) {
  const std::vector<std::string> names{
      "a", "a/b", "/", "/a", "a/", "//", "sport/tennis/player1", "$SYS/broker/clients/total",
      "$SYS", "$share/g/t",  // a name, not a filter: valid as a Topic Name
      "caf\xC3\xA9/\xEF\xBB\xBF", std::string(1000, 't'), "a b/c d",
      // Invalid:
      "", "a/+", "#", "a/#", "+", std::string("a\0b", 3), "\xED\xA0\x80", "\xC0\xAF",
  };
  for (const std::string& n : names) sink.add("topic_name_fuzzer", n);
}

void add_topic_filters(seed_sink& sink) {
  const std::vector<std::string> filters{
      "#", "+", "a/#", "a/+", "+/+", "+/#", "a/b", "a/+/c", "/+", "+/", "$SYS/#", "$SYS/+",
      "$share/g/a/#", "$share/g/+", "$share/g//",
      // Invalid:
      "", "a+", "a/#/b", "##", "$share//a", "$share/g", "$share/g/", "$share/g+/a", "$share/#/a"};
  const std::vector<std::string> topics{"a", "a/b", "a/b/c", "/a", "a/", "/", "$SYS/x", "b"};
  for (const std::string& f : filters) {
    for (const std::string& t : topics) sink.add("topic_filter_fuzzer", f + std::string(1, '\0') + t);
  }
}

}  // namespace

void add_text_seeds(seed_sink& sink) {
  add_vbis(sink);
  add_utf8(sink);
  add_topic_names(sink);
  add_topic_filters(sink);
}

}  // namespace mqtt::fuzz_seeds
