// The detectors of an `anomaly:` rule (docs/alerts.md, "Anomaly rules"): one per series of the
// rule's expression, keyed by the series' labels, fed the series' value at each evaluation. The
// series whose detector fires (detectors::Fires with the rule's direction and sensitivity)
// become the result vector of the rule's AlertingRule, so that for, keep_firing_for, resends,
// deploys and alert state work as for any alert. Each evaluation also yields the series
// vigie_anomaly_score, vigie_anomaly_lower and vigie_anomaly_upper, and, for each firing series,
// the anomaly_* annotations and the .Anomaly template data.
//
// Detector state is kept in the AlertStateStore (detector records), written at most once every
// kSaveIntervalMs per series, restored at load, replaced by Backfill, deleted when a
// series has been absent kForgetAfterMs.
//
// Thread safety: every method may be called from any thread (one mutex); Observe is called by
// the group's thread, Backfill by an HTTP handler's, Counts by status readers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/detectors/detector.h"
#include "alerts/rules/alert_state_store.h"
#include "alerts/rules/alerting_rule.h"
#include "alerts/rules/rule_file.h"
#include "query/promql/engine.h"
#include "store/series.h"

namespace vigie::alerts::rules {

// How often a series' detector state is written, at most: a kill -9 loses at most this much
// learning. Each series writes once per such window, at a phase given by its fingerprint, so
// that the writes spread over the evaluations (10,000 series at a 15 s interval: 500 a time,
// about 2 MiB, instead of 36 MiB at once: docs/alerts.md, "Anomaly rules").
inline constexpr int64_t kSaveIntervalMs = 5 * 60'000;
// A series absent from the expression's result this long is forgotten, state included.
inline constexpr int64_t kForgetAfterMs = 24 * 3600 * 1000;

class AnomalyRule {
 public:
  // `spec` has `anomaly`. `state` (not owned, may be null: nothing persisted) outlives this.
  AnomalyRule(const RuleSpec& spec, std::string state_prefix, AlertStateStore* state);

  struct Outcome {
    promql::Vector firing;                     // For AlertingRule::Eval.
    std::vector<SampleExtras> extras;          // One per sample of `firing`.
    std::vector<store::SeriesSamples> series;  // vigie_anomaly_{score,lower,upper}.
  };
  // Feeds each sample of `result`, the expression at `ts_ms`, to its series' detector (a new
  // one for a new series), forgets series absent kForgetAfterMs, and persists what is due.
  // A failure to persist is logged: evaluation goes on.
  Outcome Observe(int64_t ts_ms, const promql::Vector& result);

  struct Counts {
    size_t series = 0;
    size_t learning = 0;  // Series whose detector is still learning: they do not fire.
  };
  Counts counts() const;

  // Loads the persisted detectors (those learnt on the same expression and detector).
  absl::Status Restore();
  // Takes over the detectors of `from` (the rule this one replaces at a reload) when both watch
  // the same expression with the same detector.
  void TakeOver(AnomalyRule& from);

  struct BackfillResult {
    size_t series = 0;
    size_t points = 0;
    size_t learning = 0;  // Series still learning after the history.
  };
  // Replays `history` (the expression over a range, each series' points in time order)
  // through fresh detectors, and replaces every detector of the rule with them, durably.
  absl::StatusOr<BackfillResult> Backfill(const promql::Matrix& history);

 private:
  struct Tracked {
    std::unique_ptr<detectors::Detector> detector;
    int64_t last_seen_ms = kNoTime;
    int64_t last_saved_ms = kNoTime;
    bool learning = true;
  };
  // The record value: the tag, 'L' (learning) or 'K' (learnt), then the detector's bytes.
  std::string Record(const Tracked& t) const;
  std::unique_ptr<detectors::Detector> NewDetector() const;

  const RuleSpec spec_;
  const std::string state_prefix_;
  AlertStateStore* const state_;
  const std::string tag_;  // 16 hex: hash of the expression and detector name.
  mutable std::mutex mu_;
  std::map<uint64_t, Tracked> series_;  // By LabelSet::Hash of the series' labels.
};

}  // namespace vigie::alerts::rules
