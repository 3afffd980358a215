// | json, | json a="path", and | unpack: JSON lines read with simdjson's On-Demand API, which
// indexes a line at several GB/s and then materialises only the values asked for.
#include <simdjson.h>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <vector>

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
  std::string name, extracted;
  std::string line;      // | unpack: the new line.
  std::string repaired;  // | json: the members of a broken line before the break, closed.

  // | json: what each key is called and whether it is needed, by its raw path (the keys from
  // the top, '\0'-separated), so that the keys every line repeats are sanitised and looked up
  // once (Loki interns them too). Cleared when it grows past kMaxKeys (keys that never repeat).
  struct KeyInfo {
    std::string name;    // Sanitised, joined with '_'.
    std::string label;   // `name`, or name_extracted.
    bool scalar_read;    // A scalar under this key is decoded (LabelNeeds::validate: all are).
    bool scalar_needed;  // A scalar under this key becomes a label.
    bool descend;        // An object under this key is walked.
  };
  static constexpr size_t kMaxKeys = 4096;
  std::unordered_map<std::string, KeyInfo> keys;
  std::string raw_path;
  // The keys of the last line walked, in the order met (depth first), each with the index of
  // the key of its enclosing object (kTop at the top) and its KeyInfo in `keys`. The lines of a
  // stream mostly repeat their keys in the same order: a key that is where the last line had it
  // is found by one comparison, without building its raw path or hashing it.
  static constexpr size_t kTop = SIZE_MAX;
  struct Seen {
    std::string key;
    size_t parent;
    const KeyInfo* info;
  };
  std::vector<Seen> shape;

  void ClearKeys() {
    keys.clear();
    shape.clear();
  }

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

// The text of a JSON string whose contents start at `chars` (after its opening quote) and hold no
// escape: itself, without copying or unescaping it. nullopt when there is an escape. Stage 1 has
// checked that the string is closed and its bytes are UTF-8.
std::optional<std::string_view> PlainString(const char* chars) {
  for (const char* p = chars;; ++p) {
    if (*p == '"') return std::string_view(chars, p - chars);
    if (*p == '\\') return std::nullopt;
  }
}

// A field's key, unescaped only when it has an escape (rarely).
error_code FieldKey(od::field& field, std::string_view* key) {
  if (std::optional<std::string_view> plain = PlainString(field.key().raw())) {
    *key = *plain;
    return simdjson::SUCCESS;
  }
  return field.unescaped_key().get(*key);
}

// A scalar's text as Loki gives it: strings unescaped, numbers as written, booleans as
// true/false. Objects and arrays: their JSON text (path expressions only). null: "". *out points
// into the parser's buffers or the line: valid until the next value is read.
template <typename Node>
error_code ValueText(Node& node, od::json_type type, std::string_view* out) {
  std::string_view text;
  error_code error = simdjson::SUCCESS;
  switch (type) {
    case od::json_type::string: {
      std::string_view raw = RawToken(node.raw_json_token());
      std::optional<std::string_view> plain =
          raw.empty() ? std::nullopt : PlainString(raw.data() + 1);
      if (plain) {
        text = *plain;
      } else {
        error = node.get_string().get(text);
      }
      break;
    }
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
  *out = error ? std::string_view() : text;
  return error;
}

std::string ErrorDetails(error_code error) {
  if (error == simdjson::INCORRECT_TYPE) return "the line is not a JSON object";
  return StrCat("invalid JSON: ", simdjson::error_message(error));
}

// Where the members of a line's top-level object end (the offsets of the commas between them),
// last first, at most kMaxRepairs: a line cut short, or broken further on, closed with '}' at
// one of them is a document of the members before the break.
constexpr size_t kMaxRepairs = 4;
std::vector<size_t> MemberEnds(std::string_view line) {
  std::vector<size_t> ends;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 1) {
      ends.push_back(i);
    }
  }
  std::reverse(ends.begin(), ends.end());
  if (ends.size() > kMaxRepairs) ends.resize(kMaxRepairs);
  return ends;
}

// | json with no expression: every scalar field, nested keys joined with '_'.
class JsonStage : public Stage {
 public:
  bool Process(LineContext& ctx, StageState* s) const override {
    if (ctx.wanted->None()) return true;  // Nothing to extract (Loki skips too).
    auto& state = static_cast<JsonState&>(*s);
    if (state.keys.size() > JsonState::kMaxKeys) state.ClearKeys();
    od::document doc;
    error_code error = state.Iterate(ctx.line, &doc);
    if (!error) error = Extract(ctx, state, doc);
    if (error && error != kFoundAll) {
      // The line is not JSON as a whole (cut short, say): Loki's parser reads member by member
      // and keeps those before the break, so the members before it are extracted too (again,
      // for those a partial walk read already: the same values).
      for (size_t end : MemberEnds(ctx.line)) {
        state.repaired.assign(ctx.line.substr(0, end));
        state.repaired.push_back('}');
        if (state.Iterate(state.repaired, &doc)) continue;
        error_code repaired = Extract(ctx, state, doc);
        // Every wanted label comes before the break: Loki stops reading there, without error.
        if (repaired == kFoundAll) error = kFoundAll;
        if (!repaired || repaired == kFoundAll) break;
      }
    }
    if (error && error != kFoundAll) ctx.labels->SetError(kJsonParserErr, ErrorDetails(error));
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<JsonState>(); }
  bool HonoursValidate() const override { return true; }
  std::string ToString() const override { return "| json"; }

 private:
  // Not an error: every wanted label is extracted, the rest of the line is not read.
  static constexpr error_code kFoundAll = simdjson::NUM_ERROR_CODES;

  // Extracts the fields of `doc`'s object; the labels set before an error are kept.
  static error_code Extract(LineContext& ctx, JsonState& state, od::document& doc) {
    od::object object;
    error_code error = doc.get_object().get(object);
    const LabelNeeds& wanted = *ctx.wanted;
    Walk walk{ctx, state, wanted, wanted.all || wanted.validate ? SIZE_MAX : wanted.names.size()};
    if (!error) error = walk.Object(object, "", JsonState::kTop);
    return error;
  }

  struct Walk {
    LineContext& ctx;
    JsonState& state;
    const LabelNeeds& wanted;
    size_t missing;  // Wanted labels not yet extracted (SIZE_MAX: all are wanted).

    size_t next = 0;  // The index in state.shape of the next key met.

    // Walks the members of `object`, whose name is `prefix` and whose key is state.shape[parent].
    error_code Object(od::object& object, std::string_view prefix, size_t parent) {
      for (auto field_result : object) {
        od::field field;
        std::string_view key;
        if (error_code e = std::move(field_result).get(field)) return e;
        if (error_code e = FieldKey(field, &key)) return e;
        od::value value = field.value();
        od::json_type type;
        if (error_code e = value.type().get(type)) return e;
        const size_t at = next++;
        const JsonState::KeyInfo& info = Key(prefix, key, parent, at);
        error_code e = simdjson::SUCCESS;
        if (type == od::json_type::object) {
          if (info.descend) {
            od::object child;
            e = value.get_object().get(child);
            if (!e) e = Object(child, info.name, at);
          }
        } else if (type != od::json_type::array && type != od::json_type::null &&
                   info.scalar_read) {
          e = Scalar(value, type, info.scalar_needed ? info.label : std::string_view());
        }
        if (e) return e;
      }
      return simdjson::SUCCESS;
    }

    // The names of `key`, the key number `at` of the line, in the object named `prefix` whose
    // key is number `parent`.
    const JsonState::KeyInfo& Key(std::string_view prefix, std::string_view key, size_t parent,
                                  size_t at) {
      std::vector<JsonState::Seen>& shape = state.shape;
      if (at < shape.size() && shape[at].parent == parent && shape[at].key == key) {
        return *shape[at].info;
      }
      // The raw path: the keys from the top, '\0'-separated.
      state.raw_path.assign(key);
      for (size_t p = parent; p != JsonState::kTop; p = shape[p].parent) {
        state.raw_path.insert(0, 1, '\0');
        state.raw_path.insert(0, shape[p].key);
      }
      auto it = state.keys.find(state.raw_path);
      if (it == state.keys.end()) {
        JsonState::KeyInfo info;
        info.name.assign(prefix);
        if (!prefix.empty()) info.name.push_back('_');
        AppendSanitizedName(&info.name, key, prefix.empty());
        info.label = ctx.labels->ExtractedName(info.name, &state.extracted);
        info.scalar_needed = !info.name.empty() && wanted.Needs(info.label);
        info.scalar_read = info.scalar_needed || (!info.name.empty() && wanted.validate);
        info.descend = wanted.validate || wanted.NeedsUnder(info.name);
        it = state.keys.emplace(state.raw_path, std::move(info)).first;
      }
      shape.resize(at);
      shape.push_back({std::string(key), parent, &it->second});
      return it->second;
    }

    // Decodes a scalar; sets it as label `name` unless `name` is "" (LabelNeeds::validate).
    error_code Scalar(od::value& value, od::json_type type, std::string_view name) {
      std::string_view text;
      if (error_code e = ValueText(value, type, &text)) return e;
      if (name.empty()) return simdjson::SUCCESS;
      if (missing != SIZE_MAX && !ctx.labels->Get(name)) --missing;
      ctx.labels->Set(name, text);
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
