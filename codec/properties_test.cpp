// properties_test.cpp: table 2-4, Property Length, and every property's decode and
// encode rules (2.2.2, and each property's paragraph in chapter 3).
#include "codec/properties.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/detail/byte_reader.hpp"
#include "codec/hex.hpp"
#include "codec/utf8.hpp"

namespace mqtt::codec {
namespace {

using pc = property_context;
using pid = property_id;

constexpr std::array<property_context, 14> all_contexts{
    pc::connect,     pc::connack,  pc::publish,    pc::will,      pc::puback,
    pc::pubrec,      pc::pubrel,   pc::pubcomp,    pc::subscribe, pc::suback,
    pc::unsubscribe, pc::unsuback, pc::disconnect, pc::auth,
};

byte_buffer hex(std::string_view text) {
  std::optional<byte_buffer> b = from_hex(text);
  EXPECT_TRUE(b.has_value()) << "bad hex literal: " << text;
  return b.value_or(byte_buffer{});
}

std::string context_label(property_context c) { return std::string(property_context_name(c)); }

struct decoded {
  decode_error error;
  properties props;
  std::size_t position = 0;  // reader position after the call
  std::size_t size = 0;      // bytes the reader was given
};

// decode runs decode_properties over a heap copy of exactly `bytes.size()` bytes, so a
// sanitizer build catches any read past the end.
decoded decode(const byte_buffer& bytes, property_context c, const decode_limits& limits = {}) {
  auto exact = std::make_unique<std::uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), exact.get());
  detail::byte_reader reader(byte_view(exact.get(), bytes.size()));
  decoded d;
  d.error = decode_properties(reader, c, limits, d.props);
  d.position = reader.position();
  d.size = bytes.size();
  EXPECT_LE(d.position, d.size);
  return d;
}

byte_buffer encode(const properties& p) {
  byte_buffer out;
  encode_properties(p, out);
  return out;
}

// with_length puts a one-byte Property Length in front of `body` (which must be < 128 bytes).
byte_buffer with_length(const byte_buffer& body) {
  EXPECT_LT(body.size(), 128u);
  byte_buffer out(body.size() + 1);
  out[0] = static_cast<std::uint8_t>(body.size());
  std::copy(body.begin(), body.end(), out.begin() + 1);
  return out;
}

byte_buffer set_of(std::string_view body_hex) { return with_length(hex(body_hex)); }

void expect_malformed(const decoded& d) {
  EXPECT_EQ(d.error.status, decode_status::malformed) << d.error.why;
  EXPECT_EQ(d.error.code, reason_code::malformed_packet) << d.error.why;
}

void expect_protocol_error(const decoded& d) {
  EXPECT_EQ(d.error.status, decode_status::protocol_error) << d.error.why;
  EXPECT_EQ(d.error.code, reason_code::protocol_error) << d.error.why;
}

void expect_ok(const decoded& d) {
  EXPECT_EQ(d.error.status, decode_status::ok) << d.error.why;
  EXPECT_TRUE(d.error.why.empty()) << d.error.why;
}

// ---------------------------------------------------------------------------------------
// Table 2-4, typed in again from the spec so the table in properties.cpp is checked
// against an independent copy.

struct spec_row {
  std::uint8_t id;
  std::string_view name;
  property_type type;
  std::vector<property_context> contexts;
  std::string_view sample;  // a valid value of the type, in hex
};

const std::vector<spec_row>& spec_table() {
  using pt = property_type;
  static const std::vector<spec_row> rows{
      {0x01, "Payload Format Indicator", pt::byte, {pc::publish, pc::will}, "01"},
      {0x02, "Message Expiry Interval", pt::four_byte_integer, {pc::publish, pc::will}, "00000001"},
      {0x03, "Content Type", pt::utf8_string, {pc::publish, pc::will}, "0001 61"},
      {0x08, "Response Topic", pt::utf8_string, {pc::publish, pc::will}, "0001 61"},
      {0x09, "Correlation Data", pt::binary_data, {pc::publish, pc::will}, "0001 00"},
      {0x0B,
       "Subscription Identifier",
       pt::variable_byte_integer,
       {pc::publish, pc::subscribe},
       "01"},
      {0x11,
       "Session Expiry Interval",
       pt::four_byte_integer,
       {pc::connect, pc::connack, pc::disconnect},
       "00000001"},
      {0x12, "Assigned Client Identifier", pt::utf8_string, {pc::connack}, "0001 61"},
      {0x13, "Server Keep Alive", pt::two_byte_integer, {pc::connack}, "0001"},
      {0x15,
       "Authentication Method",
       pt::utf8_string,
       {pc::connect, pc::connack, pc::auth},
       "0001 61"},
      {0x16,
       "Authentication Data",
       pt::binary_data,
       {pc::connect, pc::connack, pc::auth},
       "0001 00"},
      {0x17, "Request Problem Information", pt::byte, {pc::connect}, "01"},
      {0x18, "Will Delay Interval", pt::four_byte_integer, {pc::will}, "00000001"},
      {0x19, "Request Response Information", pt::byte, {pc::connect}, "01"},
      {0x1A, "Response Information", pt::utf8_string, {pc::connack}, "0001 61"},
      {0x1C, "Server Reference", pt::utf8_string, {pc::connack, pc::disconnect}, "0001 61"},
      {0x1F,
       "Reason String",
       pt::utf8_string,
       {pc::connack, pc::puback, pc::pubrec, pc::pubrel, pc::pubcomp, pc::suback, pc::unsuback,
        pc::disconnect, pc::auth},
       "0001 61"},
      {0x21, "Receive Maximum", pt::two_byte_integer, {pc::connect, pc::connack}, "0001"},
      {0x22, "Topic Alias Maximum", pt::two_byte_integer, {pc::connect, pc::connack}, "0001"},
      {0x23, "Topic Alias", pt::two_byte_integer, {pc::publish}, "0001"},
      {0x24, "Maximum QoS", pt::byte, {pc::connack}, "01"},
      {0x25, "Retain Available", pt::byte, {pc::connack}, "01"},
      {0x26,
       "User Property",
       pt::utf8_string_pair,
       {pc::connect, pc::connack, pc::publish, pc::will, pc::puback, pc::pubrec, pc::pubrel,
        pc::pubcomp, pc::subscribe, pc::suback, pc::unsubscribe, pc::unsuback, pc::disconnect,
        pc::auth},
       "0001 61 0001 62"},
      {0x27, "Maximum Packet Size", pt::four_byte_integer, {pc::connect, pc::connack}, "00000001"},
      {0x28, "Wildcard Subscription Available", pt::byte, {pc::connack}, "01"},
      {0x29, "Subscription Identifier Available", pt::byte, {pc::connack}, "01"},
      {0x2A, "Shared Subscription Available", pt::byte, {pc::connack}, "01"},
  };
  return rows;
}

const spec_row* spec_find(std::uint32_t id) {
  for (const spec_row& r : spec_table()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool spec_allows(const spec_row& r, property_context c) {
  return std::find(r.contexts.begin(), r.contexts.end(), c) != r.contexts.end();
}

// one_property is the identifier byte followed by the row's sample value.
std::string one_property(const spec_row& r) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string s;
  s += digits[r.id >> 4];
  s += digits[r.id & 0xF];
  s += ' ';
  s += r.sample;
  s += ' ';
  return s;
}

// prelude is what a set needs besides the property under test: Authentication Data in
// CONNECT needs an Authentication Method (3.1.2.11).
std::string prelude(const spec_row& r, property_context c) {
  return (r.id == 0x16 && c == pc::connect) ? "15 0001 61 " : "";
}

TEST(PropertyTable, MatchesTableTwoFourOfTheSpec) {
  for (const spec_row& r : spec_table()) {
    SCOPED_TRACE(std::string(r.name));
    const property_info* info = find_property(r.id);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(static_cast<std::uint32_t>(info->id), r.id);
    EXPECT_EQ(info->name, r.name);
    EXPECT_EQ(info->type, r.type);
    for (property_context c : all_contexts) {
      EXPECT_EQ(property_allowed(info->id, c), spec_allows(r, c)) << context_label(c);
      EXPECT_EQ((info->contexts >> static_cast<unsigned>(c)) & 1u, spec_allows(r, c) ? 1u : 0u)
          << context_label(c);
    }
  }
}

TEST(PropertyTable, HasNoOtherIdentifiers) {
  for (std::uint32_t id = 0; id < 0x400; ++id) {
    if (spec_find(id) == nullptr) {
      EXPECT_EQ(find_property(id), nullptr) << id;
    }
  }
  EXPECT_EQ(find_property(0x10000001u), nullptr);
  EXPECT_EQ(find_property(vbi_max), nullptr);
}

TEST(PropertyTable, ContextNames) {
  const std::array<std::string_view, 14> names{
      "CONNECT", "CONNACK",   "PUBLISH", "Will Properties", "PUBACK",   "PUBREC",     "PUBREL",
      "PUBCOMP", "SUBSCRIBE", "SUBACK",  "UNSUBSCRIBE",     "UNSUBACK", "DISCONNECT", "AUTH"};
  for (std::size_t i = 0; i < all_contexts.size(); ++i) {
    EXPECT_EQ(property_context_name(all_contexts[i]), names[i]);
  }
}

// ---------------------------------------------------------------------------------------
// Every property: the exact bytes of a set holding it, and back.

struct property_case {
  const char* label;
  property_context context;
  properties value;
  const char* wire;
};

// with is a set holding one optional field.
template <typename Field>
properties with(Field properties::*field, typename Field::value_type value) {
  properties p;
  p.*field = std::move(value);
  return p;
}

properties with_user(std::vector<user_property> u) {
  properties p;
  p.user_properties = std::move(u);
  return p;
}

properties with_subscription_ids(std::vector<std::uint32_t> ids) {
  properties p;
  p.subscription_identifiers = std::move(ids);
  return p;
}

const property_case property_cases[] = {
    {"PayloadFormatIndicator", pc::publish, with(&properties::payload_format_indicator, 1),
     "02 01 01"},
    {"PayloadFormatIndicatorZeroInWill", pc::will, with(&properties::payload_format_indicator, 0),
     "02 01 00"},
    {"MessageExpiryInterval", pc::publish, with(&properties::message_expiry_interval, 0x12345678),
     "05 02 12345678"},
    {"ContentType", pc::will, with(&properties::content_type, "text/plain"),
     "0D 03 000A 746578742F706C61696E"},
    {"ResponseTopic", pc::publish, with(&properties::response_topic, "r/t"), "06 08 0003 722F74"},
    {"CorrelationData", pc::publish, with(&properties::correlation_data, byte_buffer{0x00, 0xFF}),
     "05 09 0002 00FF"},
    {"EmptyCorrelationData", pc::will, with(&properties::correlation_data, byte_buffer{}),
     "03 09 0000"},
    {"SubscriptionIdentifierOne", pc::subscribe, with_subscription_ids({1}), "02 0B 01"},
    {"SubscriptionIdentifierTwoBytes", pc::publish, with_subscription_ids({128}), "03 0B 8001"},
    {"SubscriptionIdentifierMaximum", pc::subscribe, with_subscription_ids({268'435'455}),
     "05 0B FFFFFF7F"},
    {"SubscriptionIdentifiersInOrder", pc::publish, with_subscription_ids({300, 1}),
     "05 0B AC02 0B 01"},
    {"SessionExpiryInterval", pc::connect, with(&properties::session_expiry_interval, 0xFFFFFFFF),
     "05 11 FFFFFFFF"},
    {"SessionExpiryIntervalInDisconnect", pc::disconnect,
     with(&properties::session_expiry_interval, 0), "05 11 00000000"},
    {"AssignedClientIdentifier", pc::connack, with(&properties::assigned_client_identifier, "id"),
     "05 12 0002 6964"},
    {"ServerKeepAlive", pc::connack, with(&properties::server_keep_alive, 60), "03 13 003C"},
    {"AuthenticationMethod", pc::auth, with(&properties::authentication_method, "SCRAM"),
     "08 15 0005 534352414D"},
    {"AuthenticationData", pc::auth, with(&properties::authentication_data, byte_buffer{1, 2}),
     "05 16 0002 0102"},
    {"RequestProblemInformation", pc::connect, with(&properties::request_problem_information, 0),
     "02 17 00"},
    {"WillDelayInterval", pc::will, with(&properties::will_delay_interval, 10), "05 18 0000000A"},
    {"RequestResponseInformation", pc::connect, with(&properties::request_response_information, 1),
     "02 19 01"},
    {"ResponseInformation", pc::connack, with(&properties::response_information, "ri"),
     "05 1A 0002 7269"},
    {"ServerReference", pc::disconnect, with(&properties::server_reference, "h:1"),
     "06 1C 0003 683A31"},
    {"ReasonString", pc::puback, with(&properties::reason_string, "ok"), "05 1F 0002 6F6B"},
    {"EmptyReasonString", pc::unsuback, with(&properties::reason_string, ""), "03 1F 0000"},
    {"ReceiveMaximum", pc::connect, with(&properties::receive_maximum, 1), "03 21 0001"},
    {"TopicAliasMaximumZero", pc::connack, with(&properties::topic_alias_maximum, 0), "03 22 0000"},
    {"TopicAlias", pc::publish, with(&properties::topic_alias, 0xFFFF), "03 23 FFFF"},
    {"MaximumQos", pc::connack, with(&properties::maximum_qos, 0), "02 24 00"},
    {"RetainAvailable", pc::connack, with(&properties::retain_available, 1), "02 25 01"},
    {"UserProperty", pc::connect, with_user({{"a", "b"}}), "07 26 0001 61 0001 62"},
    {"UserPropertyEmptyStrings", pc::unsubscribe, with_user({{"", ""}}), "05 26 0000 0000"},
    {"MaximumPacketSize", pc::connack, with(&properties::maximum_packet_size, 1), "05 27 00000001"},
    {"WildcardSubscriptionAvailable", pc::connack,
     with(&properties::wildcard_subscription_available, 0), "02 28 00"},
    {"SubscriptionIdentifierAvailable", pc::connack,
     with(&properties::subscription_identifier_available, 1), "02 29 01"},
    {"SharedSubscriptionAvailable", pc::connack,
     with(&properties::shared_subscription_available, 0), "02 2A 00"},
};

class EveryProperty : public ::testing::TestWithParam<property_case> {};

TEST_P(EveryProperty, EncodesToExactBytes) {
  const property_case& c = GetParam();
  EXPECT_EQ(to_hex(encode(c.value), " "), to_hex(hex(c.wire), " "));
  EXPECT_EQ(properties_size(c.value) + 1, hex(c.wire).size());
}

TEST_P(EveryProperty, DecodesToTheSameField) {
  const property_case& c = GetParam();
  decoded d = decode(hex(c.wire), c.context);
  expect_ok(d);
  EXPECT_EQ(d.props, c.value);
  EXPECT_EQ(d.position, d.size);
}

INSTANTIATE_TEST_SUITE_P(Properties, EveryProperty, ::testing::ValuesIn(property_cases),
                         [](const auto& tp) { return std::string(tp.param.label); });

TEST(PropertyCases, CoverEveryIdentifier) {
  for (const spec_row& r : spec_table()) {
    bool found = false;
    for (const property_case& c : property_cases) {
      byte_buffer w = hex(c.wire);
      if (w.size() > 1 && w[1] == r.id) found = true;
    }
    EXPECT_TRUE(found) << r.name;
  }
}

// ---------------------------------------------------------------------------------------
// Where each property may appear (2.2.2.2): driven by table 2-4.

class EachIdentifier : public ::testing::TestWithParam<std::uint8_t> {
 protected:
  const spec_row& row() const { return *spec_find(GetParam()); }
};

TEST_P(EachIdentifier, MalformedWhereTableTwoFourDoesNotAllowIt) {
  const property_info* info = find_property(GetParam());
  ASSERT_NE(info, nullptr);
  int rejected = 0;
  for (property_context c : all_contexts) {
    if (property_allowed(info->id, c)) continue;
    SCOPED_TRACE(context_label(c));
    decoded d = decode(set_of(one_property(row())), c);
    expect_malformed(d);
    EXPECT_EQ(d.error.why, "PROPERTIES(" + context_label(c) + "): " + std::string(info->name) +
                               " (0x" + to_hex(byte_buffer{GetParam()}) + ") is not allowed in " +
                               context_label(c));
    ++rejected;
  }
  EXPECT_EQ(rejected, static_cast<int>(all_contexts.size() - row().contexts.size()));
}

TEST_P(EachIdentifier, AcceptedWhereTableTwoFourAllowsIt) {
  for (property_context c : row().contexts) {
    SCOPED_TRACE(context_label(c));
    decoded d = decode(set_of(prelude(row(), c) + one_property(row())), c);
    expect_ok(d);
    EXPECT_FALSE(d.props.empty());
  }
}

// Each property's paragraph makes a second copy of it a Protocol Error, except User
// Property (anywhere) and Subscription Identifier (PUBLISH only).
TEST_P(EachIdentifier, RepetitionRule) {
  for (property_context c : row().contexts) {
    SCOPED_TRACE(context_label(c));
    decoded d = decode(set_of(prelude(row(), c) + one_property(row()) + one_property(row())), c);
    bool may_repeat = row().id == 0x26 || (row().id == 0x0B && c == pc::publish);
    if (may_repeat) {
      expect_ok(d);
      if (row().id == 0x26) {
        EXPECT_EQ(d.props.user_properties, (std::vector<user_property>{{"a", "b"}, {"a", "b"}}));
      } else {
        EXPECT_EQ(d.props.subscription_identifiers, (std::vector<std::uint32_t>{1, 1}));
      }
    } else {
      expect_protocol_error(d);
      EXPECT_EQ(d.error.why, "PROPERTIES(" + context_label(c) + "): " + std::string(row().name) +
                                 " is included more than once");
    }
  }
}

// Repeated with other properties between the two copies is still a repeat.
TEST_P(EachIdentifier, RepetitionIsFoundAcrossOtherProperties) {
  for (property_context c : row().contexts) {
    SCOPED_TRACE(context_label(c));
    decoded d = decode(
        set_of(prelude(row(), c) + one_property(row()) + "26 0000 0000 " + one_property(row())), c);
    if (row().id == 0x26 || (row().id == 0x0B && c == pc::publish)) {
      expect_ok(d);
    } else {
      expect_protocol_error(d);
    }
  }
}

TEST_P(EachIdentifier, TruncatedValueIsMalformed) {
  byte_buffer body = hex(one_property(row()));
  for (std::size_t cut = 1; cut < body.size(); ++cut) {
    SCOPED_TRACE(cut);
    byte_buffer part(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(cut));
    decoded d = decode(with_length(part), row().contexts.front());
    expect_malformed(d);
    EXPECT_NE(d.error.why.find(" is truncated"), std::string::npos) << d.error.why;
  }
}

std::vector<std::uint8_t> spec_ids() {
  std::vector<std::uint8_t> ids;
  for (const spec_row& r : spec_table()) ids.push_back(r.id);
  return ids;
}

INSTANTIATE_TEST_SUITE_P(Properties, EachIdentifier, ::testing::ValuesIn(spec_ids()),
                         [](const auto& tp) {
                           std::string n(spec_find(tp.param)->name);
                           n.erase(std::remove(n.begin(), n.end(), ' '), n.end());
                           return n;
                         });

TEST(PropertyRepetition, SubscriptionIdentifierRepeatedInSubscribeIsProtocolError) {
  decoded d = decode(set_of("0B 01 0B 02"), pc::subscribe);
  expect_protocol_error(d);
  EXPECT_EQ(d.error.why,
            "PROPERTIES(SUBSCRIBE): Subscription Identifier is included more than once");
}

TEST(PropertyRepetition, SubscriptionIdentifiersRepeatedInPublishKeepWireOrder) {
  decoded d = decode(set_of("0B 05 0B 01 0B 05"), pc::publish);
  expect_ok(d);
  EXPECT_EQ(d.props.subscription_identifiers, (std::vector<std::uint32_t>{5, 1, 5}));
}

TEST(PropertyRepetition, UserPropertiesKeepOrderAndDuplicates) {
  properties p = with_user({{"k", "1"}, {"a", "2"}, {"k", "1"}, {"k", "0"}});
  byte_buffer wire = encode(p);
  EXPECT_EQ(to_hex(wire, " "),
            to_hex(hex("1C 26 0001 6B 0001 31 26 0001 61 0001 32 26 0001 6B 0001 31 "
                       "26 0001 6B 0001 30"),
                   " "));
  for (property_context c : all_contexts) {
    decoded d = decode(wire, c);
    expect_ok(d);
    EXPECT_EQ(d.props.user_properties, p.user_properties) << context_label(c);
  }
}

// ---------------------------------------------------------------------------------------
// Value rules.

struct value_case {
  const char* label;
  property_context context;
  const char* body;
  decode_status status;
  const char* why;  // exact, or empty for an accepted value
};

const value_case value_cases[] = {
    // 0 or 1 only.
    {"PayloadFormatIndicatorTwo", pc::publish, "01 02", decode_status::protocol_error,
     "PROPERTIES(PUBLISH): Payload Format Indicator is 2, not 0 or 1"},
    {"PayloadFormatIndicatorFFInWill", pc::will, "01 FF", decode_status::protocol_error,
     "PROPERTIES(Will Properties): Payload Format Indicator is 255, not 0 or 1"},
    {"PayloadFormatIndicatorZero", pc::publish, "01 00", decode_status::ok, ""},
    {"RequestProblemInformationTwo", pc::connect, "17 02", decode_status::protocol_error,
     "PROPERTIES(CONNECT): Request Problem Information is 2, not 0 or 1"},
    {"RequestProblemInformationOne", pc::connect, "17 01", decode_status::ok, ""},
    {"RequestResponseInformationTwo", pc::connect, "19 02", decode_status::protocol_error,
     "PROPERTIES(CONNECT): Request Response Information is 2, not 0 or 1"},
    {"RequestResponseInformationZero", pc::connect, "19 00", decode_status::ok, ""},
    {"RetainAvailableTwo", pc::connack, "25 02", decode_status::protocol_error,
     "PROPERTIES(CONNACK): Retain Available is 2, not 0 or 1"},
    {"RetainAvailableZero", pc::connack, "25 00", decode_status::ok, ""},
    {"WildcardSubscriptionAvailableTwo", pc::connack, "28 02", decode_status::protocol_error,
     "PROPERTIES(CONNACK): Wildcard Subscription Available is 2, not 0 or 1"},
    {"WildcardSubscriptionAvailableOne", pc::connack, "28 01", decode_status::ok, ""},
    {"SubscriptionIdentifierAvailableTwo", pc::connack, "29 02", decode_status::protocol_error,
     "PROPERTIES(CONNACK): Subscription Identifier Available is 2, not 0 or 1"},
    {"SubscriptionIdentifierAvailableZero", pc::connack, "29 00", decode_status::ok, ""},
    {"SharedSubscriptionAvailableTwo", pc::connack, "2A 02", decode_status::protocol_error,
     "PROPERTIES(CONNACK): Shared Subscription Available is 2, not 0 or 1"},
    {"SharedSubscriptionAvailableOne", pc::connack, "2A 01", decode_status::ok, ""},
    {"MaximumQosTwo", pc::connack, "24 02", decode_status::protocol_error,
     "PROPERTIES(CONNACK): Maximum QoS is 2, not 0 or 1"},
    {"MaximumQosOne", pc::connack, "24 01", decode_status::ok, ""},
    // Not 0.
    {"ReceiveMaximumZeroInConnect", pc::connect, "21 0000", decode_status::protocol_error,
     "PROPERTIES(CONNECT): Receive Maximum is 0"},
    {"ReceiveMaximumZeroInConnack", pc::connack, "21 0000", decode_status::protocol_error,
     "PROPERTIES(CONNACK): Receive Maximum is 0"},
    {"ReceiveMaximumFFFF", pc::connack, "21 FFFF", decode_status::ok, ""},
    {"MaximumPacketSizeZeroInConnect", pc::connect, "27 00000000", decode_status::protocol_error,
     "PROPERTIES(CONNECT): Maximum Packet Size is 0"},
    {"MaximumPacketSizeZeroInConnack", pc::connack, "27 00000000", decode_status::protocol_error,
     "PROPERTIES(CONNACK): Maximum Packet Size is 0"},
    {"MaximumPacketSizeFFFFFFFF", pc::connect, "27 FFFFFFFF", decode_status::ok, ""},
    {"TopicAliasOne", pc::publish, "23 0001", decode_status::ok, ""},
    {"TopicAliasMaximumZero", pc::connect, "22 0000", decode_status::ok, ""},
    {"ServerKeepAliveZero", pc::connack, "13 0000", decode_status::ok, ""},
    {"SessionExpiryIntervalZero", pc::connect, "11 00000000", decode_status::ok, ""},
    {"MessageExpiryIntervalZero", pc::publish, "02 00000000", decode_status::ok, ""},
    // Subscription Identifier 1 to 268,435,455.
    {"SubscriptionIdentifierZeroInPublish", pc::publish, "0B 00", decode_status::protocol_error,
     "PROPERTIES(PUBLISH): Subscription Identifier is 0"},
    {"SubscriptionIdentifierZeroInSubscribe", pc::subscribe, "0B 00", decode_status::protocol_error,
     "PROPERTIES(SUBSCRIBE): Subscription Identifier is 0"},
    {"SubscriptionIdentifierZeroAfterValidOne", pc::publish, "0B 01 0B 00",
     decode_status::protocol_error, "PROPERTIES(PUBLISH): Subscription Identifier is 0"},
    {"SubscriptionIdentifierMaximum", pc::subscribe, "0B FFFFFF7F", decode_status::ok, ""},
    {"SubscriptionIdentifierNonMinimal", pc::subscribe, "0B 8100", decode_status::malformed,
     "PROPERTIES(SUBSCRIBE): Subscription Identifier is not minimally encoded [MQTT-1.5.5-1]"},
    {"SubscriptionIdentifierNonMinimalZero", pc::publish, "0B 8000", decode_status::malformed,
     "PROPERTIES(PUBLISH): Subscription Identifier is not minimally encoded [MQTT-1.5.5-1]"},
    {"SubscriptionIdentifierFiveBytes", pc::publish, "0B FFFFFFFF 7F", decode_status::malformed,
     "PROPERTIES(PUBLISH): Subscription Identifier is longer than 4 bytes"},
    {"SubscriptionIdentifierTruncated", pc::publish, "0B FF", decode_status::malformed,
     "PROPERTIES(PUBLISH): Subscription Identifier is truncated"},
    // Authentication Data needs an Authentication Method in CONNECT (3.1.2.11).
    {"AuthenticationDataWithoutMethodInConnect", pc::connect, "16 0001 00",
     decode_status::protocol_error,
     "PROPERTIES(CONNECT): Authentication Data without Authentication Method"},
    {"AuthenticationDataBeforeMethodInConnect", pc::connect, "16 0001 00 15 0001 61",
     decode_status::ok, ""},
    {"AuthenticationDataWithoutMethodInConnack", pc::connack, "16 0001 00", decode_status::ok, ""},
    {"AuthenticationDataWithoutMethodInAuth", pc::auth, "16 0001 00", decode_status::ok, ""},
};

class ValueRule : public ::testing::TestWithParam<value_case> {};

TEST_P(ValueRule, Holds) {
  const value_case& v = GetParam();
  decoded d = decode(set_of(v.body), v.context);
  EXPECT_EQ(d.error.status, v.status) << d.error.why;
  EXPECT_EQ(d.error.why, v.why);
  switch (v.status) {
    case decode_status::ok: EXPECT_EQ(d.position, d.size); break;
    case decode_status::malformed: expect_malformed(d); break;
    case decode_status::protocol_error: expect_protocol_error(d); break;
    case decode_status::need_more: FAIL() << "decode_properties never asks for more"; break;
  }
}

INSTANTIATE_TEST_SUITE_P(Properties, ValueRule, ::testing::ValuesIn(value_cases),
                         [](const auto& tp) { return std::string(tp.param.label); });

// [MQTT-3.3.2-8] Topic Alias 0 is a Protocol Error whose DISCONNECT reason is 0x94.
TEST(PropertyValues, TopicAliasZeroIsTopicAliasInvalid) {
  decoded d = decode(set_of("23 0000"), pc::publish);
  EXPECT_EQ(d.error.status, decode_status::protocol_error);
  EXPECT_EQ(d.error.code, reason_code::topic_alias_invalid);
  EXPECT_EQ(d.error.why, "PROPERTIES(PUBLISH): Topic Alias is 0 [MQTT-3.3.2-8]");
}

// Every byte value of every 0-or-1 property.
TEST(PropertyValues, ZeroOrOneBytesRejectEveryOtherValue) {
  const std::pair<std::uint8_t, property_context> bytes[] = {
      {0x01, pc::publish}, {0x17, pc::connect}, {0x19, pc::connect}, {0x24, pc::connack},
      {0x25, pc::connack}, {0x28, pc::connack}, {0x29, pc::connack}, {0x2A, pc::connack}};
  for (auto [id, c] : bytes) {
    for (unsigned v = 0; v < 256; ++v) {
      decoded d = decode(byte_buffer{2, id, static_cast<std::uint8_t>(v)}, c);
      if (v <= 1) {
        expect_ok(d);
      } else {
        expect_protocol_error(d);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Identifiers.

TEST(PropertyIdentifier, UnknownIsMalformed) {
  for (const char* id : {"00", "04", "2B", "7F"}) {
    SCOPED_TRACE(id);
    for (property_context c : all_contexts) {
      decoded d = decode(set_of(std::string(id) + " 00"), c);
      expect_malformed(d);
      EXPECT_EQ(d.error.why,
                "PROPERTIES(" + context_label(c) + "): identifier 0x" + id + " is unknown");
    }
  }
}

TEST(PropertyIdentifier, EverySingleByteIdentifierOutsideTheTableIsMalformed) {
  for (unsigned id = 0; id < 0x80; ++id) {
    if (spec_find(id) != nullptr) continue;
    decoded d = decode(byte_buffer{3, static_cast<std::uint8_t>(id), 0, 0}, pc::connack);
    expect_malformed(d);
  }
}

TEST(PropertyIdentifier, UnknownAfterValidPropertyIsMalformed) {
  expect_malformed(decode(set_of("21 0001 04 00"), pc::connect));
}

TEST(PropertyIdentifier, TwoByteIdentifierIsUnknown) {
  decoded d = decode(set_of("8001 00"), pc::connect);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, "PROPERTIES(CONNECT): identifier 0x80 is unknown");
  d = decode(set_of("A602 00"), pc::connect);  // 0x126
  expect_malformed(d);
  EXPECT_EQ(d.error.why, "PROPERTIES(CONNECT): identifier 0x126 is unknown");
}

// The identifier is a Variable Byte Integer: 0x81 0x00 encodes 1 in two bytes.
TEST(PropertyIdentifier, NonMinimalIdentifierIsMalformed) {
  decoded d = decode(set_of("8100 01"), pc::publish);
  expect_malformed(d);
  EXPECT_EQ(d.error.why,
            "PROPERTIES(PUBLISH): Property Identifier is not minimally encoded [MQTT-1.5.5-1]");
}

TEST(PropertyIdentifier, TruncatedAndOverlongIdentifiersAreMalformed) {
  decoded d = decode(set_of("80"), pc::publish);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, "PROPERTIES(PUBLISH): Property Identifier is truncated");
  d = decode(set_of("FFFFFFFF 7F"), pc::publish);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, "PROPERTIES(PUBLISH): Property Identifier is longer than 4 bytes");
}

// ---------------------------------------------------------------------------------------
// UTF-8 Encoded Strings and String Pairs (1.5.4, 1.5.7).

std::string bad_utf8_why(std::string_view ctx, std::string_view what, utf8_status s,
                         std::string_view id) {
  return "PROPERTIES(" + std::string(ctx) + "): " + std::string(what) + " is not valid UTF-8 (" +
         std::string(utf8_status_name(s)) + ")" + std::string(id);
}

TEST(PropertyUtf8, SurrogateIsMalformed) {
  decoded d = decode(set_of("03 0003 EDA080"), pc::publish);
  expect_malformed(d);
  EXPECT_EQ(d.error.why,
            bad_utf8_why("PUBLISH", "Content Type", utf8_status::surrogate, " [MQTT-1.5.4-1]"));
}

TEST(PropertyUtf8, NullCharacterIsMalformed) {
  decoded d = decode(set_of("1F 0003 61 00 62"), pc::puback);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, bad_utf8_why("PUBACK", "Reason String", utf8_status::null_character,
                                      " [MQTT-1.5.4-2]"));
}

TEST(PropertyUtf8, IllFormedIsMalformedInEveryStringProperty) {
  for (const spec_row& r : spec_table()) {
    if (r.type != property_type::utf8_string) continue;
    SCOPED_TRACE(std::string(r.name));
    byte_buffer body{r.id, 0x00, 0x02, 0xC0, 0x80};  // overlong NUL
    decoded d = decode(with_length(body), r.contexts.front());
    expect_malformed(d);
    EXPECT_EQ(d.error.why, bad_utf8_why(property_context_name(r.contexts.front()), r.name,
                                        utf8_status::ill_formed, " [MQTT-1.5.4-1]"));
  }
}

TEST(PropertyUtf8, UserPropertyNameAndValueAreBothChecked) {
  decoded d = decode(set_of("26 0001 FF 0001 62"), pc::connect);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, bad_utf8_why("CONNECT", "User Property name", utf8_status::ill_formed,
                                      " [MQTT-1.5.4-1]"));
  d = decode(set_of("26 0001 61 0003 EDBFBF"), pc::connect);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, bad_utf8_why("CONNECT", "User Property value", utf8_status::surrogate,
                                      " [MQTT-1.5.4-1]"));
}

TEST(PropertyUtf8, BinaryDataIsNotChecked) {
  decoded d = decode(set_of("09 0003 EDA080"), pc::publish);
  expect_ok(d);
  EXPECT_EQ(d.props.correlation_data, (byte_buffer{0xED, 0xA0, 0x80}));
}

TEST(PropertyUtf8, ByteOrderMarkIsKept) {
  decoded d = decode(set_of("03 0004 EFBBBF 61"), pc::publish);
  expect_ok(d);
  EXPECT_EQ(d.props.content_type, std::string("\xEF\xBB\xBF"
                                              "a"));
}

TEST(PropertyUtf8, DisallowedCodePointsFollowTheLimitsPolicy) {
  byte_buffer wire = set_of("1F 0002 61 01");
  expect_ok(decode(wire, pc::disconnect));
  decode_limits strict;
  strict.utf8 = utf8_policy::reject_disallowed;
  decoded d = decode(wire, pc::disconnect, strict);
  expect_malformed(d);
  EXPECT_EQ(d.error.why,
            bad_utf8_why("DISCONNECT", "Reason String", utf8_status::disallowed_code_point, ""));
}

// ---------------------------------------------------------------------------------------
// Property Length (2.2.2.1).

TEST(PropertyLength, EmptySetIsOneZeroByte) {
  EXPECT_EQ(encode(properties{}), byte_buffer{0x00});
  EXPECT_EQ(properties_size(properties{}), 0u);
  EXPECT_TRUE(properties{}.empty());
  for (property_context c : all_contexts) {
    decoded d = decode(byte_buffer{0x00}, c);
    expect_ok(d);
    EXPECT_TRUE(d.props.empty());
    EXPECT_EQ(d.position, 1u);
  }
}

TEST(PropertyLength, MissingIsMalformed) {
  decoded d = decode(byte_buffer{}, pc::connack);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, "PROPERTIES(CONNACK): Property Length is truncated");
}

TEST(PropertyLength, LargerThanRemainingBytesIsMalformed) {
  decoded d = decode(hex("05 21 0001"), pc::connect);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, "PROPERTIES(CONNECT): Property Length 5 exceeds the 3 bytes left");
  expect_malformed(decode(hex("01"), pc::connect));
  expect_malformed(decode(hex("FFFFFF7F 21 0001"), pc::connect));
}

TEST(PropertyLength, SmallerThanItsPropertiesCutsTheLastOne) {
  // Length 2 covers "21 00"; the rest of the value lies outside the set.
  decoded d = decode(hex("02 21 0001"), pc::connect);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, "PROPERTIES(CONNECT): Receive Maximum is truncated");
}

TEST(PropertyLength, NonMinimalIsMalformed) {
  for (const char* wire : {"80 00", "83 00 21 0001", "80 80 00", "80 80 80 00"}) {
    SCOPED_TRACE(wire);
    decoded d = decode(hex(wire), pc::connect);
    expect_malformed(d);
    EXPECT_EQ(d.error.why,
              "PROPERTIES(CONNECT): Property Length is not minimally encoded [MQTT-1.5.5-1]");
  }
}

TEST(PropertyLength, FiveBytesIsMalformed) {
  decoded d = decode(hex("FFFFFFFF 7F"), pc::connect);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, "PROPERTIES(CONNECT): Property Length is longer than 4 bytes");
}

TEST(PropertyLength, TruncatedVariableByteIntegerIsMalformed) {
  decoded d = decode(hex("80 80"), pc::connect);
  expect_malformed(d);
  EXPECT_EQ(d.error.why, "PROPERTIES(CONNECT): Property Length is truncated");
}

TEST(PropertyLength, ReaderStopsAfterTheProperties) {
  decoded d = decode(hex("03 21 0001 DEAD"), pc::connect);
  expect_ok(d);
  EXPECT_EQ(d.props.receive_maximum, 1);
  EXPECT_EQ(d.position, 4u);
}

TEST(PropertyLength, TwoByteLength) {
  properties p;
  p.reason_string = std::string(200, 'x');
  byte_buffer wire = encode(p);
  ASSERT_EQ(wire.size(), 2u + 203u);
  EXPECT_EQ(to_hex(byte_view(wire).first(5), " "), "CB 01 1F 00 C8");
  EXPECT_EQ(properties_size(p), 203u);
  decoded d = decode(wire, pc::disconnect);
  expect_ok(d);
  EXPECT_EQ(d.props, p);
  EXPECT_EQ(d.position, wire.size());
}

TEST(PropertyLength, DecodeReplacesWhatTheOutputHeld) {
  byte_buffer wire{0x00};
  detail::byte_reader r(wire);
  properties out;
  out.reason_string = "stale";
  out.user_properties.push_back({"a", "b"});
  decode_error e = decode_properties(r, pc::puback, decode_limits{}, out);
  EXPECT_FALSE(e);
  EXPECT_TRUE(out.empty());
}

// ---------------------------------------------------------------------------------------
// Truncation at every offset of a multi-property set.

// One PUBLISH set, property by property, in identifier order.
const std::vector<std::string_view> publish_chunks{
    "01 01", "02 0000003C", "03 0004 74657874", "08 0003 612F62",     "09 0002 BEEF",
    "0B 01", "0B 8001",     "23 0007",          "26 0001 6B 0001 76", "26 0001 6B 0001 77",
};

properties publish_set() {
  properties p;
  p.payload_format_indicator = 1;
  p.message_expiry_interval = 60;
  p.content_type = "text";
  p.response_topic = "a/b";
  p.correlation_data = byte_buffer{0xBE, 0xEF};
  p.subscription_identifiers = {1, 128};
  p.topic_alias = 7;
  p.user_properties = {{"k", "v"}, {"k", "w"}};
  return p;
}

byte_buffer publish_body() {
  byte_buffer body;
  for (std::string_view c : publish_chunks) {
    byte_buffer b = hex(c);
    body.insert(body.end(), b.begin(), b.end());
  }
  return body;
}

TEST(PropertyTruncation, MultiPropertySetEncodesAsExpected) {
  EXPECT_EQ(to_hex(encode(publish_set()), " "), to_hex(with_length(publish_body()), " "));
  decoded d = decode(with_length(publish_body()), pc::publish);
  expect_ok(d);
  EXPECT_EQ(d.props, publish_set());
}

// The bytes end early: the Property Length points past them.
TEST(PropertyTruncation, EveryPrefixOfTheBytesIsMalformed) {
  byte_buffer wire = with_length(publish_body());
  for (std::size_t n = 0; n < wire.size(); ++n) {
    SCOPED_TRACE(n);
    byte_buffer prefix(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n));
    decoded d = decode(prefix, pc::publish);
    expect_malformed(d);
  }
}

// The Property Length itself is cut to every offset: only cuts at a property boundary
// leave a valid (shorter) set; every other cut truncates a value.
TEST(PropertyTruncation, PropertyLengthCutAtEveryOffset) {
  byte_buffer body = publish_body();
  std::vector<std::size_t> boundaries{0};
  for (std::string_view c : publish_chunks) boundaries.push_back(boundaries.back() + hex(c).size());
  for (std::size_t n = 0; n <= body.size(); ++n) {
    SCOPED_TRACE(n);
    byte_buffer part(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
    part.push_back(0x99);  // bytes after the set are not read
    byte_buffer wire{static_cast<std::uint8_t>(n)};
    wire.insert(wire.end(), part.begin(), part.end());
    decoded d = decode(wire, pc::publish);
    bool at_boundary = std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
    if (at_boundary) {
      expect_ok(d);
      EXPECT_EQ(d.position, n + 1);
    } else {
      expect_malformed(d);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Encoding and round trips.

properties every_property() {
  properties p;
  p.payload_format_indicator = 1;
  p.message_expiry_interval = 3600;
  p.content_type = "application/json";
  p.response_topic = "reply/to";
  p.correlation_data = byte_buffer{0x01, 0x02, 0x03};
  p.subscription_identifiers = {268'435'455, 16'384, 1};
  p.session_expiry_interval = 0xFFFFFFFF;
  p.assigned_client_identifier = "auto-1";
  p.server_keep_alive = 30;
  p.authentication_method = "SCRAM-SHA-1";
  p.authentication_data = byte_buffer{0xAA, 0xBB};
  p.request_problem_information = 0;
  p.will_delay_interval = 5;
  p.request_response_information = 1;
  p.response_information = "resp/";
  p.server_reference = "other:1883";
  p.reason_string = "because";
  p.receive_maximum = 20;
  p.topic_alias_maximum = 10;
  p.topic_alias = 3;
  p.maximum_qos = 1;
  p.retain_available = 0;
  p.user_properties = {{"b", "2"}, {"a", "1"}, {"b", "2"}};
  p.maximum_packet_size = 1'048'576;
  p.wildcard_subscription_available = 1;
  p.subscription_identifier_available = 0;
  p.shared_subscription_available = 1;
  return p;
}

void clear_property(properties& p, property_id id) {
  switch (id) {
    case pid::payload_format_indicator: p.payload_format_indicator.reset(); break;
    case pid::message_expiry_interval: p.message_expiry_interval.reset(); break;
    case pid::content_type: p.content_type.reset(); break;
    case pid::response_topic: p.response_topic.reset(); break;
    case pid::correlation_data: p.correlation_data.reset(); break;
    case pid::subscription_identifier: p.subscription_identifiers.clear(); break;
    case pid::session_expiry_interval: p.session_expiry_interval.reset(); break;
    case pid::assigned_client_identifier: p.assigned_client_identifier.reset(); break;
    case pid::server_keep_alive: p.server_keep_alive.reset(); break;
    case pid::authentication_method: p.authentication_method.reset(); break;
    case pid::authentication_data: p.authentication_data.reset(); break;
    case pid::request_problem_information: p.request_problem_information.reset(); break;
    case pid::will_delay_interval: p.will_delay_interval.reset(); break;
    case pid::request_response_information: p.request_response_information.reset(); break;
    case pid::response_information: p.response_information.reset(); break;
    case pid::server_reference: p.server_reference.reset(); break;
    case pid::reason_string: p.reason_string.reset(); break;
    case pid::receive_maximum: p.receive_maximum.reset(); break;
    case pid::topic_alias_maximum: p.topic_alias_maximum.reset(); break;
    case pid::topic_alias: p.topic_alias.reset(); break;
    case pid::maximum_qos: p.maximum_qos.reset(); break;
    case pid::retain_available: p.retain_available.reset(); break;
    case pid::user_property: p.user_properties.clear(); break;
    case pid::maximum_packet_size: p.maximum_packet_size.reset(); break;
    case pid::wildcard_subscription_available: p.wildcard_subscription_available.reset(); break;
    case pid::subscription_identifier_available: p.subscription_identifier_available.reset(); break;
    case pid::shared_subscription_available: p.shared_subscription_available.reset(); break;
  }
}

// allowed_part keeps the properties of `p` that table 2-4 allows in `c`, and in SUBSCRIBE
// only the first Subscription Identifier.
properties allowed_part(properties p, property_context c) {
  for (const spec_row& r : spec_table()) {
    if (!spec_allows(r, c)) clear_property(p, static_cast<property_id>(r.id));
  }
  if (c == pc::subscribe) p.subscription_identifiers.resize(1);
  return p;
}

TEST(PropertyRoundTrip, EveryPropertyInEveryContextWhereAllowed) {
  const properties full = every_property();
  std::uint64_t covered = 0;
  for (property_context c : all_contexts) {
    SCOPED_TRACE(context_label(c));
    properties part = allowed_part(full, c);
    EXPECT_FALSE(part.empty());
    byte_buffer wire = encode(part);
    decoded d = decode(wire, c);
    expect_ok(d);
    EXPECT_EQ(d.props, part);
    EXPECT_EQ(d.position, wire.size());
    EXPECT_EQ(encode(d.props), wire);
    for (const spec_row& r : spec_table()) {
      if (spec_allows(r, c)) covered |= std::uint64_t{1} << r.id;
    }
  }
  for (const spec_row& r : spec_table()) {
    EXPECT_NE(covered & (std::uint64_t{1} << r.id), 0u) << r.name;
  }
}

TEST(PropertyRoundTrip, ConnackSetEncodesExactly) {
  properties p;
  p.session_expiry_interval = 0;
  p.receive_maximum = 10;
  p.maximum_qos = 1;
  p.reason_string = "hi";
  p.user_properties = {{"x", "y"}};
  byte_buffer wire = encode(p);
  EXPECT_EQ(to_hex(wire, " "),
            to_hex(hex("16 11 00000000 1F 0002 6869 21 000A 24 01 26 0001 78 0001 79"), " "));
  decoded d = decode(wire, pc::connack);
  expect_ok(d);
  EXPECT_EQ(d.props, p);
}

// Walks an encoded set with the table's types, returning the identifiers in wire order.
std::vector<std::uint8_t> identifiers_of(const byte_buffer& wire) {
  std::vector<std::uint8_t> ids;
  detail::byte_reader r(wire);
  vbi_result len = r.read_vbi();
  EXPECT_EQ(len.status, vbi_status::ok);
  while (!r.at_end()) {
    std::uint8_t id = 0;
    EXPECT_TRUE(r.read_u8(id));
    ids.push_back(id);
    const property_info* info = find_property(id);
    if (info == nullptr) {
      ADD_FAILURE() << "unknown identifier " << int{id};
      break;
    }
    std::string s;
    byte_buffer b;
    switch (info->type) {
      case property_type::byte: r.skip(1); break;
      case property_type::two_byte_integer: r.skip(2); break;
      case property_type::four_byte_integer: r.skip(4); break;
      case property_type::variable_byte_integer: r.read_vbi(); break;
      case property_type::utf8_string: r.read_string(s); break;
      case property_type::binary_data: r.read_binary(b); break;
      case property_type::utf8_string_pair:
        r.read_string(s);
        r.read_string(s);
        break;
    }
  }
  return ids;
}

TEST(PropertyEncoding, EveryPropertyInIdentifierOrder) {
  properties full = every_property();
  byte_buffer wire = encode(full);
  EXPECT_EQ(wire.size(),
            vbi_size(static_cast<std::uint32_t>(properties_size(full))) + properties_size(full));
  std::vector<std::uint8_t> ids = identifiers_of(wire);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  // 27 identifiers, with 3 Subscription Identifiers and 3 User Properties.
  EXPECT_EQ(ids.size(), 27u + 2u + 2u);
  // No context allows all of them.
  for (property_context c : all_contexts) expect_malformed(decode(wire, c));
}

TEST(PropertyEncoding, AppendsToTheBuffer) {
  byte_buffer out{0xAA};
  properties p;
  p.topic_alias = 1;
  encode_properties(p, out);
  EXPECT_EQ(out, hex("AA 03 23 0001"));
}

// mqttcert builds invalid packets on purpose, so the encoder writes what it is given.
TEST(PropertyEncoding, WritesValuesTheDecoderRejects) {
  properties p;
  p.topic_alias = 0;
  p.receive_maximum = 0;
  p.subscription_identifiers = {0, 0};
  p.maximum_qos = 2;
  EXPECT_EQ(encode(p), hex("0C 0B 00 0B 00 21 0000 23 0000 24 02"));
}

TEST(PropertyEncoding, RefusesWhatTheWireCannotCarry) {
  properties too_big_id;
  too_big_id.subscription_identifiers = {vbi_max + 1};
  byte_buffer out;
  EXPECT_THROW(encode_properties(too_big_id, out), std::length_error);
  EXPECT_THROW((void)properties_size(too_big_id), std::length_error);

  properties long_string;
  long_string.reason_string = std::string(65'536, 'x');
  EXPECT_THROW(encode_properties(long_string, out), std::length_error);

  properties longest_string;
  longest_string.reason_string = std::string(65'535, 'x');
  byte_buffer ok;
  EXPECT_NO_THROW(encode_properties(longest_string, ok));
  EXPECT_EQ(ok.size(), 3u + 1u + 2u + 65'535u);
}

}  // namespace
}  // namespace mqtt::codec
