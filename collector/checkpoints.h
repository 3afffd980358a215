// File checkpoints: for each file, the cursor of the last line the server has acknowledged, and
// the seq of the last batch whose cursors are included. Cursors are applied strictly in seq
// order as batches are resolved, so the saved state is always "everything up to batch N".
//
// The file is replaced atomically (see durable_file.h) and carries a checksum; a corrupt file
// is moved aside to <path>.corrupt and the collector continues as if the files were new to it
// (lines may be sent twice, none are lost).
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/cursor.h"

namespace vigie::collector {

class Checkpoints {
 public:
  explicit Checkpoints(std::string path) : path_(std::move(path)) {}

  // Reads the saved state. `*first_start` is set when there was none: the collector has never
  // run with this state directory.
  absl::Status Load(bool* first_start);

  // Applies the cursors of batch `seq`; a cursor with `forget` removes its file's entry.
  void Apply(uint64_t seq, const std::vector<FileCursor>& cursors);

  uint64_t applied_seq() const;
  std::map<FileKey, FileCursor> Snapshot() const;

  // Persists the state if it changed since the last save; returns the seq the saved state
  // covers.
  absl::StatusOr<uint64_t> Save();

  // The binary form, exposed for tests.
  static std::string Encode(uint64_t applied_seq, const std::map<FileKey, FileCursor>& cursors);
  static bool Decode(std::string_view bytes, uint64_t* applied_seq,
                     std::map<FileKey, FileCursor>* cursors);

 private:
  const std::string path_;
  std::mutex save_mu_;  // Serialises Save(); taken before mu_.
  mutable std::mutex mu_;
  std::map<FileKey, FileCursor> cursors_;
  uint64_t applied_seq_ = 0;
  uint64_t saved_seq_ = 0;
  bool dirty_ = false;
};

}  // namespace vigie::collector
