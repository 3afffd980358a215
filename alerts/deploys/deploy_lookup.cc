#include "alerts/deploys/deploy_lookup.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/strings.h"

namespace vigie::alerts::deploys {
namespace {

// The value of the first of `names` that `labels` has; empty when none.
std::string_view FirstLabel(const LabelSet& labels, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (std::string_view value = labels.Get(name); !value.empty()) return value;
  }
  return {};
}

}  // namespace

DeployLookup MakeDeployLookup(const DeployStore* store, CorrelationOptions options) {
  return [store, options = std::move(options)](const LabelSet& alert_labels,
                                               int64_t onset_ms) -> std::vector<Deploy> {
    std::string_view service = FirstLabel(alert_labels, options.service_labels);
    if (service.empty()) return {};
    DeployQuery query;
    query.start_ms = onset_ms - options.window_ms;
    query.end_ms = onset_ms;
    query.service = std::string(service);
    auto deploys = store->Query(query);
    if (!deploys.ok()) {
      spdlog::error("deploys: looking up the deploys of {} before {}: {}", service, onset_ms,
                    deploys.status().message());
      return {};
    }
    std::string_view environment = FirstLabel(alert_labels, options.environment_labels);
    std::erase_if(*deploys, [&](const Deploy& d) {
      return !environment.empty() && !d.environment.empty() && d.environment != environment;
    });
    if (deploys->size() > options.max_deploys) deploys->resize(options.max_deploys);
    return *std::move(deploys);
  };
}

}  // namespace vigie::alerts::deploys
