// Fuzzes the rule-file loader (YAML, rulefmt's checks, PromQL/LogQL expressions, templates) with
// arbitrary bytes as a file. Beyond "no crash, no hang", it checks what users and vigied rely on:
// - every error line names the file and a line: "<file>:<line>: ...";
// - a file that loads has named groups with unique names, and rules that are each exactly one of
//   record and alert, with a parsed expression.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "alerts/rules/rule_file.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

bool StartsWithPlace(std::string_view line) {
  constexpr std::string_view kFile = "fuzz.yaml:";
  if (!line.starts_with(kFile)) return false;
  size_t i = kFile.size();
  size_t digits = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i, ++digits;
  return digits > 0 && line.substr(i).starts_with(": ");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto groups = vigie::alerts::rules::ParseRuleFile("fuzz.yaml", text, vigie::Limits());
  if (!groups.ok()) {
    std::string message(groups.status().message());
    // Each error is one line starting with its place (messages quote no raw newlines).
    size_t start = 0;
    while (start <= message.size()) {
      size_t end = message.find('\n', start);
      if (end == std::string::npos) end = message.size();
      Check(StartsWithPlace(std::string_view(message).substr(start, end - start)));
      start = end + 1;
    }
    return 0;
  }
  std::set<std::string> names;
  for (const auto& g : *groups) {
    Check(!g.name.empty() && names.insert(g.name).second);
    for (const auto& r : g.rules) {
      Check(r.record.empty() != r.alert.empty());
      Check(r.expr.tree != nullptr);
    }
  }
  return 0;
}
