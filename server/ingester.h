// The one ingest path behind every protocol (gRPC Push, Loki push JSON and protobuf, Prometheus
// remote_write, vigied's own metrics): validates streams and entries, series and samples,
// against the limits, stores the valid ones durably, counts and names the invalid ones, and
// feeds live tails.
//
// What is refused, per stream or per entry (the rest of the batch is stored):
//  - a stream whose labels are malformed, too many or too long, not valid UTF-8, or named with
//    the reserved prefix `__`, or that its sender has no budget for (server/stream_budgets.h);
//  - an entry whose line is too long, or whose time is outside [now - reject_older_than,
//    now + creation_grace] (Limits): what is accepted is what retention keeps and a query can
//    reach.
//  - a series whose labels are malformed, too many (max_labels_per_series) or too long, not
//    valid UTF-8, without a valid metric name (`__name__`, [a-zA-Z_:][a-zA-Z0-9_:]*), or with
//    another name starting with `__`, or that its sender has no series budget for;
//  - a sample whose time (Unix milliseconds) is outside the same window as an entry's; and,
//    at Commit, what the store refuses (out of order beyond its window, a conflicting value at a
//    stored timestamp, a series id collision: store::SeriesAppendResult).
// A batch with more than max_samples_per_request samples is refused whole.
//
// Thread safety: Ingest(), Prepare() and Commit() may be called concurrently.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "server/metrics.h"
#include "server/received_series.h"
#include "server/stream_budgets.h"
#include "server/tail_hub.h"
#include "store/store.h"

namespace vigie::server {

// Refused items, and what was wrong with the first few of them.
struct Refusals {
  static constexpr int kMaxNamed = 5;
  uint64_t count = 0;
  std::string reason;  // "why; why; ..." (valid UTF-8); empty when none.
  int named = 0;

  // Counts `items` more refused; names `why` if fewer than kMaxNamed reasons are named yet.
  void Add(uint64_t items, std::string_view why);
};

// A stream as received: labels not yet validated (a parse error is carried, not raised, so the
// other streams of the batch are still stored).
struct ReceivedStream {
  absl::StatusOr<std::vector<Label>> labels;
  std::vector<store::LogEntry> entries;
};

struct ReceivedBatch {
  // For metrics: "grpc", "loki_json", "loki_proto", "remote_write", "self".
  std::string protocol;
  std::string agent_id;  // Opaque bytes: the deduplication key with seq ("" for none).
  uint64_t seq = 0;
  // Whose stream budget the streams count against (StreamBudgets), e.g. `agent "web1"`,
  // `org "acme"`: a key, and how messages name it (valid UTF-8; the key when empty).
  std::string sender;
  std::string sender_name;
  uint64_t first_seq = 0;  // See store::AppendRequest.
  std::vector<ReceivedStream> streams;
  ReceivedSeriesList series;
  // Remote_write's rule: when any series has invalid labels, the whole batch is refused
  // (InvalidArgument naming them) and nothing of it is stored. Otherwise such a series is
  // refused alone.
  bool refuse_whole_if_series_invalid = false;
  // Entries the protocol's decoder already refused (malformed): counted and named first.
  Refusals refused;
};

// Entries and samples together.
struct IngestOutcome {
  uint64_t accepted = 0;  // Entries and samples.
  uint64_t rejected = 0;
  uint64_t samples_accepted = 0;  // Of accepted and rejected, the metric samples.
  uint64_t samples_rejected = 0;
  std::string reason;  // What was wrong with the first few refused items; empty if none.
  bool duplicate = false;
};

// A batch validated and encoded, waiting for Ingester::Commit.
struct PreparedIngest {
  std::string protocol;
  Refusals refused;              // So far: what the decoder and validation refused.
  uint64_t refused_samples = 0;  // Of refused.count, samples (the rest are entries).
  store::AppendRequest request;  // The valid part, kept to feed live tails once stored.
  store::PreparedAppend blocks;
};

class Ingester {
 public:
  // Nothing is owned; all must outlive the Ingester. `now` gives the wall clock in Unix
  // nanoseconds (tests may fix it).
  Ingester(store::Appender* appender, TailHub* tails, ServerMetrics* metrics, Limits limits,
           std::function<int64_t()> now = nullptr);

  // InvalidArgument when the batch as a whole is unacceptable (too large); Internal/Unavailable
  // when storing failed (nothing was stored: the client should retry). Otherwise the outcome,
  // after the valid part is durable.
  absl::StatusOr<IngestOutcome> Ingest(ReceivedBatch batch);

  // Ingest in two steps, so that a sender's next batch can be validated and encoded (Prepare,
  // CPU-heavy, concurrent with anything) while its previous one is written and fsync'ed
  // (Commit). A sender's batches must be committed in the order it sent them.
  absl::StatusOr<PreparedIngest> Prepare(ReceivedBatch batch);
  absl::StatusOr<IngestOutcome> Commit(PreparedIngest prepared);

 private:
  // Checks one stream; moves what is valid into `out`, counts and describes the rest.
  void Validate(size_t index, ReceivedStream& stream, const ReceivedBatch& batch, int64_t now_ns,
                store::AppendRequest* out, Refusals* refused);
  // Checks the labels of every series of `batch`; InvalidArgument when one is invalid and the
  // batch is refused whole. Then admits the valid ones to their sender's budget and checks their
  // samples, adding what is valid to `out` as it came (the store sorts and merges repeats).
  absl::Status ValidateSeries(ReceivedBatch& batch, int64_t now_ns, store::AppendRequest* out,
                              Refusals* refused);
  // Appends the canonical encoded form (LabelSet::Encode()) of `labels` to *out, putting them
  // in canonical order; or says why they are refused (and, in *code, the reason's name in
  // /metrics), leaving *out unchanged.
  absl::Status EncodeSeriesLabels(std::vector<LabelView>& labels, std::string* out,
                                  std::string_view* code) const;
  // Why labels are refused, or "" when they are acceptable: at most `max_labels`, lengths,
  // UTF-8, reserved names (but `allowed_reserved`). Sets *code (when not null) to the reason's
  // name in /metrics.
  std::string CheckLabels(std::span<const LabelView> labels, uint32_t max_labels,
                          std::string_view allowed_reserved = "",
                          std::string_view* code = nullptr) const;
  // Why an entry is refused, or "" when it is acceptable.
  std::string CheckEntry(const store::LogEntry& entry, int64_t now_ns) const;
  // Why a time is outside [now - reject_older_than, now + creation_grace], or "".
  std::string CheckTime(int64_t ts_ns, int64_t now_ns, std::string_view unit) const;
  // Counts `n` refused samples for /metrics.
  void SamplesRefused(std::string_view protocol, std::string_view reason, uint64_t n) const;

  store::Appender* appender_;
  TailHub* tails_;
  ServerMetrics* metrics_;
  Limits limits_;
  std::function<int64_t()> now_;
  StreamBudgets budgets_;
  StreamBudgets series_budgets_;
};

}  // namespace vigie::server
