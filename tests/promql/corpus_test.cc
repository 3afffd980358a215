// Checks the evaluator's test corpus (tests/promql/testdata/*.test) before any evaluator runs it:
// every file reads as a script, every expression of an eval parses with the PromQL parser (an
// eval_fail whose expression does not parse must name the parse error it expects), and the
// corpus holds at least 300 cases. It catches typos in the corpus.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "query/promql/parser.h"
#include "re2/re2.h"
#include "tests/promql/script.h"

namespace vigie::promql::script {
namespace {

std::vector<std::filesystem::path> CorpusFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(VIGIE_PROMQL_TESTDATA)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(CorpusTest, EveryFileAndExpressionParses) {
  std::vector<std::filesystem::path> files = CorpusFiles();
  ASSERT_FALSE(files.empty()) << "no .test files in " << VIGIE_PROMQL_TESTDATA;
  size_t total = 0;
  for (const std::filesystem::path& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<std::vector<Command>> commands = ParseScript(text.str());
    ASSERT_TRUE(commands.ok()) << file.filename() << ": " << commands.status();
    size_t evals = 0;
    for (const Command& command : *commands) {
      const Eval* eval = std::get_if<Eval>(&command);
      if (!eval) continue;
      ++evals;
      const std::string where = file.filename().string() + ":" + std::to_string(eval->line);
      absl::StatusOr<ExprPtr> expr = Parse(eval->expr, Limits());
      if (expr.ok()) continue;
      const std::string error(expr.status().message());
      EXPECT_TRUE(eval->fail) << where << ": " << error;
      EXPECT_FALSE(eval->fail_message.empty() && eval->fail_regexp.empty())
          << where
          << ": an eval_fail that fails to parse must say which error it expects; got: " << error;
      if (!eval->fail_message.empty()) EXPECT_EQ(error, eval->fail_message) << where;
      if (!eval->fail_regexp.empty()) {
        EXPECT_TRUE(RE2::PartialMatch(error, eval->fail_regexp)) << where << ": " << error;
      }
    }
    std::cout << file.filename().string() << ": " << evals << " cases\n";
    total += evals;
  }
  std::cout << "total: " << total << " cases\n";
  EXPECT_GE(total, 300u);
}

}  // namespace
}  // namespace vigie::promql::script
