// Fuzzes the block search of line filters against testing each line: the input's first line is
// a regex (|~), the rest log lines separated by '\x1e' (so that a line may hold '\n'). The lines
// FilterBlock finds in a block through the Hyperscan prefilter (or the required literal) must be
// exactly those LineFilter::Matches accepts one by one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "common/limits.h"
#include "query/logql/block_scan.h"
#include "query/logql/line_filter.h"
#include "store/block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t newline = std::min(text.find('\n'), text.size());
  absl::StatusOr<vigie::logql::LineFilter> filter = vigie::logql::LineFilter::Make(
      {{vigie::logql::FilterOp::kRegex, std::string(text.substr(0, newline))}}, vigie::Limits());
  if (!filter.ok()) return 0;
  std::vector<vigie::store::LogEntry> entries;
  for (size_t start = newline + 1; start <= size;) {
    const size_t end = std::min(text.find('\x1e', start), size);
    entries.push_back(
        {static_cast<int64_t>(entries.size()), std::string(text.substr(start, end - start))});
    start = end + 1;
  }
  vigie::logql::BlockMatches matches;
  if (!vigie::store::DecodeBlock(vigie::store::EncodeBlock(entries, 1), &matches.block).ok())
    abort();
  vigie::logql::FilterBlock(*filter, {0, static_cast<int64_t>(entries.size())}, &matches);
  std::vector<uint32_t> expected;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (filter->Matches(entries[i].line)) expected.push_back(i);
  }
  if (matches.lines != expected) abort();
  return 0;
}
