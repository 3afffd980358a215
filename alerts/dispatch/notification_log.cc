#include "alerts/dispatch/notification_log.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <vector>

#include "common/strings.h"

namespace vigie::alerts {
namespace {

constexpr std::string_view kPrefix = "n/";

// The receiver's name cannot contain NUL (YAML strings can, but the loader's names are what
// users type); the group key follows it.
std::string Key(const std::string& receiver, const std::string& group_key) {
  return StrCat(kPrefix, receiver, std::string_view("\0", 1), group_key);
}

bool Subset(const std::set<uint64_t>& subset, const std::set<uint64_t>& set) {
  return std::includes(set.begin(), set.end(), subset.begin(), subset.end());
}

}  // namespace

absl::StatusOr<std::optional<NotificationLogEntry>> NotificationLog::Query(
    const std::string& receiver, const std::string& group_key) const {
  auto value = records_->GetRecord(store::RecordSpace::kAlertState, Key(receiver, group_key));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<NotificationLogEntry>();
  try {
    nlohmann::json j = nlohmann::json::parse(**value);
    NotificationLogEntry entry;
    for (const auto& fp : j.at("firing")) entry.firing.insert(fp.get<uint64_t>());
    for (const auto& fp : j.at("resolved")) entry.resolved.insert(fp.get<uint64_t>());
    entry.timestamp_ms = j.at("ts").get<int64_t>();
    return std::optional<NotificationLogEntry>(std::move(entry));
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(
        StrCat("notification log entry for ", receiver, " ", group_key, ": ", e.what()));
  }
}

store::RecordWrite NotificationLog::Write(const std::string& receiver, const std::string& group_key,
                                          const NotificationLogEntry& entry) {
  nlohmann::json j = {
      {"firing", entry.firing}, {"resolved", entry.resolved}, {"ts", entry.timestamp_ms}};
  return {store::RecordSpace::kAlertState, Key(receiver, group_key), j.dump()};
}

absl::Status NotificationLog::GarbageCollect(int64_t now_ms) const {
  std::vector<std::string> expired;
  absl::Status scan = records_->ScanRecords(
      store::RecordSpace::kAlertState, kPrefix, "n0",
      [&](std::string_view key, std::string_view value) {
        try {
          if (nlohmann::json::parse(value).at("ts").get<int64_t>() + kNotificationLogRetentionMs <=
              now_ms) {
            expired.emplace_back(key);
          }
        } catch (const nlohmann::json::exception&) {
          expired.emplace_back(key);  // Unreadable: Query reports it until it goes.
        }
        return true;
      });
  if (!scan.ok()) return scan;
  std::vector<store::RecordWrite> deletes;
  for (std::string& key : expired) {
    deletes.push_back({store::RecordSpace::kAlertState, std::move(key), std::nullopt});
  }
  return deletes.empty() ? absl::OkStatus() : records_->WriteRecords(deletes);
}

bool NeedsUpdate(const std::optional<NotificationLogEntry>& previous,
                 const std::set<uint64_t>& firing, const std::set<uint64_t>& resolved,
                 bool sends_resolved, int64_t repeat_interval_ms, int64_t now_ms) {
  if (!previous) return !firing.empty();
  if (!Subset(firing, previous->firing)) return true;
  // All resolved: notify (whatever send_resolved says) so that the log forgets the firing
  // ones, unless nothing that was notified as firing is left.
  if (firing.empty()) return !previous->firing.empty();
  if (sends_resolved && !Subset(resolved, previous->resolved)) return true;
  return previous->timestamp_ms < now_ms - repeat_interval_ms;
}

}  // namespace vigie::alerts
