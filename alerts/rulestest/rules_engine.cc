#include "alerts/rulestest/rules_engine.h"

#include <algorithm>

#include "alerts/rules/group.h"
#include "alerts/rules/rule_file.h"
#include "common/limits.h"

namespace vigie::alerts::rulestest {
namespace {

class VigieRuleEngine final : public RuleEngine {
 public:
  VigieRuleEngine(const EngineOptions& options, EngineSeams seams) : seams_(std::move(seams)) {
    env_.query = [this](const rules::RuleExpr& expr, int64_t ts_ms, const std::function<bool()>&) {
      return seams_.query(*expr.tree, ts_ms);
    };
    env_.append = seams_.append;
    for (const Label& l : options.external_labels.labels()) {
      env_.alerts.external_labels[l.name] = l.value;
    }
    env_.alerts.external_url = options.external_url;
    if (options.default_interval_ms > 0) env_.default_interval_ms = options.default_interval_ms;
  }

  // Groups named in `order` first, in that order; the others after them, in file order.
  absl::Status Load(const EngineOptions& options) {
    absl::StatusOr<std::vector<rules::GroupSpec>> specs =
        rules::LoadRuleFiles(options.rule_files, Limits());
    if (!specs.ok()) return specs.status();
    auto rank = [&](const rules::GroupSpec& g) {
      auto it = std::find(options.group_order.begin(), options.group_order.end(), g.name);
      return it - options.group_order.begin();
    };
    std::stable_sort(specs->begin(), specs->end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    for (rules::GroupSpec& spec : *specs) {
      groups_.push_back(std::make_unique<rules::Group>(std::move(spec), &env_));
    }
    return absl::OkStatus();
  }

  std::vector<std::pair<std::string, std::string>> Evaluate(int64_t ts_ms) override {
    std::vector<std::pair<std::string, std::string>> errors;
    for (const auto& group : groups_) {
      group->Eval(ts_ms);
      for (const rules::RuleStatus& rule : group->Status().rules) {
        if (rule.health == "err" && rule.last_evaluation_ms == ts_ms) {
          errors.push_back({rule.spec.name(), rule.last_error});
        }
      }
    }
    return errors;
  }

  std::vector<AlertInstance> Firing(const std::string& alertname) override {
    std::vector<AlertInstance> out;
    for (const auto& group : groups_) {
      for (const rules::RuleStatus& rule : group->Status().rules) {
        if (rule.spec.alert != alertname) continue;
        for (const rules::AlertInstance& a : rule.alerts) {
          if (a.state != rules::AlertState::kFiring) continue;
          AlertInstance instance{{}, a.OutputAnnotations()};
          LabelSet labels = a.OutputLabels();
          for (const Label& l : labels.labels()) instance.labels[l.name] = l.value;
          out.push_back(std::move(instance));
        }
      }
    }
    return out;
  }

 private:
  EngineSeams seams_;
  rules::GroupEnv env_;
  std::vector<std::unique_ptr<rules::Group>> groups_;
};

}  // namespace

RuleEngineFactory VigieRuleEngines() {
  return [](const EngineOptions& options,
            const EngineSeams& seams) -> absl::StatusOr<std::unique_ptr<RuleEngine>> {
    auto engine = std::make_unique<VigieRuleEngine>(options, seams);
    if (absl::Status s = engine->Load(options); !s.ok()) return s;
    return engine;
  };
}

}  // namespace vigie::alerts::rulestest
