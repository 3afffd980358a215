// `vigie rules test` beside Debian's `promtool test rules` (Prometheus 2.42) on the same test
// files (tests/data/rulestest): the same exit code, the same stdout, and on stderr the same
// failing cases with the same expected and actual alerts and samples. Error texts that come
// from the PromQL parser or the rule loader are worded differently; the comparison leaves out
// what follows "err: " and, for files that do not load, checks that both fail and that vigie
// names the file and line.
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

struct Outcome {
  int code = -1;
  std::string out, err;
};

Outcome Execute(std::vector<std::string> argv, const std::vector<std::string>& files) {
  Outcome run;
  argv.insert(argv.end(), files.begin(), files.end());
  run.code = RunCommand(argv, &run.out, "", &run.err);
  return run;
}

Outcome Promtool(const std::vector<std::string>& files) {
  return Execute({"/usr/bin/promtool", "test", "rules"}, files);
}
Outcome VigieRulesTest(const std::vector<std::string>& files) {
  return Execute({BinaryPath("cli/vigie"), "rules", "test"}, files);
}

// stderr without the error texts after "err: " (the parser's wording).
std::string Cases(const std::string& err) {
  return std::regex_replace(err, std::regex(", err: .*"), ", err: <error>");
}

std::string Data(const std::string& name) { return TestDataPath("rulestest/" + name); }

TEST(RulesTestCompareTest, PassingFilePassesInBoth) {
  Outcome promtool = Promtool({Data("pass_test.yml")});
  Outcome vigie = VigieRulesTest({Data("pass_test.yml")});
  EXPECT_EQ(promtool.code, 0) << promtool.err;
  EXPECT_EQ(vigie.code, 0) << vigie.err;
  EXPECT_EQ(vigie.out, promtool.out);
  EXPECT_EQ(vigie.err, promtool.err);
}

TEST(RulesTestCompareTest, FailingCasesAreTheSameWithTheSameDiffs) {
  Outcome promtool = Promtool({Data("fail_test.yml")});
  Outcome vigie = VigieRulesTest({Data("fail_test.yml")});
  EXPECT_EQ(promtool.code, 1);
  EXPECT_EQ(vigie.code, 1);
  EXPECT_EQ(vigie.out, promtool.out);
  EXPECT_NE(promtool.err.find("alertname: HighRequestRate, time: 6m"), std::string::npos)
      << "promtool no longer fails the keep_firing_for case:\n"
      << promtool.err;
  EXPECT_EQ(Cases(vigie.err), Cases(promtool.err));
}

TEST(RulesTestCompareTest, FilesThatDoNotLoadFailInBothWithFileAndLine) {
  for (auto [file, where] :
       {std::pair<std::string, std::string>{"bad_rules_test.yml", "bad_rules.yml:5: "},
        {"unknown_field_test.yml", "unknown_field_test.yml:5: "}}) {
    Outcome promtool = Promtool({Data(file)});
    Outcome vigie = VigieRulesTest({Data(file)});
    EXPECT_EQ(promtool.code, 1) << file;
    EXPECT_EQ(vigie.code, 1) << file;
    EXPECT_EQ(vigie.out, promtool.out) << file;
    EXPECT_NE(vigie.err.find("  FAILED:\n"), std::string::npos) << vigie.err;
    EXPECT_NE(vigie.err.find(where), std::string::npos) << vigie.err;
  }
}

TEST(RulesTestCompareTest, SeveralFilesAtOnce) {
  std::vector<std::string> files = {Data("pass_test.yml"), Data("fail_test.yml"),
                                    Data("pass_test.yml")};
  Outcome promtool = Promtool(files);
  Outcome vigie = VigieRulesTest(files);
  EXPECT_EQ(promtool.code, 1);
  EXPECT_EQ(vigie.code, 1);
  EXPECT_EQ(vigie.out, promtool.out);
  EXPECT_EQ(Cases(vigie.err), Cases(promtool.err));
}

}  // namespace
}  // namespace vigie::testing
