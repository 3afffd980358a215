// A Go text/template engine: the subset that Loki's line_format/label_format templates and
// Prometheus's alerting and recording rule templates use, with a function table per dialect.
//
// Supported: text, actions {{ pipeline }} with trim markers {{- -}}, comments {{/* */}}, fields
// and chains ({{.a.b}}, {{$x.Labels.instance}}, {{(pipeline).field}}), the dot {{.}},
// string/number/bool/nil literals, parenthesised pipelines, pipelines a | f b (the value becomes
// f's last argument), {{if}} / {{else if}} / {{else}} / {{end}}; where the dialect allows it,
// variables ({{$x := p}}, {{$x = p}}, $ for the root), {{range}} (over lists and maps, with
// {{range $i, $e := p}}, {{else}}, {{break}}, {{continue}}) and {{with}}. Not supported (parse
// errors that say so): define, template, block.
//
// Thread safety: a parsed Template is immutable; Render may be called concurrently with
// different (or the same, if it is thread-safe) Data.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/gotemplate/value.h"

namespace vigie::gotemplate {

namespace internal {
struct Node;
}  // namespace internal

// Rendering stops with an error beyond this output size (repeat 1000000000 "x"); functions that
// build long strings stop there too.
inline constexpr size_t kMaxOutput = 1 << 20;

// What a template renders: its dot. Implemented by each caller (LogQL's log entry, an alert).
class Data {
 public:
  virtual ~Data() = default;
  // Field `name` of the dot ({{ .name }}), or nullopt when the data has no such field (a render
  // error, "can't evaluate field name in type ..."). A map with no such key returns its zero
  // value instead, as Go does with missingkey=zero.
  virtual std::optional<Value> Field(std::string_view name) const = 0;
  // The data as one value, for {{ . }}, {{ len . }} and {{ range . }}.
  virtual Value Whole() const = 0;
};

// A template function. `args` are evaluated, a piped value last; `data` is the data the template
// renders, which a dialect's functions may downcast to the Data type that dialect renders.
using FunctionImpl = absl::StatusOr<Value> (*)(std::vector<Value>& args, const Data& data);
struct Function {
  std::string_view name;
  int min_args;
  int max_args;  // -1: any number.
  FunctionImpl impl;
};

// A flavour of templates: its functions and the control structures it accepts.
struct Dialect {
  // Searched in order, so a later table cannot shadow an earlier one's names.
  std::vector<std::span<const Function>> functions;
  // Variables, {{range}} and {{with}} (Prometheus); without them they are parse errors (Loki's
  // line_format, whose stages must know statically which labels a template reads).
  bool variables_and_loops = true;
};

// Go's own functions: and, or, not, len, index, print, printf, println, eq, ne, lt, le, gt, ge.
std::span<const Function> BuiltinFunctions();

// What the caller parses: the text, and an invisible preamble (Prometheus's rules prepend
// {{$labels := .Labels}}...): it is parsed and executed first, and positions in parse errors
// are in `text`, not in the preamble.
struct Source {
  std::string_view text;
  std::string_view preamble;
  // Non-empty: render errors read as Go's "template: NAME:LINE:COL: executing \"NAME\" at
  // <context>: what", with positions counted as Go counts them in preamble + text. Empty: just
  // "what".
  std::string_view name;
};

class Template {
 public:
  // Fails with InvalidArgument "template: line L, col C: <what is wrong>" (the position in
  // `text`), for example an unknown function, an undefined variable, an unclosed action or a
  // missing {{end}}. `dialect` must outlive the Template.
  static absl::StatusOr<Template> Parse(const Source& source, const Dialect& dialect);
  static absl::StatusOr<Template> Parse(std::string_view text, const Dialect& dialect) {
    return Parse(Source{text, {}, {}}, dialect);
  }

  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;
  ~Template();

  // Renders into *out (replacing it). A failure (a function's error, a wrong argument type, a
  // comparison of a string with a number, output over 1 MiB) returns InvalidArgument with Go's
  // message; *out may then hold partial output.
  absl::Status Render(const Data& data, std::string* out) const;

  // What the template reads, for callers that prepare only what is read.
  struct Reads {
    std::vector<std::string> fields;  // Top-level fields of the dot, {{.a}} → "a"; sorted, unique.
    std::vector<std::string> functions;  // Functions called; sorted, unique.
    bool whole = false;                  // The dot itself ({{.}}, {{len .}}, $).
  };
  const Reads& reads() const { return reads_; }
  // "name" when the whole template is {{.name}}.
  const std::optional<std::string>& simple_field() const { return simple_field_; }
  const std::string& text() const { return text_; }

 private:
  Template() = default;

  std::string text_;       // Source::text.
  std::string full_text_;  // Source::preamble + text: what error positions count in.
  std::string name_;       // Source::name.
  std::unique_ptr<std::vector<internal::Node>> nodes_;
  Reads reads_;
  std::optional<std::string> simple_field_;
};

}  // namespace vigie::gotemplate
