#include "conformance/cli/variant_runner.hpp"

#include <algorithm>
#include <filesystem>

#include "conformance/cli/broker_launch.hpp"

namespace mqtt::cert::cli {
namespace {

bool skipped(const test_result& r) {
  return r.outcome == verdict::skipped || r.outcome == verdict::unimplemented;
}

std::string joined(const std::vector<std::string>& flags) {
  std::string out;
  for (const auto& f : flags) out += (out.empty() ? "" : " ") + f;
  return out;
}

}  // namespace

std::optional<std::vector<variant_pass>> run_variants(
    const broker_profile& profile, const std::string& profile_path,
    const std::vector<suite_binary>& binaries, int jobs, std::vector<test_result>& results,
    std::string* error) {
  std::vector<variant_pass> passes;
  const auto folder = std::filesystem::path(profile_path).parent_path();
  for (const auto& file : profile.variants) {
    const std::string path = (folder / file).string();
    auto variant = load_profile(path, error);
    if (!variant) return std::nullopt;
    std::vector<test_result> selected;
    for (const auto& r : results)
      if (skipped(r)) selected.push_back(r);
    variant_pass pass{variant->name, joined(variant->launch_flags)};
    pass.rerun = static_cast<int>(selected.size());
    if (selected.empty()) {
      passes.push_back(pass);
      continue;
    }
    auto running = start_broker("refbroker", "", variant->time_scale, error, variant->launch_flags);
    if (!running) return std::nullopt;
    run_options ro;
    ro.broker_url = running->url;
    if (running->ws_url) ro.ws_url = *running->ws_url;
    ro.profile_path = path;
    ro.time_scale = running->time_scale;
    ro.jobs = jobs;
    auto rerun = run_tests(binaries, selected, ro, [](int, int, const std::string&) {}, error);
    if (!rerun) return std::nullopt;
    add_server_packet_findings(*rerun);
    apply_profile(*rerun, *variant);
    for (auto& v : *rerun) {
      if (skipped(v)) continue;
      auto it = std::find_if(results.begin(), results.end(), [&](const test_result& r) {
        return r.version == v.version && r.test == v.test;
      });
      v.note = "on " + variant->name + (v.note.empty() ? "" : ": " + v.note);
      ++pass.executed;
      if (it == results.end()) {
        results.push_back(std::move(v));  // a server-packet-format finding of the variant
      } else if (skipped(*it)) {
        *it = std::move(v);
      }
    }
    passes.push_back(pass);
  }
  return passes;
}

}  // namespace mqtt::cert::cli
