#include "reference-broker/auth/scram_auth_method.hpp"

#include <gtest/gtest.h>

namespace mqtt::broker::auth {
namespace {

codec::byte_buffer to_buffer(std::string_view s) { return codec::byte_buffer(s.begin(), s.end()); }
std::string to_text(const codec::byte_buffer& b) { return std::string(b.begin(), b.end()); }

std::shared_ptr<const password_file> sam_file() {
  const std::string line =
      "sam:" + format_scram_credentials(derive_scram_credentials("pencil", random_salt(16))) + "\n";
  return std::make_shared<const password_file>(password_file::parse(line, "pw"));
}

// run_exchange drives one SCRAM exchange through the core's interface.
auth_step run_exchange(const auth_methods& m, const std::string& user, const std::string& pw) {
  auto x = m.start("SCRAM-SHA-256");
  EXPECT_TRUE(x);
  if (!x) return {};
  scram_client client(user, pw, random_scram_nonce());
  auth_step first = x->step(to_buffer(client.first_message()));
  EXPECT_EQ(first.what, auth_step::kind::challenge) << first.why;
  auto final = client.final_message(to_text(first.data), nullptr);
  EXPECT_TRUE(final);
  auth_step last = x->step(to_buffer(final.value_or("")));
  if (last.what == auth_step::kind::success) {
    std::string why;
    EXPECT_TRUE(client.verify_server_final(to_text(last.data), &why)) << why;
  }
  return last;
}

TEST(ScramAuthMethod, RightPasswordSucceedsAsTheUser) {
  scram_auth_methods m(sam_file());
  auth_step s = run_exchange(m, "sam", "pencil");
  EXPECT_EQ(s.what, auth_step::kind::success);
  EXPECT_EQ(s.identity, "sam");
}

TEST(ScramAuthMethod, WrongPasswordAndUnknownUserFailAlike) {
  scram_auth_methods m(sam_file());
  auth_step wrong = run_exchange(m, "sam", "pen");
  auth_step unknown = run_exchange(m, "nobody", "pencil");
  EXPECT_EQ(wrong.what, auth_step::kind::failure);
  EXPECT_EQ(unknown.what, auth_step::kind::failure);
  EXPECT_EQ(wrong.reason, codec::reason_code::not_authorized);
  EXPECT_EQ(to_text(wrong.data), to_text(unknown.data));
}

TEST(ScramAuthMethod, OnlyScramSha256IsOffered) {
  scram_auth_methods m(sam_file());
  EXPECT_FALSE(m.start("SCRAM-SHA-1"));
  EXPECT_FALSE(m.start("mqttcert-unsupported-method"));
  EXPECT_TRUE(m.start("SCRAM-SHA-256"));
}

}  // namespace
}  // namespace mqtt::broker::auth
