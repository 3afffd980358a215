// Runs one line through a parsed log query, as the engines do: the query's line filters first,
// then its pipeline; the labels are a log query's (StreamPipeline::LineLabels: with those a stage
// set to ""). Shared by the LogQL stage tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "query/logql/parser.h"
#include "query/logql/pipeline.h"

namespace vigie::logql {

// What is left of a line: its text and its labels in text form.
struct PipelineResult {
  std::string line;
  std::string labels;
};

// `line` of a stream labelled `stream` through `query`, at time `ts`; nullopt when the query
// drops it. A query that does not parse fails the calling test (and gives "<parse error>").
inline std::optional<PipelineResult> RunLogPipeline(std::string_view query, std::string_view line,
                                                    std::string_view stream, int64_t ts,
                                                    const LabelNeeds& required = LabelNeeds()) {
  absl::StatusOr<Query> parsed = Parse(query, Limits());
  EXPECT_TRUE(parsed.ok()) << query << ": " << parsed.status();
  if (!parsed.ok() || !parsed->log) return PipelineResult{"<parse error>", "<parse error>"};
  absl::StatusOr<LabelSet> labels = LabelSet::Parse(stream);
  EXPECT_TRUE(labels.ok());
  if (!parsed->log->filter.Matches(line)) return std::nullopt;
  StreamPipeline pipeline(parsed->log->pipeline, *labels, required);
  if (!pipeline.Process(ts, line)) return std::nullopt;
  return PipelineResult{std::string(pipeline.line()), pipeline.LineLabels().ToString()};
}

}  // namespace vigie::logql
