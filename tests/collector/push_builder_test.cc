#include "collector/push_builder.h"
#include "common/utf8.h"

#include <gtest/gtest.h>

#include "vigie/v1/ingest.pb.h"

namespace vigie::collector {
namespace {

// The handle of a log stream or a series.
std::shared_ptr<const WireLabels> Handle(std::vector<Label> labels) {
  return MakeWireLabels(LabelSet::Make(labels).value());
}

TEST(CollectorPushBuilderTest, EncodesWhatProtobufParses) {
  StreamRef a = Handle({{"host", "h"}, {"file", "/var/log/a.log"}});
  StreamRef b = Handle({{"host", "h"}, {"app", "sshd"}});
  PushBuilder builder;
  builder.Add(a, 100, "first");
  builder.Add(b, 200, "");
  builder.Add(a, 300, std::string(300, 'x'));
  EXPECT_EQ(builder.entries(), 3u);
  std::string bytes = builder.Finish("agent-1", 42);
  EXPECT_TRUE(builder.empty());

  v1::PushRequest request;
  ASSERT_TRUE(request.ParseFromString(bytes));
  EXPECT_EQ(request.agent_id(), "agent-1");
  EXPECT_EQ(request.seq(), 42u);
  ASSERT_EQ(request.streams_size(), 2);
  const v1::Stream& s0 = request.streams(0);
  ASSERT_EQ(s0.labels_size(), 2);
  EXPECT_EQ(s0.labels(0).name(), "file");  // Canonical order.
  EXPECT_EQ(s0.labels(1).value(), "h");
  ASSERT_EQ(s0.entries_size(), 2);
  EXPECT_EQ(s0.entries(0).ts_ns(), 100);
  EXPECT_EQ(s0.entries(0).line(), "first");
  EXPECT_EQ(s0.entries(1).line(), std::string(300, 'x'));
  EXPECT_EQ(request.streams(1).entries(0).line(), "");
  EXPECT_EQ(request.streams(1).entries(0).ts_ns(), 200);
  // The size estimate is close to the real size.
  EXPECT_NEAR(static_cast<double>(bytes.size()), 400, 120);
}

TEST(CollectorPushBuilderTest, EmptyRequestCarriesSeq) {
  v1::PushRequest request;
  ASSERT_TRUE(request.ParseFromString(PushBuilder().Finish("a", 7)));
  EXPECT_EQ(request.seq(), 7u);
  EXPECT_EQ(request.streams_size(), 0);
}

TEST(CollectorPushBuilderTest, LabelValuesBecomeValidUtf8) {
  EXPECT_EQ(ValidUtf8("caf\xC3\xA9", 100), "caf\xC3\xA9");
  EXPECT_EQ(ValidUtf8("a\xFF"
                      "b",
                      100),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ValidUtf8("\xE2\x82", 100), "\xEF\xBF\xBD\xEF\xBF\xBD");          // Cut sequence.
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80", 100).find("\xED"), std::string::npos);  // Surrogate.
  EXPECT_EQ(ValidUtf8("abc\xC3\xA9", 4), "abc");  // Never cut inside a character.
  StreamRef s = Handle({{"file", "/tmp/\xFF.log"}});
  PushBuilder builder;
  builder.Add(s, 1, "x");
  v1::PushRequest request;
  ASSERT_TRUE(request.ParseFromString(builder.Finish("a", 1)));  // Parsing checks UTF-8.
  EXPECT_EQ(request.streams(0).labels(0).value(), "/tmp/\xEF\xBF\xBD.log");
}

TEST(CollectorPushBuilderTest, EncodesMetricUnitsBesideEntries) {
  PushBuilder builder;
  builder.Add(Handle({{"host", "h"}}), 5, "line");
  SeriesRef a_total = Handle({{"__name__", "a_total"}, {"x", "1"}});
  MetricUnit unit;
  unit.samples = {{a_total, 1000, 3},
                  {a_total, 2000, 0},
                  {Handle({{"__name__", "b"}, {"v", "\xFF"}}), -1, -0.5}};
  unit.metadata = {{"a_total", "counter", "Logins.", ""}, {"b", "gauge", "", "seconds"}};
  builder.AddMetrics(unit);
  EXPECT_EQ(builder.samples(), 3u);
  EXPECT_EQ(builder.entries(), 1u);
  size_t estimate = builder.bytes();
  std::string bytes = builder.Finish("agent", 9);
  EXPECT_TRUE(builder.empty());
  EXPECT_NEAR(static_cast<double>(bytes.size()), static_cast<double>(estimate), 40);

  v1::PushRequest request;
  ASSERT_TRUE(request.ParseFromString(bytes));
  EXPECT_EQ(request.streams_size(), 1);
  ASSERT_EQ(request.series_size(), 2);  // Consecutive samples of one series handle share it.
  const v1::Series& a = request.series(0);
  ASSERT_EQ(a.labels_size(), 2);
  EXPECT_EQ(a.labels(0).name(), "__name__");
  EXPECT_EQ(a.labels(0).value(), "a_total");
  ASSERT_EQ(a.samples_size(), 2);
  EXPECT_EQ(a.samples(0).ts_ms(), 1000);
  EXPECT_EQ(a.samples(0).value(), 3);
  EXPECT_EQ(a.samples(1).value(), 0);
  const v1::Series& b = request.series(1);
  EXPECT_EQ(b.labels(1).value(), "\xEF\xBF\xBD");
  EXPECT_EQ(b.samples(0).ts_ms(), -1);
  EXPECT_EQ(b.samples(0).value(), -0.5);
  ASSERT_EQ(request.metadata_size(), 2);
  EXPECT_EQ(request.metadata(0).metric(), "a_total");
  EXPECT_EQ(request.metadata(0).type(), "counter");
  EXPECT_EQ(request.metadata(0).help(), "Logins.");
  EXPECT_EQ(request.metadata(1).unit(), "seconds");
  // The estimate the batcher sizes units by is close too.
  EXPECT_NEAR(static_cast<double>(EncodedMetricsBytes(unit)),
              static_cast<double>(request.ByteSizeLong() - request.streams(0).ByteSizeLong()), 60);
}

}  // namespace
}  // namespace vigie::collector
