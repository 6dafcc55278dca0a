// Byte-level rows of data/malformed_packets.json: malformed or forbidden packets from
// several sections, each row bound to its own statement ID.
#include "conformance/harness/packet_table.hpp"

using namespace mqtt::cert;

class V5PacketTable : public packet_table_test {
 protected:
  V5PacketTable() : packet_table_test(mqtt::codec::protocol_version::v5_0) {}
};

TEST_P(V5PacketTable, Row) { run_row(); }

INSTANTIATE_TEST_SUITE_P(MalformedPackets, V5PacketTable,
                         ::testing::ValuesIn(load_packet_table(MQTTCERT_DATA_DIR
                                                               "/malformed_packets.json")),
                         packet_table_row_name);
