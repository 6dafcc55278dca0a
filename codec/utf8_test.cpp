#include "codec/utf8.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mqtt::codec {
namespace {

using namespace std::string_view_literals;

std::string hex_of(std::string_view s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (!out.empty()) out += ' ';
    out += digits[b >> 4];
    out += digits[b & 0x0F];
  }
  return out;
}

// encode writes code point `cp` as UTF-8 without any validity check, so tests can build
// surrogates and out-of-range values on purpose.
std::string encode(std::uint32_t cp) {
  std::string s;
  auto put = [&s](std::uint32_t b) { s += static_cast<char>(static_cast<unsigned char>(b)); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
    put(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  }
  return s;
}

void expect_status(std::initializer_list<std::string_view> inputs, utf8_status want,
                   utf8_policy policy = utf8_policy::required) {
  for (std::string_view s : inputs) {
    SCOPED_TRACE("bytes: " + hex_of(s));
    utf8_status got = validate_utf8(s, policy);
    EXPECT_EQ(got, want) << "got " << utf8_status_name(got) << ", want "
                         << utf8_status_name(want);
  }
}

void expect_both_policies(std::initializer_list<std::string_view> inputs, utf8_status want) {
  expect_status(inputs, want, utf8_policy::required);
  expect_status(inputs, want, utf8_policy::reject_disallowed);
}

// ---- well-formed input -------------------------------------------------------------------

TEST(Utf8, EmptyStringIsValid) {
  expect_both_policies({""}, utf8_status::ok);
}

TEST(Utf8, AsciiIsValid) {
  expect_both_policies({"a", "sport/tennis/player1", "Accounts payable", " ~"},
                       utf8_status::ok);
}

TEST(Utf8, WellFormedMultiByteSequences) {
  expect_both_policies(
      {
          "\xC3\xA9",                     // U+00E9, 2 bytes
          "\xE2\x82\xAC",                 // U+20AC, 3 bytes
          "\xF0\x9F\x98\x80",             // U+1F600, 4 bytes
          "A\xF0\xAA\x9B\x94",            // 1.5.4 example: "A" U+2A6D4
          "caf\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80!",
      },
      utf8_status::ok);
}

TEST(Utf8, LengthBoundaries) {
  // First and last code point of each encoding length, skipping the disallowed ones.
  expect_both_policies(
      {
          "\xC2\xA0",          // U+00A0, first 2-byte code point outside C1
          "\xDF\xBF",          // U+07FF, last 2-byte
          "\xE0\xA0\x80",      // U+0800, first 3-byte
          "\xED\x9F\xBF",      // U+D7FF, just below the surrogates
          "\xEE\x80\x80",      // U+E000, just above the surrogates
          "\xEF\xBF\xBD",      // U+FFFD
          "\xF0\x90\x80\x80",  // U+10000, first 4-byte
          "\xF4\x8F\xBF\xBD",  // U+10FFFD, last that is not a noncharacter
      },
      utf8_status::ok);
  expect_status({"\xC2\x80", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF"}, utf8_status::ok);
}

TEST(Utf8, ByteOrderMarkIsKept) {
  // [MQTT-1.5.4-3] EF BB BF is U+FEFF wherever it appears and is not stripped or refused.
  SCOPED_TRACE("MQTT-1.5.4-3");
  expect_both_policies({"\xEF\xBB\xBF", "\xEF\xBB\xBF" "abc", "a\xEF\xBB\xBF" "b",
                        "abc\xEF\xBB\xBF"},
                       utf8_status::ok);
}

// ---- ill-formed input [MQTT-1.5.4-1] -----------------------------------------------------

TEST(Utf8, Overlong2ByteIsIllFormed) {
  // [MQTT-1.5.4-1] C0 and C1 can only start overlong forms.
  SCOPED_TRACE("MQTT-1.5.4-1");
  expect_both_policies({"\xC0\xAF", "\xC1\xBF", "\xC0\x81", "a\xC1\x81z"},
                       utf8_status::ill_formed);
}

TEST(Utf8, OverlongNullIsIllFormedNotNull) {
  // C0 80 ("modified UTF-8" NUL) is ill-formed before it is U+0000.
  expect_both_policies({"\xC0\x80", "\xE0\x80\x80", "\xF0\x80\x80\x80"},
                       utf8_status::ill_formed);
}

TEST(Utf8, Overlong3ByteIsIllFormed) {
  SCOPED_TRACE("MQTT-1.5.4-1");
  expect_both_policies({"\xE0\x80\xAF", "\xE0\x9F\xBF", "\xE0\x81\x81"},
                       utf8_status::ill_formed);
}

TEST(Utf8, Overlong4ByteIsIllFormed) {
  SCOPED_TRACE("MQTT-1.5.4-1");
  expect_both_policies({"\xF0\x80\x80\xAF", "\xF0\x8F\xBF\xBF", "\xF0\x80\x81\x81"},
                       utf8_status::ill_formed);
}

TEST(Utf8, SurrogatesAreRejected) {
  // [MQTT-1.5.4-1] No encodings of U+D800..U+DFFF.
  SCOPED_TRACE("MQTT-1.5.4-1");
  expect_both_policies(
      {
          "\xED\xA0\x80",              // U+D800
          "\xED\xAF\xBF",              // U+DBFF
          "\xED\xB0\x80",              // U+DC00
          "\xED\xBF\xBF",              // U+DFFF
          "\xED\xA0\xBD\xED\xB8\x80",  // CESU-8 pair for U+1F600
          "ok\xED\xA0\x80",
      },
      utf8_status::surrogate);
}

TEST(Utf8, EverySurrogateIsRejected) {
  for (std::uint32_t cp = 0xD800; cp <= 0xDFFF; ++cp) {
    std::string s = encode(cp);
    ASSERT_EQ(validate_utf8(s), utf8_status::surrogate) << hex_of(s);
  }
}

TEST(Utf8, TruncatedSequencesAreIllFormed) {
  expect_both_policies(
      {
          "\xC3",
          "\xE2",
          "\xE2\x82",
          "\xF0",
          "\xF0\x9F",
          "\xF0\x9F\x98",
          "abc\xE2\x82",
          "\xC3" "A",          // continuation replaced by ASCII
          "\xE2\x82" "A",
          "\xF0\x9F\x98" "A",
          "\xE2\x82\xE2\x82\xAC",  // a new lead where a continuation belongs
      },
      utf8_status::ill_formed);
}

TEST(Utf8, StrayContinuationBytesAreIllFormed) {
  expect_both_policies({"\x80", "\xBF", "a\x80", "\xC3\xA9\xA9", "\xE2\x82\xAC\x80"},
                       utf8_status::ill_formed);
}

TEST(Utf8, AboveU10FFFFIsIllFormed) {
  expect_both_policies(
      {
          "\xF4\x90\x80\x80",      // U+110000
          "\xF4\xBF\xBF\xBF",      // U+13FFFF
          "\xF5\x80\x80\x80",      // lead byte F5
          "\xF7\xBF\xBF\xBF",      // U+1FFFFF
          "\xF8\x88\x80\x80\x80",  // old 5-byte form
          "\xFC\x84\x80\x80\x80\x80",  // old 6-byte form
          "\xFE",
          "\xFF",
      },
      utf8_status::ill_formed);
}

// ---- U+0000 [MQTT-1.5.4-2] ---------------------------------------------------------------

TEST(Utf8, NullCharacterIsRejected) {
  SCOPED_TRACE("MQTT-1.5.4-2");
  expect_both_policies({"\0"sv, "a\0"sv, "\0a"sv, "a\0b"sv, "\xC3\xA9\0"sv},
                       utf8_status::null_character);
}

// ---- SHOULD NOT code points, only under reject_disallowed --------------------------------

TEST(Utf8, ControlCharactersOnlyRejectedWhenAsked) {
  // 1.5.4: U+0001..U+001F and U+007F..U+009F SHOULD NOT appear; a receiver MAY refuse them.
  for (std::uint32_t cp = 0x01; cp <= 0x9F; ++cp) {
    bool disallowed = cp <= 0x1F || cp >= 0x7F;
    std::string s = encode(cp);
    SCOPED_TRACE("bytes: " + hex_of(s));
    EXPECT_EQ(validate_utf8(s, utf8_policy::required), utf8_status::ok);
    EXPECT_EQ(validate_utf8(s, utf8_policy::reject_disallowed),
              disallowed ? utf8_status::disallowed_code_point : utf8_status::ok);
  }
  EXPECT_EQ(validate_utf8("\xC2\xA0", utf8_policy::reject_disallowed), utf8_status::ok);
}

TEST(Utf8, NoncharactersOnlyRejectedWhenAsked) {
  // 1.5.4: Unicode noncharacters (U+FDD0..U+FDEF and U+xxFFFE/U+xxFFFF in every plane).
  std::set<std::uint32_t> nonchars;
  for (std::uint32_t cp = 0xFDD0; cp <= 0xFDEF; ++cp) nonchars.insert(cp);
  for (std::uint32_t plane = 0; plane <= 0x10; ++plane) {
    nonchars.insert((plane << 16) | 0xFFFE);
    nonchars.insert((plane << 16) | 0xFFFF);
  }
  ASSERT_EQ(nonchars.size(), 66u);
  for (std::uint32_t cp : nonchars) {
    std::string s = encode(cp);
    SCOPED_TRACE("bytes: " + hex_of(s));
    EXPECT_EQ(validate_utf8(s, utf8_policy::required), utf8_status::ok);
    EXPECT_EQ(validate_utf8(s, utf8_policy::reject_disallowed),
              utf8_status::disallowed_code_point);
  }
  // Neighbours are ordinary characters.
  expect_status({"\xEF\xB7\x8F", "\xEF\xB7\xB0", "\xEF\xBF\xBD", "\xF0\x9F\xBF\xBD",
                 "\xF0\xA0\x80\x80"},
                utf8_status::ok, utf8_policy::reject_disallowed);
}

TEST(Utf8, EveryScalarValueClassifiedCorrectly) {
  // Sweep all of U+0001..U+10FFFF through both policies.
  for (std::uint32_t cp = 1; cp <= 0x10FFFF; ++cp) {
    std::string s = encode(cp);
    bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    bool control = cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F);
    bool nonchar = (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFF) >= 0xFFFE;
    utf8_status want_required = surrogate ? utf8_status::surrogate : utf8_status::ok;
    utf8_status want_strict = surrogate ? utf8_status::surrogate
                              : (control || nonchar) ? utf8_status::disallowed_code_point
                                                     : utf8_status::ok;
    ASSERT_EQ(validate_utf8(s, utf8_policy::required), want_required) << hex_of(s);
    ASSERT_EQ(validate_utf8(s, utf8_policy::reject_disallowed), want_strict) << hex_of(s);
  }
}

TEST(Utf8, StopsAtTheFirstProblem) {
  expect_status({"\x01\xC0\x80"}, utf8_status::disallowed_code_point,
                utf8_policy::reject_disallowed);
  expect_status({"\xC0\x80\x01"}, utf8_status::ill_formed, utf8_policy::reject_disallowed);
  expect_status({"\0\xED\xA0\x80"sv}, utf8_status::null_character);
  expect_status({"\xED\xA0\x80\0"sv}, utf8_status::surrogate);
  expect_status({"\x01\0"sv}, utf8_status::disallowed_code_point,
                utf8_policy::reject_disallowed);
  expect_status({"\x01\0"sv}, utf8_status::null_character, utf8_policy::required);
}

// validate_utf8 vouches for whole 8-byte words of plain ASCII before it goes byte by
// byte, so every case above is repeated at every offset of a run of ASCII longer than
// a few words: a sequence answers the same there as it does alone.
std::string planted(std::string_view seq, std::size_t at) {
  std::string s(40, 'a');
  s.insert(at, seq);
  return s;
}

TEST(Utf8, EverySequenceAnswersTheSameInsideLongAscii) {
  std::vector<std::string> seqs;
  for (int b = 0; b < 256; ++b) seqs.emplace_back(1, static_cast<char>(b));
  for (std::uint32_t cp : {0x7Fu, 0x85u, 0xE9u, 0x20ACu, 0xD800u, 0xFDD0u, 0xFEFFu, 0xFFFFu,
                           0x1F600u, 0x10FFFFu, 0x110000u}) {
    seqs.push_back(encode(cp));
  }
  seqs.push_back("\xC0\x80");      // overlong U+0000
  seqs.push_back("\xE2\x82");      // truncated, then ASCII
  for (utf8_policy policy : {utf8_policy::required, utf8_policy::reject_disallowed}) {
    for (const std::string& seq : seqs) {
      // A lone lead byte is ill-formed whether the string ends or an 'a' follows it.
      const utf8_status alone = validate_utf8(seq + "a", policy);
      for (std::size_t at = 0; at <= 40; ++at) {
        const std::string s = planted(seq, at);
        ASSERT_EQ(validate_utf8(s, policy), alone) << hex_of(s);
      }
    }
  }
}

TEST(Utf8, TheFirstProblemInsideLongAsciiWins) {
  const utf8_policy strict = utf8_policy::reject_disallowed;
  for (std::size_t first = 0; first <= 32; ++first) {
    for (std::size_t second = first + 1; second <= 33; ++second) {
      std::string s = planted("\x01", second);
      s.insert(first, "\x7F");
      ASSERT_EQ(validate_utf8(s, strict), utf8_status::disallowed_code_point) << hex_of(s);
      s = planted(std::string(1, '\0'), second);
      s.insert(first, "\xFF");
      ASSERT_EQ(validate_utf8(s, strict), utf8_status::ill_formed) << hex_of(s);
      ASSERT_EQ(validate_utf8(s, utf8_policy::required), utf8_status::ill_formed) << hex_of(s);
      // A well-formed multi-byte sequence first: the problem after it is still found.
      s = planted(std::string(1, '\0'), second);
      s.insert(first, "\xC3\xA9");
      ASSERT_EQ(validate_utf8(s, utf8_policy::required), utf8_status::null_character) << hex_of(s);
      s = planted("\x1F", second);
      s.insert(first, "\xF0\x9F\x98\x80");
      ASSERT_EQ(validate_utf8(s, strict), utf8_status::disallowed_code_point) << hex_of(s);
    }
  }
}

TEST(Utf8, DefaultPolicyIsRequired) {
  EXPECT_EQ(validate_utf8("\x01"), utf8_status::ok);
  EXPECT_EQ(validate_utf8("\xEF\xBF\xBF"), utf8_status::ok);
}

// ---- utf8_status_name --------------------------------------------------------------------

TEST(Utf8Status, EveryValueHasADistinctName) {
  const utf8_status all[] = {utf8_status::ok, utf8_status::ill_formed, utf8_status::surrogate,
                             utf8_status::null_character, utf8_status::disallowed_code_point};
  std::set<std::string_view> names;
  for (utf8_status s : all) {
    std::string_view n = utf8_status_name(s);
    EXPECT_FALSE(n.empty());
    EXPECT_NE(n, "unknown");
    names.insert(n);
  }
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(utf8_status_name(static_cast<utf8_status>(99)), "unknown");
}

}  // namespace
}  // namespace mqtt::codec
