// Line splitting, truncation and multi-line grouping.
#include <gtest/gtest.h>

#include "collector/inputs/multiline.h"
#include "common/line_splitter.h"

namespace vigie::collector {
namespace {

struct Line {
  std::string text;
  uint64_t end;
  bool truncated;
  bool operator==(const Line&) const = default;
};

std::vector<Line> Split(size_t cap, const std::vector<std::string>& chunks, bool flush = false) {
  std::vector<Line> out;
  LineSplitter splitter(cap, 0);
  auto emit = [&](std::string_view l, uint64_t end, bool t) {
    out.push_back({std::string(l), end, t});
  };
  for (const std::string& c : chunks) splitter.Feed(c, emit);
  if (flush) splitter.Flush(emit);
  return out;
}

TEST(CollectorLineSplitterTest, SplitsAcrossChunksWithOffsets) {
  EXPECT_EQ(Split(100, {"ab\ncd", "e\n\nf"}),
            (std::vector<Line>{{"ab", 3, false}, {"cde", 7, false}, {"", 8, false}}));
  EXPECT_EQ(Split(100, {"x\r\n"}), (std::vector<Line>{{"x\r", 3, false}}));  // Byte for byte.
  EXPECT_EQ(Split(100, {"tail"}, /*flush=*/true), (std::vector<Line>{{"tail", 4, false}}));
}

TEST(CollectorLineSplitterTest, CutsLongLinesAndMarksThem) {
  std::string longline(1000, 'a');
  auto lines = Split(100, {longline.substr(0, 10), longline.substr(10) + "\nok\n"});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].truncated);
  EXPECT_EQ(lines[0].end, 1001u);
  EXPECT_LE(lines[0].text.size(), 100u);
  EXPECT_EQ(lines[0].text, std::string(68, 'a') + " [truncated 932 bytes]");
  EXPECT_EQ(lines[1], (Line{"ok", 1004, false}));
  // Exactly at the cap: kept whole.
  EXPECT_EQ(Split(5, {"12345\n"}), (std::vector<Line>{{"12345", 6, false}}));
}

class CollectorMultilineTest : public ::testing::Test {
 protected:
  void Add(const std::string& line, int64_t now = 0) {
    end_ += line.size() + 1;
    multiline_.Add(line, end_, false, now, emit_);
  }
  RE2 start_{R"(^\d{4}-\d{2}-\d{2})"};
  Multiline multiline_{&start_, std::chrono::seconds(2), 200};
  uint64_t end_ = 0;
  std::vector<Line> out_;
  Multiline::Emit emit_ = [this](std::string_view e, uint64_t end, bool t, int64_t) {
    out_.push_back({std::string(e), end, t});
  };
};

TEST_F(CollectorMultilineTest, GroupsJavaStackTraces) {
  Add("2024-05-01 12:00:00 ERROR boom");
  Add("java.lang.IllegalStateException: bad");
  Add("\tat com.example.A.f(A.java:10)");
  Add("Caused by: java.io.IOException: disk");
  Add("\t... 3 more");
  uint64_t trace_end = end_;
  Add("2024-05-01 12:00:01 INFO next");
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].text,
            "2024-05-01 12:00:00 ERROR boom\njava.lang.IllegalStateException: bad\n\tat "
            "com.example.A.f(A.java:10)\nCaused by: java.io.IOException: disk\n\t... 3 more");
  EXPECT_EQ(out_[0].end, trace_end);  // The cursor covers the trace, not the next line.
  multiline_.Flush(emit_);
  EXPECT_EQ(out_[1].text, "2024-05-01 12:00:01 INFO next");
}

TEST_F(CollectorMultilineTest, TimeoutHandsOnThePendingEntry) {
  Add("2024-05-01 12:00:00 one", 0);
  Add("  more", 1'000'000'000);
  multiline_.Expire(2'500'000'000, emit_);
  EXPECT_TRUE(out_.empty());  // 1.5 s since the last line: not yet.
  multiline_.Expire(3'000'000'000, emit_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_FALSE(multiline_.pending());
}

TEST_F(CollectorMultilineTest, LinesBeforeTheFirstStartFormAnEntry) {
  Add("orphan 1");
  Add("orphan 2");
  Add("2024-05-01 start");
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].text, "orphan 1\norphan 2");
}

TEST_F(CollectorMultilineTest, CapsLongEntries) {
  Add("2024-05-01 start");
  for (int i = 0; i < 50; ++i) Add("\tat frame number " + std::to_string(i));
  multiline_.Flush(emit_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_TRUE(out_[0].truncated);
  EXPECT_LE(out_[0].text.size(), 200u);
  EXPECT_NE(out_[0].text.find(" [truncated "), std::string::npos);
}

}  // namespace
}  // namespace vigie::collector
