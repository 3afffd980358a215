// | json a="path" and | unpack: JSON lines read with simdjson's On-Demand API, which indexes a
// line at several GB/s and then materialises only the values asked for. | json without
// expressions is in stage_json_fields.cc.
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "common/labels.h"
#include "common/strings.h"
#include "query/logql/json_ondemand.h"
#include "query/logql/quote.h"
#include "query/logql/stages.h"

namespace vigie::logql {
namespace {

using json::ErrorDetails;
using json::JsonState;
using json::ValueText;
namespace od = simdjson::ondemand;
using simdjson::error_code;

constexpr std::string_view kPackedEntryKey = "_entry";

// One step of a path expression: a field name or an array index.
struct PathStep {
  bool is_index = false;
  std::string field;
  size_t index = 0;
};

// Parses Loki's JSON path syntax: a.b, a[0], a["b c"], ["a"], a.b[1].c.
absl::StatusOr<std::vector<PathStep>> ParsePath(std::string_view path) {
  std::vector<PathStep> steps;
  size_t i = 0;
  auto fail = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        StrCat("invalid JSON path ", Quote(path), ": ", why, " at offset ", i));
  };
  bool want_field = true;  // At the start or after '.': a field name must follow.
  while (i < path.size()) {
    char c = path[i];
    if (c == '[') {
      ++i;
      PathStep step;
      if (i < path.size() && path[i] == '"') {
        size_t close = path.find('"', i + 1);
        if (close == std::string_view::npos) return fail("unterminated \"");
        step.field = std::string(path.substr(i + 1, close - i - 1));
        i = close + 1;
      } else {
        size_t start = i;
        while (i < path.size() && absl::ascii_isdigit(path[i])) ++i;
        if (i == start || i - start > 9) return fail("expected an index or a quoted key");
        step.is_index = true;
        step.index = std::stoul(std::string(path.substr(start, i - start)));
      }
      if (i >= path.size() || path[i] != ']') return fail("expected ']'");
      ++i;
      steps.push_back(std::move(step));
      want_field = false;
    } else if (c == '.') {
      if (want_field) return fail("unexpected '.'");
      ++i;
      want_field = true;
    } else {
      if (!want_field) return fail("expected '.' or '['");
      size_t start = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[' && path[i] != ']' &&
             path[i] != '"' && !absl::ascii_isspace(path[i])) {
        ++i;
      }
      if (i == start) return fail("unexpected character");
      steps.push_back({false, std::string(path.substr(start, i - start)), 0});
      want_field = false;
    }
  }
  if (steps.empty() || want_field) return fail("expected a field name");
  return steps;
}

struct CompiledExpr {
  ExtractionExpr expr;
  std::vector<PathStep> steps;
};

// Finds `steps` from `node` and writes the value's text; `found` tells whether it exists.
template <typename Node>
error_code Lookup(Node& node, const std::vector<PathStep>& steps, size_t at, std::string_view* out,
                  bool* found) {
  if (at == steps.size()) {
    od::json_type type;
    if (error_code e = node.type().get(type)) return e;
    *found = true;
    return ValueText(node, type, out);
  }
  const PathStep& step = steps[at];
  if (step.is_index) {
    od::array array;
    if (error_code e = node.get_array().get(array))
      return e == simdjson::INCORRECT_TYPE ? simdjson::SUCCESS : e;
    size_t i = 0;
    for (auto element : array) {
      od::value v;
      if (error_code e = std::move(element).get(v)) return e;
      if (i++ == step.index) return Lookup(v, steps, at + 1, out, found);
    }
    return simdjson::SUCCESS;
  }
  od::object object;
  if (error_code e = node.get_object().get(object))
    return e == simdjson::INCORRECT_TYPE ? simdjson::SUCCESS : e;
  od::value v;
  error_code e = object.find_field_unordered(step.field).get(v);
  if (e == simdjson::NO_SUCH_FIELD) return simdjson::SUCCESS;
  if (e) return e;
  return Lookup(v, steps, at + 1, out, found);
}

// | json a="x.y": only the fields named; one that is missing gives an empty label.
class JsonExprStage : public Stage {
 public:
  explicit JsonExprStage(std::vector<CompiledExpr> exprs) : exprs_(std::move(exprs)) {}

  bool Process(LineContext& ctx, StageState* s) const override {
    if (ctx.line.empty() || ctx.wanted->None()) return true;
    auto& state = static_cast<JsonState&>(*s);
    od::document doc;
    error_code error = state.Iterate(ctx.line, &doc);
    for (const CompiledExpr& c : exprs_) {
      if (error) break;
      std::string_view name = ctx.labels->ExtractedName(c.expr.label, &state.extracted);
      const bool needed = ctx.wanted->Needs(name);
      if (!needed && !ctx.wanted->validate) continue;
      doc.rewind();
      bool found = false;
      std::string_view text;
      error = Lookup(doc, c.steps, 0, &text, &found);
      if (!error && found && needed) ctx.labels->Set(name, text);
    }
    if (error) {
      ctx.labels->SetError(kJsonParserErr, ErrorDetails(error));
    }
    for (const CompiledExpr& c : exprs_) {
      if (!ctx.labels->Get(c.expr.label)) ctx.labels->Set(c.expr.label, "");
    }
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<JsonState>(); }
  bool HonoursValidate() const override { return true; }
  std::string ToString() const override {
    return StrCat("| json ",
                  absl::StrJoin(exprs_, ", ", [](std::string* out, const CompiledExpr& c) {
                    out->append(c.expr.label);
                    if (c.expr.path_written) StrAppend(out, "=", Quote(c.expr.path));
                  }));
  }

 private:
  std::vector<CompiledExpr> exprs_;
};

// | unpack: string fields become labels and `_entry` the line, when the line has one.
class UnpackStage : public Stage {
 public:
  bool Process(LineContext& ctx, StageState* s) const override {
    if (ctx.line.empty() || ctx.wanted->None()) return true;
    auto& state = static_cast<JsonState&>(*s);
    od::document doc;
    od::object object;
    error_code error = state.Iterate(ctx.line, &doc);
    if (!error) error = doc.get_object().get(object);
    std::vector<std::pair<std::string, std::string>> labels;
    bool packed = false;
    if (!error) error = Fields(object, ctx, state, &labels, &packed);
    if (error) {
      ctx.labels->SetError(kJsonParserErr, ErrorDetails(error));
      return true;
    }
    if (packed) {
      for (const auto& [name, value] : labels) ctx.labels->Set(name, value);
      ctx.line = state.line;
    }
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<JsonState>(); }
  bool RewritesLine() const override { return true; }
  std::string ToString() const override { return "| unpack"; }

 private:
  // Reads the string fields: `_entry` into state.line, the others into *labels.
  static error_code Fields(od::object& object, LineContext& ctx, JsonState& state,
                           std::vector<std::pair<std::string, std::string>>* labels, bool* packed) {
    for (auto field_result : object) {
      od::field field;
      std::string_view key, value;
      od::json_type type;
      if (error_code e = std::move(field_result).get(field)) return e;
      if (error_code e = field.unescaped_key().get(key)) return e;
      if (error_code e = field.value().type().get(type)) return e;
      if (type != od::json_type::string) continue;
      if (error_code e = field.value().get_string().get(value)) return e;
      if (key == kPackedEntryKey) {
        state.line.assign(value);
        *packed = true;
        continue;
      }
      state.name.clear();
      AppendSanitizedName(&state.name, key, /*trim=*/false);
      if (state.name.empty()) continue;
      std::string_view name = ctx.labels->ExtractedName(state.name, &state.extracted);
      if (ctx.wanted->Needs(name)) labels->emplace_back(name, value);
    }
    return simdjson::SUCCESS;
  }
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Stage>> MakeJsonStage(std::vector<ExtractionExpr> exprs,
                                                           JsonWalk walk) {
  if (exprs.empty()) return json::MakeJsonFieldsStage(walk);
  std::vector<CompiledExpr> compiled;
  for (ExtractionExpr& e : exprs) {
    if (!IsValidLabelName(e.label)) {
      return absl::InvalidArgumentError(StrCat("invalid extracted label name ", Quote(e.label)));
    }
    absl::StatusOr<std::vector<PathStep>> steps = ParsePath(e.path);
    if (!steps.ok()) return steps.status();
    compiled.push_back({std::move(e), *std::move(steps)});
  }
  return std::make_shared<JsonExprStage>(std::move(compiled));
}

std::shared_ptr<const Stage> MakeUnpackStage() { return std::make_shared<UnpackStage>(); }

}  // namespace vigie::logql
