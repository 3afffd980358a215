// Runs every script of tests/promql/testdata (Prometheus's test-script format, README.md there)
// against the evaluator, reading the loaded series through SelectorSource. Each instant eval
// is also run as a range query around its time (as Prometheus's own test runner does), whose
// middle step must give the same result.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/limits.h"
#include "query/promql/engine.h"
#include "query/promql/parser.h"
#include "query/promql/selector_source.h"
#include "re2/re2.h"
#include "tests/promql/memory_querier.h"
#include "tests/promql/script.h"

namespace vigie::promql {
namespace {

using script::Eval;

bool SameValue(double want, double got) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  if (want == got) return true;
  return std::fabs(want - got) <= 1e-9 * std::max(std::fabs(want), std::fabs(got));
}

std::string Describe(const std::vector<std::pair<LabelSet, double>>& v) {
  std::ostringstream os;
  for (const auto& [labels, value] : v) os << "\n    " << labels.ToString() << " " << value;
  return os.str();
}

// Compares a result with the expectation; "" when they match, else what differs.
std::string Compare(const Eval& eval, const Value& got) {
  if (eval.scalar) {
    if (got.type != ValueType::kScalar) return "expected a scalar";
    if (!SameValue(*eval.scalar, got.scalar)) {
      return "expected scalar " + std::to_string(*eval.scalar) + ", got " +
             std::to_string(got.scalar);
    }
    return "";
  }
  if (got.type == ValueType::kScalar) return "expected a vector, got a scalar";
  std::vector<std::pair<LabelSet, double>> want, have;
  for (const auto& s : eval.samples) want.push_back({s.labels, s.value});
  for (const auto& s : got.vector) have.push_back({s.labels, s.value});
  if (!eval.ordered) {
    auto by_labels = [](const auto& a, const auto& b) { return a.first < b.first; };
    std::sort(want.begin(), want.end(), by_labels);
    std::sort(have.begin(), have.end(), by_labels);
  }
  bool same = want.size() == have.size();
  for (size_t i = 0; same && i < want.size(); ++i) {
    same = want[i].first == have[i].first && SameValue(want[i].second, have[i].second);
  }
  if (same) return "";
  return "expected:" + Describe(want) + "\n  got:" + Describe(have);
}

// The instant result of an eval computed by a range query from t - 1m to t + 1m.
absl::StatusOr<Value> ViaRange(const Expr& expr, int64_t t, LeafSource* source,
                               const EvalOptions& options) {
  StepRange range{t - 60'000, t + 60'000, 60'000};
  absl::StatusOr<Matrix> m = EvaluateRange(expr, range, source, options);
  if (!m.ok()) return m.status();
  Value out;
  out.type = expr.type() == ValueType::kScalar ? ValueType::kScalar : ValueType::kVector;
  for (const Series& s : *m) {
    for (const store::Sample& p : s.points) {
      if (p.ts_ms != t) continue;
      out.scalar = p.value;
      out.vector.push_back({s.labels, t, p.value});
    }
  }
  return out;
}

class ScriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScriptTest, EveryEvalPasses) {
  std::ifstream file(std::string(VIGIE_PROMQL_TESTDATA) + "/" + GetParam());
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<std::vector<script::Command>> commands = script::ParseScript(text.str());
  ASSERT_TRUE(commands.ok()) << commands.status();

  testing::MemoryQuerier querier;
  EvalOptions options;
  Limits parse_limits;
  int evals = 0;
  for (const script::Command& command : *commands) {
    if (std::holds_alternative<script::Clear>(command)) {
      querier.Clear();
      continue;
    }
    if (const auto* load = std::get_if<script::Load>(&command)) {
      for (const script::LoadSeries& s : load->series) {
        std::vector<store::Sample> samples;
        for (size_t i = 0; i < s.values.size(); ++i) {
          if (!s.values[i]) continue;
          samples.push_back({static_cast<int64_t>(i) * (load->step_ns / 1'000'000), *s.values[i]});
        }
        querier.Add(s.labels, samples);
      }
      continue;
    }
    const Eval& eval = std::get<Eval>(command);
    ++evals;
    SCOPED_TRACE(GetParam() + ":" + std::to_string(eval.line) + ": " + eval.expr);
    const int64_t t = eval.time_ns / 1'000'000;
    absl::StatusOr<ExprPtr> expr = Parse(eval.expr, parse_limits);
    absl::StatusOr<Value> got = absl::UnknownError("not evaluated");
    if (expr.ok()) {
      SelectorSource source(&querier, options.limits);
      got = EvaluateInstant(**expr, t, &source, options);
    } else {
      got = expr.status();
    }
    if (eval.fail) {
      if (got.ok()) {
        ADD_FAILURE() << "expected an error";
        continue;
      }
      std::string message(got.status().message());
      if (!eval.fail_message.empty()) {
        EXPECT_EQ(message, eval.fail_message);
      }
      if (!eval.fail_regexp.empty()) {
        EXPECT_TRUE(RE2::PartialMatch(message, eval.fail_regexp)) << message;
      }
      continue;
    }
    if (!got.ok()) {
      ADD_FAILURE() << got.status();
      continue;
    }
    std::string diff = Compare(eval, *got);
    EXPECT_EQ(diff, "");
    // In range mode too, except where the order or @ start()/end() make the two differ.
    std::string printed = ToString(**expr);
    if (eval.ordered || printed.find("start()") != std::string::npos ||
        printed.find("end()") != std::string::npos || got->type == ValueType::kMatrix) {
      continue;
    }
    SelectorSource source(&querier, options.limits);
    absl::StatusOr<Value> ranged = ViaRange(**expr, t, &source, options);
    if (!ranged.ok()) {
      ADD_FAILURE() << "range mode: " << ranged.status();
      continue;
    }
    EXPECT_EQ(Compare(eval, *ranged), "") << "range mode";
  }
  EXPECT_GT(evals, 0);
}

std::vector<std::string> Scripts() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(VIGIE_PROMQL_TESTDATA)) {
    if (entry.path().extension() == ".test") out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Testdata, ScriptTest, ::testing::ValuesIn(Scripts()),
                         [](const auto& info) {
                           std::string name = info.param.substr(0, info.param.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace vigie::promql
