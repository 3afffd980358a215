// LogQL metric queries on PromQL's evaluator, over a real Store: every range aggregation
// (unwrapped ones through | json), the operators, vector aggregations and functions LogQL has,
// and Loki's pipeline error, each checked against values computed here from the stored lines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/engine.h"
#include "query/logql/parser.h"
#include "tests/integration/harness.h"

namespace vigie::logql {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSecond = kNanosPerSecond;
constexpr int64_t kT0 = 1'700'000'000LL * kSecond;

struct Line {
  const char* host;
  int64_t ts;
  int n;               // The "n" field of a web line.
  const char* status;  // Its "status" field.
  const char* latency;
  const char* size;
};

// app="web": JSON lines with a counter n (which resets at 3s on h1), a status, a latency and a
// size; the last line of h2 has values that are no numbers.
const Line kWeb[] = {
    {"h1", kT0 + 1 * kSecond, 1, "200", "100ms", "1KiB"},
    {"h2", kT0 + 1500'000'000, 8, "500", "2s", "1MiB"},
    {"h1", kT0 + 2 * kSecond, 4, "500", "1.5s", "2KB"},
    {"h2", kT0 + 2500'000'000, 3, "404", "50ms", "10B"},
    {"h1", kT0 + 3 * kSecond, 2, "200", "300ms", "512"},
    {"h2", kT0 + 4 * kSecond, -1, "200", "oops", "x"},
};
// app="db", host="h1": plain lines at these times.
const int64_t kDb[] = {kT0 + 1 * kSecond, kT0 + 5 * kSecond};

std::string WebLine(const Line& l) {
  std::string n = l.n < 0 ? "\"z\"" : std::to_string(l.n);
  return StrCat(R"({"status":")", l.status, R"(","latency":")", l.latency, R"(","size":")", l.size,
                R"(","n":)", n, "}");
}

class LogqlMetricTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.path = dir_.path() + "/db";
    store_ = *store::Store::Open(options);
    store::AppendRequest request;
    for (const char* host : {"h1", "h2"}) {
      store::StreamEntries s{*LabelSet::Make({{"app", "web"}, {"host", host}}), {}};
      for (const Line& l : kWeb) {
        if (std::string_view(l.host) == host) s.entries.push_back({l.ts, WebLine(l)});
      }
      request.streams.push_back(std::move(s));
    }
    store::StreamEntries db{*LabelSet::Make({{"app", "db"}, {"host", "h1"}}), {}};
    for (int64_t ts : kDb) db.entries.push_back({ts, "query took 5ms"});
    request.streams.push_back(std::move(db));
    ASSERT_TRUE(store_->Append(request).ok());
    engine_ = std::make_unique<Engine>(store_.get(), Limits(), 2);
  }

  // The query at `at` (an instant query), or over [start, end] by `step`.
  absl::StatusOr<std::vector<Series>> Run(std::string_view text, int64_t start, int64_t end = 0,
                                          int64_t step = kSecond) {
    absl::StatusOr<Query> query = Parse(text, Limits());
    if (!query.ok()) return query.status();
    QueryParams params{.start_ns = start, .end_ns = end ? end : start, .step_ns = step};
    if (absl::Status s = engine_->CheckParams(*query, &params); !s.ok()) return s;
    QueryStats stats;
    return engine_->RunMetricQuery(*query->metric, params, &stats);
  }

  // An instant query at kT0 + 10s whose series differ by `label`: value by that label's value.
  std::map<std::string, double> ByLabel(std::string_view text, std::string_view label) {
    absl::StatusOr<std::vector<Series>> series = Run(text, kT0 + 10 * kSecond);
    EXPECT_TRUE(series.ok()) << text << ": " << series.status();
    std::map<std::string, double> out;
    if (!series.ok()) return out;
    for (const Series& s : *series) {
      EXPECT_EQ(s.points.size(), 1u) << text;
      EXPECT_TRUE(out.emplace(std::string(s.labels.Get(label)), s.points.at(0).value).second)
          << text << ": two series with " << label << "=" << s.labels.Get(label);
    }
    return out;
  }

  // The single value of an instant query at kT0 + 10s.
  double Value(std::string_view text) {
    std::map<std::string, double> values = ByLabel(text, "__none__");
    EXPECT_EQ(values.size(), 1u) << text;
    return values.empty() ? NAN : values.begin()->second;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
};

// The web lines' values of `field` per host, in time order, the unparseable ones left out.
std::map<std::string, std::vector<double>> WebValues(double (*field)(const Line&)) {
  std::map<std::string, std::vector<double>> out;
  for (const Line& l : kWeb) {
    if (l.n >= 0) out[l.host].push_back(field(l));
  }
  return out;
}
double FieldN(const Line& l) { return l.n; }

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}
double PopulationVariance(const std::vector<double>& v) {
  double mean = Mean(v), sum = 0;
  for (double x : v) sum += (x - mean) * (x - mean);
  return sum / static_cast<double>(v.size());
}
double Quantile(double q, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double rank = q * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(rank)), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - std::floor(rank));
}

TEST_F(LogqlMetricTest, UnwrappedRangeAggregationsGroupedByHost) {
  const std::string range = R"q({app="web"} | json | unwrap n | __error__="" [10s]))q";
  const auto values = WebValues(FieldN);
  struct Case {
    std::string function;
    double (*expected)(const std::vector<double>&);
  };
  const Case cases[] = {
      {"avg_over_time", Mean},
      {"min_over_time",
       [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }},
      {"max_over_time",
       [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }},
      {"first_over_time", [](const std::vector<double>& v) { return v.front(); }},
      {"last_over_time", [](const std::vector<double>& v) { return v.back(); }},
      {"stdvar_over_time", PopulationVariance},
      {"stddev_over_time",
       [](const std::vector<double>& v) { return std::sqrt(PopulationVariance(v)); }},
      {"quantile_over_time(0.75,", [](const std::vector<double>& v) { return Quantile(0.75, v); }},
  };
  for (const Case& c : cases) {
    std::string text = c.function.ends_with(",") ? StrCat(c.function, " ", range, " by (host)")
                                                 : StrCat(c.function, "(", range, " by (host)");
    std::map<std::string, double> got = ByLabel(text, "host");
    ASSERT_EQ(got.size(), values.size()) << text;
    for (const auto& [host, v] : values) EXPECT_DOUBLE_EQ(got[host], c.expected(v)) << text;
  }
  // sum_over_time and rate take no grouping: the streams' series are summed by host.
  std::map<std::string, double> sums =
      ByLabel(StrCat("sum by (host) (sum_over_time(", range, ")"), "host");
  std::map<std::string, double> rates = ByLabel(StrCat("sum by (host) (rate(", range, ")"), "host");
  for (const auto& [host, v] : values) {
    double sum = 0;
    for (double x : v) sum += x;
    EXPECT_DOUBLE_EQ(sums[host], sum) << host;
    EXPECT_DOUBLE_EQ(rates[host], sum / 10) << host;  // Per second of the [10s] range.
  }
}

TEST_F(LogqlMetricTest, UnwrapConversions) {
  std::map<std::string, double> latency = ByLabel(
      R"(max_over_time({app="web"} | json | unwrap duration(latency) | __error__="" [10s]) by (host))",
      "host");
  EXPECT_EQ(latency, (std::map<std::string, double>{{"h1", 1.5}, {"h2", 2}}));
  std::map<std::string, double> seconds = ByLabel(
      R"(min_over_time({app="web"} | json | unwrap duration_seconds(latency) | __error__="" [10s]) by (host))",
      "host");
  EXPECT_EQ(seconds, (std::map<std::string, double>{{"h1", 0.1}, {"h2", 0.05}}));
  std::map<std::string, double> bytes = ByLabel(
      R"(sum by (host) (sum_over_time({app="web"} | json | unwrap bytes(size) | __error__="" [10s])))",
      "host");
  // KiB and MiB are powers of 1024, KB of 1000, a bare number is bytes.
  EXPECT_EQ(bytes,
            (std::map<std::string, double>{{"h1", 1024 + 2000 + 512}, {"h2", 1048576 + 10}}));
}

TEST_F(LogqlMetricTest, ConversionErrorsFailTheQueryUnlessFiltered) {
  absl::StatusOr<std::vector<Series>> failed =
      Run(R"(sum(sum_over_time({app="web"} | json | unwrap n [10s])))", kT0 + 10 * kSecond);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(failed.status().message()),
              HasSubstr("pipeline error: 'SampleExtractionErr' for series"));
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("__error__=\"\""));
  // A series with __error__ is refused even when asked for: Loki's rule is on the label.
  EXPECT_FALSE(Run(R"(sum_over_time({app="web"} | json | unwrap n | __error__!="" [10s]))",
                   kT0 + 10 * kSecond)
                   .ok());
  // A line without the unwrapped label is skipped, not an error (Loki's #6713).
  EXPECT_DOUBLE_EQ(
      Value(R"(sum(sum_over_time({app=~"web|db"} | json | unwrap n | __error__="" [10s])))"),
      1 + 4 + 2 + 8 + 3);
}

TEST_F(LogqlMetricTest, RateCounterExtrapolatesAsLoki) {
  // h1's n: 1 at 1s, 4 at 2s, 2 at 3s (a reset). Increase: 2 - 1 + 4 (the reset) = 5 over the
  // sampled 2s. Loki's window starts one range before the first sample: the counter's zero
  // point, 2s * 1/5 = 0.4s before it, is nearer, so it extrapolates by 0.4s at the start and
  // nothing at the end: 5 * 2.4 / 2 = 6, per second of the 10s range: 0.6.
  EXPECT_DOUBLE_EQ(Value(R"(rate_counter({app="web", host="h1"} | json n="n" | unwrap n [10s]))"),
                   0.6);
}

TEST_F(LogqlMetricTest, CountsGroupByThePostPipelineLabels) {
  std::map<std::string, double> want;
  for (const Line& l : kWeb) want[l.status] += 1;
  EXPECT_EQ(ByLabel(R"(sum by (status) (count_over_time({app="web"} | json [10s])))", "status"),
            want);
  // The alert-rule shape: each status's share of all requests.
  std::map<std::string, double> share = ByLabel(
      R"(sum by (status) (rate({app="web"} | json [10s])) / ignoring(status) group_left sum(rate({app="web"} [10s])))",
      "status");
  ASSERT_EQ(share.size(), want.size());
  for (const auto& [status, count] : want) {
    EXPECT_NEAR(share[status], count / std::size(kWeb), 1e-12) << status;
  }
}

TEST_F(LogqlMetricTest, ParsersDoNotRunWhereTheQueryNeedsNoLabel) {
  // The db lines are no JSON. sum() without grouping keeps no label of count_over_time, so, as
  // in Loki, | json does not run on them and reports no error; keep reads no label either.
  EXPECT_DOUBLE_EQ(Value(R"(sum(count_over_time({app="db"} | json [10s])))"), 2);
  EXPECT_DOUBLE_EQ(Value(R"(sum(bytes_over_time({app="db"} | json | keep host [10s])))"),
                   2 * std::string_view("query took 5ms").size());
  // Where a label is needed the parser runs, and its error fails the query.
  for (const char* text : {
           R"(count_over_time({app="db"} | json [10s]))",
           R"(sum by (host) (count_over_time({app="db"} | json [10s])))",
           R"(avg(count_over_time({app="db"} | json [10s])))",
           R"(sum(count_over_time({app="db"} | json | __error__ != "x" [10s])))",
       }) {
    absl::StatusOr<std::vector<Series>> result = Run(text, kT0 + 10 * kSecond);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_THAT(std::string(result.status().message()), HasSubstr("JSONParserErr")) << text;
  }
}

TEST_F(LogqlMetricTest, ComparisonsFilterOrWithBoolGiveZeroOrOne) {
  double errors = 0;
  for (const Line& l : kWeb) errors += std::string_view(l.status) == "500";
  const std::string count = R"(sum(count_over_time({app="web"} |= "\"500\"" [10s])))";
  EXPECT_EQ(Value(count), errors);
  EXPECT_EQ(Value(count + " > 1"), errors);  // The alert-rule shape: kept, value unchanged.
  EXPECT_TRUE(Run(count + " > 100", kT0 + 10 * kSecond)->empty());
  EXPECT_EQ(Value(count + " > bool 100"), 0);
  EXPECT_EQ(Value(count + " >= bool 2"), 1);
  EXPECT_EQ(Value("1 < " + count), errors);  // The vector's value, on either side.
}

TEST_F(LogqlMetricTest, ArithmeticFollowsPrecedenceAndScalarsAnswerAsScalars) {
  double lines = std::size(kWeb);
  // 2 ^ 3 ^ 2 is 2 ^ 9 (right-associative), * and % before +, - before comparison.
  EXPECT_DOUBLE_EQ(Value(R"(sum(count_over_time({app="web"}[10s])) * 2 + 2 ^ 3 ^ 2 % 100 - 1)"),
                   lines * 2 + std::fmod(512, 100) - 1);
  EXPECT_DOUBLE_EQ(Value(R"((sum(count_over_time({app="web"}[10s])) + 2) / 4)"), (lines + 2) / 4);
  EXPECT_DOUBLE_EQ(Value("vector(3) + vector(1)"), 4);
  absl::StatusOr<std::vector<Series>> scalar = Run("1 + 1", kT0);
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  ASSERT_EQ(scalar->size(), 1u);
  EXPECT_TRUE(scalar->at(0).labels.empty());
  EXPECT_EQ(scalar->at(0).points.at(0).value, 2);
}

TEST_F(LogqlMetricTest, SetOperatorsMatchOnLabels) {
  const std::string web = R"(count_over_time({app="web"}[10s]))";
  const std::string db = R"(count_over_time({app="db"}[10s]))";
  EXPECT_EQ(ByLabel(web + " and on (host) " + db, "host"),
            (std::map<std::string, double>{{"h1", 3}}));
  EXPECT_EQ(ByLabel(web + " unless on (host) " + db, "host"),
            (std::map<std::string, double>{{"h2", 3}}));
  // db's series joins web's two.
  absl::StatusOr<std::vector<Series>> both = Run(web + " or " + db, kT0 + 10 * kSecond);
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->size(), 3u);
}

TEST_F(LogqlMetricTest, VectorAggregationsAndOrderingFunctions) {
  // Lines per host: h1 has web's 3 and db's 2, h2 web's 3.
  const std::string per_host = R"(sum by (host) (count_over_time({app=~"web|db"}[10s])))";
  auto hosts = [&](const std::string& text) {
    absl::StatusOr<std::vector<Series>> series = Run(text, kT0 + 10 * kSecond);
    EXPECT_TRUE(series.ok()) << series.status();
    std::vector<std::string> out;
    for (const Series& s : *series) out.emplace_back(s.labels.Get("host"));
    return out;
  };
  EXPECT_EQ(hosts("topk(1, " + per_host + ")"), std::vector<std::string>{"h1"});
  EXPECT_EQ(hosts("bottomk(1, " + per_host + ")"), std::vector<std::string>{"h2"});
  EXPECT_EQ(hosts("sort_desc(" + per_host + ")"), (std::vector<std::string>{"h1", "h2"}));
  EXPECT_EQ(hosts("sort(" + per_host + ")"), (std::vector<std::string>{"h2", "h1"}));
  std::vector<double> counts = {3, 3, 2};  // Lines per stream.
  const std::string streams = R"(count_over_time({app=~".+"}[10s]))";
  EXPECT_DOUBLE_EQ(Value("stdvar(" + streams + ")"), PopulationVariance(counts));
  EXPECT_DOUBLE_EQ(Value("stddev(" + streams + ")"), std::sqrt(PopulationVariance(counts)));
  EXPECT_DOUBLE_EQ(Value("avg(" + streams + ")"), Mean(counts));
  EXPECT_DOUBLE_EQ(Value("count(" + streams + ")"), 3);
  EXPECT_EQ(ByLabel("label_replace(" + per_host + R"q(, "n", "$1", "host", "h(.*)"))q", "n"),
            (std::map<std::string, double>{{"1", 5}, {"2", 3}}));
}

TEST_F(LogqlMetricTest, AbsentOverTimeAtEachStepWithTheSelectorsLabels) {
  absl::StatusOr<std::vector<Series>> none =
      Run(R"(absent_over_time({app="nope", host=~"h.*"}[10s]))", kT0 + 10 * kSecond);
  ASSERT_TRUE(none.ok()) << none.status();
  ASSERT_EQ(none->size(), 1u);
  EXPECT_EQ(none->at(0).labels.ToString(), R"({app="nope"})");
  EXPECT_EQ(none->at(0).points.at(0).value, 1);
  EXPECT_TRUE(Run(R"(absent_over_time({app="web"}[10s]))", kT0 + 10 * kSecond)->empty());
  // Over a range: 1 at the steps whose window (t - 2s, t] has no db line.
  absl::StatusOr<std::vector<Series>> steps =
      Run(R"(absent_over_time({app="db"}[2s]))", kT0, kT0 + 10 * kSecond, kSecond);
  ASSERT_TRUE(steps.ok()) << steps.status();
  std::vector<int64_t> want;
  for (int64_t t = kT0; t <= kT0 + 10 * kSecond; t += kSecond) {
    bool seen = false;
    for (int64_t ts : kDb) seen = seen || (ts > t - 2 * kSecond && ts <= t);
    if (!seen) want.push_back(t);
  }
  ASSERT_EQ(steps->size(), 1u);
  std::vector<int64_t> got;
  for (const Point& p : steps->at(0).points) got.push_back(p.ts_ns);
  EXPECT_EQ(got, want);
}

TEST_F(LogqlMetricTest, RangeQueriesWindowEachStepAndOffsetMovesTheWindow) {
  absl::StatusOr<std::vector<Series>> series =
      Run(R"(sum(count_over_time({app="web"}[1s])))", kT0 + kSecond, kT0 + 4 * kSecond, kSecond);
  ASSERT_TRUE(series.ok()) << series.status();
  ASSERT_EQ(series->size(), 1u);
  for (const Point& p : series->at(0).points) {
    double want = 0;
    for (const Line& l : kWeb) want += l.ts > p.ts_ns - kSecond && l.ts <= p.ts_ns;
    EXPECT_EQ(p.value, want) << p.ts_ns - kT0;
  }
  EXPECT_EQ(series->at(0).points.size(), 4u);
  // offset 7s at 10s: the window (-7s, 3s].
  std::map<std::string, double> want;
  for (const Line& l : kWeb) want[l.host] += l.ts <= kT0 + 3 * kSecond;
  EXPECT_EQ(ByLabel(R"(count_over_time({app="web"}[10s] offset 7s))", "host"), want);
}

}  // namespace
}  // namespace vigie::logql

namespace vigie::logql {
namespace {

// JSON lines that are each unique (a trace id), under a series limit far below their number:
// the queries that read only a grouping of the lines' labels (the grouping hint) extract only
// that grouping and stay under the limit, as in Loki; one that reads every label does not.
TEST_F(LogqlMetricTest, GroupingHintKeepsUniqueLinesUnderTheSeriesLimit) {
  store::AppendRequest request;
  store::StreamEntries api{*LabelSet::Make({{"app", "api"}}), {}};
  for (int i = 0; i < 50; ++i) {
    api.entries.push_back(
        {kT0 + i * 100'000'000LL,
         StrCat(R"({"trace":"t)", i, R"(","status":)", i % 2 ? 500 : 200, R"(,"ms":)", i, "}")});
  }
  request.streams.push_back(std::move(api));
  ASSERT_TRUE(store_->Append(request).ok());
  Limits limits;
  limits.max_series_per_query = 10;
  engine_ = std::make_unique<Engine>(store_.get(), limits, 2);

  // The window (t - 10s, t] leaves out the first line (status 200).
  EXPECT_EQ(ByLabel(R"(sum by (status) (count_over_time({app="api"} | json [10s])))", "status"),
            (std::map<std::string, double>{{"200", 24}, {"500", 25}}));
  // The window (t - 10s, t] leaves out the first line: ms 2, 4, ..., 48 and 1, 3, ..., 49.
  EXPECT_EQ(ByLabel(R"(avg_over_time({app="api"} | json | unwrap ms [10s]) by (status))", "status"),
            (std::map<std::string, double>{{"200", 25}, {"500", 25}}));
  absl::StatusOr<std::vector<Series>> all =
      Run(R"(max by (status) (count_over_time({app="api"} | json [10s])))", kT0 + 10 * kSecond);
  ASSERT_FALSE(all.ok());
  EXPECT_THAT(all.status().message(), HasSubstr("series"));
}

}  // namespace
}  // namespace vigie::logql
