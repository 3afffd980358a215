// The pieces under the pipeline stages: value conversions of label filters (as Go reads them),
// the logfmt decoder (as Loki's reads it), and the per-line label builder.
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/logql/label_filter.h"
#include "query/logql/labels_builder.h"
#include "query/logql/logfmt.h"

namespace vigie::logql {
namespace {

TEST(ParseGoFloat, AcceptsWhatStrconvAccepts) {
  EXPECT_EQ(ParseGoFloat("500"), 500);
  EXPECT_EQ(ParseGoFloat("-1.5"), -1.5);
  EXPECT_EQ(ParseGoFloat("+2e3"), 2000);
  EXPECT_EQ(ParseGoFloat(".5"), 0.5);
  EXPECT_EQ(ParseGoFloat("Inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseGoFloat("-infinity"), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*ParseGoFloat("NaN")));
  for (const char* bad : {"", "-", "1.5s", " 1", "1 ", "0x", "1e", "1e400", "e5", "nan1"}) {
    EXPECT_EQ(ParseGoFloat(bad), std::nullopt) << bad;
  }
}

TEST(ParseGoDuration, AcceptsWhatTimeParseDurationAccepts) {
  constexpr int64_t kMs = 1'000'000, kS = 1000 * kMs;
  EXPECT_EQ(ParseGoDuration("250ms"), 250 * kMs);
  EXPECT_EQ(ParseGoDuration("1.5s"), 1500 * kMs);
  EXPECT_EQ(ParseGoDuration("1h30m"), 5400 * kS);
  EXPECT_EQ(ParseGoDuration("-2s"), -2 * kS);
  EXPECT_EQ(ParseGoDuration("0"), 0);
  EXPECT_EQ(ParseGoDuration(".5us"), 500);
  EXPECT_EQ(ParseGoDuration("3\xC2\xB5s"), 3000);  // µs (micro sign)
  EXPECT_EQ(ParseGoDuration("3\xCE\xBCs"), 3000);  // μs (Greek mu)
  EXPECT_EQ(ParseGoDuration("2562047h"), int64_t{2562047} * 3600 * kS);
  for (const char* bad : {"", "1", "1d", "s", ".s", "1.5", "1h-1m", "2562048h", "1 s"}) {
    EXPECT_EQ(ParseGoDuration(bad), std::nullopt) << bad;
  }
}

TEST(ParseHumanBytes, AcceptsWhatGoHumanizeAccepts) {
  EXPECT_EQ(ParseHumanBytes("42"), 42u);
  EXPECT_EQ(ParseHumanBytes("20MB"), 20'000'000u);
  EXPECT_EQ(ParseHumanBytes("1KiB"), 1024u);
  EXPECT_EQ(ParseHumanBytes("1.5 kb"), 1500u);
  EXPECT_EQ(ParseHumanBytes("2gib"), 2ull << 30);
  EXPECT_EQ(ParseHumanBytes("1,000B"), 1000u);
  EXPECT_EQ(ParseHumanBytes("3M"), 3'000'000u);
  for (const char* bad : {"", "MB", "-1KB", "1XB", "20EB", " 1KB"}) {
    EXPECT_EQ(ParseHumanBytes(bad), std::nullopt) << bad;
  }
}

// The pairs LogfmtDecoder reads from `line`, as key=value or "!error".
std::vector<std::string> Decode(std::string_view line) {
  std::vector<std::string> out;
  LogfmtDecoder decoder(line);
  while (!decoder.AtEnd()) {
    if (decoder.Next()) {
      out.push_back(std::string(decoder.key()) + "=" + std::string(decoder.value()));
    } else if (!decoder.error().empty()) {
      out.push_back("!" + decoder.error());
    }
  }
  return out;
}

TEST(LogfmtDecoder, ReadsPairsAndSkipsBadOnes) {
  EXPECT_THAT(Decode(R"(a=1 b="x y" c= d e="q\"\u00e9")"),
              testing::ElementsAre("a=1", "b=x y", "c=", "d=", "e=q\"\xC3\xA9"));
  EXPECT_THAT(Decode("a=1 =2 b=3"),
              testing::ElementsAre("a=1", "!logfmt syntax error at pos 5 : unexpected '='", "b=3"));
  EXPECT_THAT(Decode(R"(a=b"c d=1)"),
              testing::ElementsAre("!logfmt syntax error at pos 4 : unexpected '\"'", "d=1"));
  EXPECT_THAT(Decode(R"(a="open)"),
              testing::ElementsAre("!logfmt syntax error at pos 8 : unterminated quoted value"));
  EXPECT_THAT(Decode(R"(a="\x" b=2)"),
              testing::ElementsAre("!logfmt syntax error at pos 7 : invalid quoted value", "b=2"));
  EXPECT_THAT(Decode("  \t "), testing::IsEmpty());
}

TEST(LabelsBuilder, OverlaysTheStreamAndInternsResults) {
  LabelSet stream = *LabelSet::Parse(R"({app="api", host="h1"})");
  LabelsBuilder b(&stream);
  EXPECT_TRUE(b.StreamHas("app"));
  std::string scratch;
  EXPECT_EQ(b.ExtractedName("app", &scratch), "app_extracted");
  EXPECT_EQ(b.ExtractedName("status", &scratch), "status");
  EXPECT_EQ(&b.Labels(), &stream) << "unchanged: the stream's own set";

  b.Set("status", "500");
  b.Set("empty", "");
  b.Delete("host");
  EXPECT_EQ(b.Get("empty"), "") << "present, with an empty value";
  EXPECT_EQ(b.Get("host"), std::nullopt);
  EXPECT_EQ(b.Get("nope"), std::nullopt);
  b.SetError(kJsonParserErr, "details");
  EXPECT_EQ(b.Get("__error__"), kJsonParserErr);
  const LabelSet& first = b.Labels();
  EXPECT_EQ(first.ToString(),
            R"({__error__="JSONParserErr", __error_details__="details", app="api", status="500"})");
  // A log query's line keeps the label set to "" (Loki shows it); a series does not.
  const LabelSet& line = b.LineLabels();
  EXPECT_EQ(
      line.ToString(),
      R"({__error__="JSONParserErr", __error_details__="details", app="api", empty="", status="500"})");
  EXPECT_NE(&line, &first);
  EXPECT_EQ(&b.Labels(), &first) << "the series form is still the one without it";

  b.Reset();
  EXPECT_EQ(b.Get("host"), "h1");
  EXPECT_FALSE(b.HasError());
  b.Set("status", "500");
  b.Delete("host");
  b.SetError(kJsonParserErr, "details");
  EXPECT_EQ(&b.Labels(), &first) << "equal sets are one object";
  b.Delete("__error__");
  EXPECT_EQ(b.Get("__error__"), std::nullopt);
  EXPECT_EQ(b.Get("__error_details__"), "details");
}

}  // namespace
}  // namespace vigie::logql
