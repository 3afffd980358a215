// The pipeline stages of LogQL as parsed from queries: what each does to a line's labels.
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/logql/parser.h"
#include "query/logql/pipeline.h"
#include "tests/query/pipeline_runner.h"

namespace vigie::logql {
namespace {

// Runs the pipeline of `query` on `line` of a stream labelled `stream`: the final labels in
// text form, or nullopt when the line is dropped.
std::optional<std::string> RunPipeline(std::string_view query, std::string_view line,
                                       std::string_view stream = "{app=\"api\"}",
                                       const LabelNeeds& required = LabelNeeds()) {
  std::optional<PipelineResult> result = RunLogPipeline(query, line, stream, 0, required);
  if (!result) return std::nullopt;
  return result->labels;
}

TEST(JsonStage, ExtractsScalarsJoinsNestedKeysAndSkipsArrays) {
  EXPECT_EQ(
      RunPipeline(
          R"({a="b"} | json)",
          R"({"status":500,"ok":false,"msg":"a \"q\"","req":{"method":"GET","h":{"x-id":"7"}},"list":[1,2],"n":null})"),
      R"({app="api", msg="a \"q\"", ok="false", req_h_x_id="7", req_method="GET", status="500"})");
}

TEST(JsonStage, SanitisesKeysAndSuffixesCollisions) {
  EXPECT_EQ(RunPipeline(R"({a="b"} | json)", R"({"app":"front","1st":"x","a.b c":"y","é":"z"})"),
            R"({_="z", _1st="x", a_b_c="y", app="api", app_extracted="front"})");
}

TEST(JsonStage, InvalidLineKeepsItWithAnError) {
  std::optional<std::string> labels = RunPipeline(R"({a="b"} | json)", "not json");
  ASSERT_TRUE(labels.has_value());
  EXPECT_THAT(*labels, testing::HasSubstr(R"(__error__="JSONParserErr")"));
  EXPECT_THAT(*labels, testing::HasSubstr("__error_details__="));
  EXPECT_EQ(RunPipeline(R"({a="b"} | json | __error__ = "")", "not json"), std::nullopt);
  EXPECT_EQ(RunPipeline(R"({a="b"} | json | drop __error__, __error_details__)", "[1]"),
            R"({app="api"})");
}

TEST(JsonStage, Expressions) {
  EXPECT_EQ(
      RunPipeline(R"({a="b"} | json m="req.method", first="list[0]", obj="req", missing="x.y")",
                  R"({"req":{"method":"GET"},"list":["a","b"]})"),
      R"({app="api", first="a", m="GET", missing="", obj="{\"method\":\"GET\"}"})");
}

TEST(JsonStage, ExtractsOnlyWhatIsNeeded) {
  // A metric query grouping by status needs only status (and what the filters read).
  EXPECT_EQ(RunPipeline(R"({a="b"} | json | status >= 500)", R"({"status":503,"msg":"x"})",
                        "{app=\"api\"}", LabelNeeds::Only({"status"})),
            R"({app="api", status="503"})");
  // It stops reading a line once it has them: a malformation after them is not seen (Loki's
  // errFoundAllLabels), one before them is.
  EXPECT_EQ(RunPipeline(R"({a="b"} | json | status >= 500)", R"({"status":503,"msg":"x)",
                        "{app=\"api\"}", LabelNeeds::Only({"status"})),
            R"({app="api", status="503"})");
  std::optional<std::string> broken =
      RunPipeline(R"({a="b"} | json | status >= 500)", R"({"msg":"x,"status":503})",
                  "{app=\"api\"}", LabelNeeds::Only({"status"}));
  ASSERT_TRUE(broken.has_value());
  EXPECT_THAT(*broken, testing::HasSubstr(R"(__error__="JSONParserErr")"));
  // Nothing needed: the parser does not run, a line that is no JSON gets no error.
  EXPECT_EQ(RunPipeline(R"({a="b"} | json | keep app)", "not json", "{app=\"api\"}",
                        LabelNeeds::Only({})),
            R"({app="api"})");
}

TEST(LogfmtStage, ParsesPairsAsLokiDoes) {
  EXPECT_EQ(RunPipeline(R"({a="b"} | logfmt)",
                        R"(level=info msg="hello \"world\"" took=12ms empty= alone app=x)"),
            R"({app="api", app_extracted="x", level="info", msg="hello \"world\"", took="12ms"})");
}

TEST(LogfmtStage, StrictReportsTheFirstError) {
  EXPECT_EQ(RunPipeline(R"({a="b"} | logfmt)", R"(a=1 =bad b=2)"), R"({a="1", app="api", b="2"})");
  std::optional<std::string> strict =
      RunPipeline(R"({a="b"} | logfmt --strict)", R"(a=1 =bad b=2)");
  ASSERT_TRUE(strict.has_value());
  EXPECT_THAT(*strict, testing::HasSubstr(R"(__error__="LogfmtParserErr")"));
  EXPECT_THAT(*strict, testing::HasSubstr("unexpected '='"));
  EXPECT_THAT(*strict, testing::Not(testing::HasSubstr("b=")));
}

TEST(LogfmtStage, KeepEmptyKeepsStandaloneKeys) {
  // A label with an empty value is present for filters, and in a log query's labels (Loki's).
  EXPECT_EQ(RunPipeline(R"({a="b"} | logfmt | alone = 1)", "alone"), std::nullopt);
  std::optional<std::string> kept =
      RunPipeline(R"({a="b"} | logfmt --keep-empty | alone = 1)", "alone");
  ASSERT_TRUE(kept.has_value());
  EXPECT_THAT(*kept, testing::HasSubstr(R"(__error__="LabelFilterErr")"));
  EXPECT_EQ(RunPipeline(R"({a="b"} | logfmt --keep-empty)", "alone b= c=1"),
            R"({alone="", app="api", b="", c="1"})");
  EXPECT_EQ(
      RunPipeline(R"({a="b"} | logfmt --keep-empty | label_format c="" | drop b)", "alone b= c=1"),
      R"({alone="", app="api", c=""})");
}

TEST(RegexpStage, NamedGroups) {
  EXPECT_EQ(RunPipeline(R"({a="b"} | regexp `(?P<method>\w+) (?P<path>\S+)`)", "GET /a 200"),
            R"({app="api", method="GET", path="/a"})");
  EXPECT_EQ(RunPipeline(R"({a="b"} | regexp `(?P<method>\d+)`)", "no digits"), R"({app="api"})");
}

TEST(UnpackStage, ReplacesTheLineWithEntry) {
  absl::StatusOr<Query> q = Parse(R"({a="b"} | unpack)", Limits());
  ASSERT_TRUE(q.ok());
  LabelSet stream = *LabelSet::Parse(R"({app="api"})");
  StreamPipeline p(q->log->pipeline, stream);
  ASSERT_TRUE(p.Process(0, R"({"_entry":"the line","pod":"p1","n":3})"));
  EXPECT_EQ(p.line(), "the line");
  EXPECT_EQ(p.Labels().ToString(), R"({app="api", pod="p1"})");
}

TEST(LabelFilter, NumbersDurationsAndBytes) {
  const char* line = R"({"status":"503","took":"1.5s","size":"2KiB"})";
  EXPECT_TRUE(RunPipeline(R"({a="b"} | json | status >= 500)", line));
  EXPECT_FALSE(RunPipeline(R"({a="b"} | json | status < 500)", line));
  EXPECT_TRUE(RunPipeline(R"({a="b"} | json | took > 1s)", line));
  EXPECT_FALSE(RunPipeline(R"({a="b"} | json | took > 1500ms)", line));
  EXPECT_TRUE(RunPipeline(R"({a="b"} | json | size == 2048B)", line));
  EXPECT_TRUE(RunPipeline(R"({a="b"} | json | size > 2KB)", line));
  // A missing label drops the line; one that does not convert keeps it with an error.
  EXPECT_FALSE(RunPipeline(R"({a="b"} | json | missing > 1)", line));
  std::optional<std::string> bad = RunPipeline(R"({a="b"} | json | took > 1)", line);
  ASSERT_TRUE(bad.has_value());
  EXPECT_THAT(*bad, testing::HasSubstr(R"(__error__="LabelFilterErr")"));
}

TEST(LabelFilter, PrecedenceIsLeftToRight) {
  // a or b and c == (a or b) and c, as Loki documents.
  const char* line = "a=1 b=0 c=0";
  EXPECT_FALSE(RunPipeline(R"({x="y"} | logfmt | a = 1 or b = 1 and c = 1)", line));
  EXPECT_TRUE(RunPipeline(R"({x="y"} | logfmt | a = 1 or (b = 1 and c = 1))", line));
  EXPECT_TRUE(RunPipeline(R"({x="y"} | logfmt | c = 1 or a = 1, b = 0)", line));
  EXPECT_TRUE(RunPipeline(R"({x="y"} | logfmt | a = 1 b = 0)", line));
  EXPECT_TRUE(RunPipeline(R"({x="y"} | logfmt | a =~ "1|2" | b != "1")", line));
}

TEST(KeepDrop, NamesAndMatchers) {
  const char* line = "level=debug a=1 b=2";
  EXPECT_EQ(RunPipeline(R"({x="y"} | logfmt | keep a, level)", line), R"({a="1", level="debug"})");
  EXPECT_EQ(RunPipeline(R"({x="y"} | logfmt | keep a, level="info")", line), R"({a="1"})");
  EXPECT_EQ(RunPipeline(R"({x="y"} | logfmt | drop a, level="debug")", line),
            R"({app="api", b="2"})");
  EXPECT_EQ(RunPipeline(R"({x="y"} | logfmt | drop level="info")", line),
            R"({a="1", app="api", b="2", level="debug"})");
}

TEST(Pipeline, LineFiltersBeforeRewritingStagesArePrefiltered) {
  absl::StatusOr<Query> q = Parse(R"({a="b"} |= "x" | json |= "y" | unpack |= "z")", Limits());
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->log->filter.specs().size(), 2);  // "x" and "y": both run on the stored line.
  EXPECT_EQ(q->log->filter.required_literal(), "x");
  EXPECT_EQ(ToString(*q), R"({a="b"} |= "x" | json |= "y" | unpack |= "z")");
}

TEST(Pipeline, LineFiltersOnlyLeaveNoPipeline) {
  absl::StatusOr<Query> q = Parse(R"({a="b"} |= "x" != "y")", Limits());
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->log->pipeline.has_stages());
}

TEST(Pipeline, CanonicalFormParsesBack) {
  for (
      const char* text : {
          R"({a="b"} | json | status >= 500 and (method = "GET" or took > 250ms) | keep a, b=~"x.*")",
          R"({a="b"} | logfmt --strict --keep-empty a, b="c" | size <= 20MB | drop __error__)",
          R"x({a="b"} | json x="a.b[0]", y | regexp "(?P<n>\\d+)" | n != 3)x",
          R"(count_over_time({a="b"} | json | x > -1.5 [5m]))",
      }) {
    absl::StatusOr<Query> q = Parse(text, Limits());
    ASSERT_TRUE(q.ok()) << text << ": " << q.status();
    std::string canonical = ToString(*q);
    absl::StatusOr<Query> again = Parse(canonical, Limits());
    ASSERT_TRUE(again.ok()) << canonical << ": " << again.status();
    EXPECT_EQ(ToString(*again), canonical);
  }
}

TEST(PipelineErrors, NameWhatIsWrong) {
  struct Case {
    const char* query;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({a="b"} | status >= "500")", "only = != =~ !~ compare strings"},
           Case{R"({a="b"} | status > fast)",
                "expected a number, a duration (250ms) or a byte size"},
           Case{R"({a="b"} | logfmt --fast)", "unknown option '--fast' of | logfmt"},
           Case{R"x({a="b"} | regexp "(\\d+)")x", "at least one named group"},
           Case{R"({a="b"} | json x="a..b")", "invalid JSON path"},
           Case{R"({a="b"} | distinct x)", "'distinct' is not supported"},
           Case{R"({a="b"} | keep)", "expected a label name after 'keep'"},
           Case{R"({a="b"} | (a = "x")", "expected ')' closing the label filter"},
           Case{R"({a="b"} | )", "expected a stage after '|'"},
       }) {
    absl::StatusOr<Query> q = Parse(c.query, Limits());
    ASSERT_FALSE(q.ok()) << c.query;
    EXPECT_THAT(std::string(q.status().message()), testing::HasSubstr(c.message)) << c.query;
    EXPECT_TRUE(ErrorOffset(q.status()).has_value()) << c.query;
  }
}

}  // namespace
}  // namespace vigie::logql
