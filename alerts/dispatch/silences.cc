#include "alerts/dispatch/silences.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <random>

#include "common/strings.h"

namespace vigie::alerts {
namespace {

constexpr std::string_view kKeyPrefix = "s/";

std::string NewUuid() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi, lo;
  {
    std::lock_guard lock(mu);
    hi = rng();
    lo = rng();
  }
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // Version 4.
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant.
  std::string hex = fmt::format("{:016x}{:016x}", hi, lo);
  return StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                hex.substr(16, 4), "-", hex.substr(20));
}

absl::Status Validate(const Silence& s) {
  if (s.matchers.empty()) return absl::InvalidArgumentError("at least one matcher required");
  bool all_match_empty = true;
  for (const Matcher& m : s.matchers) all_match_empty = all_match_empty && m.Matches("");
  if (all_match_empty) {
    return absl::InvalidArgumentError("at least one matcher must not match the empty string");
  }
  if (s.starts_at_ms == 0) return absl::InvalidArgumentError("invalid zero start timestamp");
  if (s.ends_at_ms == 0) return absl::InvalidArgumentError("invalid zero end timestamp");
  if (s.ends_at_ms < s.starts_at_ms) {
    return absl::InvalidArgumentError("end time must not be before start time");
  }
  return absl::OkStatus();
}

// Alertmanager's canUpdate: whether `next` may keep `prev`'s id.
bool CanUpdate(const Silence& prev, const Silence& next, int64_t now_ms) {
  if (prev.matchers != next.matchers) return false;
  switch (StateAt(prev, now_ms)) {
    case SilenceState::kActive:
      return prev.starts_at_ms / 1000 == next.starts_at_ms / 1000 && next.ends_at_ms >= now_ms;
    case SilenceState::kPending:
      return next.starts_at_ms >= now_ms;
    case SilenceState::kExpired:
      return false;
  }
  return false;
}

}  // namespace

std::string_view SilenceStateName(SilenceState state) {
  switch (state) {
    case SilenceState::kActive:
      return "active";
    case SilenceState::kPending:
      return "pending";
    case SilenceState::kExpired:
      return "expired";
  }
  return "expired";
}

SilenceState StateAt(const Silence& silence, int64_t now_ms) {
  if (now_ms < silence.starts_at_ms) return SilenceState::kPending;
  if (now_ms > silence.ends_at_ms) return SilenceState::kExpired;
  return SilenceState::kActive;
}

std::string EncodeSilence(const Silence& s) {
  nlohmann::json matchers = nlohmann::json::array();
  for (const Matcher& m : s.matchers) {
    matchers.push_back({{"name", m.name()},
                        {"value", m.value()},
                        {"type", std::string(MatchTypeSymbol(m.type()))}});
  }
  nlohmann::json j = {{"v", 1},
                      {"id", s.id},
                      {"matchers", matchers},
                      {"startsAt", s.starts_at_ms},
                      {"endsAt", s.ends_at_ms},
                      {"updatedAt", s.updated_at_ms},
                      {"createdBy", s.created_by},
                      {"comment", s.comment}};
  return j.dump();
}

absl::StatusOr<Silence> DecodeSilence(std::string_view value) {
  try {
    nlohmann::json j = nlohmann::json::parse(value);
    if (j.at("v").get<int>() != 1) return absl::DataLossError("unknown silence record version");
    Silence s;
    s.id = j.at("id").get<std::string>();
    for (const auto& m : j.at("matchers")) {
      std::string type = m.at("type").get<std::string>();
      MatchType t = type == "!="   ? MatchType::kNotEqual
                    : type == "=~" ? MatchType::kRegex
                    : type == "!~" ? MatchType::kNotRegex
                                   : MatchType::kEqual;
      auto matcher =
          Matcher::Make(t, m.at("name").get<std::string>(), m.at("value").get<std::string>());
      if (!matcher.ok()) return matcher.status();
      s.matchers.push_back(*std::move(matcher));
    }
    s.starts_at_ms = j.at("startsAt").get<int64_t>();
    s.ends_at_ms = j.at("endsAt").get<int64_t>();
    s.updated_at_ms = j.at("updatedAt").get<int64_t>();
    s.created_by = j.at("createdBy").get<std::string>();
    s.comment = j.at("comment").get<std::string>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(StrCat("corrupt silence record: ", e.what()));
  }
}

absl::StatusOr<std::unique_ptr<Silences>> Silences::Open(store::RecordStore* records,
                                                         const Clock* clock, int64_t retention_ms) {
  std::unique_ptr<Silences> silences(new Silences(records, clock, retention_ms));
  absl::Status decode_status;
  absl::Status scan = records->ScanRecords(
      store::RecordSpace::kSilences, kKeyPrefix, "s0",
      [&](std::string_view key, std::string_view value) {
        auto s = DecodeSilence(value);
        if (!s.ok()) {
          decode_status =
              absl::DataLossError(StrCat("silence record ", key, ": ", s.status().message()));
          return false;
        }
        silences->silences_[s->id] = *std::move(s);
        return true;
      });
  if (!scan.ok()) return scan;
  if (!decode_status.ok()) return decode_status;
  return silences;
}

absl::Status Silences::Store(const Silence& silence) {
  if (absl::Status st = records_->PutRecord(store::RecordSpace::kSilences,
                                            StrCat(kKeyPrefix, silence.id), EncodeSilence(silence));
      !st.ok()) {
    return st;
  }
  silences_[silence.id] = silence;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Silences::Set(Silence silence) {
  std::lock_guard lock(mu_);
  int64_t now = clock_->NowMs();
  silence.updated_at_ms = now;
  auto prev = silences_.find(silence.id);
  if (!silence.id.empty() && prev == silences_.end()) {
    return absl::NotFoundError(StrCat("silence ", silence.id, " not found"));
  }
  if (prev != silences_.end()) {
    if (CanUpdate(prev->second, silence, now)) {
      if (absl::Status st = Validate(silence); !st.ok()) return st;
      if (absl::Status st = Store(silence); !st.ok()) return st;
      return silence.id;
    }
  }
  if (silence.starts_at_ms < now) silence.starts_at_ms = now;
  if (absl::Status st = Validate(silence); !st.ok()) return st;
  if (prev != silences_.end() && StateAt(prev->second, now) != SilenceState::kExpired) {
    if (absl::Status st = ExpireLocked(prev->first, now); !st.ok()) return st;
  }
  silence.id = NewUuid();
  if (absl::Status st = Store(silence); !st.ok()) return st;
  return silence.id;
}

absl::Status Silences::ExpireLocked(const std::string& id, int64_t now_ms) {
  auto it = silences_.find(id);
  if (it == silences_.end()) return absl::NotFoundError(StrCat("silence ", id, " not found"));
  Silence s = it->second;
  switch (StateAt(s, now_ms)) {
    case SilenceState::kExpired:
      return absl::OkStatus();
    case SilenceState::kActive:
      s.ends_at_ms = now_ms;
      break;
    case SilenceState::kPending:
      s.starts_at_ms = now_ms;
      s.ends_at_ms = now_ms;
      break;
  }
  s.updated_at_ms = now_ms;
  return Store(s);
}

absl::Status Silences::Expire(const std::string& id) {
  std::lock_guard lock(mu_);
  return ExpireLocked(id, clock_->NowMs());
}

std::optional<Silence> Silences::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = silences_.find(id);
  if (it == silences_.end()) return std::nullopt;
  return it->second;
}

std::vector<Silence> Silences::List() const {
  std::lock_guard lock(mu_);
  std::vector<Silence> out;
  for (const auto& [id, s] : silences_) out.push_back(s);
  return out;
}

std::vector<std::string> Silences::MutedBy(const LabelSet& labels) const {
  std::lock_guard lock(mu_);
  int64_t now = clock_->NowMs();
  std::vector<std::string> ids;
  for (const auto& [id, s] : silences_) {
    if (StateAt(s, now) == SilenceState::kActive && MatchesAll(s.matchers, labels)) {
      ids.push_back(id);
    }
  }
  return ids;
}

absl::StatusOr<int> Silences::GarbageCollect() {
  std::lock_guard lock(mu_);
  int64_t now = clock_->NowMs();
  int removed = 0;
  for (auto it = silences_.begin(); it != silences_.end();) {
    if (it->second.ends_at_ms + retention_ms_ <= now) {
      if (absl::Status st =
              records_->DeleteRecord(store::RecordSpace::kSilences, StrCat(kKeyPrefix, it->first));
          !st.ok()) {
        return st;
      }
      it = silences_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace vigie::alerts
