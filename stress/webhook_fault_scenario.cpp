// webhook_fault_scenario.cpp: webhook-faults — the broker's HTTP auth webhook stops,
// closes, hangs and answers garbage while the broker runs. The broker must fail closed
// (nobody gets in while the webhook cannot say yes), keep serving clients already
// connected, not crash, and let clients in again once the webhook answers.
//
// 5.0, 3.1.4: "The Server MAY check that the contents of the CONNECT packet meet any
// further restrictions and SHOULD perform authentication and authorization checks. If any
// of these checks fail, it MUST close the Network Connection [MQTT-3.1.4-2]." A check that
// could not be made has not passed: letting a client in then is what users fear most.
#include <future>
#include <sstream>
#include <thread>

#include "conformance/harness/broker_target.hpp"
#include "stress/fault_clients.hpp"
#include "stress/fault_scenarios.hpp"
#include "stress/fault_webhook.hpp"

namespace mqtt::cert::stress {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

const std::string good_user = "gooduser";
const std::string denied_user = "denieduser";

// webhook_run is one scenario run: its broker, its webhook and what it has seen.
struct webhook_run {
  context own;
  broker_process& broker;
  fault_webhook& hook;
  scenario_report& rep;
  std::chrono::milliseconds hook_timeout;
  int tries;  // CONNECTs of the allowed user per fault
  held_client held;
  int ids = 0;

  std::string next_id() { return own.run_id + "-w" + std::to_string(ids++); }
  // alive records a crash; false when the broker is gone.
  bool alive() {
    if (broker.running()) return true;
    rep.fail("the broker died: " + broker.exit_description());
    return false;
  }
};

// launch_with_webhook starts the target's kind with its HTTP auth pointed at `hook`.
std::unique_ptr<broker_process> launch_with_webhook(context& c, const fault_webhook& hook,
                                                    std::chrono::milliseconds timeout, std::string* error) {
  own_broker_request r;
  r.refbroker_flags = {"--auth-webhook-url", hook.url(), "--webhook-timeout-ms", std::to_string(timeout.count()),
                       "--allow-anonymous", "false"};
  // NanoMQ's auth_http takes whole seconds; params are only sent with a content-type header.
  const auto s = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
  r.nanomq_config = {"auth {\n  allow_anonymous = false\n  no_match = deny\n  deny_action = ignore\n"
                     "  http_auth = {\n    timeout = " + s + "s\n    connect_timeout = " + s + "s\n"
                     "    auth_req {\n      url = \"" + hook.url() + "\"\n      method = post\n"
                     "      headers.content-type = \"application/x-www-form-urlencoded\"\n"
                     "      params = {clientid = \"%c\", username = \"%u\", password = \"%P\"}\n    }\n  }\n}"};
  return c.launch_own(r, error);
}

// baseline checks the webhook works at all: the allowed user gets in, the denied one not.
bool baseline(webhook_run& w) {
  const auto good = try_login(w.own, w.next_id(), good_user, 5000ms);
  const auto denied = try_login(w.own, w.next_id(), denied_user, 5000ms);
  w.rep.saw("webhook answering: allowed user " + std::string(good.let_in ? "let in" : "refused (" + good.what + ")") +
            " in " + ms_text(good.took) + "; denied user " +
            (denied.let_in ? "LET IN" : "refused in " + ms_text(denied.took)));
  if (denied.let_in) w.rep.fail("the denied user was let in while the webhook answered 403 {\"result\":\"deny\"}");
  if (!good.let_in) {
    w.rep.degrade("the allowed user was refused while the webhook allowed it; the fault phases cannot tell "
                  "a refusal from a broken set-up, so they did not run");
    return false;
  }
  std::string why;
  if (!w.held.hold(w.own, w.next_id(), good_user, &why)) {
    w.rep.degrade("could not keep a connected client for the fault phases: " + why);
    return false;
  }
  return true;
}

// attempt_tally counts one phase's CONNECTs: "3 refused (slowest answer 512 ms), ...".
struct attempt_tally {
  int let_in = 0, refused = 0, unanswered = 0;
  int count() const { return let_in + refused + unanswered; }
  std::chrono::milliseconds slowest{0};
  std::string first_unanswered;
  void add(const login_attempt& a) {
    if (a.let_in) ++let_in;
    else if (a.answered) ++refused;
    else ++unanswered;
    if (a.answered) slowest = std::max(slowest, a.took);
  }
  std::string text() const {
    return std::to_string(refused) + " refused (slowest answer " + ms_text(slowest) + "), " + std::to_string(let_in) +
           " let in, " + std::to_string(unanswered) + " left without an answer for 5 s";
  }
};

// judge_tally turns one fault phase's attempts into the verdict. `said_200` is the one
// fault whose answer starts with a 2xx status (then breaks off): a broker that reads the
// status only (NanoMQ's contract) lets that in, which is not failing open on a webhook that
// could not answer, but an incomplete HTTP answer taken as a yes: degraded.
void judge_tally(webhook_run& w, const std::string& fault, const attempt_tally& good, const attempt_tally& denied,
                 bool said_200 = false) {
  w.rep.saw("webhook " + fault + ": allowed user: " + good.text() +
            (denied.count() ? "; denied user: " + denied.text() : std::string()));
  const int let_in = good.let_in + denied.let_in;
  if (let_in > 0 && said_200)
    w.rep.degrade(std::to_string(let_in) + " client(s) let in on an HTTP answer cut short after its 200 status line "
                  "(the denied user too: the webhook gives every user that answer in this phase)");
  else if (let_in > 0)
    w.rep.fail(std::to_string(let_in) + " client(s) let in while the webhook " + fault +
               " (it must fail closed, MQTT-3.1.4-2)");
  if (good.unanswered + denied.unanswered > 0)
    w.rep.degrade(std::to_string(good.unanswered + denied.unanswered) + " CONNECT(s) got neither a CONNACK nor a "
                  "close within 5 s while the webhook " + fault + " (its timeout is " + ms_text(w.hook_timeout) + ")");
}

// served checks the client connected before the fault is still served during it.
void served(webhook_run& w, const std::string& fault) {
  std::string why;
  if (!w.held.round_trip(3000ms, &why))
    w.rep.degrade("the client connected before the fault was not served while the webhook " + fault + ": " + why);
}

// fault_phase switches the webhook to `f` and tries the allowed user `tries` times and the
// denied user once, one after the other.
void fault_phase(webhook_run& w, webhook_fault f) {
  w.hook.set(f);
  const std::string fault(webhook_fault_name(f));
  w.own.progress("webhook " + fault);
  attempt_tally good, denied;
  for (int i = 0; i < w.tries && !w.own.stopping(); ++i) good.add(try_login(w.own, w.next_id(), good_user, 5000ms));
  denied.add(try_login(w.own, w.next_id(), denied_user, 5000ms));
  judge_tally(w, fault, good, denied, f == webhook_fault::truncated);
  served(w, fault);
}

// hang_burst sends a burst of concurrent CONNECTs while the webhook hangs: each must be
// refused after the broker's webhook timeout, and the broker must not keep its requests
// to the webhook open after giving up on them.
void hang_burst(webhook_run& w, int burst) {
  w.hook.set(webhook_fault::hanging);
  const int requests_before = w.hook.requests();
  std::vector<std::future<login_attempt>> pending;
  for (int i = 0; i < burst; ++i)
    pending.push_back(std::async(std::launch::async, [&w, id = w.next_id(), i] {
      return try_login(w.own, id, i % 5 == 0 ? denied_user : good_user, 5000ms);
    }));
  attempt_tally good, denied;
  served(w, "hangs, during a burst of " + std::to_string(burst) + " CONNECTs");
  for (int i = 0; i < burst; ++i) (i % 5 == 0 ? denied : good).add(pending[static_cast<std::size_t>(i)].get());
  judge_tally(w, "hangs (burst of " + std::to_string(burst) + " at once)", good, denied);
  w.rep.saw("the webhook read " + std::to_string(w.hook.requests() - requests_before) + " requests of the burst");
  std::this_thread::sleep_for(w.hook_timeout + 1500ms);
  const int still_open = w.hook.open_connections();
  w.rep.saw(std::to_string(still_open) + " broker connections to the hanging webhook still open " +
            ms_text(w.hook_timeout + 1500ms) + " after the burst was answered");
  if (still_open > burst / 2)
    w.rep.degrade("the broker kept " + std::to_string(still_open) + " requests to the hanging webhook open after "
                  "its timeout: they pile up while the webhook hangs");
}

// recovery switches the webhook back to answering and retries the allowed user for up to
// 10 s; a broker that never lets anyone in again is as good as down.
void recovery(webhook_run& w, const std::string& after) {
  w.hook.set(webhook_fault::answering);
  const auto start = clock_type::now();
  int tries = 0;
  login_attempt a;
  while (clock_type::now() - start < 10s && !w.own.stopping()) {
    ++tries;
    a = try_login(w.own, w.next_id(), good_user, 5000ms);
    if (a.let_in) break;
    std::this_thread::sleep_for(250ms);
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  if (a.let_in && tries == 1) return;  // the usual case: no line per recovery
  if (a.let_in) {
    w.rep.saw("after the webhook " + after + ": the allowed user got in again on try " + std::to_string(tries) +
              ", " + ms_text(took) + " after the webhook answered again");
    if (took > 3s) w.rep.degrade("recovery after the webhook " + after + " took " + ms_text(took));
  } else {
    w.rep.fail("the allowed user was still refused " + ms_text(took) + " after the webhook " + after +
               " and answered again (" + std::to_string(tries) + " tries, last: " + a.what + ")");
  }
}

// junk_phase records what a complete 200 with a non-JSON body does. Both brokers document
// it as an allow (the refbroker: "A body that is not JSON ... leaves a 2xx an allow";
// NanoMQ looks at the status only), so it is evidence, not a verdict.
void junk_phase(webhook_run& w) {
  w.hook.set(webhook_fault::junk_body);
  const auto a = try_login(w.own, w.next_id(), good_user, 5000ms);
  w.rep.saw("webhook answers 200 with a complete non-JSON body: the allowed user was " +
            std::string(a.let_in ? "let in" : "refused") + " (" + ms_text(a.took) +
            "); a 2xx is an allow by the broker's documented webhook contract, so this is not judged");
}

void run_phases(webhook_run& w) {
  if (!baseline(w)) return;
  const webhook_fault faults[] = {webhook_fault::stopped,    webhook_fault::closing,   webhook_fault::hanging,
                                  webhook_fault::not_http,   webhook_fault::bad_status, webhook_fault::truncated};
  for (auto f : faults) {
    if (w.own.stopping()) return;
    fault_phase(w, f);
    if (f == webhook_fault::hanging) hang_burst(w, w.own.quick ? 10 : 40);
    if (!w.alive()) return;
    recovery(w, std::string(webhook_fault_name(f)));
  }
  junk_phase(w);
  recovery(w, "answered 200 with a non-JSON body");
  served(w, "answered again at the end");
  if (w.alive()) w.rep.saw("the broker is still running; the webhook read " + std::to_string(w.hook.requests()) +
                           " requests in all");
}

}  // namespace

scenario_report webhook_faults(context& c) {
  scenario_report rep;
  rep.statement = "v5.0/MQTT-3.1.4-2";
  rep.on_own_broker = true;
  if (c.broker_kind == "mosquitto") {
    rep.skip("Mosquitto has no HTTP auth webhook (Debian's build has no auth plugin for one)");
    return rep;
  }
  fault_webhook hook(good_user);
  // NanoMQ's auth_http timeout is in whole seconds.
  const auto timeout = c.broker_kind == "nanomq" ? 1000ms : 500ms;
  std::string error;
  auto broker = launch_with_webhook(c, hook, timeout, &error);
  if (!broker) {
    rep.skip("cannot start a broker of its own with an auth webhook: " + error);
    return rep;
  }
  rep.saw("own " + c.broker_kind + " on " + broker->address().url() + ", auth webhook " + hook.url() +
          ", webhook timeout " + ms_text(timeout));
  webhook_run w{with_client_address(c, broker->address()), *broker, hook, rep, timeout, c.quick ? 3 : 10, {}, 0};
  run_phases(w);
  return rep;
}

}  // namespace mqtt::cert::stress
