// Byte-level rows of data/malformed_packets.json: malformed or forbidden packets from
// several sections, each row bound to its own statement ID.
#include "conformance/harness/packet_table.hpp"

using namespace mqtt::cert;

class V311PacketTable : public packet_table_test {
 protected:
  V311PacketTable() : packet_table_test(mqtt::codec::protocol_version::v3_1_1) {}
};

TEST_P(V311PacketTable, Row) { run_row(); }

INSTANTIATE_TEST_SUITE_P(MalformedPackets, V311PacketTable,
                         ::testing::ValuesIn(load_packet_table(MQTTCERT_DATA_DIR
                                                               "/malformed_packets.json")),
                         packet_table_row_name);
