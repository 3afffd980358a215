// The stages that rewrite lines or labels with templates, strip colours, or extract with a
// pattern: | line_format, | label_format, | decolorize, | pattern (docs/logql.md). They run
// through StreamPipeline like the others (pipeline.h); each is immutable and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "query/logql/pipeline.h"

namespace vigie::logql {

// The __error__ of a template that fails to render, as Loki names it.
inline constexpr std::string_view kTemplateFormatErr = "TemplateFormatErr";

// | line_format "template": the line becomes the rendered template. A render error keeps the line
// and sets __error__="TemplateFormatErr" with the reason in __error_details__. Fails on a
// template that does not parse (template.h).
absl::StatusOr<std::shared_ptr<const Stage>> MakeLineFormatStage(std::string text);

// One item of | label_format: name="template", or name=source (a rename).
struct LabelFormat {
  std::string name;
  std::string value;  // The template, or the source label's name.
  bool rename = false;
};
// | label_format a="{{.b}}", c=d. Templates see the labels as they are when the first template
// renders (Loki's snapshot); a rename moves the source label's value to `name` and removes the
// source, and does nothing when the source is absent. Fails on a template that does not parse,
// on __error__ as a target, and on a name given twice (Loki's rules).
absl::StatusOr<std::shared_ptr<const Stage>> MakeLabelFormatStage(std::vector<LabelFormat> items);

// | decolorize: removes ANSI escape sequences from the line (decolorize.h).
std::shared_ptr<const Stage> MakeDecolorizeStage();

// | pattern "<ip> - - <_> ...": named captures become labels (name_extracted when the stream has
// the name), as Loki's pattern parser does (pattern.h). A line that does not match keeps its
// labels, without an error. Fails on an invalid pattern.
absl::StatusOr<std::shared_ptr<const Stage>> MakePatternStage(std::string text);

}  // namespace vigie::logql
