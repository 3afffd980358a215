// Alert instances persisted in store::RecordSpace::kAlertState, so that a restart neither forgets
// a pending or firing alert (its `for` clock keeps its start) nor takes it for a new one.
// docs/storage-format.md ("Records", alert state) describes the keys and values:
//   key   "r/" <16 hex: hash of the group key> <16 hex: hash of the rule's identity> "/"
//         <16 hex: the instance's fingerprint>
//   value JSON: {"v":1,"group":..,"rule":..,"state":..,"active_at_ms":.., ...}
// and the detectors of anomaly rules' series (anomaly_rule.h), in the same record space:
//   key   "d/" <the rule's two hashes, as above> "/" <16 hex: the series' fingerprint>
//   value bytes the rule owns (its tag, then the detector's Serialize() bytes)
//
// Thread safety: as thread-safe as the RecordStore (each method is one read or one write).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/rules/alerting_rule.h"
#include "store/records.h"

namespace vigie::alerts::rules {

// The record key prefix of one rule of one group: "r/<group hash><rule hash>/". `rule_identity`
// is the rule's name and labels, and its rank among rules with the same (as Prometheus matches
// rules across reloads).
std::string RuleStatePrefix(const std::string& group_key, const std::string& rule_identity);

class AlertStateStore {
 public:
  // `records` is not owned and must outlive this object.
  explicit AlertStateStore(store::RecordStore* records) : records_(records) {}

  // Writes the changed instances and deletes the removed ones, atomically and durably.
  // `group_key` and `rule` are stored beside them for readers of the records.
  absl::Status Apply(const std::string& prefix, const std::string& group_key,
                     const std::string& rule, const StateChanges& changes);

  // The instances stored under `prefix`. A record that cannot be read is skipped (and named in
  // the log): one bad record does not lose the others.
  absl::StatusOr<std::vector<AlertInstance>> Load(const std::string& prefix) const;

  // Writes (value set) and deletes (nullopt) detector records of the rule with alert-state
  // prefix `rule_prefix`, by series fingerprint, atomically and durably. With `replace_all`,
  // the rule's other detector records are deleted in the same write.
  using DetectorWrites = std::vector<std::pair<uint64_t, std::optional<std::string>>>;
  absl::Status WriteDetectors(const std::string& rule_prefix, const DetectorWrites& writes,
                              bool replace_all = false);
  // The detector records of the rule, by series fingerprint.
  absl::StatusOr<std::map<uint64_t, std::string>> LoadDetectors(
      const std::string& rule_prefix) const;

  // Deletes the records (alert instances and detectors) of every rule whose prefix is not in
  // `keep` (rules removed from the files).
  absl::Status DeleteAllExcept(const std::set<std::string>& keep);

  // The record value of an instance, and back.
  static std::string Encode(const std::string& group_key, const std::string& rule,
                            const AlertInstance& instance);
  static absl::StatusOr<AlertInstance> Decode(std::string_view value);

 private:
  store::RecordStore* records_;
};

}  // namespace vigie::alerts::rules
