// The grammar of the formatting and pattern stages (docs/logql.md):
//
//   "line_format" string | "decolorize" | "pattern" string
//   "label_format" label "=" ( string | label ) { "," label "=" ( string | label ) }
#include "common/strings.h"
#include "query/logql/parser_impl.h"
#include "query/logql/stage_format.h"

namespace vigie::logql::internal {

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::LineFormatStage(const Token&) {
  const Token& text = Next();
  if (text.kind != TokenKind::kString) {
    return Expected("a template after | line_format, such as \"{{.method}} {{.uri}}\"", text);
  }
  absl::StatusOr<std::shared_ptr<const logql::Stage>> stage = MakeLineFormatStage(text.text);
  if (!stage.ok()) return Error(text, std::string(stage.status().message()));
  return stage;
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::LabelFormatStage(const Token& keyword) {
  std::vector<LabelFormat> items;
  while (true) {
    const Token& name = Next();
    if (name.kind != TokenKind::kIdent) {
      return Expected(
          StrCat("a label name after '", keyword.text, items.empty() ? "'" : "' and ','"), name);
    }
    if (absl::Status s = Expect(TokenKind::kEq, StrCat("'=' after '", name.text, "'")); !s.ok()) {
      return s;
    }
    const Token& value = Next();
    if (value.kind != TokenKind::kString && value.kind != TokenKind::kIdent) {
      return Expected(StrCat("a template string or a label name after '", name.text, "='"), value);
    }
    items.push_back({name.text, value.text, value.kind == TokenKind::kIdent});
    if (value.kind == TokenKind::kString) {
      // Check this template alone, so that an error points at it.
      absl::StatusOr<std::shared_ptr<const logql::Stage>> one =
          MakeLabelFormatStage({items.back()});
      if (!one.ok()) return Error(value, std::string(one.status().message()));
    }
    if (Peek().kind != TokenKind::kComma) break;
    Next();
  }
  absl::StatusOr<std::shared_ptr<const logql::Stage>> stage =
      MakeLabelFormatStage(std::move(items));
  if (!stage.ok()) return Error(keyword, std::string(stage.status().message()));
  return stage;
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::DecolorizeStage(const Token&) {
  return MakeDecolorizeStage();
}

absl::StatusOr<std::shared_ptr<const logql::Stage>> Parser::PatternStage(const Token&) {
  const Token& text = Next();
  if (text.kind != TokenKind::kString) {
    return Expected(
        "a pattern after | pattern, such as \"<ip> - - <_> \\\"<method> <uri> <_>\\\"\"", text);
  }
  absl::StatusOr<std::shared_ptr<const logql::Stage>> stage = MakePatternStage(text.text);
  if (!stage.ok()) return Error(text, std::string(stage.status().message()));
  return stage;
}

}  // namespace vigie::logql::internal
