// Runs the rule groups of a set of rule files, as Prometheus's rules.Manager: each group on its
// own thread at its slots (Group::EvalTimestampNs), so that a slow group never delays another;
// reloads that keep unchanged groups running untouched, hand a changed group's alert state to
// its replacement, and refuse a set of files with any error as a whole (the running groups go
// on).
//
// Thread safety: every method may be called from any thread; reloads are serialized.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "alerts/rules/group.h"
#include "common/limits.h"

namespace vigie::alerts::rules {

class RuleManager {
 public:
  // `patterns` are the --rules globs. Starts nothing until Reload.
  RuleManager(GroupEnv env, std::vector<std::string> patterns, Limits limits);
  ~RuleManager();  // Stop().
  RuleManager(const RuleManager&) = delete;
  RuleManager& operator=(const RuleManager&) = delete;

  // Reads the files again and applies them. On error (InvalidArgument listing every file:line
  // error) nothing changes. Groups whose spec is unchanged keep running; changed ones are
  // replaced (state copied); new ones start with their persisted state; removed ones stop and
  // their series are marked stale. Persisted state of rules no longer loaded is deleted.
  absl::Status Reload();

  // Stops every group (an evaluation in progress is cancelled). Idempotent.
  void Stop();

  // What `vigie anomaly backfill` did in one group.
  struct BackfillReport {
    std::string file;
    std::string group;
    promql::StepRange range;
    AnomalyRule::BackfillResult result;
  };
  // Backfills the anomaly rules named `rule` (in the group named `group`, or in every group
  // when it is empty) from the `since_ms` before `now_ms`, at `step_ms` (0: the group's
  // interval, but no more than 10,080 steps: a week at one minute). NotFound when no group has
  // such a rule; InvalidArgument on a bad range.
  absl::StatusOr<std::vector<BackfillReport>> Backfill(const std::string& rule,
                                                       const std::string& group, int64_t now_ms,
                                                       int64_t since_ms, int64_t step_ms);

  // The groups, in file order then in their order in the file.
  std::vector<GroupStatus> Groups() const;
  size_t RuleCount() const;

 private:
  struct Running {
    std::unique_ptr<Group> group;
    std::thread thread;
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<bool> stop{false};
  };

  void Start(Running* running);
  static void Run(Running* running, GroupMetrics* metrics);
  static void Halt(Running* running);

  GroupEnv env_;
  const std::vector<std::string> patterns_;
  const Limits limits_;
  std::mutex reload_mu_;          // One reload at a time.
  mutable std::mutex groups_mu_;  // Guards order_ and running_.
  std::vector<std::string> order_;
  // Shared so that a reload builds the next map while readers still see the current one.
  std::map<std::string, std::shared_ptr<Running>> running_;
};

}  // namespace vigie::alerts::rules
