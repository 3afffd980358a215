// The series log: an append-only, checksummed log of records in numbered segment files, with
// checkpoints, as Prometheus's WAL (docs/storage-format.md, "The series log"). RocksStore writes
// one record per shard and commit (the samples it accepted) and acknowledges a commit only once
// its records are fsync'ed; a checkpoint holds what the segments before it still held that is
// not in the chunks, so that those segments can go.
//
// Files in `dir`: segments `00000001`, `00000002`, ... and at most one `checkpoint.NNNNNNNN`
// (covering the segments below NNNNNNNN). Each file is a sequence of frames:
//   u32 payload length (big-endian, > 0) | u32 CRC-32 of the payload (zlib's) | payload.
//
// Thread safety: Enqueue, WaitDurable, Rotate, WriteCheckpoint and Clear are thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/wal_fs.h"

namespace vigie::store {

struct SeriesWalOptions {
  std::string dir;
  // A segment is closed and the next one started once it holds this many bytes.
  uint64_t segment_bytes = 64 << 20;
  WalFs* fs = PosixWalFs();
  // Told what start-up repaired (a torn tail truncated). Not called concurrently.
  std::function<void(std::string_view)> warn = [](std::string_view) {};
};

class SeriesWal {
 public:
  // Receives one record at replay; an error stops the replay (the error names file and offset).
  using RecordFn = std::function<absl::Status(std::string_view record)>;

  // Opens (creating) the log and replays it: `on_checkpoint` for each record of the checkpoint,
  // then `on_record` for each record of the segments after it, in the order they were enqueued.
  // A torn tail of the last segment (a record cut short by a crash: never acknowledged) is cut
  // off, with a warning. A damaged record anywhere else is DataLoss naming the file, the offset
  // and what to do. Appends then go to a new segment.
  static absl::StatusOr<std::unique_ptr<SeriesWal>> Open(SeriesWalOptions options,
                                                         const RecordFn& on_checkpoint,
                                                         const RecordFn& on_record);
  ~SeriesWal();

  // Adds `record` (not empty) to the log, after every record enqueued before, and returns the
  // ticket to wait for. Cheap: the record is copied into a buffer.
  uint64_t Enqueue(std::string_view record);
  // Returns once the records up to `ticket` are written and fsync'ed: one caller writes and
  // syncs for everyone waiting (group commit). After a failed write or fsync the log is broken
  // for good: this and every later call return the error (what was written is unknown; the next
  // start replays what is durable).
  absl::Status WaitDurable(uint64_t ticket);

  // Writes and syncs what is enqueued, then starts a new segment, and returns its number: every
  // record enqueued before is in the segments below it.
  absl::StatusOr<uint64_t> Rotate();
  // Writes the checkpoint of the segments below `segment` (a number Rotate returned) holding
  // `records`, durably, then removes those segments and the older checkpoint.
  absl::Status WriteCheckpoint(uint64_t segment, const std::vector<std::string>& records);
  // Removes every segment and checkpoint, and starts a new segment: for a clean stop, once what
  // they held is stored elsewhere.
  absl::Status Clear();

  // Bytes written to segments since the last checkpoint (or open).
  uint64_t bytes_since_checkpoint() const;

 private:
  explicit SeriesWal(SeriesWalOptions options) : options_(std::move(options)) {}
  absl::Status Replay(const RecordFn& on_checkpoint, const RecordFn& on_record);
  // Starts segment `number`. Needs the writer role (writing_).
  absl::Status StartSegment(uint64_t number);
  // Takes the writer role: waits until no one else holds it.
  void Acquire(std::unique_lock<std::mutex>& lock);
  void Release(std::unique_lock<std::mutex>& lock);
  // Writes and syncs `frames` to the open segment (writer role, mu_ not held).
  absl::Status WriteOut(std::string_view frames);
  std::string SegmentPath(uint64_t number) const;
  std::string CheckpointPath(uint64_t segment) const;

  SeriesWalOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;             // Frames enqueued, not written yet. Guarded by mu_.
  uint64_t enqueued_ = 0;          // Tickets handed out. Guarded by mu_.
  uint64_t synced_ = 0;            // Tickets durable. Guarded by mu_.
  bool writing_ = false;           // The writer role is taken. Guarded by mu_.
  absl::Status failed_;            // Sticky. Guarded by mu_.
  uint64_t since_checkpoint_ = 0;  // Guarded by mu_.
  // The open segment: used by the writer role only.
  std::unique_ptr<WalFile> file_;
  uint64_t segment_ = 0;
  uint64_t segment_size_ = 0;
};

}  // namespace vigie::store
