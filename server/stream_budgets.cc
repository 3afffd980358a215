#include "server/stream_budgets.h"

#include <algorithm>
#include <limits>

#include "common/strings.h"
#include "common/time.h"

namespace vigie::server {

StreamBudgets::StreamBudgets(const Limits& limits, Kind kind)
    : noun_(kind == Kind::kStreams ? "streams" : "series"),
      flag_(kind == Kind::kStreams ? "--max-streams-per-sender" : "--max-series-per-sender"),
      max_streams_(kind == Kind::kStreams ? limits.max_streams_per_sender
                                          : limits.max_series_per_sender),
      idle_ns_(std::max<int64_t>(limits.stream_idle_ns, 1)),
      max_senders_(limits.max_senders) {}

void StreamBudgets::ExpireLocked(Sender& sender, int64_t now_ns) {
  if (now_ns < sender.next_expiry_ns) return;
  int64_t oldest = std::numeric_limits<int64_t>::max();
  absl::erase_if(sender.last_write, [&](const auto& stream) {
    if (now_ns - stream.second >= idle_ns_) return true;
    oldest = std::min(oldest, stream.second);
    return false;
  });
  sender.next_expiry_ns =
      oldest == std::numeric_limits<int64_t>::max() ? now_ns : oldest + idle_ns_;
}

void StreamBudgets::ExpireAllLocked(int64_t now_ns) {
  for (auto it = senders_.begin(); it != senders_.end();) {
    ExpireLocked(it->second, now_ns);
    it = it->second.last_write.empty() ? senders_.erase(it) : std::next(it);
  }
  // Every sender is looked at about twice per idle period, so that memory follows activity.
  next_sweep_ns_ = now_ns + std::max<int64_t>(idle_ns_ / 2, 1);
}

absl::Status StreamBudgets::Admit(const std::string& sender, std::string_view sender_name,
                                  uint64_t stream_id, int64_t now_ns) {
  std::lock_guard lock(mu_);
  absl::StatusOr<Sender*> s = SenderLocked(sender, sender_name, now_ns);
  if (!s.ok()) return s.status();
  return AdmitLocked(**s, sender_name, stream_id, now_ns);
}

void StreamBudgets::AdmitAll(const std::string& sender, std::string_view sender_name,
                             std::span<const uint64_t> stream_ids, int64_t now_ns,
                             std::vector<std::pair<size_t, absl::Status>>* refused) {
  if (stream_ids.empty()) return;
  std::lock_guard lock(mu_);
  absl::StatusOr<Sender*> s = SenderLocked(sender, sender_name, now_ns);
  for (size_t i = 0; i < stream_ids.size(); ++i) {
    absl::Status status =
        s.ok() ? AdmitLocked(**s, sender_name, stream_ids[i], now_ns) : s.status();
    if (!status.ok()) refused->emplace_back(i, std::move(status));
  }
}

absl::StatusOr<StreamBudgets::Sender*> StreamBudgets::SenderLocked(const std::string& sender,
                                                                   std::string_view sender_name,
                                                                   int64_t now_ns) {
  if (now_ns >= next_sweep_ns_) ExpireAllLocked(now_ns);
  auto it = senders_.find(sender);
  if (it != senders_.end()) return &it->second;
  if (senders_.size() >= max_senders_) ExpireAllLocked(now_ns);
  if (senders_.size() >= max_senders_) {
    return absl::ResourceExhaustedError(StrCat(
        "vigied already has ", max_senders_, " senders with active ", noun_, " (--max-senders); ",
        sender_name, " can add ", noun_, " once one of them has been idle for ",
        FormatDuration(idle_ns_), " (--stream-idle-timeout)"));
  }
  return &senders_.try_emplace(sender).first->second;
}

absl::Status StreamBudgets::AdmitLocked(Sender& s, std::string_view sender_name, uint64_t stream_id,
                                        int64_t now_ns) {
  auto stream = s.last_write.find(stream_id);
  if (stream != s.last_write.end()) {
    stream->second = now_ns;
    return absl::OkStatus();
  }
  if (s.last_write.size() >= max_streams_) ExpireLocked(s, now_ns);
  if (s.last_write.size() >= max_streams_) {
    return absl::ResourceExhaustedError(
        StrCat(sender_name, " has ", max_streams_, " active ", noun_, " (", flag_, "); ",
               noun_ == "streams" ? "a stream stops counting once it has had no entry"
                                  : "a series stops counting once it has had no sample",
               " for ", FormatDuration(idle_ns_), " (--stream-idle-timeout)"));
  }
  s.last_write.emplace(stream_id, now_ns);
  s.next_expiry_ns = std::min(s.next_expiry_ns, now_ns + idle_ns_);
  return absl::OkStatus();
}

}  // namespace vigie::server
