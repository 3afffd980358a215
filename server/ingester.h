// The one ingest path behind every protocol (gRPC Push, Loki push JSON and protobuf):
// validates streams and entries against the limits, stores the valid ones durably, counts and
// names the invalid ones, and feeds live tails.
//
// Thread safety: Ingest() may be called concurrently.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "server/metrics.h"
#include "server/tail_hub.h"
#include "store/log_store.h"

namespace vigie::server {

// A stream as received: labels not yet validated (a parse error is carried, not raised, so the
// other streams of the batch are still stored).
struct ReceivedStream {
  absl::StatusOr<std::vector<Label>> labels;
  std::vector<store::LogEntry> entries;
};

struct ReceivedBatch {
  std::string protocol;  // For metrics: "grpc", "loki_json", "loki_proto".
  std::string agent_id;
  uint64_t seq = 0;
  uint64_t first_seq = 0;  // See store::AppendRequest.
  std::vector<ReceivedStream> streams;
  // Entries the protocol's decoder already refused (malformed): counted with the others.
  uint64_t refused_by_decoder = 0;
};

struct IngestOutcome {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  std::string reason;  // What was wrong with the first few refused items; empty if none.
  bool duplicate = false;
};

// A batch validated and encoded, waiting for Ingester::Commit.
struct PreparedIngest {
  std::string protocol;
  uint64_t refused_by_decoder = 0;
  IngestOutcome outcome;         // So far: what validation refused.
  store::AppendRequest request;  // The valid part, kept to feed live tails once stored.
  store::PreparedAppend blocks;
};

class Ingester {
 public:
  // Nothing is owned; all must outlive the Ingester.
  Ingester(store::LogAppender* appender, TailHub* tails, ServerMetrics* metrics, Limits limits)
      : appender_(appender), tails_(tails), metrics_(metrics), limits_(limits) {}

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
  void Validate(size_t index, ReceivedStream& stream, const std::string& agent_id,
                store::AppendRequest* out, IngestOutcome* outcome);
  bool AdmitStream(const std::string& agent_id, uint64_t stream_id);

  store::LogAppender* appender_;
  TailHub* tails_;
  ServerMetrics* metrics_;
  Limits limits_;
  std::mutex agents_mu_;
  std::unordered_map<std::string, std::unordered_set<uint64_t>> agent_streams_;
};

}  // namespace vigie::server
