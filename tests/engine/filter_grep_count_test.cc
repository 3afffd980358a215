// The n-gram block filter and the case-insensitive literal search against grep: the loghub
// samples stored in small blocks (so that the filter decides per block), then each query's count
// must equal grep -c, grep -ci or grep -cE over the same files, and the blocks the filter rules
// out must be the ones a user expects it to skip.
#include <gtest/gtest.h>

#include <fstream>

#include "common/time.h"
#include "query/logql/engine.h"
#include "query/logql/parser.h"
#include "tests/integration/harness.h"

namespace vigie::logql {
namespace {

constexpr int64_t kT0 = 1'700'000'000LL * kNanosPerSecond;
const char* const kSamples[] = {"Apache",  "HDFS",      "Hadoop", "Linux",
                                "OpenSSH", "OpenStack", "Spark",  "Zookeeper"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(c));
  return s;
}

class FilterGrepCountTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    store::StoreOptions options;
    options.path = dir_->path() + "/db";
    options.target_block_bytes = 16 << 10;  // 10 to 40 blocks a sample.
    store_ = store::Store::Open(options)->release();
    for (const char* sample : kSamples) {
      std::ifstream in(testing::TestDataPath(std::string("loghub/") + sample + "_2k.log"));
      store::AppendRequest request;
      request.streams.push_back({*LabelSet::Make({{"service", Lower(sample)}}), {}});
      std::string line;
      for (int64_t i = 0; std::getline(in, line); ++i)
        request.streams[0].entries.push_back({kT0 + i, line});
      ASSERT_TRUE(store_->Append(request).ok());
    }
  }
  static void TearDownTestSuite() {
    delete store_;
    delete dir_;
  }

  // The number of lines the log query selects, and its stats.
  static uint64_t Count(const std::string& text, QueryStats* stats) {
    Engine engine(store_, Limits(), 2);
    absl::StatusOr<Query> query = Parse(text, Limits());
    EXPECT_TRUE(query.ok()) << text << ": " << query.status();
    if (!query.ok()) return 0;
    QueryParams params{
        .start_ns = kT0, .end_ns = kT0 + kNanosPerSecond, .limit = 100000, .forward = true};
    uint64_t n = 0;
    absl::Status s = engine.RunLogQuery(
        *query->log, params, [&](const LabelSet&, int64_t, std::string_view) { return ++n > 0; },
        stats);
    EXPECT_TRUE(s.ok()) << text << ": " << s;
    return n;
  }

  // grep's count over the samples named by the shell glob `files`, each ended by a newline as the
  // store reads it (LC_ALL=C: bytes and ASCII case, as vigie's (?i) on the ASCII-only lines).
  static uint64_t GrepCount(const std::string& options, const std::string& pattern,
                            const std::string& files = "*") {
    std::string out;
    const std::string dir = testing::TestDataPath("loghub");
    EXPECT_LE(
        testing::RunCommand({"/bin/sh", "-c",
                             "cd '" + dir + "' && awk 1 " + files + "_2k.log | LC_ALL=C grep " +
                                 options + " -- '" + pattern + "'"},
                            &out),
        1);
    return std::stoull(out);
  }

  static testing::TempDir* dir_;
  static store::Store* store_;
};
testing::TempDir* FilterGrepCountTest::dir_ = nullptr;
store::Store* FilterGrepCountTest::store_ = nullptr;

struct Case {
  const char* query;
  const char* grep_options;
  const char* grep_pattern;
  const char* files;
};

TEST_F(FilterGrepCountTest, CountsEqualGrep) {
  const Case cases[] = {
      {R"({service=~".+"} |= "INFO")", "-c -F", "INFO", "*"},
      {R"({service=~".+"} |= "error")", "-c -F", "error", "*"},
      {R"({service=~".+"} |= "173.234.31.186")", "-c -F", "173.234.31.186", "*"},
      {R"({service=~".+"} |= "10.10.34.11")", "-c -F", "10.10.34.11", "*"},
      {R"({service=~".+"} |= "blk_-1608999687919862906")", "-c -F", "blk_-1608999687919862906",
       "*"},
      {R"({service=~".+"} |~ "(?i)error")", "-c -i -F", "error", "*"},
      {R"({service=~".+"} |~ "(?i)ERROR")", "-c -i -F", "error", "*"},
      {R"({service=~".+"} |~ "(?i)exception")", "-c -i -F", "exception", "*"},
      {R"({service=~".+"} |~ "(?i)disk")", "-c -i -F", "disk", "*"},
      {R"({service=~".+"} |~ "(?i)session opened")", "-c -i -F", "session opened", "*"},
      {R"q({service=~".+"} |~ "(?i)failed password for (invalid user|root)")q", "-c -i -E",
       "failed password for (invalid user|root)", "*"},
      {R"({service=~".+"} |~ "(?i:warn)ing")", "-c -E", "[Ww][Aa][Rr][Nn]ing", "*"},
      {R"({service=~".+"} |~ "Receiving block (?i)BLK_")", "-c -E", "Receiving block [Bb][Ll][Kk]_",
       "*"},
      {R"({service=~".+"} |~ "(?i)info" != "INFO")", "-c -E", "[Ii][Nn][Ff][Oo]", "*"},
      {R"({service=~".+"} |~ "[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+")", "-c -E",
       "[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+", "*"},
      {R"({service=~".+"} |~ "(?i)packetresponder [0-9]+ for block")", "-c -i -E",
       "packetresponder [0-9]+ for block", "*"},
      // Without a selective literal: Hyperscan alone where it is exact, then where re2
      // confirms (a negated class).
      {R"({service=~".+"} |~ "[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}")", "-c -E",
       "[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}", "*"},
      {R"({service=~".+"} |~ "[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+:[0-9]+")", "-c -E",
       "[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+:[0-9]+", "*"},
      {R"q({service=~".+"} |~ "(WARN|FATAL|ERROR)")q", "-c -E", "(WARN|FATAL|ERROR)", "*"},
      {R"({service=~".+"} |~ "[a-z]+_[0-9]+")", "-c -E", "[a-z]+_[0-9]+", "*"},
      {R"({service=~".+"} |~ "[^ ]+@[^ ]+")", "-c -E", "[^ ]+@[^ ]+", "*"},
  };
  for (const Case& c : cases) {
    QueryStats stats;
    uint64_t want = GrepCount(c.grep_options, c.grep_pattern, c.files);
    if (std::string_view(c.query).find("!= \"INFO\"") != std::string_view::npos) {
      want -= GrepCount("-c -F", "INFO", c.files);  // grep has no "and not" in one pattern.
    }
    EXPECT_EQ(Count(c.query, &stats), want) << c.query;
  }
}

// What the filter is for: a literal absent from a stream skips its blocks, exact or folded.
TEST_F(FilterGrepCountTest, SkipsTheBlocksWithoutTheLiteral) {
  QueryStats all;
  Count(R"({service="linux"})", &all);
  ASSERT_GT(all.blocks, 10u);
  // Linux's log has no INFO (nor info): none of its blocks is read.
  QueryStats info;
  EXPECT_EQ(Count(R"({service="linux"} |= "INFO")", &info), 0u);
  EXPECT_EQ(info.blocks_skipped, all.blocks);
  QueryStats folded;
  EXPECT_EQ(Count(R"({service="linux"} |~ "(?i)packetresponder")", &folded), 0u);
  EXPECT_EQ(folded.blocks_skipped, all.blocks);
  // One address among OpenSSH's many: only the blocks that hold it are read.
  QueryStats ssh, ip;
  Count(R"({service="openssh"})", &ssh);
  EXPECT_EQ(Count(R"({service="openssh"} |= "173.234.31.186")", &ip),
            GrepCount("-c -F", "173.234.31.186", "OpenSSH"));
  EXPECT_LE(ip.blocks, ssh.blocks / 4) << ip.blocks << " of " << ssh.blocks << " read";
  EXPECT_EQ(ip.blocks + ip.blocks_skipped, ssh.blocks);
}

}  // namespace
}  // namespace vigie::logql
