// The property both Loki push fuzz targets assert: a pushed entry is either accepted into the
// append request byte-exact (its line, its labels) or counted as refused with a reason — never
// silently altered or missing. Decoded batches go through the real Ingester validation
// (Ingester::Prepare) against an appender that stores nothing.
#pragma once

#include <cstdlib>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "common/labels.h"
#include "common/utf8.h"
#include "server/ingester.h"

namespace vigie::fuzz {

// An entry as (canonical labels, line): what must come out byte-exact.
using EntryKey = std::pair<std::string, std::string>;
using EntryCounts = std::map<EntryKey, int>;

// The key of an entry of a stream with `labels` (as given: unsorted, empty values included).
inline EntryKey KeyOf(const std::vector<Label>& labels, const std::string& line) {
  std::vector<Label> kept;
  for (const Label& l : labels) {
    if (!l.value.empty()) kept.push_back(l);
  }
  std::sort(kept.begin(), kept.end());
  std::string encoded;
  for (const Label& l : kept) encoded += l.name + '\0' + l.value + '\0';
  return {encoded, line};
}

#define FUZZ_CHECK(condition)                                                        \
  do {                                                                               \
    if (!(condition)) {                                                              \
      fprintf(stderr, "check failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
      abort();                                                                       \
    }                                                                                \
  } while (0)

class NullAppender : public store::Appender {
 public:
  store::PreparedAppend Prepare(const store::AppendRequest&) override { return {}; }
  absl::StatusOr<store::AppendResult> Commit(store::PreparedAppend) override {
    return store::AppendResult{};
  }
};

// Runs `batch` through the Ingester's validation. Checks that accepted + refused equals the
// entries of the body (`body_entries`: those the decoder kept plus those it refused), that
// every accepted entry is one of the decoded entries byte for byte and, when `reference` (an
// independent decoding of the same body) is given, one of those too; and that a refusal comes
// with a reason in valid UTF-8.
inline void CheckIngest(server::ReceivedBatch batch, const EntryCounts* reference,
                        uint64_t reference_total) {
  EntryCounts decoded;
  uint64_t body_entries = batch.refused.count;
  for (const server::ReceivedStream& s : batch.streams) {
    body_entries += s.entries.size();
    if (!s.labels.ok()) continue;
    for (const store::LogEntry& e : s.entries) ++decoded[KeyOf(*s.labels, e.line)];
  }
  if (reference) FUZZ_CHECK(body_entries == reference_total);

  Limits limits;
  limits.max_batch_bytes = 1ull << 40;  // The whole body is judged entry by entry.
  limits.reject_older_than_ns = 30LL * 86400 * 1'000'000'000;
  constexpr int64_t kNow = 1'700'000'000'000'000'000;  // The corpus's times are around it.
  NullAppender appender;
  server::Ingester ingester(&appender, nullptr, nullptr, limits, [] { return kNow; });
  absl::StatusOr<server::PreparedIngest> prepared = ingester.Prepare(std::move(batch));
  FUZZ_CHECK(prepared.ok());

  uint64_t accepted = 0;
  EntryCounts from_reference = reference ? *reference : EntryCounts{};
  for (const store::StreamEntries& s : prepared->request.streams) {
    for (const store::LogEntry& e : s.entries) {
      ++accepted;
      EntryKey key = KeyOf(s.labels.labels(), e.line);
      FUZZ_CHECK(decoded[key]-- > 0);  // Accepted as decoded: nothing altered.
      if (reference) FUZZ_CHECK(from_reference[key]-- > 0);
      FUZZ_CHECK(IsValidUtf8(s.labels.ToString()));
    }
  }
  FUZZ_CHECK(accepted + prepared->refused.count == body_entries);  // Nothing missing.
  FUZZ_CHECK(prepared->refused.count == 0 || !prepared->refused.reason.empty());
  FUZZ_CHECK(IsValidUtf8(prepared->refused.reason));
}

}  // namespace vigie::fuzz
