// vigied's rule engine beside a real Prometheus 2.42 on the same rule file and the same data:
// Prometheus scrapes an exporter whose value the test drives (low, high long enough for `for`,
// low again past keep_firing_for) and remote-writes the samples to vigied, but not its own rule
// outputs (ALERTS, ALERTS_FOR_STATE, the recording rule), so that each engine's alerts are its
// own. Both evaluate every second, at different moments: the comparison is of state sequences
// (each alert goes through the same states in the same order, with the same labels and
// annotations), of the moments they became active (within the evaluation interval plus the
// remote-write delay), and of the ALERTS series (the same series, each present in one run of
// about the same length).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/http/http_client.h"
#include "tests/integration/harness.h"
#include "tests/integration/prometheus_peer.h"

namespace vigie::testing {
namespace {

using Json = nlohmann::json;

constexpr const char* kRules = R"(groups:
  - name: compat
    rules:
      - record: service:level:max
        expr: max by (service) (vt_level)
      - alert: LevelHigh
        expr: service:level:max > 5
        for: 3s
        keep_firing_for: 2s
        labels:
          severity: page
          owner: '{{ $labels.service }}-team'
        annotations:
          summary: '{{ $labels.service }} is at {{ $value }}'
          runbook: 'https://wiki.example/{{ $labels.service }}'
      - alert: LevelPresent
        expr: vt_level > 0
        labels:
          severity: info
        annotations:
          value: '{{ $value | humanize }}'
)";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Json Get(const std::string& address, const std::string& path) {
  HttpReply reply = HttpCall(address, "GET", path);
  Json body = Json::parse(reply.body, nullptr, false);
  return body.is_object() && body.value("status", "") == "success" ? body["data"] : Json();
}

// What one engine showed over the run: per alert (alertname and labels), its states in order
// (consecutive repeats folded; "inactive" once it is gone), its annotations and activeAt.
// vigied adds deploy_correlated to every alert; no deploy is recorded here, so it must be
// "false", and it is left out of the key compared with Prometheus's labels.
struct Observed {
  bool deploy_label = false;  // Whether the engine adds deploy_correlated (vigied).
  std::map<std::string, std::vector<std::string>> states;
  std::map<std::string, Json> annotations;
  std::map<std::string, int64_t> first_active_ms;

  void Poll(const Json& alerts) {
    std::map<std::string, std::string> now;
    for (const Json& a : alerts.is_array() ? alerts : Json::array()) {
      Json labels = a["labels"];
      if (deploy_label) {
        EXPECT_EQ(labels.value("deploy_correlated", ""), "false") << labels;
        labels.erase("deploy_correlated");
      }
      std::string key = labels.dump();
      now[key] = a.value("state", "?");
      annotations[key] = a["annotations"];
      if (!first_active_ms.count(key)) {
        first_active_ms[key] = ParseRfc3339Ms(a.value("activeAt", ""));
      }
    }
    for (auto& [key, seq] : states) {
      if (!now.count(key) && seq.back() != "inactive") seq.push_back("inactive");
    }
    for (const auto& [key, state] : now) {
      std::vector<std::string>& seq = states[key];
      if (seq.empty() || seq.back() != state) seq.push_back(state);
    }
  }

  // 0 when `text` is not RFC 3339 UTC.
  static int64_t ParseRfc3339Ms(const std::string& text) {
    std::tm tm{};
    double seconds = 0;
    int y, mo, d, h, mi;
    if (sscanf(text.c_str(), "%d-%d-%dT%d:%d:%lfZ", &y, &mo, &d, &h, &mi, &seconds) != 6) {
      return 0;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return static_cast<int64_t>(timegm(&tm)) * 1000 + std::llround(seconds * 1000);
  }
};

// The runs of presence of each ALERTS series in a 1 s range query: {labels: [run lengths]}.
std::map<std::string, std::vector<int>> AlertsRuns(const std::string& address, int64_t start_s,
                                                   int64_t end_s) {
  Json matrix = Get(address, "/api/v1/query_range?query=" + UrlEncode("ALERTS") +
                                 "&start=" + std::to_string(start_s) +
                                 "&end=" + std::to_string(end_s) + "&step=1");
  std::map<std::string, std::vector<int>> out;
  for (const Json& series : matrix.value("result", Json::array())) {
    std::vector<int>& runs = out[series["metric"].dump()];
    int64_t last = -10;
    for (const Json& point : series["values"]) {
      int64_t t = point[0].get<int64_t>();
      if (t != last + 1) runs.push_back(0);
      ++runs.back();
      last = t;
    }
  }
  return out;
}

TEST(AlertsPrometheusTest, SameAlertsAsPrometheusOnTheSameRulesAndData) {
  TempDir dir;
  std::string rule_file = WriteFile(dir, "rules.yml", kRules);
  std::atomic<int> level{1};
  TestExporter exporter([&level](int) {
    return "# TYPE vt_level gauge\nvt_level{service=\"front\"} " + std::to_string(level.load()) +
           "\n";
  });
  Vigied vigied(dir.path() + "/vigied",
                {"--rules", rule_file, "--rules.evaluation-interval", "1s"});
  vigied.Start();
  ASSERT_FALSE(HasFatalFailure());
  PrometheusServer prometheus(dir.path(), exporter.address(),
                              "http://" + vigied.http_address() + "/api/v1/write",
                              {rule_file, "ALERTS|ALERTS_FOR_STATE|service:level:max"});
  prometheus.Start();
  ASSERT_FALSE(HasFatalFailure());

  // Both engines have LevelPresent firing once the first samples are in.
  Observed prom, vig;
  vig.deploy_label = true;
  auto poll = [&] {
    prom.Poll(Get(prometheus.address(), "/api/v1/alerts").value("alerts", Json()));
    vig.Poll(Get(vigied.http_address(), "/api/v1/alerts").value("alerts", Json()));
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while ((prom.states.empty() || vig.states.empty()) &&
         std::chrono::steady_clock::now() < deadline) {
    poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_FALSE(prom.states.empty()) << "Prometheus raised no alert; its log:\n" << prometheus.Log();
  ASSERT_FALSE(vig.states.empty()) << "vigied raised no alert; its log:\n" << vigied.Log();
  const int64_t start_s = NowMs() / 1000 - 1;

  // High for 7 s (pending 3 s, then firing), low again for 6 s (2 s kept firing, then gone).
  auto run_for = [&](int level_value, int seconds) {
    level = level_value;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < until) {
      poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  };
  run_for(10, 7);
  run_for(1, 6);
  const int64_t end_s = NowMs() / 1000;

  // The same alerts, through the same states, with the same annotations.
  std::vector<std::string> high = {"pending", "firing", "inactive"};
  ASSERT_EQ(vig.states.size(), prom.states.size());
  int level_high = 0;
  for (const auto& [key, seq] : prom.states) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(vig.states.count(key)) << "vigied has no such alert";
    EXPECT_EQ(vig.states[key], seq);
    EXPECT_EQ(vig.annotations[key], prom.annotations[key]);
    if (key.find("LevelHigh") != std::string::npos) {
      ++level_high;
      EXPECT_EQ(seq, high);
      EXPECT_NEAR(vig.first_active_ms[key], prom.first_active_ms[key], 2500);
    } else {
      EXPECT_EQ(seq, std::vector<std::string>{"firing"});
    }
  }
  EXPECT_EQ(level_high, 1);

  // ALERTS: the same series, each in one run of about the same length (1 s steps; the engines
  // evaluate at different moments and vigied sees samples a remote-write later).
  std::map<std::string, std::vector<int>> prom_runs =
      AlertsRuns(prometheus.address(), start_s, end_s);
  std::map<std::string, std::vector<int>> vig_runs =
      AlertsRuns(vigied.http_address(), start_s, end_s);
  ASSERT_EQ(prom_runs.size(), 3u);  // LevelPresent firing, LevelHigh pending and firing.
  ASSERT_EQ(vig_runs.size(), prom_runs.size());
  for (const auto& [series, runs] : prom_runs) {
    SCOPED_TRACE(series);
    ASSERT_TRUE(vig_runs.count(series));
    ASSERT_EQ(runs.size(), 1u);
    ASSERT_EQ(vig_runs[series].size(), 1u);
    EXPECT_NEAR(vig_runs[series][0], runs[0], 2);
  }
}

}  // namespace
}  // namespace vigie::testing
