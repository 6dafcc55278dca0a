#include "property/model/commands.hpp"

#include <sstream>

#include <nlohmann/json.hpp>

namespace mqtt::property {
namespace {

using json = nlohmann::json;

const char* version_name(codec::protocol_version v) { return codec::is_v5(v) ? "5.0" : "3.1.1"; }

const char* kind_name(disconnect_kind k) {
  switch (k) {
    case disconnect_kind::normal: return "normal";
    case disconnect_kind::with_will: return "with_will";
    case disconnect_kind::abrupt: return "abrupt";
  }
  return "?";
}

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace

std::string describe(const command& c) {
  std::ostringstream o;
  std::visit(
      overloaded{
          [&](const connect_cmd& x) {
            o << "c" << x.client << " CONNECT " << version_name(x.version)
              << " clean=" << x.clean_start;
            if (codec::is_v5(x.version)) {
              o << " expiry=" << x.session_expiry;
              if (x.receive_maximum) o << " receive_maximum=" << x.receive_maximum;
            }
            if (x.will) o << " will";
          },
          [&](const disconnect_cmd& x) { o << "c" << x.client << " DISCONNECT " << kind_name(x.kind); },
          [&](const subscribe_cmd& x) {
            o << "c" << x.client << " SUBSCRIBE " << (x.shared ? "$share/g/" : "")
              << filter_names[x.filter] << " qos=" << int(x.max_qos);
            if (x.no_local) o << " no_local";
            if (x.retain_as_published) o << " rap";
            if (x.retain_handling) o << " rh=" << int(x.retain_handling);
          },
          [&](const unsubscribe_cmd& x) {
            o << "c" << x.client << " UNSUBSCRIBE " << (x.shared ? "$share/g/" : "")
              << filter_names[x.filter];
          },
          [&](const publish_cmd& x) {
            o << "c" << x.client << " PUBLISH " << topic_names[x.topic] << " qos=" << int(x.q);
            if (x.retain) o << " retain";
            if (x.empty) o << " empty";
            if (x.message_expiry) o << " expiry=" << *x.message_expiry;
          },
          [&](const withhold_cmd& x) {
            o << "c" << x.client << (x.on ? " WITHHOLD acks" : " RESUME acks");
          },
          [&](const let_time_pass_cmd& x) { o << "WAIT " << x.seconds << " s"; },
      },
      c);
  return o.str();
}

std::string commands_to_json(const std::vector<command>& commands) {
  json arr = json::array();
  for (const auto& c : commands) {
    json j;
    std::visit(overloaded{
                   [&](const connect_cmd& x) {
                     j = {{"cmd", "connect"}, {"client", x.client},
                          {"version", version_name(x.version)}, {"clean_start", x.clean_start},
                          {"session_expiry", x.session_expiry},
                          {"receive_maximum", x.receive_maximum}, {"will", x.will}};
                   },
                   [&](const disconnect_cmd& x) {
                     j = {{"cmd", "disconnect"}, {"client", x.client}, {"kind", kind_name(x.kind)}};
                   },
                   [&](const subscribe_cmd& x) {
                     j = {{"cmd", "subscribe"}, {"client", x.client},
                          {"filter", filter_names[x.filter]}, {"qos", int(x.max_qos)},
                          {"no_local", x.no_local}, {"retain_as_published", x.retain_as_published},
                          {"retain_handling", x.retain_handling}};
                     if (x.shared) j["shared"] = true;
                   },
                   [&](const unsubscribe_cmd& x) {
                     j = {{"cmd", "unsubscribe"}, {"client", x.client}, {"filter", filter_names[x.filter]}};
                     if (x.shared) j["shared"] = true;
                   },
                   [&](const publish_cmd& x) {
                     j = {{"cmd", "publish"}, {"client", x.client}, {"topic", topic_names[x.topic]},
                          {"qos", int(x.q)}, {"retain", x.retain}, {"empty", x.empty}};
                     if (x.message_expiry) j["message_expiry"] = *x.message_expiry;
                   },
                   [&](const withhold_cmd& x) {
                     j = {{"cmd", "withhold"}, {"client", x.client}, {"on", x.on}};
                   },
                   [&](const let_time_pass_cmd& x) { j = {{"cmd", "wait"}, {"seconds", x.seconds}}; },
               },
               c);
    arr.push_back(std::move(j));
  }
  return arr.dump(2);
}

namespace {

template <std::size_t N>
int index_of(const char* const (&names)[N], const std::string& name) {
  for (std::size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<int>(i);
  return -1;
}

}  // namespace

std::optional<std::vector<command>> commands_from_json(const std::string& text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<std::vector<command>> {
    if (error) *error = why;
    return std::nullopt;
  };
  json arr = json::parse(text, nullptr, false);
  // A saved counterexample is an object whose "commands" is the array.
  if (arr.is_object() && arr.contains("commands")) arr = arr["commands"];
  if (arr.is_discarded() || !arr.is_array()) return fail("not a JSON array of commands");
  std::vector<command> out;
  try {
    for (const auto& j : arr) {
      const std::string cmd = j.at("cmd").get<std::string>();
      const int client = j.value("client", 0);
      if (client < 0 || client >= max_clients) return fail("client out of range in " + j.dump());
      if (cmd == "connect") {
        connect_cmd x;
        x.client = client;
        const std::string v = j.at("version").get<std::string>();
        if (v != "5.0" && v != "3.1.1") return fail("version must be 5.0 or 3.1.1: " + j.dump());
        x.version = v == "5.0" ? codec::protocol_version::v5_0 : codec::protocol_version::v3_1_1;
        x.clean_start = j.value("clean_start", true);
        x.session_expiry = j.value("session_expiry", 0u);
        x.receive_maximum = j.value("receive_maximum", std::uint16_t{0});
        x.will = j.value("will", false);
        out.push_back(x);
      } else if (cmd == "disconnect") {
        const std::string k = j.value("kind", "normal");
        disconnect_cmd x{client, k == "abrupt"      ? disconnect_kind::abrupt
                                 : k == "with_will" ? disconnect_kind::with_will
                                                    : disconnect_kind::normal};
        out.push_back(x);
      } else if (cmd == "subscribe" || cmd == "unsubscribe") {
        const int f = index_of(filter_names, j.at("filter").get<std::string>());
        if (f < 0) return fail("unknown filter in " + j.dump());
        const bool shared = j.value("shared", false);
        if (cmd == "unsubscribe") {
          out.push_back(unsubscribe_cmd{client, f, shared});
          continue;
        }
        subscribe_cmd x;
        x.client = client;
        x.filter = f;
        x.shared = shared;
        const int q = j.value("qos", 1);
        x.retain_handling = j.value("retain_handling", std::uint8_t{0});
        if (q < 0 || q > 2 || x.retain_handling > 2) return fail("qos or retain_handling out of range in " + j.dump());
        x.max_qos = static_cast<codec::qos>(q);
        x.no_local = j.value("no_local", false);
        x.retain_as_published = j.value("retain_as_published", false);
        out.push_back(x);
      } else if (cmd == "publish") {
        const int t = index_of(topic_names, j.at("topic").get<std::string>());
        if (t < 0) return fail("unknown topic in " + j.dump());
        publish_cmd x;
        x.client = client;
        x.topic = t;
        const int q = j.value("qos", 0);
        if (q < 0 || q > 2) return fail("qos out of range in " + j.dump());
        x.q = static_cast<codec::qos>(q);
        x.retain = j.value("retain", false);
        x.empty = j.value("empty", false);
        if (j.contains("message_expiry")) x.message_expiry = j["message_expiry"].get<std::uint32_t>();
        out.push_back(x);
      } else if (cmd == "withhold") {
        out.push_back(withhold_cmd{client, j.value("on", true)});
      } else if (cmd == "wait") {
        out.push_back(let_time_pass_cmd{j.value("seconds", 1u)});
      } else {
        return fail("unknown command '" + cmd + "'");
      }
    }
  } catch (const json::exception& e) {
    return fail(e.what());
  }
  return out;
}

}  // namespace mqtt::property
