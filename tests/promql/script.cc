#include "tests/promql/script.h"

#include <bit>
#include <charconv>
#include <cstring>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "query/promql/lexer.h"
#include "query/promql/literals.h"

namespace vigie::promql::script {
namespace {

constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(s.front())) s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(s.back())) s.remove_suffix(1);
  return s;
}

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

// A signed number (or stale) at the start of *s, consumed.
absl::StatusOr<double> TakeValue(std::string_view* s, bool allow_stale) {
  double sign = 1;
  if (!s->empty() && (s->front() == '+' || s->front() == '-')) {
    sign = s->front() == '-' ? -1 : 1;
    s->remove_prefix(1);
  }
  size_t n = NumberLength(*s);
  std::string_view word = s->substr(0, n);
  s->remove_prefix(n);
  if (word == "stale" && allow_stale && sign > 0) return StaleNaN();
  absl::StatusOr<double> value = ParseNumber(word);
  if (!value.ok() || word.empty()) {
    return Invalid(StrCat("expected a number or stale, found \"", word, "\""));
  }
  return sign * *value;
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

// Splits on spaces and tabs.
std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i == s.size()) return out;
    size_t end = s.find_first_of(" \t", i);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(i, end - i));
    i = end;
  }
}

// The time of `eval ... at <time>`: a duration such as 10m, or 0.
absl::StatusOr<int64_t> ParseTimeOrDuration(std::string_view text) {
  if (text == "0") return 0;
  return ParseDuration(text);
}

struct Line {
  int number;
  std::string_view text;  // Trimmed; empty for blank lines and comments.
};

std::vector<Line> Lines(std::string_view text) {
  std::vector<Line> lines;
  int number = 0;
  for (size_t start = 0; start <= text.size();) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = Trim(text.substr(start, end - start));
    if (line.starts_with("#")) line = {};
    lines.push_back({++number, line});
    start = end + 1;
  }
  return lines;
}

absl::Status AtLine(int line, const absl::Status& status) {
  return absl::InvalidArgumentError(StrCat("line ", line, ": ", status.message()));
}

absl::StatusOr<Load> ParseLoad(const Line& head, std::string_view args) {
  Load load{.line = head.number};
  absl::StatusOr<int64_t> step = ParseDuration(Trim(args));
  if (!step.ok()) return step.status();
  if (*step <= 0) return Invalid("the step of load must be positive");
  load.step_ns = *step;
  return load;
}

absl::Status AddSeries(std::string_view text, Load* load) {
  std::string_view rest;
  absl::StatusOr<LabelSet> labels = ParseSeriesLabels(text, &rest);
  if (!labels.ok()) return labels.status();
  LoadSeries series{*std::move(labels), {}};
  for (std::string_view item : Fields(rest)) {
    if (absl::Status s = ExpandItem(item, &series.values); !s.ok()) return s;
  }
  load->series.push_back(std::move(series));
  return absl::OkStatus();
}

// eval[_fail|_ordered] instant [at <time>] <expr>
absl::StatusOr<Eval> ParseEvalHead(const Line& head, std::string_view command,
                                   std::string_view args) {
  Eval eval{.line = head.number};
  eval.fail = command == "eval_fail";
  eval.ordered = command == "eval_ordered";
  std::vector<std::string_view> fields = Fields(args);
  if (fields.empty() || fields[0] != "instant") {
    return Invalid("expected `instant` after eval (range evaluations are not part of the format)");
  }
  std::string_view rest = Trim(args.substr(args.find("instant") + 7));
  if (rest.starts_with("at ") || rest.starts_with("at\t")) {
    rest = Trim(rest.substr(3));
    size_t end = rest.find_first_of(" \t");
    if (end == std::string_view::npos) return Invalid("expected an expression after the time");
    absl::StatusOr<int64_t> time = ParseTimeOrDuration(rest.substr(0, end));
    if (!time.ok()) return time.status();
    eval.time_ns = *time;
    rest = Trim(rest.substr(end));
  }
  if (rest.empty()) return Invalid("expected an expression to evaluate");
  eval.expr = std::string(rest);
  return eval;
}

absl::Status AddExpectation(std::string_view text, Eval* eval) {
  for (std::string_view key : {"expected_fail_message", "expected_fail_regexp"}) {
    if (text.starts_with(key) && (text.size() == key.size() || text[key.size()] == ' ')) {
      if (!eval->fail) return Invalid(StrCat(key, " only goes with eval_fail"));
      std::string value(Trim(text.substr(key.size())));
      (key == "expected_fail_message" ? eval->fail_message : eval->fail_regexp) = value;
      return absl::OkStatus();
    }
  }
  if (eval->fail) return Invalid("eval_fail expects no result lines");
  if (eval->scalar) return Invalid("a scalar result is a single line");
  std::string_view number = text;
  absl::StatusOr<double> scalar = TakeValue(&number, false);
  if (scalar.ok() && number.empty()) {
    if (!eval->samples.empty()) return Invalid("a scalar result is a single line");
    eval->scalar = *scalar;
    return absl::OkStatus();
  }
  std::string_view rest;
  absl::StatusOr<LabelSet> labels = ParseSeriesLabels(text, &rest);
  if (!labels.ok()) return labels.status();
  std::vector<std::optional<double>> values;
  for (std::string_view item : Fields(rest)) {
    if (absl::Status s = ExpandItem(item, &values); !s.ok()) return s;
  }
  if (values.size() != 1 || !values[0]) {
    return Invalid("an expected sample has exactly one value");
  }
  eval->samples.push_back({*std::move(labels), *values[0]});
  return absl::OkStatus();
}

bool IsCommand(std::string_view word) {
  for (std::string_view c : {"load", "clear", "eval", "eval_fail", "eval_ordered"}) {
    if (word == c) return true;
  }
  return false;
}

}  // namespace

double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
bool IsStaleNaN(double value) { return std::bit_cast<uint64_t>(value) == kStaleNaNBits; }

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
  absl::StatusOr<double> start = TakeValue(&s, true);
  if (!start.ok()) return bad(start.status());
  if (s.empty()) {
    values->push_back(*start);
    return absl::OkStatus();
  }
  double increment = 0;
  if (s.front() == '+' || s.front() == '-') {
    absl::StatusOr<double> step = TakeValue(&s, false);
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

absl::StatusOr<std::vector<Command>> ParseScript(std::string_view text) {
  std::vector<Command> commands;
  std::vector<Line> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& head = lines[i];
    if (head.text.empty()) continue;
    size_t space = head.text.find_first_of(" \t");
    std::string command = absl::AsciiStrToLower(std::string(head.text.substr(0, space)));
    std::string_view args = space == std::string_view::npos ? "" : head.text.substr(space);
    // The lines after a load or an eval, up to a blank line, belong to it.
    auto body = [&](auto add) -> absl::Status {
      for (; i + 1 < lines.size() && !lines[i + 1].text.empty(); ++i) {
        const Line& line = lines[i + 1];
        std::string word = absl::AsciiStrToLower(std::string(Fields(line.text)[0]));
        if (IsCommand(word)) {
          return AtLine(line.number, Invalid("a command must follow a blank line"));
        }
        if (absl::Status s = add(line.text); !s.ok()) return AtLine(line.number, s);
      }
      return absl::OkStatus();
    };
    if (command == "load") {
      absl::StatusOr<Load> load = ParseLoad(head, args);
      if (!load.ok()) return AtLine(head.number, load.status());
      if (absl::Status s = body([&](std::string_view l) { return AddSeries(l, &*load); });
          !s.ok()) {
        return s;
      }
      commands.push_back(*std::move(load));
    } else if (command == "clear") {
      if (!Trim(args).empty()) {
        return AtLine(head.number, Invalid("clear takes no arguments"));
      }
      commands.push_back(Clear{head.number});
    } else if (IsCommand(command)) {
      absl::StatusOr<Eval> eval = ParseEvalHead(head, command, args);
      if (!eval.ok()) return AtLine(head.number, eval.status());
      if (absl::Status s = body([&](std::string_view l) { return AddExpectation(l, &*eval); });
          !s.ok()) {
        return s;
      }
      commands.push_back(*std::move(eval));
    } else {
      return AtLine(head.number,
                    Invalid(StrCat("unknown command \"", command,
                                   "\" (load, clear, eval, eval_fail, eval_ordered)")));
    }
  }
  return commands;
}

}  // namespace vigie::promql::script
