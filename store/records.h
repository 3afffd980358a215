// Small durable records kept beside the data: deploy events, alert state, silences and the
// notification outbox. alerts/ and server/ reach them only through this interface, so that a
// scale-out backend (or a test's in-memory map) can stand in for the local RocksDB.
//
// A record space is a sorted key → value map; each space owns its key and value formats
// (docs/storage-format.md, "Records"). Keys compare bytewise: big-endian numbers sort by value.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vigie::store {

enum class RecordSpace : uint8_t {
  kEvents,      // Deploy events.
  kAlertState,  // Rule alert instances (pending, firing) and their delivery state.
  kSilences,
  kOutbox,  // Notifications written before they are sent; dead letters.
};

struct RecordWrite {
  RecordSpace space = RecordSpace::kEvents;
  std::string key;
  std::optional<std::string> value;  // nullopt deletes the key.
};

// Called for each record in key order; returning false stops the scan.
using RecordVisitor = std::function<bool(std::string_view key, std::string_view value)>;

// Thread-safe. Writes are atomic and durable (fsync'ed) when they return OK; a reader sees each
// write whole or not at all.
class RecordStore {
 public:
  virtual ~RecordStore() = default;
  // Applies every write, all or none.
  virtual absl::Status WriteRecords(std::span<const RecordWrite> writes) = 0;
  // The value of `key`, nullopt when absent.
  virtual absl::StatusOr<std::optional<std::string>> GetRecord(RecordSpace space,
                                                               std::string_view key) const = 0;
  // The records with keys in [from, to), in key order; an empty `to` means to the end.
  virtual absl::Status ScanRecords(RecordSpace space, std::string_view from, std::string_view to,
                                   const RecordVisitor& visit) const = 0;
  // Deletes the keys in [from, to) (to non-empty), durably.
  virtual absl::Status DeleteRecordRange(RecordSpace space, std::string_view from,
                                         std::string_view to) = 0;

  absl::Status PutRecord(RecordSpace space, std::string key, std::string value) {
    RecordWrite write{space, std::move(key), std::move(value)};
    return WriteRecords({&write, 1});
  }
  absl::Status DeleteRecord(RecordSpace space, std::string key) {
    RecordWrite write{space, std::move(key), std::nullopt};
    return WriteRecords({&write, 1});
  }
};

// A RecordStore in memory, for tests of the parts above the store. Same contract, not durable.
std::unique_ptr<RecordStore> NewMemRecordStore();

}  // namespace vigie::store
