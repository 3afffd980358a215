// Reading Alertmanager's YAML with the positions of errors: every error is "line N: reason"
// (the loader prefixes the file name), and unknown keys are refused as Alertmanager's strict
// unmarshalling does.
//
// Thread safety: pure functions.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vigie::alerts {

// InvalidArgument "line N: reason" for `node` (its first line; yaml-cpp counts from 0).
absl::Status NodeError(const YAML::Node& node, std::string_view reason);

// Refuses keys of the map `node` not in `allowed`, naming the key and where it is (`what`:
// "route", "inhibit rule"...). Fails when `node` is not a map.
absl::Status CheckKeys(const YAML::Node& node, std::string_view what,
                       std::initializer_list<std::string_view> allowed);

// A scalar string; fails naming `field` when the node is a sequence or map.
absl::StatusOr<std::string> ScalarString(const YAML::Node& node, std::string_view field);

// A list of scalar strings (a missing or null node is an empty list).
absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node, std::string_view field);

// A Prometheus duration ("30s", "1h30m"), in milliseconds.
absl::StatusOr<int64_t> DurationMs(const YAML::Node& node, std::string_view field);

// true/false.
absl::StatusOr<bool> Bool(const YAML::Node& node, std::string_view field);

}  // namespace vigie::alerts
