// The spool: every closed batch is written here, durably, before it is sent, and stays until
// the server has acknowledged it and the file checkpoints covering it are saved. It is the
// collector's write-ahead log: after a crash, the batches found here are resent with their
// original seq (vigied acknowledges those it already stored as duplicates), and their cursors
// tell the file inputs where reading had got to. While vigied is unreachable or slow, batches
// accumulate here; when the spool would exceed its size bound, the oldest segments are dropped
// (counted in metrics and logged at most once a minute), never silently.
//
// On disk: <dir>/<first seq, 20 digits>.spool segment files of records (spool_record.h). A
// torn record at the end of the last segment (a crash mid-write) is cut off at open.
//
// A spool written by an older collector is read as it is (spool_record.h); one holding records
// of a newer version than this collector reads is refused at open, whole.
//
// The shipper sees it through the BatchQueue interface (batch_queue.h).
//
// Thread safety: Append() must be called from one thread at a time; everything else may be
// called concurrently with it and with each other.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/batch_queue.h"
#include "collector/cursor.h"
#include "collector/metrics.h"
#include "collector/spool_record.h"

namespace vigie::collector {

class Spool final : public BatchQueue {
 public:
  struct Options {
    std::string dir;
    uint64_t max_bytes = 1ull << 30;
    uint64_t segment_bytes = 8ull << 20;
    bool fsync = true;     // fdatasync before a batch may be sent (survives power loss).
    std::string agent_id;  // To replace a corrupt record by an empty request with its seq.
  };
  // Called for each batch leaving the spool's custody (acknowledged or dropped), in seq
  // order, with the spool's lock held: it must not call back into the spool.
  using ResolveFn =
      std::function<void(uint64_t seq, const std::vector<FileCursor>& cursors, bool dropped)>;

  // Opens or creates the spool and indexes the batches on disk; those with
  // seq <= `resolved_through` are already reflected in the checkpoints.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(Options options, uint64_t resolved_through,
                                                     ResolveFn on_resolve, Metrics* metrics);
  ~Spool() override;

  // The unresolved batches: (seq, cursors) in seq order. Called after Open, before the first
  // Append, it lists what a crash left unacknowledged.
  std::vector<std::pair<uint64_t, std::vector<FileCursor>>> RecoveredCursors() const;

  // Writes `batches` (seqs increasing, above every spooled one), syncs, then makes them visible
  // to Next(), removing them from the vector. Drops the oldest segments first if the spool
  // would exceed max_bytes. On a write error (disk full...) the batches not written stay in
  // the vector, to be retried.
  absl::Status Append(std::vector<SpoolBatch>* batches);

  // BatchQueue. Next() reads the batches back from disk. A record that fails its checksum is
  // sent as an empty request with its seq, so that its cursors still advance; its entries and
  // samples are counted as dropped.
  std::optional<Outgoing> Next(uint64_t after, size_t max_bytes = 0) override;
  uint64_t LastSeq() const override;
  size_t Acknowledge(uint64_t seq) override;

  // Deletes closed segments whose batches are all resolved with seq <= `checkpointed_seq`.
  void Release(uint64_t checkpointed_seq);

  // vigied stores at most `max_samples_per_request` samples per request (0: no limit named):
  // Next() merges no more than that (a single batch above it still goes, alone).
  void FollowServerLimit(uint64_t max_samples_per_request);

  uint64_t FirstUnresolved() const override;
  // The listener is called after Append made batches visible.
  void SetAppendListener(std::function<void()> listener) override;
  // Bytes on disk (every segment, resolved batches included until released).
  uint64_t Bytes() const;
  // Logs drops not yet reported if a minute has passed since the last report.
  void ReportDrops();

 private:
  struct Segment {
    std::string path;
    int fd = -1;
    uint64_t size = 0;
    uint64_t last_seq = 0;
  };
  struct Record {
    uint64_t seq;
    uint64_t segment;  // Key in segments_.
    uint64_t offset;
    uint32_t length;          // Payload length.
    uint32_t request_offset;  // Within the payload.
    uint64_t entries;
    uint64_t samples;
    std::vector<FileCursor> cursors;
  };

  Spool(Options options, ResolveFn on_resolve, Metrics* metrics);
  absl::Status Recover(uint64_t resolved_through);
  absl::Status LoadSegment(uint64_t id, const std::string& path, bool last);
  absl::StatusOr<Segment*> ActiveSegment(uint64_t first_seq);  // mu_ held.
  void DropOldestLocked(uint64_t needed);
  // Counts the entries and samples of `r` as dropped.
  void CountDroppedLocked(const Record& r);
  void ResolveFrontLocked(bool dropped);
  void DeleteSegmentLocked(std::map<uint64_t, Segment>::iterator it);
  void UpdateGaugesLocked();
  void ReportDropsLocked();
  // Appends the request bytes of `r` to `out`, or an empty request with its seq if the record
  // is corrupt.
  void AppendRequestLocked(const Record& r, std::string* out);

  const Options options_;
  const ResolveFn on_resolve_;
  Metrics* const metrics_;
  mutable std::mutex mu_;
  std::map<uint64_t, Segment> segments_;  // By first seq; the last one takes appends.
  std::deque<Record> records_;            // Every record in segments_, in seq order.
  size_t resolved_ = 0;                   // records_[0, resolved_) are resolved.
  uint64_t visible_seq_ = 0;              // Highest seq Next() may return.
  uint64_t max_merged_samples_ = 0;       // 0: no limit.
  uint64_t bytes_ = 0;
  std::function<void()> listener_;
  uint64_t unreported_batches_ = 0, unreported_entries_ = 0, unreported_samples_ = 0;
  int64_t last_report_ns_ = 0;
};

}  // namespace vigie::collector
