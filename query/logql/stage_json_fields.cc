// | json with no expression: every scalar member of a JSON object line, nested keys joined with
// '_'. Two walks extract the same labels (stages.h, JsonWalk): over the line's structural index
// (json_index.h), for the lines that are strictly JSON, and with simdjson's On-Demand API, which
// reads the others (and decides their errors) as it always has.
#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/labels.h"
#include "query/logql/json_index.h"
#include "query/logql/json_ondemand.h"
#include "query/logql/stages.h"

namespace vigie::logql::json {
namespace {

constexpr std::string_view kStageName = "| json";

struct JsonFieldsState : JsonState {
  // What each key is called and whether it is needed, by its raw path (the keys from the top,
  // '\0'-separated), so that the keys every line repeats are sanitised and looked up once (Loki
  // interns them too). Cleared when it grows past kMaxKeys (keys that never repeat).
  struct KeyInfo {
    std::string name;    // Sanitised, joined with '_'.
    std::string label;   // `name`, or name_extracted.
    bool scalar_read;    // A scalar under this key is decoded (LabelNeeds::validate: all are).
    bool scalar_needed;  // A scalar under this key becomes a label.
    bool descend;        // An object under this key is walked.
    // An object under this key may hold a needed label. When none may, the indexed walk checks
    // it as strictly as it reads the others (Skip) without looking its keys up, which gives the
    // same labels and accepts no line that On-Demand, descending, would find in error.
    bool needed_under;
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

  // The indexed walk: the line's structural index, and the labels it found, set only once the
  // walk has accepted the line (a line it gives up on is walked again by On-Demand from the
  // start, which must find the labels as they were). Names point into `keys`, values into the
  // line or the index.
  JsonLineIndex index;
  std::vector<std::pair<std::string_view, std::string_view>> found;

  void ClearKeys() {
    keys.clear();
    shape.clear();
  }
};

// Not an error: every wanted label is extracted, the rest of the line is not read.
constexpr error_code kFoundAll = simdjson::NUM_ERROR_CODES;

// How the indexed walk ends: kNotStrict when it meets a token it does not accept strictly (the
// On-Demand walk then reads the line).
enum class Indexed { kRead, kFoundAll, kNotStrict };

// Deeper objects and arrays are left to the On-Demand walk (which allows 1024 levels).
constexpr int kMaxIndexedDepth = 64;

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

// A field's key, unescaped only when it has an escape (rarely).
error_code FieldKey(od::field& field, std::string_view* key) {
  if (std::optional<std::string_view> plain = PlainString(field.key().raw())) {
    *key = *plain;
    return simdjson::SUCCESS;
  }
  return field.unescaped_key().get(*key);
}

// The text of scalar token i (a string unescaped, a number or literal as written), when it is
// strictly one; *null tells a null (which gives no label).
bool IndexedScalar(JsonLineIndex& index, size_t i, std::string_view* text, bool* null) {
  *null = false;
  switch (index.At(i)) {
    case '"':
      return index.String(i, text);
    case 't':
    case 'f':
      return index.Literal(i, text);
    case 'n':
      *null = true;
      return index.Literal(i, text);
    default:
      return index.Number(i, text);
  }
}

// Whether a token that starts with `c` is a string, number or literal to On-Demand (its
// value_iterator::type()); objects and arrays are told apart before.
bool StartsScalar(char c) {
  switch (c) {
    case '"':
    case 't':
    case 'f':
    case 'n':
    case '-':
      return true;
    default:
      return c >= '0' && c <= '9';
  }
}

// The labels of one line, by either walk.
struct Walk {
  using KeyInfo = JsonFieldsState::KeyInfo;

  LineContext& ctx;
  JsonFieldsState& state;
  const LabelNeeds& wanted;
  size_t missing;  // Wanted labels not yet extracted (SIZE_MAX: all are wanted).
  // The indexed walk collects its labels here; the On-Demand walk (null) sets them at once.
  std::vector<std::pair<std::string_view, std::string_view>>* found;

  size_t next = 0;  // The index in state.shape of the next key met.

  // On-Demand: walks the members of `object`, whose name is `prefix` and whose key is
  // state.shape[parent].
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
      const KeyInfo& info = Key(prefix, key, parent, at);
      error_code e = simdjson::SUCCESS;
      if (type == od::json_type::object) {
        if (info.descend) {
          od::object child;
          e = value.get_object().get(child);
          if (!e) e = Object(child, info.name, at);
        }
      } else if (type != od::json_type::array && type != od::json_type::null && info.scalar_read) {
        std::string_view text;
        e = ValueText(value, type, &text);
        if (!e && info.scalar_needed) e = Found(info, text);
      }
      if (e) return e;
    }
    return simdjson::SUCCESS;
  }

  // Indexed: walks the members of the object whose '{' is token *i, as Object() does; *i ends
  // past its '}'. kNotStrict as soon as a token is not strictly JSON.
  Indexed IndexedObject(JsonLineIndex& index, size_t* i, std::string_view prefix, size_t parent,
                        int depth) {
    if (depth > kMaxIndexedDepth) return Indexed::kNotStrict;
    if (index.At(++*i) == '}') {
      ++*i;
      return Indexed::kRead;
    }
    for (;;) {
      std::string_view key;
      if (!index.String(*i, &key) || index.At(*i + 1) != ':') return Indexed::kNotStrict;
      *i += 2;
      const size_t at = next++;
      const KeyInfo& info = Key(prefix, key, parent, at);
      const char first = index.At(*i);
      if (first == '{' && info.descend && info.needed_under) {
        const Indexed e = IndexedObject(index, i, info.name, at, depth + 1);
        if (e != Indexed::kRead) return e;
      } else if (first == '{' || first == '[') {
        if (!Skip(index, i, depth + 1)) return Indexed::kNotStrict;
      } else if (info.scalar_read) {
        std::string_view text;
        bool null;
        if (!IndexedScalar(index, (*i)++, &text, &null)) return Indexed::kNotStrict;
        if (!null && info.scalar_needed && Found(info, text) == kFoundAll) {
          return Indexed::kFoundAll;
        }
      } else {
        // A value On-Demand does not read: it checks only that its first byte starts a value,
        // and moves on to the next token; so does this walk.
        if (!StartsScalar(first)) return Indexed::kNotStrict;
        ++*i;
      }
      const char c = index.At((*i)++);
      if (c == '}') return Indexed::kRead;
      if (c != ',') return Indexed::kNotStrict;
    }
  }

  // Indexed: whether the value at token *i is strictly JSON, extracting nothing (an array, or
  // an object the labels do not need); *i ends past it.
  static bool Skip(JsonLineIndex& index, size_t* i, int depth) {
    const char open = index.At(*i);
    if (open != '{' && open != '[') {
      std::string_view text;
      bool null;
      return IndexedScalar(index, (*i)++, &text, &null);
    }
    if (depth > kMaxIndexedDepth) return false;
    const char close = open == '{' ? '}' : ']';
    if (index.At(++*i) == close) {
      ++*i;
      return true;
    }
    for (;;) {
      if (open == '{') {
        std::string_view key;
        if (!index.String(*i, &key) || index.At(*i + 1) != ':') return false;
        *i += 2;
      }
      if (!Skip(index, i, depth + 1)) return false;
      const char c = index.At((*i)++);
      if (c == close) return true;
      if (c != ',') return false;
    }
  }

  // The names of `key`, the key number `at` of the line, in the object named `prefix` whose
  // key is number `parent`.
  const KeyInfo& Key(std::string_view prefix, std::string_view key, size_t parent, size_t at) {
    const std::vector<JsonFieldsState::Seen>& shape = state.shape;
    if (at < shape.size() && shape[at].parent == parent && SameBytes(shape[at].key, key)) {
      return *shape[at].info;
    }
    return NewKey(prefix, key, parent, at);
  }

  // Key() for a key that is not where the last line had it.
  [[gnu::noinline]] const KeyInfo& NewKey(std::string_view prefix, std::string_view key,
                                          size_t parent, size_t at) {
    std::vector<JsonFieldsState::Seen>& shape = state.shape;
    // The raw path: the keys from the top, '\0'-separated.
    state.raw_path.assign(key);
    for (size_t p = parent; p != JsonFieldsState::kTop; p = shape[p].parent) {
      state.raw_path.insert(0, 1, '\0');
      state.raw_path.insert(0, shape[p].key);
    }
    auto it = state.keys.find(state.raw_path);
    if (it == state.keys.end()) {
      KeyInfo info;
      info.name.assign(prefix);
      if (!prefix.empty()) info.name.push_back('_');
      AppendSanitizedName(&info.name, key, prefix.empty());
      info.label = ctx.labels->ExtractedName(info.name, &state.extracted);
      info.scalar_needed = !info.name.empty() && wanted.Needs(info.label);
      info.scalar_read = info.scalar_needed || (!info.name.empty() && wanted.validate);
      info.descend = wanted.validate || wanted.NeedsUnder(info.name);
      // (The keys under a key named "" are named as at the top.)
      info.needed_under = info.name.empty() || wanted.NeedsUnder(info.name);
      it = state.keys.emplace(state.raw_path, std::move(info)).first;
    }
    shape.resize(at);
    shape.push_back({std::string(key), parent, &it->second});
    return it->second;
  }

  // A scalar under `info`'s key, which is needed as a label.
  error_code Found(const KeyInfo& info, std::string_view text) {
    const std::string_view name = info.label;
    if (missing != SIZE_MAX && !Has(name)) --missing;
    if (found != nullptr) {
      found->emplace_back(name, text);
    } else {
      ctx.labels->Set(name, text);
    }
    return missing == 0 ? kFoundAll : simdjson::SUCCESS;
  }

  bool Has(std::string_view name) const {
    if (ctx.labels->Get(name)) return true;
    return found != nullptr && std::any_of(found->begin(), found->end(),
                                           [name](const auto& f) { return f.first == name; });
  }
};

class JsonStage : public Stage {
 public:
  explicit JsonStage(JsonWalk walk) : walk_(walk) {}

  bool Process(LineContext& ctx, StageState* s) const override {
    if (ctx.wanted->None()) return true;  // Nothing to extract (Loki skips too).
    auto& state = static_cast<JsonFieldsState&>(*s);
    if (state.keys.size() > JsonFieldsState::kMaxKeys) state.ClearKeys();
    // The indexed walk reads every value faster than On-Demand; with a hint (a metric query
    // that reads a few labels), On-Demand, which stops once it has them and skips the values
    // before without reading them, is faster (bench/micro_bench, PipelineBench/json_status_only).
    const bool reads_all = ctx.wanted->all || ctx.wanted->validate;
    if (walk_ == JsonWalk::kIndexed && reads_all && ExtractIndexed(ctx, state)) return true;
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
  std::unique_ptr<StageState> NewState() const override {
    return std::make_unique<JsonFieldsState>();
  }
  bool HonoursValidate() const override { return true; }
  std::string ToString() const override { return std::string(kStageName); }

 private:
  static size_t Missing(const LabelNeeds& wanted) {
    return wanted.all || wanted.validate ? SIZE_MAX : wanted.names.size();
  }

  // The indexed walk; false when it gives the line up (not strictly a JSON object), having set
  // no label.
  static bool ExtractIndexed(LineContext& ctx, JsonFieldsState& state) {
    JsonLineIndex& index = state.index;
    if (!index.Index(ctx.line) || index.At(0) != '{') return false;
    state.found.clear();
    Walk walk{ctx, state, *ctx.wanted, Missing(*ctx.wanted), &state.found};
    size_t i = 0;
    const Indexed e = walk.IndexedObject(index, &i, "", JsonFieldsState::kTop, 0);
    // Past the object's '}' the line must end (On-Demand decides about anything after it).
    if (e == Indexed::kNotStrict || (e == Indexed::kRead && i != index.size())) return false;
    for (const auto& [name, value] : state.found) ctx.labels->Set(name, value);
    return true;
  }

  // On-Demand: extracts the fields of `doc`'s object; the labels set before an error are kept.
  static error_code Extract(LineContext& ctx, JsonFieldsState& state, od::document& doc) {
    od::object object;
    error_code error = doc.get_object().get(object);
    Walk walk{ctx, state, *ctx.wanted, Missing(*ctx.wanted), nullptr};
    if (!error) error = walk.Object(object, "", JsonFieldsState::kTop);
    return error;
  }

  JsonWalk walk_;
};

}  // namespace

std::shared_ptr<const Stage> MakeJsonFieldsStage(JsonWalk walk) {
  return std::make_shared<JsonStage>(walk);
}

}  // namespace vigie::logql::json
