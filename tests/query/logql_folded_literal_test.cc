// Case-insensitive literals: RequiredFoldedLiteral() for a table of patterns and the property
// that makes it safe (the case-folded form of every line re2 matches contains it, Kelvin signs
// and long s included), the line filter's choice between it and the exact literal, and the
// block search that finds the lines holding it.
#include <gtest/gtest.h>

#include <random>

#include "common/limits.h"
#include "query/logql/line_filter.h"
#include "query/logql/literal_search.h"
#include "query/logql/required_literal.h"
#include "re2/re2.h"
#include "store/ngram_filter.h"

namespace vigie::logql {
namespace {

std::string Folded(std::string_view text) {
  std::string out;
  store::CaseFold(text, &out);
  return out;
}

TEST(LogqlFoldedLiteralTest, Table) {
  const std::pair<const char*, const char*> cases[] = {
      {"(?i)error", "error"},
      {"(?i)ERROR", "error"},
      {"Error", "error"},
      {"(?i)disk", "disk"},  // re2 matches "dis\u212A": CaseFold reads it as "disk".
      {"(?i:warn)ing", "warning"},
      {"Error (?i)timeout", "error timeout"},
      {"(?i)error|warn", ""},
      {"(?i)error|errors", "error"},
      {"[Ee]rror", "rror"},
      {"(?i)caf\xC3\xA9s", "caf"},  // Not ASCII: unknown.
      {"(?i)status: 5[0-9]{2}", "status: 5"},
      {"(?i)x\\.y", "x.y"},
      {"(", ""},
  };
  for (const auto& [pattern, literal] : cases) EXPECT_EQ(RequiredFoldedLiteral(pattern), literal);
}

TEST(LogqlFoldedLiteralTest, EveryMatchFoldsToContainTheLiteral) {
  const char* patterns[] = {"(?i)ks",      "(?i)disk", "(?i)sk+s", "(?i)a(b|c)k", "K(?i)s",
                            "(?i)x[0-9]s", "(?i:k)S",  "(?i)SKS",  "(?i)é?ks"};
  const char* pieces[] = {"k", "K", "s", "S", "\xE2\x84\xAA", "\xC5\xBF", "a",   "b", "c",
                          "d", "i", "x", "1", "\xC3\xA9",     " ",        "dis", "DI"};
  std::mt19937 rng(5);
  for (const char* pattern : patterns) {
    re2::RE2 re(pattern);
    ASSERT_TRUE(re.ok()) << pattern;
    const std::string literal = RequiredFoldedLiteral(pattern);
    EXPECT_FALSE(literal.empty()) << pattern;
    int matches = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string line;
      for (int n = rng() % 8; n > 0; --n) line += pieces[rng() % std::size(pieces)];
      if (!re2::RE2::PartialMatch(line, re)) continue;
      ++matches;
      EXPECT_NE(Folded(line).find(literal), std::string::npos)
          << pattern << " matches \"" << line << "\", whose folded form lacks " << literal;
    }
    EXPECT_GT(matches, 5) << pattern;
  }
}

LineFilter Filter(std::vector<LineFilterSpec> specs) { return *LineFilter::Make(specs, Limits()); }

TEST(LogqlFoldedLiteralTest, LineFilterChoosesTheLongerLiteral) {
  LineFilter folded = Filter({{FilterOp::kRegex, "(?i)timeout"}});
  EXPECT_EQ(folded.required_literal(), "");
  EXPECT_EQ(folded.required_folded_literal(), "timeout");
  EXPECT_EQ(folded.required_any(), (std::vector<std::vector<NeededLiteral>>{{{"timeout", true}}}));
  EXPECT_EQ(folded.prefilter(), nullptr);  // The literal search serves instead.
  // An exact literal at least as long wins: it is the faster search.
  LineFilter both = Filter({{FilterOp::kContains, "connection"}, {FilterOp::kRegex, "(?i)x"}});
  EXPECT_EQ(both.required_literal(), "connection");
  EXPECT_EQ(both.required_folded_literal(), "");
  LineFilter plain = Filter({{FilterOp::kRegex, "db[0-9]+ down"}});
  EXPECT_EQ(plain.required_any(), (std::vector<std::vector<NeededLiteral>>{{{" down", false}}}));
  LineFilter alternatives = Filter({{FilterOp::kRegex, "(?i)error", false, {{"fatal"}}}});
  EXPECT_EQ(alternatives.required_any(),
            (std::vector<std::vector<NeededLiteral>>{{{"error", true}, {"fatal", false}}}));
}

// The finder, run as the block search runs it (from each line after a hit), marks every line
// whose folded form holds the literal; on ASCII text it marks exactly those where the literal
// starts up to case (lines are run together: it may run on into the next line, which re2 rejects).
TEST(LogqlFoldedLiteralTest, FinderFindsEveryLineThatMayHoldTheLiteral) {
  const char* pieces[] = {"e",
                          "E",
                          "r",
                          "R",
                          "o",
                          "k",
                          "K",
                          "s",
                          "S",
                          "i",
                          "d",
                          " ",
                          "\xE2\x84\xAA",
                          "\xC5\xBF",
                          "error",
                          "DISK",
                          "0123456789abcdef"};
  std::mt19937 rng(9);
  for (int round = 0; round < 300; ++round) {
    const bool ascii = round % 2 == 0;
    std::vector<std::string> lines(1 + rng() % 60);
    std::string text;
    std::vector<size_t> starts;
    for (std::string& line : lines) {
      for (int n = rng() % 12; n > 0; --n) {
        const char* piece = pieces[rng() % std::size(pieces)];
        if (!ascii || static_cast<unsigned char>(piece[0]) < 0x80) line += piece;
      }
      starts.push_back(text.size());
      text += line;
    }
    starts.push_back(text.size());
    const char* literals[] = {"error", "disk", "sk", "ror", "e", "kiss", "0123456789abcdef0"};
    const std::string literal = literals[round % std::size(literals)];
    FoldedFinder finder(literal, text);
    std::vector<bool> marked(lines.size());
    size_t line = 0;
    for (size_t pos = 0; pos < text.size();) {
      const size_t hit = finder.Next(pos);
      if (hit == FoldedFinder::npos) break;
      ASSERT_GE(hit, pos);
      while (starts[line + 1] <= hit) ++line;
      marked[line] = true;
      pos = starts[++line];
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      const bool holds = Folded(lines[i]).find(literal) != std::string::npos;
      if (holds) EXPECT_TRUE(marked[i]) << "line \"" << lines[i] << "\" for " << literal;
      if (ascii) {
        const bool starts_here = Folded(text).find(literal, starts[i]) < starts[i + 1];
        EXPECT_EQ(marked[i], starts_here) << "line \"" << lines[i] << "\" for " << literal;
      }
    }
  }
}

// The exact search finds every occurrence, at every alignment, as std::string::find does.
TEST(FindLiteralTest, FindsWhatStringFindFinds) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::string text(rng() % 100, 'x');
    for (char& c : text) c = "abAB\n\0"[rng() % 6];
    // Literals longer than a vector too, so that the last places are compared as the 16 that
    // end the text whatever its length.
    std::string literal(1 + rng() % (round % 4 == 0 ? 24 : 5), 'x');
    for (char& c : literal) c = "abAB\n\0"[rng() % 6];
    for (size_t pos = 0; pos <= text.size() + 1; ++pos) {
      ASSERT_EQ(FindLiteral(text, pos, literal), text.find(literal, pos))
          << "text \"" << text << "\" literal \"" << literal << "\" from " << pos;
    }
  }
}

}  // namespace
}  // namespace vigie::logql
