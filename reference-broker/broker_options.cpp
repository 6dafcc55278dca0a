// broker_options.cpp: every mqtt-refbroker option, its help text, default and check.
#include "reference-broker/broker_options.hpp"

#include <cstddef>
#include <cstdint>

namespace mqtt::broker {

void add_broker_options(CLI::App& app, broker_options& o) {
  app.option_defaults()->always_capture_default();
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error
  app.set_config("--config", "",
                 "Read options from FILE (TOML or INI; keys are the long option names, e.g. "
                 "max-packet-size = 65536, listen = [\"tcp://0.0.0.0:1883\"])");

  broker_config& bc = o.server.core;

  app.add_option("--listen", o.listen,
                 "Listen URL, repeatable: tcp://HOST:PORT, ws://HOST:PORT/mqtt, "
                 "tls+tcp://HOST:PORT, wss://HOST:PORT/mqtt (port 0 picks a free port)")
      ->type_name("URL");
  app.add_option("--threads", o.threads,
                 "Run on N cores (the first N this process may use); 0 = all. nng 1.5.2 "
                 "fixes its thread count when it is built, so N bounds the CPUs its threads "
                 "run on rather than how many there are")
      ->type_name("N");
  app.add_option("--scheduling", o.scheduling,
                 "Linux scheduling policy of every broker thread. batch: a thread woken by "
                 "another does not preempt it but runs when it blocks, which in nng 1.5.2 "
                 "saves two context switches per arriving packet (docs/performance.md); "
                 "normal: the default policy")
      ->check(CLI::IsMember({"batch", "normal"}));

  auto* tls_group = app.add_option_group("TLS", "for tls+tcp:// and wss:// listeners");
  tls_group->add_option("--tls-cert", o.tls.cert_file, "Server certificate (chain), PEM")
      ->type_name("FILE");
  tls_group->add_option("--tls-key", o.tls.key_file, "Server private key, PEM, unencrypted")
      ->type_name("FILE");
  tls_group->add_option("--tls-ca", o.tls.ca_file,
                        "CA bundle to verify client certificates with (verified when offered)")
      ->type_name("FILE");
  tls_group->add_option("--tls-require-client-cert", o.tls.require_client_cert,
                        "Refuse TLS clients without a certificate valid under --tls-ca");

  auto* limits = app.add_option_group("Broker", "what CONNACK announces and the limits kept");
  limits->add_option("--max-packet-size", bc.maximum_packet_size,
                     "Largest packet accepted, bytes (Maximum Packet Size)")
      ->check(CLI::Range(std::uint32_t{16}, std::uint32_t{268'435'460}));
  limits->add_option("--receive-maximum", bc.receive_maximum,
                     "Receive Maximum: unacknowledged QoS 2 PUBLISHes per client")
      ->check(CLI::Range(1, 65535));
  limits->add_option("--topic-alias-maximum", bc.topic_alias_maximum,
                     "Topic Alias Maximum announced; 0 turns inbound aliases off");
  limits->add_option("--max-qos", o.max_qos, "Maximum QoS (0, 1 or 2)")->check(CLI::Range(0, 2));
  limits->add_option("--retain-available", bc.retain_available, "Retained messages (true/false)");
  limits->add_option("--wildcard-subscriptions", bc.wildcard_subscription_available,
                     "Wildcard subscriptions available (true/false)");
  limits->add_option("--subscription-identifiers", bc.subscription_identifiers_available,
                     "Subscription Identifiers available (true/false)");
  limits->add_option("--shared-subscriptions", bc.shared_subscription_available,
                     "Shared subscriptions available (true/false)");
  limits->add_option("--server-keep-alive", bc.server_keep_alive,
                     "Server Keep Alive, seconds; 0 uses each client's own Keep Alive");
  limits->add_option("--session-expiry-max", bc.maximum_session_expiry,
                     "Cap on Session Expiry Interval, seconds");
  limits->add_option("--allow-empty-client-id", bc.allow_empty_client_id,
                     "Assign a ClientID to clients that send an empty one (true/false)");
  limits->add_flag("--copy-per-subscription", bc.copy_per_subscription,
                   "Send a message that matches several subscriptions of a client once per "
                   "subscription (default: once, at the highest QoS)");
  limits->add_option("--max-client-id-length", bc.max_client_id_length,
                     "Longest ClientID accepted in bytes (0: any)");
  limits->add_option("--connect-timeout-ms", bc.connect_timeout_ms,
                     "Close a connection that has not completed CONNECT within this time")
      ->check(CLI::Range(100u, 3'600'000u));
  limits->add_option("--max-queued", bc.max_queued_messages,
                     "QoS 1/2 messages queued per session behind the in-flight window");
  limits->add_option("--max-inflight", bc.max_inflight_messages,
                     "QoS 1/2 messages in flight per session (the client's Receive Maximum "
                     "lowers it)")
      ->check(CLI::Range(1, 65535));
  limits->add_option("--max-properties", bc.max_properties,
                     "Properties per PUBLISH or Will, User Properties included; more gets "
                     "PUBACK/PUBREC/CONNACK 0x97 (0: any)");
  limits->add_option("--max-subscribe-filters", bc.max_subscribe_filters,
                     "Topic Filters per SUBSCRIBE; the ones past it get SUBACK 0x97 (0: any)");
  limits->add_option("--max-retained", bc.max_retained_messages, "Retained messages kept at most");
  limits->add_option("--sys-interval", bc.sys_interval_ms,
                     "$SYS/broker/... statistics period, milliseconds; 0 turns them off");
  limits->add_option("--max-connections", o.server.max_connections,
                     "Connections open at once; one more is closed as it is accepted, before "
                     "CONNACK")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  limits->add_option("--max-outbound-bytes", o.server.max_outbound_bytes,
                     "Bytes queued for one connection before it is closed as a slow consumer")
      ->check(CLI::Range(std::size_t{64 * 1024}, std::size_t{1} << 34));

  auto* auth_group = app.add_option_group("Auth", "password file, ACL file, HTTP webhooks");
  auth_group->add_option("--password-file", o.auth.password_file,
                         "mosquitto-style password file (make one with mqtt-passwd); "
                         "SCRAM lines (mqtt-passwd --scram) offer MQTT 5 enhanced "
                         "authentication SCRAM-SHA-256")
      ->type_name("FILE");
  auth_group->add_option("--acl-file", o.auth.acl_file, "mosquitto-style ACL file")
      ->type_name("FILE");
  auth_group->add_option("--allow-anonymous", o.auth.allow_anonymous,
                         "Let clients without a User Name in when nothing else decides "
                         "(true/false)");
  auth_group->add_option("--auth-webhook-url", o.auth.auth_webhook_url,
                         "HTTP(S) URL asked on CONNECT (fails closed)")
      ->type_name("URL");
  auth_group->add_option("--acl-webhook-url", o.auth.acl_webhook_url,
                         "HTTP(S) URL asked on PUBLISH and per SUBSCRIBE filter (fails closed)")
      ->type_name("URL");
  auth_group->add_option("--webhook-timeout-ms", o.webhook_timeout_ms,
                         "Whole-request webhook timeout; on expiry the request is denied")
      ->check(CLI::Range(1LL, 600'000LL));
  auth_group->add_option("--webhook-method", o.auth.webhook_method, "post or get")
      ->check(CLI::IsMember({"post", "get"}));
  auth_group->add_option("--webhook-body", o.auth.webhook_body, "form or json (POST bodies)")
      ->check(CLI::IsMember({"form", "json"}));
  auth_group->add_option("--webhook-config", o.auth.webhook_config,
                         "JSON webhook settings (params, headers); flags override its URLs")
      ->type_name("FILE");
  auth_group->add_option("--webhook-tls-ca", o.auth.webhook_tls_ca,
                         "CA bundle for https:// webhooks")
      ->type_name("FILE");

  app.add_option("--time-scale", o.server.time_scale,
                 "Test hook: run the broker clock N times faster than real time (keep alive, "
                 "will delay, expiry); for conformance runs only")
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--port-file", o.port_file,
                 "After binding, write each listener's port (one per line, --listen order) "
                 "to FILE")
      ->type_name("FILE");
  app.add_option("--log-level", o.log_level, "error, warn, info or debug")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
}

}  // namespace mqtt::broker
