// The cost of an anomaly: rule over many series per evaluation, on a real store: detectors fed,
// vigie_anomaly_* series built, and detector state written to the alert_state records (once
// every kSaveIntervalMs per series, spread over the evaluations). Prints the mean and largest
// time of an evaluation and the state's size (docs/alerts.md, "Anomaly rules").
//
// Usage: anomaly_rules_bench [SERIES=10000] [INTERVAL_S=15]
#include <stdlib.h>

#include <cstdint>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "alerts/rules/anomaly_rule.h"
#include "common/strings.h"
#include "store/store.h"

using namespace vigie;
using namespace vigie::alerts::rules;

namespace {

constexpr char kUsage[] =
    "usage: anomaly_rules_bench [SERIES=10000] [INTERVAL_S=15]\n"
    "Times the evaluations of one anomaly: rule over SERIES series sampled every INTERVAL_S\n"
    "seconds, on a store in a temporary directory; prints the mean and largest evaluation.\n";

// A positive whole number from `arg`, or 0 when it is not one.
int64_t PositiveArg(const char* arg) {
  char* end = nullptr;
  long long value = std::strtoll(arg, &end, 10);
  return end != arg && *end == '\0' && value > 0 ? value : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const size_t n = static_cast<size_t>(argc > 1 ? PositiveArg(argv[1]) : 10'000);
  int64_t interval_s = argc > 2 ? PositiveArg(argv[2]) : 15;
  if (argc > 3 || n == 0 || interval_s == 0) {
    std::fprintf(stderr, "anomaly_rules_bench: SERIES and INTERVAL_S are positive numbers\n%s",
                 kUsage);
    return 2;
  }
  int64_t interval_ms = interval_s * 1000;
  char dir_template[] = "/tmp/anomaly-bench-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  store::StoreOptions options;
  options.path = dir;
  auto db = store::Store::Open(options);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", std::string(db.status().message()).c_str());
    return 1;
  }
  AlertStateStore state(db->get());
  auto groups = ParseRuleFile("b.yaml", R"(groups:
  - name: b
    rules:
      - alert: A
        anomaly: {expr: 'sum by (pod) (rate(x[5m]))'}
)",
                              Limits());
  AnomalyRule rule(groups->at(0).rules[0], RuleStatePrefix("b.yaml;b", "A#0"), &state);
  promql::Vector vector;
  for (size_t i = 0; i < n; ++i) {
    vector.push_back({*LabelSet::Make({{"pod", StrCat("pod-", i)}}), 0, 0});
  }
  auto feed = [&](int64_t ts) {
    for (size_t i = 0; i < n; ++i) {
      vector[i].ts_ms = ts;
      vector[i].value = 100 + 50 * std::sin(ts / 3.6e6 + i) + static_cast<double>(i % 7);
    }
    auto start = std::chrono::steady_clock::now();
    AnomalyRule::Outcome out = rule.Observe(ts, vector);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // Past learning (a day and 100 points), so that the state has its full size.
  int64_t ts = 1'764'547'200'000;
  for (int i = 0; i < 110; ++i, ts += 15 * 60'000) feed(ts);
  // After learning every series is saved once (restored or new); then the writes spread.
  feed(ts);
  ts += interval_ms;
  int evaluations = static_cast<int>(2 * kSaveIntervalMs / interval_ms);
  double total_s = 0, max_s = 0;
  for (int i = 0; i < evaluations; ++i, ts += interval_ms) {
    double s = feed(ts);
    total_s += s;
    max_s = std::max(max_s, s);
  }
  auto records = state.LoadDetectors(RuleStatePrefix("b.yaml;b", "A#0"));
  size_t total = 0;
  for (const auto& [fp, v] : *records) total += v.size();
  std::printf(
      "series %zu, interval %llds, %d evaluations: %.1f ms per evaluation (max %.1f), "
      "state %zu bytes per series (%.1f MiB in all, written once per %llds)\n",
      n, static_cast<long long>(interval_ms / 1000), evaluations, total_s / evaluations * 1e3,
      max_s * 1e3, total / std::max<size_t>(1, records->size()), total / 1048576.0,
      static_cast<long long>(kSaveIntervalMs / 1000));
  db->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
