// `vigie anomaly score`'s CSV handling: NAB's form in, scores out, clear errors naming the line.
#include "alerts/detectors/csv_scorer.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_split.h"

namespace vigie::alerts::detectors {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

std::string Error(std::string_view text) {
  absl::StatusOr<std::string> out = ScoreCsv(text, kDefaultDetector);
  EXPECT_FALSE(out.ok()) << text;
  return out.ok() ? "" : std::string(out.status().message());
}

TEST(CsvScorerTest, ScoresEveryRowOnline) {
  std::string in = "timestamp,value\n";
  for (int i = 0; i < 500; ++i) {
    in += "2014-07-01 " + std::to_string(10 + i / 60) + ":" + (i % 60 < 10 ? "0" : "") +
          std::to_string(i % 60) + ":00," + std::to_string(100 + (i % 7)) + "\r\n";
  }
  absl::StatusOr<std::string> out = ScoreCsv(in, "band");
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<std::string> lines = Lines(*out);
  ASSERT_EQ(lines.size(), 501u);
  EXPECT_EQ(lines[0], "timestamp,value,anomaly_score");
  EXPECT_EQ(lines[1].substr(0, 24), "2014-07-01 10:00:00,100,");
  // Online: the scores of a prefix do not depend on what follows.
  absl::StatusOr<std::string> prefix = ScoreCsv(in.substr(0, in.find('\n', in.size() / 2)), "band");
  ASSERT_TRUE(prefix.ok());
  std::vector<std::string> prefix_lines = Lines(*prefix);
  for (size_t i = 0; i + 1 < prefix_lines.size(); ++i) EXPECT_EQ(prefix_lines[i], lines[i]);
}

TEST(CsvScorerTest, NonFiniteAndOutOfOrderRowsScoreZero) {
  absl::StatusOr<std::unique_ptr<CsvScorer>> scorer = CsvScorer::Make(kDefaultDetector);
  ASSERT_TRUE(scorer.ok());
  std::string out;
  for (std::string_view line :
       {"\xEF\xBB\xBFtimestamp,value", "2014-07-01 00:00:00,1", "2014-07-01 00:05:00,nan",
        "2014-07-01 00:10:00,inf", "2014-07-01 00:01:00,7", "2014-07-01 00:10:00,-1e300",
        "2014-07-01 00:10:00,2", "", "2014-07-01T00:15:00.5Z,3"}) {
    ASSERT_TRUE((*scorer)->AddLine(line, &out).ok()) << line;
  }
  EXPECT_TRUE((*scorer)->Finish().ok());
  std::vector<std::string> lines = Lines(out);
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[2], "2014-07-01 00:05:00,nan,0.000000");
  EXPECT_EQ(lines[3], "2014-07-01 00:10:00,inf,0.000000");
  EXPECT_EQ(lines[4], "2014-07-01 00:01:00,7,0.000000");
  EXPECT_EQ((*scorer)->out_of_order_rows(), 1);
  EXPECT_EQ((*scorer)->first_out_of_order_line(), 5);
}

TEST(CsvScorerTest, BadInputNamesTheLine) {
  EXPECT_EQ(Error(""), "empty file: expected a header line 'timestamp,value' and then rows");
  EXPECT_NE(Error("time,val\n").find("line 1: the header must name"), std::string::npos);
  EXPECT_NE(Error("timestamp,value\n2014-07-01 00:00:00\n").find("line 2: 1 fields"),
            std::string::npos);
  EXPECT_NE(Error("timestamp,value\n\n2014-13-01 00:00:00,1\n").find("line 3: timestamp"),
            std::string::npos);
  EXPECT_NE(Error("timestamp,value\n2014-02-30 00:00:00,1\n").find("line 2"), std::string::npos);
  EXPECT_NE(Error("timestamp,value\n2014-07-01 00:00:00,abc\n").find("line 2: value 'abc'"),
            std::string::npos);
  EXPECT_NE(Error("timestamp,value\n2014-07-01 00:00:00,1e999\n").find("line 2"),
            std::string::npos);
  EXPECT_NE(Error("timestamp,value\n" + std::string(5000, '1') + "\n").find("longer than"),
            std::string::npos);
  EXPECT_FALSE(CsvScorer::Make("nope").ok());
}

TEST(CsvScorerTest, TimestampsAreUtc) {
  EXPECT_EQ(*ParseNabTimestamp("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(*ParseNabTimestamp("2014-07-01 00:00:00"), 1404172800000);
  EXPECT_EQ(*ParseNabTimestamp("2016-02-29T12:00:00.25"), 1456747200250);
  EXPECT_FALSE(ParseNabTimestamp("2015-02-29 00:00:00").ok());
  EXPECT_FALSE(ParseNabTimestamp("2014-07-01 24:00:00").ok());
  EXPECT_FALSE(ParseNabTimestamp("2014-07-01 00:00:00 junk").ok());
  EXPECT_FALSE(ParseNabTimestamp("").ok());
}

}  // namespace
}  // namespace vigie::alerts::detectors
