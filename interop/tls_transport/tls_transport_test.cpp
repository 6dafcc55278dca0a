// tls_transport_test.cpp: the harness's tls:// and wss:// streams against mqtt-refbroker
// with a self-signed certificate made here with openssl.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "conformance/harness/broker_target.hpp"
#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/session_helpers.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

namespace {

// make_self_signed writes <dir>/<name>.crt and .key for 127.0.0.1 / localhost. False on
// any openssl failure.
bool make_self_signed(const std::string& dir, const std::string& name) {
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=mqttcert-" + name + " -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
      " -keyout '" + dir + "/" + name + ".key' -out '" + dir + "/" + name + ".crt'"
      " >'" + dir + "/openssl.log' 2>&1";
  return std::system(cmd.c_str()) == 0;
}

class TlsTransport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
      skip_reason_ = "openssl is not installed";
      return;
    }
    std::string tmpl = (std::filesystem::temp_directory_path() / "mqttcert-tls-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    ASSERT_TRUE(make_self_signed(dir_, "server")) << "openssl failed; see " << dir_ << "/openssl.log";
    ASSERT_TRUE(make_self_signed(dir_, "other")) << "openssl failed; see " << dir_ << "/openssl.log";
    const char* env = std::getenv("MQTTCERT_REFBROKER");
    const std::string binary = env && *env ? env : MQTTCERT_TLS_REFBROKER;
    tls_.scheme = "tls";
    tls_.port = pick_free_port();
    wss_.scheme = "wss";
    wss_.port = pick_free_port();
    wss_.path = "/mqtt";
    ::unsetenv("MQTTCERT_TLS_CA");
    std::string error;
    broker_ = broker_process::start_command(
        {binary, "--listen", "tls+tcp://127.0.0.1:" + std::to_string(tls_.port), "--listen",
         wss_.url(), "--tls-cert", dir_ + "/server.crt", "--tls-key", dir_ + "/server.key"},
        tls_, &error);
    ASSERT_TRUE(broker_) << error;
    ASSERT_TRUE(wait_until_accepting(wss_, 5s, broker_->pid())) << wss_.url() << " does not accept";
  }

  static void TearDownTestSuite() {
    broker_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(broker_) << "the broker did not start";
  }
  void TearDown() override { ::unsetenv("MQTTCERT_TLS_CA"); }

  // round_trip subscribes one client and publishes at QoS 1 from another, both over
  // `address`, and checks the message arrives.
  void round_trip(const broker_address& address, codec::protocol_version v) {
    const std::string topic = "mqttcert/tls/" + address.scheme + "/" + std::to_string(static_cast<int>(v));
    raw_client sub("sub", v);
    ASSERT_TRUE(sub.connect(address)) << sub.connect_error();
    connect_options o;
    o.client_id = "tlssub" + address.scheme + std::to_string(static_cast<int>(v));
    ASSERT_TRUE(connect_session(sub, o));
    ASSERT_TRUE(subscribe(sub, topic, codec::qos::at_least_once));
    raw_client pub("pub", v);
    ASSERT_TRUE(pub.connect(address)) << pub.connect_error();
    o.client_id = "tlspub" + address.scheme + std::to_string(static_cast<int>(v));
    ASSERT_TRUE(connect_session(pub, o));
    ASSERT_TRUE(publish(pub, topic, "over " + address.scheme, codec::qos::at_least_once));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(sub, &got));
    EXPECT_EQ(got.payload, payload_bytes("over " + address.scheme));
    disconnect(pub);
    disconnect(sub);
  }

  static inline std::string skip_reason_;
  static inline std::string dir_;
  static inline broker_address tls_;
  static inline broker_address wss_;
  static inline std::unique_ptr<broker_process> broker_;
};

TEST_F(TlsTransport, TlsRoundTripV5) { round_trip(tls_, codec::protocol_version::v5_0); }
TEST_F(TlsTransport, TlsRoundTripV311) { round_trip(tls_, codec::protocol_version::v3_1_1); }
TEST_F(TlsTransport, WssRoundTripV5) { round_trip(wss_, codec::protocol_version::v5_0); }
TEST_F(TlsTransport, WssRoundTripV311) { round_trip(wss_, codec::protocol_version::v3_1_1); }

// With MQTTCERT_TLS_CA naming the broker's own (self-signed) certificate, verification
// passes; naming an unrelated certificate, the handshake is refused.
TEST_F(TlsTransport, VerifiesAgainstConfiguredCa) {
  ::setenv("MQTTCERT_TLS_CA", (dir_ + "/server.crt").c_str(), 1);
  raw_client ok("verified");
  EXPECT_TRUE(ok.connect(tls_)) << ok.connect_error();
  raw_client wss_ok("verified-wss");
  EXPECT_TRUE(wss_ok.connect(wss_)) << wss_ok.connect_error();
}

TEST_F(TlsTransport, RefusesCertificateOutsideConfiguredCa) {
  ::setenv("MQTTCERT_TLS_CA", (dir_ + "/other.crt").c_str(), 1);
  raw_client bad("unverified");
  EXPECT_FALSE(bad.connect(tls_)) << "the handshake succeeded with an unrelated CA";
  EXPECT_NE(bad.connect_error().find("TLS handshake failed"), std::string::npos) << bad.connect_error();
}

}  // namespace
