// webhook_answer_fuzzer: maps an HTTP answer to a webhook verdict (auth_webhook.hpp's
// table). Input: the status as two bytes, big-endian (0-65535), then the body.
// Checks: only a 2xx allows or ignores; a 2xx with an empty (or blank) body allows; a
// JSON object whose "result" is not the string allow/ignore (any case) denies; any
// transport error denies; an answer's verdict is the same through verdict_from_outcome.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "reference-broker/auth/auth_webhook.hpp"

using namespace mqtt::broker::auth;

namespace {

[[noreturn]] void violated(const char* what, int status) {
  std::fprintf(stderr, "webhook_answer_fuzzer: %s (status %d)\n", what, status);
  std::abort();
}

bool is_word(std::string s, std::string_view word) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s == word;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int status = (data[0] << 8) | data[1];
  const std::string body(reinterpret_cast<const char*>(data + 2), size - 2);
  const webhook_verdict v = verdict_from_response(status, body);

  const bool ok_status = status >= 200 && status <= 299;
  if (!ok_status && v != webhook_verdict::deny) violated("a non-2xx answer did not deny", status);
  if (ok_status && body.find_first_not_of(" \t\r\n") == std::string::npos &&
      v != webhook_verdict::allow) {
    violated("a 2xx answer without a body did not allow", status);
  }
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (ok_status && !json.is_discarded() && json.is_object()) {
    const auto it = json.find("result");
    const bool known = it != json.end() && it->is_string() &&
                       (is_word(it->get<std::string>(), "allow") ||
                        is_word(it->get<std::string>(), "ignore"));
    if (it != json.end() && !known && v != webhook_verdict::deny) {
      violated("a \"result\" other than allow/ignore did not deny", status);
    }
  }

  http_outcome answered{transport_error::none, status, body, {}};
  if (verdict_from_outcome(answered) != v) violated("verdict_from_outcome differs", status);
  for (auto e : {transport_error::bad_url, transport_error::timed_out, transport_error::other}) {
    if (verdict_from_outcome({e, status, body, "fuzz"}) != webhook_verdict::deny) {
      violated("a transport error did not deny", status);
    }
  }
  (void)webhook_verdict_name(v);
  return 0;
}
