// 6 Using WebSocket as a network transport: binary frames only, packets not aligned with
// frames, and the "mqtt" subprotocol. Runs against the broker's ws:// (or wss://) address:
// the launched reference broker's ws listener, or MQTTCERT_BROKER_WS; skipped without one.
// The bodies are shared with the other version (harness/s6_websocket_checks.hpp).
#include "conformance/harness/s6_websocket_checks.hpp"

using namespace mqtt::cert;

class V5WebSocket : public websocket_checks<v5_test> {};

// [MQTT-6.0.0-1] A PINGREQ sent in a WebSocket TEXT frame gets the connection closed (an
// error DISCONNECT first is allowed), not a PINGRESP.
TEST_F(V5WebSocket, TextFrameClosesConnection) {
  statement("MQTT-6.0.0-1");
  if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
  check_text_frame_closes_connection();
}

// [MQTT-6.0.0-2] A CONNECT split over two binary WebSocket messages (the cut inside the
// variable header) is reassembled and accepted.
TEST_F(V5WebSocket, ConnectSplitOverTwoMessagesIsAccepted) {
  statement("MQTT-6.0.0-2");
  if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
  check_connect_split_over_two_messages_is_accepted();
}

// [MQTT-6.0.0-2] A CONNECT sent as one binary message fragmented into two frames (BINARY
// without FIN, then CONTINUATION) is accepted.
TEST_F(V5WebSocket, ConnectFragmentedOverTwoFramesIsAccepted) {
  statement("MQTT-6.0.0-2");
  if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
  check_connect_fragmented_over_two_frames_is_accepted();
}

// [MQTT-6.0.0-2] CONNECT, SUBSCRIBE and PINGREQ in one binary frame are all read:
// CONNACK, SUBACK and PINGRESP come back in order.
TEST_F(V5WebSocket, SeveralPacketsInOneFrameAreAllRead) {
  statement("MQTT-6.0.0-2");
  if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
  check_several_packets_in_one_frame_are_all_read();
}

// [MQTT-6.0.0-2] Frame 1 holds CONNECT and the first 3 bytes of a SUBSCRIBE, frame 2 the
// rest of the SUBSCRIBE and a PINGREQ: CONNACK, SUBACK and PINGRESP come back.
TEST_F(V5WebSocket, PacketStraddlingTwoFramesIsReassembled) {
  statement("MQTT-6.0.0-2");
  if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
  check_packet_straddling_two_frames_is_reassembled();
}

// [MQTT-6.0.0-4] An upgrade offering "mqtt" is answered 101 with
// Sec-WebSocket-Protocol: mqtt.
TEST_F(V5WebSocket, UpgradeReturnsMqttSubprotocol) {
  statement("MQTT-6.0.0-4");
  if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
  check_upgrade_selects_mqtt("mqtt");
}

// [MQTT-6.0.0-4] An upgrade offering "mqttcert-other, mqtt" is answered with "mqtt", the
// only name the server may select.
TEST_F(V5WebSocket, UpgradeOfferingSeveralSelectsMqtt) {
  statement("MQTT-6.0.0-4");
  if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
  check_upgrade_selects_mqtt("mqttcert-other, mqtt");
}

// [MQTT-6.0.0-4] An upgrade offering no subprotocol (which breaks MQTT-6.0.0-3 on purpose)
// is refused, or accepted with no Sec-WebSocket-Protocol: RFC 6455 4.2.2 lets a server
// return only a name the client offered, so "mqtt" here would be a wrong selection.
TEST_F(V5WebSocket, UpgradeWithoutMqttIsNotAnsweredWithMqtt) {
  statement("MQTT-6.0.0-4");
  if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
  check_upgrade_without_mqtt_is_not_answered_with_mqtt();
}
