// The counting paths (line_counts.h: `vigie grep --count` and the metric queries that need only
// counts and bytes) against grep(1) on the loghub samples, and the time-ordered merge of log
// queries over streams whose blocks overlap in time, against the lines sorted here.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "common/time.h"
#include "query/logql/engine.h"
#include "query/logql/line_counts.h"
#include "query/logql/parser.h"
#include "tests/integration/cli_util.h"
#include "tests/integration/harness.h"

namespace vigie::logql {
namespace {

using vigie::testing::Shell;
using vigie::testing::TestDataPath;

constexpr int64_t kT0 = 1'700'000'000LL * kNanosPerSecond;
constexpr int64_t kMinute = 60 * kNanosPerSecond;
const char* const kSamples[] = {"Apache",  "HDFS",      "Hadoop", "Linux",
                                "OpenSSH", "OpenStack", "Spark",  "Zookeeper"};

std::string SamplePath(const std::string& name) {
  return TestDataPath("loghub/" + name + "_2k.log");
}

struct Stored {
  int64_t ts;
  std::string line;
};

class LineCountsTest : public ::testing::Test {
 protected:
  // Every sample is a stream {service="<name>"}, line i at kT0 + i ms + the sample's index in
  // ns: the streams overlap in time, and are appended in batches so that each has many blocks.
  static void SetUpTestSuite() {
    dir_ = new vigie::testing::TempDir;
    store::StoreOptions options;
    options.path = dir_->path() + "/db";
    options.target_block_bytes = 16 << 10;
    store_ = store::Store::Open(options)->release();
    all_ = new std::vector<Stored>;
    std::map<std::string, std::vector<std::string>> lines;
    for (const char* name : kSamples) {
      std::ifstream in(SamplePath(name), std::ios::binary);
      for (std::string line; std::getline(in, line);) lines[name].push_back(line);
    }
    for (size_t from = 0; from < 2000; from += 250) {
      store::AppendRequest request;
      for (size_t k = 0; k < std::size(kSamples); ++k) {
        store::StreamEntries s{*LabelSet::Make({{"service", absl::AsciiStrToLower(kSamples[k])}}),
                               {}};
        const std::vector<std::string>& sample = lines[kSamples[k]];
        for (size_t i = from; i < std::min(from + 250, sample.size()); ++i) {
          const int64_t ts = kT0 + static_cast<int64_t>(i) * 1'000'000 + static_cast<int64_t>(k);
          s.entries.push_back({ts, sample[i]});
          all_->push_back({ts, sample[i]});
        }
        request.streams.push_back(std::move(s));
      }
      ASSERT_TRUE(store_->Append(request).ok());
    }
  }
  static void TearDownTestSuite() {
    delete store_;
    delete all_;
    delete dir_;
  }

  // `vigie grep --count`'s answer for `query`: the count of each service.
  static std::map<std::string, uint64_t> Count(const std::string& query) {
    Engine engine(store_, Limits(), 2);
    absl::StatusOr<Query> parsed = Parse(query, Limits());
    EXPECT_TRUE(parsed.ok()) << query << ": " << parsed.status();
    if (!parsed.ok()) return {};
    QueryParams params{.start_ns = kT0 - kMinute, .end_ns = kT0 + 10 * kMinute, .all = true};
    EXPECT_TRUE(engine.CheckParams(*parsed, &params).ok());
    QueryStats stats;
    absl::StatusOr<std::vector<Series>> counts = engine.CountLogQuery(*parsed->log, params, &stats);
    EXPECT_TRUE(counts.ok()) << counts.status();
    std::map<std::string, uint64_t> out;
    for (const Series& s : counts.value_or(std::vector<Series>())) {
      EXPECT_EQ(s.points.size(), 1u);
      out[std::string(s.labels.Get("service"))] = static_cast<uint64_t>(s.points[0].value);
    }
    return out;
  }

  // The sum over the steps of a metric query whose [1m] windows tile the stored range, per
  // service.
  static std::map<std::string, double> SumOfSteps(const std::string& query) {
    Engine engine(store_, Limits(), 2);
    absl::StatusOr<Query> parsed = Parse(query, Limits());
    EXPECT_TRUE(parsed.ok()) << query << ": " << parsed.status();
    if (!parsed.ok()) return {};
    QueryParams params{.start_ns = kT0, .end_ns = kT0 + 10 * kMinute, .step_ns = kMinute};
    EXPECT_TRUE(engine.CheckParams(*parsed, &params).ok());
    QueryStats stats;
    absl::StatusOr<std::vector<Series>> series =
        engine.RunMetricQuery(*parsed->metric, params, &stats);
    EXPECT_TRUE(series.ok()) << series.status();
    std::map<std::string, double> out;
    for (const Series& s : series.value_or(std::vector<Series>())) {
      for (const Point& p : s.points) out[std::string(s.labels.Get("service"))] += p.value;
    }
    return out;
  }

  // grep's count of each sample (absent when 0), LC_ALL=C as vigie matches bytes.
  static std::map<std::string, uint64_t> GrepCounts(const std::string& grep_args) {
    std::map<std::string, uint64_t> out;
    for (const char* name : kSamples) {
      std::string n =
          Shell("LC_ALL=C grep -c " + grep_args + " '" + SamplePath(name) + "' || true");
      if (uint64_t count = std::stoull(n)) out[absl::AsciiStrToLower(name)] = count;
    }
    return out;
  }

  static vigie::testing::TempDir* dir_;
  static store::Store* store_;
  static std::vector<Stored>* all_;
};

vigie::testing::TempDir* LineCountsTest::dir_ = nullptr;
store::Store* LineCountsTest::store_ = nullptr;
std::vector<Stored>* LineCountsTest::all_ = nullptr;

struct CountCase {
  const char* filter;
  const char* grep_args;
};
const CountCase kCountCases[] = {
    {R"(|= "INFO")", "-F INFO"},
    {R"(|= "error")", "-F error"},
    {R"(|~ "(?i)error")", "-i -F error"},
    {R"(!= "INFO")", "-v -F INFO"},
    {R"(|~ `[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+`)", R"(-E '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+')"},
    {R"(|= "session opened" |~ "user [a-z]+")", "-E 'session opened.*user [a-z]+'"},
    {"", "''"},
};

TEST_F(LineCountsTest, CountsEqualGrepC) {
  int nonempty = 0;
  for (const CountCase& c : kCountCases) {
    std::map<std::string, uint64_t> expected = GrepCounts(c.grep_args);
    if (!expected.empty()) ++nonempty;
    EXPECT_EQ(Count(StrCat(R"({service=~".+"} )", c.filter)), expected) << c.filter;
  }
  EXPECT_GE(nonempty, 6);
}

TEST_F(LineCountsTest, MetricCountsEqualGrepC) {
  for (const CountCase& c : kCountCases) {
    std::map<std::string, double> expected;
    for (const auto& [service, n] : GrepCounts(c.grep_args)) expected[service] = n;
    EXPECT_EQ(SumOfSteps(StrCat(R"(sum by (service) (count_over_time({service=~".+"} )", c.filter,
                                " [1m]))")),
              expected)
        << c.filter;
    // rate over [1m] is the count over 60 s.
    std::map<std::string, double> rates =
        SumOfSteps(StrCat(R"(sum by (service) (rate({service=~".+"} )", c.filter, " [1m]))"));
    for (auto& [service, v] : rates) v = std::round(v * 60);
    EXPECT_EQ(rates, expected) << c.filter;
  }
}

TEST_F(LineCountsTest, BytesEqualGrepBytes) {
  // bytes_over_time sums the lines without their newlines: grep's bytes less its line count.
  std::map<std::string, double> expected;
  for (const char* name : kSamples) {
    const std::string path = "'" + SamplePath(name) + "'";
    const double bytes = std::stod(Shell("LC_ALL=C grep -F INFO " + path + " | wc -c"));
    const double lines = std::stod(Shell("LC_ALL=C grep -c -F INFO " + path + " || true"));
    if (lines > 0) expected[absl::AsciiStrToLower(name)] = bytes - lines;
  }
  EXPECT_EQ(SumOfSteps(R"q(sum by (service) (bytes_over_time({service=~".+"} |= "INFO" [1m])))q"),
            expected);
}

TEST_F(LineCountsTest, CountWithAPipelineCountsEachLabelSet) {
  // Each line's own labels after | regexp: the count of each level of each service.
  Engine engine(store_, Limits(), 2);
  absl::StatusOr<Query> parsed =
      Parse(R"q({service="hadoop"} | regexp "(?P<level>INFO|WARN|ERROR)")q", Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  QueryParams params{.start_ns = kT0 - kMinute, .end_ns = kT0 + 10 * kMinute, .all = true};
  ASSERT_TRUE(engine.CheckParams(*parsed, &params).ok());
  QueryStats stats;
  absl::StatusOr<std::vector<Series>> counts = engine.CountLogQuery(*parsed->log, params, &stats);
  ASSERT_TRUE(counts.ok()) << counts.status();
  std::map<std::string, uint64_t> by_level;
  for (const Series& s : *counts) by_level[std::string(s.labels.Get("level"))] = s.points[0].value;
  const std::string path = "'" + SamplePath("Hadoop") + "'";
  // The leftmost of the three in each line is the level regexp takes.
  for (const char* level : {"INFO", "WARN", "ERROR"}) {
    const uint64_t n = std::stoull(Shell(
        StrCat("LC_ALL=C awk 'match($0, /INFO|WARN|ERROR/) { print substr($0, RSTART, RLENGTH) }' ",
               path, " | grep -c -x ", level, " || true")));
    EXPECT_GT(n, 0u) << level;
    EXPECT_EQ(by_level[level], n) << level;
  }
}

TEST_F(LineCountsTest, LogQueriesMergeOverlappingStreamsInTimeOrder) {
  std::vector<Stored> expected = *all_;
  std::sort(expected.begin(), expected.end(),
            [](const Stored& a, const Stored& b) { return a.ts < b.ts; });
  Engine engine(store_, Limits(), 2);
  absl::StatusOr<Query> parsed = Parse(R"({service=~".+"})", Limits());
  ASSERT_TRUE(parsed.ok());
  for (bool forward : {true, false}) {
    for (uint32_t limit : {0u, 100u}) {
      QueryParams params{.start_ns = kT0 - kMinute,
                         .end_ns = kT0 + 10 * kMinute,
                         .limit = limit,
                         .all = limit == 0,
                         .forward = forward};
      ASSERT_TRUE(engine.CheckParams(*parsed, &params).ok());
      std::vector<Stored> got;
      QueryStats stats;
      ASSERT_TRUE(engine
                      .RunLogQuery(
                          *parsed->log, params,
                          [&](const LabelSet&, int64_t ts, std::string_view line) {
                            got.push_back({ts, std::string(line)});
                            return true;
                          },
                          &stats)
                      .ok());
      std::vector<Stored> want = expected;
      if (!forward) std::reverse(want.begin(), want.end());
      if (limit) want.resize(limit);
      ASSERT_EQ(got.size(), want.size()) << forward << " " << limit;
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(got[i].ts, want[i].ts) << i << " forward=" << forward;
        ASSERT_EQ(got[i].line, want[i].line) << i;
      }
      EXPECT_GT(stats.blocks, 8u) << "each stream must have several blocks";
    }
  }
}

TEST(TimeBucketsTest, EachTimeFallsInTheBucketItsBoundsClose) {
  TimeBuckets buckets({0, 10, 20, 30});
  EXPECT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets.Of(1), 0u);
  EXPECT_EQ(buckets.Of(10), 0u);  // (0, 10]
  EXPECT_EQ(buckets.Of(11), 1u);
  EXPECT_EQ(buckets.Of(30), 2u);
  EXPECT_EQ(buckets.Of(-5), 0u);  // Clamped.
  EXPECT_EQ(buckets.Of(99), 2u);
}

}  // namespace
}  // namespace vigie::logql
