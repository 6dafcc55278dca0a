// authenticator.hpp: the checks the network layer runs before handing a packet to the
// broker core. authenticator decides a CONNECT (auth_verdict for receive_connect);
// acl_checker decides PUBLISH and SUBSCRIBE (acl_verdicts for receive).
//
// CONNECT with an Authentication Method (MQTT 5 enhanced authentication): the password
// file is not asked, since the exchange that follows proves who the client is (the broker
// core refuses a method it does not offer). Auth webhook configured: deny or any failure
// -> refused, Not authorized; allow or ignore -> accepted, pending the exchange. No
// webhook: accepted, pending the exchange.
//
// CONNECT without one, in order:
//   1. User Name present and in the password file: the password decides
//      (wrong or missing: refused, Bad User Name or Password; a user with only a SCRAM
//      line has no password that works).
//   2. Auth webhook configured: allow -> accepted; deny or any failure -> refused, Not
//      authorized; ignore -> step 3.
//   3. Nobody decided. No User Name: accepted iff allow_anonymous (else Not authorized).
//      A User Name nobody knows: refused (Bad User Name or Password), except that with
//      no password check and no auth webhook at all, allow_anonymous accepts everyone. A
//      password file of SCRAM lines only is no password check here: it serves enhanced
//      authentication, and its user names are still refused above.
//
// PUBLISH / each SUBSCRIBE filter (a granted filter also carries the ACL file's
// per-delivery read check when the file may refuse some of its topics; see acl_file.hpp):
//   1. ACL file configured and it refuses: denied (the webhook is not asked).
//   2. ACL webhook configured: allow -> allowed; deny or any failure -> denied;
//      ignore -> the ACL file's allow stands, or denied when there is no ACL file.
//   3. Neither configured: allowed.
//
// try_* answer on the calling thread when no webhook is needed and return std::nullopt
// otherwise; *_async always answer, via `done`: on the calling thread before returning
// when no webhook is needed, else later on an nng thread. All members are const and
// thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference-broker/auth/acl_file.hpp"
#include "reference-broker/auth/auth_webhook.hpp"
#include "reference-broker/auth/client_info.hpp"
#include "reference-broker/auth/password_file.hpp"
#include "reference-broker/core/verdict.hpp"

namespace mqtt::broker::auth {

class authenticator {
 public:
  // Any of `passwords` and `webhook` may be null (not configured).
  authenticator(bool allow_anonymous, std::shared_ptr<const password_file> passwords,
                std::shared_ptr<const auth_webhook> webhook);

  // try_authenticate decides without the network, or returns std::nullopt when the auth
  // webhook must be asked. CPU cost: one password hash when the user is in the file.
  std::optional<auth_verdict> try_authenticate(const connect_info& info) const;

  // authenticate_async decides, asking the webhook when needed; never blocks.
  void authenticate_async(const connect_info& info,
                          std::function<void(auth_verdict)> done) const;

 private:
  auth_verdict undecided(const connect_info& info) const;

  bool allow_anonymous_;
  std::shared_ptr<const password_file> passwords_;
  std::shared_ptr<const auth_webhook> webhook_;
};

class acl_checker {
 public:
  // Either may be null (not configured); with neither, everything is allowed.
  acl_checker(std::shared_ptr<const acl_file> file, std::shared_ptr<const auth_webhook> webhook);

  // PUBLISH: one verdict for the (alias-resolved) Topic Name.
  std::optional<acl_verdicts> try_check_publish(const client_info& client,
                                                std::string_view topic) const;
  void check_publish_async(const client_info& client, std::string_view topic,
                           std::function<void(acl_verdicts)> done) const;

  // SUBSCRIBE: one verdict per Topic Filter, in order.
  std::optional<acl_verdicts> try_check_subscribe(const client_info& client,
                                                  const std::vector<std::string>& filters) const;
  void check_subscribe_async(const client_info& client, const std::vector<std::string>& filters,
                             std::function<void(acl_verdicts)> done) const;

 private:
  enum class local_result : std::uint8_t { denied, allowed, ask_webhook };
  local_result check_local(const client_info& client, acl_action action,
                           std::string_view topic) const;
  // read_check is the per-delivery check a granted subscription to `filter` needs under
  // the ACL file, or null when it can never refuse one (or there is no file). The
  // webhook decides SUBSCRIBE only: deliveries are not sent to it.
  std::shared_ptr<const read_filter> read_check(const client_info& client,
                                                std::string_view filter) const;
  void check_async(const client_info& client, acl_action action,
                   const std::vector<std::string_view>& topics,
                   std::function<void(acl_verdicts)> done) const;

  std::shared_ptr<const acl_file> file_;
  std::shared_ptr<const auth_webhook> webhook_;
};

}  // namespace mqtt::broker::auth
