#include "alerts/rules/alert_state_store.h"

#include <spdlog/spdlog.h>
#include <xxhash.h>

#include <charconv>

#include <nlohmann/json.hpp>

#include "alerts/alert.h"
#include "common/strings.h"

namespace vigie::alerts::rules {
namespace {

constexpr std::string_view kPrefix = "r/";
constexpr store::RecordSpace kSpace = store::RecordSpace::kAlertState;

// Detector records: the rule prefix with 'd' for 'r'.
constexpr char kDetectorMark = 'd';

std::string DetectorPrefix(const std::string& rule_prefix) {
  std::string out = rule_prefix;
  out[0] = kDetectorMark;
  return out;
}

// The end of the key range of `prefix` (which ends with '/').
std::string PrefixEnd(std::string prefix) {
  prefix.back() = '/' + 1;
  return prefix;
}

uint64_t Hash(std::string_view text) { return XXH64(text.data(), text.size(), 0); }

nlohmann::json TimeJson(int64_t ms) {
  return ms == kNoTime ? nlohmann::json() : nlohmann::json(ms);
}
int64_t TimeOf(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : kNoTime;
}

}  // namespace

std::string RuleStatePrefix(const std::string& group_key, const std::string& rule_identity) {
  return StrCat(kPrefix, FingerprintHex(Hash(group_key)), FingerprintHex(Hash(rule_identity)), "/");
}

std::string AlertStateStore::Encode(const std::string& group_key, const std::string& rule,
                                    const AlertInstance& a) {
  nlohmann::json j;
  j["v"] = 1;
  j["group"] = group_key;
  j["rule"] = rule;
  j["state"] = AlertStateName(a.state);
  nlohmann::json labels = nlohmann::json::object();
  for (const Label& l : a.labels.labels()) labels[l.name] = l.value;
  j["labels"] = labels;
  j["annotations"] = a.annotations;
  j["value"] = a.value;  // NaN and infinities become null; read back as NaN.
  j["active_at_ms"] = TimeJson(a.active_at_ms);
  j["fired_at_ms"] = TimeJson(a.fired_at_ms);
  j["resolved_at_ms"] = TimeJson(a.resolved_at_ms);
  j["keep_firing_since_ms"] = TimeJson(a.keep_firing_since_ms);
  if (a.deploy_correlated) j["deploy_correlated"] = *a.deploy_correlated;
  nlohmann::json deploys = nlohmann::json::array();
  for (const Deploy& d : a.deploys) {
    nlohmann::json dj = nlohmann::json::object();
    for (const auto& [name, value] : DeployTextFields(d)) dj[name] = *value;
    dj["time_ms"] = d.time_ms;
    if (d.end_ms) dj["end_ms"] = *d.end_ms;
    deploys.push_back(std::move(dj));
  }
  j["deploys"] = std::move(deploys);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<AlertInstance> AlertStateStore::Decode(std::string_view value) {
  try {
    nlohmann::json j = nlohmann::json::parse(value);
    if (j.value("v", 0) != 1) return absl::DataLossError("unknown alert state record version");
    AlertInstance a;
    std::string state = j.at("state").get<std::string>();
    if (state == "pending") {
      a.state = AlertState::kPending;
    } else if (state == "firing") {
      a.state = AlertState::kFiring;
    } else {
      a.state = AlertState::kInactive;
    }
    std::vector<Label> labels;
    for (const auto& [name, v] : j.at("labels").items())
      labels.push_back({name, v.get<std::string>()});
    auto set = LabelSet::Make(std::move(labels));
    if (!set.ok()) return set.status();
    a.labels = std::move(*set);
    a.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
    a.value = j["value"].is_number() ? j["value"].get<double>() : std::nan("");
    a.active_at_ms = TimeOf(j, "active_at_ms");
    a.fired_at_ms = TimeOf(j, "fired_at_ms");
    a.resolved_at_ms = TimeOf(j, "resolved_at_ms");
    a.keep_firing_since_ms = TimeOf(j, "keep_firing_since_ms");
    if (j.contains("deploy_correlated")) a.deploy_correlated = j["deploy_correlated"].get<bool>();
    for (const auto& dj : j.value("deploys", nlohmann::json::array())) {
      Deploy d;
      for (const auto& [name, value] : DeployTextFields(d)) *value = dj.value(name, "");
      d.time_ms = dj.value("time_ms", int64_t{0});
      if (dj.contains("end_ms")) d.end_ms = dj["end_ms"].get<int64_t>();
      a.deploys.push_back(std::move(d));
    }
    return a;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(StrCat("alert state record: ", e.what()));
  }
}

absl::Status AlertStateStore::Apply(const std::string& prefix, const std::string& group_key,
                                    const std::string& rule, const StateChanges& changes) {
  if (changes.empty()) return absl::OkStatus();
  std::vector<store::RecordWrite> writes;
  for (const AlertInstance& a : changes.changed) {
    writes.push_back(
        {kSpace, prefix + FingerprintHex(a.labels.Hash()), Encode(group_key, rule, a)});
  }
  for (uint64_t fp : changes.removed)
    writes.push_back({kSpace, prefix + FingerprintHex(fp), std::nullopt});
  return records_->WriteRecords(writes);
}

absl::StatusOr<std::vector<AlertInstance>> AlertStateStore::Load(const std::string& prefix) const {
  std::vector<AlertInstance> out;
  std::string end = prefix;
  end.back() = '/' + 1;  // Just past the prefix's keys.
  absl::Status st =
      records_->ScanRecords(kSpace, prefix, end, [&](std::string_view key, std::string_view value) {
        auto a = Decode(value);
        if (a.ok()) {
          out.push_back(std::move(*a));
        } else {
          spdlog::error("alert state: skipping record {}: {}", key, a.status().message());
        }
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

absl::Status AlertStateStore::WriteDetectors(const std::string& rule_prefix,
                                             const DetectorWrites& writes, bool replace_all) {
  std::string prefix = DetectorPrefix(rule_prefix);
  std::vector<store::RecordWrite> batch;
  std::set<std::string> written;
  for (const auto& [fp, value] : writes) {
    batch.push_back({kSpace, prefix + FingerprintHex(fp), value});
    written.insert(batch.back().key);
  }
  if (replace_all) {
    absl::Status st = records_->ScanRecords(
        kSpace, prefix, PrefixEnd(prefix), [&](std::string_view key, std::string_view) {
          if (!written.contains(std::string(key))) {
            batch.push_back({kSpace, std::string(key), std::nullopt});
          }
          return true;
        });
    if (!st.ok()) return st;
  }
  if (batch.empty()) return absl::OkStatus();
  return records_->WriteRecords(batch);
}

absl::StatusOr<std::map<uint64_t, std::string>> AlertStateStore::LoadDetectors(
    const std::string& rule_prefix) const {
  std::string prefix = DetectorPrefix(rule_prefix);
  std::map<uint64_t, std::string> out;
  absl::Status st = records_->ScanRecords(
      kSpace, prefix, PrefixEnd(prefix), [&](std::string_view key, std::string_view value) {
        uint64_t fp = 0;
        std::string_view hex = key.substr(prefix.size());
        auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), fp, 16);
        if (ec == std::errc() && end == hex.data() + hex.size() && hex.size() == 16) {
          out.emplace(fp, std::string(value));
        } else {
          spdlog::error("detector state: skipping record {}: not a series fingerprint", key);
        }
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

absl::Status AlertStateStore::DeleteAllExcept(const std::set<std::string>& keep) {
  std::vector<store::RecordWrite> deletes;
  for (std::string prefix : {std::string(kPrefix), DetectorPrefix(std::string(kPrefix))}) {
    absl::Status st = records_->ScanRecords(
        kSpace, prefix, PrefixEnd(prefix), [&](std::string_view key, std::string_view) {
          size_t slash = key.find('/', kPrefix.size());
          std::string rule_prefix(key.substr(0, slash + 1));
          rule_prefix[0] = kPrefix[0];
          if (!keep.contains(rule_prefix)) {
            deletes.push_back({kSpace, std::string(key), std::nullopt});
          }
          return true;
        });
    if (!st.ok()) return st;
  }
  if (deletes.empty()) return absl::OkStatus();
  return records_->WriteRecords(deletes);
}

}  // namespace vigie::alerts::rules
