// | json, | json a="path", and | unpack: JSON lines read with simdjson's On-Demand API, which
// indexes a line at several GB/s and then materialises only the values asked for.
#include <simdjson.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "common/labels.h"
#include "common/strings.h"
#include "query/logql/quote.h"
#include "query/logql/stages.h"

namespace vigie::logql {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

constexpr std::string_view kPackedEntryKey = "_entry";

// Per-thread buffers: the parser and a copy of the line with the padding simdjson reads past
// its end.
struct JsonState : StageState {
  od::parser parser;
  std::string padded;
  std::string name, extracted, value;
  std::string line;  // | unpack: the new line.

  // Iterates the line; the document is valid until the next call.
  error_code Iterate(std::string_view line, od::document* doc) {
    padded.assign(line);
    padded.resize(line.size() + simdjson::SIMDJSON_PADDING, '\0');
    return parser.iterate(simdjson::padded_string_view(padded.data(), line.size(), padded.size()))
        .get(*doc);
  }
};

std::string_view RawToken(std::string_view token) { return token; }
std::string_view RawToken(simdjson::simdjson_result<std::string_view> token) {
  std::string_view v;
  return std::move(token).get(v) ? std::string_view() : v;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(s.back())) s.remove_suffix(1);
  return s;
}

// A scalar's text as Loki gives it: strings unescaped, numbers as written, booleans as
// true/false. Objects and arrays: their JSON text (path expressions only). null: "".
template <typename Node>
error_code ValueText(Node& node, od::json_type type, std::string* out) {
  std::string_view text;
  error_code error = simdjson::SUCCESS;
  switch (type) {
    case od::json_type::string:
      error = node.get_string().get(text);
      break;
    case od::json_type::number:
    case od::json_type::boolean:
      text = TrimRight(RawToken(node.raw_json_token()));
      break;
    case od::json_type::object: {
      od::object object;
      error = node.get_object().get(object);
      if (!error) error = object.raw_json().get(text);
      break;
    }
    case od::json_type::array: {
      od::array array;
      error = node.get_array().get(array);
      if (!error) error = array.raw_json().get(text);
      break;
    }
    case od::json_type::null:
      break;
  }
  out->assign(error ? std::string_view() : text);
  return error;
}

std::string ErrorDetails(error_code error) {
  if (error == simdjson::INCORRECT_TYPE) return "the line is not a JSON object";
  return StrCat("invalid JSON: ", simdjson::error_message(error));
}

// | json with no expression: every scalar field, nested keys joined with '_'.
class JsonStage : public Stage {
 public:
  bool Process(LineContext& ctx, StageState* s) const override {
    const LabelNeeds& wanted = *ctx.wanted;
    if (!wanted.all && wanted.names.empty()) return true;  // Nothing to extract (Loki skips too).
    auto& state = static_cast<JsonState&>(*s);
    od::document doc;
    od::object object;
    error_code error = state.Iterate(ctx.line, &doc);
    if (!error) error = doc.get_object().get(object);
    Walk walk{ctx, state, wanted, wanted.all ? SIZE_MAX : wanted.names.size()};
    std::string prefix;
    if (!error) error = walk.Object(object, &prefix);
    if (error && error != kFoundAll) ctx.labels->SetError(kJsonParserErr, ErrorDetails(error));
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<JsonState>(); }
  std::string ToString() const override { return "| json"; }

 private:
  // Not an error: every wanted label is extracted, the rest of the line is not read.
  static constexpr error_code kFoundAll = simdjson::NUM_ERROR_CODES;

  struct Walk {
    LineContext& ctx;
    JsonState& state;
    const LabelNeeds& wanted;
    size_t missing;  // Wanted labels not yet extracted (SIZE_MAX: all are wanted).

    error_code Object(od::object& object, std::string* prefix) {
      for (auto field_result : object) {
        od::field field;
        std::string_view key;
        if (error_code e = std::move(field_result).get(field)) return e;
        if (error_code e = field.unescaped_key().get(key)) return e;
        od::value value = field.value();
        od::json_type type;
        if (error_code e = value.type().get(type)) return e;
        const size_t prefix_size = prefix->size();
        if (!prefix->empty()) prefix->push_back('_');
        AppendSanitizedName(prefix, key, prefix_size == 0);
        error_code e = simdjson::SUCCESS;
        if (type == od::json_type::object) {
          if (wanted.NeedsUnder(*prefix)) {
            od::object child;
            e = value.get_object().get(child);
            if (!e) e = Object(child, prefix);
          }
        } else if (type != od::json_type::array && type != od::json_type::null &&
                   !prefix->empty()) {
          e = Scalar(value, type, *prefix);
        }
        prefix->resize(prefix_size);
        if (e) return e;
      }
      return simdjson::SUCCESS;
    }

    error_code Scalar(od::value& value, od::json_type type, std::string_view name) {
      name = ctx.labels->ExtractedName(name, &state.extracted);
      if (!wanted.Needs(name)) return simdjson::SUCCESS;
      if (error_code e = ValueText(value, type, &state.value)) return e;
      if (missing != SIZE_MAX && !ctx.labels->Get(name)) --missing;
      ctx.labels->Set(name, state.value);
      return missing == 0 ? kFoundAll : simdjson::SUCCESS;
    }
  };
};

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
error_code Lookup(Node& node, const std::vector<PathStep>& steps, size_t at, std::string* out,
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
    if (ctx.line.empty()) return true;
    auto& state = static_cast<JsonState&>(*s);
    od::document doc;
    error_code error = state.Iterate(ctx.line, &doc);
    for (const CompiledExpr& c : exprs_) {
      if (error) break;
      std::string_view name = ctx.labels->ExtractedName(c.expr.label, &state.extracted);
      if (!ctx.wanted->Needs(name)) continue;
      doc.rewind();
      bool found = false;
      error = Lookup(doc, c.steps, 0, &state.value, &found);
      if (!error && found) ctx.labels->Set(name, state.value);
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
    if (ctx.line.empty() || (!ctx.wanted->all && ctx.wanted->names.empty())) return true;
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

absl::StatusOr<std::shared_ptr<const Stage>> MakeJsonStage(std::vector<ExtractionExpr> exprs) {
  if (exprs.empty()) return std::make_shared<JsonStage>();
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
