#include "alerts/rules/anomaly_rule.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <xxhash.h>

#include <cmath>

#include "absl/time/time.h"
#include "common/strings.h"

namespace vigie::alerts::rules {
namespace {

// The byte after the tag in a record: whether the detector was still learning.
constexpr char kLearning = 'L';
constexpr char kLearnt = 'K';

std::string Number(double v) { return fmt::format("{:.4g}", v); }

// The labels of the rule's vigie_anomaly_* series for a result sample's labels.
LabelSet OutputLabels(const RuleSpec& spec, const LabelSet& sample, std::string_view name) {
  std::map<std::string, std::string> map;
  for (const Label& l : sample.labels()) map[l.name] = l.value;
  for (const auto& [k, v] : spec.labels) {
    if (v.find("{{") == std::string::npos) map[k] = v;  // Templates belong to the alerts.
  }
  map["alertname"] = spec.alert;
  map["__name__"] = std::string(name);
  std::vector<Label> labels;
  for (auto& [k, v] : map) {
    if (!v.empty()) labels.push_back({k, v});
  }
  return LabelSet::Make(std::move(labels)).value_or(LabelSet());
}

// The .Anomaly data and anomaly_* annotations of a firing sample.
SampleExtras ExtrasOf(const detectors::Verdict& v, const detectors::Band& band, double value,
                      int64_t ts_ms) {
  double deviation = value > band.upper   ? value - band.upper
                     : value < band.lower ? value - band.lower
                                          : 0;
  SampleExtras out;
  out.template_data = {{"Value", value},
                       {"Expected", v.expected},
                       {"Lower", band.lower},
                       {"Upper", band.upper},
                       {"Deviation", deviation},
                       {"Score", v.score},
                       {"Time", static_cast<double>(ts_ms) / 1000}};
  std::string when =
      absl::FormatTime("%A %H:%M UTC", absl::FromUnixMillis(ts_ms), absl::UTCTimeZone());
  std::string side = deviation < 0 ? "below" : "above";
  out.annotations = {
      {"anomaly_value", Number(value)},
      {"anomaly_expected", Number(v.expected)},
      {"anomaly_lower", Number(band.lower)},
      {"anomaly_upper", Number(band.upper)},
      {"anomaly_deviation", Number(deviation)},
      {"anomaly_score", fmt::format("{:.3f}", v.score)},
      {"anomaly_summary",
       StrCat(Number(value), ", expected ", Number(band.lower), "–", Number(band.upper), " for a ",
              when, " (", Number(std::fabs(deviation)), " ", side, " the band)")}};
  return out;
}

// Whether series `fp`, last saved at `last_saved_ms`, is to be saved at `ts_ms`: when never
// saved, or once it enters a new kSaveIntervalMs window, windows offset by the fingerprint.
bool SaveDue(uint64_t fp, int64_t last_saved_ms, int64_t ts_ms) {
  if (last_saved_ms == kNoTime) return true;
  int64_t phase = static_cast<int64_t>(fp % kSaveIntervalMs);
  return (ts_ms + phase) / kSaveIntervalMs != (last_saved_ms + phase) / kSaveIntervalMs;
}

}  // namespace

AnomalyRule::AnomalyRule(const RuleSpec& spec, std::string state_prefix, AlertStateStore* state)
    : spec_(spec), state_prefix_(std::move(state_prefix)), state_(state), tag_(FingerprintHex([&] {
        std::string key = StrCat(spec.expr.canonical, "\xff", spec.anomaly->detector);
        return XXH64(key.data(), key.size(), 0);
      }())) {}

std::unique_ptr<detectors::Detector> AnomalyRule::NewDetector() const {
  // The loader checked the name.
  return std::move(detectors::NewDetector(spec_.anomaly->detector).value());
}

std::string AnomalyRule::Record(const Tracked& t) const {
  std::string bytes;
  t.detector->Serialize(&bytes);
  return StrCat(tag_, t.learning ? kLearning : kLearnt, bytes);
}

AnomalyRule::Outcome AnomalyRule::Observe(int64_t ts_ms, const promql::Vector& result) {
  const AnomalySpec& a = *spec_.anomaly;
  Outcome out;
  AlertStateStore::DetectorWrites writes;
  std::lock_guard lock(mu_);
  for (const promql::InstantSample& sample : result) {
    uint64_t fp = sample.labels.Hash();
    Tracked& t = series_[fp];
    if (t.detector == nullptr) t.detector = NewDetector();
    detectors::Verdict verdict = t.detector->Observe(ts_ms, sample.value);
    t.last_seen_ms = ts_ms;
    if (verdict.skipped) continue;
    t.learning = verdict.learning;
    detectors::Band band = detectors::BandFor(verdict, a.sensitivity);
    for (const auto& [name, value] : {std::pair("vigie_anomaly_score", verdict.score),
                                      std::pair("vigie_anomaly_lower", band.lower),
                                      std::pair("vigie_anomaly_upper", band.upper)}) {
      out.series.push_back({OutputLabels(spec_, sample.labels, name), {{ts_ms, value}}});
    }
    if (detectors::Fires(verdict, sample.value, a.direction, a.sensitivity)) {
      out.firing.push_back(sample);
      out.extras.push_back(ExtrasOf(verdict, band, sample.value, ts_ms));
    }
    if (SaveDue(fp, t.last_saved_ms, ts_ms)) {
      writes.emplace_back(fp, Record(t));
      t.last_saved_ms = ts_ms;
    }
  }
  for (auto it = series_.begin(); it != series_.end();) {
    if (it->second.last_seen_ms == kNoTime) it->second.last_seen_ms = ts_ms;  // Restored.
    if (ts_ms - it->second.last_seen_ms < kForgetAfterMs) {
      ++it;
      continue;
    }
    writes.emplace_back(it->first, std::nullopt);
    it = series_.erase(it);
  }
  if (state_ != nullptr && !writes.empty()) {
    if (absl::Status st = state_->WriteDetectors(state_prefix_, writes); !st.ok()) {
      spdlog::error("rules: anomaly rule \"{}\": saving detector state: {}", spec_.alert,
                    st.message());
    }
  }
  return out;
}

AnomalyRule::Counts AnomalyRule::counts() const {
  std::lock_guard lock(mu_);
  Counts out;
  out.series = series_.size();
  for (const auto& [fp, t] : series_) out.learning += t.learning;
  return out;
}

absl::Status AnomalyRule::Restore() {
  if (state_ == nullptr) return absl::OkStatus();
  auto records = state_->LoadDetectors(state_prefix_);
  if (!records.ok()) return records.status();
  std::lock_guard lock(mu_);
  for (const auto& [fp, value] : *records) {
    // Learnt on another expression or detector: not restored.
    if (!value.starts_with(tag_) || value.size() <= tag_.size()) continue;
    auto detector = detectors::RestoreDetector(std::string_view(value).substr(tag_.size() + 1));
    if (!detector.ok()) {
      spdlog::error("rules: anomaly rule \"{}\": skipping detector {}: {}", spec_.alert,
                    FingerprintHex(fp), detector.status().message());
      continue;
    }
    Tracked& t = series_[fp];
    t.detector = std::move(*detector);
    t.learning = value[tag_.size()] != kLearnt;
    t.last_saved_ms = kNoTime;
  }
  return absl::OkStatus();
}

void AnomalyRule::TakeOver(AnomalyRule& from) {
  if (from.tag_ != tag_) return;
  std::scoped_lock lock(mu_, from.mu_);
  series_ = std::move(from.series_);
}

absl::StatusOr<AnomalyRule::BackfillResult> AnomalyRule::Backfill(const promql::Matrix& history) {
  BackfillResult result;
  std::map<uint64_t, Tracked> fresh;
  AlertStateStore::DetectorWrites writes;
  for (const promql::Series& s : history) {
    Tracked t;
    t.detector = NewDetector();
    for (const store::Sample& p : s.points) {
      detectors::Verdict v = t.detector->Observe(p.ts_ms, p.value);
      if (!v.skipped) t.learning = v.learning;
      ++result.points;
    }
    if (!s.points.empty()) t.last_seen_ms = s.points.back().ts_ms;
    t.last_saved_ms = t.last_seen_ms;
    result.learning += t.learning;
    uint64_t fp = s.labels.Hash();
    writes.emplace_back(fp, Record(t));
    fresh[fp] = std::move(t);
  }
  result.series = fresh.size();
  std::lock_guard lock(mu_);
  if (state_ != nullptr) {
    if (absl::Status st = state_->WriteDetectors(state_prefix_, writes, /*replace_all=*/true);
        !st.ok()) {
      return st;
    }
  }
  series_ = std::move(fresh);
  return result;
}

}  // namespace vigie::alerts::rules
