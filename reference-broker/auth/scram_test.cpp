#include "reference-broker/auth/scram.hpp"

#include <gtest/gtest.h>

namespace mqtt::broker::auth {
namespace {

// RFC 7677 section 3: user "user", password "pencil".
constexpr std::string_view client_nonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view rfc_salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr std::string_view client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
constexpr std::string_view client_final_without_proof =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

const scram_credentials& pencil() {
  static const scram_credentials c =
      derive_scram_credentials("pencil", *decode_base64(rfc_salt), 4096);
  return c;
}

const bytes& secret() {
  static const bytes s = random_bytes(32);
  return s;
}

scram_user find_user(std::string_view name) {
  if (name == "user") return {pencil(), true};
  return {stand_in_scram_credentials(name, secret()), false};
}

scram_server rfc_server() { return scram_server(find_user, std::string(server_nonce)); }

TEST(Scram, ServerFollowsRfc7677Example) {
  scram_server s = rfc_server();
  scram_step first = s.step(client_first);
  ASSERT_EQ(first.what, scram_step::kind::challenge) << first.why;
  EXPECT_EQ(first.message, server_first);
  EXPECT_EQ(first.username, "user");
  scram_step last = s.step(client_final);
  ASSERT_EQ(last.what, scram_step::kind::success) << last.why;
  EXPECT_EQ(last.message, server_final);
}

TEST(Scram, ClientFollowsRfc7677Example) {
  scram_client c("user", "pencil", std::string(client_nonce));
  EXPECT_EQ(c.first_message(), client_first);
  std::string why;
  auto final = c.final_message(server_first, &why);
  ASSERT_TRUE(final) << why;
  EXPECT_EQ(*final, client_final);
  EXPECT_TRUE(c.verify_server_final(server_final, &why)) << why;
  EXPECT_FALSE(c.verify_server_final("v=AAAA", &why));
  EXPECT_FALSE(c.verify_server_final("e=invalid-proof", &why));
}

TEST(Scram, CredentialsRoundTripThroughPasswordFileForm) {
  const std::string text = format_scram_credentials(pencil());
  EXPECT_TRUE(text.starts_with("$scram-sha-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$"));
  auto back = parse_scram_credentials(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->iterations, 4096u);
  EXPECT_EQ(back->salt, pencil().salt);
  EXPECT_EQ(back->stored_key, pencil().stored_key);
  EXPECT_EQ(back->server_key, pencil().server_key);
}

TEST(Scram, MalformedCredentialsAreRefused) {
  std::string why;
  EXPECT_FALSE(parse_scram_credentials("$scram-sha-256$4096$c2FsdA==$AAAA", &why));
  EXPECT_FALSE(parse_scram_credentials("$scram-sha-256$0$c2FsdA==$AAAA$AAAA", &why));
  EXPECT_FALSE(parse_scram_credentials("$scram-sha-256$x$c2FsdA==$AAAA$AAAA", &why));
  EXPECT_FALSE(parse_scram_credentials("$7$101$c2FsdA==$AAAA", &why));
}

TEST(Scram, WrongPasswordFailsWithInvalidProof) {
  scram_server s = rfc_server();
  ASSERT_EQ(s.step(client_first).what, scram_step::kind::challenge);
  scram_client c("user", "pencil2", std::string(client_nonce));
  auto final = c.final_message(server_first, nullptr);
  ASSERT_TRUE(final);
  scram_step last = s.step(*final);
  EXPECT_EQ(last.what, scram_step::kind::failure);
  EXPECT_EQ(last.message, "e=invalid-proof");
}

TEST(Scram, UnknownUserRunsTheExchangeWithAStableSaltThenFails) {
  scram_server a(find_user, "nonceA");
  scram_server b(find_user, "nonceA");
  scram_step fa = a.step("n,,n=nobody,r=abc");
  scram_step fb = b.step("n,,n=nobody,r=abc");
  ASSERT_EQ(fa.what, scram_step::kind::challenge);
  EXPECT_EQ(fa.message, fb.message) << "the stand-in salt must not change between attempts";
  EXPECT_NE(fa.message, rfc_server().step("n,,n=other,r=abc").message);
  scram_client c("nobody", "anything", "abc");
  auto final = c.final_message(fa.message, nullptr);
  ASSERT_TRUE(final);
  scram_step last = a.step(*final);
  EXPECT_EQ(last.what, scram_step::kind::failure);
  EXPECT_EQ(last.message, "e=invalid-proof") << "same answer as a wrong password";
}

TEST(Scram, ClientFirstThatIsNotScramIsRefused) {
  for (std::string_view bad :
       {"", "mqttcert-wrong", "n,", "n,,", "n,,r=abc,n=user", "n,,n=user", "n,,n=,r=abc",
        "n,,n=us=41er,r=abc", "n,,n=user,r=", "n,,n=user,r=a b", "x,,n=user,r=abc",
        "n,,user,r=abc"}) {
    scram_server s = rfc_server();
    scram_step r = s.step(bad);
    EXPECT_EQ(r.what, scram_step::kind::failure) << "client-first \"" << bad << "\"";
    EXPECT_TRUE(r.message.starts_with("e=")) << r.message;
  }
}

TEST(Scram, ChannelBindingAuthzidAndMandatoryExtensionsAreRefused) {
  EXPECT_EQ(rfc_server().step("p=tls-unique,,n=user,r=abc").message,
            "e=channel-binding-not-supported");
  EXPECT_EQ(rfc_server().step("n,a=admin,n=user,r=abc").what, scram_step::kind::failure);
  EXPECT_EQ(rfc_server().step("n,,m=ext,n=user,r=abc").message, "e=extensions-not-supported");
}

TEST(Scram, OptionalExtensionsAreIgnoredAndYFlagIsAccepted) {
  EXPECT_EQ(rfc_server().step("n,,n=user,r=abc,x=later").what, scram_step::kind::challenge);
  scram_server s = rfc_server();
  ASSERT_EQ(s.step("y,,n=user,r=abc").what, scram_step::kind::challenge);
}

TEST(Scram, EscapedUserNamesAreDecoded) {
  std::string seen;
  scram_server s(
      [&](std::string_view name) {
        seen = name;
        return find_user(name);
      },
      "n");
  ASSERT_EQ(s.step("n,,n=a=2Cb=3Dc,r=abc").what, scram_step::kind::challenge);
  EXPECT_EQ(seen, "a,b=c");
  scram_client c("a,b=c", "pw", "abc");
  EXPECT_EQ(c.first_message(), "n,,n=a=2Cb=3Dc,r=abc");
}

TEST(Scram, ClientFinalMismatchesFail) {
  const std::string tampered_nonce =
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const std::string wrong_binding =
      "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const std::string short_proof = std::string(client_final_without_proof) + ",p=AAAA";
  const std::string flipped_proof = std::string(client_final_without_proof) +
                                    ",p=dHzcZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  for (const std::string& bad :
       {tampered_nonce, wrong_binding, short_proof, flipped_proof,
        std::string(client_final_without_proof), std::string("mqttcert-wrong"),
        std::string("r=x,c=biws,p=AAAA")}) {
    scram_server s = rfc_server();
    ASSERT_EQ(s.step(client_first).what, scram_step::kind::challenge);
    scram_step r = s.step(bad);
    EXPECT_EQ(r.what, scram_step::kind::failure) << "client-final \"" << bad << "\"";
  }
}

TEST(Scram, MessagesAfterTheEndFail) {
  scram_server s = rfc_server();
  ASSERT_EQ(s.step(client_first).what, scram_step::kind::challenge);
  ASSERT_EQ(s.step(client_final).what, scram_step::kind::success);
  EXPECT_EQ(s.step(client_final).what, scram_step::kind::failure);
  scram_server f = rfc_server();
  ASSERT_EQ(f.step("garbage").what, scram_step::kind::failure);
  EXPECT_EQ(f.step(client_first).what, scram_step::kind::failure) << "no second start";
}

TEST(Scram, ClientRefusesServerFirstThatDoesNotExtendItsNonce) {
  scram_client c("user", "pencil", std::string(client_nonce));
  std::string why;
  EXPECT_FALSE(c.final_message("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", &why));
  EXPECT_FALSE(c.final_message("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", &why));
  EXPECT_FALSE(c.final_message("r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", &why));
  EXPECT_FALSE(c.final_message("e=other-error", &why));
}

TEST(Scram, RandomNoncesArePrintableAndDiffer) {
  const std::string a = random_scram_nonce();
  const std::string b = random_scram_nonce();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find(','), std::string::npos);
}

}  // namespace
}  // namespace mqtt::broker::auth
