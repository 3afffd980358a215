// | json's two walks (stages.h, JsonWalk): the walk over the line's structural index must give
// the labels and errors of the On-Demand walk on every line, valid or not; and the index must read
// the tokens of a strictly valid line (or the indexed walk would only ever fall back).
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "query/logql/json_index.h"
#include "query/logql/pipeline.h"
#include "query/logql/stages.h"

namespace vigie::logql {
namespace {

// The labels `walk` gives `line` (a log query's form: with __error__ and empty values), for a
// consumer that reads `needs`.
std::string Labels(JsonWalk walk, std::string_view line, const LabelNeeds& needs) {
  static const LabelSet stream = *LabelSet::Parse(R"({app="api", level="info"})");
  Pipeline pipeline;
  pipeline.Add(*MakeJsonStage({}, walk));
  StreamPipeline run(pipeline, stream, needs);
  EXPECT_TRUE(run.Process(0, line));
  return run.LineLabels().ToString();
}

// Every label, and (LabelNeeds::validate) only a few with every value read.
std::vector<LabelNeeds> Consumers() {
  LabelNeeds validate = LabelNeeds::Only({"status", "user_id", "a", "level_extracted"});
  validate.validate = true;
  return {LabelNeeds(), validate};
}

void ExpectSameLabels(std::string_view line) {
  for (const LabelNeeds& needs : Consumers()) {
    EXPECT_EQ(Labels(JsonWalk::kIndexed, line, needs), Labels(JsonWalk::kOnDemand, line, needs))
        << "line: " << line << (needs.validate ? " (validate)" : "");
  }
}

TEST(JsonWalk, AgreesOnAdversarialLines) {
  const std::string pad(30, 'x');  // Moves a token across a 16-, 32- or 64-byte boundary.
  std::vector<std::string> lines = {
      R"({"status":500,"user":{"id":7,"name":"ann"},"tags":["a",{"b":1}],"ok":true,"n":null})",
      R"({"level":"warn","a":"x\"y","b":"\u00e9\ud83d\ude00","c":"tab\tnew\nline\\"})",
      R"({"a":"\ud800","b":"\udc00x","c":"\ud800\u0041"})",  // Lone surrogates.
      R"({"a":"\x41"})",
      R"({"a":"\u12"})",
      R"({"a":"ok","b":"bad\q"})",
      R"({"a" : 1 , "b" :	"s" ,
"c":[ ] , "d" : { } })",
      R"({"a":01})",
      R"({"a":1.})",
      R"({"a":-})",
      R"({"a":1e})",
      R"({"a":-0.5e+3,"b":2E-2})",
      R"({"a":tru})",
      R"({"a":nulll})",
      R"({"a":falsey})",
      R"({"a":TRUE})",
      R"({"a":"x"y,"b":2})",
      R"({"a"x:"y"})",
      R"({"a":"b""c":1})",
      R"({"a":1,})",
      R"({,"a":1})",
      R"({"a":1}})",
      R"({"a":1} {"b":2})",
      R"({"a":1} x)",
      R"({"a":1)",
      R"({"a":)",
      R"({"a")",
      R"({"a":[1,,2],"b":3})",
      R"({"a":[}],"b":3})",
      R"({"a":{"b":[1,2}},"c":4})",
      R"([{"a":1}])",
      R"("just a string")",
      "42",
      "",
      "   ",
      "{}",
      "{ }",
      " {\"a\":1} ",
      "{\"a\":\"\xff\"}",
      "{\"a\":\"\xc3\"}",
      "{\"\xe9\":1}",
      "{\"a\":\"x\x01y\"}",
      R"({"a\"b":1,"c\u0041":2,"":3," d ":4,"5e":5,"f-g":{"h i":6}})",
      R"({"status":200,"status":503})",
      R"({"level":"x","app":"y"})",
      R"({"__error__":"mine","a":1})",
      "{\"a\":\"" + pad + "\\\"" + pad + "\",\"b\":\"" + pad + "\\\\\"}",
      "{\"" + pad + "\":\"" + pad + pad + "\",\"q\":\"\\\"\"}",
  };
  std::string deep;
  for (int i = 0; i < 80; ++i) deep += "{\"a\":";
  deep += "1" + std::string(80, '}');
  lines.push_back(deep);
  // A string of each length across the 64-byte words of the quote bitmap, plain and escaped.
  for (size_t n = 0; n < 140; n += 3) {
    lines.push_back("{\"k\":\"" + std::string(n, 'v') + "\",\"status\":1}");
    lines.push_back("{\"k\":\"" + std::string(n, 'v') + "\\n\",\"status\":1}");
  }
  for (const std::string& line : lines) ExpectSameLabels(line);
}

// Random lines made of JSON's pieces, most of them invalid somewhere.
TEST(JsonWalk, AgreesOnRandomLines) {
  const std::vector<std::string> pieces = {
      "{",        "}",     "[",          "]",        ":",       ",",       "\"",          "\\",
      " ",        "\"a\"", "\"b\"",      "1",        "-2.5",    "1e3",     "true",        "false",
      "null",     "\"x\"", "\\n",        "\\u00e9",  "\\ud800", "x",       "0",           "\t",
      "\xc3\xa9", "\xff",  "\"status\"", "\"user\"", "\"id\"",  "{\"a\":", "\"s\":\"v\"", "[1,2]"};
  std::mt19937 random(9);
  for (int n = 0; n < 20000; ++n) {
    std::string line = "{";
    const int length = random() % 24;
    for (int i = 0; i < length; ++i) line += pieces[random() % pieces.size()];
    if (random() % 2) line += "}";
    ExpectSameLabels(line);
    if (HasFailure()) break;
  }
}

// Random valid objects with a random mutation: one byte changed, removed or doubled.
TEST(JsonWalk, AgreesOnMutatedValidLines) {
  std::mt19937 random(11);
  const std::string valid =
      R"({"ts":"2026-12-06T18:00:00.123Z","level":"info","status":503,"duration":"1.5s",)"
      R"("user":{"id":42,"agent":"Mozilla \"5.0\""},"tags":["a","b"],"ok":false,"x":null})";
  ExpectSameLabels(valid);
  const std::string bytes = "{}[]:,\"\\ 0a-.e\x80";
  for (int n = 0; n < 5000; ++n) {
    std::string line = valid;
    const size_t at = random() % line.size();
    switch (random() % 3) {
      case 0:
        line[at] = bytes[random() % bytes.size()];
        break;
      case 1:
        line.erase(at, 1);
        break;
      default:
        line.insert(at, 1, line[at]);
    }
    ExpectSameLabels(line);
    if (HasFailure()) break;
  }
}

TEST(JsonLineIndex, ReadsTheTokensOfAValidLine) {
  JsonLineIndex index;
  const std::string line = R"( {"a" : "x\"\u00e9" , "b":[-1.5e3, true,null], "c":"plain"} )";
  ASSERT_TRUE(index.Index(line));
  // { "a" : "x.." , "b" : [ -1.5e3 , true , null ] , "c" : "plain" }
  ASSERT_EQ(index.size(), 19u);
  std::string_view text;
  EXPECT_TRUE(index.String(1, &text));
  EXPECT_EQ(text, "a");
  EXPECT_EQ(index.At(2), ':');
  EXPECT_TRUE(index.String(3, &text));
  EXPECT_EQ(text, "x\"\xc3\xa9");
  EXPECT_TRUE(index.Number(8, &text));
  EXPECT_EQ(text, "-1.5e3");
  EXPECT_TRUE(index.Literal(10, &text));
  EXPECT_EQ(text, "true");
  EXPECT_TRUE(index.Literal(12, &text));
  EXPECT_EQ(text, "null");
  EXPECT_TRUE(index.String(17, &text));
  EXPECT_EQ(text, "plain");
  EXPECT_EQ(index.At(18), '}');
  EXPECT_EQ(index.At(19), '\0');
  EXPECT_FALSE(index.String(2, &text));  // ':' is not a string.
  EXPECT_FALSE(index.Number(1, &text));  // Nor "a" a number.
}

TEST(JsonLineIndex, RejectsWhatStage1Rejects) {
  JsonLineIndex index;
  EXPECT_FALSE(index.Index(""));
  EXPECT_FALSE(index.Index(R"({"a":"unclosed})"));
  EXPECT_FALSE(index.Index("{\"a\":\"\xff\"}"));    // Not UTF-8.
  EXPECT_FALSE(index.Index("{\"a\":\"x\x01y\"}"));  // A control character in a string.
  EXPECT_TRUE(index.Index(R"({"a":1})"));
}

TEST(JsonLineIndex, ReadsStringsStrictly) {
  JsonLineIndex index;
  std::string_view text;
  ASSERT_TRUE(index.Index(R"(["bad\q", "\u12", "ok\n"])"));
  EXPECT_FALSE(index.String(1, &text));  // An invalid escape.
  EXPECT_FALSE(index.String(3, &text));  // A short \u escape.
  EXPECT_TRUE(index.String(5, &text));
  EXPECT_EQ(text, "ok\n");
  for (const char* number : {"01", "1.", "-", "1e", "+1", ".5", "1x"}) {
    ASSERT_TRUE(index.Index(std::string("[") + number + "]")) << number;
    EXPECT_FALSE(index.Number(1, &text)) << number;
  }
}

}  // namespace
}  // namespace vigie::logql
