// What `vigie grep` colours in a line: where the query's positive line filters matched.
#include "cli/highlight.h"

#include <gtest/gtest.h>

namespace vigie::cli {
namespace {

using Spans = std::vector<std::pair<size_t, size_t>>;

TEST(HighlighterTest, EveryAlternativeOfAnOrFilterIsHighlighted) {
  Highlighter h(R"({app="a"} |= "timeout" or "refused" |~ "db[0-9]" or "cache[0-9]")");
  std::string_view line = "db1 timeout, cache2 refused";
  EXPECT_EQ(h.Spans(line), (Spans{{0, 3}, {4, 11}, {13, 19}, {20, 27}}));
}

TEST(HighlighterTest, NegativeAndIpFiltersAndMetricQueriesHighlightNothing) {
  EXPECT_TRUE(Highlighter(R"({app="a"} != "timeout")").Spans("timeout").empty());
  EXPECT_TRUE(Highlighter(R"({app="a"} |= ip("10.0.0.0/8"))").Spans("from 10.0.0.1").empty());
  EXPECT_TRUE(Highlighter(R"(count_over_time({app="a"} |= "x" [1m]))").Spans("x").empty());
  EXPECT_EQ(Highlighter(R"({app="a"} |= ip("10.0.0.0/8") or "from")").Spans("from 10.0.0.1"),
            (Spans{{0, 4}}));
}

TEST(HighlighterTest, OverlappingMatchesMerge) {
  EXPECT_EQ(Highlighter(R"({app="a"} |= "abc" |= "bcd")").Spans("xabcdx"), (Spans{{1, 5}}));
}

}  // namespace
}  // namespace vigie::cli
