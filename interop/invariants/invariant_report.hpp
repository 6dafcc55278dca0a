// invariant_report.hpp: how an invariant test reports what it found. Each problem is its
// own GoogleTest failure, so the runner (mqttcert interop) can hold every one of them
// against what the broker's profile records (invariant_violations): a violation the
// profile records is an "expected violation" there, with its evidence; any other problem,
// or a recorded violation that stopped happening, fails the run.
#pragma once

#include <string>
#include <vector>

namespace mqtt::cert::invariants {

// report records `summary` (property "summary") and fails the running test once per
// problem. `context` (a broker log excerpt, say) is printed with the problems and is not
// a problem itself.
void report(const std::string& summary, const std::vector<std::string>& problems,
            const std::string& context = "");

}  // namespace mqtt::cert::invariants
