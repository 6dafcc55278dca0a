#include "conformance/harness/packet_table.hpp"

#include "conformance/harness/conformance_test.hpp"  // counted EXPECT_* (a row must check)

#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "codec/hex.hpp"
#include "conformance/harness/wire_format.hpp"

namespace mqtt::cert {

std::vector<packet_table_row> load_packet_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read packet table " + path);
  nlohmann::json j = nlohmann::json::parse(in);
  std::vector<packet_table_row> rows;
  std::set<std::string> names;
  for (const auto& r : j.at("rows")) {
    packet_table_row row;
    row.name = r.at("name").get<std::string>();
    row.statement = r.at("statement").get<std::string>();
    row.setup = r.value("setup", row.setup);
    if (row.setup != "connect" && row.setup != "none")
      throw std::runtime_error(path + ": row " + row.name + ": setup must be connect or none");
    const auto& send = r.at("send");
    if (send.is_string()) {
      row.send.push_back(send.get<std::string>());
    } else {
      for (const auto& s : send) row.send.push_back(s.get<std::string>());
    }
    for (const auto& s : row.send)
      if (!codec::from_hex(s)) throw std::runtime_error(path + ": row " + row.name + ": bad hex");
    if (r.contains("expect") && !r.at("expect").is_null()) {
      row.expect = r.at("expect").get<std::string>();
      if (!codec::from_hex(*row.expect))
        throw std::runtime_error(path + ": row " + row.name + ": bad expect hex");
    }
    row.expect_close = r.value("expect_close", false);
    row.should = r.value("level", std::string("must")) == "should";
    for (char ch : row.name)
      if (!std::isalnum(static_cast<unsigned char>(ch)))
        throw std::runtime_error(path + ": row name must be letters and digits: " + row.name);
    if (!names.insert(row.name).second)
      throw std::runtime_error(path + ": duplicate row name " + row.name);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string packet_table_row_name(const ::testing::TestParamInfo<packet_table_row>& info) {
  return info.param.name;
}

void PrintTo(const packet_table_row& row, std::ostream* os) {
  *os << row.name << " [" << row.statement << "]";
}

void packet_table_test::run_row() {
  const packet_table_row& row = GetParam();
  statement(row.statement);
  if (row.should) should();
  std::unique_ptr<raw_client> c =
      row.setup == "connect" ? connect_client("client") : open_client("client");
  ASSERT_TRUE(c);
  for (const auto& hex : row.send) c->send_hex(hex);

  if (row.expect) {
    auto want = *codec::from_hex(*row.expect);
    std::string want_text = "S→C " + packet_label(want) + " " + format_wire_hex(want, version());
    auto r = c->expect_packet();
    EXPECT_TRUE(r.is_packet() && r.bytes == want) << mismatch(want_text, r);
    if (HasFailure()) return;
    if (!row.expect_close) {
      // The answer alone does not pass the row: a broker that answers and then closes
      // for another reason must not. The connection still answers a PINGREQ.
      c->send_hex("C0 00");
      auto alive = c->expect_ack();
      EXPECT_TRUE(alive.as<codec::pingresp_packet>())
          << mismatch("the connection still open: S→C PINGRESP D0 00 to a later PINGREQ", alive);
    }
  }
  if (row.expect_close) {
    if (row.expect) {
      auto obs = c->expect_close();
      EXPECT_TRUE(obs.closed && obs.before.empty()) << mismatch("close", obs);
    } else {
      EXPECT_TRUE(closes_after_error(*c));
    }
  } else if (!row.expect) {
    auto r = c->expect_no_packet();
    EXPECT_EQ(r.status, recv_status::timeout)
        << mismatch("no packet and no close for " + std::to_string(quiet_window.count()) + " ms",
                    r);
  }
}

}  // namespace mqtt::cert
