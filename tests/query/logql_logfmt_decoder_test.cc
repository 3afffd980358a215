// LogfmtDecoder, which scans 16 bytes at a time, against the byte-at-a-time oracle
// (logfmt_reference.h): the same pairs, values and errors on adversarial lines, on random lines
// over logfmt's special bytes and on every token placed across a 16-byte boundary. And | logfmt
// reading only the pairs it needs against reading them all.
#include <random>
#include <string>
#include <vector>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "query/logql/logfmt.h"
#include "query/logql/parser.h"
#include "query/logql/pipeline.h"
#include "tests/query/logfmt_reference.h"

namespace vigie::logql {
namespace {

void ExpectSameReading(std::string_view line) {
  EXPECT_EQ(DecodeTrace<LogfmtDecoder>(line), DecodeTrace<ReferenceLogfmtDecoder>(line))
      << "line: " << line;
}

TEST(LogfmtDecoder, AgreesOnAdversarialLines) {
  const std::vector<std::string> lines = {
      R"(ts=2026-12-01T10:00:00.000Z level=info msg="request served" duration=1.5s)",
      R"(a="x\"y" b="tab\tq" c="\u00e9\ud83d\ude00" d="\ud800" e="\q" f="unterminated)",
      R"(a=1 =bad b=2 c=x=y d=x"y e"f=1 "g"=2 h= i)",
      "k\xff=1 \xe2\x82\xac=euro v=\xff\xfe w=\"\xc3\x28\" x=\"\\ufffd\"",
      "a=1\tb=2\nc=3\x01"
      "d=4 \x7f=5",
      R"(a="ends with a backslash\)",
      R"(a="\\" b="\\\"" c="\"")",
      R"(===== """"" \\\\ a==b a=b= a="b"c d="" e="")",
      "",
      " ",
      "=",
      "\"",
      "\\",
      "a",
      "a=",
      "a=\"",
      "a=\"\\",
      "  a=1  ",
  };
  for (const std::string& line : lines) ExpectSameReading(line);
}

TEST(LogfmtDecoder, AgreesAcrossEveryBoundary) {
  // Each token of these lines, shifted through the 16 positions of a block and up to the line's
  // end, so that every scan ends once inside the vector loop and once in the byte-at-a-time tail.
  for (std::string_view line : {
           R"(key=value quoted="a b\"c" bad=x=y "q"=1 k="unterminated)",
           R"(msg="0123456789abcdef0123" long_key_of_twenty_=v =e x"y=z)",
       }) {
    for (size_t pad = 0; pad <= 33; ++pad) {
      const std::string padded = std::string(pad, 'p') + "=1 " + std::string(line);
      ExpectSameReading(padded);
      for (size_t cut = 0; cut <= padded.size(); ++cut) ExpectSameReading(padded.substr(0, cut));
    }
  }
}

TEST(LogfmtDecoder, AgreesOnRandomLines) {
  std::mt19937 rng(9);
  // Mostly logfmt's own bytes, with letters between them and now and then a control byte, a byte
  // above 0x7f or an escape's letters.
  const std::string alphabet = "   ===\"\"\"\\\\abcxyz019u\t\x01\x7f\x80\xc3\xa9\xe2\x82\xac\xff";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1), length(0, 80);
  for (int i = 0; i < 200000; ++i) {
    std::string line(length(rng), ' ');
    for (char& c : line) c = alphabet[pick(rng)];
    ExpectSameReading(line);
    if (HasFailure()) return;
  }
}

// The labels `query` gives `line` for a consumer reading `needs`: each of `names` as name=value
// (or name absent), then the error.
std::string Extracted(std::string_view query, std::string_view line, const LabelNeeds& needs,
                      const std::vector<std::string>& names) {
  static const LabelSet stream = *LabelSet::Parse(R"({app="api", level="info"})");
  absl::StatusOr<Query> parsed = Parse(query, Limits());
  EXPECT_TRUE(parsed.ok()) << query;
  StreamPipeline run(parsed->log->pipeline, stream, needs);
  EXPECT_TRUE(run.Process(0, line));
  std::string out;
  for (const std::string& name : names) {
    std::optional<std::string_view> value = run.builder().Get(name);
    StrAppend(&out, name, value ? StrCat("=", *value) : " absent", "; ");
  }
  StrAppend(&out, "error=", run.builder().error(), " ", run.builder().error_details());
  return out;
}

// Reading only the pairs whose keys may give a needed label (LogfmtDecoder::SkipToKeyWith) must
// give the labels of reading every pair: the last value of a repeated key, keys that sanitise to
// the name (a.b for a_b), `_extracted` names, quoted values holding what looks like pairs.
TEST(LogfmtSkipping, GivesTheLabelsOfTheFullReading) {
  const std::vector<std::string> names = {"duration", "a_b", "level_extracted", "__error__", "_1x"};
  std::vector<std::string> lines = {
      R"(ts=1 msg="x duration=9s" duration=2s)",
      R"(duration=1s duration=2s duration=3s)",
      R"(duration=1s duration=x=y duration="4s")",
      R"(msg="a \" duration=5s" b=1)",
      R"(x"="a duration=7s" y=1 duration=8s)",
      R"(a=b="c duration=6s" d=1)",
      R"(a.b=1 a-b=2 a€b=3 level=warn __error__=e 1x=one)",
      R"(my_duration=1s durations=2s duration)",
      R"(msg="unterminated duration=3s)",
      R"(k=v"duration=1s" duration="2s"x=1 duration=3s="")",
      "duration=\xff duration\xff=1 \xff"
      "duration=2",
  };
  const size_t fixed = lines.size();
  std::mt19937 rng(12);
  const std::vector<std::string> pieces = {"duration", "=", "\"", " ", "1s", "a.b",      "\\",
                                           "level",    "x", "_",  "é", "1x", "__error__"};
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1), length(0, 30), longer(0, 90);
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    for (size_t n = i % 4 == 0 ? longer(rng) : length(rng); n > 0; --n) line += pieces[pick(rng)];
    lines.push_back(line);
  }
  // The fixed lines shifted through the 16 places of a vector: the search for the next pair to
  // read ends once inside its vector loop and once in the bytes that end the line.
  for (size_t i = 0; i < fixed; ++i) {
    for (size_t pad = 1; pad <= 40; ++pad)
      lines.push_back(std::string(pad, 'p') + "=1 " + lines[i]);
  }
  for (const char* query : {R"({a="b"} | logfmt)", R"({a="b"} | logfmt --keep-empty)"}) {
    LabelNeeds validate = LabelNeeds::Only(names);
    validate.validate = true;
    LabelNeeds hint = LabelNeeds::Only(names);
    hint.Add("__never__");  // So that the hint never stops early (the first value would win).
    for (const std::string& line : lines) {
      const std::string full = Extracted(query, line, LabelNeeds(), names);
      EXPECT_EQ(Extracted(query, line, validate, names), full) << query << " on " << line;
      EXPECT_EQ(Extracted(query, line, hint, names), full) << query << " on " << line;
      if (HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace vigie::logql
