// Fuzzes pattern expressions and ip() matchers: the input's first line is the pattern (and ip()
// argument), the rest log lines. Beyond "no crash, no hang", it checks the promises the engine
// relies on: extracted values are pieces of the line, each preceded by the literal before its
// capture, the same when fewer captures are read; a line that passes a |> filter contains
// every literal of its pattern (what the n-gram and memmem pre-filters assume), and an IPv4
// address given alone is found in a line only where the line contains its text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/ip_filter.h"
#include "query/logql/pattern.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

void CheckLine(std::string_view pattern_text, std::string_view line) {
  if (absl::StatusOr<vigie::logql::Pattern> p = vigie::logql::Pattern::ForExtraction(pattern_text);
      p.ok()) {
    std::vector<std::string_view> values;
    if (p->Extract(line, &values)) {
      Check(values.size() <= p->names().size());
      for (size_t i = 0; i < values.size(); ++i) {
        std::string_view v = values[i];
        Check(v.empty() ||
              (v.data() >= line.data() && v.data() + v.size() <= line.data() + line.size()));
        // What | pattern | name = "v" relies on to drop lines without the literal unparsed.
        std::optional<std::string_view> before = p->LiteralBefore(p->names()[i]);
        Check(before.has_value());
        Check(line.find(std::string(*before) + std::string(v)) != std::string_view::npos);
      }
      // Reading fewer captures gives the first values unchanged.
      std::vector<std::string_view> first;
      for (size_t limit = 0; limit <= values.size(); ++limit) {
        Check(p->Extract(line, &first, limit));
        Check(first.size() == limit);
        Check(std::equal(first.begin(), first.end(), values.begin()));
      }
    } else {
      Check(values.empty());
    }
  }
  if (absl::StatusOr<vigie::logql::Pattern> p = vigie::logql::Pattern::ForLineFilter(pattern_text);
      p.ok() && p->Test(line)) {
    for (std::string_view literal : p->Literals())
      Check(line.find(literal) != std::string_view::npos);
  }
  if (absl::StatusOr<vigie::logql::IpMatcher> ip = vigie::logql::IpMatcher::Parse(pattern_text);
      ip.ok() && ip->MatchesText(line)) {
    vigie::logql::IpAddress single;
    if (vigie::logql::IpAddress::Parse(pattern_text, &single) && !single.v6) {
      Check(line.find(pattern_text) != std::string_view::npos);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t newline = std::min(text.find('\n'), text.size());
  std::string_view pattern = text.substr(0, newline);
  if (newline == size) {
    CheckLine(pattern, pattern);
    return 0;
  }
  for (size_t start = newline + 1; start <= size;) {
    size_t end = std::min(text.find('\n', start), size);
    CheckLine(pattern, text.substr(start, end - start));
    start = end + 1;
  }
  return 0;
}
