// The grammar of the pipeline after a stream selector (docs/logql.md, "Pipeline"):
//
//   pipeline     = { line_filter | "|" stage }
//   line_filter  = ( "|=" | "!=" | "|~" | "!~" | "|>" | "!>" ) term { "or" term }
//   term         = string | "ip" "(" string ")"
//   stage        = "json" [ exprs ] | "logfmt" { flag } [ exprs ] | "regexp" string | "unpack"
//                | "pattern" string | "line_format" string | "decolorize"
//                | "label_format" label "=" ( string | label ) { "," label "=" ( string | label ) }
//                | "keep" items | "drop" items | label_filter
//   exprs        = label [ "=" string ] { "," label [ "=" string ] }
//   items        = label [ matcher_op string ] { "," label [ matcher_op string ] }
//   label_filter = predicate { ( "and" | "or" | "," | <nothing> ) predicate }   (left to right)
//   predicate    = "(" label_filter ")" | label matcher_op string
//                | label ( "=" | "==" | "!=" | ">" | ">=" | "<" | "<=" ) [ "-" ] number_or_unit
//
// A new stage kind is one Parser method and one entry in kStageParsers below.
#include <optional>

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/parser_impl.h"

namespace vigie::logql::internal {
namespace {

std::optional<FilterOp> LineFilterOp(TokenKind kind) {
  switch (kind) {
    case TokenKind::kPipeEq:
      return FilterOp::kContains;
    case TokenKind::kNe:
      return FilterOp::kNotContains;
    case TokenKind::kPipeRe:
      return FilterOp::kRegex;
    case TokenKind::kNre:
      return FilterOp::kNotRegex;
    case TokenKind::kPipePattern:
      return FilterOp::kPattern;
    case TokenKind::kNotPattern:
      return FilterOp::kNotPattern;
    default:
      return std::nullopt;
  }
}

std::optional<CompareOp> ComparisonOp(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEq:
    case TokenKind::kEqEq:
      return CompareOp::kEq;
    case TokenKind::kNe:
      return CompareOp::kNe;
    case TokenKind::kGt:
      return CompareOp::kGt;
    case TokenKind::kGe:
      return CompareOp::kGe;
    case TokenKind::kLt:
      return CompareOp::kLt;
    case TokenKind::kLe:
      return CompareOp::kLe;
    default:
      return std::nullopt;
  }
}

// Stages of Loki that vigie does not run (yet): named so that the error says so.
constexpr std::string_view kUnsupportedStages[] = {"unwrap", "distinct"};

}  // namespace

std::optional<MatchType> MatcherOp(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEq:
      return MatchType::kEqual;
    case TokenKind::kNe:
      return MatchType::kNotEqual;
    case TokenKind::kRe:
      return MatchType::kRegex;
    case TokenKind::kNre:
      return MatchType::kNotRegex;
    default:
      return std::nullopt;
  }
}

absl::Status Parser::PipelineStages(LogSelector* selector) {
  logql::Pipeline& pipeline = selector->pipeline;
  if (!pipeline.has_stages()) {
    // Filters before the range of a metric query were left in `filter` alone: list them again,
    // so that the pipeline prints them in their place.
    for (const LineFilterSpec& spec : selector->filter.specs()) {
      absl::StatusOr<std::shared_ptr<const logql::Stage>> stage =
          MakeLineFilterStage(spec, limits_);
      if (!stage.ok()) return stage.status();
      pipeline.Add(*std::move(stage), /*prefiltered=*/true);
    }
  }
  bool rewritten = pipeline.rewrites_line();
  while (true) {
    if (std::optional<FilterOp> op = LineFilterOp(Peek().kind)) {
      const Token& op_token = Next();
      absl::StatusOr<LineFilterSpec> spec = LineFilterAfter(*op, op_token);
      if (!spec.ok()) return spec.status();
      absl::StatusOr<std::shared_ptr<const logql::Stage>> stage =
          MakeLineFilterStage(*spec, limits_);
      if (!stage.ok()) return Error(op_token, std::string(stage.status().message()));
      // Before any stage that rewrites the line, a filter runs on the stored line, with the fast
      // paths of LogSelector::filter.
      if (!rewritten) {
        if (absl::Status s = selector->filter.Add(*spec, limits_); !s.ok()) {
          return Error(op_token, std::string(s.message()));
        }
      }
      pipeline.Add(*std::move(stage), /*prefiltered=*/!rewritten);
      continue;
    }
    if (Peek().kind != TokenKind::kPipe) break;
    // | unwrap ends the pipeline of a range aggregation (parser_metric.cc).
    if (tokens_[pos_ + 1].kind == TokenKind::kIdent && tokens_[pos_ + 1].text == "unwrap") break;
    Next();
    absl::StatusOr<std::shared_ptr<const logql::Stage>> stage = NextStage();
    if (!stage.ok()) return stage.status();
    rewritten = rewritten || (*stage)->RewritesLine();
    pipeline.Add(*std::move(stage));
  }
  if (pipeline.empty()) pipeline = logql::Pipeline();  // Line filters only: all in `filter`.
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::NextStage() {
  using StageParser = absl::StatusOr<std::shared_ptr<const logql::Stage>> (Parser::*)(const Token&);
  struct StageKind {
    std::string_view keyword;
    StageParser parse;
  };
  static constexpr StageKind kStageParsers[] = {
      {"json", &Parser::JsonStage},
      {"logfmt", &Parser::LogfmtStage},
      {"regexp", &Parser::RegexpStage},
      {"unpack", &Parser::UnpackStage},
      {"keep", &Parser::KeepStage},
      {"drop", &Parser::DropStage},
      {"line_format", &Parser::LineFormatStage},
      {"label_format", &Parser::LabelFormatStage},
      {"decolorize", &Parser::DecolorizeStage},
      {"pattern", &Parser::PatternStage},
  };
  const Token& token = Peek();
  // `| json` is a stage, `| json="x"` a label filter on a label called json.
  const TokenKind after = tokens_[std::min(pos_ + 1, tokens_.size() - 1)].kind;
  if (token.kind == TokenKind::kIdent && !MatcherOp(after) && !ComparisonOp(after)) {
    for (const StageKind& kind : kStageParsers) {
      if (kind.keyword == token.text) return (this->*kind.parse)(Next());
    }
    for (std::string_view name : kUnsupportedStages) {
      if (name == token.text) {
        return Error(token, StrCat("the stage '", name,
                                   "' is not supported: vigie runs json, logfmt, regexp, "
                                   "pattern, unpack, line_format, label_format, decolorize, "
                                   "keep, drop and label filters"));
      }
    }
  }
  if (token.kind == TokenKind::kIdent || token.kind == TokenKind::kLParen) {
    absl::StatusOr<std::unique_ptr<LabelFilterExpr>> filter = LabelFilter(0);
    if (!filter.ok()) return filter.status();
    return MakeLabelFilterStage(*std::move(filter));
  }
  return Expected(
      "a stage after '|': json, logfmt, regexp, pattern, unpack, line_format, label_format, "
      "decolorize, keep, drop, or a label filter such as status >= 500",
      token);
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::JsonStage(const Token& keyword) {
  absl::StatusOr<std::vector<ExtractionExpr>> exprs = ExtractionExprs();
  if (!exprs.ok()) return exprs.status();
  absl::StatusOr<std::shared_ptr<const logql::Stage>> stage = MakeJsonStage(*std::move(exprs));
  if (!stage.ok()) return Error(keyword, std::string(stage.status().message()));
  return stage;
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::LogfmtStage(const Token& keyword) {
  LogfmtOptions options;
  while (Peek().kind == TokenKind::kFlag) {
    const Token& flag = Next();
    if (flag.text == "strict") {
      options.strict = true;
    } else if (flag.text == "keep-empty") {
      options.keep_empty = true;
    } else {
      return Error(flag, StrCat("unknown option '", flag.raw,
                                "' of | logfmt: it takes --strict and --keep-empty"));
    }
  }
  absl::StatusOr<std::vector<ExtractionExpr>> exprs = ExtractionExprs();
  if (!exprs.ok()) return exprs.status();
  absl::StatusOr<std::shared_ptr<const logql::Stage>> stage =
      MakeLogfmtStage(options, *std::move(exprs));
  if (!stage.ok()) return Error(keyword, std::string(stage.status().message()));
  return stage;
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::RegexpStage(const Token&) {
  const Token& pattern = Next();
  if (pattern.kind != TokenKind::kString) {
    return Expected("a regex with named groups after | regexp, such as \"(?P<status>\\\\d+)\"",
                    pattern);
  }
  absl::StatusOr<std::shared_ptr<const logql::Stage>> stage =
      MakeRegexpStage(pattern.text, limits_);
  if (!stage.ok()) return Error(pattern, std::string(stage.status().message()));
  return stage;
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::UnpackStage(const Token&) {
  return MakeUnpackStage();
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::KeepStage(const Token& keyword) {
  absl::StatusOr<std::vector<LabelItem>> items = LabelItems(keyword);
  if (!items.ok()) return items.status();
  return MakeKeepStage(*std::move(items));
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::DropStage(const Token& keyword) {
  absl::StatusOr<std::vector<LabelItem>> items = LabelItems(keyword);
  if (!items.ok()) return items.status();
  return MakeDropStage(*std::move(items));
}

absl::StatusOr<std::vector<ExtractionExpr>> Parser::ExtractionExprs() {
  std::vector<ExtractionExpr> exprs;
  if (Peek().kind != TokenKind::kIdent) return exprs;
  while (true) {
    const Token& label = Next();
    if (label.kind != TokenKind::kIdent) return Expected("a label name", label);
    ExtractionExpr expr{label.text, label.text, false};
    if (Peek().kind == TokenKind::kEq) {
      Next();
      const Token& path = Next();
      if (path.kind != TokenKind::kString) {
        return Expected(StrCat("a string after '", label.text, "=', such as \"a.b[0]\""), path);
      }
      expr.path = path.text;
      expr.path_written = true;
    }
    exprs.push_back(std::move(expr));
    if (Peek().kind != TokenKind::kComma) return exprs;
    Next();
  }
}

absl::StatusOr<std::vector<LabelItem>> Parser::LabelItems(const Token& keyword) {
  std::vector<LabelItem> items;
  while (true) {
    const Token& name = Next();
    if (name.kind != TokenKind::kIdent) {
      return Expected(
          StrCat("a label name after '", keyword.text, items.empty() ? "'" : "' and ','"), name);
    }
    LabelItem item{name.text, std::nullopt};
    if (std::optional<MatchType> type = MatcherOp(Peek().kind)) {
      const Token& op = Next();
      const Token& value = Next();
      if (value.kind != TokenKind::kString) {
        return Expected(StrCat("a string after \"", std::string(op.raw), "\""), value);
      }
      absl::StatusOr<LabelMatcher> m = LabelMatcher::Make(name.text, *type, value.text, limits_);
      if (!m.ok()) return Error(value, std::string(m.status().message()));
      item.matcher = *std::move(m);
    }
    items.push_back(std::move(item));
    if (Peek().kind != TokenKind::kComma) return items;
    Next();
  }
}

absl::StatusOr<std::unique_ptr<LabelFilterExpr>> Parser::LabelFilter(int depth) {
  absl::StatusOr<std::unique_ptr<LabelFilterExpr>> left = LabelPredicate(depth);
  if (!left.ok()) return left.status();
  std::unique_ptr<LabelFilterExpr> expr = *std::move(left);
  while (true) {
    LabelFilterExpr::Kind kind = LabelFilterExpr::Kind::kAnd;
    if (PeekIdent("and") || PeekIdent("or") || Peek().kind == TokenKind::kComma) {
      if (PeekIdent("or")) kind = LabelFilterExpr::Kind::kOr;
      Next();
    } else if (Peek().kind != TokenKind::kIdent && Peek().kind != TokenKind::kLParen) {
      return expr;  // A predicate directly after another one means `and`, as in Loki.
    }
    absl::StatusOr<std::unique_ptr<LabelFilterExpr>> right = LabelPredicate(depth);
    if (!right.ok()) return right.status();
    expr = LabelFilterExpr::Binary(kind, std::move(expr), *std::move(right));
  }
}

absl::StatusOr<std::unique_ptr<LabelFilterExpr>> Parser::LabelPredicate(int depth) {
  if (Peek().kind == TokenKind::kLParen) {
    if (depth >= kMaxNesting) return Error(Peek(), "label filters are nested too deeply");
    Next();
    absl::StatusOr<std::unique_ptr<LabelFilterExpr>> inner = LabelFilter(depth + 1);
    if (!inner.ok()) return inner.status();
    if (absl::Status s = Expect(TokenKind::kRParen, "')' closing the label filter"); !s.ok()) {
      return s;
    }
    return inner;
  }
  const Token& name = Next();
  if (name.kind != TokenKind::kIdent) return Expected("a label name", name);
  const Token& op = Next();
  std::optional<MatchType> match = MatcherOp(op.kind);
  std::optional<CompareOp> compare = ComparisonOp(op.kind);
  if (!match && !compare) {
    return Expected(
        StrCat("a comparison (= != =~ !~ == > >= < <=) after label name '", name.text, "'"), op);
  }
  if (match && (Peek().kind == TokenKind::kString || !compare)) {
    const Token& value = Next();
    if (value.kind != TokenKind::kString) {
      return Expected(StrCat("a string after \"", std::string(op.raw), "\""), value);
    }
    absl::StatusOr<LabelMatcher> m = LabelMatcher::Make(name.text, *match, value.text, limits_);
    if (!m.ok()) return Error(value, std::string(m.status().message()));
    return LabelFilterExpr::Matcher(*std::move(m));
  }
  const Token& first = Next();
  bool negative = false;
  const Token* value = &first;
  if (first.kind == TokenKind::kOther && (first.raw == "-" || first.raw == "+")) {
    negative = first.raw == "-";
    value = &Next();
  }
  if (value->kind == TokenKind::kIdent && value->text == "ip") {
    if (match != MatchType::kEqual && match != MatchType::kNotEqual) {
      return Error(op, "ip() label filters compare with = or != only");
    }
    if (absl::Status s = Expect(TokenKind::kLParen, "'(' after ip"); !s.ok()) return s;
    const Token& pattern = Next();
    if (pattern.kind != TokenKind::kString)
      return Expected("a string such as \"10.0.0.0/8\"", pattern);
    absl::StatusOr<IpMatcher> ip = IpMatcher::Parse(pattern.text);
    if (!ip.ok()) return Error(pattern, std::string(ip.status().message()));
    if (absl::Status s = Expect(TokenKind::kRParen, "')' closing ip("); !s.ok()) return s;
    return LabelFilterExpr::Ip(name.text, match == MatchType::kNotEqual, *std::move(ip));
  }
  const std::string what = StrCat("a number, a duration (250ms) or a byte size (20MB) after \"",
                                  std::string(op.raw), "\"");
  if (value->kind == TokenKind::kString) {
    return Error(*value, StrCat("expected ", what, ", found ", Describe(*value),
                                ": only = != =~ !~ compare strings"));
  }
  if (value->kind != TokenKind::kDuration) return Expected(what, *value);
  const std::string& text = value->text;
  if (std::optional<double> number = ParseGoFloat(text)) {
    return LabelFilterExpr::Number(name.text, *compare, negative ? -*number : *number);
  }
  std::optional<int64_t> nanos = ParseGoDuration(text);
  if (!nanos) {
    absl::StatusOr<int64_t> long_duration = ParseDuration(text);  // 1d, 1w, 1y as well.
    if (long_duration.ok()) nanos = *long_duration;
  }
  if (nanos) return LabelFilterExpr::Duration(name.text, *compare, negative ? -*nanos : *nanos);
  if (std::optional<uint64_t> bytes = ParseHumanBytes(text)) {
    if (negative) return Error(first, "a byte size cannot be negative");
    return LabelFilterExpr::Bytes(name.text, *compare, *bytes);
  }
  return Expected(what, *value);
}

}  // namespace vigie::logql::internal
