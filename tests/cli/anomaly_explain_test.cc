// The text and JSON of `vigie anomaly explain`, from points whose verdicts are set here.
#include "cli/anomaly_explain.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vigie::cli {
namespace {

// A curve of `n` points a minute apart, learning for the first `learning`, with points listed
// in `anomalous` at 10 under a band of 90 to 110.
std::vector<ExplainedPoint> Points(int n, int learning, std::vector<int> anomalous) {
  std::vector<ExplainedPoint> out;
  for (int i = 0; i < n; ++i) {
    ExplainedPoint p;
    p.ts_ms = 1'700'000'000'000 + i * 60'000;
    p.value = 100;
    p.verdict.expected = 100;
    p.verdict.learning = i < learning;
    p.band = {90, 110};
    if (std::find(anomalous.begin(), anomalous.end(), i) != anomalous.end()) {
      p.value = 10;
      p.verdict.score = 0.9;
      p.anomalous = true;
    }
    out.push_back(p);
  }
  return out;
}

ChartOptions Chart() {
  ChartOptions chart;
  chart.start_ms = 1'700'000'000'000;
  chart.end_ms = chart.start_ms + 60 * 60'000;
  chart.step_ms = 60'000;
  return chart;
}

TEST(AnomalyExplainTest, TableOfTheLatestAnomalousPoints) {
  std::string text = RenderExplanation("logins{}", Points(60, 10, {20, 30, 40, 50}), Chart(), 3);
  EXPECT_NE(text.find("4 anomalous points of 60; learning until 2023-11-14T22:23:20Z"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(the latest 3 shown)"), std::string::npos) << text;
  // Rows for points 30, 40 and 50, not 20.
  EXPECT_EQ(text.find("2023-11-14T22:33:20Z"), std::string::npos) << text;
  EXPECT_NE(
      text.find("2023-11-14T23:03:20Z              10         100              90 to 110   0.90"),
      std::string::npos)
      << text;
}

TEST(AnomalyExplainTest, StillLearningSaysWhatToDo) {
  std::string text = RenderExplanation("logins{}", Points(60, 60, {}), Chart());
  EXPECT_NE(text.find("still learning"), std::string::npos) << text;
  EXPECT_NE(text.find("widen --since"), std::string::npos) << text;
}

TEST(AnomalyExplainTest, JsonHasEveryPoint) {
  std::vector<ExplainedPoint> points = Points(3, 1, {2});
  points[0].verdict.expected = std::nan("");
  nlohmann::json j = nlohmann::json::parse(ExplanationJson(R"({"a":"b"})", points));
  ASSERT_EQ(j["points"].size(), 3u);
  EXPECT_EQ(j["labels"]["a"], "b");
  EXPECT_EQ(j["points"][0]["expected"], "NaN");
  EXPECT_TRUE(j["points"][0]["learning"].get<bool>());
  EXPECT_TRUE(j["points"][2]["anomalous"].get<bool>());
  EXPECT_EQ(j["points"][2]["lower"], 90);
}

}  // namespace
}  // namespace vigie::cli
