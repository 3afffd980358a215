// Fuzzes the reading of re2's syntax into a tree (ByteRegex) and the automata run from it
// (ClassSequence, ClassNfa) against re2 itself: the input's first line is a regex, the rest log
// lines separated by '\x1e' (so that a line may hold '\n'). When the pattern is one re2 accepts
// and ByteRegex reads, the lines the automaton finds in a block must be exactly those re2
// matches one by one (the valid UTF-8 ones, when it needs them).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "query/logql/byte_regex.h"
#include "query/logql/class_nfa.h"
#include "query/logql/class_sequence.h"
#include "query/logql/regex_prefilter.h"
#include "re2/re2.h"
#include "store/block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using vigie::logql::ByteRegex;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t newline = std::min(text.find('\n'), text.size());
  const std::string_view pattern = text.substr(0, newline);
  const std::optional<ByteRegex> tree = ByteRegex::Parse(pattern);
  if (!tree) return 0;
  re2::RE2::Options options;
  options.set_log_errors(false);
  const re2::RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
  const std::optional<vigie::logql::ClassSequence> sequence =
      vigie::logql::ClassSequence::Make(*tree);
  const std::optional<vigie::logql::ClassNfa> nfa =
      sequence ? std::nullopt : vigie::logql::ClassNfa::Make(*tree);
  // ByteRegex reads only patterns re2 accepts alike; one re2 refuses is not run.
  if (!re.ok() || (!sequence && !nfa)) return 0;
  std::vector<vigie::store::LogEntry> entries;
  for (size_t start = newline + 1; start <= size;) {
    const size_t end = std::min(text.find('\x1e', start), size);
    std::string line(text.substr(start, end - start));
    if (nfa && nfa->needs_utf8() && !vigie::logql::IsValidUtf8(line)) line.clear();
    entries.push_back({static_cast<int64_t>(entries.size()), std::move(line)});
    start = end + 1;
  }
  vigie::store::DecodedBlock block;
  if (!vigie::store::DecodeBlock(vigie::store::EncodeBlock(entries, 1), &block).ok()) abort();
  std::vector<size_t> found, expected;
  auto add = [&](size_t i) { found.push_back(i); };
  if (sequence) {
    sequence->ForEachMatchingLine(block, 0, entries.size(), add);
  } else {
    nfa->ForEachMatchingLine(block, 0, entries.size(), add);
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (re2::RE2::PartialMatch(entries[i].line, re)) expected.push_back(i);
  }
  if (found != expected) abort();
  return 0;
}
