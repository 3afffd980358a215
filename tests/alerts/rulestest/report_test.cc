// Failure messages as promtool 2.42 prints them (the expected texts are promtool's own output for
// the same cases).
#include "alerts/rulestest/report.h"

#include <cmath>

#include <gtest/gtest.h>

namespace vigie::alerts::rulestest {
namespace {

TEST(ReportTest, AlertMismatch) {
  AlertInstance expected{{{"alertname", "InstanceDown"}, {"instance", "b"}, {"job", "node"}},
                         {{"summary", "a of node down, value 0"}}};
  AlertInstance got = expected;
  got.labels["instance"] = "a";
  EXPECT_EQ(AlertMismatch("", "InstanceDown", 300'000, {expected}, {got}),
            "    alertname: InstanceDown, time: 5m, \n"
            "        exp:[\n"
            "            0:\n"
            "              Labels:{alertname=\"InstanceDown\", instance=\"b\", job=\"node\"}\n"
            "              Annotations:{summary=\"a of node down, value 0\"}\n"
            "            ], \n"
            "        got:[\n"
            "            0:\n"
            "              Labels:{alertname=\"InstanceDown\", instance=\"a\", job=\"node\"}\n"
            "              Annotations:{summary=\"a of node down, value 0\"}\n"
            "            ]");
  std::string two = AlertMismatch("g1", "A", 90'000, {}, {expected, got});
  EXPECT_EQ(two.substr(0, 63),
            "    name: g1,\n    alertname: A, time: 1m30s, \n        exp:[], \n");
  EXPECT_NE(two.find("0\"},\n            1:\n"), std::string::npos) << two;
}

TEST(ReportTest, SampleMismatchAndErrors) {
  LabelSet labels = *LabelSet::Parse(R"({__name__="job:up:sum", job="node"})");
  EXPECT_EQ(SampleMismatch("job:up:sum", 240'000, {{labels, 1}}, {{labels, 0}}),
            "    expr: \"job:up:sum\", time: 4m,\n"
            "        exp: {__name__=\"job:up:sum\", job=\"node\"} 1E+00\n"
            "        got: {__name__=\"job:up:sum\", job=\"node\"} 0E+00");
  EXPECT_EQ(SampleMismatch("a\"b", 0, {}, {{labels, 2.5}, {labels, 1e-7}}),
            "    expr: \"a\\\"b\", time: 0s,\n        exp: nil\n"
            "        got: {__name__=\"job:up:sum\", job=\"node\"} 2.5E+00, "
            "{__name__=\"job:up:sum\", job=\"node\"} 1E-07");
  EXPECT_EQ(ExprError("foo(", 60'000, "parse error"),
            "    expr: \"foo(\", time: 1m, err: parse error");
  EXPECT_EQ(RuleError("r", 60'000, "boom"), "    rule: r, time: 1m0s, err: boom");
  EXPECT_EQ(RuleError("r", 3'723'500, "boom"), "    rule: r, time: 1h2m3.5s, err: boom");
  EXPECT_EQ(RuleError("r", 0, "boom"), "    rule: r, time: 0s, err: boom");
}

TEST(ReportTest, FloatsAsGoWritesThem) {
  EXPECT_EQ(FormatFloatE(1), "1E+00");
  EXPECT_EQ(FormatFloatE(-1234.5), "-1.2345E+03");
  EXPECT_EQ(FormatFloatE(1e100), "1E+100");
  EXPECT_EQ(FormatFloatE(0.1), "1E-01");
  EXPECT_EQ(FormatFloatE(NAN), "NaN");
  EXPECT_EQ(FormatFloatE(-INFINITY), "-Inf");
  EXPECT_EQ(FormatFloatE(INFINITY), "+Inf");
  EXPECT_EQ(FormatLabelMap({{"a", "x\ty\n\x01"}}), "{a=\"x\\ty\\n\\x01\"}");
}

}  // namespace
}  // namespace vigie::alerts::rulestest
