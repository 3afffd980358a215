#include "alerts/dispatch/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>

#include "common/strings.h"

namespace vigie::alerts {
namespace {

constexpr int64_t kGarbageCollectionIntervalMs =
    30 * 60'000;  // Alertmanager's --alerts.gc-interval.
constexpr int64_t kMaxSleepMs = 60'000;

bool Overlap(const Alert& a, const Alert& b) {
  return a.ends_at_ms > b.starts_at_ms && a.starts_at_ms < b.ends_at_ms;
}

// Alertmanager's Alert.Merge: `younger` is the later update.
Alert Merge(const Alert& older, bool older_timeout, const Alert& younger, int64_t now_ms) {
  Alert merged = younger;
  merged.starts_at_ms = std::min(older.starts_at_ms, younger.starts_at_ms);
  if (younger.ResolvedAt(now_ms)) {
    if (older.ResolvedAt(now_ms) && older.ends_at_ms > younger.ends_at_ms) {
      merged.ends_at_ms = older.ends_at_ms;
    }
  } else if (older.ends_at_ms > younger.ends_at_ms && !older_timeout) {
    merged.ends_at_ms = older.ends_at_ms;
  }
  return merged;
}

LabelSet GroupLabels(const Route& route, const LabelSet& labels) {
  return route.group_by_all ? labels : labels.Project(route.group_by, /*keep=*/true);
}

}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options)
    : clock_(options.clock),
      records_(options.records),
      silences_(options.silences),
      enqueue_(std::move(options.enqueue)),
      external_url_(std::move(options.external_url)),
      nflog_(options.records),
      config_(std::move(options.config)) {
  if (clock_ == nullptr) {
    own_clock_ = std::make_unique<SystemClock>();
    clock_ = own_clock_.get();
  }
}

Dispatcher::~Dispatcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Start() {
  thread_ = std::thread([this] { RunLoop(); });
}

void Dispatcher::RunLoop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    int64_t next = RunDue();
    lock.lock();
    int64_t sleep_ms = std::clamp<int64_t>(next - clock_->NowMs(), 0, kMaxSleepMs);
    if (sleep_ms > 0) {
      wake_.wait_for(lock, std::chrono::milliseconds(sleep_ms), [this] { return stop_ || woken_; });
    }
    woken_ = false;
  }
}

NotifyFunc Dispatcher::AsNotifyFunc() {
  return [this](std::vector<Alert> alerts) { Put(std::move(alerts)); };
}

void Dispatcher::Put(std::vector<Alert> alerts) {
  int64_t now = clock_->NowMs();
  {
    std::lock_guard lock(mu_);
    for (Alert& alert : alerts) {
      alert.updated_at_ms = now;
      if (alert.starts_at_ms == 0)
        alert.starts_at_ms = alert.ends_at_ms != 0 ? alert.ends_at_ms : now;
      Held held{std::move(alert), false};
      if (held.alert.ends_at_ms == 0) {
        held.timeout = true;
        held.alert.ends_at_ms = now + config_->resolve_timeout_ms;
      }
      uint64_t fp = held.alert.Fingerprint();
      auto old = alerts_.find(fp);
      if (old != alerts_.end() && Overlap(old->second.alert, held.alert)) {
        held.alert = Merge(old->second.alert, old->second.timeout, held.alert, now);
      }
      Held& stored = alerts_[fp] = std::move(held);
      for (const Route* route : config_->route.Match(stored.alert.labels)) {
        InsertLocked(*route, fp, stored.alert, now);
      }
    }
    woken_ = true;
  }
  wake_.notify_one();
}

void Dispatcher::InsertLocked(const Route& route, uint64_t fingerprint, const Alert& alert,
                              int64_t now_ms) {
  LabelSet labels = GroupLabels(route, alert.labels);
  GroupId id{&route, labels};
  auto it = groups_.find(id);
  if (it == groups_.end()) {
    Group group;
    group.route = &route;
    group.key = StrCat(route.key, ":", labels.ToString());
    group.labels = std::move(labels);
    group.next_flush_ms = now_ms + route.group_wait_ms;
    it = groups_.emplace(std::move(id), std::move(group)).first;
  }
  Group& group = it->second;
  group.alerts[fingerprint] = alert;
  // An alert that began longer than group_wait ago (a restart, a resend) is flushed at once.
  if (!group.has_flushed && alert.starts_at_ms + route.group_wait_ms < now_ms) {
    group.next_flush_ms = now_ms;
  }
}

int64_t Dispatcher::RunDue() {
  std::lock_guard flushing(flush_mu_);
  int64_t now = clock_->NowMs();
  std::shared_ptr<const Config> config;  // Keeps the flushes' routes alive across a reload.
  std::vector<Flush> flushes;
  bool collect_garbage = false;
  {
    std::lock_guard lock(mu_);
    config = config_;
    for (auto& [id, group] : groups_) {
      if (group.next_flush_ms > now) continue;
      group.next_flush_ms = now + group.route->group_interval_ms;
      group.has_flushed = true;
      if (!group.alerts.empty()) flushes.push_back(TakeFlushLocked(id, group, now));
    }
    if (now >= next_gc_ms_) {
      std::erase_if(alerts_, [&](const auto& entry) { return entry.second.alert.ResolvedAt(now); });
      next_gc_ms_ = now + kGarbageCollectionIntervalMs;
      collect_garbage = true;
    }
  }
  // Without mu_: the notification log's reads and the outbox's fsync'ed writes take their time
  // without holding up the rules' Put, the API or a reload. flush_mu_ keeps each group's
  // notifications in order.
  std::vector<const Flush*> notified;
  for (const Flush& flush : flushes) {
    if (absl::Status st = Notify(*config, flush, now); !st.ok()) {
      spdlog::error("notify {} for group {}: {} (retried at the next group_interval)",
                    flush.id.first->receiver, flush.key, st.message());
      continue;
    }
    notified.push_back(&flush);
  }
  if (collect_garbage) {
    if (absl::Status st = nflog_.GarbageCollect(now); !st.ok()) {
      spdlog::error("notification log cleanup: {}", st.message());
    }
    if (auto removed = silences_->GarbageCollect(); !removed.ok()) {
      spdlog::error("silence cleanup: {}", removed.status().message());
    }
  }
  std::lock_guard lock(mu_);
  for (const Flush* flush : notified) ForgetResolvedLocked(*flush, now);
  int64_t next = INT64_MAX;
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (it->second.alerts.empty()) {
      it = groups_.erase(it);
      continue;
    }
    next = std::min(next, it->second.next_flush_ms);
    ++it;
  }
  return std::min(next, next_gc_ms_);
}

Dispatcher::Flush Dispatcher::TakeFlushLocked(const GroupId& id, const Group& group,
                                              int64_t now_ms) const {
  Flush flush{id, group.key, {}, {}};
  for (const auto& [fp, alert] : group.alerts) {
    Alert copy = alert;
    if (!copy.ResolvedAt(now_ms))
      copy.ends_at_ms = 0;  // Firing: no end yet, as Alertmanager sends.
    flush.alerts.push_back(std::move(copy));
  }
  std::stable_sort(flush.alerts.begin(), flush.alerts.end(), [](const Alert& a, const Alert& b) {
    if ((a.ends_at_ms == 0) != (b.ends_at_ms == 0)) return a.ends_at_ms == 0;
    return a.labels < b.labels;
  });
  const Route& route = *group.route;
  bool outside_active =
      !route.active_time_intervals.empty() &&
      !InTimeIntervals(config_->time_intervals, route.active_time_intervals, now_ms);
  bool in_mute = InTimeIntervals(config_->time_intervals, route.mute_time_intervals, now_ms);
  if (!outside_active && !in_mute) {
    for (const Alert& alert : flush.alerts) {
      if (!StatusLocked(alert.labels, now_ms).suppressed()) flush.unmuted.push_back(alert);
    }
  }
  return flush;
}

void Dispatcher::ForgetResolvedLocked(const Flush& flush, int64_t now_ms) {
  auto group = groups_.find(flush.id);
  if (group == groups_.end()) return;  // A reload rebuilt the groups meanwhile.
  for (const Alert& alert : flush.alerts) {
    if (!alert.ResolvedAt(now_ms)) continue;
    auto it = group->second.alerts.find(alert.Fingerprint());
    if (it != group->second.alerts.end() && it->second.updated_at_ms == alert.updated_at_ms) {
      group->second.alerts.erase(it);
    }
  }
}

absl::Status Dispatcher::Notify(const Config& config, const Flush& flush, int64_t now_ms) {
  if (flush.unmuted.empty()) return absl::OkStatus();
  const Route& route = *flush.id.first;
  const Receiver* receiver = config.FindReceiver(route.receiver);
  if (receiver == nullptr || !receiver->has_integrations) return absl::OkStatus();
  NotificationLogEntry entry;
  entry.timestamp_ms = now_ms;
  for (const Alert& alert : flush.unmuted) {
    // The log's own key, not the shown fingerprint: see NotificationLogEntry.
    (alert.ResolvedAt(now_ms) ? entry.resolved : entry.firing).insert(alert.labels.Hash());
  }
  auto previous = nflog_.Query(receiver->name, flush.key);
  if (!previous.ok()) return previous.status();
  if (!NeedsUpdate(*previous, entry.firing, entry.resolved, receiver->sends_resolved,
                   route.repeat_interval_ms, now_ms)) {
    return absl::OkStatus();
  }
  store::RecordWrite log_write = NotificationLog::Write(receiver->name, flush.key, entry);
  Notification notification;
  notification.receiver = receiver->name;
  notification.group_key = flush.key;
  notification.group_labels = flush.id.second;
  notification.alerts = flush.unmuted;
  notification.external_url = external_url_;
  notification.records.push_back(log_write);
  if (absl::Status st = enqueue_(std::move(notification)); !st.ok()) return st;
  return records_->WriteRecords({&log_write, 1});
}

AlertStatus Dispatcher::StatusLocked(const LabelSet& labels, int64_t now_ms) const {
  AlertStatus status;
  status.inhibited_by = InhibitedByLocked(labels, now_ms);
  status.silenced_by = silences_->MutedBy(labels);
  return status;
}

std::vector<std::string> Dispatcher::InhibitedByLocked(const LabelSet& labels,
                                                       int64_t now_ms) const {
  for (const InhibitRule& rule : config_->inhibit_rules) {
    if (!MatchesAll(rule.target_matchers, labels)) continue;
    // An alert that is both source and target does not inhibit others like it.
    bool both_sides = MatchesAll(rule.source_matchers, labels);
    for (const auto& [fp, held] : alerts_) {
      const Alert& source = held.alert;
      if (source.ResolvedAt(now_ms) || !MatchesAll(rule.source_matchers, source.labels)) continue;
      if (!std::all_of(rule.equal.begin(), rule.equal.end(), [&](const std::string& name) {
            return source.labels.Get(name) == labels.Get(name);
          })) {
        continue;
      }
      if (both_sides && MatchesAll(rule.target_matchers, source.labels)) continue;
      return {FingerprintHex(fp)};
    }
  }
  return {};
}

void Dispatcher::ApplyConfig(std::shared_ptr<const Config> config) {
  int64_t now = clock_->NowMs();
  {
    std::lock_guard lock(mu_);
    config_ = std::move(config);
    groups_.clear();
    for (const auto& [fp, held] : alerts_) {
      for (const Route* route : config_->route.Match(held.alert.labels)) {
        InsertLocked(*route, fp, held.alert, now);
      }
    }
    woken_ = true;
  }
  wake_.notify_one();
}

std::shared_ptr<const Config> Dispatcher::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

AlertStatus Dispatcher::StatusOf(const LabelSet& labels) const {
  std::lock_guard lock(mu_);
  return StatusLocked(labels, clock_->NowMs());
}

std::vector<AlertView> Dispatcher::Alerts() const {
  std::lock_guard lock(mu_);
  int64_t now = clock_->NowMs();
  std::vector<AlertView> out;
  for (const auto& [fp, held] : alerts_) {
    if (held.alert.ResolvedAt(now)) continue;
    AlertView view{held.alert, {}, StatusLocked(held.alert.labels, now)};
    for (const Route* route : config_->route.Match(held.alert.labels)) {
      view.receivers.push_back(route->receiver);
    }
    out.push_back(std::move(view));
  }
  return out;
}

std::vector<GroupView> Dispatcher::Groups() const {
  std::lock_guard lock(mu_);
  int64_t now = clock_->NowMs();
  std::map<uint64_t, std::vector<std::string>> receivers;
  for (const auto& [id, group] : groups_) {
    for (const auto& [fp, alert] : group.alerts) receivers[fp].push_back(group.route->receiver);
  }
  for (auto& [fp, names] : receivers) std::sort(names.begin(), names.end());
  std::vector<GroupView> out;
  for (const auto& [id, group] : groups_) {
    GroupView view{group.labels, group.route->receiver, {}};
    for (const auto& [fp, alert] : group.alerts) {
      if (alert.ResolvedAt(now)) continue;
      view.alerts.push_back({alert, receivers[fp], StatusLocked(alert.labels, now)});
    }
    if (!view.alerts.empty()) out.push_back(std::move(view));
  }
  std::sort(out.begin(), out.end(), [](const GroupView& a, const GroupView& b) {
    if (a.labels != b.labels) return a.labels < b.labels;
    return a.receiver < b.receiver;
  });
  return out;
}

}  // namespace vigie::alerts
