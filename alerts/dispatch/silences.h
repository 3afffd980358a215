// Silences: matchers and a time range during which matching alerts are not notified. Created,
// updated and expired through Alertmanager's API v2 (amtool, vigie silence); kept in the
// RecordStore's kSilences space so that they survive restarts (docs/storage-format.md).
//
// Semantics are Alertmanager 0.25's: a silence is pending before startsAt, active until
// endsAt, then expired; an update that changes the matchers, or the start of an active
// silence, or that would end it in the past, replaces it by a new silence (the old one
// expired); expired silences are kept for `retention` after their end, then removed.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/dispatch/clock.h"
#include "alerts/dispatch/matcher.h"
#include "store/records.h"

namespace vigie::alerts {

struct Silence {
  std::string id;  // A UUID, assigned on creation.
  Matchers matchers;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::string created_by;
  std::string comment;
};

enum class SilenceState { kActive, kPending, kExpired };

// "active", "pending", "expired".
std::string_view SilenceStateName(SilenceState state);
SilenceState StateAt(const Silence& silence, int64_t now_ms);

// Alertmanager keeps expired silences 120h; so does vigie.
constexpr int64_t kDefaultSilenceRetentionMs = 120LL * 3'600'000;

class Silences {
 public:
  // Loads the silences kept in `records` (not owned; outlives this). Fails on unreadable
  // records, naming the key.
  static absl::StatusOr<std::unique_ptr<Silences>> Open(
      store::RecordStore* records, const Clock* clock,
      int64_t retention_ms = kDefaultSilenceRetentionMs);

  // Creates (empty id) or updates a silence, durably; returns its id (a new one when the
  // update had to replace it). InvalidArgument for a silence Alertmanager would refuse,
  // NotFound for an unknown id.
  absl::StatusOr<std::string> Set(Silence silence);
  // Ends a silence now (a pending one never starts). NotFound for an unknown id; an expired
  // silence stays as it is.
  absl::Status Expire(const std::string& id);

  std::optional<Silence> Get(const std::string& id) const;
  std::vector<Silence> List() const;
  // The ids of the active silences whose matchers all match `labels`, sorted.
  std::vector<std::string> MutedBy(const LabelSet& labels) const;
  // Removes the silences expired more than `retention` ago; returns how many.
  absl::StatusOr<int> GarbageCollect();

 private:
  Silences(store::RecordStore* records, const Clock* clock, int64_t retention_ms)
      : records_(records), clock_(clock), retention_ms_(retention_ms) {}
  absl::Status Store(const Silence& silence);  // Requires mu_.
  absl::Status ExpireLocked(const std::string& id, int64_t now_ms);

  store::RecordStore* const records_;
  const Clock* const clock_;
  const int64_t retention_ms_;
  mutable std::mutex mu_;
  std::map<std::string, Silence> silences_;  // By id.
};

// Encoding of a silence record (kSilences, key "s/<id>"): JSON, see docs/storage-format.md.
std::string EncodeSilence(const Silence& silence);
absl::StatusOr<Silence> DecodeSilence(std::string_view value);

}  // namespace vigie::alerts
