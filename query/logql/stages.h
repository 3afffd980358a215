// The pipeline stages of LogQL that vigie implements, as Loki defines them (docs/logql.md
// describes each one). The parser (parser_pipeline.cc) makes them; they run through
// StreamPipeline (pipeline.h). Every stage is immutable and thread-safe (see Stage).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "query/logql/line_filter.h"
#include "query/logql/matcher.h"
#include "query/logql/pipeline.h"

namespace vigie::logql {

// Appends `key` to *out as Loki sanitises extracted names: every byte (every UTF-8 character)
// other than [a-zA-Z0-9_] becomes one '_', and a name that would start with a digit gets a
// leading '_'. `trim` strips surrounding spaces first (top-level keys, as Loki does).
void AppendSanitizedName(std::string* out, std::string_view key, bool trim);

// A line filter that runs inside the pipeline (after a stage that rewrites the line).
absl::StatusOr<std::shared_ptr<const Stage>> MakeLineFilterStage(LineFilterSpec spec,
                                                                 const Limits& limits);

// `label="path"` of | json and | logfmt; `path` is the label name itself when not written.
struct ExtractionExpr {
  std::string label;
  std::string path;
  bool path_written = true;  // For printing: `| json a` versus `| json a="a"`.
};

// How | json (without expressions) reads a line. kIndexed, when every value is read (a log
// query, LabelNeeds::validate), walks the structural index of the line (json_index.h), and leaves
// to On-Demand the lines that are not strictly JSON objects, which it reads (and reports the
// errors of) as it always has: the labels are the same either way. kOnDemand alone is for the
// tests that compare the two.
enum class JsonWalk { kIndexed, kOnDemand };

// | json, or | json a="x.y", b="list[0]" (Loki's path syntax: x.y, x[0], x["a b"], ["a"]).
// Fails with InvalidArgument naming a bad path or label name.
absl::StatusOr<std::shared_ptr<const Stage>> MakeJsonStage(std::vector<ExtractionExpr> exprs,
                                                           JsonWalk walk = JsonWalk::kIndexed);

// | logfmt [--strict] [--keep-empty] [a, b="key"]. Fails on a bad label name.
struct LogfmtOptions {
  bool strict = false;
  bool keep_empty = false;
};
absl::StatusOr<std::shared_ptr<const Stage>> MakeLogfmtStage(LogfmtOptions options,
                                                             std::vector<ExtractionExpr> exprs);

// | regexp "(?P<name>re)". Fails when the regex is invalid or has no named group, or when a
// group's name is not a valid label name.
absl::StatusOr<std::shared_ptr<const Stage>> MakeRegexpStage(std::string pattern,
                                                             const Limits& limits);

// | unpack: the JSON object that Promtail's pack stage writes; its `_entry` becomes the line.
std::shared_ptr<const Stage> MakeUnpackStage();

// One item of | keep or | drop: a name, or a matcher (drop level="debug").
struct LabelItem {
  std::string name;
  std::optional<LabelMatcher> matcher;
};
std::shared_ptr<const Stage> MakeKeepStage(std::vector<LabelItem> items);
std::shared_ptr<const Stage> MakeDropStage(std::vector<LabelItem> items);

}  // namespace vigie::logql
