#include "tests/promql/script.h"

#include <bit>
#include <charconv>
#include <cstring>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "query/promql/literals.h"
#include "query/promql/series_notation.h"

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
  absl::StatusOr<std::vector<std::optional<double>>> values = ExpandSeriesValues(rest);
  if (!values.ok()) return values.status();
  load->series.push_back({*std::move(labels), *std::move(values)});
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
  absl::StatusOr<double> scalar = TakeSeriesValue(&number, false);
  if (scalar.ok() && number.empty()) {
    if (!eval->samples.empty()) return Invalid("a scalar result is a single line");
    eval->scalar = *scalar;
    return absl::OkStatus();
  }
  std::string_view rest;
  absl::StatusOr<LabelSet> labels = ParseSeriesLabels(text, &rest);
  if (!labels.ok()) return labels.status();
  absl::StatusOr<std::vector<std::optional<double>>> values = ExpandSeriesValues(rest);
  if (!values.ok()) return values.status();
  if (values->size() != 1 || !(*values)[0]) {
    return Invalid("an expected sample has exactly one value");
  }
  eval->samples.push_back({*std::move(labels), *(*values)[0]});
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
