#include "alerts/deploys/deploy_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>

#include "alerts/deploys/deploy_codec.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"

namespace vigie::alerts::deploys {
namespace {

bool Matches(const std::string& filter, const std::string& value) {
  return filter.empty() || filter == value;
}

bool Selects(const DeployQuery& q, const Deploy& d) {
  return d.end_ms.value_or(d.time_ms) >= q.start_ms && d.time_ms <= q.end_ms &&
         Matches(q.service, d.service) && Matches(q.environment, d.environment) &&
         Matches(q.version, d.version) && Matches(q.commit, d.commit) &&
         Matches(q.author, d.author);
}

}  // namespace

DeployStore::DeployStore(store::RecordStore* records, DeployStoreOptions options)
    : records_(records), options_(std::move(options)) {}

int64_t DeployStore::NowMs() const {
  return options_.now_ms ? options_.now_ms() : NowNanos() / kNanosPerMilli;
}

absl::StatusOr<Deploy> DeployStore::Record(Deploy deploy) {
  int64_t now_ms = NowMs();
  if (deploy.time_ms == 0) deploy.time_ms = now_ms;
  DeployLimits limits{now_ms, options_.max_ahead_ms, options_.retention_ms};
  if (absl::Status st = ValidateDeploy(deploy, limits); !st.ok()) return st;
  {
    std::lock_guard lock(mu_);
    for (;;) {
      deploy.id = NewDeployId(deploy.time_ms, random_);
      auto existing = records_->GetRecord(store::RecordSpace::kEvents, DeployKey(deploy));
      if (!existing.ok()) return existing.status();
      if (!existing->has_value()) break;  // 80 random bits: a repeat is all but impossible.
    }
    absl::Status st =
        records_->PutRecord(store::RecordSpace::kEvents, DeployKey(deploy), EncodeDeploy(deploy));
    if (!st.ok()) return st;
  }
  if (deploy.end_ms) {
    std::lock_guard lock(rollout_mu_);
    if (longest_rollout_ms_) {
      longest_rollout_ms_ = std::max(*longest_rollout_ms_, *deploy.end_ms - deploy.time_ms);
    }
  }
  if (options_.on_recorded) options_.on_recorded(deploy);
  return deploy;
}

int64_t DeployStore::LongestRolloutMs() const {
  std::lock_guard lock(rollout_mu_);
  if (longest_rollout_ms_) return *longest_rollout_ms_;
  int64_t longest = 0;
  absl::Status st = records_->ScanRecords(
      store::RecordSpace::kEvents, "", "", [&](std::string_view, std::string_view value) {
        if (auto deploy = DecodeDeploy(value); deploy.ok() && deploy->end_ms) {
          longest = std::max(longest, *deploy->end_ms - deploy->time_ms);
        }
        return true;
      });
  if (!st.ok()) return kMaxRolloutMs;  // Read as far back as any rollout may go; try again later.
  longest_rollout_ms_ = longest;
  return longest;
}

absl::StatusOr<std::vector<Deploy>> DeployStore::Query(const DeployQuery& query) const {
  if (query.end_ms < query.start_ms) return std::vector<Deploy>();
  // A rollout still running at start began at most kMaxRolloutMs before it.
  int64_t from =
      query.start_ms < INT64_MIN + kMaxRolloutMs ? INT64_MIN : query.start_ms - kMaxRolloutMs;
  std::string to = query.end_ms == INT64_MAX ? "" : TimeKey(query.end_ms + 1);
  std::deque<Deploy> newest;
  absl::Status st = records_->ScanRecords(
      store::RecordSpace::kEvents, TimeKey(from), to,
      [&](std::string_view key, std::string_view value) {
        auto deploy = DecodeDeploy(value);
        if (!deploy.ok()) {  // Skipped, so that one bad record does not hide the others.
          spdlog::error("deploys: {} (key {})", deploy.status().message(), EscapeForMessage(key));
          return true;
        }
        if (!Selects(query, *deploy)) return true;
        newest.push_back(*std::move(deploy));
        if (query.limit > 0 && newest.size() > query.limit) newest.pop_front();
        return true;
      });
  if (!st.ok()) return st;
  return std::vector<Deploy>(newest.rbegin(), newest.rend());
}

absl::Status DeployStore::DropBefore(int64_t cutoff_ms) {
  return records_->DeleteRecordRange(store::RecordSpace::kEvents, TimeKey(INT64_MIN),
                                     TimeKey(cutoff_ms));
}

}  // namespace vigie::alerts::deploys
