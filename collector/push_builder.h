// Builds the wire form of a vigie.v1.PushRequest directly, entry by entry (and metric unit by
// metric unit), without protobuf message objects: one append per line instead of an allocation
// per entry. The bytes are written to the spool and sent as they are (see shipper.h), so a batch
// is encoded exactly once.
//
// Thread safety: a PushBuilder is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collector/metric_sink.h"
#include "collector/wire_labels.h"

namespace vigie::collector {

// Appends PushRequest.first_seq to `request`, serialized batches concatenated into one request
// (whose seq is the last one's), so that vigied knows which batches it holds. Protobuf keeps
// the last value of a scalar field: this goes after the last batch.
void AppendFirstSeq(uint64_t first_seq, std::string* request);

class PushBuilder {
 public:
  // Appends one entry to `stream`'s entries in this request.
  void Add(const StreamRef& stream, int64_t ts_ns, std::string_view line);

  // Appends every sample of `unit` to `series` (consecutive samples of the same series handle
  // share one Series), its labels' wire bytes as they are, and its metadata to `metadata`.
  void AddMetrics(const MetricUnit& unit);

  // Encoded size so far, give or take a few bytes of framing.
  size_t bytes() const { return bytes_; }
  // Log entries, and metric samples (vigied's PushAck.accepted counts both together).
  uint64_t entries() const { return entries_; }
  uint64_t samples() const { return samples_; }
  bool empty() const { return entries_ == 0 && samples_ == 0 && metadata_.empty(); }

  // Encodes PushRequest{agent_id, seq, streams, series, metadata} and resets the builder for
  // the next batch.
  std::string Finish(std::string_view agent_id, uint64_t seq);

 private:
  struct Pending {
    StreamRef stream;
    std::string entries;  // `repeated Entry entries = 2`, encoded.
  };
  std::vector<Pending> streams_;
  // Keyed by identity: the builder keeps each StreamRef alive, so an address is not reused.
  std::unordered_map<const WireLabels*, size_t> index_;
  std::string series_;    // `repeated Series series = 4`, encoded with their tags.
  std::string metadata_;  // `repeated MetricMetadata metadata = 7`, encoded with their tags.
  size_t bytes_ = 0;
  uint64_t entries_ = 0, samples_ = 0;
};

// The encoded size of `unit` as PushBuilder::AddMetrics adds it, within a few bytes.
size_t EncodedMetricsBytes(const MetricUnit& unit);

}  // namespace vigie::collector
