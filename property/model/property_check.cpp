#include "property/model/property_check.hpp"

#include <algorithm>
#include <set>

namespace mqtt::property {

run_result run_once(const check_options& o, const std::vector<command>& commands,
                    const std::string& prefix) {
  auto driver = o.make_driver();
  runner_options ro = o.run;
  ro.prefix = prefix;
  ro.in_transit = o.in_transit;
  run_result r = run_sequence(*driver, commands, ro);
  if (o.broker_died) {
    const std::string how = o.broker_died();
    if (!how.empty())
      r.violations.push_back({broker_unreachable_rule, "", "the broker died during this sequence: " + how});
  }
  return r;
}

namespace {

// shrink keeps taking the first smaller sequence for which `still_fails` holds, until
// none does or the budget is spent.
counterexample shrink(const check_options& o, rc::Shrinkable<std::vector<command>> current,
                      run_result r, int budget,
                      const std::function<bool(const run_result&)>& still_fails,
                      const std::function<std::string()>& prefix) {
  counterexample out;
  for (bool smaller = true; smaller && out.shrink_runs < budget;) {
    smaller = false;
    auto shrinks = current.shrinks();
    while (auto candidate = shrinks.next()) {
      if (out.shrink_runs >= budget) break;
      ++out.shrink_runs;
      if (o.shrinking) o.shrinking(out.shrink_runs);
      run_result cr = run_once(o, candidate->value(), prefix());
      if (!still_fails(cr)) continue;
      current = std::move(*candidate);
      r = std::move(cr);
      smaller = true;
      break;
    }
  }
  out.commands = current.value();
  out.result = std::move(r);
  return out;
}

}  // namespace

check_result check_sequences(const check_options& o) {
  check_result out;
  const auto gen = gen_sequence(o.generation);
  int runs = 0;
  auto prefix = [&] { return o.run.prefix + std::to_string(runs++); };
  auto expected = [&](const violation& v) { return o.expected && o.expected(v); };
  auto all_expected = [&](const run_result& r) {
    return std::all_of(r.violations.begin(), r.violations.end(), expected);
  };
  std::set<std::string> rules_kept;
  for (int i = 0; i < o.cases; ++i) {
    // Case i of seed S is the same sequence on every machine: generate with size growing
    // to 100 over the run, as RapidCheck does.
    const int size = o.cases > 1 ? i * 100 / (o.cases - 1) : 100;
    rc::Shrinkable<std::vector<command>> current =
        gen(rc::Random(o.seed + static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull), size);
    run_result r = run_once(o, current.value(), prefix());
    ++out.cases_run;
    out.covered += r.covered;
    if (o.progress) o.progress(i + 1, o.cases);
    if (r.violations.empty()) continue;
    if (r.broker_lost()) {
      counterexample c;
      c.case_index = i;
      c.commands = current.value();
      c.result = std::move(r);
      const bool known = expected(*c.result.broker_lost());
      out.broker_lost.push_back(std::move(c));
      if (known && o.broker_died) continue;  // restarted: go on
      out.passed = out.passed && known;
      return out;
    }
    if (!all_expected(r)) {
      // Shrink to a sequence that still fails in a way nobody expected.
      out.passed = false;
      out.failure = shrink(o, std::move(current), std::move(r), o.max_shrink_runs,
                           [&](const run_result& cr) {
                             return !cr.violations.empty() && !all_expected(cr) && !cr.broker_lost();
                           },
                           prefix);
      out.failure->case_index = i;
      return out;
    }
    ++out.expected_cases;
    const std::string rule = r.violations.front().rule;
    if (!rules_kept.insert(rule).second) continue;
    counterexample c = shrink(o, std::move(current), std::move(r), o.max_expected_shrink_runs,
                              [&](const run_result& cr) {
                                return !cr.violations.empty() && all_expected(cr) &&
                                       cr.violations.front().rule == rule;
                              },
                              prefix);
    c.case_index = i;
    out.expected.push_back(std::move(c));
  }
  return out;
}

}  // namespace mqtt::property
