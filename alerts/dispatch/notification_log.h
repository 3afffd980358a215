// The notification log (Alertmanager's nflog): for each receiver and group, which alerts were
// firing and which resolved in the last notification enqueued, and when. The dispatcher
// consults it before each flush (Alertmanager's DedupStage), so that a restart of vigied does
// not enqueue again what was already enqueued, and does enqueue what changed. Kept in the
// RecordStore's kAlertState space under "n/" (docs/storage-format.md).
//
// Thread safety: all methods may be called concurrently (the store is thread-safe).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "store/records.h"

namespace vigie::alerts {

struct NotificationLogEntry {
  // The alerts' LabelSet::Hash (XXH3), not the Alertmanager fingerprint that vigie shows: the
  // log has been stored with these since its first version, and a new key would make every
  // group's next flush after an upgrade look changed and send its message again.
  std::set<uint64_t> firing;
  std::set<uint64_t> resolved;
  int64_t timestamp_ms = 0;
};

// Alertmanager keeps its notification log 120h; so does vigie.
constexpr int64_t kNotificationLogRetentionMs = 120LL * 3'600'000;

class NotificationLog {
 public:
  explicit NotificationLog(store::RecordStore* records) : records_(records) {}  // Not owned.

  absl::StatusOr<std::optional<NotificationLogEntry>> Query(const std::string& receiver,
                                                            const std::string& group_key) const;
  // The write that records `entry` (the caller applies it, possibly with others atomically).
  static store::RecordWrite Write(const std::string& receiver, const std::string& group_key,
                                  const NotificationLogEntry& entry);
  // Removes the entries older than the retention.
  absl::Status GarbageCollect(int64_t now_ms) const;

 private:
  store::RecordStore* const records_;
};

// Alertmanager's DedupStage.needsUpdate: whether a group whose alerts are now `firing` and
// `resolved` needs a notification, given the last one (`previous`, nullopt if none).
bool NeedsUpdate(const std::optional<NotificationLogEntry>& previous,
                 const std::set<uint64_t>& firing, const std::set<uint64_t>& resolved,
                 bool sends_resolved, int64_t repeat_interval_ms, int64_t now_ms);

}  // namespace vigie::alerts
