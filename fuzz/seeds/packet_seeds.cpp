// packet_seeds.cpp: one valid packet per seed, for every packet type in 3.1.1 and 5.0:
// every property alone (two values each) and all together in every context table 2-4
// allows, every reason code table 2-6 allows on every packet that carries one, wills,
// QoS 0-2, retain, shared subscriptions, subscription options, topic aliases, user
// properties, empty and large fields. Each packet goes to decode_<type>_<version>_fuzzer,
// roundtrip_<version>_fuzzer and decode_packet_fuzzer; each property set also goes, as a
// Property Length + properties block, to properties_<context>_fuzzer.
#include <array>
#include <string>
#include <vector>

#include "fuzz/seeds/seed_sink.hpp"

namespace mqtt::fuzz_seeds {

namespace {

byte_buffer bytes_of(std::string_view s) { return byte_buffer(s.begin(), s.end()); }

// Large but below every target's max_len (4096), so libFuzzer keeps them whole.
const std::string long_text(1000, 'x');
const std::string utf8_text = "caf\xC3\xA9/\xE2\x82\xAC/\xF0\x9F\x98\x80/\xEF\xBB\xBF";  // é € 😀 BOM

struct context_entry {
  property_context context;
  std::string_view folder;  // properties_<folder>_fuzzer
};
constexpr std::array<context_entry, 14> contexts{{
    {property_context::connect, "connect"},         {property_context::connack, "connack"},
    {property_context::publish, "publish"},         {property_context::will, "will"},
    {property_context::puback, "puback"},           {property_context::pubrec, "pubrec"},
    {property_context::pubrel, "pubrel"},           {property_context::pubcomp, "pubcomp"},
    {property_context::subscribe, "subscribe"},     {property_context::suback, "suback"},
    {property_context::unsubscribe, "unsubscribe"}, {property_context::unsuback, "unsuback"},
    {property_context::disconnect, "disconnect"},   {property_context::auth, "auth"},
}};

// set_sample gives property `id` a valid value: a plain one, or (`edge`) one at a boundary
// of its type or the rules of 3.x (0 or the largest value, an empty or long string).
void set_sample(properties& p, property_id id, bool edge) {
  using pid = property_id;
  switch (id) {
    case pid::payload_format_indicator: p.payload_format_indicator = edge ? 1 : 0; break;
    case pid::message_expiry_interval: p.message_expiry_interval = edge ? 0xFFFFFFFF : 60; break;
    case pid::content_type: p.content_type = edge ? "" : "application/json"; break;
    case pid::response_topic: p.response_topic = edge ? utf8_text : "reply/to"; break;
    case pid::correlation_data: p.correlation_data = edge ? byte_buffer{} : bytes_of("corr-1"); break;
    case pid::subscription_identifier: p.subscription_identifiers.push_back(edge ? 268'435'455 : 1); break;
    case pid::session_expiry_interval: p.session_expiry_interval = edge ? 0xFFFFFFFF : 0; break;
    case pid::assigned_client_identifier:
      p.assigned_client_identifier = edge ? std::string(128, 'c') : "auto-0001";
      break;
    case pid::server_keep_alive: p.server_keep_alive = edge ? 65535 : 0; break;
    case pid::authentication_method: p.authentication_method = edge ? "" : "SCRAM-SHA-256"; break;
    case pid::authentication_data:
      // Authentication Data needs a method beside it (3.1.2.11.10).
      p.authentication_method = "SCRAM-SHA-256";
      p.authentication_data = edge ? byte_buffer(64, 0xA5) : bytes_of("n,,n=user,r=nonce");
      break;
    case pid::request_problem_information: p.request_problem_information = edge ? 1 : 0; break;
    case pid::will_delay_interval: p.will_delay_interval = edge ? 0xFFFFFFFF : 5; break;
    case pid::request_response_information: p.request_response_information = edge ? 1 : 0; break;
    case pid::response_information: p.response_information = edge ? "" : "resp/base"; break;
    case pid::server_reference: p.server_reference = edge ? "[::1]:8883" : "other.example"; break;
    case pid::reason_string: p.reason_string = edge ? utf8_text : "because"; break;
    case pid::receive_maximum: p.receive_maximum = edge ? 65535 : 1; break;
    case pid::topic_alias_maximum: p.topic_alias_maximum = edge ? 65535 : 0; break;
    case pid::topic_alias: p.topic_alias = edge ? 65535 : 1; break;
    case pid::maximum_qos: p.maximum_qos = edge ? 1 : 0; break;
    case pid::retain_available: p.retain_available = edge ? 1 : 0; break;
    case pid::user_property:
      p.user_properties.push_back(edge ? user_property{"", ""} : user_property{"k", "v"});
      if (edge) p.user_properties.push_back({utf8_text, "second"});
      break;
    case pid::maximum_packet_size: p.maximum_packet_size = edge ? 268'435'460 : 1024; break;
    case pid::wildcard_subscription_available: p.wildcard_subscription_available = edge ? 1 : 0; break;
    case pid::subscription_identifier_available:
      p.subscription_identifier_available = edge ? 1 : 0;
      break;
    case pid::shared_subscription_available: p.shared_subscription_available = edge ? 1 : 0; break;
  }
}

std::vector<property_id> allowed_ids(property_context c) {
  std::vector<property_id> ids;
  for (std::uint32_t id = 0; id < 0x80; ++id) {
    const property_info* info = find_property(id);
    if (info && property_allowed(info->id, c)) ids.push_back(info->id);
  }
  return ids;
}

// property_sets is every property set a context's seeds use: none, each property alone
// with a plain and an edge value, and all allowed properties together.
std::vector<properties> property_sets(property_context c) {
  std::vector<properties> sets{properties{}};
  properties all;
  for (const property_id id : allowed_ids(c)) {
    for (const bool edge : {false, true}) {
      properties one;
      set_sample(one, id, edge);
      sets.push_back(one);
    }
    set_sample(all, id, false);
  }
  if (c == property_context::publish) all.subscription_identifiers.push_back(300);  // may repeat
  if (property_allowed(property_id::user_property, c)) all.user_properties.push_back({"k", "v2"});
  sets.push_back(all);
  return sets;
}

std::string_view version_suffix(protocol_version v) { return is_v5(v) ? "v5" : "v311"; }

std::string_view type_folder(packet_type t) {
  static constexpr std::array<std::string_view, 16> names{
      "",         "connect",     "connack",  "publish", "puback",  "pubrec",
      "pubrel",   "pubcomp",     "subscribe", "suback", "unsubscribe", "unsuback",
      "pingreq",  "pingresp",    "disconnect", "auth"};
  return names[static_cast<std::size_t>(t)];
}

// packet_seeds collects the packets of one version and writes them out.
class packet_seeds {
 public:
  packet_seeds(seed_sink& sink, protocol_version v) : sink_(sink), v_(v), v5_(is_v5(v)) {}

  void add(const packet& p) {
    const byte_buffer wire = checked_encode(p, v_);
    const std::string suffix(version_suffix(v_));
    sink_.add("decode_" + std::string(type_folder(type_of(p))) + "_" + suffix + "_fuzzer", wire);
    sink_.add("roundtrip_" + suffix + "_fuzzer", wire);
    sink_.add("decode_packet_fuzzer", wire);
  }

  // props gives the property sets of context `c` (only the empty one before 5.0).
  std::vector<properties> props(property_context c) const {
    return v5_ ? property_sets(c) : std::vector<properties>{properties{}};
  }

  std::vector<std::uint8_t> reasons(packet_type t) const {
    std::vector<std::uint8_t> out;
    for (int r = 0; r < 256; ++r) {
      if (reason_code_allowed(static_cast<std::uint8_t>(r), t)) out.push_back(static_cast<std::uint8_t>(r));
    }
    return out;
  }

  void connects() {
    connect_packet base;
    base.version = v_;
    base.keep_alive = 60;
    base.client_id = "mqttcert";
    add(base);
    for (const std::uint16_t keep_alive : {std::uint16_t{0}, std::uint16_t{65535}}) {
      connect_packet p = base;
      p.keep_alive = keep_alive;
      p.clean_start = false;
      add(p);
    }
    {
      connect_packet p = base;
      p.client_id = "";  // the Server assigns one [MQTT-3.1.3-6]
      add(p);
      p.client_id = std::string(200, 'i');
      add(p);
      p.client_id = utf8_text;
      add(p);
    }
    {
      connect_packet p = base;
      p.username = "user";
      add(p);
      p.password = bytes_of("secret");
      add(p);
      p.username = std::string(300, 'u');
      p.password = byte_buffer(300, 0x00);
      add(p);
      if (v5_) {
        // 5.0 allows a Password without a User Name (3.1.2.9).
        p.username.reset();
        add(p);
      }
    }
    for (const qos q : {qos::at_most_once, qos::at_least_once, qos::exactly_once}) {
      for (const bool retain : {false, true}) {
        connect_packet p = base;
        p.will = will_message{"will/topic", bytes_of("gone"), q, retain, {}};
        p.username = "user";
        p.password = bytes_of("pass");
        add(p);
      }
    }
    {
      connect_packet p = base;
      p.will = will_message{"$SYS/x", {}, qos::at_least_once, false, {}};  // empty will payload
      add(p);
      p.will->payload = byte_buffer(1500, 'w');
      p.will->topic = long_text;
      add(p);
    }
    for (const properties& set : props(property_context::connect)) {
      connect_packet p = base;
      p.props = set;
      add(p);
    }
    for (const properties& set : props(property_context::will)) {
      connect_packet p = base;
      p.will = will_message{"will/t", bytes_of("bye"), qos::exactly_once, true, set};
      add(p);
    }
    if (!v5_) {
      connect_packet p = base;
      p.version = protocol_version::v3_1;  // MQIsdp, level 3: decoded in the 3.1.1 layout
      add(p);
      p.will = will_message{"w", bytes_of("x"), qos::at_least_once, false, {}};
      p.username = "u";
      p.password = bytes_of("p");
      add(p);
    }
  }

  void connacks() {
    const std::vector<std::uint8_t> codes =
        v5_ ? reasons(packet_type::connack) : std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5};
    for (const std::uint8_t code : codes) add(connack_packet{false, code, {}});
    add(connack_packet{true, 0, {}});  // session present
    for (const properties& set : props(property_context::connack)) add(connack_packet{false, 0, set});
  }

  void publishes() {
    for (const qos q : {qos::at_most_once, qos::at_least_once, qos::exactly_once}) {
      for (const bool retain : {false, true}) {
        publish_packet p;
        p.qos_level = q;
        p.retain = retain;
        p.topic = "sensors/room1/temp";
        p.packet_id = q == qos::at_most_once ? 0 : 1;
        p.payload = bytes_of("21.5");
        add(p);
        if (q != qos::at_most_once) {
          p.dup = true;  // a redelivery
          p.packet_id = 65535;
          add(p);
        }
      }
    }
    for (const std::string& topic : {std::string("t"), std::string("/"), std::string("$SYS/broker/uptime"),
                                     std::string("a//b/"), utf8_text, long_text}) {
      publish_packet p;
      p.topic = topic;
      add(p);  // empty payload
    }
    {
      publish_packet p;
      p.qos_level = qos::at_least_once;
      p.packet_id = 7;
      p.topic = "big";
      p.payload = byte_buffer(3000, 0x5A);
      add(p);
    }
    for (const properties& set : props(property_context::publish)) {
      publish_packet p;
      p.qos_level = qos::at_least_once;
      p.packet_id = 2;
      p.topic = "t/props";
      p.props = set;
      p.payload = bytes_of("{}");
      add(p);
    }
    if (v5_) {
      // A Topic Alias alone, with an empty Topic Name (3.3.2.3.4).
      publish_packet p;
      p.topic = "";
      p.props.topic_alias = 1;
      p.payload = bytes_of("aliased");
      add(p);
    }
  }

  template <typename Response>
  void pub_responses(packet_type t, property_context c) {
    add(Response{1, reason_code::success, {}});
    add(Response{65535, reason_code::success, {}});
    if (!v5_) return;
    for (const std::uint8_t code : reasons(t)) add(Response{10, static_cast<reason_code>(code), {}});
    for (const properties& set : props(c)) add(Response{11, reason_code::success, set});
  }

  void subscribes() {
    subscribe_packet base;
    base.packet_id = 1;
    for (const qos q : {qos::at_most_once, qos::at_least_once, qos::exactly_once}) {
      subscribe_packet p = base;
      p.subscriptions = {{"a/b", {q}}};
      add(p);
    }
    for (const std::string& filter :
         {std::string("#"), std::string("+"), std::string("a/+/c"), std::string("+/+/#"),
          std::string("$SYS/#"), std::string("/"), utf8_text, long_text}) {
      subscribe_packet p = base;
      p.subscriptions = {{filter, {qos::at_least_once}}};
      add(p);
    }
    if (v5_) {
      for (const std::string& filter : {std::string("$share/g/a/#"), std::string("$share/group-1/+"),
                                        std::string("$share/g//")}) {
        subscribe_packet p = base;
        p.subscriptions = {{filter, {qos::exactly_once}}};
        add(p);
      }
      for (int bits = 0; bits < 16; ++bits) {  // No Local, Retain As Published, Retain Handling
        const int handling = bits >> 2;
        if (handling > 2) continue;
        subscribe_packet p = base;
        subscribe_options o{qos::at_least_once, (bits & 1) != 0, (bits & 2) != 0,
                            static_cast<retain_handling>(handling)};
        p.subscriptions = {{"opts/#", o}};
        add(p);
      }
    }
    {
      subscribe_packet p = base;
      p.packet_id = 65535;
      for (int i = 0; i < 60; ++i) {
        p.subscriptions.push_back({"many/" + std::to_string(i), {static_cast<qos>(i % 3)}});
      }
      add(p);
    }
    for (const properties& set : props(property_context::subscribe)) {
      subscribe_packet p = base;
      p.props = set;
      p.subscriptions = {{"t/#", {qos::at_least_once}}};
      add(p);
    }
  }

  void subacks() {
    const std::vector<std::uint8_t> codes =
        v5_ ? reasons(packet_type::suback) : std::vector<std::uint8_t>{0, 1, 2, 0x80};
    for (const std::uint8_t code : codes) add(suback_packet{1, {}, {code}});
    add(suback_packet{2, {}, codes});  // all of them in one SUBACK
    for (const properties& set : props(property_context::suback)) add(suback_packet{3, set, {0}});
  }

  void unsubscribes() {
    add(unsubscribe_packet{1, {}, {"a/b"}});
    add(unsubscribe_packet{65535, {}, {"#", "+/x", "$SYS/#", utf8_text}});
    if (v5_) add(unsubscribe_packet{2, {}, {"$share/g/a/#"}});
    for (const properties& set : props(property_context::unsubscribe)) {
      add(unsubscribe_packet{3, set, {"t"}});
    }
  }

  void unsubacks() {
    if (!v5_) {
      add(unsuback_packet{1, {}, {}});
      add(unsuback_packet{65535, {}, {}});
      return;
    }
    const std::vector<std::uint8_t> codes = reasons(packet_type::unsuback);
    for (const std::uint8_t code : codes) add(unsuback_packet{1, {}, {code}});
    add(unsuback_packet{2, {}, codes});
    for (const properties& set : props(property_context::unsuback)) add(unsuback_packet{3, set, {0}});
  }

  void disconnects() {
    add(disconnect_packet{});
    if (!v5_) return;
    for (const std::uint8_t code : reasons(packet_type::disconnect)) {
      add(disconnect_packet{static_cast<reason_code>(code), {}});
    }
    for (const properties& set : props(property_context::disconnect)) {
      add(disconnect_packet{reason_code::normal_disconnection, set});
    }
  }

  void auths() {
    for (const std::uint8_t code : reasons(packet_type::auth)) {
      properties method;
      method.authentication_method = "SCRAM-SHA-256";
      add(auth_packet{static_cast<reason_code>(code), method});
    }
    for (const properties& set : props(property_context::auth)) {
      add(auth_packet{reason_code::continue_authentication, set});
    }
  }

  void all() {
    connects();
    connacks();
    publishes();
    pub_responses<puback_packet>(packet_type::puback, property_context::puback);
    pub_responses<pubrec_packet>(packet_type::pubrec, property_context::pubrec);
    pub_responses<pubrel_packet>(packet_type::pubrel, property_context::pubrel);
    pub_responses<pubcomp_packet>(packet_type::pubcomp, property_context::pubcomp);
    subscribes();
    subacks();
    unsubscribes();
    unsubacks();
    add(pingreq_packet{});
    add(pingresp_packet{});
    disconnects();
    if (v5_) auths();
  }

 private:
  seed_sink& sink_;
  protocol_version v_;
  bool v5_;
};

}  // namespace

void add_packet_seeds(seed_sink& sink) {
  packet_seeds(sink, protocol_version::v3_1_1).all();
  packet_seeds(sink, protocol_version::v5_0).all();
  // The properties blocks on their own. Their packets above were checked by a decode.
  for (const context_entry& c : contexts) {
    const std::string target = "properties_" + std::string(c.folder) + "_fuzzer";
    for (const properties& set : property_sets(c.context)) {
      byte_buffer block;
      encode_properties(set, block);
      sink.add(target, block);
    }
  }
}

}  // namespace mqtt::fuzz_seeds
