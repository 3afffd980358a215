// A WalFs over the real files that fails the operations a test asks to fail (series_wal_test,
// series_store_test).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "store/wal_fs.h"

namespace vigie::store {

// Fails the operations a test asks to fail, on top of the real files.
class FaultyFs final : public WalFs {
 public:
  std::atomic<bool> fail_sync{false};
  // A write of this many bytes or more writes only half of them, then fails.
  std::atomic<size_t> short_write_from{SIZE_MAX};

  absl::Status CreateDir(const std::string& dir) override { return real_->CreateDir(dir); }
  absl::StatusOr<std::vector<std::string>> List(const std::string& dir) override {
    return real_->List(dir);
  }
  absl::StatusOr<std::unique_ptr<WalFile>> OpenAppend(const std::string& path) override {
    absl::StatusOr<std::unique_ptr<WalFile>> file = real_->OpenAppend(path);
    if (!file.ok()) return file.status();
    return std::unique_ptr<WalFile>(new File(this, *std::move(file)));
  }
  absl::Status ReadAll(const std::string& path, std::string* out) override {
    return real_->ReadAll(path, out);
  }
  absl::Status Truncate(const std::string& path, uint64_t size) override {
    return real_->Truncate(path, size);
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    return real_->Rename(from, to);
  }
  absl::Status Remove(const std::string& path) override { return real_->Remove(path); }
  absl::Status SyncDir(const std::string& dir) override { return real_->SyncDir(dir); }

 private:
  class File final : public WalFile {
   public:
    File(FaultyFs* fs, std::unique_ptr<WalFile> real) : fs_(fs), real_(std::move(real)) {}
    absl::Status Append(std::string_view data) override {
      if (data.size() >= fs_->short_write_from.load()) {
        real_->Append(data.substr(0, data.size() / 2)).IgnoreError();
        return absl::InternalError("injected: no space left on device");
      }
      return real_->Append(data);
    }
    absl::Status Sync() override {
      if (fs_->fail_sync.load()) return absl::InternalError("injected: fsync: I/O error");
      return real_->Sync();
    }

   private:
    FaultyFs* fs_;
    std::unique_ptr<WalFile> real_;
  };

  WalFs* real_ = PosixWalFs();
};

}  // namespace vigie::store
