#include "reference-broker/auth/password_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "reference-broker/auth/config_error.hpp"

namespace mqtt::broker::auth {
namespace {

// Lines made with mosquitto_passwd 2.0.11 (Debian 12):
//   mosquitto_passwd -b pw alice 's3cret!'          (default: sha512-pbkdf2, 101 rounds)
//   mosquitto_passwd -H sha512 -b pw bob hunter2
//   mosquitto_passwd -b pw carol ''
constexpr std::string_view mosquitto_lines =
    "alice:$7$101$HqUxHUC2d1GQzFr5$v2z6dpIxVOpE/ZC5u5I+JLOR7WeY27BVcIEl0PFkl+SnowSss6WrsHrNbnIK"
    "66fsc4atfGJFTlc9mACChLs6Zg==\n"
    "bob:$6$G4fOoNNgvjVZT1VF$+HNokAmiiFLsZcWBXtgtSeHqtUNEh6FdgGoSD1NYhsv/EryC2JmxcT6+6OG3hYqD2V"
    "zMRzIYBJqKMoJ2ZcLxJQ==\n"
    "carol:$7$101$jP19MkwHMO9aFcVV$o/xfkrN1dzyqGIVVInkCihjc+1v0CIe6wDFSIC7pNVGP3TV/VMPm8kVn/hQJ"
    "8N2W8JtdWIN/sCQXFD+E+t4OBA==\n";

const std::string alice_line(mosquitto_lines.substr(0, mosquitto_lines.find('\n')));

std::optional<std::string> pw(std::string s) { return s; }

TEST(PasswordFile, AcceptsMosquittoPbkdf2HashWithRightPassword) {
  auto file = password_file::parse(mosquitto_lines, "pw");
  EXPECT_EQ(file.size(), 3u);
  EXPECT_EQ(file.check("alice", pw("s3cret!")), password_check::ok);
}

TEST(PasswordFile, RejectsMosquittoPbkdf2HashWithWrongPassword) {
  auto file = password_file::parse(mosquitto_lines, "pw");
  EXPECT_EQ(file.check("alice", pw("s3cret")), password_check::wrong_password);
  EXPECT_EQ(file.check("alice", pw("")), password_check::wrong_password);
  EXPECT_EQ(file.check("alice", std::nullopt), password_check::wrong_password);
}

TEST(PasswordFile, AcceptsMosquittoLegacySha512Hash) {
  auto file = password_file::parse(mosquitto_lines, "pw");
  EXPECT_EQ(file.check("bob", pw("hunter2")), password_check::ok);
  EXPECT_EQ(file.check("bob", pw("hunter3")), password_check::wrong_password);
}

TEST(PasswordFile, EmptyPasswordIsAPassword) {
  auto file = password_file::parse(mosquitto_lines, "pw");
  EXPECT_EQ(file.check("carol", pw("")), password_check::ok);
  EXPECT_EQ(file.check("carol", pw("x")), password_check::wrong_password);
}

TEST(PasswordFile, UnknownUserIsReportedAsUnknown) {
  auto file = password_file::parse(mosquitto_lines, "pw");
  EXPECT_EQ(file.check("mallory", pw("s3cret!")), password_check::unknown_user);
  EXPECT_FALSE(file.contains("mallory"));
  EXPECT_TRUE(file.contains("alice"));
}

TEST(PasswordFile, HashPasswordReproducesMosquittoHash) {
  auto parsed = parse_password_hash(
      "$7$101$HqUxHUC2d1GQzFr5$v2z6dpIxVOpE/ZC5u5I+JLOR7WeY27BVcIEl0PFkl+SnowSss6WrsHrNbnIK66fs"
      "c4atfGJFTlc9mACChLs6Zg==");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->iterations, 101u);
  EXPECT_EQ(parsed->salt.size(), 12u);
  password_hash again = hash_password("s3cret!", parsed->salt, 101);
  EXPECT_EQ(again.hash, parsed->hash);
  EXPECT_EQ(format_password_hash(again), format_password_hash(*parsed));
}

TEST(PasswordFile, FreshHashRoundTripsThroughTheFileFormat) {
  password_hash h = hash_password("pässword", random_salt(), 1000);
  std::string line = "dave:" + format_password_hash(h) + "\n";
  EXPECT_EQ(line.rfind("dave:$7$1000$", 0), 0u) << line;
  auto file = password_file::parse(line, "pw");
  EXPECT_EQ(file.check("dave", pw("pässword")), password_check::ok);
  EXPECT_EQ(file.check("dave", pw("password")), password_check::wrong_password);
}

TEST(PasswordFile, RandomSaltsDiffer) { EXPECT_NE(random_salt(), random_salt()); }

TEST(PasswordFile, SkipsCommentsBlankLinesAndCarriageReturns) {
  std::string text = "# users\n\n   \n" + alice_line + "\r\n";
  auto file = password_file::parse(text, "pw");
  EXPECT_EQ(file.size(), 1u);
  EXPECT_EQ(file.check("alice", pw("s3cret!")), password_check::ok);
}

struct bad_line_case {
  std::string text;
  std::string error;
};

class PasswordFileBadLine : public testing::TestWithParam<bad_line_case> {};

TEST_P(PasswordFileBadLine, NamesFileAndLine) {
  try {
    password_file::parse(GetParam().text, "/etc/pw");
    FAIL() << "accepted: " << GetParam().text;
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), GetParam().error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Lines, PasswordFileBadLine,
    testing::Values(
        bad_line_case{"alice\n", "/etc/pw:1: expected \"username:hash\""},
        bad_line_case{"# c\n:$6$AAAA$AAAA\n", "/etc/pw:2: empty username"},
        bad_line_case{"alice:secret\n",
                      "/etc/pw:1: user \"alice\": hash does not start with '$' (plain-text "
                      "passwords are not accepted)"},
        bad_line_case{"alice:$5$abc$def\n",
                      "/etc/pw:1: user \"alice\": hash is not \"$7$iterations$salt$hash\" or "
                      "\"$6$salt$hash\""},
        bad_line_case{"alice:$7$x$AAAA$AAAA\n",
                      "/etc/pw:1: user \"alice\": bad iteration count \"x\""},
        bad_line_case{"alice:$7$101$!!$AAAA\n", "/etc/pw:1: user \"alice\": salt is not base64"},
        bad_line_case{"alice:$7$101$AAAA$AAAA\n",
                      "/etc/pw:1: user \"alice\": hash is not 64 bytes of base64"},
        bad_line_case{alice_line + "\n" +
                          alice_line + "\n",
                      "/etc/pw:2: user \"alice\" appears twice"}));

// A "$scram-sha-256$" line for alice, password "pencil" (salt and iterations of RFC 7677).
std::string scram_line(const std::string& user) {
  return user + ":" +
         format_scram_credentials(derive_scram_credentials(
             "pencil", *decode_base64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096));
}

TEST(PasswordFile, ScramLineSitsBesideTheMosquittoLineOfTheSameUser) {
  auto file = password_file::parse(alice_line + "\n" + scram_line("alice") + "\n", "pw");
  EXPECT_EQ(file.size(), 1u);
  EXPECT_TRUE(file.has_password_users());
  EXPECT_TRUE(file.has_scram_users());
  EXPECT_EQ(file.check("alice", pw("s3cret!")), password_check::ok);
  scram_user u = file.find_scram("alice");
  EXPECT_TRUE(u.known);
  EXPECT_EQ(u.credentials.iterations, 4096u);
}

TEST(PasswordFile, ScramOnlyUserCannotLogInWithAPassword) {
  auto file = password_file::parse(scram_line("sam") + "\n", "pw");
  EXPECT_FALSE(file.has_password_users());
  EXPECT_TRUE(file.contains("sam"));
  EXPECT_EQ(file.check("sam", pw("pencil")), password_check::wrong_password);
  EXPECT_EQ(file.check("nobody", pw("pencil")), password_check::unknown_user);
}

TEST(PasswordFile, UnknownScramUserGetsAStableStandInSalt) {
  auto file = password_file::parse(scram_line("sam") + "\n", "pw");
  scram_user a = file.find_scram("nobody");
  scram_user b = file.find_scram("nobody");
  EXPECT_FALSE(a.known);
  EXPECT_EQ(a.credentials.salt, b.credentials.salt);
  EXPECT_NE(a.credentials.salt, file.find_scram("someone").credentials.salt);
}

TEST(PasswordFile, TwoScramLinesForOneUserAreRefused) {
  EXPECT_THROW(password_file::parse(scram_line("sam") + "\n" + scram_line("sam") + "\n", "pw"),
               config_error);
  EXPECT_THROW(password_file::parse("sam:$scram-sha-256$4096$AAAA$AAAA\n", "pw"), config_error);
}

TEST(PasswordFile, LoadNamesMissingFile) {
  try {
    password_file::load("/nonexistent/pw");
    FAIL();
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/pw: cannot open password file");
  }
}

TEST(PasswordFile, LoadReadsAFile) {
  auto path = std::filesystem::temp_directory_path() / "mqttcert_password_file_test.pw";
  { std::ofstream(path) << mosquitto_lines; }
  auto file = password_file::load(path);
  std::filesystem::remove(path);
  EXPECT_EQ(file.check("bob", pw("hunter2")), password_check::ok);
}

}  // namespace
}  // namespace mqtt::broker::auth
