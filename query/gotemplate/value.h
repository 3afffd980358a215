// The values a Go text/template meets, modelled on the Go types that Loki's and Prometheus's
// templates pass around: string, int, float64, bool, time.Time, maps, lists, structs and nil.
//
// Thread safety: a Value is immutable once built; composite values share their contents through
// shared_ptr<const ...>, so copies are cheap and may cross threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigie::gotemplate {

class Data;
struct Value;

using ValueMap = std::map<std::string, Value, std::less<>>;
using ValueList = std::vector<Value>;

// A Go struct (or pointer to one): named fields in declaration order, printed {a b} or &{a b}.
struct StructValue {
  std::string type_name;  // For messages: "template.sample", "struct { Labels ... }".
  bool pointer = false;
  std::vector<std::pair<std::string, Value>> fields;
};

struct Value {
  // kRoot is the template's data (the dot before any range or with): its fields come from Data.
  enum class Type { kNil, kString, kInt, kFloat, kBool, kTime, kMap, kList, kStruct, kRoot };
  Type type = Type::kNil;
  std::string str;  // kString.
  int64_t i = 0;    // kInt; nanoseconds since the epoch for kTime.
  double f = 0;     // kFloat.
  bool b = false;   // kBool.
  // kMap: `elem_is_string` picks the zero value of a missing key ("" for map[string]string,
  // nil for map[string]interface{}).
  std::shared_ptr<const ValueMap> map;
  bool elem_is_string = false;
  std::shared_ptr<const ValueList> list;     // kList.
  std::shared_ptr<const StructValue> strct;  // kStruct.
  std::string_view list_type;                // kList: Go's type name, "[]interface {}" if empty.

  static Value Nil() { return {}; }
  static Value String(std::string s) { return {.type = Type::kString, .str = std::move(s)}; }
  static Value Int(int64_t x) { return {.type = Type::kInt, .i = x}; }
  static Value Float(double x) { return {.type = Type::kFloat, .f = x}; }
  static Value Bool(bool x) { return {.type = Type::kBool, .b = x}; }
  static Value Time(int64_t ns) { return {.type = Type::kTime, .i = ns}; }
  static Value Root() { return {.type = Type::kRoot}; }
  static Value Map(ValueMap m, bool elem_is_string);
  // A map[string]string.
  static Value StringMap(const std::map<std::string, std::string>& m);
  static Value List(ValueList l, std::string_view type_name = {});
  static Value Struct(StructValue s);
};

// Go's type name in messages: string, int, float64, bool, time.Time, map[string]string, ...
std::string TypeName(const Value& v, const Data& data);
// Go's truth: non-empty string/map/list, non-zero number, true; a struct or time is true; nil is
// false.
bool Truth(const Value& v, const Data& data);
// The value itself: the root's value when v is kRoot, else v.
Value Resolve(const Value& v, const Data& data);
// Appends fmt's %v of `v` (nil is "<nil>", as inside printf).
void AppendValue(const Value& v, const Data& data, std::string* out);

// fmt.Sprintf for the verbs templates use: %v %s %d %f %F %e %E %g %G %x %X %o %b %q %t %c %%,
// with flags (- + # 0 space), width and precision; mismatches print as Go does (%!d(string=x)).
std::string Sprintf(std::string_view format, const std::vector<Value>& args, const Data& data);
// Go's time.Format(layout) in UTC.
std::string FormatTime(std::string_view layout, int64_t ns);
// time.Time's String() in UTC: "2015-06-23 13:19:44.128 +0000 UTC".
std::string TimeString(int64_t ns);

}  // namespace vigie::gotemplate
