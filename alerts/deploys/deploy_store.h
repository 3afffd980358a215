// Deploy events, kept in the record store (RecordSpace::kEvents; keys and values in
// deploy_codec.h): recorded from HTTP, gRPC and the CLI, read by range queries and by the alert
// correlation (deploy_lookup.h), dropped by retention with the logs.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "alerts/alert.h"
#include "alerts/deploys/deploy_validate.h"
#include "store/records.h"

namespace vigie::alerts::deploys {

struct DeployStoreOptions {
  int64_t retention_ms = 0;            // Deploys older than this are refused; 0: no bound.
  int64_t max_ahead_ms = 3600 * 1000;  // See DeployLimits.
  // The wall clock in Unix milliseconds; null: the system's. Tests fix it.
  std::function<int64_t()> now_ms;
  // Called with each deploy once it is durable, outside any lock (server/ mirrors deploys into
  // a log stream for Grafana's annotations); may be null.
  std::function<void(const Deploy&)> on_recorded;
};

// Which deploys a query wants: those whose span [time, end] (or time alone) meets
// [start_ms, end_ms], and whose fields equal the non-empty filters.
struct DeployQuery {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string service;
  std::string environment;
  std::string version;
  std::string commit;
  std::string author;
  size_t limit = 0;  // The newest `limit`; 0: all.
};

// Thread-safe.
class DeployStore {
 public:
  // `records` is not owned and must outlive the store.
  DeployStore(store::RecordStore* records, DeployStoreOptions options);

  // Checks `deploy` (ValidateDeploy; a time of 0 means now), gives it a new id, and stores it
  // durably. Returns the deploy as stored; InvalidArgument naming the field that is wrong.
  absl::StatusOr<Deploy> Record(Deploy deploy);

  // The deploys `query` selects, newest first (by time, then id).
  absl::StatusOr<std::vector<Deploy>> Query(const DeployQuery& query) const;

  // Deletes the deploys whose time is before `cutoff_ms` (retention).
  absl::Status DropBefore(int64_t cutoff_ms);

  int64_t NowMs() const;

 private:
  // The longest rollout (end - time) stored: a range query reads this much before its start.
  // Found by one scan of every deploy at the first query, then kept up by Record.
  int64_t LongestRolloutMs() const;

  store::RecordStore* records_;
  DeployStoreOptions options_;
  std::mutex mu_;        // Makes an id's uniqueness check and its write one step.
  absl::BitGen random_;  // Guarded by mu_.
  mutable std::mutex rollout_mu_;
  mutable std::optional<int64_t> longest_rollout_ms_;  // Guarded by rollout_mu_.
};

}  // namespace vigie::alerts::deploys
