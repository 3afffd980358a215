// Go's text/template builtins: and, or, not, len, index, print, printf, println, eq, ne, lt, le,
// gt, ge (Go's funcs.go), with its messages.
#include <algorithm>

#include "common/strings.h"
#include "query/gotemplate/args.h"
#include "query/gotemplate/template.h"

namespace vigie::gotemplate {
namespace {

using Args = std::vector<Value>;
using Result = absl::StatusOr<Value>;

// The nil data for TypeName and AppendValue of values that are never kRoot (Call resolves it).
class NoData : public Data {
 public:
  std::optional<Value> Field(std::string_view) const override { return std::nullopt; }
  Value Whole() const override { return Value::Nil(); }
};

absl::StatusOr<int> Compare(const Value& a, const Value& b, bool ordered) {
  if (a.type != b.type) return absl::InvalidArgumentError("incompatible types for comparison");
  switch (a.type) {
    case Value::Type::kString:
      return a.str < b.str ? -1 : a.str > b.str ? 1 : 0;
    case Value::Type::kInt:
    case Value::Type::kTime:
      return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    case Value::Type::kFloat:
      return a.f < b.f ? -1 : a.f > b.f ? 1 : 0;
    case Value::Type::kBool:
      if (!ordered) return a.b == b.b ? 0 : 1;
      break;
    default:
      break;
  }
  return absl::InvalidArgumentError("invalid type for comparison");
}

Result Eq(Args& args, const Data&) {
  for (size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<int> c = Compare(args[0], args[i], false);
    if (!c.ok()) return c.status();
    if (*c == 0) return Value::Bool(true);
  }
  return Value::Bool(false);
}
template <bool (*Test)(int)>
Result Ordered(Args& args, const Data&) {
  absl::StatusOr<int> c = Compare(args[0], args[1], true);
  if (!c.ok()) return c.status();
  return Value::Bool(Test(*c));
}
bool Less(int c) { return c < 0; }
bool LessEq(int c) { return c <= 0; }
bool Greater(int c) { return c > 0; }
bool GreaterEq(int c) { return c >= 0; }

Result Print(Args& args, const Data& data, bool spaces_always, bool newline) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    // fmt.Sprint adds a space between operands when neither is a string.
    if (i > 0 && (spaces_always || (args[i - 1].type != Value::Type::kString &&
                                    args[i].type != Value::Type::kString))) {
      out += ' ';
    }
    AppendValue(args[i], data, &out);
  }
  if (newline) out += '\n';
  return Value::String(std::move(out));
}

// and/or called with evaluated arguments (as an operand); commands evaluate them lazily.
Value AndOr(const Args& args, const Data& data, bool is_and) {
  for (const Value& v : args) {
    if (Truth(v, data) != is_and) return v;
  }
  return args.back();
}

Result Len(Args& a, const Data& d) {
  switch (a[0].type) {
    case Value::Type::kString:
      return Value::Int(static_cast<int64_t>(a[0].str.size()));
    case Value::Type::kMap:
      return Value::Int(static_cast<int64_t>(a[0].map->size()));
    case Value::Type::kList:
      return Value::Int(static_cast<int64_t>(a[0].list->size()));
    default:
      return absl::InvalidArgumentError(StrCat("len of type ", TypeName(a[0], d)));
  }
}

Result Index(Args& a, const Data& d) {
  Value item = a[0];
  for (size_t i = 1; i < a.size(); ++i) {
    const Value& key = a[i];
    if (item.type == Value::Type::kMap) {
      if (key.type != Value::Type::kString) {
        return absl::InvalidArgumentError(
            StrCat("value has type ", TypeName(key, d), "; should be string"));
      }
      auto it = item.map->find(key.str);
      item = it != item.map->end() ? it->second
             : item.elem_is_string ? Value::String("")
                                   : Value::Nil();
    } else if (item.type == Value::Type::kList || item.type == Value::Type::kString) {
      if (key.type != Value::Type::kInt) {
        return absl::InvalidArgumentError(
            StrCat("cannot index slice/array with type ", TypeName(key, d)));
      }
      const size_t size = item.type == Value::Type::kList ? item.list->size() : item.str.size();
      if (key.i < 0 || static_cast<size_t>(key.i) >= size) {
        return absl::InvalidArgumentError(StrCat("index out of range: ", key.i));
      }
      item = item.type == Value::Type::kList
                 ? (*item.list)[key.i]
                 : Value::Int(static_cast<unsigned char>(item.str[key.i]));
    } else if (item.type == Value::Type::kNil) {
      return absl::InvalidArgumentError("index of untyped nil");
    } else {
      return absl::InvalidArgumentError(StrCat("can't index item of type ", TypeName(item, d)));
    }
  }
  return item;
}

const Function kBuiltins[] = {
    {"and", 1, -1, [](Args& a, const Data& d) -> Result { return AndOr(a, d, true); }},
    {"or", 1, -1, [](Args& a, const Data& d) -> Result { return AndOr(a, d, false); }},
    {"not", 1, 1, [](Args& a, const Data& d) -> Result { return Value::Bool(!Truth(a[0], d)); }},
    {"len", 1, 1, Len},
    {"index", 1, -1, Index},
    {"print", 0, -1, [](Args& a, const Data& d) { return Print(a, d, false, false); }},
    {"println", 0, -1, [](Args& a, const Data& d) { return Print(a, d, true, true); }},
    {"printf", 1, -1,
     [](Args& a, const Data& d) -> Result {
       std::string format;
       if (absl::Status s = StringArg(a[0], &format); !s.ok()) return s;
       return Value::String(Sprintf(format, Args(a.begin() + 1, a.end()), d));
     }},
    {"eq", 2, -1, Eq},
    {"ne", 2, 2,
     [](Args& a, const Data& d) -> Result {
       Result r = Eq(a, d);
       if (r.ok()) r->b = !r->b;
       return r;
     }},
    {"lt", 2, 2, Ordered<Less>},
    {"le", 2, 2, Ordered<LessEq>},
    {"gt", 2, 2, Ordered<Greater>},
    {"ge", 2, 2, Ordered<GreaterEq>},
};

}  // namespace

absl::Status WrongType(const Value& v, std::string_view want) {
  return absl::InvalidArgumentError(
      StrCat("wrong type for value; expected ", want, "; got ", TypeName(v, NoData())));
}

absl::Status StringArg(const Value& v, std::string* out) {
  if (v.type != Value::Type::kString) return WrongType(v, "string");
  *out = v.str;
  return absl::OkStatus();
}

absl::Status IntArg(const Value& v, int64_t* out) {
  if (v.type != Value::Type::kInt) return WrongType(v, "int");
  *out = v.i;
  return absl::OkStatus();
}

std::span<const Function> BuiltinFunctions() { return kBuiltins; }

}  // namespace vigie::gotemplate
