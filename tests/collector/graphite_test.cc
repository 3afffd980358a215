#include <gtest/gtest.h>

#include "collector/inputs/graphite_parse.h"
#include "collector/inputs/metric_names.h"

namespace vigie::collector {
namespace {

TEST(CollectorGraphiteParseTest, ReadsPlainAndTaggedLines) {
  GraphiteLine line;
  EXPECT_EQ(ParseGraphiteLine("queue.algolia.depth 1532 1700000000", 0, &line), nullptr);
  EXPECT_EQ(line.path, "queue.algolia.depth");
  EXPECT_EQ(line.value, 1532);
  EXPECT_EQ(line.ts_ms, 1700000000000);
  EXPECT_EQ(ParseGraphiteLine("disk.used;dc=par;host=web1\t-1.5e2  1700000000.25\r", 0, &line),
            nullptr);
  EXPECT_EQ(line.path, "disk.used");
  ASSERT_EQ(line.tags.size(), 2u);
  EXPECT_EQ(line.tags[1].first, "host");
  EXPECT_EQ(line.tags[1].second, "web1");
  EXPECT_EQ(line.value, -150);
  EXPECT_EQ(line.ts_ms, 1700000000250);
  EXPECT_EQ(ParseGraphiteLine("a 1 -1", 42, &line), nullptr);
  EXPECT_EQ(line.ts_ms, 42);
  EXPECT_EQ(ParseGraphiteLine("a 1 N", 43, &line), nullptr);
  EXPECT_EQ(line.ts_ms, 43);
  EXPECT_EQ(ParseGraphiteLine("   ", 0, &line), nullptr);
  EXPECT_TRUE(line.path.empty());
}

TEST(CollectorGraphiteParseTest, RefusesMalformedLinesNamingWhy) {
  GraphiteLine line;
  EXPECT_STREQ(ParseGraphiteLine("a 1", 0, &line), "expected <path> <value> <timestamp>");
  EXPECT_STREQ(ParseGraphiteLine("a 1 2 3", 0, &line), "more than three fields");
  EXPECT_STREQ(ParseGraphiteLine("a many 1700000000", 0, &line), "the value is not a number");
  EXPECT_STREQ(ParseGraphiteLine("a nan 1700000000", 0, &line), "the value is not a number");
  EXPECT_STREQ(ParseGraphiteLine("a 1 yesterday", 0, &line),
               "the timestamp is not Unix seconds, -1 or N");
  EXPECT_STREQ(ParseGraphiteLine("a 1 -5", 0, &line), "the timestamp is not Unix seconds, -1 or N");
  EXPECT_STREQ(ParseGraphiteLine("a;dc 1 1", 0, &line), "a tag is not name=value");
  EXPECT_STREQ(ParseGraphiteLine("a;dc= 1 1", 0, &line), "a tag has an empty value");
  EXPECT_STREQ(ParseGraphiteLine(";dc=x 1 1", 0, &line), "the path is empty");
}

TEST(CollectorMetricNamesTest, MapsAsTheExportersDo) {
  std::string out;
  AppendPrometheusMetricName("queue.algolia-depth:x/y", &out);
  EXPECT_EQ(out, "queue_algolia_depth:x_y");
  out.clear();
  AppendPrometheusMetricName("5xx.count", &out);
  EXPECT_EQ(out, "_5xx_count");
  out.clear();
  AppendPrometheusLabelName("k8s:pod", &out);
  EXPECT_EQ(out, "k8s_pod");
  std::vector<Label> labels;
  EXPECT_EQ(AddTagLabel("dc", "a", &labels), nullptr);
  EXPECT_EQ(AddTagLabel("dc", "b", &labels), nullptr);
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_EQ(labels[0].value, "b");
  EXPECT_NE(AddTagLabel("__x", "b", &labels), nullptr);
}

}  // namespace
}  // namespace vigie::collector
