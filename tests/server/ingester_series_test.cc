// The Ingester's validation of metric series on a fixed clock: what is refused, how it is named
// and counted, and that what passes reaches the store with canonical labels and their ids (the
// store sorts and merges: tests/store/series_store_test.cc). With a real vigied:
// tests/http/remote_write_test.cc and tests/integration/series_ingest_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "server/ingester.h"
#include "store/series.h"
#include "tests/store/series_batch_util.h"

namespace vigie::server {
namespace {

using testing::Unflatten;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr int64_t kNowMs = 1'765'000'000'000;

// Stores nothing; answers Commit with `result` and keeps what it was asked to commit.
class FakeAppender : public store::Appender {
 public:
  store::PreparedAppend Prepare(const store::AppendRequest& request) override {
    committed = Unflatten(request.series);
    return {};
  }
  absl::StatusOr<store::AppendResult> Commit(store::PreparedAppend) override { return result; }
  store::AppendResult result;
  std::vector<store::SeriesSamples> committed;  // What the last Prepare was given.
};

struct Series {
  Series(std::vector<Label> l, std::vector<store::Sample> s)
      : labels(std::move(l)), samples(std::move(s)) {}
  std::vector<Label> labels;
  std::vector<store::Sample> samples;
};

std::vector<int64_t> Times(const store::SeriesSamples& series) {
  std::vector<int64_t> out;
  for (const store::Sample& s : series.samples) out.push_back(s.ts_ms);
  return out;
}

class IngesterSeriesTest : public ::testing::Test {
 protected:
  // Validates `series` with a new Ingester (budgets empty) under limits_.
  absl::StatusOr<PreparedIngest> Prepare(const std::vector<Series>& series, bool whole = false) {
    ReceivedBatch batch;
    batch.protocol = "test";
    batch.sender = "tester";
    for (const Series& s : series) batch.series.Add(s.labels, s.samples);
    batch.refuse_whole_if_series_invalid = whole;
    Ingester ingester(&appender_, nullptr, nullptr, limits_, [] { return kNowMs * 1'000'000; });
    return ingester.Prepare(std::move(batch));
  }

  FakeAppender appender_;
  Limits limits_;
};

TEST_F(IngesterSeriesTest, ValidSeriesPassWithCanonicalLabelsAndTheirIds) {
  const std::vector<Series> input = {
      Series({{"job", "a"}, {"__name__", "up"}, {"empty", ""}}, {{kNowMs, 1}, {kNowMs - 2000, 2}}),
      Series({{"__name__", "up"}, {"job", "b"}}, {{kNowMs, 3}}),
      Series({{"__name__", "up"}, {"job", "a"}}, {{kNowMs - 1000, 4}}),
      // Upper case sorts before `__name__`.
      Series({{"__name__", "up"}, {"Zone", "eu"}}, {{kNowMs, 5}}),
  };
  auto prepared = Prepare(input);
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_EQ(prepared->refused.count, 0u) << prepared->refused.reason;
  const store::SeriesBatch& batch = prepared->request.series;
  auto series = Unflatten(batch);
  ASSERT_THAT(series, SizeIs(4));
  EXPECT_EQ(series[3].labels.ToString(), R"({Zone="eu", __name__="up"})");
  EXPECT_EQ(series[0].labels.ToString(), R"({__name__="up", job="a"})");
  EXPECT_THAT(Times(series[0]), ElementsAre(kNowMs, kNowMs - 2000));
  EXPECT_EQ(series[1].labels.ToString(), R"({__name__="up", job="b"})");
  EXPECT_EQ(series[2].labels, series[0].labels);
  // The encoding and id a LabelSet made from the labels as sent has.
  for (size_t i = 0; i < input.size(); ++i) {
    absl::StatusOr<LabelSet> expected = LabelSet::Make(input[i].labels);
    ASSERT_TRUE(expected.ok()) << expected.status();
    EXPECT_EQ(batch.Labels(i), expected->Encode());
    EXPECT_EQ(batch.Id(i), expected->Hash());
  }
}

TEST_F(IngesterSeriesTest, NaNAndTheStalenessMarkerPassBitExact) {
  auto prepared = Prepare({Series({{"__name__", "m"}}, {{kNowMs, store::StaleNaN()}})});
  ASSERT_TRUE(prepared.ok());
  ASSERT_EQ(prepared->request.series.size(), 1u);
  EXPECT_TRUE(store::IsStaleNaN(prepared->request.series.Samples(0)[0].value));
}

TEST_F(IngesterSeriesTest, InvalidSeriesAreRefusedByNameAndTheOthersKept) {
  std::string long_value(limits_.max_label_value_bytes + 1, 'v');
  std::vector<Label> many = {{"__name__", "m"}};
  for (uint32_t i = 0; i < limits_.max_labels_per_series; ++i) {
    many.push_back({"l" + std::to_string(i), "x"});
  }
  auto prepared = Prepare({
      Series({{"job", "a"}}, {{kNowMs, 1}}),                                   // 0: no name
      Series({{"__name__", "1bad"}}, {{kNowMs, 1}}),                           // 1
      Series({{"__name__", "m"}, {"__meta_x", "y"}}, {{kNowMs, 1}}),           // 2: reserved
      Series({{"__name__", "m"}, {"v", "\xff"}}, {{kNowMs, 1}, {kNowMs, 2}}),  // 3: UTF-8
      Series({{"__name__", "m"}, {"1x", "y"}}, {{kNowMs, 1}}),                 // 4: label name
      Series({{"__name__", "ok:name_1"}}, {{kNowMs, 7}}),                      // 5: valid
      Series(many, {{kNowMs, 1}}),                                             // 6: too many
      Series({{"__name__", "m"}, {"v", long_value}}, {{kNowMs, 1}}),           // 7: too long
  });
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  auto series = Unflatten(prepared->request.series);
  ASSERT_THAT(series, SizeIs(1));
  EXPECT_EQ(series[0].labels.ToString(), R"({__name__="ok:name_1"})");
  EXPECT_EQ(prepared->refused.count, 8u);
  EXPECT_EQ(prepared->refused_samples, 8u);
  const std::string& reason = prepared->refused.reason;
  EXPECT_THAT(reason, HasSubstr(R"(series 0: {job="a"} has no metric name: give it a __name__)"));
  EXPECT_THAT(reason, HasSubstr(R"(series 1: metric name "1bad" is invalid: metric names match)"));
  EXPECT_THAT(reason, HasSubstr(R"(series 2: label name "__meta_x" is reserved)"));
  EXPECT_THAT(reason, HasSubstr("series 3: label v: value"));
  EXPECT_THAT(reason, HasSubstr("is not valid UTF-8"));
  EXPECT_THAT(reason, HasSubstr("series 4: "));
  // Five reasons are named; the others are counted.
  EXPECT_THAT(reason, Not(HasSubstr("series 6")));
}

TEST_F(IngesterSeriesTest, LimitsOnLabelsNameTheirValues) {
  limits_.max_labels_per_series = 2;
  limits_.max_label_value_bytes = 4;
  auto prepared = Prepare({
      Series({{"__name__", "m"}, {"a", "1"}, {"b", "2"}}, {{kNowMs, 1}}),
      Series({{"__name__", "m"}, {"a", "12345"}}, {{kNowMs, 1}}),
  });
  ASSERT_TRUE(prepared.ok());
  EXPECT_TRUE(prepared->request.series.empty());
  EXPECT_THAT(prepared->refused.reason, HasSubstr("series 0: 3 labels, above the limit of 2"));
  EXPECT_THAT(
      prepared->refused.reason,
      HasSubstr(R"(series 1: label "a" is longer than the limit (name 1024 bytes, value 4)"));
}

TEST_F(IngesterSeriesTest, AnInvalidSeriesRefusesTheWholeBatchWhenAsked) {
  auto prepared = Prepare({Series({{"__name__", "good"}}, {{kNowMs, 1}, {kNowMs + 1, 2}}),
                           Series({{"__name__", "bad-name"}}, {{kNowMs, 1}})},
                          /*whole=*/true);
  ASSERT_FALSE(prepared.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(prepared.status()));
  EXPECT_THAT(prepared.status().message(),
              HasSubstr("1 of 2 series are invalid, so none of the request's 3 samples was "
                        "stored: series 1: metric name \"bad-name\" is invalid"));
}

TEST_F(IngesterSeriesTest, SamplesOutsideTheTimeWindowAreRefusedInMilliseconds) {
  limits_.reject_older_than_ns = 3600LL * 1'000'000'000;
  int64_t oldest = kNowMs - 3600 * 1000, newest = kNowMs + 600 * 1000;
  auto prepared = Prepare({Series({{"__name__", "m"}}, {{oldest - 1, 1},
                                                        {oldest, 2},
                                                        {newest, 3},
                                                        {newest + 1, 4},
                                                        {0, 5},
                                                        {INT64_MAX, 6},
                                                        {INT64_MIN, 7}})});
  ASSERT_TRUE(prepared.ok());
  auto series = Unflatten(prepared->request.series);
  ASSERT_THAT(series, SizeIs(1));
  EXPECT_THAT(Times(series[0]), ElementsAre(oldest, newest));
  EXPECT_EQ(prepared->refused.count, 5u);
  const std::string& reason = prepared->refused.reason;
  EXPECT_THAT(reason, HasSubstr(R"(series 0 {__name__="m"} sample 0: timestamp )" +
                                std::to_string(oldest - 1) + " ms ("));
  EXPECT_THAT(reason, HasSubstr("old; at most 1h old is accepted"));
  EXPECT_THAT(reason, HasSubstr("sample 3: timestamp " + std::to_string(newest + 1)));
  EXPECT_THAT(reason, HasSubstr("ahead of vigied's clock; at most 10m ahead"));
  EXPECT_THAT(reason, HasSubstr("sample 4: timestamp 0 ms (1970-01-01T00:00:00.000000000Z) is "
                                "not after 1970: times are positive Unix epoch milliseconds"));
}

TEST_F(IngesterSeriesTest, TooManySamplesRefuseTheRequest) {
  limits_.max_samples_per_request = 2;
  auto prepared = Prepare({Series({{"__name__", "m"}}, {{kNowMs, 1}, {kNowMs + 1, 2}}),
                           Series({{"__name__", "n"}}, {{kNowMs, 1}})});
  ASSERT_FALSE(prepared.ok());
  EXPECT_THAT(
      prepared.status().message(),
      HasSubstr("request of 3 samples is above the limit of 2 (--max-samples-per-request)"));
}

TEST_F(IngesterSeriesTest, TheSeriesBudgetRefusesNewSeriesOfAFullSender) {
  limits_.max_series_per_sender = 2;
  auto prepared = Prepare({Series({{"__name__", "a"}}, {{kNowMs, 1}}),
                           Series({{"__name__", "b"}}, {{kNowMs, 1}}),
                           Series({{"__name__", "c"}}, {{kNowMs, 1}, {kNowMs + 1, 1}}),
                           Series({{"__name__", "a"}}, {{kNowMs + 1, 1}})});
  ASSERT_TRUE(prepared.ok());
  auto series = Unflatten(prepared->request.series);
  ASSERT_THAT(series, SizeIs(3));  // a, b and a again (the store merges the two).
  EXPECT_EQ(series[2].labels, series[0].labels);
  EXPECT_EQ(prepared->refused.count, 2u);
  EXPECT_THAT(prepared->refused.reason,
              HasSubstr(R"(series 2 {__name__="c"}: tester has 2 active series )"
                        "(--max-series-per-sender); a series stops counting once it has had no "
                        "sample for 30m"));
}

TEST_F(IngesterSeriesTest, WhatTheStoreRefusesIsCountedInTheOutcome) {
  appender_.result.series = {.accepted = 3,
                             .out_of_order = 1,
                             .conflicts = 1,
                             .reason = "series {__name__=\"m\"}: sample 5 is out of order"};
  ServerMetrics metrics(nullptr);
  // Metrics are read from the Ingester's Commit only: a null store is never asked for stats.
  Ingester ingester(&appender_, nullptr, &metrics, limits_, [] { return kNowMs * 1'000'000; });
  ReceivedBatch batch;
  batch.protocol = "test";
  batch.series.Add(std::vector<Label>{{"__name__", "m"}},
                   std::vector<store::Sample>{{kNowMs, 1}, {kNowMs - 1, 2}});
  batch.series.Add(std::vector<Label>{{"__name__", "m"}, {"x", "\xff"}},
                   std::vector<store::Sample>{{kNowMs, 1}});
  absl::StatusOr<IngestOutcome> outcome = ingester.Ingest(std::move(batch));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->accepted, 3u);
  EXPECT_EQ(outcome->rejected, 3u);  // One invalid series' sample, two refused by the store.
  EXPECT_THAT(outcome->reason, HasSubstr("series 1: label x"));
  EXPECT_THAT(outcome->reason, HasSubstr("sample 5 is out of order"));
  ASSERT_THAT(appender_.committed, SizeIs(1));
  EXPECT_THAT(Times(appender_.committed[0]), ElementsAre(kNowMs, kNowMs - 1));
}

}  // namespace
}  // namespace vigie::server
