#include "alerts/rules/manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "common/strings.h"
#include "common/time.h"

namespace vigie::alerts::rules {

RuleManager::RuleManager(GroupEnv env, std::vector<std::string> patterns, Limits limits)
    : env_(std::move(env)), patterns_(std::move(patterns)), limits_(limits) {}

RuleManager::~RuleManager() { Stop(); }

absl::Status RuleManager::Reload() {
  std::lock_guard reload_lock(reload_mu_);
  auto specs = LoadRuleFiles(patterns_, limits_);
  if (!specs.ok()) return specs.status();

  // Only reloads change running_, and they hold reload_mu_: it is read here without groups_mu_.
  std::map<std::string, std::shared_ptr<Running>> old = running_;
  std::map<std::string, std::shared_ptr<Running>> next;
  std::vector<std::string> order;
  std::vector<Running*> to_start;
  for (GroupSpec& spec : *specs) {
    std::string key = spec.Key();
    order.push_back(key);
    auto it = old.find(key);
    if (it != old.end() && it->second->group->spec() == spec) {
      next[key] = std::move(it->second);
      old.erase(it);
      continue;
    }
    auto running = std::make_shared<Running>();
    running->group = std::make_unique<Group>(std::move(spec), &env_);
    if (it != old.end()) {
      Halt(it->second.get());
      running->group->CopyStateFrom(*it->second->group);
      old.erase(it);
    } else if (absl::Status st = running->group->RestoreState(); !st.ok()) {
      spdlog::error("rules: group \"{}\": restoring alert state: {}", key, st.message());
    }
    to_start.push_back(running.get());
    next[key] = std::move(running);
  }
  // Groups no longer in the files: stopped, their series marked stale.
  for (auto& [key, running] : old) {
    Halt(running.get());
    running->group->MarkAllStale(NowNanos() / 1'000'000);
    if (env_.metrics != nullptr) env_.metrics->RemoveGroup(key);
  }
  std::set<std::string> keep;
  for (const auto& [key, running] : next) {
    for (std::string& prefix : running->group->StatePrefixes()) keep.insert(std::move(prefix));
  }
  if (env_.state != nullptr) {
    if (absl::Status st = env_.state->DeleteAllExcept(keep); !st.ok()) {
      spdlog::error("rules: deleting the alert state of removed rules: {}", st.message());
    }
  }
  for (Running* running : to_start) Start(running);
  std::lock_guard lock(groups_mu_);
  running_ = std::move(next);
  order_ = std::move(order);
  return absl::OkStatus();
}

void RuleManager::Start(Running* running) {
  GroupMetrics* metrics =
      env_.metrics != nullptr ? env_.metrics->ForGroup(running->group->key()) : nullptr;
  running->thread = std::thread([running, metrics] { Run(running, metrics); });
}

void RuleManager::Run(Running* r, GroupMetrics* metrics) {
  Group& group = *r->group;
  const int64_t interval_ns = group.interval_ms() * 1'000'000;
  // The first evaluation at the group's next slot, as Prometheus starts a group.
  int64_t next_ns = group.EvalTimestampNs(NowNanos()) + interval_ns;
  auto cancelled = [r] { return r->stop.load(); };
  while (true) {
    {
      std::unique_lock lock(r->mu);
      auto deadline = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::nanoseconds(next_ns)));
      r->cv.wait_until(lock, deadline, [&] { return r->stop.load() || NowNanos() >= next_ns; });
      if (r->stop.load()) return;
    }
    if (metrics != nullptr) metrics->iterations->Increment();
    group.Eval(next_ns / 1'000'000, cancelled);
    // Slots that passed while this evaluation ran are skipped, and counted.
    int64_t missed = (NowNanos() - next_ns) / interval_ns - 1;
    if (missed > 0) {
      if (metrics != nullptr) {
        metrics->iterations_missed->Increment(static_cast<double>(missed));
        metrics->iterations->Increment(static_cast<double>(missed));
      }
    } else {
      missed = 0;
    }
    next_ns += (missed + 1) * interval_ns;
  }
}

void RuleManager::Halt(Running* r) {
  {
    std::lock_guard lock(r->mu);
    r->stop = true;
  }
  r->cv.notify_all();
  if (r->thread.joinable()) r->thread.join();
}

void RuleManager::Stop() {
  std::lock_guard reload_lock(reload_mu_);
  std::lock_guard lock(groups_mu_);
  for (auto& [key, running] : running_) Halt(running.get());
}

std::vector<GroupStatus> RuleManager::Groups() const {
  std::lock_guard lock(groups_mu_);
  std::vector<GroupStatus> out;
  for (const std::string& key : order_) {
    auto it = running_.find(key);
    if (it != running_.end()) out.push_back(it->second->group->Status());
  }
  return out;
}

absl::StatusOr<std::vector<RuleManager::BackfillReport>> RuleManager::Backfill(
    const std::string& rule, const std::string& group, int64_t now_ms, int64_t since_ms,
    int64_t step_ms) {
  if (since_ms <= 0 || step_ms < 0) {
    return absl::InvalidArgumentError("backfill: since must be > 0 and step >= 0");
  }
  std::vector<std::shared_ptr<Running>> groups;
  {
    std::lock_guard lock(groups_mu_);
    for (const std::string& key : order_) {
      auto it = running_.find(key);
      if (it != running_.end() && (group.empty() || it->second->group->spec().name == group)) {
        groups.push_back(it->second);
      }
    }
  }
  constexpr int64_t kMaxDefaultSteps = 10'080;
  std::vector<BackfillReport> out;
  for (const auto& running : groups) {
    Group& g = *running->group;
    BackfillReport report;
    report.file = g.spec().file;
    report.group = g.spec().name;
    int64_t step = step_ms > 0 ? step_ms : std::max(g.interval_ms(), since_ms / kMaxDefaultSteps);
    report.range = {now_ms - since_ms, now_ms, step};
    auto result = g.Backfill(rule, report.range, [&running] { return running->stop.load(); });
    if (absl::IsNotFound(result.status())) continue;
    if (!result.ok()) return result.status();
    report.result = *result;
    out.push_back(std::move(report));
  }
  if (out.empty()) {
    return absl::NotFoundError(StrCat("no anomaly rule named \"", rule, "\"",
                                      group.empty() ? "" : StrCat(" in group \"", group, "\""),
                                      ": `vigie rules` or GET /api/v1/rules lists the rules"));
  }
  return out;
}

size_t RuleManager::RuleCount() const {
  std::lock_guard lock(groups_mu_);
  size_t n = 0;
  for (const auto& [key, running] : running_) n += running->group->spec().rules.size();
  return n;
}

}  // namespace vigie::alerts::rules
