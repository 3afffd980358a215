// The engine against brute force: random streams stored in a real Store (small blocks, so that
// blocks overlap in time and across streams), then log and metric queries compared with what a
// direct evaluation over the same entries gives.
#include "query/logql/engine.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "common/time.h"
#include "query/logql/parser.h"
#include "query/logql/selector.h"
#include "tests/integration/harness.h"

namespace vigie::logql {
namespace {

constexpr int64_t kT0 = 1'700'000'000LL * kNanosPerSecond;

struct Stored {
  LabelSet labels;
  int64_t ts;
  std::string line;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.path = dir_.path() + "/db";
    options.target_block_bytes = 2000;              // Many blocks.
    options.partition_ns = 3600 * kNanosPerSecond;  // Several partitions.
    store_ = *store::Store::Open(options);
    std::mt19937 rng(7);
    const char* words[] = {"error", "timeout", "db1", "db22", "GET /", "POST /api", "ok", "Error"};
    std::vector<LabelSet> streams;
    for (const char* app : {"api", "front", "worker"}) {
      for (const char* host : {"h1", "h2"}) {
        streams.push_back(*LabelSet::Make({{"app", app}, {"host", host}}));
      }
    }
    for (int batch = 0; batch < 60; ++batch) {
      store::AppendRequest request;
      for (const LabelSet& labels : streams) {
        store::StreamEntries s{labels, {}};
        for (int i = 0; i < 10; ++i) {
          // Times overlap across batches: blocks of a stream overlap, too.
          int64_t ts = kT0 + (batch * 37 + rng() % 4000) * kNanosPerSecond;
          std::string line = std::string(words[rng() % 8]) + " " + words[rng() % 8] + " #" +
                             std::to_string(rng() % 1000);
          s.entries.push_back({ts, line});
          all_.push_back({labels, ts, line});
        }
        request.streams.push_back(std::move(s));
      }
      ASSERT_TRUE(store_->Append(request).ok());
    }
    ASSERT_TRUE(store_->CompactSmallBlocks().ok());
  }

  // The metric query `text` evaluated every kStep from kStart to kEnd, as the brute-force checks
  // below compute it.
  static constexpr int64_t kStart = kT0 + 600 * kNanosPerSecond;
  static constexpr int64_t kEnd = kT0 + 3000 * kNanosPerSecond;
  static constexpr int64_t kStep = 300 * kNanosPerSecond;
  absl::StatusOr<std::vector<Series>> RunMetric(std::string_view text) {
    Engine engine(store_.get(), Limits(), 2);
    auto query = Parse(text, Limits());
    if (!query.ok()) return query.status();
    QueryParams params{
        .start_ns = kStart, .end_ns = kEnd, .limit = 0, .forward = false, .step_ns = kStep};
    if (absl::Status s = engine.CheckParams(*query, &params); !s.ok()) return s;
    QueryStats stats;
    return engine.RunMetricQuery(*query->metric, params, &stats);
  }

  std::vector<Stored> BruteForce(const LogSelector& selector, int64_t start, int64_t end) const {
    std::vector<Stored> out;
    for (const Stored& s : all_) {
      if (s.ts >= start && s.ts < end && SelectorMatches(selector, s.labels) &&
          (selector.filter.empty() || selector.filter.Matches(s.line))) {
        if (selector.pipeline.empty()) {
          out.push_back(s);
          continue;
        }
        StreamPipeline pipeline(selector.pipeline, s.labels);
        if (pipeline.Process(s.ts, s.line)) {
          out.push_back({pipeline.LineLabels(), s.ts, std::string(pipeline.line())});
        }
      }
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::vector<Stored> all_;
};

const char* kLogQueries[] = {
    R"({app="api"})",
    R"({app=~"api|front", host!="h2"} |= "error")",
    R"({host="h1"} |~ "db[0-9]+" != "ok")",
    R"({app!="worker", app=~".+"} |~ "(?i)error" !~ "POST")",
    R"({app="worker"} |= "GET /" |= "#1")",
    R"({app="nope"})",
    // Pipelines: each line's labels are its stream's plus what the regexp extracts.
    R"({app="api"} | regexp `^(?P<w>\S+) (?P<x>[^#]*)#(?P<n>\d+)` | n > 500)",
    R"({host="h1"} |= "error" | regexp `#(?P<n>\d+)` | n <= 100 or n >= 900 | drop host)",
    R"({app=~".+"} | regexp `(?P<app>\w+)` | keep app_extracted)",
    // Alternatives (n-gram block skipping per alternative), patterns and formatting.
    R"({app=~"api|front"} |= "timeout" or "db22")",
    R"({host="h2"} != "error" or "Error" |> "<_> #<_>" or "ok <_>")",
    R"({app="api"} | pattern "<w> <_> #<n>" | line_format "{{.n}}-{{.w | ToUpper}}" |= "-E")",
    R"({app="front"} | label_format w="{{ __line__ | trunc 3 }}", h=host | decolorize)",
};

TEST_F(EngineTest, LogQueriesMatchBruteForceInBothDirectionsWithLimits) {
  Engine engine(store_.get(), Limits(), 2);
  for (const char* text : kLogQueries) {
    auto query = Parse(text, Limits());
    ASSERT_TRUE(query.ok()) << query.status();
    for (bool forward : {false, true}) {
      for (uint32_t limit : {1u, 7u, 50000u}) {
        int64_t start = kT0 + 500 * kNanosPerSecond, end = kT0 + 3000 * kNanosPerSecond;
        std::vector<Stored> expected = BruteForce(*query->log, start, end);
        std::stable_sort(expected.begin(), expected.end(), [&](const Stored& a, const Stored& b) {
          return forward ? a.ts < b.ts : a.ts > b.ts;
        });
        QueryParams params{
            .start_ns = start, .end_ns = end, .limit = limit, .forward = forward, .step_ns = 0};
        std::vector<Stored> got;
        QueryStats stats;
        ASSERT_TRUE(engine
                        .RunLogQuery(
                            *query->log, params,
                            [&](const LabelSet& l, int64_t ts, std::string_view line) {
                              got.push_back({l, ts, std::string(line)});
                              return true;
                            },
                            &stats)
                        .ok());
        size_t n = std::min<size_t>(limit, expected.size());
        ASSERT_EQ(got.size(), n) << text;
        // Entries with equal times may come in any order: compare times in order, and the
        // multiset of entries.
        std::multiset<std::string> want, have;
        for (size_t i = 0; i < n; ++i) {
          EXPECT_EQ(got[i].ts, expected[i].ts) << text << " at " << i;
        }
        if (limit >= expected.size()) {
          for (auto& s : expected) want.insert(s.labels.ToString() + std::to_string(s.ts) + s.line);
          for (auto& s : got) have.insert(s.labels.ToString() + std::to_string(s.ts) + s.line);
          EXPECT_EQ(have, want) << text;
        }
      }
    }
  }
}

TEST_F(EngineTest, SelectorReadsOnlyMatchingStreams) {
  Engine engine(store_.get(), Limits(), 2);
  auto query = Parse(R"({app="api", host="h1"})", Limits());
  QueryStats stats;
  QueryParams params{.start_ns = kT0,
                     .end_ns = kT0 + 10000 * kNanosPerSecond,
                     .limit = 50000,
                     .forward = false,
                     .step_ns = 0};
  size_t n = 0;
  ASSERT_TRUE(engine
                  .RunLogQuery(
                      *query->log, params,
                      [&](const LabelSet&, int64_t, std::string_view) { return ++n; }, &stats)
                  .ok());
  EXPECT_EQ(stats.streams, 1u);
  EXPECT_EQ(n, 600u);
}

TEST_F(EngineTest, MetricQueriesMatchBruteForce) {
  int64_t start = kStart, end = kEnd, step = kStep, range = 600 * kNanosPerSecond;
  auto series = RunMetric(R"(sum by (app) (count_over_time({host=~"h.*"} |= "error" [10m])))");
  ASSERT_TRUE(series.ok()) << series.status();
  // Brute force: app → t → count of lines with "error" in (t - 10m, t].
  std::map<std::string, std::map<int64_t, double>> want;
  for (const Stored& s : all_) {
    if (s.line.find("error") == std::string::npos) continue;
    for (int64_t t = start; t <= end; t += step) {
      if (s.ts > t - range && s.ts <= t) want[std::string(s.labels.Get("app"))][t] += 1;
    }
  }
  std::map<std::string, std::map<int64_t, double>> got;
  for (const Series& s : *series) {
    ASSERT_EQ(s.labels.size(), 1u);
    for (const Point& p : s.points) got[std::string(s.labels.Get("app"))][p.ts_ns] = p.value;
  }
  EXPECT_EQ(got, want);
}

TEST_F(EngineTest, MetricQueriesGroupByTheLabelsThePipelineMakes) {
  int64_t start = kStart, end = kEnd, step = kStep, range = 600 * kNanosPerSecond;
  auto series = RunMetric(
      R"(sum by (w) (count_over_time({host=~"h.*"} | regexp `^(?P<w>\S+)` | w != "ok" [10m])))");
  ASSERT_TRUE(series.ok()) << series.status();
  // Brute force: first word → t → count of lines in (t - 10m, t].
  std::map<std::string, std::map<int64_t, double>> want;
  for (const Stored& s : all_) {
    std::string word = s.line.substr(0, s.line.find(' '));
    if (word == "ok") continue;
    for (int64_t t = start; t <= end; t += step) {
      if (s.ts > t - range && s.ts <= t) want[word][t] += 1;
    }
  }
  std::map<std::string, std::map<int64_t, double>> got;
  for (const Series& s : *series) {
    for (const Point& p : s.points) got[std::string(s.labels.Get("w"))][p.ts_ns] = p.value;
  }
  EXPECT_EQ(got, want);
}

TEST_F(EngineTest, ContextLinesKeepTheirStreamLabels) {
  Engine engine(store_.get(), Limits(), 2);
  auto query = Parse(R"({app="api", host="h1"} |= "timeout" | regexp `#(?P<n>\d+)`)", Limits());
  ASSERT_TRUE(query.ok()) << query.status();
  QueryParams params{.start_ns = kT0,
                     .end_ns = kT0 + 10000 * kNanosPerSecond,
                     .limit = 50000,
                     .context_before = 1,
                     .context_after = 1,
                     .forward = true};
  QueryStats stats;
  size_t matches = 0, context = 0;
  ASSERT_TRUE(engine
                  .RunLogQuery(
                      *query->log, params,
                      [&](const LogLine& l) {
                        EXPECT_EQ(l.stream_labels.ToString(), R"({app="api", host="h1"})");
                        if (l.context) {
                          ++context;
                          EXPECT_EQ(l.labels, l.stream_labels) << l.line;
                        } else {
                          ++matches;
                          std::string n(l.line.substr(l.line.rfind('#') + 1));
                          EXPECT_EQ(l.labels.Get("n"), n) << l.line;
                        }
                        return true;
                      },
                      &stats)
                  .ok());
  EXPECT_GT(matches, 0u);
  EXPECT_GT(context, 0u);
}

TEST_F(EngineTest, RateAndBytesAndAggregations) {
  Engine engine(store_.get(), Limits(), 2);
  int64_t t = kT0 + 2000 * kNanosPerSecond, range = 1000 * kNanosPerSecond;
  double count = 0, bytes = 0;
  std::map<std::string, double> per_stream;
  for (const Stored& s : all_) {
    if (s.labels.Get("app") == "front" && s.ts > t - range && s.ts <= t) {
      count += 1;
      bytes += static_cast<double>(s.line.size());
      per_stream[s.labels.ToString()] += 1;
    }
  }
  auto eval = [&](const std::string& text) {
    auto query = Parse(text, Limits());
    EXPECT_TRUE(query.ok()) << query.status();
    QueryStats stats;
    auto series = engine.RunMetricQuery(
        *query->metric, {.start_ns = t, .end_ns = t, .step_ns = kNanosPerSecond}, &stats);
    EXPECT_TRUE(series.ok()) << series.status();
    EXPECT_EQ(series->size(), 1u) << text;
    return series->empty() ? -1 : series->front().points.at(0).value;
  };
  EXPECT_DOUBLE_EQ(eval(R"(sum(rate({app="front"}[1000s])))"), count / 1000);
  EXPECT_DOUBLE_EQ(eval(R"(sum(bytes_over_time({app="front"}[1000s])))"), bytes);
  EXPECT_DOUBLE_EQ(eval(R"(sum(bytes_rate({app="front"}[1000s])))"), bytes / 1000);
  EXPECT_DOUBLE_EQ(eval(R"(count(count_over_time({app="front"}[1000s])))"), per_stream.size());
  double max = 0, min = 1e18;
  for (auto& [k, v] : per_stream) {
    max = std::max(max, v);
    min = std::min(min, v);
  }
  EXPECT_DOUBLE_EQ(eval(R"(max(count_over_time({app="front"}[1000s])))"), max);
  EXPECT_DOUBLE_EQ(eval(R"(min without (host) (count_over_time({app="front"}[1000s])))"), min);
  EXPECT_DOUBLE_EQ(eval(R"(avg(count_over_time({app="front"}[1000s])))"),
                   count / static_cast<double>(per_stream.size()));
}

TEST_F(EngineTest, LimitsAreEnforcedWithClearErrors) {
  Limits limits;
  limits.max_query_range_ns = 3600 * kNanosPerSecond;
  Engine engine(store_.get(), limits, 2);
  auto query = Parse(R"({app="api"})", limits);
  QueryParams params{.start_ns = kT0,
                     .end_ns = kT0 + 7200 * kNanosPerSecond,
                     .limit = 0,
                     .forward = false,
                     .step_ns = 0};
  absl::Status st = engine.CheckParams(*query, &params);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("--max-query-range"), absl::string_view::npos) << st;
  auto metric = Parse(R"(count_over_time({app="api"}[1m]))", limits);
  // 59m of time range plus the [1m] range: within the 1h limit.
  QueryParams tiny_step{.start_ns = kT0,
                        .end_ns = kT0 + 3540 * kNanosPerSecond,
                        .limit = 0,
                        .forward = false,
                        .step_ns = 1'000'000};
  st = engine.CheckParams(*metric, &tiny_step);
  EXPECT_NE(st.message().find("larger step"), absl::string_view::npos) << st;
}

// A query whose client has gone stops at the next block with CANCELLED, log and metric alike.
TEST_F(EngineTest, CancelledQueriesStopBetweenBlocks) {
  Engine engine(store_.get(), Limits(), 2);
  int polls = 0;
  QueryParams params{.start_ns = kT0 - 1,
                     .end_ns = kT0 + 86400 * kNanosPerSecond,
                     .limit = 5000,
                     .forward = true,
                     .step_ns = 60 * kNanosPerSecond};
  params.cancelled = [&polls] { return ++polls > 3; };
  auto log = Parse(R"({app=~".+"})", Limits());
  int entries = 0;
  QueryStats stats;
  absl::Status st = engine.RunLogQuery(
      *log->log, params, [&](const LabelSet&, int64_t, std::string_view) { return ++entries; },
      &stats);
  EXPECT_EQ(st.code(), absl::StatusCode::kCancelled) << st;
  EXPECT_NE(st.message().find("client went away"), absl::string_view::npos) << st;
  EXPECT_EQ(stats.blocks, 3u) << "three blocks read, then the fourth poll said stop";

  polls = 0;
  auto metric = Parse(R"(count_over_time({app=~".+"}[5m]))", Limits());
  auto series = engine.RunMetricQuery(*metric->metric, params, &stats);
  EXPECT_EQ(series.status().code(), absl::StatusCode::kCancelled) << series.status();

  params.cancelled = [] { return false; };
  entries = 0;
  EXPECT_TRUE(engine
                  .RunLogQuery(
                      *log->log, params,
                      [&](const LabelSet&, int64_t, std::string_view) { return ++entries; }, &stats)
                  .ok());
  EXPECT_EQ(entries, static_cast<int>(std::min<size_t>(all_.size(), 5000)));
}

}  // namespace
}  // namespace vigie::logql
