// vigie grep against grep(1): the loghub samples are pushed through the CLI, then each LogQL
// query's output must equal, line for line, what grep -F / grep -E print over the same files.
#include <gtest/gtest.h>

#include "tests/integration/cli_util.h"

namespace vigie::testing {
namespace {

const char* kSamples[] = {"Apache",  "HDFS",      "Hadoop", "Linux",
                          "OpenSSH", "OpenStack", "Spark",  "Zookeeper"};

std::string SamplePath(const std::string& name) {
  return TestDataPath("loghub/" + name + "_2k.log");
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(c));
  return s;
}

class GrepCompareTest : public ::testing::Test {
 protected:
  // One server for the suite, started by the first test: a failure here fails that test (a
  // failing SetUpTestSuite would only mark the tests skipped).
  void SetUp() override {
    if (server_) return;
    dir_ = new TempDir();
    server_ = new Vigied(dir_->path() + "/data");
    server_->Start();
    for (const char* name : kSamples) {
      std::string err;
      ASSERT_EQ(Vigie(*server_, {"push", "--label", "service=" + Lower(name), SamplePath(name)},
                      nullptr, &err),
                0)
          << err;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  // The query's lines, oldest first (push order, which is file order).
  static std::string Grep(const std::string& query) {
    std::string out, err;
    EXPECT_EQ(
        Vigie(*server_, {"grep", query, "--forward", "--limit", "0", "--since", "1h"}, &out, &err),
        0)
        << err;
    return out;
  }

  static TempDir* dir_;
  static Vigied* server_;
};
TempDir* GrepCompareTest::dir_ = nullptr;
Vigied* GrepCompareTest::server_ = nullptr;

// Where two outputs first differ, in a few lines (the outputs themselves can be long).
std::string FirstDifference(const std::string& got, const std::string& want) {
  size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  size_t line_start = want.rfind('\n', at == 0 ? 0 : at - 1);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  auto count_lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
  return "got " + std::to_string(count_lines(got)) + " lines, grep printed " +
         std::to_string(count_lines(want)) + "; first difference after byte " + std::to_string(at) +
         ":\n  got:  " + got.substr(line_start, 160) + "\n  grep: " + want.substr(line_start, 160);
}

struct Case {
  const char* query;
  const char* shell;  // Over $D, the loghub directory; must print the expected lines in order.
};

// Byte-oriented grep (LC_ALL=C), as vigie matches bytes.
const Case kCases[] = {
    {R"({service="apache"} |= "error")", "grep -F 'error' $D/Apache_2k.log"},
    {R"({service="apache"} != "notice")", "grep -v -F 'notice' $D/Apache_2k.log"},
    {R"({service="apache"} |~ "mod_jk child workerEnv in error state [0-9]+")",
     "grep -E 'mod_jk child workerEnv in error state [0-9]+' $D/Apache_2k.log"},
    {R"({service="hdfs"} |= "PacketResponder" |= "terminating")",
     "grep -F PacketResponder $D/HDFS_2k.log | grep -F terminating"},
    {R"({service="hdfs"} |~ "blk_-?[0-9]{18,19}" != "INFO")",
     "grep -E 'blk_-?[0-9]{18,19}' $D/HDFS_2k.log | grep -v -F INFO"},
    {R"({service="hadoop"} |= "WARN")", "grep -F WARN $D/Hadoop_2k.log"},
    {R"({service="hadoop"} |~ "attempt_[0-9]+_[0-9]+_m_[0-9]+_0" |= "RUNNING")",
     "grep -E 'attempt_[0-9]+_[0-9]+_m_[0-9]+_0' $D/Hadoop_2k.log | grep -F RUNNING"},
    {R"({service="linux"} |= "authentication failure")",
     "grep -F 'authentication failure' $D/Linux_2k.log"},
    {R"({service="linux"} |~ "rhost=[0-9.]+" !~ "user=root")",
     "grep -E 'rhost=[0-9.]+' $D/Linux_2k.log | grep -v -E 'user=root'"},
    {R"({service="openssh"} |= "Failed password for invalid user")",
     "grep -F 'Failed password for invalid user' $D/OpenSSH_2k.log"},
    {R"({service="openssh"} |~ "port (22|2222) ssh2")",
     "grep -E 'port (22|2222) ssh2' $D/OpenSSH_2k.log"},
    {R"({service="openssh"} |~ "^Dec 10 0[6-7]:")", "grep -E '^Dec 10 0[6-7]:' $D/OpenSSH_2k.log"},
    {R"({service="openstack"} |= "GET" |~ "status: 404")",
     "grep -F GET $D/OpenStack_2k.log | grep -E 'status: 404'"},
    {R"({service="openstack"} |~ "time: 0\\.2[0-9]+")",
     "grep -E 'time: 0\\.2[0-9]+' $D/OpenStack_2k.log"},
    {R"({service="openstack"} |~ `[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}` != "INFO")",
     "grep -E '[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}' $D/OpenStack_2k.log | grep -v -F INFO"},
    {R"({service="spark"} |= "Executor")", "grep -F Executor $D/Spark_2k.log"},
    {R"q({service="spark"} |~ "[0-9]+\\.[0-9] (KB|MB)")q",
     "grep -E '[0-9]+\\.[0-9] (KB|MB)' $D/Spark_2k.log"},
    {R"({service="zookeeper"} |= "WARN" != "Interrupted")",
     "grep -F WARN $D/Zookeeper_2k.log | grep -v -F Interrupted"},
    {R"({service="zookeeper"} |~ "/10\\.10\\.34\\.1[0-9]:[0-9]+")",
     "grep -E '/10\\.10\\.34\\.1[0-9]:[0-9]+' $D/Zookeeper_2k.log"},
    {R"({service="zookeeper"} |~ "(?i)exception")", "grep -i -E 'exception' $D/Zookeeper_2k.log"},
    {R"({service=~"hdfs|hadoop"} |= "INFO" |~ "[0-9]{4}")",
     "cat $D/HDFS_2k.log $D/Hadoop_2k.log | grep -F INFO | grep -E '[0-9]{4}'"},
    {R"({service=~"linux|openssh", service!="linux"} |= "session opened")",
     "grep -F 'session opened' $D/OpenSSH_2k.log"},
    {R"({service=~".+", service!~"a.*|h.*|l.*|o.*|z.*"} |~ "stage [0-9]+\\.0")",
     "grep -E 'stage [0-9]+\\.0' $D/Spark_2k.log"},
    {R"({service="apache"} |~ "no-such-thing-[0-9]")",
     "grep -E 'no-such-thing-[0-9]' $D/Apache_2k.log"},
};

TEST_F(GrepCompareTest, MatchesGrepLineForLine) {
  std::string dir = TestDataPath("loghub");
  int nonempty = 0;
  for (const Case& c : kCases) {
    std::string expected = Shell("D='" + dir + "'; export LC_ALL=C; " + c.shell);
    std::string got = Grep(c.query);
    if (!expected.empty()) ++nonempty;
    EXPECT_TRUE(got == expected) << c.query << "\n" << FirstDifference(got, expected);
  }
  EXPECT_GE(nonempty, 20) << "most cases must select lines, or they prove little";
}

TEST_F(GrepCompareTest, CountMatchesGrepC) {
  std::string dir = TestDataPath("loghub");
  for (const Case& c : kCases) {
    std::string expected = Shell("D='" + dir + "'; export LC_ALL=C; (" + c.shell + ") | wc -l");
    std::string out, err;
    ASSERT_EQ(
        Vigie(*server_, {"grep", c.query, "--count", "--since", "1h", "-o", "jsonl"}, &out, &err),
        0)
        << c.query << "\n"
        << err;
    // One {"labels": ..., "count": N} line per stream with matches.
    uint64_t total = 0;
    for (size_t at = out.find("\"count\": "); at != std::string::npos;
         at = out.find("\"count\": ", at + 1)) {
      total += std::stoull(out.substr(at + 9));
    }
    EXPECT_EQ(total, std::stoull(expected)) << c.query << "\n" << out;
  }
}

TEST_F(GrepCompareTest, NewestFirstByDefaultAndLimit) {
  std::string out;
  ASSERT_EQ(Vigie(*server_, {"grep", R"({service="apache"})", "--limit", "3"}, &out), 0);
  std::string expected = Shell("awk 1 '" + SamplePath("Apache") + "' | tail -n 3 | tac");
  EXPECT_EQ(out, expected);
}

TEST_F(GrepCompareTest, JsonlOutputCarriesLabelsAndTime) {
  std::string out;
  ASSERT_EQ(
      Vigie(*server_,
            {"grep", R"({service="openssh"} |= "Accepted")", "--limit", "1", "-o", "jsonl"}, &out),
      0);
  EXPECT_NE(out.find(R"("service": "openssh")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("ts": "20)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("line": ")"), std::string::npos) << out;
}

TEST_F(GrepCompareTest, MetricQueryCountsLikeGrepC) {
  std::string out;
  ASSERT_EQ(Vigie(*server_,
                  {"grep", R"(sum by (service) (count_over_time({service=~".+"} |= "INFO" [1h])))",
                   "--since", "1m", "--step", "1m", "-o", "jsonl"},
                  &out),
            0);
  for (const char* name : {"HDFS", "Hadoop", "Spark"}) {
    std::string count = Shell("grep -c -F INFO '" + SamplePath(name) + "'");
    count.pop_back();
    std::string needle = R"("service": ")" + Lower(name) + R"("}, "value": )" + count + "}";
    EXPECT_NE(out.find(needle), std::string::npos) << needle << "\n" << out;
  }
}

TEST_F(GrepCompareTest, LabelsAndValues) {
  std::string out;
  ASSERT_EQ(Vigie(*server_, {"labels"}, &out), 0);
  EXPECT_EQ(out, "file\nservice\n");
  ASSERT_EQ(Vigie(*server_, {"labels", "service"}, &out), 0);
  EXPECT_EQ(out, "apache\nhadoop\nhdfs\nlinux\nopenssh\nopenstack\nspark\nzookeeper\n");
}

TEST_F(GrepCompareTest, BadQueryShowsCaret) {
  std::string err;
  EXPECT_EQ(Vigie(*server_, {"grep", R"({service="apache"} |~ )"}, nullptr, &err), 2);
  EXPECT_NE(err.find("^"), std::string::npos) << err;
  EXPECT_NE(err.find("col"), std::string::npos) << err;
}

}  // namespace
}  // namespace vigie::testing
