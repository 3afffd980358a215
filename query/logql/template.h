// The templates of `| line_format "..."` and `| label_format name="..."`: Go's text/template as
// Loki's templates use it, on the shared engine (query/gotemplate) with Loki's functions
// (docs/logql.md, "Templates").
//
// Supported: text, actions {{ pipeline }} with trim markers {{- -}}, comments {{/* */}}, fields
// {{.name}} (a missing label renders as "", Loki's missingkey=zero over a map of strings), the
// dot {{.}}, string/number/bool literals, parenthesised pipelines, pipelines a | f b (the value
// becomes f's last argument), {{if}} / {{else if}} / {{else}} / {{end}}, Go's builtins and the
// functions listed in template_funcs.cc. Not supported (parse errors that say so): variables,
// range, with, define, template, block: a stage must know which labels its template reads.
//
// Thread safety: a parsed Template is immutable; Render may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/gotemplate/template.h"

namespace vigie::logql {

// What a template sees of one log entry. Implemented by the pipeline over its label builder.
class TemplateData {
 public:
  virtual ~TemplateData() = default;
  // The value of label `name`, or nullopt when the entry has none.
  virtual std::optional<std::string_view> Get(std::string_view name) const = 0;
  // Every label, for {{.}} (printed as Go prints a map: map[a:1 b:2], sorted by name).
  virtual std::vector<std::pair<std::string, std::string>> All() const = 0;
  virtual std::string_view line() const = 0;  // __line__
  virtual int64_t timestamp_ns() const = 0;   // __timestamp__
};

class Template {
 public:
  // Fails with InvalidArgument "template: line L, col C: <what is wrong>" (the position in
  // `text`), for example an unknown function, an unclosed action or a missing {{end}}.
  static absl::StatusOr<Template> Parse(std::string_view text);

  // Renders into *out (replacing it). A failure (a function error such as a division by zero, a
  // wrong argument type, a comparison of a string with a number, output over 1 MiB) returns
  // InvalidArgument with Go's kind of message; the pipeline then sets
  // __error__="TemplateFormatErr" and __error_details__ to it, as Loki does.
  absl::Status Render(const TemplateData& data, std::string* out) const;

  // The labels the template reads ({{.a}} → "a"), sorted and unique: what a parser stage before
  // it must extract.
  const std::vector<std::string>& fields() const { return template_.reads().fields; }
  // "name" when the whole template is {{.name}}: the pipeline may copy the label's value.
  const std::optional<std::string>& simple_field() const { return template_.simple_field(); }
  // Whether the template calls __line__.
  bool uses_line() const { return uses_line_; }
  // Whether it reads the dot itself ({{.}}, {{len .}}): then it reads every label.
  bool uses_dot() const { return template_.reads().whole; }

  const std::string& text() const { return template_.text(); }

 private:
  explicit Template(gotemplate::Template t);

  gotemplate::Template template_;
  bool uses_line_ = false;
};

}  // namespace vigie::logql
