// The pieces of template.h's implementation: values, the parsed tree and the function table.
// Internal to vigie_logql.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "query/logql/template.h"

namespace vigie::logql::tmpl {

// Rendering stops with an error beyond this output size (repeat 1000000000 "x").
inline constexpr size_t kMaxOutput = 1 << 20;
// Deeper nesting of {{if}} and parentheses is a parse error: it bounds the recursion.
inline constexpr int kMaxDepth = 64;

// A Go value as the templates meet them. kDot is the map of labels ({{.}}).
struct Value {
  enum class Type { kString, kInt, kFloat, kBool, kTime, kDot };
  Type type = Type::kString;
  std::string str;
  int64_t i = 0;  // kInt; nanoseconds since the epoch for kTime.
  double f = 0;
  bool b = false;

  static Value String(std::string s) { return {Type::kString, std::move(s)}; }
  static Value Int(int64_t v) { return {Type::kInt, "", v}; }
  static Value Float(double v) { return {Type::kFloat, "", 0, v}; }
  static Value Bool(bool v) { return {Type::kBool, "", 0, 0, v}; }
  static Value Time(int64_t ns) { return {Type::kTime, "", ns}; }
};

// Go's type name in messages: string, int, float64, bool, time.Time, map[string]string.
std::string_view TypeName(Value::Type type);
// Go's truth: non-empty string, non-zero number, true; a time is always true.
bool Truth(const Value& v, const TemplateData& data);
// Appends Go's %v of `v`.
void AppendValue(const Value& v, const TemplateData& data, std::string* out);

// fmt.Sprintf for the verbs templates use: %v %s %d %f %F %e %E %g %G %x %X %o %b %q %t %c %%,
// with flags (- + # 0 space), width and precision; mismatches print as Go does (%!d(string=x)).
std::string Sprintf(std::string_view format, const std::vector<Value>& args,
                    const TemplateData& data);
// Go's time.Format(layout) in UTC.
std::string FormatTime(std::string_view layout, int64_t ns);

using FunctionImpl = absl::StatusOr<Value> (*)(std::vector<Value>& args, const TemplateData& data);
struct Function {
  std::string_view name;
  int min_args;
  int max_args;  // -1: any number.
  FunctionImpl impl;
};
// The function called `name` (Loki's table, Go's builtins), or null.
const Function* FindFunction(std::string_view name);

struct Pipeline;
struct Operand {
  enum class Kind { kField, kDot, kLiteral, kFunction, kPipeline };
  Kind kind = Kind::kLiteral;
  size_t offset = 0;
  std::vector<std::string> path;       // kField: .a.b → {"a", "b"}.
  Value literal;                       // kLiteral.
  const Function* function = nullptr;  // kFunction; "and" and "or" evaluate lazily.
  std::unique_ptr<Pipeline> pipeline;  // kPipeline: ( ... ).
};
struct Command {
  std::vector<Operand> operands;  // A function and its arguments, or a single value.
};
struct Pipeline {
  std::vector<Command> commands;  // a | b | c.
};
struct Node {
  enum class Kind { kText, kAction, kIf };
  Kind kind = Kind::kText;
  std::string text;                   // kText.
  Pipeline pipeline;                  // kAction; kIf's condition.
  std::vector<Node> then, otherwise;  // kIf; {{else if}} is an kIf alone in `otherwise`.
};

// Parses `text` into nodes; errors as Template::Parse.
absl::StatusOr<std::vector<Node>> ParseNodes(std::string_view text);
absl::Status RenderNodes(const std::vector<Node>& nodes, const TemplateData& data,
                         std::string* out);

}  // namespace vigie::logql::tmpl
