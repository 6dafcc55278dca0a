#include "interop/invariants/invariant_brokers.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "conformance/harness/suite_config.hpp"

#ifndef MQTTCERT_INVARIANT_REFBROKER
#define MQTTCERT_INVARIANT_REFBROKER "mqtt-refbroker"
#endif

namespace mqtt::cert::invariants {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "";
}

std::string refbroker_binary() {
  const std::string e = env("MQTTCERT_REFBROKER");
  return e.empty() ? MQTTCERT_INVARIANT_REFBROKER : e;
}

std::string mosquitto_binary() {
  const std::string e = env("MQTTCERT_MOSQUITTO");
  return e.empty() ? "/usr/sbin/mosquitto" : e;
}

std::unique_ptr<running_broker> wrap(broker_kind b, std::unique_ptr<broker_process> p) {
  if (!p) return nullptr;
  auto r = std::make_unique<running_broker>();
  r->kind = b;
  r->address = p->address();
  r->description = p->command();
  r->process = std::move(p);
  return r;
}

std::unique_ptr<running_broker> external(std::string* error) {
  const std::string url = env("MQTTCERT_INVARIANT_BROKER_URL");
  auto a = broker_address::parse(url, error);
  if (!a) return nullptr;
  auto r = std::make_unique<running_broker>();
  r->kind = broker_kind::external;
  r->address = *a;
  r->description = url;
  return r;
}

}  // namespace

std::string_view broker_name(broker_kind b) {
  switch (b) {
    case broker_kind::refbroker: return "refbroker";
    case broker_kind::mosquitto: return "mosquitto";
    case broker_kind::nanomq: return "nanomq";
    case broker_kind::external: return "external";
  }
  return "?";
}

std::vector<broker_kind> selected_brokers() {
  if (!env("MQTTCERT_INVARIANT_BROKER_URL").empty()) return {broker_kind::external};
  std::string list = env("MQTTCERT_INVARIANT_BROKERS");
  if (list.empty()) list = "refbroker,mosquitto,nanomq";
  std::vector<broker_kind> out;
  std::istringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    bool known = false;
    for (auto b : {broker_kind::refbroker, broker_kind::mosquitto, broker_kind::nanomq}) {
      if (broker_name(b) == name) {
        out.push_back(b);
        known = true;
      }
    }
    if (!known) std::fprintf(stderr, "MQTTCERT_INVARIANT_BROKERS: no broker named '%s'\n", name.c_str());
  }
  return out;
}

std::string unavailable_reason(broker_kind b) {
  std::string why;
  switch (b) {
    case broker_kind::nanomq:
      return nanomq_binary(&why).empty() ? why : "";
    case broker_kind::external:
      return env("MQTTCERT_INVARIANT_BROKER_URL").empty()
                 ? "no broker URL (MQTTCERT_INVARIANT_BROKER_URL)"
                 : "";
    default:
      return "";
  }
}

const broker_profile& profile_for(broker_kind b) {
  static std::map<broker_kind, broker_profile> cache;
  auto it = cache.find(b);
  if (it != cache.end()) return it->second;
  std::string path;
  switch (b) {
    case broker_kind::refbroker: path = bundled_profile_path("refbroker.json"); break;
    case broker_kind::mosquitto: path = bundled_profile_path("mosquitto-2.0.json"); break;
    case broker_kind::nanomq: path = bundled_profile_path("nanomq.json"); break;
    case broker_kind::external: path = env("MQTTCERT_PROFILE"); break;
  }
  broker_profile p;
  if (!path.empty()) {
    std::string error;
    if (auto loaded = load_profile(path, &error)) {
      p = *loaded;
    } else {
      std::fprintf(stderr, "invariants: %s\n", error.c_str());
    }
  }
  return cache.emplace(b, std::move(p)).first->second;
}

queue_limit default_queue_limit(broker_kind b) {
  switch (b) {
    case broker_kind::refbroker:
      return {"--max-queued 10000 (mqtt-refbroker's default)", 10'000, {}};
    case broker_kind::mosquitto:
      return {"max_queued_messages 1000 (Mosquitto's default)", 1'000, {}};
    case broker_kind::nanomq:
      return {"max_mqueue_len 1024 (NanoMQ's built-in default)", 1'024, {}};
    case broker_kind::external: {
      const std::string n = env("MQTTCERT_QUEUE_LIMIT");
      if (n.empty()) return {"not given (mqttcert interop --queue-limit N)", 0, {}};
      return {"--queue-limit " + n + " (as the user says the broker is configured)",
              static_cast<std::size_t>(std::strtoull(n.c_str(), nullptr, 10)), {}};
    }
  }
  return {};
}

queue_limit raised_queue_limit(broker_kind b) {
  switch (b) {
    case broker_kind::refbroker:
      return {"--max-queued 1000000", 1'000'000, {"--max-queued", "1000000"}};
    case broker_kind::mosquitto:
      // Not 0 (unbounded): some 2.0.x releases drop everything with 0.
      return {"max_queued_messages 1000000", 1'000'000, {"max_queued_messages 1000000"}};
    case broker_kind::nanomq:
      return {"max_mqueue_len 1000000", 1'000'000, {"mqtt {\n  max_mqueue_len = 1000000\n}"}};
    case broker_kind::external:
      return default_queue_limit(b);
  }
  return {};
}

std::unique_ptr<running_broker> start_broker(broker_kind b, const std::optional<queue_limit>& limit,
                                             std::string* error) {
  switch (b) {
    case broker_kind::refbroker:
      return wrap(b, broker_process::start_refbroker(refbroker_binary(), error, 1,
                                                     limit ? limit->config
                                                           : std::vector<std::string>{}));
    case broker_kind::mosquitto: {
      // The ordering invariant's Mosquitto runs with a queue bound above the whole run:
      // its default (1000) dropped QoS 1/2 messages to online subscribers at a lead of
      // 40 to 250 (Debian's 2.0.11), which is its drop policy, not what ordering checks.
      // The backlog phase measures that policy instead.
      const auto config = limit ? limit->config : raised_queue_limit(b).config;
      return wrap(b, broker_process::start_mosquitto(mosquitto_binary(), error, config));
    }
    case broker_kind::nanomq: {
      const std::string binary = nanomq_binary(error);
      if (binary.empty()) return nullptr;
      return wrap(b, broker_process::start_nanomq(
                         binary, error, limit ? limit->config : std::vector<std::string>{}));
    }
    case broker_kind::external:
      return external(error);
  }
  return nullptr;
}

bool has_auth_webhook(broker_kind b, std::string* why) {
  if (b == broker_kind::mosquitto) {
    if (why)
      *why = "Mosquitto has no HTTP auth hook in Debian's build (no mosquitto-go-auth or "
             "auth plugin package), so the auth-webhook invariant does not apply";
    return false;
  }
  if (b == broker_kind::external && env("MQTTCERT_WEBHOOK_LISTEN").empty()) {
    if (why)
      *why = "no webhook address to serve (mqttcert interop --webhook-listen HOST:PORT, then "
             "point the broker's HTTP auth at it)";
    return false;
  }
  return true;
}

std::chrono::milliseconds webhook_timeout(broker_kind b) {
  switch (b) {
    case broker_kind::refbroker: return std::chrono::milliseconds(300);
    case broker_kind::nanomq: return std::chrono::milliseconds(1000);
    default: {
      const std::string ms = env("MQTTCERT_WEBHOOK_TIMEOUT_MS");
      return std::chrono::milliseconds(ms.empty() ? 5000 : std::atoi(ms.c_str()));
    }
  }
}

namespace {

// nanomq_http_request writes one auth_http request block (auth_req or acl_req).
std::string nanomq_http_request(const std::string& name, const std::string& url,
                                const webhook_config& hooks, bool acl) {
  std::ostringstream o;
  o << "    " << name << " {\n"
    << "      url = \"" << url << "\"\n"
    << "      method = " << (hooks.get ? "get" : "post") << "\n"
    // NanoMQ sends no parameters at all when no header is configured.
    << "      headers.content-type = \""
    << (hooks.json ? "application/json" : "application/x-www-form-urlencoded") << "\"\n"
    << "      params = {clientid = \"%c\", username = \"%u\", password = \"%P\""
    << (acl ? ", access = \"%A\", topic = \"%t\"" : "") << "}\n"
    << "    }\n";
  return o.str();
}

}  // namespace

std::unique_ptr<running_broker> start_with_webhook(broker_kind b, const webhook_config& hooks,
                                                   std::string* error) {
  std::string why;
  if (!has_auth_webhook(b, &why)) {
    if (error) *error = why;
    return nullptr;
  }
  switch (b) {
    case broker_kind::refbroker: {
      std::vector<std::string> flags{
          "--log-level", "debug",
          "--auth-webhook-url", hooks.auth_url,
          "--acl-webhook-url", hooks.acl_url,
          "--webhook-timeout-ms", std::to_string(webhook_timeout(b).count()),
          "--allow-anonymous", "false",
          "--webhook-method", hooks.get ? "get" : "post"};
      if (!hooks.get) flags.insert(flags.end(), {"--webhook-body", hooks.json ? "json" : "form"});
      return wrap(b, broker_process::start_refbroker(refbroker_binary(), error, 1, flags));
    }
    case broker_kind::nanomq: {
      const std::string binary = nanomq_binary(error);
      if (binary.empty()) return nullptr;
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(webhook_timeout(b));
      std::ostringstream conf;
      conf << "auth {\n"
           << "  allow_anonymous = false\n"
           << "  no_match = deny\n"
           << "  deny_action = ignore\n"
           << "  http_auth = {\n"
           << "    timeout = " << seconds.count() << "s\n"
           << "    connect_timeout = " << seconds.count() << "s\n"
           << nanomq_http_request("auth_req", hooks.auth_url, hooks, false)
           << nanomq_http_request("acl_req", hooks.acl_url, hooks, true) << "  }\n"
           << "}";
      return wrap(b, broker_process::start_nanomq(binary, error, {conf.str()}, "debug"));
    }
    case broker_kind::external:
      return external(error);
    case broker_kind::mosquitto:
      break;
  }
  return nullptr;
}

}  // namespace mqtt::cert::invariants
