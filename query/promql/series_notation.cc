#include "query/promql/series_notation.h"

#include <algorithm>
#include <bit>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "query/promql/lexer.h"
#include "query/promql/literals.h"
#include "store/series.h"

namespace vigie::promql {
namespace {

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(std::string(what));
}

// The length of the number at the start of `s` as Prometheus's series lexer reads it (decimal,
// no hexadecimal, or a word such as Inf), 0 when there is none.
size_t NumberLength(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && absl::ascii_isalpha(s[i])) {
    while (i < s.size() && absl::ascii_isalpha(s[i])) ++i;
    return i;
  }
  auto digits = [&] {
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i;
  };
  digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    digits();
  }
  if (i > 0 && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    digits();
  }
  return i;
}

// "x<count>" at the start of `s`, all of it.
absl::StatusOr<uint64_t> TakeTimes(std::string_view s) {
  uint64_t n;
  if (s.size() < 2 || s[0] != 'x' || !vigie::ParseNumber(s.substr(1), &n)) {
    return Invalid(StrCat("expected x<count> such as x10, found \"", s, "\""));
  }
  if (n > 1'000'000) return Invalid(StrCat("repetition count ", n, " is too large"));
  return n;
}

}  // namespace

absl::StatusOr<double> TakeSeriesValue(std::string_view* s, bool allow_stale) {
  double sign = 1;
  if (!s->empty() && (s->front() == '+' || s->front() == '-')) {
    sign = s->front() == '-' ? -1 : 1;
    s->remove_prefix(1);
  }
  size_t n = NumberLength(*s);
  std::string_view word = s->substr(0, n);
  s->remove_prefix(n);
  if (word == "stale" && allow_stale && sign > 0)
    return std::bit_cast<double>(store::kStaleNaNBits);
  absl::StatusOr<double> value = ParseNumber(word);
  if (!value.ok() || word.empty()) {
    return Invalid(StrCat("expected a number or stale, found \"", word, "\""));
  }
  return sign * *value;
}

absl::Status ExpandItem(std::string_view item, std::vector<std::optional<double>>* values) {
  auto bad = [&](const absl::Status& why) {
    return Invalid(StrCat("bad series value \"", item, "\": ", why.message()));
  };
  std::string_view s = item;
  if (s.starts_with("_")) {
    uint64_t n = 1;
    if (s.size() > 1) {
      absl::StatusOr<uint64_t> times = TakeTimes(s.substr(1));
      if (!times.ok()) return bad(times.status());
      n = *times;
    }
    values->insert(values->end(), n, std::nullopt);
    return absl::OkStatus();
  }
  absl::StatusOr<double> start = TakeSeriesValue(&s, true);
  if (!start.ok()) return bad(start.status());
  if (s.empty()) {
    values->push_back(*start);
    return absl::OkStatus();
  }
  double increment = 0;
  if (s.front() == '+' || s.front() == '-') {
    absl::StatusOr<double> step = TakeSeriesValue(&s, false);
    if (!step.ok()) return bad(step.status());
    increment = *step;
  }
  absl::StatusOr<uint64_t> times = TakeTimes(s);
  if (!times.ok()) return bad(times.status());
  double value = *start;
  for (uint64_t i = 0; i <= *times; ++i) {
    values->push_back(value);
    value += increment;  // Accumulated as Prometheus does, rounding included.
  }
  return absl::OkStatus();
}

absl::StatusOr<LabelSet> ParseSeriesLabels(std::string_view line, std::string_view* rest) {
  std::vector<Token> tokens = Tokenize(line);
  std::vector<Label> labels;
  size_t i = 0;
  auto end_of = [&](const Token& t) { return t.offset + t.raw.size(); };
  auto describe = [&](size_t at) { return Describe(tokens[std::min(at, tokens.size() - 1)]); };
  if (tokens[0].kind == TokenKind::kIdent || tokens[0].kind == TokenKind::kMetricIdent) {
    labels.push_back({"__name__", std::string(tokens[0].raw)});
    *rest = line.substr(end_of(tokens[0]));
    i = 1;
  }
  if (i < tokens.size() && tokens[i].kind == TokenKind::kLBrace &&
      (i == 0 || tokens[i].offset == end_of(tokens[0]))) {
    ++i;
    while (i < tokens.size() && tokens[i].kind != TokenKind::kRBrace) {
      if (i + 2 >= tokens.size() || tokens[i].kind != TokenKind::kIdent ||
          tokens[i + 1].kind != TokenKind::kAssign || tokens[i + 2].kind != TokenKind::kString) {
        return Invalid(StrCat("expected label=\"value\" in series, found ", describe(i)));
      }
      labels.push_back({std::string(tokens[i].raw), tokens[i + 2].text});
      i += 3;
      if (i < tokens.size() && tokens[i].kind == TokenKind::kComma) ++i;
    }
    if (i == tokens.size()) return Invalid("expected } closing the labels");
    *rest = line.substr(end_of(tokens[i]));
  } else if (i == 0) {
    return Invalid(StrCat("expected a metric name or {labels}, found ", describe(0)));
  }
  return LabelSet::Make(std::move(labels));
}

absl::StatusOr<std::vector<std::optional<double>>> ExpandSeriesValues(std::string_view text) {
  std::vector<std::optional<double>> values;
  size_t i = 0;
  while (true) {
    i = text.find_first_not_of(" \t", i);
    if (i == std::string_view::npos) return values;
    size_t end = std::min(text.find_first_of(" \t", i), text.size());
    if (absl::Status s = ExpandItem(text.substr(i, end - i), &values); !s.ok()) return s;
    i = end;
  }
}

}  // namespace vigie::promql
