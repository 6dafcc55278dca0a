// fault_injection.hpp: known faults the conformance suite must catch, compiled only into
// mqtt-refbroker-faulty (CMake option MQTTCERT_FAULTS). In every other build fault()
// is constexpr false and the faulty branches vanish.
#pragma once

#include <string>
#include <string_view>

namespace mqtt::broker {

// The faults, by the name `mqtt-refbroker-faulty --fault NAME` takes.
inline constexpr std::string_view fault_names[] = {
    // 3 and 4 Control packets and operational behaviour (the first seeded faults)
    "no-qos-downgrade",        // forward at the publisher's QoS, ignoring the granted one
    "retained-not-cleared",    // an empty retained PUBLISH leaves the old message
    "will-on-clean-disconnect",// publish the will after DISCONNECT 0x00
    "topic-alias-unbounded",   // accept Topic Alias values above Topic Alias Maximum
    "no-dup-on-resend",        // resend unacknowledged PUBLISH with DUP 0
    "session-present-always-0",// CONNACK never says Session Present
    "resubscribe-keeps-options",// a repeated SUBSCRIBE keeps No Local / Retain As Published
    "overlap-lowest-qos",      // overlapping subscriptions deliver at the lowest QoS
    "shared-to-every-member",  // a shared subscription delivers to all its sessions
    // 2 Control packet format (the front end rewrites the fixed header before decoding)
    "reserved-flags-ignored-subscribe",   // SUBSCRIBE with flags other than 0010 accepted
    "reserved-flags-ignored-unsubscribe", // UNSUBSCRIBE with flags other than 0010 accepted
    "reserved-flags-ignored-pubrel",      // PUBREL with flags other than 0010 accepted
    "reserved-flags-ignored-disconnect",  // DISCONNECT with flags other than 0000 accepted
    // 3.1 CONNECT, 3.2 CONNACK
    "first-packet-not-connect-ignored",   // a packet before CONNECT is dropped, not closed
    "second-connect-ignored",             // a second CONNECT is dropped, not a protocol error
    "client-id-refusal-wrong-code",       // a refused ClientID gets "not authorized"
    "clean-start-keeps-session",          // Clean Start 1 resumes the stored session
    "takeover-keeps-old-connection",      // a ClientID taken over leaves the old one open
    "assigned-client-id-missing",         // CONNACK omits the Assigned Client Identifier
    "keep-alive-2x",                      // Keep Alive enforced at 2x instead of 1.5x
    "keep-alive-ignored",                 // Keep Alive never enforced
    "will-delay-ignored",                 // the will is published at once, ignoring its delay
    "will-delay-doubled",                 // the will is published at twice its delay
    "will-retain-ignored",                // a will is published with RETAIN 0
    "will-qos-0",                         // a will is published at QoS 0
    "session-expiry-doubled",             // a session outlives its expiry interval 2x
    "disconnect-expiry-ignored",          // DISCONNECT's Session Expiry Interval is ignored
    "denied-client-let-in",               // a CONNECT the authenticator refused is accepted
    // 3.3 PUBLISH
    "dup-copied-from-publisher",          // a first delivery carries the publisher's DUP
    "packet-id-from-publisher",           // deliveries reuse the publisher's Packet Identifier
    "packet-id-reused-in-flight",         // ids wrap at 4 without checking what is in flight
    "receive-maximum-ignored",            // the client's Receive Maximum is not honoured
    "message-expiry-not-decremented",     // forwarded Message Expiry Interval is the original
    "message-expiry-ignored",             // expired messages are still delivered
    "retain-flag-kept-without-rap",       // live forwards keep RETAIN 1 without RAP
    "topic-alias-kept-across-reconnect",  // outbound Topic Aliases survive a reconnect
    "oversize-packet-forwarded",          // the client's Maximum Packet Size is ignored
    "subscription-id-dropped",            // forwards carry no Subscription Identifier
    "user-properties-dropped",            // forwards lose the publisher's User Properties
    "qos2-inbound-delivered-twice",       // a repeated QoS 2 PUBLISH before PUBREL is routed again
    // 3.8 SUBSCRIBE, 3.10 UNSUBSCRIBE, 3.12 PINGREQ
    "retain-handling-1-ignored",          // Retain Handling 1 sends retained on a re-subscribe
    "retain-handling-2-ignored",          // Retain Handling 2 sends retained messages
    "no-local-ignored",                   // No Local 1 still delivers the client's own messages
    "retained-not-sent-on-subscribe",     // a new subscription gets no retained messages
    "suback-codes-reversed",              // SUBACK return codes in reverse order
    "unsubscribe-keeps-subscription",     // UNSUBACK sent, but the subscription stays
    "pingresp-missing",                   // PINGREQ is not answered
    // 4 Operational behaviour
    "qos2-delivered-twice-after-resume",  // a released QoS 2 flight is resent as PUBLISH
    "resend-order-broken",                // unacknowledged messages resent newest first
    "pubrel-unknown-id-no-pubcomp",       // a PUBREL for an unknown id gets no PUBCOMP
    "dollar-topics-match-wildcards",      // '#' and '+' at the first level match $ topics
    "hash-not-matching-parent",           // "a/#" does not match "a"
};

#if defined(MQTTCERT_FAULTS)
// injected_fault is set once at start-up, before any connection exists.
inline std::string& injected_fault() {
  static std::string name;
  return name;
}
inline bool fault(std::string_view name) { return injected_fault() == name; }
#else
constexpr bool fault(std::string_view) { return false; }
#endif

}  // namespace mqtt::broker
