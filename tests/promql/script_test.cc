// The test-script reader: value expansions, label parsing, commands and their errors.
#include "tests/promql/script.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vigie::promql::script {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

// The expansion of `item` as text: numbers, "_" for a missing sample, "stale".
std::string Expand(std::string_view item) {
  std::vector<std::optional<double>> values;
  absl::Status s = ExpandItem(item, &values);
  if (!s.ok()) return std::string(s.message());
  std::string out;
  for (const std::optional<double>& v : values) {
    if (!out.empty()) out += " ";
    if (!v) {
      out += "_";
    } else if (IsStaleNaN(*v)) {
      out += "stale";
    } else {
      std::ostringstream os;
      os << *v;
      out += os.str();
    }
  }
  return out;
}

TEST(ExpandItemTest, EveryForm) {
  EXPECT_EQ(Expand("5"), "5");
  EXPECT_EQ(Expand("-2.5"), "-2.5");
  EXPECT_EQ(Expand("+3"), "3");
  EXPECT_EQ(Expand("1e3"), "1000");
  EXPECT_EQ(Expand("1e+3x1"), "1000 1000");
  EXPECT_EQ(Expand("Inf"), "inf");
  EXPECT_EQ(Expand("-Inf"), "-inf");
  EXPECT_EQ(Expand("NaN"), "nan");
  EXPECT_EQ(Expand("stale"), "stale");
  EXPECT_EQ(Expand("_"), "_");
  EXPECT_EQ(Expand("_x3"), "_ _ _");
  EXPECT_EQ(Expand("1x3"), "1 1 1 1");
  EXPECT_EQ(Expand("0+10x3"), "0 10 20 30");
  EXPECT_EQ(Expand("5-1x2"), "5 4 3");
  EXPECT_EQ(Expand("-1-1x2"), "-1 -2 -3");
  EXPECT_EQ(Expand("1+0.5x2"), "1 1.5 2");
  EXPECT_EQ(Expand("1x0"), "1");
  EXPECT_EQ(Expand("0x10"), "0 0 0 0 0 0 0 0 0 0 0");  // No hexadecimal in series.
  EXPECT_THAT(Expand("x"), HasSubstr("bad series value \"x\""));
  EXPECT_THAT(Expand("1+"), HasSubstr("expected a number"));
  EXPECT_THAT(Expand("1+2"), HasSubstr("expected x<count>"));
  EXPECT_THAT(Expand("1y3"), HasSubstr("expected x<count>"));
  EXPECT_THAT(Expand("_x"), HasSubstr("expected x<count>"));
  EXPECT_THAT(Expand("-stale"), HasSubstr("expected a number or stale"));
  EXPECT_THAT(Expand("1x99999999"), HasSubstr("too large"));
}

TEST(StaleNaNTest, IsADistinctNaN) {
  EXPECT_TRUE(std::isnan(StaleNaN()));
  EXPECT_TRUE(IsStaleNaN(StaleNaN()));
  EXPECT_FALSE(IsStaleNaN(std::nan("")));
}

TEST(ParseSeriesLabelsTest, NameBracesAndQuotes) {
  std::string_view rest;
  absl::StatusOr<LabelSet> labels = ParseSeriesLabels(R"(foo{a="1", b='2',c=`3`} 1 2)", &rest);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(labels->ToString(), R"({__name__="foo", a="1", b="2", c="3"})");
  EXPECT_EQ(rest, " 1 2");
  labels = ParseSeriesLabels("job:rate5m 7", &rest);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(labels->ToString(), R"({__name__="job:rate5m"})");
  EXPECT_EQ(rest, " 7");
  labels = ParseSeriesLabels(R"({a="x y}"} 1)", &rest);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(labels->ToString(), R"({a="x y}"})");
  EXPECT_EQ(rest, " 1");
  labels = ParseSeriesLabels("{} 1", &rest);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_TRUE(labels->empty());
  EXPECT_THAT(ParseSeriesLabels(R"(foo{a=1} 1)", &rest).status().message(),
              HasSubstr("expected label=\"value\" in series"));
  EXPECT_THAT(ParseSeriesLabels(R"(foo{a="1" 1)", &rest).status().message(),
              HasSubstr("expected label=\"value\""));
  EXPECT_THAT(ParseSeriesLabels("5 1", &rest).status().message(),
              HasSubstr("expected a metric name or {labels}"));
}

TEST(ParseScriptTest, Commands) {
  absl::StatusOr<std::vector<Command>> commands = ParseScript(R"(
# A comment.
load 5m
  foo{a="1"} 0+10x2
  bar 1 _ stale

eval instant at 10m foo + on (a) bar
  {a="1"} 21

eval_ordered instant at 1h sort(foo)
  foo{a="1"} 20
  foo{a="2"} 30

EVAL instant at 0 scalar(foo)
  0

eval instant foo

eval_fail instant at 5m foo{a="1"} + foo
  expected_fail_regexp many-to-many

clear
)");
  ASSERT_TRUE(commands.ok()) << commands.status();
  ASSERT_EQ(commands->size(), 7u);
  const Load& load = std::get<Load>((*commands)[0]);
  EXPECT_EQ(load.line, 3);
  EXPECT_EQ(load.step_ns, 300LL * 1'000'000'000);
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_EQ(load.series[0].labels.ToString(), R"({__name__="foo", a="1"})");
  EXPECT_THAT(load.series[0].values, ElementsAre(0, 10, 20));
  ASSERT_EQ(load.series[1].values.size(), 3u);
  EXPECT_FALSE(load.series[1].values[1].has_value());
  EXPECT_TRUE(IsStaleNaN(*load.series[1].values[2]));

  const Eval& eval = std::get<Eval>((*commands)[1]);
  EXPECT_EQ(eval.line, 7);
  EXPECT_EQ(eval.expr, "foo + on (a) bar");
  EXPECT_EQ(eval.time_ns, 600LL * 1'000'000'000);
  EXPECT_FALSE(eval.ordered);
  EXPECT_FALSE(eval.fail);
  ASSERT_EQ(eval.samples.size(), 1u);
  EXPECT_EQ(eval.samples[0].labels.ToString(), R"({a="1"})");
  EXPECT_EQ(eval.samples[0].value, 21);

  const Eval& ordered = std::get<Eval>((*commands)[2]);
  EXPECT_TRUE(ordered.ordered);
  EXPECT_EQ(ordered.samples.size(), 2u);
  EXPECT_EQ(ordered.time_ns, 3600LL * 1'000'000'000);

  const Eval& scalar = std::get<Eval>((*commands)[3]);
  EXPECT_EQ(scalar.time_ns, 0);
  EXPECT_EQ(scalar.scalar, 0.0);

  const Eval& empty = std::get<Eval>((*commands)[4]);
  EXPECT_EQ(empty.expr, "foo");
  EXPECT_EQ(empty.time_ns, 0);
  EXPECT_TRUE(empty.samples.empty());
  EXPECT_FALSE(empty.scalar.has_value());

  const Eval& fail = std::get<Eval>((*commands)[5]);
  EXPECT_TRUE(fail.fail);
  EXPECT_EQ(fail.fail_regexp, "many-to-many");
  EXPECT_TRUE(std::holds_alternative<Clear>((*commands)[6]));
}

TEST(ParseScriptTest, ErrorsNameTheLine) {
  struct Case {
    const char* script;
    const char* error;
  };
  const Case cases[] = {
      {"load", "line 1: not a valid duration string: \"\""},
      {"load 5x", "line 1: not a valid duration string"},
      {"load 5m\n  foo 1 x", "line 2: bad series value \"x\""},
      {"\n\neval instant at 5m", "line 3: expected an expression after the time"},
      {"eval range from 0 to 1m step 1m foo", "line 1: expected `instant` after eval"},
      {"eval instant at 5 foo", "line 1: not a valid duration string: \"5\""},
      {"eval instant at 5m foo\n  {} 1 2", "line 2: an expected sample has exactly one value"},
      {"eval instant at 5m foo\n  {} _", "line 2: an expected sample has exactly one value"},
      {"eval instant at 5m foo\n  1\n  2", "line 3: a scalar result is a single line"},
      {"eval_fail instant at 5m foo\n  {} 1", "line 2: eval_fail expects no result lines"},
      {"eval instant at 5m foo\n  expected_fail_message x", "line 2: expected_fail_message only"},
      {"clear now", "line 1: clear takes no arguments"},
      {"evaluate foo", "line 1: unknown command \"evaluate\""},
      {"eval instant at 0 foo\neval instant at 0 bar",
       "line 2: a command must follow a blank line"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<Command>> commands = ParseScript(c.script);
    EXPECT_THAT(commands.status().message(), HasSubstr(c.error)) << c.script;
  }
}

}  // namespace
}  // namespace vigie::promql::script
