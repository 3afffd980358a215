// The filter-first path of StreamPipeline (its Probe): a parser followed by label filters first
// extracts only what the filters read and drops the lines they reject; before it, the lines
// without a literal that the filters' required values imply are dropped unparsed. Every line must
// come out as from the full path: the same lines kept, with the same text and labels, errors
// included.
#include <optional>
#include <string>
#include <vector>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "query/logql/parser.h"
#include "query/logql/pipeline.h"

namespace vigie::logql {
namespace {

struct Outcome {
  std::vector<std::string> results;  // Per line: "<dropped>" or "labels line".
  uint64_t probe_rejected = 0;
  uint64_t literal_rejected = 0;
};

// Runs `lines` in order through one StreamPipeline of `query` (so that what it caches from line
// to line is exercised too), with or without the filter-first path.
Outcome RunLines(std::string_view query, const std::vector<std::string>& lines,
                 std::string_view stream, bool filter_first) {
  absl::StatusOr<Query> parsed = Parse(query, Limits());
  EXPECT_TRUE(parsed.ok()) << query << ": " << parsed.status();
  if (!parsed.ok()) return {};
  absl::StatusOr<LabelSet> labels = LabelSet::Parse(stream);
  EXPECT_TRUE(labels.ok());
  StreamPipeline pipeline(parsed->log->pipeline, *labels, LabelNeeds(), filter_first);
  Outcome out;
  for (const std::string& line : lines) {
    if (!pipeline.Process(0, line)) {
      out.results.push_back("<dropped>");
    } else {
      out.results.push_back(pipeline.LineLabels().ToString() + " " + std::string(pipeline.line()));
    }
  }
  out.probe_rejected = pipeline.probe_rejected();
  out.literal_rejected = pipeline.literal_rejected();
  return out;
}

// The same results either way; returns how many lines the filter-first path rejected (the probe
// and the required literals).
uint64_t ExpectSameLines(std::string_view query, const std::vector<std::string>& lines,
                         std::string_view stream = R"({app="api"})") {
  Outcome full = RunLines(query, lines, stream, /*filter_first=*/false);
  Outcome first = RunLines(query, lines, stream, /*filter_first=*/true);
  EXPECT_EQ(full.probe_rejected + full.literal_rejected, 0u);
  EXPECT_EQ(first.results.size(), lines.size());
  for (size_t i = 0; i < lines.size() && i < first.results.size(); ++i) {
    EXPECT_EQ(first.results[i], full.results[i]) << query << " on line " << lines[i];
  }
  return first.probe_rejected + first.literal_rejected;
}

const std::vector<std::string> kJsonLines = {
    R"({"status":503,"level":"error","msg":"a"})",
    R"({"status":200,"level":"info","msg":"b"})",
    // Repeated keys: the last value counts, in the filter as in the result.
    R"({"status":503,"status":200})",
    R"({"status":200,"status":503})",
    R"({"status ":503,"status":200})",
    // A malformation after the label the filter reads: the full parse reports it, and a line in
    // error passes numeric filters untested, so it must be kept.
    R"({"status":200,"msg":"bad \x escape"})",
    R"({"status":200,"req":{"h":"\uZZZZ"}})",
    R"({"status":200,"msg":"cut sho)",
    R"({"status":200,"level":"info","msg":"b"} trailing)",
    "not json",
    // Values that do not convert: LabelFilterErr.
    R"({"status":"5xx"})",
    R"({"status":"503"})",
    // Nested keys and escapes in keys.
    R"({"status":{"code":503}})",
    R"({"sta\u0074us":503,"req":{"status":200}})",
    R"({"req":{"method":"GET"},"req_method":"POST","status":500})",
    R"({"status":true})",
    R"({"status":null,"level":"error"})",
    R"({"status":[503]})",
    "",
    R"({})",
};

TEST(FilterFirst, JsonKeepsTheFullPathsLinesAndLabels) {
  EXPECT_GT(ExpectSameLines(R"({a="b"} | json | status >= 500)", kJsonLines), 0u);
  EXPECT_GT(ExpectSameLines(R"({a="b"} | json | status >= 500 or level = "error")", kJsonLines),
            0u);
  EXPECT_GT(ExpectSameLines(R"({a="b"} | json | status >= 500 | level = "error")", kJsonLines), 0u);
  EXPECT_GT(ExpectSameLines(R"({a="b"} | json | __error__ = "" | status < 500)", kJsonLines), 0u);
  EXPECT_GT(ExpectSameLines(R"({a="b"} | json | req_method = "GET")", kJsonLines), 0u);
  EXPECT_GT(
      ExpectSameLines(R"({a="b"} | json | status >= 500 | line_format "{{.msg}}")", kJsonLines),
      0u);
  EXPECT_GT(ExpectSameLines(R"({a="b"} | json s="status", m="req.method" | s >= 500)", kJsonLines),
            0u);
}

TEST(FilterFirst, JsonNameConflictsWithTheStream) {
  // The stream has `status`: the line's is status_extracted, and the filter reads the stream's.
  const std::string stream = R"({app="api", status="503"})";
  ExpectSameLines(R"({a="b"} | json | status >= 500)", kJsonLines, stream);
  EXPECT_GT(ExpectSameLines(R"({a="b"} | json | status_extracted >= 500)", kJsonLines, stream), 0u);
}

TEST(FilterFirst, Logfmt) {
  const std::vector<std::string> lines = {
      "status=503 duration=2s msg=a",
      "status=200 duration=500ms msg=b",
      "duration=2s duration=1ms",
      "duration=1ms duration=2s",
      R"(duration=2s msg="unclosed)",
      "a=1 = duration=2s",
      "duration=abc",
      "user duration=3s",
      "user= duration=3s",
      R"(msg="\x" duration=2s)",
      "",
  };
  for (const char* query : {
           R"({a="b"} | logfmt | duration > 1s)",
           R"({a="b"} | logfmt --strict | duration > 1s)",
           R"({a="b"} | logfmt --keep-empty | user != "")",
           R"({a="b"} | logfmt --strict --keep-empty | duration > 1s or user != "")",
           R"({a="b"} | logfmt d="duration", msg | d > 1s)",
       }) {
    EXPECT_GT(ExpectSameLines(query, lines), 0u) << query;
  }
}

TEST(FilterFirst, PatternAndRegexp) {
  const std::vector<std::string> lines = {
      R"(1.2.3.4 - - [x] "GET /a HTTP/1.1" 404 12 "-")",
      R"(1.2.3.4 - - [x] "GET /b HTTP/1.1" 200 12 "-")",
      R"(garbage)",
      R"(1.2.3.4 - - [x] "GET /c HTTP/1.1" 404)",
  };
  EXPECT_GT(
      ExpectSameLines(
          R"({a="b"} | pattern `<ip> - - [<_>] "<method> <uri> <_>" <status> <size> <_>` | status = "404")",
          lines),
      0u);
  EXPECT_GT(ExpectSameLines(R"({a="b"} | regexp `" (?P<status>\d{3}) ` | status >= 400)", lines),
            0u);
}

// The literal a pattern's capture and a required value imply (Stage::LiteralForValue): the
// literal before the capture, then the value.
TEST(FilterFirst, PatternValuesRequireTheirLiteral) {
  const std::vector<std::string> lines = {
      R"(1.2.3.4 - - [x] "GET /a HTTP/1.1" 404 12 "-")",
      R"(1.2.3.4 - - [x] "GET /404 HTTP/1.1" 200 404 "-")",  // 404 elsewhere only.
      R"(1.2.3.4 - - [x] "GET /b HTTP/1.1" 4040 12 "-")",    // A longer value.
      R"(1.2.3.4 - - [x] "GET /c HTTP/1.1" 404)",            // The value ends the line.
      R"(1.2.3.4 - - [x] "GET /d HTTP/1.1" 404 " 404 x)",    // The literal twice.
      R"(x 1.2.3.4 - - [x] "POST /e HTTP/1.1" 404 1 "-")",   // The capture runs to " - - [".
      R"(1.2.3.4 - - [x] "GET" 404 1 "-" "GET /f HTTP/1.1" 404 2)",
      R"("GET /g HTTP/1.1" 404 1 "-")",
      R"(- - [x] "GET /h HTTP/1.1" 404 1 "-")",
      R"(garbage " 404 x)",
      "",
  };
  const std::string pattern = R"(<ip> - - [<_>] "<method> <uri> <_>" <status> <size> <_>)";
  auto query = [&](std::string_view filters) {
    return StrCat(R"({a="b"} | pattern `)", pattern, "` ", filters);
  };
  EXPECT_GT(ExpectSameLines(query(R"(| status = "404")"), lines), 0u);
  EXPECT_GT(ExpectSameLines(query(R"(| status = "404" and method = "GET")"), lines), 0u);
  EXPECT_GT(ExpectSameLines(query(R"(| method = "GET" | status = "404" | size != "1")"), lines),
            0u);
  EXPECT_GT(ExpectSameLines(query(R"(| ip = "1.2.3.4")"), lines), 0u);  // The first capture.
  EXPECT_GT(ExpectSameLines(query(R"(| uri = "/c HTTP/1.1\" 404")"), lines), 0u);
  ExpectSameLines(query(R"(| status = "")"), lines);
  ExpectSameLines(query(R"(| status = "404" or method = "POST")"), lines);
  ExpectSameLines(query(R"(| status =~ "40." | status != "400")"), lines);
  ExpectSameLines(query(R"(| _ = "x")"), lines);
  ExpectSameLines(query(R"(| status = "404" | line_format "{{.uri}}" | uri = "x")"), lines);
  // The stream's own status is the one the filter reads: nothing is required of the line.
  for (const char* stream : {R"({status="404"})", R"({status="200"})"}) {
    LabelSet labels = *LabelSet::Parse(stream);
    absl::StatusOr<Query> parsed = Parse(query(R"(| status = "404")"), Limits());
    ASSERT_TRUE(parsed.ok());
    StreamPipeline pipeline(parsed->log->pipeline, labels, LabelNeeds());
    for (const std::string& line : lines) pipeline.Process(0, line);
    EXPECT_EQ(pipeline.literal_rejected(), 0u) << stream;
    ExpectSameLines(query(R"(| status = "404")"), lines, stream);
    ExpectSameLines(query(R"(| status_extracted = "404")"), lines, stream);
  }
}

TEST(FilterFirst, LinesThatSetTheErrorLabels) {
  const std::vector<std::string> lines = {"__error__=,\x1f\xa9}", "__error__=x c=1", "c=2"};
  for (const char* query : {
           R"({a="b"} | logfmt | a > 1s)",
           R"({a="b"} | logfmt --strict --keep-empty | c != "" and __error__ = "")",
           R"({a="b"} | json | a >= 500 or c = "x")",
       }) {
    ExpectSameLines(query, lines);
  }
}

TEST(FilterFirst, TurnsItselfOffWhenMostLinesPass) {
  std::vector<std::string> passing(300, R"({"status":503,"msg":"x"})");
  passing.push_back(R"({"status":200,"msg":"y"})");
  // The trial of 256 lines found nothing to drop: the last line goes the full path alone.
  EXPECT_EQ(ExpectSameLines(R"({a="b"} | json | status >= 500)", passing), 0u);
  std::vector<std::string> rejected(300, R"({"status":200,"msg":"x"})");
  EXPECT_EQ(ExpectSameLines(R"({a="b"} | json | status >= 500)", rejected), 300u);
}

TEST(FilterFirst, NotUsedWhenTheParserReadsOnlySomeLabels) {
  // A metric query that needs only `status` extracts only that already.
  absl::StatusOr<Query> parsed = Parse(R"({a="b"} | json | status >= 500)", Limits());
  ASSERT_TRUE(parsed.ok());
  StreamPipeline pipeline(parsed->log->pipeline, LabelSet(), LabelNeeds::Only({"status"}));
  EXPECT_FALSE(pipeline.Process(0, R"({"status":200})"));
  EXPECT_EQ(pipeline.probe_rejected(), 0u);
}

// What each stage took in and let through (StreamPipeline::tallies), run over `lines` with or
// without the filter-first path, timing every line's stages.
std::vector<StreamPipeline::StageTally> Tallies(std::string_view query,
                                                const std::vector<std::string>& lines,
                                                bool filter_first) {
  absl::StatusOr<Query> parsed = Parse(query, Limits());
  EXPECT_TRUE(parsed.ok()) << query << ": " << parsed.status();
  if (!parsed.ok()) return {};
  StreamPipeline pipeline(parsed->log->pipeline, LabelSet(), LabelNeeds(), filter_first);
  std::vector<int64_t> stage_ns(pipeline.stages(), 0);
  for (const std::string& line : lines) pipeline.Process(0, line, stage_ns.data());
  for (size_t k = 0; k < stage_ns.size(); ++k) EXPECT_GE(stage_ns[k], 0) << k;
  return pipeline.tallies();
}

void ExpectTally(const StreamPipeline::StageTally& tally, uint64_t lines_in, uint64_t bytes_in,
                 uint64_t lines_out, uint64_t bytes_out) {
  EXPECT_EQ(tally.lines_in, lines_in);
  EXPECT_EQ(tally.bytes_in, bytes_in);
  EXPECT_EQ(tally.lines_out, lines_out);
  EXPECT_EQ(tally.bytes_out, bytes_out);
}

TEST(StageTallies, CountTheLinesEachStageSawTheSameWithTheProbe) {
  // 20 bytes each; one passes the filter, whose rewritten line is 2 bytes.
  const std::vector<std::string> lines = {R"({"status":503,"p":1})", R"({"status":200,"p":2})",
                                          R"({"status":201,"p":3})"};
  const std::string query = R"({a="b"} | json | status >= 500 | line_format "{{.p}}x")";
  for (bool filter_first : {false, true}) {
    SCOPED_TRACE(filter_first ? "filter first" : "full path");
    std::vector<StreamPipeline::StageTally> tallies = Tallies(query, lines, filter_first);
    ASSERT_EQ(tallies.size(), 3u);
    ExpectTally(tallies[0], 3, 60, 3, 60);  // The parser keeps every line.
    ExpectTally(tallies[1], 3, 60, 1, 20);
    ExpectTally(tallies[2], 1, 20, 1, 2);
  }
}

TEST(StageTallies, TheParsersPreCheckIsItsWork) {
  // The pattern stage's required literal (" 404") drops two lines before the parse: they count
  // as its input, not its output.
  const std::vector<std::string> lines = {"GET 404 x", "GET 200 x", "PUT 500 y"};
  std::vector<StreamPipeline::StageTally> tallies =
      Tallies(R"({a="b"} | pattern "<m> <status> <_>" | status = "404")", lines, true);
  ASSERT_EQ(tallies.size(), 2u);
  ExpectTally(tallies[0], 3, 27, 1, 9);
  ExpectTally(tallies[1], 1, 9, 1, 9);
}

}  // namespace
}  // namespace vigie::logql
