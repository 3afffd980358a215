// What `vigie alerts` shows, computed from vigied's JSON answers: pure functions, so that the
// tables, the history's firings and the deploy each one follows are tested without a server.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vigie::cli {

using Rows = std::vector<std::vector<std::string>>;

// "45s", "4m12s", "2h5m", "3d4h": a short age or length.
std::string ShortDuration(int64_t ms);

// The table of firing and pending alerts from /api/v1/alerts's `data.alerts`: ALERT, STATE,
// VALUE, SINCE (relative to now_ms), LABELS (without alertname and deploy_correlated), DEPLOY
// (the annotations deploy_version, deploy_commit, deploy_author, deploy_minutes_before).
// Firing first, then pending; newest first within each.
Rows ActiveAlertRows(const nlohmann::json& alerts, int64_t now_ms);

// One uninterrupted run of an alert instance in ALERTS{alertstate="firing"}.
struct Firing {
  std::map<std::string, std::string> labels;  // Without __name__ and alertstate.
  int64_t start_ms = 0;                       // The first step it was seen firing.
  int64_t end_ms = 0;                         // The last step it was seen firing.
  bool ongoing = false;                       // Still firing at the end of the range.
  nlohmann::json deploy;  // The deploy of its service that preceded it (null: none).
};

// The runs of presence of each series of a range query's matrix (Prometheus's JSON: [{"metric":
// {...}, "values": [[t, "v"], ...]}]) evaluated at `step_ms` up to `end_ms`: a step without a
// point ends a run. Newest first.
std::vector<Firing> FiringsFromMatrix(const nlohmann::json& matrix, int64_t step_ms,
                                      int64_t end_ms);

// Sets each firing's deploy: the latest of `deploys` (/api/v1/deploys's data) at or before its
// start whose service is the alert's `service` label (else its `job`). An alert with neither
// label gets none.
void AttachDeploys(const nlohmann::json& deploys, std::vector<Firing>* firings);

// The history table: STARTED (RFC 3339), ALERT, LASTED, LABELS, DEPLOY BEFORE.
Rows HistoryRows(const std::vector<Firing>& firings);
nlohmann::json HistoryJson(const std::vector<Firing>& firings);

// The dead letters of /api/v1/notifications?state=failed: CREATED, RECEIVER, INTEGRATION,
// ATTEMPTS, STATUS, ERROR, GROUP.
Rows FailedRows(const nlohmann::json& notifications);

}  // namespace vigie::cli
