// The DeployLookup the rule evaluator calls when an alert instance becomes active: the deploys
// of the alert's service whose time, or rollout span, meets the correlation window before the
// onset (docs/alerts.md, "Deploys").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "alerts/deploys/deploy_store.h"

namespace vigie::alerts::deploys {

struct CorrelationOptions {
  // A deploy correlates when its span [time, end] meets [onset - window, onset].
  int64_t window_ms = 30 * 60 * 1000;
  // The alert's service is the value of the first of these labels it has; an alert with none of
  // them correlates with no deploy.
  std::vector<std::string> service_labels = {"service", "job"};
  // When the alert has one of these labels, deploys to another environment are left out
  // (deploys without an environment are kept).
  std::vector<std::string> environment_labels = {"env", "environment"};
  size_t max_deploys = 10;  // The newest ones.
};

// A DeployLookup over `store` (not owned; must outlive the function). Thread-safe. When the
// store cannot be read it logs the error and returns no deploys.
DeployLookup MakeDeployLookup(const DeployStore* store, CorrelationOptions options);

}  // namespace vigie::alerts::deploys
