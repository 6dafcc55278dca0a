#include "reference-broker/auth/authenticator.hpp"

#include <mutex>

namespace mqtt::broker::auth {
namespace {

auth_verdict accept() { return auth_verdict::allow(); }
auth_verdict refuse(codec::reason_code why) { return auth_verdict{false, why}; }

// acl_file_reader is the per-delivery read check of one subscription under the ACL file:
// the client's identity is fixed when it subscribes (a session resumed later subscribes
// again under the identity it then has only for new subscriptions, as in Mosquitto).
class acl_file_reader final : public read_filter {
 public:
  acl_file_reader(std::shared_ptr<const acl_file> file, const client_info& client)
      : file_(std::move(file)), client_id_(client.client_id), username_(client.username) {}
  bool may_read(std::string_view topic) const override {
    return file_->may_read(client_id_, username_, topic);
  }

 private:
  std::shared_ptr<const acl_file> file_;
  std::string client_id_;
  std::optional<std::string> username_;
};

}  // namespace

authenticator::authenticator(bool allow_anonymous, std::shared_ptr<const password_file> passwords,
                             std::shared_ptr<const auth_webhook> webhook)
    : allow_anonymous_(allow_anonymous),
      passwords_(std::move(passwords)),
      webhook_(std::move(webhook)) {}

auth_verdict authenticator::undecided(const connect_info& info) const {
  if (info.authentication_method) return accept();  // the exchange decides
  if (!info.client.username) {
    return allow_anonymous_ ? accept() : refuse(codec::reason_code::not_authorized);
  }
  const bool has_checker =
      (passwords_ && passwords_->has_password_users()) || (webhook_ && webhook_->has_auth());
  if (!has_checker && allow_anonymous_) return accept();
  return refuse(codec::reason_code::bad_user_name_or_password);
}

std::optional<auth_verdict> authenticator::try_authenticate(const connect_info& info) const {
  if (info.client.username && passwords_ && !info.authentication_method) {
    switch (passwords_->check(*info.client.username, info.password)) {
      case password_check::ok:
        return accept();
      case password_check::wrong_password:
        return refuse(codec::reason_code::bad_user_name_or_password);
      case password_check::unknown_user:
        break;
    }
  }
  if (webhook_ && webhook_->has_auth()) return std::nullopt;
  return undecided(info);
}

void authenticator::authenticate_async(const connect_info& info,
                                       std::function<void(auth_verdict)> done) const {
  if (auto verdict = try_authenticate(info)) {
    done(*verdict);
    return;
  }
  // The verdict for "ignore" depends only on these two facts; copy them, not `this`.
  const auth_verdict fallback = undecided(info);
  webhook_->authenticate_async(info, [fallback, done = std::move(done)](webhook_verdict v) {
    switch (v) {
      case webhook_verdict::allow:
        done(accept());
        return;
      case webhook_verdict::ignore:
        done(fallback);
        return;
      case webhook_verdict::deny:
        break;
    }
    done(refuse(codec::reason_code::not_authorized));
  });
}

acl_checker::acl_checker(std::shared_ptr<const acl_file> file,
                         std::shared_ptr<const auth_webhook> webhook)
    : file_(std::move(file)), webhook_(std::move(webhook)) {}

acl_checker::local_result acl_checker::check_local(const client_info& client, acl_action action,
                                                   std::string_view topic) const {
  if (file_) {
    const bool ok = action == acl_action::publish
                        ? file_->may_publish(client.client_id, client.username, topic)
                        : file_->may_subscribe(client.client_id, client.username, topic);
    if (!ok) return local_result::denied;
  }
  if (webhook_ && webhook_->has_acl()) return local_result::ask_webhook;
  return local_result::allowed;
}

std::shared_ptr<const read_filter> acl_checker::read_check(const client_info& client,
                                                           std::string_view filter) const {
  if (!file_ || !file_->needs_read_check(client.client_id, client.username, filter)) return nullptr;
  return std::make_shared<acl_file_reader>(file_, client);
}

std::optional<acl_verdicts> acl_checker::try_check_publish(const client_info& client,
                                                           std::string_view topic) const {
  local_result r = check_local(client, acl_action::publish, topic);
  if (r == local_result::ask_webhook) return std::nullopt;
  acl_verdicts out;
  out.topics.push_back({r == local_result::allowed, nullptr});
  return out;
}

std::optional<acl_verdicts> acl_checker::try_check_subscribe(
    const client_info& client, const std::vector<std::string>& filters) const {
  acl_verdicts out;
  out.topics.reserve(filters.size());
  for (const std::string& f : filters) {
    local_result r = check_local(client, acl_action::subscribe, f);
    if (r == local_result::ask_webhook) return std::nullopt;
    out.topics.push_back({r == local_result::allowed, read_check(client, f)});
  }
  return out;
}

void acl_checker::check_publish_async(const client_info& client, std::string_view topic,
                                      std::function<void(acl_verdicts)> done) const {
  check_async(client, acl_action::publish, {topic}, std::move(done));
}

void acl_checker::check_subscribe_async(const client_info& client,
                                        const std::vector<std::string>& filters,
                                        std::function<void(acl_verdicts)> done) const {
  std::vector<std::string_view> topics(filters.begin(), filters.end());
  check_async(client, acl_action::subscribe, topics, std::move(done));
}

void acl_checker::check_async(const client_info& client, acl_action action,
                              const std::vector<std::string_view>& topics,
                              std::function<void(acl_verdicts)> done) const {
  // Decide locally first; count the topics the webhook must still answer.
  struct pending_check {
    std::mutex mtx;
    acl_verdicts verdicts;
    std::size_t remaining = 0;
    std::function<void(acl_verdicts)> done;
  };
  auto state = std::make_shared<pending_check>();
  state->verdicts.topics.assign(topics.size(), topic_verdict{});
  std::vector<std::size_t> ask;
  for (std::size_t i = 0; i < topics.size(); ++i) {
    if (action == acl_action::subscribe) state->verdicts.topics[i].read_check = read_check(client, topics[i]);
    local_result r = check_local(client, action, topics[i]);
    if (r == local_result::ask_webhook) {
      ask.push_back(i);
    } else {
      state->verdicts.topics[i].allowed = r == local_result::allowed;
    }
  }
  if (ask.empty()) {
    done(std::move(state->verdicts));
    return;
  }
  state->remaining = ask.size();
  state->done = std::move(done);
  // With an ACL file present, reaching the webhook means the file allowed: "ignore" keeps
  // that allow. Without one, "ignore" has nothing to fall back on and denies.
  const bool ignore_allows = static_cast<bool>(file_);
  for (std::size_t i : ask) {
    webhook_->authorize_async(client, action, topics[i],
                              [state, i, ignore_allows](webhook_verdict v) {
                                const bool ok = v == webhook_verdict::allow ||
                                                (v == webhook_verdict::ignore && ignore_allows);
                                std::function<void(acl_verdicts)> finish;
                                acl_verdicts result;
                                {
                                  std::lock_guard lock(state->mtx);
                                  state->verdicts.topics[i].allowed = ok;
                                  if (--state->remaining != 0) return;
                                  finish = std::move(state->done);
                                  result = std::move(state->verdicts);
                                }
                                finish(std::move(result));
                              });
  }
}

}  // namespace mqtt::broker::auth
