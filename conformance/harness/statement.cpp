#include "conformance/harness/statement.hpp"

#include <gtest/gtest.h>

#include "conformance/harness/statement_catalogue.hpp"
#include "conformance/harness/suite_config.hpp"
#include "conformance/harness/test_context.hpp"

namespace mqtt::cert {
namespace {
bool g_should = false;  // reset by record_statement; test thread only
}

void record_statement(codec::protocol_version v, std::string_view id) {
  std::string key = std::string(version_tag(v)) + "/" + std::string(id);
  ::testing::Test::RecordProperty("statement", key);
  g_should = false;
  test_context::current().set_statement(key);
  const statement_info* info = find_statement(version_tag(v), id);
  if (info == nullptr) {
    ADD_FAILURE() << "statement " << key << " is not in the " << version_tag(v)
                  << " catalogue (conformance/statements/)";
  } else {
    ::testing::Test::RecordProperty("section", info->section);
  }
  if (suite().dry_run) throw dry_run_stop{};
}

void record_should() {
  g_should = true;
  ::testing::Test::RecordProperty("level", "should");
}

void record_unimplemented(std::string_view feature) {
  ::testing::Test::RecordProperty("verdict", "unimplemented");
  ::testing::Test::RecordProperty("unimplemented_feature", std::string(feature));
}

void record_not_applicable(std::string_view why) {
  ::testing::Test::RecordProperty("skip_reason", std::string(why));
}

std::string failure_block() {
  const auto& ctx = test_context::current();
  std::string key = ctx.statement().empty() ? ctx.test_name() : ctx.statement();
  std::string head = g_should ? "NON-STRICT " : "FAIL ";
  std::string out = head + key;
  if (const statement_info* info = find_statement_key(key))
    out += " (" + info->section + ") " + info->summary;
  out += "\n";
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test != nullptr) {
    const auto* result = test->result();
    for (int i = 0; i < result->total_part_count(); ++i) {
      const auto& part = result->GetTestPartResult(i);
      if (!part.failed()) continue;
      std::string msg = part.message();
      // Indent continuation lines; helpers already indent "expected"/"observed".
      std::string indented = "  ";
      for (char ch : msg) {
        indented += ch;
        if (ch == '\n') indented += "  ";
      }
      out += indented;
      if (part.file_name() != nullptr)
        out += "\n    at " + std::string(part.file_name()) + ":" + std::to_string(part.line_number());
      out += "\n";
    }
  }
  std::string log = ctx.format_transcripts();
  if (!log.empty()) out += "  transcript:\n" + log;
  return out;
}

}  // namespace mqtt::cert
