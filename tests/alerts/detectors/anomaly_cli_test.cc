// `vigie anomaly score` as a user runs it: a real CLI process over CSV files on disk.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

// Four days of a daily curve every 5 minutes, with a spike of `spike_rows` rows from row
// `spike_row`.
std::string DailyCsv(int spike_row, int spike_rows = 1) {
  std::ostringstream csv;
  csv << "timestamp,value\n";
  for (int i = 0; i < 4 * 288; ++i) {
    int day = 1 + i / 288, minute = (i % 288) * 5;
    double v = 200 + 100 * std::sin(2 * M_PI * minute / 1440.0) + (i % 7) - 3;
    if (i >= spike_row && i < spike_row + spike_rows) v += 600;
    char line[64];
    snprintf(line, sizeof line, "2014-07-%02d %02d:%02d:00,%.2f\n", day, minute / 60, minute % 60,
             v);
    csv << line;
  }
  return csv.str();
}

TEST(AnomalyCliTest, ScoresEveryRowAndFlagsTheSpike) {
  TempDir dir;
  int spike = 3 * 288 + 100;
  std::string path = WriteFile(dir, "curve.csv", DailyCsv(spike));
  std::string out, err;
  ASSERT_EQ(RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", path}, &out, "", &err), 0)
      << err;
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "timestamp,value,anomaly_score");
  int rows = 0;
  double spike_score = 0, max_other = 0;
  while (std::getline(lines, line)) {
    double score = std::stod(line.substr(line.rfind(',') + 1));
    ASSERT_TRUE(score >= 0 && score <= 1) << line;
    if (rows == spike) spike_score = score;
    // After the first day and away from the spike's hour.
    if (rows > 288 && (rows < spike || rows > spike + 12)) max_other = std::max(max_other, score);
    ++rows;
  }
  EXPECT_EQ(rows, 4 * 288);
  EXPECT_GE(spike_score, 0.63);
  EXPECT_LT(max_other, 0.56);
}

// Each row's score parsed from `vigie anomaly score`'s output.
std::vector<double> Scores(const std::string& out) {
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);
  std::vector<double> scores;
  while (std::getline(lines, line)) scores.push_back(std::stod(line.substr(line.rfind(',') + 1)));
  return scores;
}

// --onset: a spike of three rows is one episode, scored on its first row only.
TEST(AnomalyCliTest, OnsetScoresTheFirstRowOfAnEpisode) {
  TempDir dir;
  int spike = 3 * 288 + 100;
  std::string path = WriteFile(dir, "curve.csv", DailyCsv(spike, 3));
  std::string sustained, onset, err;
  ASSERT_EQ(RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", path}, &sustained, "", &err),
            0)
      << err;
  ASSERT_EQ(
      RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", "--onset", path}, &onset, "", &err),
      0)
      << err;
  std::vector<double> a = Scores(sustained), b = Scores(onset);
  ASSERT_EQ(a.size(), 4u * 288);
  ASSERT_EQ(b.size(), a.size());
  for (int i = spike; i < spike + 3; ++i) EXPECT_GE(a[i], 0.56) << i;
  EXPECT_EQ(b[spike], a[spike]);
  EXPECT_EQ(b[spike + 1], 0);
  EXPECT_EQ(b[spike + 2], 0);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_LE(b[i], a[i]) << i;
}

TEST(AnomalyCliTest, BadInputNamesFileAndLine) {
  TempDir dir;
  std::string bad = WriteFile(dir, "bad.csv",
                              "timestamp,value\n2014-07-01 00:00:00,1\n2014-07-01 "
                              "00:05:00,twelve\n");
  std::string out, err;
  EXPECT_EQ(RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", bad}, &out, "", &err), 2);
  EXPECT_NE(err.find(bad + ": line 3: value 'twelve' is not a number"), std::string::npos) << err;
  EXPECT_NE(out.find("2014-07-01 00:00:00,1,"), std::string::npos);  // rows before it stay

  std::string endless =
      WriteFile(dir, "endless.csv", "timestamp,value\n" + std::string(1 << 20, '7'));
  EXPECT_EQ(RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", endless}, &out, "", &err), 2);
  EXPECT_NE(err.find("line 2: longer than 4096 bytes"), std::string::npos) << err;

  std::string empty = WriteFile(dir, "empty.csv", "");
  EXPECT_EQ(RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", empty}, &out, "", &err), 2);
  EXPECT_NE(err.find("empty file"), std::string::npos) << err;

  EXPECT_NE(RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", "--detector", "nope", bad},
                       &out, "", &err),
            0);
  EXPECT_EQ(RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", dir.path() + "/missing"}, &out,
                       "", &err),
            2);
  EXPECT_NE(err.find("cannot read"), std::string::npos) << err;
}

TEST(AnomalyCliTest, ReadsStandardInputAndWarnsAboutRowsBackInTime) {
  TempDir dir;
  std::string path =
      WriteFile(dir, "back.csv", "timestamp,value\n2014-07-01 00:10:00,1\n2014-07-01 00:05:00,2\n");
  std::string out, err;
  ASSERT_EQ(RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", "-"}, &out, path, &err), 0);
  EXPECT_NE(out.find("2014-07-01 00:05:00,2,0.000000"), std::string::npos) << out;
  EXPECT_NE(err.find("1 row(s) went back in time (the first at line 3)"), std::string::npos) << err;
}

TEST(AnomalyCliTest, HelpDescribesEveryFlagAndDetector) {
  std::string out;
  ASSERT_EQ(RunCommand({BinaryPath("cli/vigie"), "anomaly", "score", "--help"}, &out), 0);
  for (const char* word : {"--detector", "--onset", "combined", "band", "shift", "local", "0.56"}) {
    EXPECT_NE(out.find(word), std::string::npos) << word;
  }
}

}  // namespace
}  // namespace vigie::testing
