// | line_format, | label_format, | decolorize, | pattern and the new line filters, parsed from
// queries and run on lines: what a user sees of each line (its text and labels).
#include <optional>
#include <string>

#include "common/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/logql/parser.h"
#include "query/logql/pipeline.h"
#include "tests/query/pipeline_runner.h"

namespace vigie::logql {
namespace {

using testing::HasSubstr;

constexpr int64_t kTs = 1700000000123456789;  // 2023-11-14T22:13:20.123456789Z

// "<line> <labels>" after the query's filters and pipeline, or nullopt when the line is dropped.
std::optional<std::string> RunQuery(std::string_view query, std::string_view line,
                                    std::string_view stream = "{app=\"api\"}") {
  std::optional<PipelineResult> result = RunLogPipeline(query, line, stream, kTs);
  if (!result) return std::nullopt;
  return StrCat(result->line, " ", result->labels);
}

std::string ParseError(std::string_view query) {
  absl::StatusOr<Query> parsed = Parse(query, Limits());
  EXPECT_FALSE(parsed.ok()) << query;
  return parsed.ok() ? "" : std::string(parsed.status().message());
}

TEST(LineFormatStage, RendersExtractedLabels) {
  EXPECT_EQ(RunQuery(R"({a="b"} | json | line_format "{{.method}} {{.uri | ToUpper}}")",
                     R"({"method":"GET","uri":"/a"})"),
            R"(GET /A {app="api", method="GET", uri="/a"})");
  EXPECT_EQ(RunQuery(R"({a="b"} | logfmt | line_format "{{.msg}}")", R"(level=info msg=hello)"),
            R"(hello {app="api", level="info", msg="hello"})");
  EXPECT_EQ(
      RunQuery(
          R"({a="b"} | line_format "{{ __line__ | trunc 3 }}@{{ __timestamp__ | unixEpoch }}")",
          "abcdef"),
      R"(abc@1700000000 {app="api"})");
  // A missing label renders as "" (Loki's missingkey=zero over a map of strings).
  EXPECT_EQ(RunQuery(R"({a="b"} | line_format "[{{.nope}}]")", "x"), R"([] {app="api"})");
}

TEST(LineFormatStage, LaterFiltersSeeTheNewLine) {
  EXPECT_EQ(RunQuery(R"({a="b"} | logfmt | line_format "{{.level}}" |= "error")", "level=info"),
            std::nullopt);
  EXPECT_EQ(
      RunQuery(R"({a="b"} | logfmt | line_format "{{.level}}" |= "error")", "level=error x=1"),
      R"(error {app="api", level="error", x="1"})");
  // A filter written before the formatting still runs on the stored line.
  EXPECT_EQ(RunQuery(R"({a="b"} |= "x=1" | logfmt | line_format "{{.level}}")", "level=warn x=1"),
            R"(warn {app="api", level="warn", x="1"})");
}

TEST(LineFormatStage, RenderErrorKeepsTheLineWithTemplateFormatErr) {
  std::optional<std::string> out =
      RunQuery(R"({a="b"} | logfmt | line_format "{{ div 1 (int .n) }}")", "n=0");
  ASSERT_TRUE(out);
  EXPECT_THAT(*out, HasSubstr(R"(n=0 {__error__="TemplateFormatErr", __error_details__=)"));
  EXPECT_THAT(*out, HasSubstr("integer divide by zero"));
  EXPECT_EQ(
      RunQuery(R"({a="b"} | logfmt | line_format "{{ div 1 (int .n) }}" | __error__="")", "n=0"),
      std::nullopt);
}

TEST(LabelFormatStage, TemplatesAndRenames) {
  EXPECT_EQ(RunQuery(R"({a="b"} | logfmt | label_format level="{{ .lvl | ToUpper }}", dur=took)",
                     "lvl=warn took=5ms"),
            R"(lvl=warn took=5ms {app="api", dur="5ms", level="WARN", lvl="warn"})");
  // A rename of an absent label does nothing.
  EXPECT_EQ(RunQuery(R"({a="b"} | label_format x=nope)", "l"), R"(l {app="api"})");
  // Templates see the labels as they were before the stage's first template.
  EXPECT_EQ(RunQuery(R"({a="b"} | label_format a="1", b="{{.a}}-{{.app}}")", "l"),
            R"(l {a="1", app="api", b="-api"})");
  // A stream label can be overwritten.
  EXPECT_EQ(RunQuery(R"({a="b"} | label_format app="{{.app}}2")", "l"), R"(l {app="api2"})");
}

TEST(LabelFormatStage, Errors) {
  EXPECT_THAT(ParseError(R"({a="b"} | label_format a="x", a="y")"),
              HasSubstr("multiple label name 'a' not allowed in a single format operation"));
  EXPECT_THAT(ParseError(R"({a="b"} | label_format __error__="x")"),
              HasSubstr("__error__ cannot be formatted"));
  EXPECT_THAT(ParseError(R"({a="b"} | label_format a="{{ nosuch }}")"),
              HasSubstr("parse error at line 1, col 26: invalid template for label 'a': template: "
                        "line 1, col 4: function \"nosuch\" not defined"));
  EXPECT_THAT(ParseError(R"({a="b"} | label_format a)"), HasSubstr("expected '=' after 'a'"));
  EXPECT_THAT(ParseError(R"({a="b"} | line_format "{{ if .a }}")"),
              HasSubstr("col 23: template: line 1, col 1: {{if}} without {{end}}"));
  EXPECT_THAT(ParseError(R"({a="b"} | line_format)"), HasSubstr("expected a template after"));
}

TEST(PatternStage, ExtractsNamedCaptures) {
  constexpr std::string_view kNginx =
      R"(10.1.2.3 - - [06/Dec/2026:17:00:00 +0000] "GET /a HTTP/1.1" 404 153 "-" "curl")";
  EXPECT_EQ(RunQuery(R"({a="b"} | pattern `<ip> - - <_> "<method> <uri> <_>" <status> <size> <_>`)",
                     kNginx),
            StrCat(kNginx, R"( {app="api", ip="10.1.2.3", method="GET", size="153", )"
                           R"(status="404", uri="/a"})"));
  EXPECT_EQ(RunQuery(R"({a="b"} | pattern "<app> <_>" | status="")", "front rest"),
            R"(front rest {app="api", app_extracted="front"})");
  // A line that does not match keeps its labels, without an error.
  EXPECT_EQ(RunQuery(R"({a="b"} | pattern "GET <uri>")", "POST /x"), R"(POST /x {app="api"})");
  EXPECT_THAT(ParseError(R"({a="b"} | pattern "<a><b>")"), HasSubstr("col 19: pattern: capture"));
  EXPECT_THAT(ParseError(R"({a="b"} | pattern "<_>")"), HasSubstr("at least one named capture"));
}

TEST(DecolorizeStage, StripsColoursForLaterStages) {
  EXPECT_EQ(RunQuery(R"({a="b"} | decolorize | logfmt)", "\x1b[32mlevel=info\x1b[0m x=1"),
            R"(level=info x=1 {app="api", level="info", x="1"})");
  // After decolorize, a filter runs on the stripped line.
  EXPECT_EQ(RunQuery(R"({a="b"} | decolorize |= "info x")", "\x1b[32minfo\x1b[0m x"),
            R"(info x {app="api"})");
}

TEST(LineFiltersInPipeline, OrIpAndPatternAfterStages) {
  EXPECT_EQ(RunQuery(R"({a="b"} | line_format "{{__line__}}!" |= "a!" or "b!")", "b"),
            R"(b! {app="api"})");
  EXPECT_EQ(
      RunQuery(R"({a="b"} | logfmt | line_format "{{.ip}}" != ip("10.0.0.0/8"))", "ip=10.1.1.1"),
      std::nullopt);
  EXPECT_EQ(RunQuery(R"({a="b"} | logfmt | line_format "{{.ip}} x" |> "<_> x")", "ip=1.2.3.4"),
            R"(1.2.3.4 x {app="api", ip="1.2.3.4"})");
}

TEST(CanonicalForm, PrintsTheNewStages) {
  for (std::string_view q : {
           R"({a="b"} |= "x" or ip("10.0.0.1") | pattern "<a> <_>" | line_format "{{.a}}")",
           R"({a="b"} | decolorize | label_format x="{{.a}}", y=z |> "<_> x" or "y <_>")",
       }) {
    absl::StatusOr<Query> parsed = Parse(q, Limits());
    ASSERT_TRUE(parsed.ok()) << q << ": " << parsed.status();
    EXPECT_EQ(ToString(*parsed), q);
  }
}

}  // namespace
}  // namespace vigie::logql
