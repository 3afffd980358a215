#include "collector/checkpoints.h"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "collector/durable_file.h"
#include "common/varint.h"
#include "xxhash.h"

namespace vigie::collector {

namespace {
constexpr std::string_view kMagic = "VGCK\x01";
}  // namespace

std::string Checkpoints::Encode(uint64_t applied_seq,
                                const std::map<FileKey, FileCursor>& cursors) {
  std::string out(kMagic);
  PutVarint(&out, applied_seq);
  PutVarint(&out, cursors.size());
  for (const auto& [key, cursor] : cursors) EncodeCursor(cursor, &out);
  PutBigEndian64(&out, XXH3_64bits(out.data(), out.size()));
  return out;
}

bool Checkpoints::Decode(std::string_view bytes, uint64_t* applied_seq,
                         std::map<FileKey, FileCursor>* cursors) {
  if (bytes.size() < kMagic.size() + 8 || bytes.substr(0, kMagic.size()) != kMagic) return false;
  std::string_view body = bytes.substr(0, bytes.size() - 8);
  if (XXH3_64bits(body.data(), body.size()) != GetBigEndian64(bytes.data() + body.size())) {
    return false;
  }
  body.remove_prefix(kMagic.size());
  uint64_t count = 0;
  if (!GetVarint(&body, applied_seq) || !GetVarint(&body, &count)) return false;
  cursors->clear();
  for (uint64_t i = 0; i < count; ++i) {
    FileCursor cursor;
    if (!DecodeCursor(&body, &cursor)) return false;
    (*cursors)[cursor.key] = std::move(cursor);
  }
  return body.empty();
}

absl::Status Checkpoints::Load(bool* first_start) {
  absl::StatusOr<std::string> bytes = ReadWholeFile(path_);
  *first_start = absl::IsNotFound(bytes.status());
  if (*first_start) return absl::OkStatus();
  if (!bytes.ok()) return bytes.status();
  std::lock_guard lock(mu_);
  if (!Decode(*bytes, &applied_seq_, &cursors_)) {
    std::string aside = path_ + ".corrupt";
    spdlog::error(
        "checkpoint file {} is corrupt; moved to {}, files will be read again from "
        "their start",
        path_, aside);
    std::rename(path_.c_str(), aside.c_str());
    cursors_.clear();
    applied_seq_ = 0;
  }
  saved_seq_ = applied_seq_;
  return absl::OkStatus();
}

void Checkpoints::Apply(uint64_t seq, const std::vector<FileCursor>& cursors) {
  std::lock_guard lock(mu_);
  for (const FileCursor& cursor : cursors) {
    if (cursor.forget) {
      cursors_.erase(cursor.key);
    } else {
      cursors_[cursor.key] = cursor;
    }
  }
  applied_seq_ = seq;
  dirty_ = true;
}

uint64_t Checkpoints::applied_seq() const {
  std::lock_guard lock(mu_);
  return applied_seq_;
}

std::map<FileKey, FileCursor> Checkpoints::Snapshot() const {
  std::lock_guard lock(mu_);
  return cursors_;
}

absl::StatusOr<uint64_t> Checkpoints::Save() {
  std::lock_guard save_lock(save_mu_);
  std::string bytes;
  uint64_t seq;
  {
    std::lock_guard lock(mu_);
    if (!dirty_) return saved_seq_;
    bytes = Encode(applied_seq_, cursors_);
    seq = applied_seq_;
    dirty_ = false;
  }
  if (absl::Status s = WriteFileAtomically(path_, bytes); !s.ok()) {
    std::lock_guard lock(mu_);
    dirty_ = true;
    return s;
  }
  std::lock_guard lock(mu_);
  saved_seq_ = seq;
  return seq;
}

}  // namespace vigie::collector
